"""The raw-SQL floor of the benchmark: the rows each benchmarked page needs, read with plain SQL.

A WSGI app with no framework, served by gunicorn with the same settings as the Django app. It
runs the queries the pages run (a count and one page of rows, with the same joins, filter and
order) straight on the database named by ``BENCH_DATABASE_URL`` (a SQLite path or
``sqlite:///`` URL, opened read-only, or a ``postgres://`` URL through psycopg2) and returns the
rows as JSON, or as CSV for the export. Currency conversion is done in SQL with the rule of
``entrants/currency.py``: the most recent rate on or before the price's date, direct or
inverted, else crossed through the US dollar. No templates, facets, charts or sessions: what is
left is the cost of the data itself.

    /sightings?city=karachi&page=N       count and page N (25 rows), newest first
    /sightings.csv?city=karachi           every matching row, the export's columns
    /prices?currency=PKR&page=N           count and page N of prices, converted
    /models/SLUG?currency=PKR             a model with its prices, sightings, events, partners
    /models/SLUG/prices?currency=PKR      the price history a chart draws
    /admin/sightings?city=Karachi&p=N     the admin changelist's rows: 100 a page, two counts
    /table/sightings?city=Karachi         Datasette's table query: raw columns by id, 26 rows
"""

import csv
import io
import json
import math
import os
import re
import sqlite3
import threading
import uuid
from urllib.parse import parse_qs, unquote, urlparse

PAGE_SIZE = 25
ADMIN_PAGE_SIZE = 100
DATASETTE_PAGE_SIZE = 25
CURRENCIES = ("PKR", "USD", "CNY")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The preference of entrants/currency.py among rates of one pair on one date.
STATUS_RANK = (
    "CASE r.claim_status WHEN 'confirmed' THEN 0 WHEN 'reported' THEN 1 "
    "WHEN 'rumoured' THEN 2 ELSE 3 END"
)
SOURCE_RANK = (
    "CASE r.source WHEN 'sbp_interbank' THEN 0 WHEN 'pboc_parity' THEN 1 "
    "WHEN 'open_market' THEN 2 WHEN 'offshore_cnh' THEN 3 WHEN 'other' THEN 4 ELSE 5 END"
)


class Database:
    """One connection per thread to a SQLite file (read-only) or a PostgreSQL database."""

    def __init__(self, url):
        self.url = url
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        if not self.postgres:
            path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else url
            if not os.path.exists(path):
                raise RuntimeError(f"No database at {path}")
            self.path = os.path.abspath(path)
        self.local = threading.local()

    def connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            if self.postgres:
                import psycopg2

                conn = psycopg2.connect(self.url)
                conn.autocommit = True
            else:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            self.local.conn = conn
        return conn

    def query(self, sql, params=()):
        """Return the rows of ``sql`` (written with %s placeholders) as dicts."""
        if not self.postgres:
            sql = sql.replace("%s", "?")
        cursor = self.connection().cursor()
        try:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def city_iexact(self, column):
        """Return the SQL Django writes for ``column__iexact=%s`` on this database."""
        if self.postgres:
            return f"UPPER({column}::text) = UPPER(%s)"
        return f"{column} LIKE %s ESCAPE '\\'"

    def iexact_param(self, value):
        if self.postgres:
            return value
        return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def leg_sql(frm, to, on):
    """Return SQL for the factor taking ``frm`` to ``to`` at date ``on``, as RateTable._leg
    chooses it: the latest direct or inverse rate (direct on a tie; among rates of one date,
    the preferred claim status and source). Each side is one index search."""

    def side(base, quote, factor, inverse):
        return (
            f"SELECT * FROM (SELECT {factor} AS factor, r.date AS day, {inverse} AS inverse "
            "FROM entrants_exchangerate r "
            f"WHERE r.base = {base} AND r.quote = {quote} AND r.date <= {on} "
            "AND r.claim_status <> 'denied' "
            f"ORDER BY r.date DESC, {STATUS_RANK}, {SOURCE_RANK} LIMIT 1) AS side_{inverse}"
        )

    direct = side(frm, to, "r.rate", 0)
    inverse = side(to, frm, "1.0 / r.rate", 1)
    return (
        f"(SELECT factor FROM ({direct} UNION ALL {inverse}) AS legs "
        "ORDER BY day DESC, inverse LIMIT 1)"
    )


def converted_sql(currency):
    """Return SQL for ``p.amount`` in ``currency`` (one of CURRENCIES) at ``p.date``."""
    to = f"'{currency}'"
    direct = f"p.amount * {leg_sql('p.currency', to, 'p.date')}"
    if currency == "USD":
        cross = "NULL"
    else:
        to_usd = leg_sql("p.currency", "'USD'", "p.date")
        from_usd = leg_sql("'USD'", to, "p.date")
        cross = f"CASE WHEN p.currency <> 'USD' THEN p.amount * {to_usd} * {from_usd} END"
    return f"CASE WHEN p.currency = {to} THEN p.amount ELSE COALESCE({direct}, {cross}) END"


SIGHTING_COLUMNS = """
    s.id, s.uuid, s.place, s.city, s.quantity, s.date, s.date_precision, s.claim_status,
    m.name AS model_name, m.variant, mk.name AS maker, n.headline, n.url AS source_url,
    pub.name AS publisher
"""
SIGHTING_JOINS = """
    FROM entrants_sighting s
    JOIN entrants_vehiclemodel m ON m.id = s.vehicle_model_id
    JOIN entrants_company mk ON mk.id = m.maker_id
    JOIN entrants_newsitem n ON n.id = s.source_id
    JOIN entrants_company pub ON pub.id = n.publisher_id
"""
PRICE_COLUMNS = """
    p.id, p.uuid, p.amount, p.currency, p.market, p.kind, p.date, p.date_precision,
    p.claim_status, m.name AS model_name, m.variant, mk.name AS maker, n.headline,
    n.url AS source_url, pub.name AS publisher
"""
PRICE_JOINS = """
    FROM entrants_pricepoint p
    JOIN entrants_vehiclemodel m ON m.id = p.vehicle_model_id
    JOIN entrants_company mk ON mk.id = m.maker_id
    JOIN entrants_newsitem n ON n.id = p.source_id
    JOIN entrants_company pub ON pub.id = n.publisher_id
"""


def uuid_text(value):
    """Return a UUID as text with dashes (SQLite stores 32 hex digits, PostgreSQL a uuid)."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def model_label(row):
    return f"{row['maker']} {row['model_name']} {row['variant'] or ''}".strip()


def sighting_record(row, host):
    """Return a sighting as the Django export writes it."""
    return {
        "model": model_label(row),
        "place": row["place"],
        "city": row["city"],
        "quantity": row["quantity"],
        "date": str(row["date"]) if row["date"] is not None else None,
        "status": row["claim_status"],
        "source": row["source_url"] or row["headline"],
        "url": f"http://{host}/sightings/{uuid_text(row['uuid'])}/",
    }


def page_of(count, page, size):
    """Return (page, offset) the way Django's paginator shows it: past the end, the last page."""
    pages = max(1, math.ceil(count / size))
    page = min(max(page, 1), pages)
    return page, (page - 1) * size


class BadRequest(Exception):
    pass


class NotFound(Exception):
    pass


def get_one(query, name, default=""):
    values = query.get(name)
    return values[0] if values else default


def get_page(query, name="page"):
    text = get_one(query, name, "1")
    if not text.isdigit():
        raise BadRequest(f"{name} must be a page number")
    return int(text)


def get_currency(query):
    currency = get_one(query, "currency", "PKR").upper()
    if currency not in CURRENCIES:
        raise BadRequest(f"currency must be one of {', '.join(CURRENCIES)}")
    return currency


def sightings_where(db, query):
    city = get_one(query, "city")
    if not city:
        return "", []
    return f"WHERE {db.city_iexact('s.city')}", [db.iexact_param(city)]


def page_joins(where, order):
    """Return the FROM clause of one page of sightings: cut the page from the sightings alone,
    then join its 25 rows (the same rows as joining first, for much less work)."""
    return SIGHTING_JOINS.replace(
        "FROM entrants_sighting s",
        f"FROM (SELECT s.* FROM entrants_sighting s {where} ORDER BY {order} "
        "LIMIT %s OFFSET %s) AS s",
    )


def sightings(db, query, host):
    where, params = sightings_where(db, query)
    count = db.query(f"SELECT COUNT(*) AS n FROM entrants_sighting s {where}", params)[0]["n"]
    page, offset = page_of(count, get_page(query), PAGE_SIZE)
    order = "s.date DESC, s.id ASC"
    rows = db.query(
        f"SELECT {SIGHTING_COLUMNS} {page_joins(where, order)} ORDER BY {order}",
        [*params, PAGE_SIZE, offset],
    )
    return {
        "count": count,
        "page": page,
        "results": [sighting_record(row, host) for row in rows],
    }


def sightings_csv(db, query, host):
    where, params = sightings_where(db, query)
    rows = db.query(
        f"SELECT {SIGHTING_COLUMNS} {SIGHTING_JOINS} {where} ORDER BY s.date DESC, s.id ASC",
        params,
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["model", "place", "city", "quantity", "date", "status", "source", "url"])
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in sighting_record(row, host).values()])
    return out.getvalue()


def spreadsheet_safe(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def price_record(row):
    return {
        "model": model_label(row),
        "original": row["amount"],
        "original_currency": row["currency"],
        "amount": row["converted"],
        "market": row["market"],
        "kind": row["kind"],
        "date": str(row["date"]) if row["date"] is not None else None,
        "status": row["claim_status"],
        "source": row["source_url"] or row["headline"],
        "stated": row.get("stated", []),
    }


def attach_stated(db, rows):
    """Add each price's stated conversions, read in one query for all of them."""
    ids = [row["id"] for row in rows]
    if not ids:
        return
    marks = ", ".join(["%s"] * len(ids))
    stated = db.query(
        "SELECT price_point_id, currency, amount FROM entrants_statedconversion "
        f"WHERE price_point_id IN ({marks}) ORDER BY currency",
        ids,
    )
    by_price = {}
    for entry in stated:
        by_price.setdefault(entry["price_point_id"], []).append(
            f"{entry['currency']} {entry['amount']}"
        )
    for row in rows:
        row["stated"] = by_price.get(row["id"], [])


def prices(db, query, host):
    currency = get_currency(query)
    count = db.query("SELECT COUNT(*) AS n FROM entrants_pricepoint")[0]["n"]
    page, offset = page_of(count, get_page(query), PAGE_SIZE)
    # Convert only the page's rows: sort and cut first, then look the rates up.
    page_joins = PRICE_JOINS.replace(
        "FROM entrants_pricepoint p",
        "FROM (SELECT * FROM entrants_pricepoint ORDER BY date DESC, id ASC "
        "LIMIT %s OFFSET %s) AS p",
    )
    rows = db.query(
        f"SELECT {PRICE_COLUMNS}, {converted_sql(currency)} AS converted {page_joins} "
        "ORDER BY p.date DESC, p.id ASC",
        [PAGE_SIZE, offset],
    )
    attach_stated(db, rows)
    return {
        "count": count,
        "page": page,
        "currency": currency,
        "results": [price_record(row) for row in rows],
    }


def find_model(db, slug):
    rows = db.query(
        "SELECT m.*, mk.name AS maker, mk.slug AS maker_slug FROM entrants_vehiclemodel m "
        "JOIN entrants_company mk ON mk.id = m.maker_id WHERE m.slug = %s",
        [slug],
    )
    if not rows:
        raise NotFound(f"No model {slug}")
    return rows[0]


def model_prices(db, model_id, currency):
    return db.query(
        f"SELECT {PRICE_COLUMNS}, {converted_sql(currency)} AS converted {PRICE_JOINS} "
        "WHERE p.vehicle_model_id = %s ORDER BY p.date ASC, p.amount ASC",
        [model_id],
    )


def model_detail(db, query, host, slug):
    currency = get_currency(query)
    model = find_model(db, slug)
    model_id = model["id"]
    price_rows = model_prices(db, model_id, currency)
    attach_stated(db, price_rows)
    fact_columns = "x.uuid, x.date, x.date_precision, x.claim_status, n.headline, pub.name AS pub"
    source_joins = (
        "JOIN entrants_newsitem n ON n.id = x.source_id "
        "JOIN entrants_company pub ON pub.id = n.publisher_id"
    )
    sighting_rows = db.query(
        f"SELECT {fact_columns}, x.place, x.city, x.quantity FROM entrants_sighting x "
        f"{source_joins} WHERE x.vehicle_model_id = %s ORDER BY x.date DESC, x.place",
        [model_id],
    )
    event_rows = db.query(
        f"SELECT {fact_columns}, x.title, x.kind FROM entrants_marketevent x "
        "JOIN entrants_marketevent_vehicle_models t ON t.marketevent_id = x.id "
        f"{source_joins} WHERE t.vehiclemodel_id = %s ORDER BY x.date DESC, x.title",
        [model_id],
    )
    partnership_rows = db.query(
        f"SELECT {fact_columns}, x.scope, c.name AS company, pc.name AS partner "
        "FROM entrants_partnership x "
        "JOIN entrants_partnership_vehicle_models t ON t.partnership_id = x.id "
        "JOIN entrants_company c ON c.id = x.company_id "
        "JOIN entrants_company pc ON pc.id = x.partner_id "
        f"{source_joins} WHERE t.vehiclemodel_id = %s ORDER BY x.date DESC",
        [model_id],
    )
    variants = db.query(
        "SELECT slug, name, variant FROM entrants_vehiclemodel "
        "WHERE maker_id = %s AND LOWER(name) = LOWER(%s) AND id <> %s",
        [model["maker_id"], model["name"], model_id],
    )
    aliases = db.query(
        "SELECT name FROM entrants_vehiclemodelalias WHERE vehicle_model_id = %s", [model_id]
    )
    news = db.query(
        "SELECT n.slug, n.headline, n.date, pub.name AS publisher FROM entrants_newsitem n "
        "JOIN entrants_newsitem_vehicle_models t ON t.newsitem_id = n.id "
        "JOIN entrants_company pub ON pub.id = n.publisher_id WHERE t.vehiclemodel_id = %s",
        [model_id],
    )
    for group in (sighting_rows, event_rows, partnership_rows):
        for row in group:
            row["uuid"] = uuid_text(row["uuid"])
    return {
        "model": {key: model[key] for key in ("slug", "name", "variant", "maker")},
        "currency": currency,
        "prices": [price_record(row) for row in price_rows],
        "sightings": sighting_rows,
        "events": event_rows,
        "partnerships": partnership_rows,
        "variants": variants,
        "aliases": [row["name"] for row in aliases],
        "news": news,
    }


def model_price_history(db, query, host, slug):
    currency = get_currency(query)
    model = find_model(db, slug)
    rows = model_prices(db, model["id"], currency)
    return {
        "model": model["slug"],
        "currency": currency,
        "points": [[row["date"], row["amount"], row["currency"], row["converted"]] for row in rows],
    }


def admin_sightings(db, query, host):
    city = get_one(query, "city")
    where, params = ("WHERE s.city = %s", [city]) if city else ("", [])
    count = db.query(f"SELECT COUNT(*) AS n FROM entrants_sighting s {where}", params)[0]["n"]
    total = db.query("SELECT COUNT(*) AS n FROM entrants_sighting")[0]["n"]
    page, offset = page_of(count, get_page(query, "p"), ADMIN_PAGE_SIZE)
    order = "s.date DESC, s.place ASC, s.id DESC"
    rows = db.query(
        f"SELECT {SIGHTING_COLUMNS} {page_joins(where, order)} ORDER BY {order}",
        [*params, ADMIN_PAGE_SIZE, offset],
    )
    return {
        "count": count,
        "total": total,
        "page": page,
        "results": [sighting_record(row, host) for row in rows],
    }


def table_sightings(db, query, host):
    city = get_one(query, "city")
    where, params = ("WHERE city = %s", [city]) if city else ("", [])
    rows = db.query(
        f"SELECT * FROM entrants_sighting {where} ORDER BY id LIMIT %s",
        [*params, DATASETTE_PAGE_SIZE + 1],
    )
    return {"rows": rows[:DATASETTE_PAGE_SIZE], "next": len(rows) > DATASETTE_PAGE_SIZE}


ROUTES = [
    (re.compile(r"^/sightings/?$"), sightings, "json"),
    (re.compile(r"^/sightings\.csv$"), sightings_csv, "csv"),
    (re.compile(r"^/prices/?$"), prices, "json"),
    (re.compile(r"^/models/([^/]+)/prices/?$"), model_price_history, "json"),
    (re.compile(r"^/models/([^/]+)/?$"), model_detail, "json"),
    (re.compile(r"^/admin/sightings/?$"), admin_sightings, "json"),
    (re.compile(r"^/table/sightings/?$"), table_sightings, "json"),
    (re.compile(r"^/health$"), lambda db, query, host: {"ok": True}, "json"),
]

_database = None
_database_lock = threading.Lock()


def database():
    global _database
    with _database_lock:
        if _database is None:
            _database = Database(os.environ.get("BENCH_DATABASE_URL", "db.sqlite3"))
        return _database


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    host = environ.get("HTTP_HOST", "127.0.0.1")
    status, content_type = "200 OK", "application/json"
    try:
        for pattern, view, kind in ROUTES:
            match = pattern.match(path)
            if match:
                args = [unquote(group) for group in match.groups()]
                result = view(database(), query, host, *args)
                if kind == "csv":
                    body = result.encode()
                    content_type = "text/csv; charset=utf-8"
                else:
                    body = json.dumps(result, default=str, ensure_ascii=False).encode()
                break
        else:
            raise NotFound(f"No route for {path}")
    except BadRequest as error:
        status, body = "400 Bad Request", json.dumps({"error": str(error)}).encode()
    except NotFound as error:
        status, body = "404 Not Found", json.dumps({"error": str(error)}).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


if __name__ == "__main__":
    # A quick look without gunicorn: python bench/raw_sql.py DB URL-PATH
    import sys

    os.environ["BENCH_DATABASE_URL"] = sys.argv[1]
    target = urlparse(sys.argv[2])
    environ = {"PATH_INFO": target.path, "QUERY_STRING": target.query}
    print(b"".join(application(environ, lambda status, headers: print(status))).decode()[:2000])
