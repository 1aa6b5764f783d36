"""How much page 1 and page 1,000 of an API list cost, uncached: the cursor pagination's
promise (docs/performance.md). In one process, through Django's test client, so it measures the
view and its queries, not the network:

    DJANGO_ENV=development DJANGO_DEBUG=0 DJANGO_PAGE_CACHE_SECONDS=0 \\
    DJANGO_API_ANON_RATE=1000000/min DATABASE_URL=sqlite:///demo.sqlite3 \\
    .venv/bin/python bench/api_pages.py 1000 "/api/sightings/?page_size=50"

Each URL's page 1 and page N (reached by following ``next``; the last page if there are fewer)
are asked for five times: the median time and the number of queries are printed.
"""

import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evmarket.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ROUNDS = 5


def timed(client, url):
    """Return (median milliseconds, queries) of answering ``url``."""
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}: {response.content[:200]!r}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times) * 1000, len(queries)


def page(client, first, number):
    """Return (the URL of page ``number`` of ``first``, or of its last page; that number)."""
    url, reached = first, 1
    while reached < number:
        following = client.get(url).json()["next"]
        if following is None:
            break
        url, reached = following, reached + 1
    return url, reached


def main(number, urls):
    client = Client(HTTP_HOST="127.0.0.1")
    for first in urls:
        url, reached = page(client, first, number)
        (first_ms, first_queries), (last_ms, last_queries) = (
            timed(client, first),
            timed(client, url),
        )
        print(
            f"{first}: page 1 {first_ms:.1f} ms ({first_queries} queries), "
            f"page {reached:,} {last_ms:.1f} ms ({last_queries} queries)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:] or ["/api/sightings/?page_size=50"])
