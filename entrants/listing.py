"""The machinery shared by the analyst lists: columns, sorting, facets, parameters and exports.

A list is a FilterSet (what rows), a set of Columns (what is shown, sorted by and exported) and
optional facets (Datasette-style counts beside the filter choices). Exports carry exact values
(Decimals as strings, dates in ISO form), never the rounded display.
"""

import csv
import datetime
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.forms.utils import flatatt
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from entrants import bundle
from entrants.bundle import Part
from entrants.dates import format_partial_date

DISPLAY_CURRENCIES = ("PKR", "USD", "CNY")
DEFAULT_CURRENCY = "PKR"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Cell:
    """One table cell as the page shows it."""

    text: str
    href: str = ""
    note: str = ""
    css: str = ""
    label: str = ""


@dataclass
class Column:
    """A list column: how to show a row, what to export, how to sort by it.

    ``order_by`` sorts in the database; without it the column sorts in Python by ``value``.
    """

    key: str
    label: str
    value: Callable[[Any], Any]
    cell: Callable[[Any], Cell] | None = None
    order_by: tuple[str, ...] | None = None
    sortable: bool = True
    export: bool = True

    def render(self, row):
        if self.cell:
            return self.cell(row)
        value = self.value(row)
        return Cell("" if value is None else str(value))


def link_column(key, label, value, href=None, order_by=None, **kwargs):
    """Return a column whose cell links to ``href(row)`` (the row's own page by default)."""

    def cell(row):
        text = value(row)
        url = href(row) if href else row.get_absolute_url()
        return Cell("" if text is None else str(text), href=url or "")

    return Column(key, label, value, cell=cell, order_by=order_by, **kwargs)


def choice_column(key, label, attr):
    """Return a column of a choice field: shown by its label, exported and sorted by value."""
    return Column(
        key,
        label,
        lambda row: getattr(row, attr),
        cell=lambda row: Cell(getattr(row, f"get_{attr}_display")()),
        order_by=(attr,),
    )


def partial_date_column(key="date", label="Date", attr="date", precision_attr="date_precision"):
    """Return a column showing a date only as precisely as it is known."""

    def cell(row):
        value = getattr(row, attr)
        return Cell(
            format_partial_date(value, getattr(row, precision_attr)),
            css="muted" if value is None else "",
        )

    return Column(key, label, lambda row: getattr(row, attr), cell=cell, order_by=(attr,))


def status_column(key="status", label="Status", attr="claim_status"):
    """Return a column showing a claim status as a badge."""

    def cell(row):
        return Cell(getattr(row, f"get_{attr}_display")(), css=f"badge badge-{getattr(row, attr)}")

    return Column(key, label, lambda row: getattr(row, attr), cell=cell, order_by=(attr,))


def sources_column():
    """Return a column linking to the news item a fact cites."""

    def cell(row):
        return Cell(
            row.source.publisher.name, href=row.source.get_absolute_url(), note=row.source.headline
        )

    return Column(
        "source",
        "Source",
        lambda row: row.source.url or row.source.headline,
        cell=cell,
        order_by=("source__publisher__name",),
    )


@dataclass
class ListParams:
    """The parameters every list takes besides its filters, parsed, with errors in words."""

    sort: str = ""
    page: int = 1
    format: str = "html"
    currency: str = DEFAULT_CURRENCY
    at: Any = "price-date"
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, query, columns, default_sort):
        params = cls(sort=default_sort)
        sort = query.get("sort", "").strip()
        if sort:
            keys = {column.key for column in columns if column.sortable}
            if sort.lstrip("-") in keys:
                params.sort = sort
            else:
                params.errors.append(
                    f"“{sort[:60]}” is not a column you can sort by, so the list is in its "
                    f"usual order. Sortable columns: {', '.join(sorted(keys))}."
                )
        page = query.get("page", "").strip()
        if page:
            # isdecimal, as int() refuses some digits ("²"); int() refuses 4,301 digits too.
            if page.isdecimal() and len(page) < 10 and int(page) > 0:
                params.page = int(page)
            else:
                params.errors.append(
                    f"“{page[:60]}” is not a page number, so the first page is shown."
                )
        fmt = query.get("format", "html").strip().lower() or "html"
        if fmt in ("html", "csv", "json"):
            params.format = fmt
        else:
            params.errors.append(
                f"“{fmt[:60]}” is not a format this list exports; use format=csv or format=json."
            )
        currency = query.get("currency", DEFAULT_CURRENCY).strip().upper() or DEFAULT_CURRENCY
        if currency in DISPLAY_CURRENCIES:
            params.currency = currency
        else:
            params.errors.append(
                f"“{currency[:60]}” is not a currency this tracker converts to; prices are "
                f"shown in {DEFAULT_CURRENCY}. Choose one of {', '.join(DISPLAY_CURRENCIES)}."
            )
        at = query.get("at", "price-date").strip().lower() or "price-date"
        if at in ("price-date", "latest"):
            params.at = at
        else:
            try:
                params.at = datetime.date.fromisoformat(at)
            except ValueError:
                params.errors.append(
                    f"“{at[:60]}” is not a date (YYYY-MM-DD), “price-date” or “latest”, so "
                    "each price is converted at the rate of its own date."
                )
        return params

    @property
    def at_label(self):
        if self.at == "latest":
            return "at the latest rates known"
        if isinstance(self.at, datetime.date):
            return f"at the rates of {self.at:%-d %B %Y}"
        return "at the rates of each price's own date"


def sort_rows(rows, columns, sort):
    """Sort a list of rows in Python by the column named in ``sort`` (None values last)."""
    key = sort.lstrip("-")
    column = next(column for column in columns if column.key == key)
    reverse = sort.startswith("-")
    present = [row for row in rows if column.value(row) is not None]
    missing = [row for row in rows if column.value(row) is None]
    present.sort(key=lambda row: _sortable(column.value(row)), reverse=reverse)
    return present + missing


def _sortable(value):
    if isinstance(value, str):
        return value.casefold()
    return value


def db_ordering(columns, sort):
    """Return the ORDER BY of ``sort`` if its column sorts in the database, else None."""
    column = next(column for column in columns if column.key == sort.lstrip("-"))
    if column.order_by is None:
        return None
    prefix = "-" if sort.startswith("-") else ""
    # The tie-breaker runs the same way as the sort, so one index serves both.
    return [f"{prefix}{part}" for part in column.order_by] + [f"{prefix}pk"]


COUNT_LIMIT = 10_000


def facet_counts(queryset, facets, query, path, ordering=None):
    """Return Datasette-style facets and the (bounded) row count, read in one query.

    For each facet: its values in the filtered rows with how many rows each gives, and the link
    that applies (or removes) that choice. Both stop at ``COUNT_LIMIT`` rows: the count says
    "more than 10,000", and the facets then count the first 10,000 rows in the list's order
    (``ordering``) — counting every row of a large table is what makes a page slow. The first
    rows' facet fields are read from the index of the filter and sort, and counted here.
    """
    fields = ["pk"]
    for facet in facets:
        fields += [name for name in (facet.field, facet.label_field) if name and name not in fields]
    rows = queryset.order_by(*(ordering or ["-pk"])).values_list(*fields)[: COUNT_LIMIT + 1]
    # Where each facet's value (and label) sits in a row, found once, not once per row.
    columns = [
        (fields.index(facet.field), fields.index(facet.label_field) if facet.label_field else None)
        for facet in facets
    ]
    seen = set()
    counters = [Counter() for _ in facets]
    labels = [{} for _ in facets]
    for row in rows:
        if row[0] in seen:
            continue
        seen.add(row[0])
        if len(seen) > COUNT_LIMIT:
            break
        for counter, names, (value_at, label_at) in zip(counters, labels, columns, strict=True):
            counter[row[value_at]] += 1
            if label_at is not None:
                names[row[value_at]] = row[label_at]
    total = len(seen)
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


class QuickSelectMultiple(forms.SelectMultiple):
    """A ``<select multiple>`` that renders its options in Python: a list of a thousand models
    takes a millisecond instead of the hundred that an option template each costs."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}" multiple{}>{}</select>', name, flatatt(final), options
        )


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


def last_page(count, page_size):
    """Return the number of the last page of ``count`` rows (1 for none)."""
    return max(1, -(-count // page_size))


@dataclass
class Window:
    """One page of a list, read without counting past what it shows.

    Duck-types the parts of Django's ``Page`` that the templates use."""

    object_list: list
    number: int
    page_size: int
    total: Total
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_previous or self.has_next

    def previous_page_number(self):
        return self.number - 1

    def next_page_number(self):
        return self.number + 1

    @property
    def start_index(self):
        return (self.number - 1) * self.page_size + 1 if self.object_list else 0

    @property
    def end_index(self):
        return (self.number - 1) * self.page_size + len(self.object_list)

    @property
    def num_pages(self):
        """The last page's number, or None when the count was cut short."""
        if self.total.more:
            return None
        return last_page(self.total.count, self.page_size)


def read_page(queryset, ordering, number, page_size):
    """Return the rows of page ``number`` and whether a next page exists, in one query.

    The page's keys are found first, in a subquery that reads only the index of the filter and
    sort (a deep page skips index entries, not joined rows), then only those rows are read in
    full with their joins: page 1,000 costs about what page 1 costs. The rows' prefetched
    relations come in the same query (``entrants.bundle``)."""
    offset = (number - 1) * page_size
    page = Part.of(queryset.order_by(*ordering), limit=page_size + 1, offset=offset)
    rows = bundle.read(page=page)["page"]
    return rows[:page_size], len(rows) > page_size


def export_value(value):
    """Return ``value`` as an export carries it: exact, machine-readable."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None:
        return None
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def spreadsheet_safe(value):
    """Return a CSV cell that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def export_rows(rows, columns, request):
    """Yield each row as a dict of exact values, with the URL of its page."""
    exported = [column for column in columns if column.export]
    site = request.build_absolute_uri("/")[:-1]
    urls = RowUrls()
    for row in rows:
        record = {column.key: export_value(column.value(row)) for column in exported}
        url = urls.of(row)
        record["url"] = f"{site}{url}" if url else None
        yield record


class RowUrls:
    """Each row's ``get_absolute_url()``, reversed once per model and then filled in with the
    row's slug or UUID: an export of a hundred thousand rows would spend seconds in reverse()."""

    def __init__(self):
        self.templates = {}

    def of(self, row):
        if not hasattr(row, "get_absolute_url"):
            return ""
        key = str(getattr(row, "slug", None) or getattr(row, "uuid", None) or "")
        template = self.templates.get(type(row))
        if template is None:
            url = row.get_absolute_url() or ""
            template = url.split(key) if key and url.count(key) == 1 else False
            self.templates[type(row)] = template
            return url
        if template is False or not key:
            return row.get_absolute_url() or ""
        return key.join(template)


def without_timestamps(queryset):
    """Defer the bookkeeping timestamps of the rows and of the rows they join: no list shows
    them, and converting them is much of what reading a hundred thousand rows costs."""
    names = []

    def walk(model, prefix, tree):
        names.extend(
            f"{prefix}{name}"
            for name in ("created_at", "updated_at")
            if any(field.name == name for field in model._meta.concrete_fields)
        )
        for name, subtree in tree.items():
            walk(model._meta.get_field(name).related_model, f"{prefix}{name}__", subtree)

    joined = queryset.query.select_related
    walk(queryset.model, "", joined if isinstance(joined, dict) else {})
    return queryset.defer(*names)


class _Echo:
    """A file that hands back what is written to it, for streaming csv.writer's lines."""

    def write(self, value):
        return value


def csv_lines(rows, columns, request):
    header = [column.key for column in columns if column.export] + ["url"]
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for record in export_rows(rows, columns, request):
        yield writer.writerow([spreadsheet_safe(value) for value in record.values()])


def csv_response(rows, columns, request, name):
    """Stream the rows as CSV: the first rows leave while later ones are still read."""
    response = StreamingHttpResponse(
        csv_lines(rows, columns, request), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{slugify(name)}.csv"'
    return response


def json_response(rows, columns, request, meta):
    records = list(export_rows(rows, columns, request))
    return JsonResponse(
        {**meta, "count": len(records), "results": records},
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False},
    )


def error_response(errors):
    """Return the 400 an export gives for parameters it cannot honour."""
    return HttpResponse(
        json.dumps({"errors": errors}, ensure_ascii=False),
        status=400,
        content_type="application/json",
    )
