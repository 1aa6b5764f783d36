"""Reading a query, matching and ranking it, on PostgreSQL and on SQLite alike.

A query is its words (``[^\\W_]+``, lower case, common English words dropped). A record
matches when each word is in its document, as the start of a word there (``xiao`` matches
Xiaomi) or as a name word it is close to: a word that starts no indexed name word is also
matched as the name words whose trigram similarity to it is at least ``SIMILARITY``
(``xiomi`` → ``xiaomi``). The similarity is pg_trgm's, computed here so that both databases
correct a word the same way; PostgreSQL's ``pg_trgm`` index finds the candidates.

Ranks: PostgreSQL's ``ts_rank`` over the weighted vector, SQLite's ``bm25`` with the same
order of weights; a name (A) match outranks a body (C) match on both.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.expressions import RawSQL

from entrants.cache import per_data_version
from entrants.search.documents import KINDS
from entrants.search.models import SearchDocument, SearchTerm

WORD = re.compile(r"[^\W_]+")
STOPWORDS = frozenset(
    "a an and at by for from in into is it of on or the to with what who where".split()
)
FUZZY_MIN_LENGTH = 4
SIMILARITY = 0.4
MAX_CORRECTIONS = 3
# ts_rank's weights for D, C, B, A; bm25's for title (A), names (B), body (C).
PG_WEIGHTS = [0.05, 0.1, 0.4, 1.0]
FTS_WEIGHTS = (10.0, 4.0, 1.0)
FTS_TABLE = "entrants_search_fts"


def trigrams(word):
    """pg_trgm's trigrams of one word: lower case, two spaces before, one after."""
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a, b):
    """pg_trgm's ``similarity()`` of two words: shared trigrams over all trigrams."""
    first, second = trigrams(a), trigrams(b)
    return len(first & second) / len(first | second) if first or second else 0.0


@dataclass
class Query:
    """A parsed search: its words and, for each, the name words it may be a misspelling of."""

    text: str
    words: list
    corrections: dict = field(default_factory=dict)

    def __bool__(self):
        return bool(self.words)

    def alternatives(self, word):
        return [word, *self.corrections.get(word, [])]

    @property
    def corrected(self):
        """``[(typed, [read as…])]`` for the words that were corrected."""
        return [(word, self.corrections[word]) for word in self.words if word in self.corrections]


def words_of(text):
    words = WORD.findall(text.lower())
    kept = [word for word in words if word not in STOPWORDS]
    return list(dict.fromkeys(kept or words))


def vocabulary():
    """Every indexed name word (SQLite: read once per data version)."""
    return per_data_version(
        "search-vocabulary", lambda: list(SearchTerm.objects.values_list("word", flat=True))
    )


def candidates(words):
    """The name words that may correct or extend ``words``."""
    if connection.vendor == "postgresql":
        condition = Q()
        for word in words:
            condition |= Q(word__trigram_similar=word) | Q(word__startswith=word)
        return list(SearchTerm.objects.filter(condition).values_list("word", flat=True))
    return vocabulary()


def correct(words):
    """Return ``{word: [name words it may be a misspelling of]}``."""
    fuzzy = [word for word in words if len(word) >= FUZZY_MIN_LENGTH and not word.isdigit()]
    if not fuzzy:
        return {}
    known = candidates(fuzzy)
    corrections = {}
    for word in fuzzy:
        if any(name.startswith(word) for name in known):
            continue
        close = sorted(
            ((similarity(word, name), name) for name in known),
            key=lambda pair: (-pair[0], pair[1]),
        )
        found = [name for score, name in close[:MAX_CORRECTIONS] if score >= SIMILARITY]
        if found:
            corrections[word] = found
    return corrections


def parse(text):
    words = words_of(text or "")
    return Query(text=text or "", words=words, corrections=correct(words))


# --- PostgreSQL -----------------------------------------------------------------------------


def tsquery(query):
    groups = []
    for word in query.words:
        options = [f"{word}:*", *query.corrections.get(word, [])]
        groups.append("(" + " | ".join(options) + ")")
    return SearchQuery(" & ".join(groups), search_type="raw", config="simple")


# --- SQLite FTS5 ----------------------------------------------------------------------------


def fts_match(query):
    groups = []
    for word in query.words:
        options = [f'"{word}"*', *(f'"{name}"' for name in query.corrections.get(word, []))]
        groups.append("(" + " OR ".join(options) + ")")
    return " AND ".join(groups)


FTS_MATCHES = (
    f"SELECT d.object_id FROM {FTS_TABLE} JOIN entrants_searchdocument d "
    f"ON d.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH %s AND d.kind = %s"
)


# --- Both -----------------------------------------------------------------------------------


def matching_ids(kind, query):
    """A subquery of the keys of ``kind``'s records that match: for a list's ``q``."""
    if connection.vendor == "postgresql":
        return SearchDocument.objects.filter(kind=kind, vector=tsquery(query)).values("object_id")
    return RawSQL(FTS_MATCHES, [fts_match(query), kind])


def counts(query):
    """Return ``{kind: number of matching records}``."""
    if connection.vendor == "postgresql":
        rows = (
            SearchDocument.objects.filter(vector=tsquery(query))
            .values_list("kind")
            .annotate(count=Count("id"))
            .order_by()
        )
        return dict(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.kind, COUNT(*) FROM {FTS_TABLE} JOIN entrants_searchdocument d "
            f"ON d.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH %s GROUP BY d.kind",
            [fts_match(query)],
        )
        return dict(cursor.fetchall())


def best(query, kind, limit):
    """Return ``kind``'s ``limit`` best-ranked matching documents, best first."""
    if connection.vendor == "postgresql":
        search = tsquery(query)
        return list(
            SearchDocument.objects.filter(kind=kind, vector=search)
            .annotate(rank=SearchRank(F("vector"), search, weights=PG_WEIGHTS))
            .order_by("-rank", "-object_id")
            .defer("vector")[:limit]
        )
    weights = ", ".join(str(weight) for weight in FTS_WEIGHTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.id FROM {FTS_TABLE} JOIN entrants_searchdocument d "
            f"ON d.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH %s AND d.kind = %s "
            f"ORDER BY bm25({FTS_TABLE}, {weights}), d.object_id DESC LIMIT %s",
            [fts_match(query), kind, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    found = SearchDocument.objects.defer("vector").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


@dataclass
class Group:
    """One kind's results: how many match, the best of them, the list that shows them all."""

    kind: object
    count: int
    hits: list
    list_url: str


def search(query, per_kind=5):
    """Return the groups of results, in the kinds' order, for the kinds that match."""
    if not query:
        return []
    found = counts(query)
    return [
        Group(kind, found[kind.name], best(query, kind.name, per_kind), kind.list_page(query.text))
        for kind in KINDS
        if found.get(kind.name)
    ]
