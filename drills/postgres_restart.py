"""Failure drill: PostgreSQL restarted under load.

Creates and migrates a database (``evmarket_drill_restart``, with the reference data), serves
it with gunicorn as in production (2 gthread workers, debug off, connections kept 60 s and
health-checked), sends GETs to analyst pages from several threads without pause (each URL
unique, so that the page cache never answers), restarts PostgreSQL a few seconds in and keeps
the load on for 10 s more. Then it reports what the clients saw and passes (exit 0) only if

- no request failed before the restart, and none got a 500 (an outage is a 503),
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

import http.client
import itertools
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from drills.serving import (  # noqa: E402
    REQUEST_TIMEOUT,
    DrillError,
    check,
    drill_database,
    get,
    query,
    run_drill,
    say,
    served_app,
    server_url,
    wait_for_postgres,
    worker_pids,
)

DATABASE = "evmarket_drill_restart"
PAGES = ["/sightings/", "/prices/", "/companies/", "/models/", "/news/"]
WORKERS = 2
LOAD_THREADS = 6
WARM_UP_SECONDS = 4.0
QUIET_SECONDS = 5.0  # the last seconds of load, which must be free of errors
MAX_ERROR_WINDOW = 5.0
RECOVERY_GRACE = 2.0  # a request begun while PostgreSQL was down may fail a little after
DEADLINE_SECONDS = 240
# The process id, status and query string of every request, so that the report can tell which
# worker answered which of the load's requests (their query strings are unique).
ACCESS_LOG_FORMAT = "%(p)s %(s)s %(q)s"
ACCESS_LINE = re.compile(r"^<(\d+)> (\d+) x=(\d+)")


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
                status = get(self.port, path).status
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
        "no server error (500): the outage answered 503": not [
            r for r in failed if r.status == 500
        ],
        f"no error {RECOVERY_GRACE:.0f} s after PostgreSQL accepted connections again": not [
            r for r in failed if r.ended > back + RECOVERY_GRACE
        ],
        f"error window ≤ {MAX_ERROR_WINDOW:.0f} s": window <= MAX_ERROR_WINDOW,
        f"last {QUIET_SECONDS:.0f} s served and error-free": bool(quiet) and not quiet_failed,
        f"the same {WORKERS} workers alive": workers_after == workers_before
        and len(workers_after) == WORKERS,
        "every worker answered after recovery": workers_after <= served,
    }
    return check(checks)


def drill(args, log_dir):
    """Run the drill; return whether it passed."""
    server = server_url()
    cluster = cluster_name(args.cluster)
    say(f"PostgreSQL cluster {'/'.join(cluster)} at {server}")
    with drill_database(DATABASE) as url:
        try:
            with served_app(
                url,
                log_dir,
                workers=WORKERS,
                ready_path=PAGES[0] + "?x=ready",
                gunicorn_args=["--access-logformat", ACCESS_LOG_FORMAT],
            ) as app:
                load = Load(app.port, args.threads)
                try:
                    return restart_under(load, app, server, cluster, args, log_dir)
                finally:
                    load.stop()
        finally:
            if not wait_for_postgres(server, 5):
                say("PostgreSQL is not answering: starting it…")
                try:
                    pg_ctlcluster(cluster, "start")
                except (DrillError, subprocess.TimeoutExpired) as error:
                    say(f"Could not start PostgreSQL: {error}")


def restart_under(load, app, server, cluster, args, log_dir):
    """Restart PostgreSQL under ``load``; return whether the clients saw what they should."""
    workers_before = worker_pids(app.process.pid)
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
    workers_after = worker_pids(app.process.pid)
    time.sleep(0.5)  # let the access log reach the disk
    quiet_numbers = {r.number for r in requests if r.started >= end - QUIET_SECONDS}
    served = answering_workers(log_dir / "access.log", quiet_numbers)
    times = SimpleNamespace(
        restart=restart, down=watch.down, up=watch.up, returned=returned, end=end
    )
    return report(requests, times, workers_before, workers_after, served)


def arguments(parser):
    """Add the drill's options."""
    parser.add_argument("--cluster", help="version/name of the cluster (default: the only one)")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of load after it")
    parser.add_argument("--threads", type=int, default=LOAD_THREADS, help="load threads")


if __name__ == "__main__":
    sys.exit(run_drill(drill, __doc__.split("\n\n")[0], DEADLINE_SECONDS, arguments))
