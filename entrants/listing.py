"""The machinery shared by the analyst lists: columns, sorting, facets, parameters and exports.

A list is a FilterSet (what rows), a set of Columns (what is shown, sorted by and exported) and
optional facets (Datasette-style counts beside the filter choices). Exports carry exact values
(Decimals as strings, dates in ISO form), never the rounded display.
"""

import csv
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.utils.text import slugify

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
            if page.isdigit() and 0 < int(page) < 10**9:
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
    return [f"{prefix}{part}" for part in column.order_by] + ["pk"]


def facet_counts(queryset, facets, query, path):
    """Return Datasette-style facets: for each field, its values in the filtered rows with
    how many rows each gives, and the link that applies (or removes) that choice."""
    result = []
    for facet in facets:
        fields = [facet.field, facet.label_field] if facet.label_field else [facet.field]
        counts = (
            queryset.order_by()
            .values(*fields)
            .annotate(n=Count("pk", distinct=True))
            .order_by("-n", facet.field)[:15]
        )
        chosen = set(query.getlist(facet.param))
        items = []
        for entry in counts:
            raw = entry[facet.field]
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
            label = entry[facet.label_field] if facet.label_field else facet.label_for(raw)
            items.append(
                {
                    "label": label,
                    "count": entry["n"],
                    "selected": selected,
                    "href": f"{path}?{params.urlencode()}" if params else path,
                }
            )
        if items:
            result.append({"title": facet.title, "items": items})
    return result


@dataclass
class Facet:
    """A field to count rows by; ``param`` is the filter it toggles."""

    field: str
    param: str
    title: str
    labels: dict | None = None
    values: dict | None = None
    label_field: str = ""

    def label_for(self, raw):
        return str(self.labels.get(raw, raw)) if self.labels else str(raw)

    def param_value(self, raw):
        return self.values.get(raw, raw) if self.values else raw


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
    for row in rows:
        record = {column.key: export_value(column.value(row)) for column in exported}
        url = row.get_absolute_url() if hasattr(row, "get_absolute_url") else ""
        record["url"] = request.build_absolute_uri(url) if url else None
        yield record


def csv_response(rows, columns, request, name):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(name)}.csv"'
    writer = None
    for record in export_rows(rows, columns, request):
        if writer is None:
            writer = csv.DictWriter(response, fieldnames=list(record))
            writer.writeheader()
        writer.writerow({key: spreadsheet_safe(value) for key, value in record.items()})
    if writer is None:
        csv.writer(response).writerow([column.key for column in columns if column.export] + ["url"])
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
