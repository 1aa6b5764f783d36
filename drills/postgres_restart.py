"""Failure drill: PostgreSQL restarted under load.

Creates and migrates a database (``evmarket_drill_restart``, with the reference data), serves
it with gunicorn as in production (2 gthread workers, debug off, connections kept 60 s and
health-checked), sends GETs to analyst pages from several threads without pause (each URL
unique, so that the page cache never answers), restarts PostgreSQL a few seconds in and keeps
the load on for 10 s more. Then it reports what the clients saw and passes (exit 0) only if

- no request failed before the restart,
- the errors came within 5 s of each other (first to last), and none later than 2 s after
  PostgreSQL accepted connections again (a thread polls it),
- the last 5 s were free of errors, and
- both workers, the same processes as before the restart (none killed as stuck), answered in
  those last 5 s (the access log names the process of every request).

It stops gunicorn and drops the database however it ends, and gives up after four minutes.

    .venv/bin/python drills/postgres_restart.py [--cluster 15/main] [--after 10]

It needs a local PostgreSQL cluster that this user may restart (root, or the cluster's owner)
with ``pg_ctlcluster``; the server is taken from ``DRILL_DATABASE_URL``, else from
``DATABASE_URL`` if that is PostgreSQL, else ``postgres://postgres@127.0.0.1:5432``. The restart
drops every connection to the cluster, other databases' too: run it where that is acceptable.
"""

import argparse
import http.client
import itertools
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "evmarket_drill_restart"
PAGES = ["/sightings/", "/prices/", "/companies/", "/models/", "/news/"]
WORKERS = 2
LOAD_THREADS = 6
WARM_UP_SECONDS = 4.0
QUIET_SECONDS = 5.0  # the last seconds of load, which must be free of errors
MAX_ERROR_WINDOW = 5.0
RECOVERY_GRACE = 2.0  # a request begun while PostgreSQL was down may fail a little after
REQUEST_TIMEOUT = 10.0
DEADLINE_SECONDS = 240
# The process id, status and query string of every request, so that the report can tell which
# worker answered which of the load's requests (their query strings are unique).
ACCESS_LOG_FORMAT = "%(p)s %(s)s %(q)s"
ACCESS_LINE = re.compile(r"^<(\d+)> (\d+) x=(\d+)")

START = time.monotonic()


class DrillError(Exception):
    """A reason to stop the drill, said in words."""


def say(message):
    """Print a line of progress, with the seconds since the drill started."""
    print(f"[{time.monotonic() - START:6.1f} s] {message}", flush=True)


@dataclass
class Request:
    """One request of the load: when it was made and how it ended."""

    number: int
    path: str
    started: float
    ended: float
    status: int
    error: str  # "" for a 200

    @property
    def failed(self):
        """Return whether the client saw anything but a 200."""
        return bool(self.error)


# --- PostgreSQL --------------------------------------------------------------------------------


def server_url():
    """Return the URL of the PostgreSQL server, without a database name."""
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


def cluster_name(requested):
    """Return (version, name) of the cluster to restart: ``requested`` ("15/main"), or the
    only version under /etc/postgresql and its "main" cluster."""
    if requested:
        version, _, name = requested.partition("/")
        return version, name or "main"
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*") if p.is_dir())
    if len(versions) != 1:
        raise DrillError(f"Found PostgreSQL versions {versions or 'none'}: give --cluster 15/main")
    return versions[0], "main"


def pg_ctlcluster(cluster, action, timeout=60):
    """Run ``pg_ctlcluster <version> <name> <action>`` (without systemd), bounded in time."""
    argv = ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise DrillError(f"{' '.join(argv)} failed: {(done.stderr or done.stdout).strip()}")


class Watch:
    """A thread that notes when PostgreSQL stops accepting connections and when it starts
    again: the restart as the clients' side sees it (``pg_ctlcluster`` returns later)."""

    def __init__(self, server):
        self.server = server
        self.down = self.up = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        """Try to connect every 50 ms until the server was down and is up again."""
        while not self.stopping.is_set() and self.up is None:
            try:
                query(self.server, "SELECT 1", timeout=2)
                if self.down is not None:
                    self.up = time.monotonic()
            except psycopg2.Error:
                if self.down is None:
                    self.down = time.monotonic()
            time.sleep(0.05)

    def stop(self):
        """Stop watching."""
        self.stopping.set()
        self.thread.join(5)


# --- The app under gunicorn ------------------------------------------------------------------


def app_environment(database_url):
    """Return the environment of production settings on ``database_url`` over plain HTTP."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    return {
        **inherited,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_CONN_MAX_AGE": "60",
        # Static files unhashed: the drill is about the database, and collectstatic would
        # write into the working tree.
        "DJANGO_PLAIN_STATIC": "1",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env, *args, timeout=180):
    """Run a manage.py command, bounded in time; raise DrillError with its output if it
    fails."""
    argv = [sys.executable, "manage.py", *args]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        output = (done.stdout + done.stderr).strip().splitlines()
        raise DrillError(f"manage.py {' '.join(args)} failed:\n" + "\n".join(output[-20:]))


def free_port():
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path):
    """GET ``path`` on a new connection; return the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start_gunicorn(env, port, log_dir):
    """Start gunicorn in its own process group; return the process once it answers."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    argv = [
        str(gunicorn if gunicorn.exists() else shutil.which("gunicorn")),
        "evmarket.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS),
        "--worker-class", "gthread",
        "--threads", "4",
        "--timeout", "60",  # as `make serve`
        "--graceful-timeout", "20",
        "--no-control-socket",
        "--access-logfile", str(log_dir / "access.log"),
        "--access-logformat", ACCESS_LOG_FORMAT,
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
            raise DrillError(f"gunicorn exited with status {process.returncode}")
        try:
            if get(port, PAGES[0] + "?x=ready") == 200 and len(worker_pids(process.pid)) == 2:
                return process
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.3)
    raise DrillError("gunicorn did not answer with a 200 within 60 s")


def stop_gunicorn(process):
    """Stop gunicorn's process group: politely (SIGTERM, 10 s), then for sure (SIGKILL)."""
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


def answering_workers(log_path, numbers):
    """Return the process ids that answered the load's requests ``numbers`` with a 200."""
    pids = set()
    for line in log_path.read_text(errors="replace").splitlines():
        match = ACCESS_LINE.match(line)
        if match and match[2] == "200" and int(match[3]) in numbers:
            pids.add(int(match[1]))
    return pids


# --- The load --------------------------------------------------------------------------------


class Load:
    """Threads sending GETs to analyst pages without pause, each URL unique."""

    def __init__(self, port, threads):
        self.port = port
        self.numbers = itertools.count()
        self.requests = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def start(self):
        """Start the threads."""
        for thread in self.threads:
            thread.start()

    def stop(self):
        """Stop the threads, waiting at most for one request each."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(REQUEST_TIMEOUT + 5)

    def run(self):
        """Send requests until stopped, noting each."""
        while not self.stopping.is_set():
            number = next(self.numbers)
            path = f"{PAGES[number % len(PAGES)]}?x={number}"
            started = time.monotonic()
            try:
                status = get(self.port, path)
                error = "" if status == 200 else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                status, error = 0, type(exc).__name__
            request = Request(number, path, started, time.monotonic(), status, error)
            with self.lock:
                self.requests.append(request)
            if error:
                time.sleep(0.05)  # a refused connection would otherwise spin

    def snapshot(self):
        """Return the requests made so far."""
        with self.lock:
            return list(self.requests)


# --- The drill -------------------------------------------------------------------------------


def report(requests, times, workers_before, workers_after, served):
    """Print what the clients saw; return whether the drill passed."""
    restart, end = times.restart, times.end
    failed = [r for r in requests if r.failed]
    early = [r for r in failed if r.ended < restart]
    quiet = [r for r in requests if r.started >= end - QUIET_SECONDS]
    quiet_failed = [r for r in quiet if r.failed]
    print()
    print("PostgreSQL restart drill")
    print(f"  requests            {len(requests)} ({len(failed)} failed)")
    if failed:
        kinds = ", ".join(f"{kind} × {n}" for kind, n in Counter(r.error for r in failed).items())
        first, last = min(r.ended for r in failed), max(r.ended for r in failed)
        window = last - first
        recovered = [r.ended for r in requests if not r.failed and r.ended > last]
        print(f"  errors              {kinds}")
        print(f"  first error         {first - restart:+.2f} s from the restart command")
        print(f"  last error          {last - restart:+.2f} s")
        print(f"  error window        {window:.2f} s (at most {MAX_ERROR_WINDOW:.0f} s)")
        if recovered:
            print(f"  first 200 after it  {min(recovered) - restart:+.2f} s")
    else:
        window = 0.0
        print("  errors              none (no request met the restart)")
    if times.down is not None and times.up is not None:
        print(
            f"  PostgreSQL down     {times.down - restart:+.2f} s to {times.up - restart:+.2f} s "
            f"({times.up - times.down:.2f} s without accepting connections)"
        )
    print(f"  pg_ctlcluster       returned at {times.returned - restart:+.2f} s")
    print(
        f"  last {QUIET_SECONDS:.0f} s           {len(quiet)} requests, {len(quiet_failed)} failed"
    )
    print(
        f"  workers             before {sorted(workers_before)}, after {sorted(workers_after)}; "
        f"answered in the last {QUIET_SECONDS:.0f} s: {sorted(served)}"
    )
    back = times.up if times.up is not None else times.returned
    checks = {
        "no error before the restart": not early,
        f"no error {RECOVERY_GRACE:.0f} s after PostgreSQL accepted connections again": not [
            r for r in failed if r.ended > back + RECOVERY_GRACE
        ],
        f"error window ≤ {MAX_ERROR_WINDOW:.0f} s": window <= MAX_ERROR_WINDOW,
        f"last {QUIET_SECONDS:.0f} s served and error-free": bool(quiet) and not quiet_failed,
        f"the same {WORKERS} workers alive": workers_after == workers_before
        and len(workers_after) == WORKERS,
        "every worker answered after recovery": workers_after <= served,
    }
    for name, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    return all(checks.values())


def drill(args, state, log_dir):
    """Run the drill; return whether it passed. What needs stopping goes in ``state``."""
    server = server_url()
    cluster = cluster_name(args.cluster)
    say(f"PostgreSQL cluster {'/'.join(cluster)} at {server}")
    if not wait_for_postgres(server, 10):
        raise DrillError(f"PostgreSQL does not answer at {server}")
    query(server, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    query(server, f"CREATE DATABASE {DATABASE}")
    env = app_environment(server + DATABASE)
    say(f"Created {DATABASE}; migrating and loading the reference data…")
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference_data")

    port = free_port()
    say(f"Starting gunicorn ({WORKERS} gthread workers) on 127.0.0.1:{port}…")
    gunicorn = state.gunicorn = start_gunicorn(env, port, log_dir)
    workers_before = worker_pids(gunicorn.pid)

    load = state.load = Load(port, args.threads)
    say(f"Load: {args.threads} threads on {', '.join(PAGES)}; restart in {WARM_UP_SECONDS:.0f} s")
    load.start()
    time.sleep(WARM_UP_SECONDS)
    warm = load.snapshot()
    say(f"Warm-up: {len(warm)} requests, {sum(r.failed for r in warm)} failed")

    others = query(
        server,
        "SELECT datname, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        f"AND datname IS DISTINCT FROM '{DATABASE}' AND pid <> pg_backend_pid() GROUP BY 1",
    )
    if others:
        say("The restart also drops: " + ", ".join(f"{db} ({n})" for db, n in others))
    (started_before,) = query(server, "SELECT pg_postmaster_start_time()")[0]
    # Flushed now, the drill's own set-up writes do not lengthen the shutdown checkpoint.
    query(server, "CHECKPOINT", timeout=60)
    say(f"Restarting PostgreSQL {'/'.join(cluster)}…")
    watch = Watch(server)
    restart = time.monotonic()
    try:
        pg_ctlcluster(cluster, "restart")
        returned = time.monotonic()
        if not wait_for_postgres(server, 30):
            raise DrillError("PostgreSQL did not accept connections within 30 s of its restart")
    finally:
        watch.stop()
    (started_after,) = query(server, "SELECT pg_postmaster_start_time()")[0]
    if started_after == started_before:
        raise DrillError(f"Cluster {'/'.join(cluster)} restarted, but not the server at {server}")
    say(f"Restarted ({returned - restart:.1f} s); loading for {args.after:.0f} s more…")

    end = returned + args.after
    time.sleep(max(0.0, end - time.monotonic()))
    load.stop()
    end = time.monotonic()
    requests = load.snapshot()
    workers_after = worker_pids(gunicorn.pid)
    time.sleep(0.5)  # let the access log reach the disk
    quiet_numbers = {r.number for r in requests if r.started >= end - QUIET_SECONDS}
    served = answering_workers(log_dir / "access.log", quiet_numbers)
    times = SimpleNamespace(
        restart=restart, down=watch.down, up=watch.up, returned=returned, end=end
    )
    return report(requests, times, workers_before, workers_after, served)


def clean_up(args, state, log_dir, passed):
    """Stop the load and gunicorn, make sure PostgreSQL is up, drop the drill's database."""
    signal.alarm(0)
    if state.load:
        state.load.stop()
    if state.gunicorn:
        say("Stopping gunicorn…")
        stop_gunicorn(state.gunicorn)
    server = server_url()
    if not wait_for_postgres(server, 5):
        say("PostgreSQL is not answering: starting it…")
        try:
            pg_ctlcluster(cluster_name(args.cluster), "start")
        except (DrillError, subprocess.TimeoutExpired) as error:
            say(f"Could not start PostgreSQL: {error}")
        wait_for_postgres(server, 30)
    try:
        query(server, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", timeout=30)
        say(f"Dropped {DATABASE}.")
    except psycopg2.Error as error:
        say(f"Could not drop {DATABASE}: {error}".strip())
    if passed:
        shutil.rmtree(log_dir, ignore_errors=True)
    else:
        say(f"Logs kept in {log_dir}")
        log = log_dir / "gunicorn.log"
        if log.exists():
            print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))


def main():
    """Run the drill, clean up whatever happens; exit 0 only if it passed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster", help="version/name of the cluster (default: the only one)")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of load after it")
    parser.add_argument("--threads", type=int, default=LOAD_THREADS, help="load threads")
    args = parser.parse_args()
    assert DATABASE.startswith("evmarket_drill")

    def give_up(signum, frame):
        """Stop the drill: out of time, or asked to."""
        raise DrillError(f"Stopped by signal {signal.Signals(signum).name}")

    signal.signal(signal.SIGALRM, give_up)
    signal.signal(signal.SIGTERM, give_up)
    signal.alarm(DEADLINE_SECONDS)
    log_dir = Path(tempfile.mkdtemp(prefix="drill-postgres-restart-"))
    state, passed = SimpleNamespace(load=None, gunicorn=None), False
    try:
        passed = drill(args, state, log_dir)
    except (DrillError, subprocess.TimeoutExpired, psycopg2.Error) as error:
        say(f"Drill failed: {error}")
    finally:
        clean_up(args, state, log_dir, passed)
    say("PASSED" if passed else "FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
