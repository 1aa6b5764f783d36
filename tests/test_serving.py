"""The app as production serves it: gunicorn with ``evmarket/gunicorn.conf.py`` and production
settings (``drills/serving.py``), checked over real HTTP connections.

- A database that does not answer is a 503 with Retry-After, on analyst pages and in the admin
  (where the session lookup fails before any view), never a traceback or a bare 500.
- A long query string reaches the app, which answers one over its limit in words; gunicorn's
  own limit on request lines is above the app's.
"""

import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from drills.serving import drill_database, get, served_app

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-directory/evmarket.sqlite3",
    "postgresql": "postgres://postgres@127.0.0.1:9/evmarket",  # the discard port: nothing listens
}
SESSION = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}


@pytest.fixture(scope="module")
def log_dir():
    with tempfile.TemporaryDirectory(prefix="serving-") as directory:
        yield Path(directory)


@pytest.mark.parametrize("vendor", UNREACHABLE)
def test_a_database_outage_is_a_503_with_retry_after_everywhere(log_dir, vendor):
    with served_app(UNREACHABLE[vendor], log_dir, prepare=False, workers=1) as app:
        for path, headers in [
            ("/", {}),
            ("/sightings/?city=karachi", {}),
            ("/prices/?format=csv", {}),
            ("/models/xiaomi-su7/", {}),
            ("/admin/", SESSION),  # the session lookup fails before the view
            ("/admin/entrants/company/", SESSION),
        ]:
            response = get(app.port, path, headers)
            text = response.body.decode()
            assert response.status == 503, (path, response.status, text[:300])
            assert response.getheader("Retry-After") == "30", path
            assert "database is not answering" in text, path
            assert "Traceback" not in text and "Server Error" not in text, path
            assert "script-src 'self'" in response.getheader("Content-Security-Policy"), path


@pytest.fixture(scope="module")
def working_app(log_dir):
    """The app on a database of its own: PostgreSQL on the PostgreSQL stage, else SQLite."""
    with ExitStack() as stack:
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            url = stack.enter_context(drill_database("evmarket_drill_serving"))
        else:
            url = f"sqlite:///{log_dir / 'serving.sqlite3'}"
        yield stack.enter_context(served_app(url, log_dir, workers=1))


def test_a_long_query_string_reaches_the_app_which_refuses_one_over_its_limit_in_words(
    working_app,
):
    from entrants.access import MAX_QUERY_STRING

    near = get(working_app.port, "/sightings/?q=" + "a" * (MAX_QUERY_STRING - 100))
    assert near.status == 200
    over = get(working_app.port, "/sightings/?q=" + "a" * MAX_QUERY_STRING)
    assert over.status == 414
    assert f"longer than {MAX_QUERY_STRING:,} characters" in over.body.decode()


def test_served_analyst_pages_answer_405_to_a_post(working_app):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", working_app.port, timeout=10)
    try:
        connection.request("POST", "/sightings/", body="city=Karachi")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 405
