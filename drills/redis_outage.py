"""Failure drill: the page cache's Redis stops, hangs, fills up and comes back, under load.

Serves the app as in production (gunicorn, 2 gthread workers, a PostgreSQL database of its
own, ``evmarket_drill_redis``) with its page cache in a Redis server that the drill starts on a
free port, loads analyst pages from several threads, and puts Redis through:

1. up: pages are cached (Redis holds keys);
2. killed (connections refused);
3. hung (SIGSTOP: connections accepted, nothing answered, until the socket timeout);
4. back: pages are cached again;
5. full under ``noeviction`` (every write refused, as with Redis's default policy), then
6. full under ``allkeys-lru`` (the policy docs/operations.md asks for): memory stays under the cap.

It passes (exit 0) only if every request of every phase answered 200, no request took longer
than 2 s, Redis held keys in phases 1, 4 and 6, and the app logged the failures it ignored.

    .venv/bin/python drills/redis_outage.py [--phase-seconds 4]
"""

import http.client
import itertools
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from drills.serving import (  # noqa: E402
    DrillError,
    check,
    drill_database,
    free_port,
    get,
    run_drill,
    served_app,
    stop_process_group,
)

DATABASE = "evmarket_drill_redis"
PAGES = [
    "/",
    "/sightings/",
    "/prices/?currency=USD",
    "/models/",
    "/companies/",
    "/news/",
    "/rates/",
]
LOAD_THREADS = 4
SLOWEST_SECONDS = 2.0
MEMORY_CAP = 2 * 1024 * 1024


class Redis:
    """A Redis server of the drill's own, on a free port, keeping nothing on disk."""

    def __init__(self, log_dir):
        self.port = free_port()
        self.log_dir = log_dir
        self.process = None

    def start(self, *options):
        """Start the server with ``options`` (``--maxmemory``…); return once it answers."""
        server = shutil.which("redis-server")
        if server is None:
            raise DrillError("redis-server is not installed")
        argv = [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(self.log_dir), *options]
        with open(self.log_dir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.command("PING")
                return
            except OSError:
                time.sleep(0.1)
        raise DrillError("redis-server did not answer within 10 s")

    def command(self, *words):
        """Send one command; return the reply's first line."""
        import socket

        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            request = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
            sock.sendall(request.encode())
            return sock.recv(4096).decode(errors="replace").split("\r\n")[0]

    def keys(self):
        """Return the number of keys the server holds."""
        return int(self.command("DBSIZE").lstrip(":"))

    def used_memory(self):
        import socket

        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
            time.sleep(0.1)
            info = sock.recv(65536).decode(errors="replace")
        return int(info.split("used_memory:")[1].split("\r\n")[0])

    def stop(self):
        if self.process is not None:
            stop_process_group(self.process)
            self.process = None


class Load:
    """Threads asking for analyst pages without pause (canonical addresses, so cacheable;
    ``distinct`` makes each address new, to fill the cache)."""

    def __init__(self, port, threads=LOAD_THREADS):
        self.port = port
        self.numbers = itertools.count()
        self.results = []
        self.lock = threading.Lock()
        self.distinct = False
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def run(self):
        while not self.stopping.is_set():
            number = next(self.numbers)
            path = PAGES[number % len(PAGES)]
            if self.distinct:  # a search of its own: canonical, and a page of its own
                path = f"/sightings/?q=x{number}"
            started = time.monotonic()
            try:
                status = get(self.port, path).status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            with self.lock:
                self.results.append((started, time.monotonic() - started, status, path))

    def phase(self, seconds):
        """Return what the clients saw over the next ``seconds``."""
        start = len(self.results)
        time.sleep(seconds)
        with self.lock:
            return self.results[start:]

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(15)


def summary(name, results):
    """Print one phase's requests, failures and slowest answer; return its checks."""
    failed = [r for r in results if r[2] != 200]
    slowest = max((r[1] for r in results), default=0.0)
    print(f"  {name:<34} {len(results):5} requests, {len(failed)} not 200, slowest {slowest:.2f} s")
    return {
        f"{name}: requests answered": bool(results),
        f"{name}: every answer a 200": not failed,
        f"{name}: none slower than {SLOWEST_SECONDS:.0f} s": slowest <= SLOWEST_SECONDS,
    }


def drill(args, log_dir):
    """Run the drill; return whether it passed."""
    redis = Redis(log_dir)
    redis.start()
    try:
        with (
            drill_database(DATABASE) as url,
            served_app(url, log_dir, REDIS_URL=f"redis://127.0.0.1:{redis.port}/0") as app,
        ):
            load = Load(app.port)
            try:
                return phases(load, redis, app, args.phase_seconds)
            finally:
                load.stop()
    finally:
        redis.stop()


def phases(load, redis, app, seconds):
    checks = {}
    print("\nRedis outage drill")
    checks |= summary("1. Redis up", load.phase(seconds))
    checks["1. pages cached in Redis"] = redis.keys() > 0

    redis.stop()
    checks |= summary("2. Redis killed", load.phase(seconds))

    redis.start()
    redis.process.send_signal(signal.SIGSTOP)
    checks |= summary("3. Redis hung (SIGSTOP)", load.phase(seconds))
    redis.process.send_signal(signal.SIGCONT)
    redis.stop()

    redis.start()
    checks |= summary("4. Redis back", load.phase(seconds))
    checks["4. pages cached in Redis again"] = redis.keys() > 0
    redis.stop()

    load.distinct = True
    redis.start("--maxmemory", str(MEMORY_CAP), "--maxmemory-policy", "noeviction")
    checks |= summary("5. Redis full, noeviction", load.phase(seconds))
    redis.stop()

    redis.start("--maxmemory", str(MEMORY_CAP), "--maxmemory-policy", "allkeys-lru")
    checks |= summary("6. Redis full, allkeys-lru", load.phase(seconds))
    checks["6. pages cached, memory under the cap"] = (
        redis.keys() > 0 and redis.used_memory() <= MEMORY_CAP * 1.1
    )
    log = (app.log_dir / "gunicorn.log").read_text(errors="replace")
    checks["the app logged the cache failures it ignored"] = "Exception ignored" in log
    return check(checks)


def arguments(parser):
    parser.add_argument("--phase-seconds", type=float, default=4.0, help="seconds per phase")


if __name__ == "__main__":
    sys.exit(run_drill(drill, __doc__.split("\n\n")[0], 240, arguments))
