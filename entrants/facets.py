"""Datasette-style facets beside a list's filters, and the list's bounded row count, read
together in one query that stops at ``COUNT_LIMIT`` rows."""

from collections import Counter
from dataclasses import dataclass

from django_tables2 import A

COUNT_LIMIT = 10_000


def facet_counts(queryset, facets, query, path, ordering=None):
    """Return Datasette-style facets and the (bounded) row count, read in one query.

    For each facet: its values in the filtered rows with how many rows each gives, and the link
    that applies (or removes) that choice. Both stop at ``COUNT_LIMIT`` rows: the count says
    "more than 10,000", and the facets then count the first 10,000 rows in the list's order
    (``ordering``) — counting every row of a large table is what makes a page slow. The first
    rows' facet fields are read from the index of the filter and sort, and counted here.
    """
    fields = facet_fields(facets)
    rows = queryset.order_by(*(ordering or ["-pk"])).values_list(*fields)[: COUNT_LIMIT + 1]
    return counted(rows, fields, facets, query, path)


def facet_fields(facets):
    """Return the fields the facets count by (and label with), after the key."""
    fields = ["pk"]
    for facet in facets:
        fields += [name for name in (facet.field, facet.label_field) if name and name not in fields]
    return fields


def facet_counts_of(records, facets, query, path):
    """Return the facets and count of ``records`` already read (model instances): a list
    filtered in Python, by a converted amount, counts what it kept."""
    fields = facet_fields(facets)
    accessors = [A(name) for name in fields]
    rows = (tuple(plain(a.resolve(record, quiet=True)) for a in accessors) for record in records)
    return counted(rows, fields, facets, query, path)


def plain(value):
    """A value as ``values_list`` reads it (a country as its code)."""
    return getattr(value, "code", value)


def counted(rows, fields, facets, query, path):
    """Count ``rows`` (tuples of ``fields``) per facet, up to ``COUNT_LIMIT`` rows."""
    # A row whose key repeats (a join through a many-to-many relation) counts once, as first
    # read; the counting itself is done column by column by ``Counter``, not row by row.
    firsts = {}
    for row in rows:
        if row[0] not in firsts:
            firsts[row[0]] = row
            if len(firsts) > COUNT_LIMIT:
                break
    total = len(firsts)
    kept = list(firsts.values())[:COUNT_LIMIT]
    columns = list(zip(*kept, strict=True)) or [()] * len(fields)
    counters, labels = [], []
    for facet in facets:
        values = columns[fields.index(facet.field)]
        counters.append(Counter(values))
        names = columns[fields.index(facet.label_field)] if facet.label_field else None
        labels.append(dict(zip(values, names, strict=True)) if names is not None else {})
    result = []
    for facet, counter, names in zip(facets, counters, labels, strict=True):
        counts = sorted(counter.items(), key=lambda entry: (-entry[1], str(entry[0])))
        chosen = set(query.getlist(facet.param))
        items = []
        for raw, count in counts[: facet.limit]:
            if raw in (None, ""):
                continue
            value = facet.param_value(raw)
            params = query.copy()
            params.pop("page", None)
            selected = str(value) in chosen
            if selected:
                params.setlist(
                    facet.param, [v for v in params.getlist(facet.param) if v != str(value)]
                )
            else:
                params.setlist(facet.param, [*params.getlist(facet.param), str(value)])
            items.append(
                {
                    "label": names[raw] if facet.label_field else facet.label_for(raw),
                    "count": count,
                    "selected": selected,
                    "href": f"{path}?{params.urlencode()}" if params else path,
                }
            )
        if items:
            result.append({"title": facet.title, "items": items})
    return result, Total(min(total, COUNT_LIMIT), total > COUNT_LIMIT)


@dataclass
class Total:
    """How many rows a list has, or that it has more than ``count``."""

    count: int
    more: bool = False

    def __str__(self):
        return f"more than {self.count:,}" if self.more else f"{self.count:,}"


@dataclass
class Facet:
    """A field to count rows by; ``param`` is the filter it toggles."""

    field: str
    param: str
    title: str
    labels: dict | None = None
    values: dict | None = None
    label_field: str = ""
    limit: int = 15

    def label_for(self, raw):
        return str(self.labels.get(raw, raw)) if self.labels else str(raw)

    def param_value(self, raw):
        return self.values.get(raw, raw) if self.values else raw
