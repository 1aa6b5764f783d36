"""Every list as CSV or JSON, streamed: the first rows leave while later ones are read.

An export carries what the page shows, exactly, and what it stands on: each date as precisely
as it is known ("2024-10" for October 2024) beside its ``date_precision``; every amount beside
its currency (``amount``/``currency``, ``converted_amount``/``converted_currency``), original
amounts exact, converted ones rounded to the currency's minor unit, rates as stored; codes for
choices (``claim_status``: ``reported``); the notes; every source (title and URL); and the URL
of the row's own page. The names come from each table's ``export`` (``entrants.tables``): an
attribute or dotted path of the row, or the table's ``export_<name>`` method.
"""

import csv
import datetime
import json
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.text import slugify
from django_countries.fields import Country
from django_tables2 import A

from entrants.dates import partial_date_iso
from entrants.tables import FactTable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# What every fact exports after its own fields.
FACT_FIELDS = (
    "date",
    "date_precision",
    "claim_status",
    "notes",
    "source_title",
    "source_url",
    "source_publisher",
    "source_page",
    "other_sources",
)


def export_value(value):
    """Return ``value`` as an export carries it: exact, machine-readable."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Country):
        return value.code or None
    return str(value)


def sources_text(news_items, urls):
    """Return news items as "headline <url>" joined by " | " (the tracker's page, from
    ``urls``, a ``RowUrls``, when the item has no URL of its own)."""
    return " | ".join(f"{item.headline} <{item.url or urls.of(item)}>" for item in news_items)


def fact_value(record, name, urls):
    """Return one of ``FACT_FIELDS`` of a fact (``urls``: a ``RowUrls``)."""
    if name == "date":
        return partial_date_iso(record.date, record.date_precision) or None
    if name == "date_precision":
        return record.date_precision if record.date else None
    if name.startswith("source_"):
        source = record.source
        return {
            "source_title": source.headline,
            "source_url": source.url,
            "source_publisher": source.publisher.name,
            "source_page": urls.of(source),
        }[name]
    if name == "other_sources":
        return sources_text(record.cited_sources, urls)
    return getattr(record, name)


def readers(table, urls):
    """Return (name, read(record)) for each field ``table`` exports, resolved once."""
    is_fact = isinstance(table, FactTable)
    fields = [*table.export, *(FACT_FIELDS if is_fact else ())]
    result = []
    for field in fields:
        name, path = field if isinstance(field, tuple) else (field, field)
        method = getattr(table, f"export_{name}", None)
        if method is not None:
            result.append((name, method))
        elif is_fact and name in FACT_FIELDS:
            result.append((name, lambda record, name=name: fact_value(record, name, urls)))
        else:
            accessor = A(path.replace(".", "__"))
            result.append((name, lambda record, a=accessor: a.resolve(record, quiet=True)))
    return result


class RowUrls:
    """Each row's ``get_absolute_url()``, reversed once per model and then filled in with the
    row's slug or UUID: an export of a hundred thousand rows would spend seconds in reverse()."""

    def __init__(self, site):
        self.site = site
        self.templates = {}

    def of(self, row):
        key = str(getattr(row, "slug", None) or getattr(row, "uuid", None) or "")
        if not hasattr(row, "get_absolute_url") or not key:
            return None
        template = self.templates.get(type(row))
        if template is None:
            # Only a URL that ends with the row's own key is the same for every row but for
            # that key (a statement's is its person's page with an anchor: not one).
            url = row.get_absolute_url()
            own = url.count(key) == 1 and url.endswith(f"{key}/")
            template = url.split(key) if own else False
            self.templates[type(row)] = template
        url = key.join(template) if template else row.get_absolute_url()
        return f"{self.site}{url}"


def records(table, rows, request):
    """Yield each row as a dict of exact values, ending with the URL of its page."""
    urls = RowUrls(request.build_absolute_uri("/")[:-1])
    fields = readers(table, urls)
    for row in rows:
        record = {name: export_value(read(row)) for name, read in fields}
        record["url"] = urls.of(row)
        yield record


def header(table):
    return [name for name, _read in readers(table, None)] + ["url"]


def spreadsheet_safe(value):
    """Return a CSV cell that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


class Echo:
    """A file that hands back what is written to it, for streaming ``csv.writer``'s lines."""

    def write(self, value):
        return value


def csv_lines(table, rows, request):
    writer = csv.writer(Echo())
    yield writer.writerow(header(table))
    for record in records(table, rows, request):
        yield writer.writerow([spreadsheet_safe(value) for value in record.values()])


def json_chunks(table, rows, request, meta):
    """Yield a JSON object: ``meta``, the ``fields``, the ``results`` and their ``count``."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    opening = {**meta, "fields": header(table)}
    yield dumps(opening)[:-1] + ', "results": ['
    count = 0
    for record in records(table, rows, request):
        yield ("," if count else "") + dumps(record)
        count += 1
    yield f'], "count": {count}}}'


def response(table, rows, request, fmt, meta):
    """Stream ``rows`` as ``fmt`` ("csv" or "json") through ``table``'s export fields."""
    if fmt == "csv":
        streamed = StreamingHttpResponse(
            csv_lines(table, rows, request), content_type="text/csv; charset=utf-8"
        )
        streamed["Content-Disposition"] = f'attachment; filename="{slugify(meta["list"])}.csv"'
        return streamed
    return StreamingHttpResponse(
        json_chunks(table, rows, request, meta), content_type="application/json"
    )


def error_response(errors):
    """Return the 400 an export gives for parameters it cannot honour."""
    return HttpResponse(
        json.dumps({"errors": errors}, ensure_ascii=False),
        status=400,
        content_type="application/json",
    )
