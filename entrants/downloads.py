"""The whole dataset as two files, built once per data version into ``settings.DOWNLOAD_DIR``
and served from there: an SQLite database (``evmarket.sqlite3``) and a zip of one CSV per
table (``evmarket-csv.zip``).

What goes in: the tracker's public records (``PUBLIC_MODELS``) and the tables that link them
(mentions, other sources, the models a partnership covers…), each named as its database table
without the ``entrants_`` prefix, with its concrete columns as the database names them, and a
``dataset_info`` table (data version, built at, terms, where it comes from). What stays out:
users, groups, sessions, the admin log, login attempts and tokens (other apps' tables: never
read here), the history tables (``Historical*``: who changed what, and when), and the
tracker's bookkeeping (``INTERNAL_MODELS``). tests/test_downloads.py fails when a model is added
to the app without being placed on one side or the other.

Values in the SQLite file: decimals as TEXT exactly as stored (``215900.00``,
``278.1234567891``), so no digit is lost; dates and times as ISO text (a date known to the
month is stored as its first day, beside its ``date_precision``, as in the database);
booleans 0/1; UUIDs as text. The CSVs follow the lists' export rules (``entrants.exports``):
the same exact decimals, each date only as precisely as it is known ("2024-10") beside its
precision, and no cell that a spreadsheet would run as a formula.

Every table is read in one read transaction (on PostgreSQL REPEATABLE READ, READ ONLY; SQLite's
read transaction is a snapshot from its first read), so both files are one consistent snapshot,
named by the data version read in it. Each file is written under a temporary name in the
directory and renamed into place (``os.replace``), the manifest last: a reader never sees a
half-written file, and a version counts as built once its manifest is there.

A lock file keeps two processes from building at once, and no request waits for it: while
another process builds the current version, a request is served the newest complete build on
disk (an older data version, which its ETag and the page name), or a 503 if there is none yet.
After a build, every other version's files are removed (a request still sending one keeps its
open file until it is done).
"""

import csv
import fcntl
import io
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from entrants.cache import data_version
from entrants.dates import partial_date_iso
from entrants.exports import export_value, spreadsheet_safe
from entrants.models import (
    Company,
    CompanyAlias,
    DataVersion,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    Place,
    PricePoint,
    ReferenceDataLoad,
    SearchDocument,
    SearchTerm,
    Sighting,
    StatedConversion,
    Statement,
    VehicleModel,
    VehicleModelAlias,
)

#: The records the downloads hold, parents before the tables that refer to them; each brings
#: its many-to-many link tables.
PUBLIC_MODELS = (
    Company,
    CompanyAlias,
    VehicleModel,
    VehicleModelAlias,
    Person,
    NewsItem,
    Partnership,
    Place,
    Sighting,
    PricePoint,
    StatedConversion,
    ExchangeRate,
    MarketEvent,
    Statement,
)
#: The tracker's bookkeeping, not data: the counter that names the data version (the files
#: carry it in ``dataset_info``), the checksums of reference-data loads, and the search index
#: (derived from the records, which the files hold).
INTERNAL_MODELS = (DataVersion, ReferenceDataLoad, SearchDocument, SearchTerm)

TABLE_PREFIX = "entrants_"
INFO_TABLE = "dataset_info"
ROWS_PER_BATCH = 2_000
INTEGER_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "BooleanField",
    }
)

TERMS = (
    "Facts are compiled from the cited public sources: every fact names the news item it was "
    "read in (table newsitem: publisher, headline, URL, date), and every exchange rate its source "
    "and the address that states it (exchangerate.source_url). Reuse with attribution to the "
    "sources and this tracker. The text of news items (summary, body) remains its publishers'. "
    "ECB reference rates (source 'ecb'): Source: ECB; published for information purposes only."
)
TITLE = "Pakistan EV market tracker: the whole dataset"


@dataclass(frozen=True)
class Download:
    """One of the files a build makes: the name it is served as, and its type."""

    key: str
    filename: str
    content_type: str

    def stored_name(self, version):
        """Return the file's name on disk for ``version``: "evmarket-v42.sqlite3"."""
        stem, extension = self.filename.rsplit(".", 1)
        return f"{stem}-v{version}.{extension}"


SQLITE = Download("sqlite", "evmarket.sqlite3", "application/vnd.sqlite3")
CSV_ZIP = Download("csv", "evmarket-csv.zip", "application/zip")
MANIFEST = Download("manifest", "evmarket.json", "application/json")
DOWNLOADS = {download.key: download for download in (SQLITE, CSV_ZIP)}
#: Any version's files (and nothing else in the directory): what a build may remove.
STORED_NAME = re.compile(r"^evmarket(?:-csv)?-v(\d+)\.(?:sqlite3|zip|json)$")
MANIFEST_NAME = re.compile(r"^evmarket-v(\d+)\.json$")
TEMPORARY_PREFIX = ".building-"
LOCK_NAME = ".build.lock"
#: What a build that fails for want of room or rights raises: the file system's errors, SQLite's
#: ("database or disk is full" is an ``sqlite3.OperationalError``) and the zip module's.
BUILD_ERRORS = (OSError, sqlite3.Error, zipfile.BadZipFile, zipfile.LargeZipFile)
SOURCE_NOT_CONFIGURED = (
    "not configured: this copy was built with no public address set (DJANGO_SITE_URL); "
    "the files come from the tracker's /download/ page"
)


class Unavailable(Exception):
    """The files cannot be served just now (``retry_after``: seconds worth waiting)."""

    retry_after = 300


class BuildFailed(Unavailable):
    """The build failed: a full disk, a directory the server cannot write."""


class BuildUnderWay(Unavailable):
    """Another process is building the files and no complete build is on disk yet."""

    retry_after = 30


@dataclass(frozen=True)
class Build:
    """The files built for one data version, as its manifest describes them; ``superseded``
    when they are served while another process builds a newer data version's."""

    directory: Path
    version: int
    built_at: object
    tables: list
    sizes: dict
    superseded: bool = False

    def path(self, download):
        return self.directory / download.stored_name(self.version)

    @property
    def total_rows(self):
        return sum(table["rows"] for table in self.tables)


def directory():
    return Path(settings.DOWNLOAD_DIR)


def table_name(model):
    """Return the table's name in the downloads: its database table without the app prefix."""
    return model._meta.db_table.removeprefix(TABLE_PREFIX)


def public_tables():
    """Return the models whose tables the downloads hold: ``PUBLIC_MODELS``, each followed by
    its many-to-many link tables."""
    tables = []
    for model in PUBLIC_MODELS:
        tables.append(model)
        for field in model._meta.local_many_to_many:
            tables.append(field.remote_field.through)
    return tables


def descriptions():
    """Return {table name: what it holds} for the download page: a record's docstring, or
    which two records a link table links."""
    described = {}
    for model in PUBLIC_MODELS:
        described[table_name(model)] = " ".join(model.__doc__.split())
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            described[table_name(through)] = (
                f"Links {table_name(model)} to {table_name(field.related_model)}: "
                f"{field.verbose_name}."
            )
    described[INFO_TABLE] = "This file: its data version, when it was built, its terms."
    return described


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def sqlite_type(field):
    """Return the column's SQLite type: INTEGER for integers and booleans, TEXT for the rest
    (decimals included: a REAL would round them)."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind in INTEGER_TYPES:
        return "INTEGER"
    if kind == "FloatField":
        return "REAL"
    return "TEXT"


def column_sql(field):
    parts = [quoted(field.column), sqlite_type(field)]
    if field.primary_key:
        parts.append("PRIMARY KEY")
    elif not field.null:
        parts.append("NOT NULL")
    if field.is_relation:
        target = field.target_field
        parts.append(f"REFERENCES {quoted(table_name(target.model))}({quoted(target.column)})")
    return " ".join(parts)


def create_table_sql(model):
    """Return the CREATE TABLE statement of ``model``'s table."""
    columns = ",\n  ".join(column_sql(field) for field in model._meta.concrete_fields)
    return f"CREATE TABLE {quoted(table_name(model))} (\n  {columns}\n)"


def index_sql(model):
    """Return a CREATE INDEX statement per foreign key of ``model``'s table (run after its rows
    are in: one sort instead of an index kept up to date row by row)."""
    name = table_name(model)
    return [
        f"CREATE INDEX {quoted(f'{name}_{field.column}')} ON {quoted(name)}({quoted(field.column)})"
        for field in model._meta.concrete_fields
        if field.is_relation
    ]


def csv_reader(model):
    """Return (row, exported) -> CSV cells for ``model``'s rows (``row`` as ``values_list``
    gives it, ``exported`` its ``export_value``s): exact values, each date with a precision
    column beside it written only as precisely as known, every cell safe from spreadsheet
    formulas."""
    fields = model._meta.concrete_fields
    names = [field.name for field in fields]
    precision_of = {
        index: names.index(f"{field.name}_precision")
        for index, field in enumerate(fields)
        if field.get_internal_type() == "DateField" and f"{field.name}_precision" in names
    }

    def cells(row, exported):
        values = [spreadsheet_safe(value) for value in exported]
        for index, precision in precision_of.items():
            values[index] = partial_date_iso(row[index], row[precision])  # digits: no formula
        return values

    return cells


@contextmanager
def read_snapshot():
    """Read every table in one transaction: on PostgreSQL REPEATABLE READ, READ ONLY (when not
    already inside a transaction, as a test is), so a write committed meanwhile is not half in
    the files."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@contextmanager
def staged(folder, final_name):
    """Yield a temporary path in ``folder``; on success rename it to ``final_name`` (atomic:
    readers see the old file or the whole new one), on failure remove it."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=TEMPORARY_PREFIX)
    os.close(handle)
    os.chmod(temporary, 0o644)  # public data: a proxy serving the directory may read it
    try:
        yield Path(temporary)
        os.replace(temporary, folder / final_name)
    finally:
        Path(temporary).unlink(missing_ok=True)


@contextmanager
def build_lock(folder, wait=False):
    """Hold the directory's build lock and yield True; if another process holds it, yield
    False at once (holding nothing), or with ``wait`` wait for it."""
    with open(folder / LOCK_NAME, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def batches(rows, size=ROWS_PER_BATCH):
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def source_url(site_url=None):
    """Return where the files come from, as ``dataset_info`` names it: the configured public
    address (``settings.SITE_URL``), else ``site_url`` (the absolute address of /download/ as
    the request that built them reached it), else words saying it is not configured — never a
    bare path, which means nothing to a copy read offline."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + reverse("entrants:download")
    return site_url or SOURCE_NOT_CONFIGURED


def info_rows(version, built_at, site_url=None):
    return [
        ("title", TITLE),
        ("data_version", str(version)),
        ("built_at", built_at.isoformat()),
        ("source_url", source_url(site_url)),
        ("terms", TERMS),
        (
            "values",
            "Decimals are TEXT, exactly as stored, and compare as text ('99000.00' > "
            "'100000.00'): write CAST(amount AS REAL) > 100000, or compare them as numbers in "
            "your tool. Dates are ISO text beside their precision (day, month or year: a date "
            "known to the month is its first day); booleans 0/1.",
        ),
    ]


def csv_entry(archive, name, built_at):
    """Return a text stream writing the CSV ``name`` into ``archive``, dated ``built_at``."""
    entry = zipfile.ZipInfo(name, date_time=timezone.localtime(built_at).timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    # force_zip64: the entry's size is not known ahead, and one past 2 GiB would fail to close.
    stream = archive.open(entry, "w", force_zip64=True)
    return io.TextIOWrapper(stream, encoding="utf-8", newline="")


def write_table(database, archive, model, progress, built_at):
    """Copy ``model``'s rows into the SQLite ``database`` and its CSV into ``archive``; return
    how many rows."""
    name = table_name(model)
    database.execute(create_table_sql(model))
    fields = model._meta.concrete_fields
    insert = f"INSERT INTO {quoted(name)} VALUES ({', '.join('?' * len(fields))})"
    rows = model._meta.base_manager.order_by("pk").values_list(*(f.attname for f in fields))
    bar = progress(name, rows.count()) if progress else None
    cells = csv_reader(model)
    count = 0
    with csv_entry(archive, f"{name}.csv", built_at) as out:
        writer = csv.writer(out)
        writer.writerow([field.column for field in fields])
        for batch in batches(rows.iterator(chunk_size=ROWS_PER_BATCH)):
            exported = [[export_value(value) for value in row] for row in batch]
            database.executemany(insert, exported)
            writer.writerows(map(cells, batch, exported))
            count += len(batch)
            if bar:
                bar.advance(len(batch))
    for statement in index_sql(model):
        database.execute(statement)
    if bar:
        bar.close()
    return count


def write_info(database, archive, rows, built_at):
    database.execute(f"CREATE TABLE {INFO_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    database.executemany(f"INSERT INTO {INFO_TABLE} VALUES (?, ?)", rows)
    with csv_entry(archive, f"{INFO_TABLE}.csv", built_at) as out:
        writer = csv.writer(out)
        writer.writerow(["key", "value"])
        writer.writerows([key, spreadsheet_safe(value)] for key, value in rows)


def open_database(path):
    """Return a connection to the new SQLite file at ``path``, with no journal (a new file:
    nothing to recover)."""
    database = sqlite3.connect(path)
    database.execute("PRAGMA journal_mode = OFF")
    return database


def build(folder, progress=None, site_url=None):
    """Build both files for the data version read in one snapshot, and their manifest; remove
    every other version's files. Return the ``Build``. Call it under ``build_lock``.

    ``progress(table, rows)`` (optional) returns a bar with ``advance(n)`` and ``close()``;
    ``site_url``: see ``source_url``."""
    for leftover in folder.glob(f"{TEMPORARY_PREFIX}*"):  # of a build that was killed
        leftover.unlink(missing_ok=True)
    tables = []
    with read_snapshot():
        version = data_version()
        built_at = timezone.now()
        with (
            staged(folder, SQLITE.stored_name(version)) as sqlite_path,
            staged(folder, CSV_ZIP.stored_name(version)) as zip_path,
        ):
            database = open_database(sqlite_path)
            try:
                with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
                    for model in public_tables():
                        rows = write_table(database, archive, model, progress, built_at)
                        tables.append({"name": table_name(model), "rows": rows})
                    info = info_rows(version, built_at, site_url)
                    write_info(database, archive, info, built_at)
                    tables.append({"name": INFO_TABLE, "rows": len(info)})
                database.commit()
            finally:
                database.close()
    sizes = {
        key: (folder / download.stored_name(version)).stat().st_size
        for key, download in DOWNLOADS.items()
    }
    manifest = {
        "data_version": version,
        "built_at": built_at.isoformat(),
        "tables": tables,
        "sizes": sizes,
    }
    with staged(folder, MANIFEST.stored_name(version)) as manifest_path:
        manifest_path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    remove_other_versions(folder, version)
    return Build(folder, version, built_at, tables, sizes)


def remove_other_versions(folder, version):
    """Remove every version's files but ``version``'s (a request still sending one keeps its
    open file until it is done)."""
    for path in folder.iterdir():
        match = STORED_NAME.match(path.name)
        if match and int(match.group(1)) != version:
            path.unlink(missing_ok=True)


def find(version, folder=None):
    """Return the ``Build`` of ``version`` if it is complete on disk, else None."""
    folder = folder or directory()
    try:
        manifest = json.loads((folder / MANIFEST.stored_name(version)).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    found = Build(
        folder,
        manifest["data_version"],
        parse_datetime(manifest["built_at"]),
        manifest["tables"],
        manifest["sizes"],
    )
    if not all(found.path(download).exists() for download in DOWNLOADS.values()):
        return None
    return found


def newest(folder=None):
    """Return the ``Build`` of the newest data version complete on disk, or None."""
    folder = folder or directory()
    try:
        names = [path.name for path in folder.iterdir()]
    except FileNotFoundError:
        return None
    versions = {int(match.group(1)) for name in names if (match := MANIFEST_NAME.match(name))}
    for version in sorted(versions, reverse=True):
        if found := find(version, folder):
            return found
    return None


def current(progress=None, force=False, site_url=None, wait=False):
    """Return the ``Build`` to serve: the current data version's, building it first if it is
    missing (or ``force``) and no other process is building.

    While another process builds, return at once the newest complete build on disk instead
    (``superseded`` if it is of an older data version), or raise ``BuildUnderWay`` if there is
    none; with ``wait`` (the command), wait for that build, then build. A failed build raises
    ``BuildFailed``. ``site_url``: see ``source_url``."""
    folder = directory()
    version = data_version()
    try:
        if not force and (found := find(version, folder)):
            return found
        folder.mkdir(parents=True, exist_ok=True)
        with build_lock(folder, wait) as held:
            if held:
                # Another process may have built it since this one looked.
                if not force and (found := find(data_version(), folder)):
                    return found
                return build(folder, progress, site_url)
        # Another process is building. Its build removes older files only once its own are
        # complete: if the older ones are gone, the newer are there.
        older = newest(folder) or find(version, folder)
    except BUILD_ERRORS as error:
        raise BuildFailed(error) from error
    if older is None:
        raise BuildUnderWay("another process is building the first files")
    return replace(older, superseded=older.version < version)


def open_download(download, site_url=None):
    """Return the ``Build`` to serve (``current``) and its ``download`` file opened for
    reading. A file removed between finding and opening it (a newer build replaced it) is
    looked for again, once."""
    for _attempt in range(2):
        found = current(site_url=site_url)
        try:
            return found, open(found.path(download), "rb")
        except FileNotFoundError as error:
            missing = error
        except OSError as error:
            raise BuildFailed(error) from error
    raise BuildFailed(missing)
