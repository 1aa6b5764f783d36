"""``manage.py bootstrap`` (what ``make run`` and ``make serve`` start with): migrations,
reference data and static files, one process at a time — two servers started together do not
race. Run in fresh processes on a database of their own: SQLite, or PostgreSQL on the
PostgreSQL stage."""

import fcntl
import os
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg2
import pytest

from drills.serving import drill_database
from entrants.management.commands.bootstrap import LOCK_KEY

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture
def fresh_database(tmp_path):
    """Return the URL of an empty database (dropped afterwards on PostgreSQL)."""
    with ExitStack() as stack:
        if ON_POSTGRES:
            yield stack.enter_context(drill_database("evmarket_drill_bootstrap"))
        else:
            yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"


def start_bootstrap(database_url, tmp_path, name):
    """Start ``manage.py bootstrap`` with no settings but the database (development, as
    ``make run``); return the process, its output going to ``tmp_path/name.log``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env |= {"DATABASE_URL": database_url, "DJANGO_STATIC_ROOT": str(tmp_path / "static")}
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "bootstrap"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.log_path = tmp_path / f"{name}.log"
    return process


def finished(process, timeout=240):
    """Wait for ``process``; return its exit status and output."""
    status = process.wait(timeout)
    return status, process.log_path.read_text()


def reference_loads(database_url):
    """Return how many times the reference data was loaded into the database."""
    code = "from entrants.models import ReferenceDataLoad as L; print(L.objects.count())"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env | {"DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_two_processes_started_together_prepare_the_database_once(fresh_database, tmp_path):
    first = start_bootstrap(fresh_database, tmp_path, "first")
    second = start_bootstrap(fresh_database, tmp_path, "second")

    for process in (first, second):
        status, output = finished(process)
        assert status == 0, output
        assert "Ready to serve." in output
    assert reference_loads(fresh_database) == 1
    assert (tmp_path / "static" / "js").is_dir()


@contextmanager
def holding_the_lock(database_url):
    """Hold the lock a bootstrap takes, as another process preparing the database would."""
    if ON_POSTGRES:
        other = psycopg2.connect(database_url)
        other.autocommit = True
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            yield
        finally:
            other.close()
    else:
        path = database_url.removeprefix("sqlite:///")
        with open(f"{path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def test_a_process_waits_while_another_prepares_the_database_and_says_so(fresh_database, tmp_path):
    with holding_the_lock(fresh_database):
        waiting = start_bootstrap(fresh_database, tmp_path, "waiting")
        time.sleep(5)
        assert waiting.poll() is None, waiting.log_path.read_text()
        assert "Another process is preparing this database: waiting for it" in (
            waiting.log_path.read_text()
        )
    status, output = finished(waiting)
    assert status == 0, output
    assert "Applying database migrations" in output
    assert output.index("waiting for it") < output.index("Applying database migrations")
