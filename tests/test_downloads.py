"""The whole dataset as downloads (/download/): the SQLite file opens and holds every public
table with the database's rows, exact decimals and no user data; the CSV zip has one CSV per
table, safe for spreadsheets; both are built once per data version, served with an ETag, and
rebuilt after a change."""

import csv
import datetime
import io
import sqlite3
import zipfile
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
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
    assert "attribution" in info["terms"] and info["source_url"].endswith("/download/")


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


def test_a_failed_build_leaves_no_partial_file_and_answers_503(client, monkeypatch):
    factories.PricePointFactory()
    written = []

    def fail_after_the_first_table(database, archive, model, progress, built_at):
        if written:
            raise OSError(28, "No space left on device")
        written.append(model)
        return 0

    monkeypatch.setattr(downloads, "write_table", fail_after_the_first_table)
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 503, url
        assert response["Retry-After"]
    assert [p.name for p in downloads.directory().iterdir()] == [".build.lock"]
    monkeypatch.undo()
    assert client.get(SQLITE_URL).status_code == 200


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


def test_login_required_mode_sends_visitors_to_the_login_first(client, settings):
    settings.ANALYST_LOGIN_REQUIRED = True
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next=")
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
    assert f"<td><code>exchangerate</code></td><td>{count:,}</td>" in page
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
