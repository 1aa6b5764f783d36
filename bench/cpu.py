"""CPU time of one request per page, in one process, for two checkouts taken in turn: what a
page costs without the noise of four clients on a shared 2-CPU machine.

    .venv/bin/python bench/cpu.py ../before . --database demo-m.sqlite3 --rounds 2

Each checkout's own code answers (its directory first on ``PYTHONPATH``) through Django's test
client, with production settings and every URL new, so that the page cache never answers; the
median CPU time of ``--requests`` requests after three warm-up ones is printed per page and
round. The pages are those of ``bench/run.py`` that render in one request.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

PAGES = {
    "sightings-p1": "/sightings/?city=karachi",
    "prices-pkr": "/prices/?currency=PKR",
    "model-detail": "/models/{slug}/",
    "price-history": "/models/{slug}/price-history.json",
}

# Run inside each checkout: time every page, print the medians as JSON.
CHILD = """
import itertools, json, sys, time
import django
django.setup()
from django.db.models import Count
from django.test import Client
from entrants.models import VehicleModel

requests = int(sys.argv[1])
pages = json.loads(sys.argv[2])
most_priced = VehicleModel.objects.annotate(n=Count("prices")).order_by("-n")
slug = most_priced.values_list("slug", flat=True)[0]
client = Client(SERVER_NAME="127.0.0.1")
fresh = itertools.count()
medians = {}
for name, url in pages.items():
    url = url.format(slug=slug)
    def get():
        response = client.get(f"{url}{'&' if '?' in url else '?'}_cpu={next(fresh)}")
        assert response.status_code == 200, (name, response.status_code)
        b"".join(response.streaming_content) if response.streaming else response.content
    for _ in range(3):
        get()
    spent = []
    for _ in range(requests):
        start = time.process_time()
        get()
        spent.append((time.process_time() - start) * 1000)
    medians[name] = sorted(spent)[len(spent) // 2]
print(json.dumps(medians))
"""


def measure(checkout, database, requests):
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "DATABASE_URL": database if "://" in database else f"sqlite:///{Path(database).resolve()}",
        "DJANGO_SETTINGS_MODULE": "evmarket.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "bench-cpu-not-secret-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    python = sys.executable
    collect = [python, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, cwd=checkout, env=env, check=True)
    done = subprocess.run(
        [python, "-c", CHILD, str(requests), json.dumps(PAGES)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"{checkout}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--database", required=True, help="SQLite file or postgres:// URL")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    rows = {name: {"before": [], "after": []} for name in PAGES}
    for number in range(1, args.rounds + 1):
        for label, checkout in (("before", args.before), ("after", args.after)):
            print(f"round {number}/{args.rounds}: {label} ({checkout})…", file=sys.stderr)
            for name, ms in measure(checkout.resolve(), args.database, args.requests).items():
                rows[name][label].append(ms)
    print(f"| page (median ms of CPU per round) | {args.before} | {args.after} |")
    print("|---|---:|---:|")
    for name, runs in rows.items():
        before, after = (" / ".join(f"{ms:.0f}" for ms in runs[key]) for key in ("before", "after"))
        print(f"| {name} | {before} | {after} |")


if __name__ == "__main__":
    main()
