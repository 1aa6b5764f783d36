"""The whole dataset as downloads (/download/): the SQLite file opens and holds every public
table with the database's rows, exact decimals and no user data; the CSV zip has one CSV per
table, safe for spreadsheets; both are built once per data version, served with an ETag, and
rebuilt after a change."""

import csv
import datetime
import html
import io
import logging
import re
import sqlite3
import subprocess
import sys
import time
import zipfile
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.models import HistoricalChanges

from entrants import downloads
from entrants.cache import data_version
from entrants.dates import DatePrecision
from entrants.models import Company, ExchangeRate, PricePoint
from tests import factories
from tests.html_forms import admin_form_data
from tests.responses import body

pytestmark = pytest.mark.django_db

SQLITE_URL = "/download/evmarket.sqlite3"
CSV_URL = "/download/evmarket-csv.zip"
URLS = ["/download/", SQLITE_URL, CSV_URL]


def sqlite_of(client, tmp_path, **headers):
    """Download the SQLite file and return it opened with ``sqlite3``."""
    response = client.get(SQLITE_URL, headers=headers)
    assert response.status_code == 200
    path = tmp_path / "evmarket.sqlite3"
    path.write_bytes(body(response))
    return sqlite3.connect(path)


def csv_files_of(client):
    """Download the CSV zip and return {file name: its rows, header first}."""
    response = client.get(CSV_URL)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


def stored(kind):
    """Return the path of ``kind``'s file on disk for the current data version."""
    return downloads.directory() / kind.stored_name(data_version())


def dataset_info(path):
    return dict(sqlite3.connect(path).execute("SELECT key, value FROM dataset_info"))


# Another process building: it holds the directory's build lock until it is killed (or for at
# most the seconds given).
HOLD_THE_LOCK = """
import fcntl, sys, time
lock = open(sys.argv[1], "a")
fcntl.flock(lock, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


@contextmanager
def another_process_building(seconds=30):
    """Hold the build lock in another process for the block, as its build would."""
    folder = downloads.directory()
    folder.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(folder / downloads.LOCK_NAME), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        yield
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def table_names(database):
    query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    return {name for (name,) in database.execute(query)}


# --- What is in the files ------------------------------------------------------------------


def test_every_model_of_the_app_is_in_the_downloads_or_left_out_on_purpose():
    """A new model must be placed: public (with its link tables) or internal; history is
    always out. Every foreign key of a public table points at a public table."""
    public = set(downloads.public_tables())
    for model in apps.get_app_config("entrants").get_models(include_auto_created=True):
        left_out = issubclass(model, HistoricalChanges) or model in downloads.INTERNAL_MODELS
        assert (model in public) != left_out, model
    for model in public:
        for field in model._meta.concrete_fields:
            if field.is_relation:
                assert field.related_model in public, (model, field)


def test_the_sqlite_file_opens_and_holds_every_table_with_the_databases_rows(
    client, reference_data, tmp_path
):
    response = client.get(SQLITE_URL)
    content = body(response)
    assert response["Content-Type"] == "application/vnd.sqlite3"
    assert response["Content-Disposition"] == 'attachment; filename="evmarket.sqlite3"'
    assert int(response["Content-Length"]) == len(content)
    assert content.startswith(b"SQLite format 3\x00")

    database = sqlite_of(client, tmp_path)
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    expected = {downloads.table_name(model): model for model in downloads.public_tables()}
    assert table_names(database) == {*expected, "dataset_info"}
    for name, model in expected.items():
        (count,) = database.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        assert count == model._meta.base_manager.count(), name
    assert database.execute("SELECT count(*) FROM pricepoint").fetchone()[0] > 10
    assert database.execute("SELECT count(*) FROM exchangerate").fetchone()[0] > 100
    # The SU7 Max sighting at Karachi port, with its model and source joined by foreign key.
    assert database.execute(
        "SELECT vehiclemodel.name, vehiclemodel.variant, newsitem.url FROM sighting"
        " JOIN vehiclemodel ON vehiclemodel.id = sighting.vehicle_model_id"
        " JOIN newsitem ON newsitem.id = sighting.source_id"
        " WHERE sighting.city = 'Karachi' AND vehiclemodel.variant = 'Max'"
    ).fetchone()[:2] == ("SU7", "Max")
    info = dict(database.execute("SELECT key, value FROM dataset_info"))
    assert info["data_version"] == str(data_version())
    assert "attribution" in info["terms"]
    # Built in that request: the address /download/ had in it, never a bare path.
    assert info["source_url"] == response.wsgi_request.build_absolute_uri("/download/")
    assert info["source_url"].startswith("http://")


def test_foreign_keys_are_declared_and_indexed(client, reference_data, tmp_path):
    database = sqlite_of(client, tmp_path)
    keys = database.execute("PRAGMA foreign_key_list(pricepoint)").fetchall()
    assert {(row[2], row[3], row[4]) for row in keys} == {
        ("newsitem", "source_id", "id"),
        ("vehiclemodel", "vehicle_model_id", "id"),
    }
    indexed = {row[1] for row in database.execute("PRAGMA index_list(pricepoint)")}
    assert {"pricepoint_source_id", "pricepoint_vehicle_model_id"} <= indexed
    plan = database.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM pricepoint WHERE vehicle_model_id = 1"
    ).fetchall()
    assert "pricepoint_vehicle_model_id" in str(plan)


def test_decimals_and_dates_are_kept_exactly_as_text(client, reference_data, tmp_path):
    factories.ExchangeRateFactory(
        date=datetime.date(2031, 5, 6), rate=Decimal("278.1234567891"), source="other"
    )
    factories.VehicleModelFactory(name="Exact", battery_kwh=Decimal("101.7"))
    database = sqlite_of(client, tmp_path)
    assert database.execute(
        "SELECT rate, typeof(rate) FROM exchangerate WHERE date = '2031-05-06'"
    ).fetchone() == ("278.1234567891", "text")
    assert ("215900.00", "text", "CNY") in database.execute(
        "SELECT amount, typeof(amount), currency FROM pricepoint"
    ).fetchall()
    assert database.execute(
        "SELECT battery_kwh FROM vehiclemodel WHERE name = 'Exact'"
    ).fetchone() == ("101.7",)
    stored_amounts = {format(a, "f") for a in PricePoint.objects.values_list("amount", flat=True)}
    assert {a for (a,) in database.execute("SELECT amount FROM pricepoint")} == stored_amounts


def test_the_files_hold_no_user_data(client, reference_data, tmp_path):
    """A staff user's edit is in the history (who changed what); none of it is in the files."""
    staff = User.objects.create_superuser(
        "zq-history-editor", "zq-history-editor@staff.example.org", "a-long-password"
    )
    company = Company.objects.get(slug="xiaomi")
    client.force_login(staff)
    url = reverse("admin:entrants_company_change", args=[company.pk])
    saved = client.post(url, admin_form_data(client.get(url), description="Edited by staff"))
    assert saved.status_code == 302
    assert company.history.filter(history_user=staff).exists()  # the history has the user
    client.logout()

    database = sqlite_of(client, tmp_path)
    names = table_names(database)
    assert not {n for n in names if n.startswith(("auth", "django", "axes", "historical"))}
    assert not {n for n in names if "session" in n or "history" in n or "user" in n}
    assert "Edited by staff" in {d for (d,) in database.execute("SELECT description FROM company")}
    csv_files = csv_files_of(client)
    for content in [
        (tmp_path / "evmarket.sqlite3").read_bytes(),
        *(str(rows).encode() for rows in csv_files.values()),
    ]:
        assert b"zq-history-editor" not in content
        assert b"staff.example.org" not in content


def test_the_csv_zip_has_one_csv_per_table_with_the_same_columns_and_rows(
    client, reference_data, tmp_path
):
    database = sqlite_of(client, tmp_path)
    csv_files = csv_files_of(client)
    assert set(csv_files) == {f"{name}.csv" for name in table_names(database)}
    for name in table_names(database):
        header, *rows = csv_files[f"{name}.csv"]
        columns = [row[1] for row in database.execute(f'PRAGMA table_info("{name}")')]
        assert header == columns, name
        (count,) = database.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        assert len(rows) == count, name
    prices = csv_files["pricepoint.csv"]
    amount = prices[0].index("amount")
    assert "215900.00" in {row[amount] for row in prices[1:]}


def test_csv_dates_are_written_as_precisely_as_known(client, tmp_path):
    factories.PricePointFactory(
        date=datetime.date(2024, 10, 1), date_precision=DatePrecision.MONTH, notes="October"
    )
    header, *rows = csv_files_of(client)["pricepoint.csv"]
    row = dict(zip(header, rows[0], strict=True))
    assert (row["date"], row["date_precision"]) == ("2024-10", "month")
    database = sqlite_of(client, tmp_path)  # the database's own date, beside its precision
    assert database.execute("SELECT date, date_precision FROM pricepoint").fetchone() == (
        "2024-10-01",
        "month",
    )


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_cells_never_start_a_formula(client, tmp_path, payload):
    factories.CompanyFactory(name=payload, description=payload)
    header, *rows = csv_files_of(client)["company.csv"]
    row = dict(zip(header, rows[0], strict=True))
    assert row["name"] == f"'{payload}" and row["description"] == f"'{payload}"
    database = sqlite_of(client, tmp_path)  # the database file keeps the text as entered
    assert database.execute("SELECT name FROM company").fetchone() == (payload,)


# --- Built once per data version ------------------------------------------------------------


def test_a_second_request_at_the_same_data_version_does_not_rebuild(client, reference_data):
    client.get(SQLITE_URL)
    first = stored(downloads.SQLITE).stat()
    zipped = stored(downloads.CSV_ZIP).stat()
    for url in URLS:
        assert client.get(url).status_code == 200
    assert stored(downloads.SQLITE).stat().st_mtime_ns == first.st_mtime_ns
    assert stored(downloads.SQLITE).stat().st_ino == first.st_ino
    assert stored(downloads.CSV_ZIP).stat().st_mtime_ns == zipped.st_mtime_ns


def test_a_change_gives_new_files_with_the_new_row_and_removes_the_old(
    client, reference_data, tmp_path
):
    client.get(SQLITE_URL)
    old = stored(downloads.SQLITE)
    factories.CompanyFactory(name="Newly Reported Motors")

    database = sqlite_of(client, tmp_path)
    assert database.execute(
        "SELECT count(*) FROM company WHERE name = 'Newly Reported Motors'"
    ).fetchone() == (1,)
    assert stored(downloads.SQLITE) != old and not old.exists()
    header, *rows = csv_files_of(client)["company.csv"]
    assert "Newly Reported Motors" in {row[header.index("name")] for row in rows}
    left = sorted(p.name for p in downloads.directory().iterdir() if not p.name.startswith("."))
    version = data_version()
    assert left == [
        f"evmarket-csv-v{version}.zip",
        f"evmarket-v{version}.json",
        f"evmarket-v{version}.sqlite3",
    ]


@pytest.fixture
def nearly_full_disk(monkeypatch):
    """Let the build's SQLite file grow to 8 pages only: SQLite itself then reports "database
    or disk is full" (sqlite3.OperationalError) partway through the real build, as it does on
    a full disk."""
    open_database = downloads.open_database

    def on_a_nearly_full_disk(path):
        database = open_database(path)
        database.execute("PRAGMA max_page_count = 8")
        return database

    monkeypatch.setattr(downloads, "open_database", on_a_nearly_full_disk)
    return monkeypatch


def test_a_build_that_fills_the_disk_leaves_no_partial_file_and_answers_503(
    client, reference_data, nearly_full_disk, caplog
):
    with caplog.at_level(logging.ERROR, logger="entrants.download_views"):
        for url in URLS:
            response = client.get(url)
            assert response.status_code == 503, url
            assert int(response["Retry-After"]) > 0
    assert "database or disk is full" in caplog.text
    assert [p.name for p in downloads.directory().iterdir()] == [".build.lock"]
    nearly_full_disk.undo()
    assert client.get(SQLITE_URL).status_code == 200


def test_the_command_reports_a_build_that_fills_the_disk(reference_data, nearly_full_disk):
    with pytest.raises(CommandError, match="database or disk is full"):
        call_command("build_downloads", stdout=StringIO(), stderr=StringIO())


def test_a_directory_that_cannot_be_written_answers_503(client, settings, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    settings.DOWNLOAD_DIR = tmp_path / "a-file" / "downloads"
    assert client.get("/download/").status_code == 503
    assert client.get(SQLITE_URL).status_code == 503


@pytest.mark.django_db(transaction=True)
def test_a_build_outside_a_transaction_reads_one_snapshot():
    """Outside a test's transaction the build opens its own (REPEATABLE READ, READ ONLY on
    PostgreSQL): it must work there too, and name the version it read."""
    factories.ExchangeRateFactory(rate=Decimal("280.0000000001"))
    with CaptureQueriesContext(connection) as queries:
        built = downloads.current()
    assert built.version == data_version()
    if connection.vendor == "postgresql":
        sql = [query["sql"] for query in queries.captured_queries]
        assert "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY" in sql
    database = sqlite3.connect(built.path(downloads.SQLITE))
    assert database.execute("SELECT rate FROM exchangerate").fetchall() == [("280.0000000001",)]


# --- While another process builds ----------------------------------------------------------


def test_while_another_process_builds_the_older_files_are_served_at_once(client, reference_data):
    """No request waits for another process's build (it would hold them 30 s here): the page
    says which version it shows, and each file is the older one under its own ETag."""
    old_file = body(client.get(SQLITE_URL))
    old_version = data_version()
    old_etags = {url: client.get(url)["ETag"] for url in URLS}
    factories.CompanyFactory(name="Newly Reported Motors")
    new_version = data_version()

    with another_process_building(seconds=30):
        started = time.monotonic()
        page = client.get("/download/")
        text = " ".join(page.content.decode().split())
        assert page.status_code == 200
        assert f"These files are of data version {old_version}, built at" in text
        assert "a newer version is being built" in text
        # Not the ETag of the older page (which does not say so), nor the newer version's.
        assert page["ETag"] != old_etags["/download/"]
        assert f"v{new_version}-" not in page["ETag"]
        assert client.get("/download/", headers={"if-none-match": page["ETag"]}).status_code == 304

        sent = client.get(SQLITE_URL)
        assert sent.status_code == 200 and body(sent) == old_file
        assert sent["ETag"] == old_etags[SQLITE_URL]  # it names the version sent
        for url in (SQLITE_URL, CSV_URL):
            held = client.get(url, headers={"if-none-match": old_etags[url]})
            assert held.status_code == 304 and held["ETag"] == old_etags[url]
        assert time.monotonic() - started < 10
        assert not stored(downloads.SQLITE).exists()  # nothing of the newer version yet

    # That build did not finish (its process is gone): the next request builds the new files,
    # and a client holding the older ones gets the new ones whole.
    fresh = client.get(SQLITE_URL, headers={"if-none-match": old_etags[SQLITE_URL]})
    assert fresh.status_code == 200 and fresh["ETag"].startswith(f'"v{new_version}-')
    assert b"Newly Reported Motors" in body(fresh)
    page_again = client.get("/download/", headers={"if-none-match": page["ETag"]})
    text = " ".join(page_again.content.decode().split())
    assert page_again.status_code == 200
    assert f"data version {new_version}" in text and "being built" not in text


def test_while_another_process_builds_the_first_files_the_answer_is_503(client, reference_data):
    with another_process_building(seconds=30):
        started = time.monotonic()
        for url in URLS:
            response = client.get(url)
            assert response.status_code == 503, url
            assert int(response["Retry-After"]) > 0
            assert "being built" in response.content.decode()
        assert time.monotonic() - started < 10
    assert client.get("/download/").status_code == 200


def test_a_file_being_sent_is_sent_whole_when_a_newer_build_removes_it(client, reference_data):
    client.get(SQLITE_URL)
    old_path = stored(downloads.SQLITE)
    expected = old_path.read_bytes()
    sending = client.get(SQLITE_URL)  # its file is open; nothing of it is read yet
    factories.CompanyFactory(name="Newly Reported Motors")
    assert client.get(CSV_URL).status_code == 200  # builds the new version, removes the old
    assert not old_path.exists()
    assert b"".join(sending.streaming_content) == expected


# --- Where the files say they come from -------------------------------------------------------


def test_the_source_url_is_the_configured_address_over_the_requests(settings):
    settings.SITE_URL = "https://tracker.example.org/"
    built = downloads.current(site_url="http://127.0.0.1:8000/download/")
    info = dataset_info(built.path(downloads.SQLITE))
    assert info["source_url"] == "https://tracker.example.org/download/"


def test_the_command_says_when_no_address_is_configured(settings):
    settings.SITE_URL = ""
    call_command("build_downloads", stdout=StringIO(), stderr=StringIO())
    source = dataset_info(stored(downloads.SQLITE))["source_url"]
    assert source.startswith("not configured") and "DJANGO_SITE_URL" in source


# --- Serving ---------------------------------------------------------------------------------


def test_files_answer_with_an_etag_and_304_until_the_data_changes(client, reference_data):
    for url, content_type in [
        (SQLITE_URL, "application/vnd.sqlite3"),
        (CSV_URL, "application/zip"),
    ]:
        response = client.get(url)
        assert response["Content-Type"] == content_type
        etag = response["ETag"]
        assert etag.startswith(f'"v{data_version()}-')
        again = client.get(url, headers={"if-none-match": etag})
        assert again.status_code == 304 and not again.content
        factories.CompanyFactory()
        changed = client.get(url, headers={"if-none-match": etag})
        assert changed.status_code == 200 and changed["ETag"] != etag
        assert body(changed)


def test_head_answers_with_the_length_and_no_body(client, reference_data):
    got = client.get(CSV_URL)
    length = len(body(got))
    head = client.head(CSV_URL)
    assert head.status_code == 200
    assert int(head["Content-Length"]) == length
    assert head["Content-Type"] == "application/zip"
    assert body(head) == b""


def test_writes_are_refused(client):
    for url in URLS:
        assert client.post(url).status_code == 405


def test_login_required_mode_turns_visitors_away_before_building(client, settings):
    settings.ANALYST_LOGIN_REQUIRED = True
    page = client.get("/download/")
    assert page.status_code == 302  # a browser: to the login
    assert page["Location"].startswith("/admin/login/?next=")
    for url in URLS[1:]:
        response = client.get(url)  # a program: told to send a token, not given a login form
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"
    assert not downloads.directory().exists()  # nothing built for a visitor turned away
    client.force_login(User.objects.create_user("reader", password="x"))
    for url in URLS:
        assert client.get(url).status_code == 200, url


def test_the_download_page_says_what_is_in_the_files(client, reference_data):
    response = client.get("/download/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f"data version {data_version()}" in page
    assert 'href="/download/evmarket.sqlite3"' in page
    assert 'href="/download/evmarket-csv.zip"' in page
    count = ExchangeRate.objects.count()
    assert (
        f'<td data-label="Table"><code>exchangerate</code></td><td data-label="Rows">{count:,}</td>'
    ) in page
    assert "<code>marketevent_companies</code>" in page
    assert "reuse with attribution to the sources and this tracker" in " ".join(page.split())
    assert response.context["build"].sizes["sqlite"] == stored(downloads.SQLITE).stat().st_size
    assert 'href="/download/"' in client.get("/").content.decode()  # linked from every page


# --- The command -----------------------------------------------------------------------------


def test_build_downloads_builds_once_per_data_version(reference_data):
    out = StringIO()
    call_command("build_downloads", stdout=out, stderr=StringIO())
    assert f"Built data version {data_version()}" in out.getvalue()
    path = stored(downloads.SQLITE)
    built = path.stat()

    again = StringIO()
    call_command("build_downloads", stdout=again, stderr=StringIO())
    assert "Already built" in again.getvalue()
    assert path.stat().st_ino == built.st_ino

    progress = StringIO()
    call_command("build_downloads", "--force", stdout=StringIO(), stderr=progress)
    assert path.stat().st_ino != built.st_ino
    assert "exchangerate" in progress.getvalue() and "rows/s" in progress.getvalue()


def test_the_pages_sql_examples_run_and_compare_amounts_as_numbers(
    client, reference_data, tmp_path
):
    """The examples name each model with its variant (the SU7 and the SU7 Max are two), and
    the page warns, truly, that amounts compare as text unless cast."""
    factories.PricePointFactory(
        vehicle_model=factories.VehicleModelFactory(name="Cheap", variant=""),
        amount=Decimal("99000.00"),
        currency="PKR",
        market="PK",
    )
    page = client.get("/download/").content.decode()
    text = " ".join(page.split())
    assert "<code>WHERE amount &gt; 100000</code> matches <code>'99000.00'</code>" in text
    assert "CAST(amount AS REAL)" in text
    (example,) = re.findall(r"<pre[^>]*><code>(.*?)</code></pre>", page, re.DOTALL)
    queries = re.findall(
        r'sqlite3 -header evmarket.sqlite3 "(.*?)"', html.unescape(example), re.DOTALL
    )
    assert len(queries) == 2
    database = sqlite_of(client, tmp_path)

    prices = database.execute(queries[0]).fetchall()
    assert len(prices) == PricePoint.objects.count()
    named = {(maker, model) for maker, model, *_ in prices}
    assert ("Xiaomi", "SU7 Max") in named and ("Xiaomi", "SU7") in named, named
    assert ("Cheap", "99000.00") in {(model, amount) for _maker, model, amount, *_ in prices}

    over_ten_million = database.execute(queries[1]).fetchall()
    assert over_ten_million
    assert all(Decimal(amount) > 10_000_000 for _model, amount, _date in over_ten_million)
    # What the page warns of: compared as text, 99000.00 is "more" than 100000.
    assert database.execute(
        "SELECT count(*) FROM pricepoint WHERE amount > 100000 AND amount = '99000.00'"
    ).fetchone() == (1,)
