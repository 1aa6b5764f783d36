"""Benchmark the tracker against its floors: one command, one database, this machine.

    make bench                                  # the database of DATABASE_URL, or db.sqlite3
    make bench BENCH_ARGS="--database demo.sqlite3 --seconds 5 --only sightings-p1"

Each workload is served by the Django app under gunicorn (DEBUG off), by ``bench/raw_sql.py``
(the same rows read with plain SQL, under the same gunicorn settings: the floor) and, for the
sightings table, by Datasette in immutable mode; the admin changelist is measured signed in as a
superuser made for the run and deleted after it. Each target gets a warm-up, then N keep-alive
clients for a fixed time; Django targets run twice, "cold" (every request a new URL, so the
page cache never answers) then "warm". The table goes to stdout and to
``bench/results/<date>-<db>.md|json`` (and ``latest.md``).

Bounded in time: a request has ``--timeout`` seconds (a target whose requests run past it is
cut off and its server restarted, so that abandoned work does not slow the next target), and
targets that would start after ``--budget`` seconds are skipped and listed.
"""

import argparse
import datetime
import html
import http.client
import importlib.metadata
import itertools
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlparse

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from raw_sql import Database  # noqa: E402

# --- The URLs under test: edit here when a view moves. -------------------------------------
# {slug} is the model with the most prices; {db} is Datasette's name for the database.
DJANGO_URLS = {
    "sightings-p1": "/sightings/?city=karachi",
    # Used as is unless refused; then reached by following rel="next" from page 1 (keyset).
    "sightings-p1000": "/sightings/?city=karachi&page=1000",
    "prices-pkr": "/prices/?currency=PKR",
    "model-detail": "/models/{slug}/",
    # The price-history chart's data (the Plotly figure and its table) as JSON.
    "price-history": "/models/{slug}/price-history.json",
    "csv-export": "/sightings/?city=karachi&format=csv",
    "admin-changelist": "/admin/entrants/sighting/?city=Karachi",
    # No raw-SQL floor: the search's cost is its index (entrants/search/), not Django's.
    "search": "/search/?q=xiaomi+karachi",
    "search-fuzzy": "/search/?q=xiomi",
    # The map of sightings: every sighting counted per place (no raw-SQL floor written yet).
    "sightings-map": "/sightings/map/",
}
# The same rows from bench/raw_sql.py, workload by workload; "datasette-table" is the query
# Datasette runs for its table page (raw columns, by id, 26 rows). A workload missing here
# has no floor: its row says so ("vs raw SQL" empty).
RAW_URLS = {
    "sightings-p1": "/sightings?city=karachi&page=1",
    "sightings-p1000": "/sightings?city=karachi&page=1000",
    "prices-pkr": "/prices?currency=PKR&page=1",
    "model-detail": "/models/{slug}?currency=PKR",
    "price-history": "/models/{slug}/prices?currency=PKR",
    "csv-export": "/sightings.csv?city=karachi",
    "admin-changelist": "/admin/sightings?city=Karachi",
    "datasette-table": "/table/sightings?city=Karachi",
}
# Datasette as it ships, which also suggests facets on these pages (a query per column), and
# its JSON without that.
DATASETTE_URLS = {
    "json": "/{db}/entrants_sighting.json?city=Karachi&_nocount=1",
    "html": "/{db}/entrants_sighting?city=Karachi&_nocount=1",
    "json-nosuggest": "/{db}/entrants_sighting.json?city=Karachi&_nocount=1&_nosuggest=1",
}
DATASETTE_REFERENCE = "json"  # the row the "vs Datasette JSON" column divides by
CACHE_BUSTER = "_bench_nocache"
PAGE_SIZE = 25  # the Django list's page size, and Datasette's default_page_size for the run

# Same settings for the Django app and the raw-SQL floor. gthread, not sync: sync workers
# close the connection after every response, so keep-alive clients would time reconnects.
GUNICORN_SETTINGS = [
    "--workers", "2",
    "--worker-class", "gthread",
    "--threads", "2",
    "--timeout", "120",
    "--keep-alive", "5",
    "--log-level", "warning",
    "--no-control-socket",  # gunicorn 27 would share ~/.gunicorn/gunicorn.ctl between servers
]  # fmt: skip
DATASETTE_SETTINGS = ["--setting", "default_page_size", str(PAGE_SIZE)]
FEW_SIGHTINGS = 1000
STARTUP_TIMEOUT = 60.0
FOLLOW_NEXT_SECONDS = 120.0


class BenchError(Exception):
    """A reason to stop the run, said in words."""


@dataclass
class Target:
    """One row of the table: a URL on one server, cold or warm."""

    group: str  # django, raw-sql, datasette
    workload: str
    variant: str  # cold, warm, or "-" for servers without a page cache
    server: str
    raw_reference: str = ""
    path: str = ""
    headers: dict = field(default_factory=dict)

    @property
    def name(self):
        return f"{self.group} {self.workload}"


@dataclass
class Result:
    target: str
    group: str
    workload: str
    variant: str
    path: str
    status: str = "ok"  # ok, timeout (a request outlived --timeout), skipped
    requests: int = 0
    ok: int = 0
    errors: int = 0
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    mean_bytes: int = 0
    vs_datasette_json: float | None = None
    vs_raw_sql: float | None = None
    note: str = ""


# --- The database ----------------------------------------------------------------------------


def database_url(value):
    """Return (url, sqlite path or None) for a file path or a database URL."""
    if value.startswith(("postgres://", "postgresql://")):
        return value, None
    if value.startswith("sqlite:///"):
        value = value[len("sqlite:///") :]
    elif "://" in value:
        raise BenchError(f"Unsupported database {value}: give a SQLite file or a postgres:// URL")
    path = Path(value).expanduser().resolve()
    return f"sqlite:///{path}", path


def describe_database(db, url, path):
    """Return counts of what the benchmark reads, and the model with the most prices."""
    try:
        sightings = db.query("SELECT COUNT(*) AS n FROM entrants_sighting")[0]["n"]
    except Exception as error:
        raise BenchError(
            f"{redact(url)} has no tracker tables ({error}). Migrate it first: "
            f"DATABASE_URL={redact(url)} .venv/bin/python manage.py migrate"
        ) from error
    karachi = db.query(
        f"SELECT COUNT(*) AS n FROM entrants_sighting s WHERE {db.city_iexact('s.city')}",
        [db.iexact_param("karachi")],
    )[0]["n"]
    prices = db.query("SELECT COUNT(*) AS n FROM entrants_pricepoint")[0]["n"]
    top = db.query(
        "SELECT m.slug, COUNT(p.id) AS n FROM entrants_vehiclemodel m "
        "LEFT JOIN entrants_pricepoint p ON p.vehicle_model_id = m.id "
        "GROUP BY m.slug ORDER BY n DESC, m.slug LIMIT 1"
    )
    if not top:
        raise BenchError(f"{redact(url)} has no vehicle models: load data into it first")
    if path:
        label, size = path.name.split(".")[0] or "db", path.stat().st_size
    else:
        label, size = urlparse(url).path.strip("/") or "postgres", None
    return {
        "url": redact(url),
        "label": re.sub(r"[^A-Za-z0-9_-]+", "-", label),
        "engine": "postgresql" if db.postgres else "sqlite",
        "bytes": size,
        "sightings": sightings,
        "karachi_sightings": karachi,
        "prices": prices,
        "model_slug": top[0]["slug"],
        "model_prices": top[0]["n"],
    }


def redact(url):
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def checkpoint_wal(path):
    """Fold a WAL into the main file: Datasette's immutable mode reads the main file only."""
    with sqlite3.connect(path) as conn:
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return True
    return False


def run_django(env, code, what):
    """Run ``code`` in a Django process of the benchmarked settings and database."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        raise BenchError(f"{what} failed:\n{tail(result.stdout + result.stderr)}")


# One Django process for every step before the servers start: collect the static files (with
# DEBUG off the pages name their hashed copies), run the system checks, refuse a database with
# unapplied migrations, and make the superuser the admin is measured as.
PREPARE_DJANGO = """
import os, sys, django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
call_command("collectstatic", interactive=False, verbosity=0)
call_command("check", fail_level="ERROR")
executor = MigrationExecutor(connection)
unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
if unapplied:
    sys.exit(
        f"{len(unapplied)} unapplied migrations: run "
        f"DATABASE_URL={os.environ['BENCH_SHOWN_URL']} .venv/bin/python manage.py migrate"
    )
if os.environ.get("BENCH_USER"):
    from django.contrib.auth import get_user_model
    get_user_model().objects.create_superuser(
        os.environ["BENCH_USER"], "", os.environ["BENCH_PASSWORD"]
    )
"""
DELETE_USER = """
import os, django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
Session.objects.filter(session_key=os.environ.get("BENCH_SESSION", "")).delete()
get_user_model().objects.filter(username=os.environ["BENCH_USER"]).delete()
"""


# --- Servers ---------------------------------------------------------------------------------


def cpu_ticks(groups):
    """Return the CPU time (clock ticks) used so far by every process in the process groups."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups:  # the process group id
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tool(name):
    """Return the path of a console script of this virtualenv (or on PATH), or None."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def tail(text, lines=25):
    return "\n".join(text.strip().splitlines()[-lines:])


class Server:
    """A server process in its own process group on a loopback port, logging to a file."""

    def __init__(self, name, argv_for_port, env, cwd, ready_path, log_dir):
        self.name, self.argv_for_port, self.env, self.cwd = name, argv_for_port, env, cwd
        self.port = free_port()
        self.ready_path = ready_path
        self.log_path = Path(log_dir) / f"{name.split()[0]}.log"
        self.proc = None

    def start(self):
        self.launch()
        self.wait_ready()

    def launch(self):
        print(f"Starting {self.name} on 127.0.0.1:{self.port}…", flush=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv_for_port(self.port),
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with status {self.proc.returncode} before answering "
                    f"on 127.0.0.1:{self.port}:\n{self.log_tail()}"
                )
            try:
                status, _, _ = fetch(self.port, self.ready_path, timeout=5)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(
            f"{self.name} did not answer on 127.0.0.1:{self.port} within "
            f"{STARTUP_TIMEOUT:.0f} s:\n{self.log_tail()}"
        )

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def last_error(self):
        """Return the last line of the log that names an exception, or ""."""
        lines = self.log_tail(200).splitlines()
        errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception):", line)]
        return errors[-1].strip()[:300] if errors else ""

    def log_tail(self, lines=25):
        try:
            return tail(self.log_path.read_text(errors="replace"), lines)
        except OSError:
            return "(no log)"

    def signal(self, sig):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, graceful=True):
        """Stop the whole process group: politely first (SIGTERM, 10 s) unless ``graceful``
        is false, then for sure (SIGKILL)."""
        if self.proc is None:
            return
        if graceful:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.signal(signal.SIGKILL)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            print(f"Warning: {self.name} (process group {self.proc.pid}) did not stop")
        self.proc = None

    def restart(self):
        """Start afresh on a new port, dropping any request still being worked on (and the
        page cache)."""
        self.stop(graceful=False)
        self.port = free_port()
        self.start()


def fetch(port, path, method="GET", headers=None, body=None, timeout=60):
    """Make one request on a new connection; return (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def response_cookies(headers):
    cookies = {}
    for value in headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(value)
        cookies.update({name: morsel.value for name, morsel in jar.items()})
    return cookies


def admin_login(port, username, password):
    """Sign in through the admin's login form; return the session's cookies."""
    path = "/admin/login/?next=/admin/"
    status, headers, body = fetch(port, path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    cookies = response_cookies(headers)
    if status != 200 or not token or "csrftoken" not in cookies:
        raise BenchError(f"The admin login page answered {status} without a CSRF token")
    form = urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.group(1).decode(),
            "next": "/admin/",
        }
    )
    status, headers, _ = fetch(
        port,
        path,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
        body=form,
    )
    cookies.update(response_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise BenchError(f"Signing in to the admin failed (status {status}, no session cookie)")
    return cookies


NEXT_LINK = re.compile(rb"<(?:a|link)\b[^>]*>", re.IGNORECASE)


def next_link(body):
    """Return the href of the page's rel="next" link, or None."""
    for tag in NEXT_LINK.findall(body):
        if re.search(rb"""\brel=["'][^"']*\bnext\b""", tag, re.IGNORECASE):
            href = re.search(rb"""\bhref=["']([^"']+)["']""", tag, re.IGNORECASE)
            if href:
                return html.unescape(href.group(1).decode())
    return None


def resolve_page_1000(port, first_page, page_1000, notes):
    """Return the URL of page 1,000: ``page_1000`` if the list takes it, else the URL reached
    by following rel="next" from ``first_page`` 999 times (for keyset pagination)."""
    status, _, _ = fetch(port, page_1000)
    if 200 <= status < 300:
        return page_1000
    notes.append(f"`{page_1000}` answered {status}: page 1,000 was reached by rel=next links.")
    path, deadline = first_page, time.monotonic() + FOLLOW_NEXT_SECONDS
    for hop in range(1, 1000):
        status, _, body = fetch(port, path)
        if status != 200:
            raise BenchError(f"Following rel=next: {path} answered {status}")
        href = next_link(body)
        if href is None:
            notes.append(f"The list ends at page {hop}; that page is measured as page 1,000.")
            return path
        path = urljoin(path, href)
        if time.monotonic() > deadline:
            notes.append(
                f"Following rel=next took over {FOLLOW_NEXT_SECONDS:.0f} s (page {hop}): "
                "page 1,000 of the Django list is not measured."
            )
            return None
    return path


# --- Load ------------------------------------------------------------------------------------

RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def send(conn, path, headers):
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.will_close:
        conn.close()
    return response.status, len(body)


def load(port, request_for, clients, seconds, max_requests, timeout):
    """Run ``clients`` keep-alive clients for ``seconds`` (at least one request each, at most
    ``max_requests`` in all); return the measurement. A client whose request outlives
    ``timeout`` counts it as an error and stops."""
    lock = threading.Lock()
    go = threading.Event()
    issued = 0
    clock = {"deadline": 0.0}
    samples = [
        {"latencies": [], "failures": 0, "timeouts": 0, "statuses": {}, "bytes": 0, "error": ""}
        for _ in range(clients)
    ]

    def client(index):
        nonlocal issued
        mine = samples[index]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        go.wait()
        sent = 0
        try:
            while sent == 0 or time.perf_counter() < clock["deadline"]:
                with lock:
                    if issued >= max_requests:
                        break
                    issued += 1
                path, headers = request_for()
                sent += 1
                reused = conn.sock is not None
                start = time.perf_counter()
                try:
                    try:
                        status, size = send(conn, path, headers)
                    except RETRYABLE:
                        # The server closed an idle keep-alive connection: reconnect once.
                        conn.close()
                        if not reused:
                            raise
                        status, size = send(conn, path, headers)
                except TimeoutError:
                    conn.close()
                    mine["timeouts"] += 1
                    mine["error"] = mine["error"] or f"no answer within {timeout:g} s"
                    break
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    mine["failures"] += 1
                    mine["error"] = mine["error"] or f"{type(error).__name__}: {error}"
                    continue
                mine["latencies"].append((time.perf_counter() - start) * 1000)
                mine["statuses"][status] = mine["statuses"].get(status, 0) + 1
                mine["bytes"] += size
                if not 200 <= status < 300:
                    mine["error"] = mine["error"] or f"HTTP {status} for {path}"
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    clock["deadline"] = started + seconds
    go.set()
    for thread in threads:
        thread.join(seconds + timeout + 30)
    elapsed = time.perf_counter() - started

    latencies = sorted(x for sample in samples for x in sample["latencies"])
    statuses = {}
    for sample in samples:
        for status, count in sample["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    ok = sum(count for status, count in statuses.items() if 200 <= status < 300)
    failures = sum(sample["failures"] + sample["timeouts"] for sample in samples)
    completed = len(latencies)
    return {
        "requests": completed + failures,
        "ok": ok,
        "errors": completed - ok + failures,
        "timeouts": sum(sample["timeouts"] for sample in samples),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": elapsed,
        "rps": ok / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "mean_bytes": round(sum(s["bytes"] for s in samples) / completed) if completed else 0,
        "error": next((s["error"] for s in samples if s["error"]), ""),
    }


def percentile(sorted_values, p):
    """Return the nearest-rank percentile of already sorted values (None if there are none)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def with_param(path, name, value):
    return f"{path}{'&' if '?' in path else '?'}{name}={value}"


# Shared by every cold target of the run, so that no cold URL is ever asked for twice.
COLD_COUNTER = itertools.count()


def requester(target, token):
    """Return a function giving each request's (path, headers): for a cold target, a URL (or,
    in the admin, which refuses unknown query parameters, a cookie) never seen before."""
    if target.variant != "cold":
        return lambda: (target.path, target.headers)
    if target.workload == "admin-changelist":

        def cold_admin():
            headers = dict(target.headers)
            headers["Cookie"] += f"; {CACHE_BUSTER}={token}-{next(COLD_COUNTER)}"
            return target.path, headers

        return cold_admin
    return lambda: (
        with_param(target.path, CACHE_BUSTER, f"{token}-{next(COLD_COUNTER)}"),
        target.headers,
    )


# --- The run ---------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Targets: " + ", ".join(target_names()),
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL") or str(BASE_DIR / "db.sqlite3"),
        help="SQLite file or postgres:// URL (default: $DATABASE_URL, else db.sqlite3)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per target (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument(
        "--max-requests", type=int, default=20000, help="per target (default 20000)"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="seconds of warm-up per target (default 1)"
    )
    parser.add_argument(
        "--timeout", type=float, default=20.0, help="seconds one request may take (default 20)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=450.0,
        help="seconds after which no target starts (default 450)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only these targets: a group (django, raw-sql, datasette), a workload "
        "(sightings-p1…) or group/workload; repeat or separate with commas",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=BENCH_DIR / "results", help="where to write results"
    )
    args = parser.parse_args(argv)
    if min(args.seconds, args.clients, args.max_requests, args.timeout) <= 0:
        parser.error("--seconds, --clients, --max-requests and --timeout must be positive")
    args.only = [name.strip() for value in args.only for name in value.split(",") if name.strip()]
    known = set(target_names()) | {"django", "raw-sql", "datasette"}
    known |= set(DJANGO_URLS) | set(RAW_URLS) | set(DATASETTE_URLS)
    unknown = [name for name in args.only if name not in known]
    if unknown:
        parser.error(f"unknown --only {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return args


def target_names():
    names = [f"django/{w}" for w in DJANGO_URLS] + [f"raw-sql/{w}" for w in RAW_URLS]
    return names + [f"datasette/{w}" for w in DATASETTE_URLS]


def selected(group, workload, only):
    return not only or bool({group, workload, f"{group}/{workload}"} & set(only))


def plan(only, postgres):
    """Return the targets in the order they run and are shown."""
    targets = []
    for workload in DJANGO_URLS:
        if selected("django", workload, only):
            for variant in ("cold", "warm"):
                targets.append(Target("django", workload, variant, "django", workload))
        if workload in RAW_URLS and selected("raw-sql", workload, only):
            targets.append(Target("raw-sql", workload, "-", "raw"))
    if not postgres:
        for workload in DATASETTE_URLS:
            if selected("datasette", workload, only):
                targets.append(Target("datasette", workload, "-", "datasette", "datasette-table"))
    if selected("raw-sql", "datasette-table", only):
        targets.append(Target("raw-sql", "datasette-table", "-", "raw"))
    return targets


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return Bench(args).run()
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench: interrupted; servers stopped.", file=sys.stderr)
        return 130


class Bench:
    """One run: the database, the servers, the targets and their results."""

    def __init__(self, args):
        self.args = args
        self.url, self.path = database_url(args.database)
        self.token = secrets.token_hex(4)
        self.notes = []
        self.servers = {}
        self.results = []
        self.user = {
            "BENCH_USER": f"bench-{self.token}",
            "BENCH_PASSWORD": secrets.token_urlsafe(24),
        }
        self.user_created = False
        self.session = ""
        self.django_env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_ENV": "production",
            # Plain HTTP on loopback: production settings would redirect every request to https.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SETTINGS_MODULE": "evmarket.settings",
            "PYTHONUNBUFFERED": "1",
        }

    def run(self):
        args = self.args
        if self.path and not self.path.exists():
            raise BenchError(
                f"No database at {self.path}. Make one with `make setup` (reference data only) "
                "or demo data: DATABASE_URL=sqlite:///demo.sqlite3 .venv/bin/python manage.py "
                "generate_demo_data --size M, then `make bench BENCH_ARGS='--database "
                "demo.sqlite3'`."
            )
        self.db = Database(self.url)
        self.info = describe_database(self.db, self.url, self.path)
        self.targets = plan(args.only, self.db.postgres)
        if not self.targets:
            raise BenchError("--only selected no target")
        self.describe()
        self.started = datetime.datetime.now()
        self.clock = time.monotonic()
        self.load_before = load_average()
        log_dir = tempfile.mkdtemp(prefix="evmarket-bench-")
        try:
            self.start_servers(log_dir)
            self.resolve_urls()
            self.wait_until_quiet()
            for number, target in enumerate(self.targets, 1):
                self.measure(number, target)
        finally:
            for server in self.servers.values():
                server.signal(signal.SIGTERM)
            for server in self.servers.values():
                server.stop()
            self.delete_user()
            shutil.rmtree(log_dir, ignore_errors=True)
        return self.report()

    def wait_until_quiet(self, limit=120.0):
        """Wait until the servers have finished their start-up work (Datasette counts every
        table's rows when it starts, for instance), so that it is not measured as part of the
        first target: until their processes use under 5% of a CPU for two seconds."""
        groups = [server.proc.pid for server in self.servers.values() if server.alive()]
        deadline, quiet_since = time.monotonic() + limit, None
        before = cpu_ticks(groups)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = cpu_ticks(groups)
            busy = (now - before) / os.sysconf("SC_CLK_TCK") / 0.5
            before = now
            if busy < 0.05:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= 2:
                    return
            else:
                quiet_since = None
        self.notes.append(f"The servers were still busy {limit:.0f} s after starting.")

    def describe(self):
        info, args = self.info, self.args
        print(
            f"Database: {info['url']} ({info['engine']}): {info['sightings']:,} sightings, "
            f"{info['karachi_sightings']:,} in Karachi, {info['prices']:,} prices; the "
            f"most-priced model is {info['model_slug']} ({info['model_prices']:,} prices)"
        )
        if self.db.postgres and any(selected("datasette", w, args.only) for w in DATASETTE_URLS):
            self.notes.append("Datasette serves SQLite files only: its rows are left out.")
        if info["sightings"] < FEW_SIGHTINGS:
            message = (
                f"Only {info['sightings']:,} sighting{'s' if info['sightings'] != 1 else ''}: "
                "too few for figures that mean much. "
                "Make demo data in a separate database and benchmark that: DATABASE_URL="
                "sqlite:///demo.sqlite3 .venv/bin/python manage.py generate_demo_data --size M, "
                "then `make bench BENCH_ARGS='--database demo.sqlite3'`."
            )
            print(f"Warning: {message}")
            self.notes.append(message)
        pages = max(1, math.ceil(info["karachi_sightings"] / PAGE_SIZE))
        if pages < 1000 and any(t.workload == "sightings-p1000" for t in self.targets):
            self.notes.append(
                f"Only {pages:,} pages of Karachi sightings: page 1,000 is past the end, and "
                "both the Django list and the raw-SQL floor serve their last page instead."
            )
        if DJANGO_URLS["price-history"] == DJANGO_URLS["model-detail"] and any(
            t.group == "django" and t.workload == "price-history" for t in self.targets
        ):
            self.notes.append(
                "The price history's chart data rides in the model page: django price-history "
                "measures the same URL as django model-detail until the chart has an endpoint."
            )
        each = args.warmup + args.seconds + 0.5
        print(
            f"{len(self.targets)} targets × ~{each:.1f} s ≈ {len(self.targets) * each / 60:.1f} "
            f"min with {args.clients} clients (slow pages take longer; no target starts after "
            f"{args.budget:.0f} s)"
        )

    def start_servers(self, log_dir):
        needs = {target.server for target in self.targets}
        needs_admin = any(
            t.group == "django" and t.workload == "admin-changelist" for t in self.targets
        )
        gunicorn, datasette = tool("gunicorn"), tool("datasette")
        if needs & {"django", "raw"} and not gunicorn:
            raise BenchError("gunicorn is not installed: .venv/bin/pip install -e '.[dev,bench]'")
        if "datasette" in needs and not datasette:
            raise BenchError("datasette is not installed: .venv/bin/pip install -e '.[dev,bench]'")
        if "django" in needs:
            env = {**self.django_env, "BENCH_SHOWN_URL": redact(self.url)}
            if needs_admin:
                env |= self.user
                self.user_created = True  # deleted at the end even if the step fails midway
            run_django(env, PREPARE_DJANGO, "Preparing Django (collectstatic, checks, user)")
            self.servers["django"] = Server(
                "django (gunicorn)",
                lambda port: (
                    [gunicorn, "evmarket.wsgi:application", "--chdir", str(BASE_DIR)]
                    + ["--bind", f"127.0.0.1:{port}", *GUNICORN_SETTINGS]
                ),
                self.django_env,
                BASE_DIR,
                "/admin/login/",
                log_dir,
            )
            self.servers["django"].launch()
        if "raw" in needs:
            self.servers["raw"] = Server(
                "raw-sql (gunicorn)",
                lambda port: (
                    [gunicorn, "raw_sql:application", "--chdir", str(BENCH_DIR)]
                    + ["--bind", f"127.0.0.1:{port}", *GUNICORN_SETTINGS]
                ),
                {**os.environ, "BENCH_DATABASE_URL": self.url, "PYTHONUNBUFFERED": "1"},
                BENCH_DIR,
                "/health",
                log_dir,
            )
            self.servers["raw"].launch()
        for server in self.servers.values():
            server.wait_ready()
        self.cookies = {}
        if needs_admin:
            self.cookies = admin_login(
                self.servers["django"].port, self.user["BENCH_USER"], self.user["BENCH_PASSWORD"]
            )
            self.session = self.cookies["sessionid"]
        self.datasette_db = ""
        if "datasette" in needs:
            # Every write of the run (the benchmark user and its session) is done by now.
            if checkpoint_wal(self.path):
                self.notes.append("The database was in WAL mode: checkpointed for Datasette.")
            self.servers["datasette"] = Server(
                "datasette",
                lambda port: (
                    [datasette, "serve", "-i", str(self.path), "--host", "127.0.0.1"]
                    + ["--port", str(port), *DATASETTE_SETTINGS]
                ),
                {**os.environ},
                BASE_DIR,
                "/-/versions.json",
                log_dir,
            )
            self.servers["datasette"].start()
            status, _, body = fetch(self.servers["datasette"].port, "/-/databases.json")
            names = [entry["name"] for entry in json.loads(body) if not entry.get("is_memory")]
            names = [name for name in names if name != "_internal"]
            if status != 200 or not names:
                raise BenchError("Datasette lists no database")
            self.datasette_db = names[0]

    def resolve_urls(self):
        values = {"slug": self.info["model_slug"], "db": self.datasette_db}
        page_1000 = ""
        if any(t.group == "django" and t.workload == "sightings-p1000" for t in self.targets):
            page_1000 = resolve_page_1000(
                self.servers["django"].port,
                DJANGO_URLS["sightings-p1"],
                DJANGO_URLS["sightings-p1000"],
                self.notes,
            )
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        urls = {"django": DJANGO_URLS, "raw": RAW_URLS, "datasette": DATASETTE_URLS}
        for target in self.targets:
            target.path = urls[target.server][target.workload].format(**values)
            if target.group == "django" and target.workload == "sightings-p1000":
                target.path = page_1000  # None when it could not be reached
            if target.group == "django" and target.workload == "admin-changelist":
                target.headers = {"Cookie": cookie}

    def measure(self, number, target):
        args = self.args
        result = Result(target.name, target.group, target.workload, target.variant, target.path)
        self.results.append((target, result))
        label = f"[{number}/{len(self.targets)}] {target.name} {target.variant}"
        print(f"{label:<48}", end="", flush=True)
        skip = self.skip_reason(target)
        if skip:
            result.status, result.note = "skipped", skip
            print(f"skipped: {skip}")
            return
        server = self.servers[target.server]
        warm_up = load(
            server.port,
            requester(target, self.token),
            args.clients,
            args.warmup,
            args.max_requests,
            args.timeout,
        )
        if warm_up["timeouts"]:
            self.cut_off(server, target, result, warm_up, "in its warm-up")
            return
        measured = load(
            server.port,
            requester(target, self.token),
            args.clients,
            args.seconds,
            args.max_requests,
            args.timeout,
        )
        if not server.alive():
            raise BenchError(f"{server.name} died during {target.name}:\n{server.log_tail()}")
        result.requests, result.ok, result.errors = (
            measured["requests"],
            measured["ok"],
            measured["errors"],
        )
        result.statuses, result.mean_bytes = measured["statuses"], measured["mean_bytes"]
        result.seconds, result.rps = round(measured["seconds"], 3), round(measured["rps"], 2)
        result.p50_ms, result.p99_ms = rounded(measured["p50_ms"]), rounded(measured["p99_ms"])
        if measured["timeouts"]:
            self.cut_off(server, target, result, measured, "while measured")
        elif result.errors:
            result.note = measured["error"]
            if any(status.startswith("5") for status in result.statuses):
                logged = server.last_error()
                result.note += (
                    f"; the server logged: {logged}"
                    if logged
                    else " (nothing logged: Django prints no traceback with DEBUG off)"
                )
            self.notes.append(f"{target.name} ({target.variant}): {result.note}")
        print(
            f"{result.rps:>9.1f} req/s  p50 {fmt_ms(result.p50_ms):>8}  "
            f"p99 {fmt_ms(result.p99_ms):>8}  errors {result.errors}"
        )

    def skip_reason(self, target):
        if not target.path:
            return "its URL could not be reached"
        if time.monotonic() - self.clock > self.args.budget:
            return f"the run's budget of {self.args.budget:.0f} s was spent"
        if target.variant == "warm":
            cold = next(
                (r for t, r in self.results if t.name == target.name and t.variant == "cold"),
                None,
            )
            if cold and cold.status == "timeout" and cold.ok == 0:
                return "its cold run answered nothing in time, so no cache could be filled"
        return ""

    def cut_off(self, server, target, result, measured, when):
        """Mark a target whose requests outlived --timeout, and restart its server so that
        the abandoned requests do not slow the next target."""
        result.status = "timeout"
        result.errors = max(result.errors, measured["errors"])
        result.note = f"requests took over {self.args.timeout:g} s {when}"
        self.notes.append(
            f"{target.name} ({target.variant}): {result.note}; {server.name} was restarted."
        )
        if result.p50_ms is None:
            print(f"timed out: {result.note}")
        server.restart()

    def delete_user(self):
        if not self.user_created:
            return
        try:
            env = {**self.django_env, **self.user, "BENCH_SESSION": self.session}
            run_django(env, DELETE_USER, "Deleting the benchmark user")
        except (BenchError, subprocess.SubprocessError) as error:
            print(f"Warning: the benchmark user {self.user['BENCH_USER']} remains: {error}")

    def report(self):
        args = self.args
        add_ratios(self.results)
        report = {
            "started": self.started.isoformat(timespec="seconds"),
            "wall_seconds": round(time.monotonic() - self.clock, 1),
            "database": self.info,
            "machine": machine(),
            "load_average": {"before": self.load_before, "after": load_average()},
            "settings": {
                "seconds": args.seconds,
                "clients": args.clients,
                "max_requests": args.max_requests,
                "warmup_seconds": args.warmup,
                "timeout_seconds": args.timeout,
                "gunicorn": " ".join(GUNICORN_SETTINGS),
                "datasette": " ".join(["-i", *DATASETTE_SETTINGS]),
                "django_conn_max_age": os.environ.get("DJANGO_CONN_MAX_AGE", "0"),
                "django_page_cache_seconds": os.environ.get("DJANGO_PAGE_CACHE_SECONDS", ""),
            },
            "notes": self.notes,
            "rows": [asdict(result) for _, result in self.results],
        }
        markdown = render_markdown(report)
        print()
        print(markdown)
        write_results(args.results_dir, report, markdown, self.started)
        return 0


def rounded(value):
    return None if value is None else round(value, 2)


def fmt_ms(value):
    if value is None:
        return "—"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def add_ratios(results):
    """Set each row's throughput relative to Datasette's JSON and to its raw-SQL floor."""
    by_key = {(t.group, t.workload): r for t, r in results}
    datasette_json = by_key.get(("datasette", DATASETTE_REFERENCE))
    for target, result in results:
        if result.status == "skipped":
            continue
        if datasette_json and datasette_json.rps and result is not datasette_json:
            result.vs_datasette_json = round(result.rps / datasette_json.rps, 4)
        raw = by_key.get(("raw-sql", target.raw_reference)) if target.raw_reference else None
        if raw and raw.rps:
            result.vs_raw_sql = round(result.rps / raw.rps, 4)


def fmt_ratio(value, reference=False):
    if reference:
        return "ref"
    if value is None:
        return "—"
    return f"{value:.3f}×" if value < 0.1 else f"{value:.2f}×"


def render_markdown(report):
    info, settings, load = report["database"], report["settings"], report["load_average"]
    size = f", {info['bytes'] / 1e6:.1f} MB" if info["bytes"] else ""
    lines = [
        f"## Benchmark {report['started'].replace('T', ' ')}: {info['label']}",
        "",
        f"- Database: `{info['url']}` ({info['engine']}{size}): {info['sightings']:,} "
        f"sightings, {info['karachi_sightings']:,} in Karachi, {info['prices']:,} prices; "
        f"model `{info['model_slug']}` has {info['model_prices']:,} prices.",
        f"- Machine: {report['machine']}; load average {load['before']} before the run, "
        f"{load['after']} after.",
        f"- Load: {settings['clients']} keep-alive clients for {settings['seconds']:g} s per "
        f"target after a {settings['warmup_seconds']:g} s warm-up (at most "
        f"{settings['max_requests']:,} requests; {settings['timeout_seconds']:g} s per "
        f"request); the run took {report['wall_seconds']:.0f} s.",
        f"- Servers: gunicorn `{settings['gunicorn']}` for Django (DEBUG off, "
        f"CONN_MAX_AGE {settings['django_conn_max_age']}) and for the raw-SQL floor; "
        f"Datasette `{settings['datasette']}`.",
        "",
        "| target | variant | req/s | p50 ms | p99 ms | errors | vs Datasette JSON | vs raw SQL |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        is_ds_json = row["group"] == "datasette" and row["workload"] == DATASETTE_REFERENCE
        rps = f"{row['rps']:.1f}" if row["status"] != "skipped" else "skipped"
        if row["status"] == "timeout":
            rps += " (timeout)"
        lines.append(
            f"| {row['target']} | {row['variant']} | {rps} | {fmt_ms(row['p50_ms'])} "
            f"| {fmt_ms(row['p99_ms'])} | {row['errors']} "
            f"| {fmt_ratio(row['vs_datasette_json'], is_ds_json)} "
            f"| {fmt_ratio(row['vs_raw_sql'], row['group'] == 'raw-sql')} |"
        )
    lines += ["", "URLs:", ""]
    seen = set()
    for row in report["rows"]:
        if row["path"] and (row["target"], row["path"]) not in seen:
            seen.add((row["target"], row["path"]))
            lines.append(f"- {row['target']}: `{row['path']}`")
    if report["notes"]:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def machine():
    versions = []
    for package in ("Django", "gunicorn", "datasette"):
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {', '.join(versions)}"
    )


def load_average():
    """Return the 1-minute load average (other work on the machine skews every figure)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def write_results(directory, report, markdown, started):
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{started:%Y-%m-%d}-{report['database']['label']}"
    (directory / f"{stem}.md").write_text(markdown)
    (directory / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (directory / "latest.md").write_text(markdown)
    print(f"Wrote {directory / stem}.md, {stem}.json and latest.md")


if __name__ == "__main__":
    sys.exit(main())
