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

from entrants.dates import partial_date_iso
from entrants.tables import FactTable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows per chunk of a streamed export (about 20 to 40 KB of CSV).
LINES_PER_CHUNK = 100

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


def fact_readers(urls):
    """Return {name: read(fact)} for ``FACT_FIELDS`` (``urls``: a ``RowUrls``)."""
    return {
        "date": lambda fact: partial_date_iso(fact.date, fact.date_precision) or None,
        "date_precision": lambda fact: fact.date_precision if fact.date else None,
        "claim_status": lambda fact: fact.claim_status,
        "notes": lambda fact: fact.notes,
        "source_title": lambda fact: fact.source.headline,
        "source_url": lambda fact: fact.source.url,
        "source_publisher": lambda fact: fact.source.publisher.name,
        "source_page": lambda fact: urls.of(fact.source),
        "other_sources": lambda fact: sources_text(fact.cited_sources, urls),
    }


def path_reader(path):
    """Return read(row) following ``path`` ("vehicle_model__maker__name" or dotted) from a row,
    None past an empty link (what ``django_tables2.A(path).resolve(row, quiet=True)`` gives for
    these attribute paths, at a tenth of its cost: it runs once per cell of an export)."""
    names = path.replace(".", "__").split("__")

    def read(row):
        for name in names:
            row = getattr(row, name, None)
            if row is None:
                return None
        return row

    return read


def readers(table, urls):
    """Return (name, read(record)) for each field ``table`` exports, resolved once."""
    is_fact = isinstance(table, FactTable)
    fields = [*table.export, *(FACT_FIELDS if is_fact else ())]
    facts = fact_readers(urls) if is_fact else {}
    result = []
    for field in fields:
        name, path = field if isinstance(field, tuple) else (field, field)
        method = getattr(table, f"export_{name}", None)
        if method is not None:
            result.append((name, method))
        elif name in facts:
            result.append((name, facts[name]))
        else:
            result.append((name, path_reader(path)))
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
    """Yield each row as a list of exact values, in the order of ``header(table)``: its fields,
    then the URL of its page."""
    urls = RowUrls(request.build_absolute_uri("/")[:-1])
    reads = [read for _name, read in readers(table, urls)]
    for row in rows:
        values = [export_value(read(row)) for read in reads]
        values.append(urls.of(row))
        yield values


def batched(lines, size=LINES_PER_CHUNK):
    """Yield ``lines`` joined ``size`` at a time: a server writes each chunk a streaming
    response yields, and one write per row of a 45,000-row export is 45,000 writes."""
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


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
    for values in records(table, rows, request):
        yield writer.writerow([spreadsheet_safe(value) for value in values])


def json_chunks(table, rows, request, meta):
    """Yield a JSON object: ``meta``, the ``fields``, the ``results`` and their ``count``."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    names = header(table)
    yield dumps({**meta, "fields": names})[:-1] + ', "results": ['
    count = 0
    for values in records(table, rows, request):
        yield ("," if count else "") + dumps(dict(zip(names, values, strict=True)))
        count += 1
    yield f'], "count": {count}}}'


def response(table, rows, request, fmt, meta):
    """Stream ``rows`` as ``fmt`` ("csv" or "json") through ``table``'s export fields."""
    if fmt == "csv":
        streamed = StreamingHttpResponse(
            batched(csv_lines(table, rows, request)), content_type="text/csv; charset=utf-8"
        )
        streamed["Content-Disposition"] = f'attachment; filename="{slugify(meta["list"])}.csv"'
        return streamed
    return StreamingHttpResponse(
        batched(json_chunks(table, rows, request, meta)), content_type="application/json"
    )


def error_response(errors):
    """Return the 400 an export gives for parameters it cannot honour."""
    return HttpResponse(
        json.dumps({"errors": errors}, ensure_ascii=False),
        status=400,
        content_type="application/json",
    )
