"""Imports that cannot freeze the admin, fill the memory or the disk, or reach outside their own
files: size, unpacked-size, row, cell and time limits; a preview that writes (and locks)
nothing; an import whose database session is cancelled stops and writes nothing; uploads that
wait in a private directory under names that are never paths, and go once they are used."""

import datetime
import io
import os
import re
import threading
import time
import tracemalloc
import zipfile
from contextlib import contextmanager

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entrants.cache import data_version
from entrants.models import ExchangeRate
from tests.test_import import (
    RATE_COLUMNS,
    confirm,
    preview,
    rate_row,
    write_file,
)

pytestmark = pytest.mark.django_db
UploadNames = re.compile(r"[0-9a-f]{32}")


def rate_rows(count, **cells):
    """Return a header and ``count`` valid rate rows, a day apart."""
    first = datetime.date(2020, 1, 1)
    return [RATE_COLUMNS] + [
        rate_row(date=(first + datetime.timedelta(days=day)).isoformat(), **cells)
        for day in range(count)
    ]


def import_command(path, *args):
    """Run import_rates; return (exit error or None, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_rates", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return error, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def page_errors(page):
    """Return the text of the preview page."""
    return page.content.decode()


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_DIR


def waiting_uploads(upload_dir):
    return sorted(path.name for path in upload_dir.iterdir()) if upload_dir.exists() else []


# --- Size, rows and cells ----------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_in_words(admin_client, settings, tmp_path):
    settings.IMPORT_MAX_FILE_BYTES = 2_000
    rows = rate_rows(30)

    page = preview(admin_client, ExchangeRate, rows)
    error, _, _ = import_command(write_file(tmp_path, rows))

    assert "an import takes files of up to 2.0 KB" in page_errors(page)
    assert "Confirm import" not in page_errors(page)
    assert "an import takes files of up to 2.0 KB" in str(error)
    assert not ExchangeRate.objects.exists()


def compressed_bomb(size):
    """Return a small XLSX file whose one cell holds ``size`` characters, which compress to
    almost nothing (written into the sheet's XML: openpyxl cuts strings at Excel's 32,767)."""
    book = openpyxl.Workbook()
    book.active.append(RATE_COLUMNS)
    book.active.append(rate_row()[:-1] + ["MARKER"])
    plain = io.BytesIO()
    book.save(plain)
    bomb = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            data = source.read(member)
            out.writestr(member, data.replace(b"MARKER", b"x" * size))
    return bomb.getvalue()


def test_an_xlsx_file_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked(
    admin_client, tmp_path
):
    bomb = compressed_bomb(30_000_000)
    assert len(bomb) < 200_000  # small to upload, 30 MB unpacked
    path = tmp_path / "rates.xlsx"
    path.write_bytes(bomb)
    del bomb

    tracemalloc.start()
    try:
        error, _, _ = import_command(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "unpacks to 28.6 MB" in str(error)
    assert peak < 5_000_000, f"{peak:,} bytes allocated: the sheet was unpacked"
    with path.open("rb") as upload:
        page = admin_client.post(
            reverse("admin:entrants_exchangerate_import"),
            {"resource": "0", "format": "1", "import_file": upload},
        )
    assert "unpacks to 28.6 MB" in page_errors(page)
    assert not ExchangeRate.objects.exists()


def peak_memory_of(function, *args):
    """Return what ``function(*args)`` returned, and the most memory it held at once."""
    tracemalloc.start()
    try:
        result = function(*args)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_small_csv_of_millions_of_rows_is_refused_without_holding_them(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(",".join(RATE_COLUMNS) + "\n" + "x\n" * 2_000_000)  # 4 MB

    (error, _, err), peak = peak_memory_of(import_command, path)

    assert "The file has more than 3,000 rows" in err
    assert peak < 40_000_000, f"{peak:,} bytes held: every row was read"
    assert not ExchangeRate.objects.exists()


def test_a_csv_row_of_a_hundred_thousand_cells_is_refused(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("," * 100_000 + "date\n" + "x\n" * 300)  # 100 KB; tablib made 30 M cells

    (error, _, _), peak = peak_memory_of(import_command, path)

    assert "The header row has more than 50 columns" in str(error)
    assert peak < 40_000_000, f"{peak:,} bytes held"


def test_an_xlsx_cell_far_past_the_last_column_is_refused_without_widening_every_row(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(RATE_COLUMNS)
    book.active["XFD3001"] = "x"  # a 5 KB file; read as declared, 3,000 rows of 16,384 cells
    path = tmp_path / "rates.xlsx"
    book.save(path)

    (error, _, _), peak = peak_memory_of(import_command, path)

    assert "Row 3001 has cells filled past the last column of the header row" in str(error)
    assert peak < 20_000_000, f"{peak:,} bytes held"


@pytest.mark.parametrize("name", ["rates.csv", "rates.xlsx"])
def test_a_file_over_the_row_limit_is_refused(admin_client, settings, name):
    settings.IMPORT_MAX_ROWS = 5

    page = preview(admin_client, ExchangeRate, rate_rows(6), name)

    assert "The file has more than 5 rows" in page_errors(page)
    assert "Confirm import" not in page_errors(page)
    assert preview(admin_client, ExchangeRate, rate_rows(5), name).context["confirm_form"]


def test_a_cell_over_the_cell_limit_is_refused_by_row_and_column(tmp_path, settings):
    rows = rate_rows(3)
    rows[2][RATE_COLUMNS.index("notes")] = "n" * (settings.IMPORT_MAX_CELL_CHARS + 1)

    error, _, err = import_command(write_file(tmp_path, rows))

    assert error is not None
    assert f"Row 3, notes: the cell holds {settings.IMPORT_MAX_CELL_CHARS + 1:,} characters" in err
    assert not ExchangeRate.objects.exists()


# --- Locks: the preview writes nothing; the confirm bumps the data version once ---------------

WRITES = ("INSERT", "UPDATE", "DELETE")


def test_a_preview_writes_nothing_and_so_locks_nothing(admin_client):
    with CaptureQueriesContext(connection) as queries:
        page = preview(admin_client, ExchangeRate, rate_rows(20))

    assert page.context["confirm_form"]
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert not [sql for sql in writes if "django_session" not in sql], writes


def test_a_confirm_bumps_the_data_version_once_not_per_row(admin_client):
    page = preview(admin_client, ExchangeRate, rate_rows(20))
    before = data_version()

    with CaptureQueriesContext(connection) as queries:
        confirm(admin_client, ExchangeRate, page)

    assert ExchangeRate.objects.count() == 20
    bumps = [q["sql"] for q in queries if "entrants_dataversion" in q["sql"]]
    assert len([sql for sql in bumps if sql.lstrip().upper().startswith("UPDATE")]) == 1
    assert data_version() == before + 1


# --- Time limit and a cancelled session: stop at once, write nothing --------------------------


COUNT_TO = (
    "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
    "SELECT x + 1 FROM c WHERE x < %s) SELECT x FROM c)"
)


def sqlite_counts_per_second(cursor):
    """How far SQLite counts in a second on this machine, now (a fixed figure made the slow
    row take 1.5 s on one machine and under a second, the time limit, on a faster one)."""
    started = time.monotonic()
    cursor.execute(COUNT_TO, [1_000_000])
    return 1_000_000 / max(time.monotonic() - started, 1e-3)


@contextmanager
def slow_insert_of(notes, seconds):
    """Make the database take about ``seconds`` over inserting a rate whose notes are
    ``notes``: a statement that can be cancelled while it runs (SQLite counts to a few
    million; PostgreSQL sleeps)."""
    table = ExchangeRate._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            count = int(seconds * sqlite_counts_per_second(cursor))
            cursor.execute(
                f"CREATE TRIGGER slow BEFORE INSERT ON {table} WHEN NEW.notes = '{notes}' "
                f"BEGIN {COUNT_TO % count}; END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_sleep({seconds}); RETURN NEW; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER slow BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN (NEW.notes = '{notes}') EXECUTE FUNCTION slow()"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER IF EXISTS slow")
            else:
                cursor.execute("DROP FUNCTION IF EXISTS slow() CASCADE")


def rows_with_a_slow_one(count=20, slow_row=5):
    rows = rate_rows(count)
    rows[slow_row][RATE_COLUMNS.index("notes")] = "slow"
    return rows


# Not in the test's transaction: SQLite rolls back the whole of a transaction it interrupts.
@pytest.mark.django_db(transaction=True)
def test_an_import_over_its_time_limit_stops_and_writes_nothing(tmp_path):
    path = write_file(tmp_path, rows_with_a_slow_one())
    with slow_insert_of("slow", 2):
        started = time.monotonic()
        error, _, err = import_command(path, "--time-limit", "1")
        took = time.monotonic() - started

    assert str(error) == "Nothing was imported."
    assert (
        "took longer than 1 seconds" in err or "canceling statement due to statement timeout" in err
    )
    assert took < 5
    assert not ExchangeRate.objects.exists()


def cancel_running_statement(session, settings_dict, stop):
    """Cancel whatever statement ``session`` (a PostgreSQL backend's pid, or an SQLite
    connection) is running, again and again until ``stop`` is set: an administrator
    cancelling an import."""
    if not isinstance(session, int):
        while not stop.wait(0.05):
            session.interrupt()
        return
    import psycopg2

    other = psycopg2.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        password=settings_dict["PASSWORD"] or None,
    )
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            while not stop.wait(0.05):
                cursor.execute("SELECT pg_cancel_backend(%s)", [session])
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_database_session_is_cancelled_stops_and_writes_nothing(tmp_path):
    path = write_file(tmp_path, rows_with_a_slow_one())
    connection.ensure_connection()
    session = connection.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (session,) = cursor.fetchone()
    stop = threading.Event()
    with slow_insert_of("slow", 10):
        canceller = threading.Thread(
            target=cancel_running_statement, args=(session, connection.settings_dict, stop)
        )
        started = time.monotonic()
        canceller.start()
        try:
            error, _, err = import_command(path, "--time-limit", "0")
        finally:
            stop.set()
            canceller.join()
        took = time.monotonic() - started

    assert str(error) == "Nothing was imported."
    assert "The database stopped the import" in err
    assert took < 8, "the import went on after its session was cancelled"
    assert not ExchangeRate.objects.exists()


# --- Uploads between preview and confirm --------------------------------------------------------


def test_an_upload_waits_privately_and_goes_once_confirmed(admin_client, upload_dir):
    page = preview(admin_client, ExchangeRate, rate_rows(2))
    (waiting,) = waiting_uploads(upload_dir)
    assert oct(upload_dir.stat().st_mode & 0o777) == "0o700"
    assert oct((upload_dir / waiting).stat().st_mode & 0o777) == "0o600"

    first = confirm(admin_client, ExchangeRate, page)
    assert first.status_code == 302
    assert waiting_uploads(upload_dir) == []

    again = confirm(admin_client, ExchangeRate, page)  # a second click on "Confirm import"
    assert again.status_code == 302
    assert again["Location"] == reverse("admin:entrants_exchangerate_import")
    followed = admin_client.get(again["Location"])
    assert "no longer waiting to be confirmed" in followed.content.decode()
    assert ExchangeRate.objects.count() == 2


def test_a_preview_that_cannot_be_confirmed_leaves_no_upload(admin_client, upload_dir):
    rows = rate_rows(3)
    rows[2][RATE_COLUMNS.index("rate")] = "-1"

    page = preview(admin_client, ExchangeRate, rows)

    assert "Confirm import" not in page_errors(page)
    assert waiting_uploads(upload_dir) == []


def test_an_unreadable_file_leaves_no_upload(admin_client, upload_dir):
    page = admin_client.post(
        reverse("admin:entrants_exchangerate_import"),
        {"resource": "0", "format": "1", "import_file": io.BytesIO(b"not a zip")},
    )
    assert "is not an XLSX file" in page_errors(page)
    assert waiting_uploads(upload_dir) == []


@pytest.mark.parametrize(
    "name", ["victim.txt", "../victim.txt", "/tmp/victim.txt", "0" * 31 + "g", "%s"]
)
def test_a_confirm_never_reads_or_deletes_a_file_it_is_given_the_name_of(
    admin_client, upload_dir, tmp_path, name
):
    victim = tmp_path / "victim.txt"
    victim.write_text("date,base,quote,rate\n")
    upload_dir.mkdir()
    (upload_dir / "victim.txt").write_text("date,base,quote,rate\n")
    name = name.replace("/tmp/victim.txt", str(victim)).replace("%s", str(victim))

    response = admin_client.post(
        reverse("admin:entrants_exchangerate_process_import"),
        {"import_file_name": name, "original_file_name": "rates.csv", "format": "0"},
    )

    assert response.status_code == 302
    assert victim.exists() and (upload_dir / "victim.txt").exists()
    assert not ExchangeRate.objects.exists()


def test_an_upload_older_than_an_hour_is_gone_and_removed(admin_client, upload_dir, settings):
    page = preview(admin_client, ExchangeRate, rate_rows(2))
    (waiting,) = waiting_uploads(upload_dir)
    old = time.time() - settings.IMPORT_UPLOAD_MAX_AGE_SECONDS - 60
    os.utime(upload_dir / waiting, (old, old))

    response = confirm(admin_client, ExchangeRate, page)

    assert response["Location"] == reverse("admin:entrants_exchangerate_import")
    assert not ExchangeRate.objects.exists()
    assert waiting_uploads(upload_dir) == []


def test_a_new_upload_removes_those_never_confirmed(admin_client, upload_dir, settings):
    preview(admin_client, ExchangeRate, rate_rows(2))
    (forgotten,) = waiting_uploads(upload_dir)
    old = time.time() - settings.IMPORT_UPLOAD_MAX_AGE_SECONDS - 60
    os.utime(upload_dir / forgotten, (old, old))

    preview(admin_client, ExchangeRate, rate_rows(3))

    assert forgotten not in waiting_uploads(upload_dir)
    assert len(waiting_uploads(upload_dir)) == 1


def test_a_confirm_of_an_upload_another_confirm_has_taken_imports_nothing(admin_client, upload_dir):
    """Two confirms of one upload at once (a double click, a second tab): the first takes the
    upload before it reads it, so the second finds nothing and says so."""
    from entrants.admin.imports import UploadStorage

    page = preview(admin_client, ExchangeRate, rate_rows(2))
    (waiting,) = waiting_uploads(upload_dir)
    UploadStorage(name=waiting).claim()  # the first confirm, under way

    response = confirm(admin_client, ExchangeRate, page)

    assert response["Location"] == reverse("admin:entrants_exchangerate_import")
    followed = admin_client.get(response["Location"])
    assert "no longer waiting to be confirmed" in followed.content.decode()
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("made", ["open to others", "a link to another directory"])
def test_an_upload_directory_others_could_reach_is_refused(
    admin_client, upload_dir, tmp_path, made
):
    if made == "open to others":
        upload_dir.mkdir(mode=0o777)
        upload_dir.chmod(0o777)
    else:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        upload_dir.symlink_to(elsewhere)

    page = preview(admin_client, ExchangeRate, rate_rows(2))

    assert "cannot keep this upload safely" in page_errors(page)
    assert "Confirm import" not in page_errors(page)
    assert not [path for path in tmp_path.rglob("*") if UploadNames.fullmatch(path.name)]
