"""What the drills (and tests/test_serving.py) share: the app served as production serves it —
gunicorn with ``evmarket/gunicorn.conf.py``, production settings over plain HTTP — on a
database of its own, and the clean-up that always follows.

    with served_app("postgres://postgres@127.0.0.1:5432/evmarket_drill_x", log_dir) as app:
        status = get(app.port, "/sightings/")
"""

import argparse
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT = 10.0
START = time.monotonic()


class DrillError(Exception):
    """A reason to stop a drill, said in words."""


def say(message):
    """Print a line of progress, with the seconds since the drill started."""
    print(f"[{time.monotonic() - START:6.1f} s] {message}", flush=True)


# --- Databases ---------------------------------------------------------------------------------


def server_url():
    """Return the URL of the PostgreSQL server, without a database name: from
    ``DRILL_DATABASE_URL``, else ``DATABASE_URL`` if it is PostgreSQL, else the local one."""
    for name in ("DRILL_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return urlunsplit(urlsplit(url)._replace(path="/", query="", fragment=""))
    return "postgres://postgres@127.0.0.1:5432/"


def query(server, sql, database="postgres", timeout=5):
    """Run one statement (autocommit) on ``database``; return its rows, if any."""
    connection = psycopg2.connect(server + database, connect_timeout=max(2, int(timeout)))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(timeout * 1000)}")
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def wait_for_postgres(server, seconds):
    """Wait until the server accepts connections; return whether it did in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            query(server, "SELECT 1", timeout=2)
            return True
        except psycopg2.Error:
            time.sleep(0.2)
    return False


@contextmanager
def drill_database(name):
    """Create the PostgreSQL database ``name`` (an ``evmarket_drill_…`` name), yield its URL,
    and drop it afterwards."""
    assert name.startswith("evmarket_drill")
    server = server_url()
    if not wait_for_postgres(server, 10):
        raise DrillError(f"PostgreSQL does not answer at {server}")
    query(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    query(server, f"CREATE DATABASE {name}")
    try:
        yield server + name
    finally:
        if wait_for_postgres(server, 30):
            query(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", timeout=30)
            say(f"Dropped {name}.")
        else:
            say(f"PostgreSQL is not answering: {name} was not dropped.")


# --- The app under gunicorn ------------------------------------------------------------------


def app_environment(database_url, **extra):
    """Return the environment of production settings on ``database_url`` over plain HTTP."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    return {
        **inherited,
        "DATABASE_URL": database_url,
        "DJANGO_ENV": "production",  # manage.py too, not only gunicorn
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_CONN_MAX_AGE": "60",
        # Static files unhashed: collectstatic would write into the working tree.
        "DJANGO_PLAIN_STATIC": "1",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def manage(env, *args, timeout=180, stdin=None):
    """Run a manage.py command, bounded in time; raise DrillError with its output if it
    fails."""
    argv = [sys.executable, "manage.py", *args]
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, input=stdin
    )
    if done.returncode:
        output = (done.stdout + done.stderr).strip().splitlines()
        raise DrillError(f"manage.py {' '.join(args)} failed:\n" + "\n".join(output[-20:]))
    return done.stdout


def free_port():
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, headers=None, timeout=REQUEST_TIMEOUT):
    """GET ``path`` on a new connection; return the response, its body read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.body = response.read()
        return response
    finally:
        connection.close()


def worker_pids(master):
    """Return the process ids of the live (not zombie) children of process ``master``."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == master and fields[0] != "Z":
            pids.add(int(entry.name))
    return pids


def start_gunicorn(env, port, log_dir, workers=2, ready_path="/", extra_args=()):
    """Start gunicorn with the production configuration in its own process group; return the
    process once ``ready_path`` answers (any status below 500 but 503) and every worker is up."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    argv = [
        str(gunicorn if gunicorn.exists() else shutil.which("gunicorn")),
        "--config", str(ROOT / "evmarket" / "gunicorn.conf.py"),
        "evmarket.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--access-logfile", str(log_dir / "access.log"),
        *extra_args,
    ]  # fmt: skip
    with open(log_dir / "gunicorn.log", "ab") as log:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (log_dir / "gunicorn.log").read_text(errors="replace").splitlines()[-15:]
            raise DrillError(
                f"gunicorn exited with status {process.returncode}:\n" + "\n".join(tail)
            )
        try:
            status = get(port, ready_path, timeout=5).status
            if status < 500 or status == 503:
                if len(worker_pids(process.pid)) == workers:
                    return process
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.3)
    stop_process_group(process)
    raise DrillError("gunicorn did not answer within 60 s")


def stop_process_group(process):
    """Stop a process and its group: politely (SIGTERM, 10 s), then for sure (SIGKILL)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def served_app(
    database_url, log_dir, prepare=True, workers=2, ready_path="/", gunicorn_args=(), **env
):
    """Serve the app on ``database_url`` under gunicorn (migrated, with the reference data,
    unless ``prepare`` is false); yield (port, env, process, log_dir); stop it afterwards."""
    environment = app_environment(database_url, **env)
    if prepare:
        say("Migrating and loading the reference data…")
        manage(environment, "migrate", "--noinput")
        manage(environment, "load_reference_data")
    port = free_port()
    say(f"Starting gunicorn ({workers} gthread workers) on 127.0.0.1:{port}…")
    process = start_gunicorn(
        environment, port, log_dir, workers, ready_path, extra_args=gunicorn_args
    )
    try:
        yield SimpleNamespace(port=port, env=environment, process=process, log_dir=log_dir)
    finally:
        say("Stopping gunicorn…")
        stop_process_group(process)


# --- Running a drill ---------------------------------------------------------------------------


def run_drill(drill, description, deadline_seconds=240, add_arguments=None):
    """Run ``drill(args, log_dir)`` (which returns whether it passed) with a deadline; keep
    its logs if it failed; return the exit status (0 only if it passed)."""
    parser = argparse.ArgumentParser(description=description)
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args()

    def give_up(signum, frame):
        """Stop the drill: out of time, or asked to."""
        raise DrillError(f"Stopped by signal {signal.Signals(signum).name}")

    signal.signal(signal.SIGALRM, give_up)
    signal.signal(signal.SIGTERM, give_up)
    signal.alarm(deadline_seconds)
    log_dir = Path(tempfile.mkdtemp(prefix="drill-"))
    passed = False
    try:
        passed = drill(args, log_dir)
    except (DrillError, subprocess.TimeoutExpired, OSError, psycopg2.Error) as error:
        say(f"Drill failed: {error}")
    finally:
        signal.alarm(0)
    if passed:
        shutil.rmtree(log_dir, ignore_errors=True)
    else:
        say(f"Logs kept in {log_dir}")
        log = log_dir / "gunicorn.log"
        if log.exists():
            print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))
    say("PASSED" if passed else "FAILED")
    return 0 if passed else 1


def check(results):
    """Print each named check with PASS or FAIL; return whether all passed."""
    for name, passed in results.items():
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    return all(results.values())
