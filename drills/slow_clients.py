"""Failure drill: slow clients, with and without the nginx of docs/nginx.conf in front.

Serves the app as in production (gunicorn, 2 gthread workers of 4 threads, a PostgreSQL
database of its own, ``evmarket_drill_slow``, HTTPS redirect and secure cookies on), and runs
``docs/nginx.conf`` as it is — only its ports, host name, certificate (a self-signed one made
for the drill) and upstream address changed — in front of it. Then 40 clients open connections
and send their request headers a line every second, never finishing, while an ordinary client
asks for pages:

1. straight at gunicorn: the slow clients hold its threads, and ordinary requests wait;
2. through nginx: nginx holds the slow clients, and ordinary requests answer at once.

It passes (exit 0) only if, through nginx, every ordinary request answered 200 within 1 s,
and, straight at gunicorn, the slow clients did hold it up (else the drill shows nothing).

    .venv/bin/python drills/slow_clients.py [--seconds 6]

It needs nginx (Debian's package) and openssl.
"""

import http.client
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from drills.serving import (  # noqa: E402
    ROOT,
    DrillError,
    check,
    drill_database,
    free_port,
    run_drill,
    say,
    served_app,
    stop_process_group,
)

DATABASE = "evmarket_drill_slow"
SLOW_CLIENTS = 40
FASTEST_SECONDS = 1.0
PAGE = "/sightings/"


def insecure_context():
    """Return a TLS context that accepts the drill's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class SlowClient(threading.Thread):
    """A client that opens a connection and sends a header line a second, never finishing."""

    def __init__(self, port, tls, stop):
        super().__init__(daemon=True)
        self.port, self.tls, self.stop = port, tls, stop

    def run(self):
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            if self.tls:
                sock = insecure_context().wrap_socket(sock, server_hostname="localhost")
            with sock:
                sock.sendall(b"GET /sightings/ HTTP/1.1\r\nHost: localhost\r\n")
                number = 0
                while not self.stop.wait(1.0):
                    number += 1
                    sock.sendall(f"X-Slow-{number}: {number}\r\n".encode())
        except OSError:
            pass  # dropped by the server: what a server should do to such a client


def ordinary_requests(port, tls, seconds):
    """Ask for PAGE on new connections for ``seconds``; return [(seconds taken, status)]."""
    results = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        if tls:
            connection = http.client.HTTPSConnection(
                "127.0.0.1", port, timeout=10, context=insecure_context()
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", PAGE, headers={"Host": "localhost"})
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__
        finally:
            connection.close()
        results.append((time.monotonic() - started, status))
        time.sleep(0.1)
    return results


def under_attack(port, tls, seconds):
    """Run the slow clients against ``port`` and ordinary requests beside them."""
    stop = threading.Event()
    clients = [SlowClient(port, tls, stop) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    time.sleep(1.0)  # every slow client is connected and holding
    try:
        return ordinary_requests(port, tls, seconds)
    finally:
        stop.set()
        for client in clients:
            client.join(3)


def nginx_config(log_dir, https_port, http_port, upstream_port):
    """Return the path of an nginx.conf that runs docs/nginx.conf with the drill's ports,
    host name, certificate and upstream."""
    certificate, key = log_dir / "cert.pem", log_dir / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (ROOT / "docs" / "nginx.conf").read_text()
    replacements = [
        (r"listen 443 ", f"listen 127.0.0.1:{https_port} "),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"tracker\.example\.org", "localhost"),
        (r"/etc/letsencrypt/live/localhost/fullchain\.pem", str(certificate)),
        (r"/etc/letsencrypt/live/localhost/privkey\.pem", str(key)),
        (r"127\.0\.0\.1:8000", f"127.0.0.1:{upstream_port}"),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        if not count:
            raise DrillError(f"docs/nginx.conf no longer has {pattern!r}: update the drill")
    (log_dir / "site.conf").write_text(site)
    main = log_dir / "nginx.conf"
    main.write_text(
        f"daemon off;\nworker_processes 1;\npid {log_dir / 'nginx.pid'};\n"
        f"error_log {log_dir / 'nginx-error.log'} info;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"  access_log {log_dir / 'nginx-access.log'};\n"
        f"  client_body_temp_path {log_dir};\n  proxy_temp_path {log_dir};\n"
        f"  include {log_dir / 'site.conf'};\n"
        "}\n"
    )
    return main


def drill(args, log_dir):
    """Run the drill; return whether it passed."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise DrillError("nginx is not installed (apt-get install nginx)")
    with (
        drill_database(DATABASE) as url,
        served_app(
            url,
            log_dir,
            DJANGO_SECURE_SSL_REDIRECT="1",
            DJANGO_SECURE_COOKIES="1",
            DJANGO_PROXY_COUNT="1",
        ) as app,
    ):
        https_port, http_port = free_port(), free_port()
        config = nginx_config(log_dir, https_port, http_port, app.port)
        process = subprocess.Popen(
            [nginx, "-p", str(log_dir), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(log_dir / "nginx-start.log", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 10
            while not ordinary_requests(https_port, True, 0.01)[0][1] == 200:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise DrillError(
                        "nginx did not serve the app: "
                        + (log_dir / "nginx-error.log").read_text(errors="replace")[-800:]
                    )
                time.sleep(0.3)
            say(f"{SLOW_CLIENTS} slow clients straight at gunicorn…")
            direct = under_attack(app.port, False, args.seconds)
            time.sleep(2)  # the slow connections close; gunicorn's threads come back
            say(f"{SLOW_CLIENTS} slow clients at nginx…")
            proxied = under_attack(https_port, True, args.seconds)
        finally:
            stop_process_group(process)

    def report(name, results):
        answered = [seconds for seconds, status in results if status in (200, 301)]
        slowest = max((seconds for seconds, _ in results), default=0.0)
        print(f"  {name:<22} {len(results):3} ordinary requests, {len(answered)} answered, "
              f"slowest {slowest:.2f} s")  # fmt: skip
        return results, slowest

    print("\nSlow clients drill")
    direct, direct_slowest = report("straight at gunicorn", direct)
    proxied, proxied_slowest = report("through nginx", proxied)
    return check(
        {
            "straight at gunicorn, the slow clients hold ordinary requests up (else this "
            "drill shows nothing)": direct_slowest > FASTEST_SECONDS
            or any(status not in (200, 301) for _, status in direct),
            "through nginx, every ordinary request a 200": bool(proxied)
            and all(status == 200 for _, status in proxied),
            f"through nginx, every ordinary request within {FASTEST_SECONDS:.0f} s": (
                proxied_slowest <= FASTEST_SECONDS
            ),
        }
    )


def arguments(parser):
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds of each attack")


if __name__ == "__main__":
    sys.exit(run_drill(drill, __doc__.split("\n\n")[0], 240, arguments))
