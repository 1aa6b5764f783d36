"""Draft facts from an article's text, sentence by sentence: what the admin's "Suggest links"
step offers and ``extract_news`` prints.

- **Prices.** Every amount of money is its own draft, on the model named in its clause ("X costs
  A, while Y costs B" gives A to X and B to Y; "… A and B respectively" pairs them in order).
  When its clause names no model, the nearest model of its sentence that no other amount's
  clause holds; never a model of another sentence. With none, the draft has no model and says
  so. An amount in another currency right after it, with only brackets and words such as "about"
  or "or roughly" between ("245,900 yuan (about $34,600), or roughly Rs9.6m"), is a conversion
  the source states of that amount, not a price of its own.
- **New models.** A draft on a name the tracker does not know carries the name and maker the
  text gives, for the editor to add.
- **Sightings and imports.** A place in a sentence that names a model or says "spotted",
  "arrived"…, or a model in a sentence that says "imported" (an import, with no place if the
  sentence gives none, and the company named before the verb as importer); the number of units
  when the sentence counts vehicles; the sentence's own date, else the article's.
- **Events.** A dated sentence with a market verb ("launched", "began assembling", "meeting").
"""

import bisect
import re
from dataclasses import dataclass, field

from entrants.dates import DatePrecision
from entrants.models import MarketEvent, PricePoint, Sighting
from entrants.newsdesk.extraction import extract

# A sentence ends at . ! or ? and a space before a capital, a quote or a bracket; not after the
# abbreviations that articles print before a figure or a name ("Rs. 8.4m", "Mr. Ali").
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(\[]*[A-Z0-9])|\n\s*\n")
ABBREVIATIONS = frozenset(
    "rs mr mrs ms dr st no nos approx est co ltd inc pvt corp vs e.g i.e jan feb mar apr jun "
    "jul aug sep sept oct nov dec".split()
)
# Where a clause ends inside a sentence: "X costs A, while Y costs B".
CLAUSE_BREAK = re.compile(
    r";|[^\S\n][–—][^\S\n]|,?[^\S\n]+(?i:while|whereas|but|and|against|versus|vs\.?|compared"
    r"[^\S\n]+(?:with|to))[^\S\n]+"
)
# What may stand between an amount and a conversion of it that the source states.
CONVERSION_GAP = re.compile(
    r"[\s,;:()\[\]/=~≈]*(?:(?i:or|about|around|roughly|approximately|approx\.?|nearly|almost|"
    r"some|equivalent[^\S\n]+to|equal[^\S\n]+to|i\.e\.?|that[^\S\n]+is|converted[^\S\n]+to)"
    r"[\s,;:()\[\]/=~≈]*)*"
)
RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
MARKETS = {"PKR": "PK", "CNY": "CN", "USD": "US"}
EVENT_CUES = [
    (re.compile(r"\bassembl", re.I), MarketEvent.Kind.ASSEMBLY_START),
    (
        re.compile(r"\b(official entry|entered|entry into|enters)\b", re.I),
        MarketEvent.Kind.MARKET_ENTRY,
    ),
    (re.compile(r"\bunveil", re.I), MarketEvent.Kind.UNVEILING),
    (re.compile(r"\blaunch", re.I), MarketEvent.Kind.LAUNCH),
    (re.compile(r"\bmeeting\b|\bmet with\b", re.I), MarketEvent.Kind.MEETING),
    (re.compile(r"\b(signed|agreement|memorandum|MoU)\b", re.I), MarketEvent.Kind.AGREEMENT),
    (re.compile(r"\bpolicy\b", re.I), MarketEvent.Kind.POLICY),
]
# Done, not planned or denied: "imported", never "plans to begin importing" or "has not imported".
IMPORT_CUES = re.compile(
    r"(?<!not )(?<!n't )(?<!never )(?<!be )\b(imported|brought[^\S\n]+in|shipped[^\S\n]+in|"
    r"cleared[^\S\n]+customs)\b",
    re.I,
)
SIGHTING_CUES = re.compile(
    r"\b(spotted|seen|sighted|arrived|landed|photographed|imported|shipped)\b", re.I
)
NO_MODEL = "No vehicle model is named in this sentence."


@dataclass
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Found:
    """One mention found in the text: where, and what (an extraction item)."""

    sentence: int
    start: int
    end: int
    item: object


@dataclass
class Suggestions:
    """What an article mentions, and the drafts made from it."""

    extraction: object
    prices: list = field(default_factory=list)
    sightings: list = field(default_factory=list)
    events: list = field(default_factory=list)

    def as_dict(self):
        """The drafts as JSON-ready data (what ``extract_news`` prints)."""
        return {"prices": self.prices, "sightings": self.sightings, "events": self.events}


def sentences_of(text):
    """Split ``text`` into sentences with their character spans."""
    result, start = [], 0
    for match in SENTENCE_END.finditer(text):
        words = text[start : match.start()].split()
        if (
            words
            and words[-1].rstrip(".!?").lower() in ABBREVIATIONS
            and text[match.start() - 1] == "."
        ):
            continue
        result.append(Sentence(start, match.start(), text[start : match.start()].strip()))
        start = match.end()
    if start < len(text):
        result.append(Sentence(start, len(text), text[start:].strip()))
    return [sentence for sentence in result if sentence.text]


def sentence_index(sentences, position):
    """Return the index of the sentence holding ``position``: the last one starting at or
    before it (a name opening a sentence is that sentence's, not the one before's)."""
    starts = [sentence.start for sentence in sentences]
    return max(0, bisect.bisect_right(starts, position) - 1)


def spans_of(text, item):
    """Return the (start, end) of every whole-word mention of ``item`` in ``text``."""
    if getattr(item, "position", None) is not None and hasattr(item, "value"):
        return [(item.position, item.position + len(item.text))]  # an amount or a quantity
    spellings = getattr(item, "matched", None) or (getattr(item, "text", ""),)
    spans = set()
    for spelling in filter(None, spellings):
        pattern = rf"(?<!\w){re.escape(spelling)}(?!\w)"
        spans.update(match.span() for match in re.finditer(pattern, text, re.I))
    return sorted(spans) or [(item.position, item.position + 1)]


def mentions(text, sentences, extraction):
    """Return each kind's mentions in order, as ``Found``; a mention inside a longer one of
    its kind ("SU7" inside "SU7 Max") is the longer one's."""
    found = {}
    for kind in ("models", "companies", "amounts", "quantities", "places", "dates"):
        spans = [
            (span, item) for item in getattr(extraction, kind) for span in spans_of(text, item)
        ]
        found[kind] = sorted(
            (
                Found(sentence_index(sentences, start), start, end, item)
                for (start, end), item in spans
                if not any(
                    s <= start and end <= e and (e - s) > (end - start) for (s, e), _ in spans
                )
            ),
            key=lambda mention: mention.start,
        )
    return found


def priced_amounts(text, sentence, amounts, models):
    """Return ``(amount, stated, model)`` for each price the sentence gives: ``amounts`` and
    ``models`` are its mentions (``Found``), in order; ``stated`` the conversions of that amount
    the source gives; ``model`` a ``Found`` or None."""
    groups = []
    for mention in amounts:
        if groups:
            main, stated, previous_end = groups[-1]
            currencies = {main.item.currency, *(s.item.currency for s in stated)}
            gap = text[previous_end : mention.start]
            if mention.item.currency not in currencies and CONVERSION_GAP.fullmatch(gap):
                stated.append(mention)
                groups[-1] = (main, stated, mention.end)
                continue
        groups.append((mention, [], mention.end))
    breaks = [m.start() for m in CLAUSE_BREAK.finditer(text, sentence.start, sentence.end)]

    def clause(position):
        return bisect.bisect_right(breaks, position)

    distinct = list({m.item.name: m for m in models}.values())
    if RESPECTIVELY.search(sentence.text) and len(distinct) == len(groups) > 1:
        pairs = zip(groups, distinct, strict=True)
        return [(main, stated, model) for (main, stated, _end), model in pairs]
    priced_clauses = {clause(main.start) for main, _, _ in groups}
    result = []
    for main, stated, _ in groups:
        here = clause(main.start)
        same = [m for m in models if clause(m.start) == here]
        before = [m for m in same if m.end <= main.start]
        after = [m for m in same if m.start >= main.end]
        free = [m for m in models if clause(m.start) not in priced_clauses]
        if before:
            model = before[-1]
        elif after:
            model = after[0]
        elif free:
            model = min(free, key=lambda m: abs(m.start - main.start))
        else:
            model = None
        result.append((main, stated, model))
    return result


def importer_of(companies, model, cue):
    """The company that imported, for an import draft: the last known company named before the
    import verb that is not the model's maker ("Air Link imported two units of the SU7")."""
    if cue is None:
        return None
    maker = getattr(model.item, "maker_id", None) if model else None
    before = [
        c.item.id
        for c in companies
        if c.end <= cue.start() and not c.item.new and c.item.id != maker
    ]
    return before[-1] if before else None


def model_fields(mention):
    """The draft's model: a known one's id, or a new one's name and maker, or a note."""
    if mention is None:
        return {"vehicle_model": None, "note": NO_MODEL}
    model = mention.item
    if model.new:
        return {
            "vehicle_model": None,
            "new_model_name": model.name,
            "new_model": " ".join(f"{model.model} {model.variant}".split()),
            "new_model_maker": model.maker,
            "new_model_maker_id": model.maker_id,
            "note": f"“{model.name}” is not a vehicle model the tracker knows: tick it among the "
            "new models above to create it with this draft, or choose a model.",
        }
    return {"vehicle_model": model.id}


def draft(text, published_on=None, precision=DatePrecision.DAY):
    """Return the Suggestions for an article's ``text`` published on ``published_on``."""
    extraction = extract(text, published_on=published_on)
    sentences = sentences_of(text)
    found = mentions(text, sentences, extraction)

    def in_sentence(kind, index):
        return [mention for mention in found[kind] if mention.sentence == index]

    def latest_before(kind, index, lookback=1):
        for i in range(index, max(-1, index - lookback - 1), -1):
            if items := in_sentence(kind, i):
                return items[-1].item
        return None

    def names(index):
        return {m.item.name for kind in ("models", "companies") for m in in_sentence(kind, index)}

    def models_named(index):
        return {m.item.name for m in in_sentence("models", index)}

    def date_of(index):
        """The sentence's own date; else the one before's, if this sentence names nothing or
        a model that one names too ("… the SU7, in March. The SU7 will cost …"); never the
        date of other things ("Sazgar sold 4,000 tractors last year. The Honri VE costs …")."""
        if here := in_sentence("dates", index):
            return here[-1].item
        if index and (before := in_sentence("dates", index - 1)):
            if not names(index) or models_named(index) & models_named(index - 1):
                return before[-1].item
        return None

    suggestions = Suggestions(extraction)
    for index, sentence in enumerate(sentences):
        amounts = [a for a in in_sentence("amounts", index) if a.item.currency]
        models = in_sentence("models", index)
        date = date_of(index)
        for main, stated, model in priced_amounts(text, sentence, amounts, models):
            amount = main.item
            suggestions.prices.append(
                {
                    **model_fields(model),
                    "amount": amount.value,
                    "currency": amount.currency,
                    "market": MARKETS.get(amount.currency, ""),
                    "kind": PricePoint.Kind.REPORTED,
                    "date": date.date if date else None,
                    "date_precision": date.precision if date else DatePrecision.DAY,
                    "stated": "; ".join(
                        f"{'~' if s.item.approximate else ''}{s.item.currency} {s.item.value}"
                        for s in stated
                    ),
                    "sentence": sentence.text,
                }
            )
        places = in_sentence("places", index)
        dates = in_sentence("dates", index)
        imported = IMPORT_CUES.search(text, sentence.start, sentence.end)
        if (places and (models or SIGHTING_CUES.search(sentence.text))) or (models and imported):
            quantity = latest_before("quantities", index, lookback=0)
            place = places[0].item if places else None
            model = models[-1] if models else None
            when = dates[0].item if dates else None
            suggestions.sightings.append(
                {
                    **model_fields(model),
                    "kind": Sighting.Kind.IMPORTED if imported else Sighting.Kind.SIGHTED,
                    "importer": importer_of(in_sentence("companies", index), model, imported),
                    "place": place.name if place else "",
                    "city": place.city if place else "",
                    "quantity": quantity.value if quantity else None,
                    "date": when.date if when else published_on,
                    "date_precision": when.precision if when else precision,
                    "sentence": sentence.text,
                }
            )
        kind = next((kind for cue, kind in EVENT_CUES if cue.search(sentence.text)), None)
        if dates and kind:
            suggestions.events.append(
                {
                    "kind": kind,
                    "title": sentence.text[:300],
                    "date": dates[0].item.date,
                    "date_precision": dates[0].item.precision,
                    "companies": [
                        c.item.id for c in in_sentence("companies", index) if not c.item.new
                    ],
                    "vehicle_models": [m.item.id for m in models if not m.item.new],
                    "sentence": sentence.text,
                }
            )
    return suggestions


def suggest(news_item):
    """Return the Suggestions for ``news_item``'s text, resolved against its publication date."""
    text = news_item.body or news_item.summary or news_item.headline
    return draft(text, news_item.date, news_item.date_precision)
