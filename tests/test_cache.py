"""The page cache: pages cached by URL and data version, ETag / 304, writes show at once."""

import logging
import os
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entrants.cache import bump_data_version, data_version
from entrants.models import Company
from evmarket.testing import own_redis_database
from tests import factories
from tests.responses import body

pytestmark = pytest.mark.django_db


def test_a_repeated_page_is_served_from_the_cache(client, django_assert_num_queries):
    factories.SightingFactory.create_batch(3, city="Karachi")
    first = client.get("/sightings/?city=karachi")
    with django_assert_num_queries(1):  # the data version, nothing else
        second = client.get("/sightings/?city=karachi")
    assert second.content == first.content


def test_a_write_shows_at_once(client):
    company = factories.CompanyFactory(name="Air Link")
    assert "Air Link" in client.get("/companies/").content.decode()
    company.name = "Airlink Communication"
    company.save()
    content = client.get("/companies/").content.decode()
    assert "Airlink Communication" in content


def test_m2m_changes_and_deletes_bump_the_version():
    news = factories.NewsItemFactory()
    before = data_version()
    news.companies.add(factories.CompanyFactory())
    after_m2m = data_version()
    assert after_m2m > before
    Company.objects.filter(pk=news.companies.get().pk).first().delete()
    assert data_version() > after_m2m


def test_etag_gives_304_until_the_data_changes(client, django_assert_num_queries):
    factories.SightingFactory()
    response = client.get("/sightings/")
    etag = response["ETag"]
    assert "no-cache" in response["Cache-Control"]
    with django_assert_num_queries(1):
        again = client.get("/sightings/", headers={"if-none-match": etag})
    assert again.status_code == 304
    bump_data_version()
    changed = client.get("/sightings/", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_exports_and_errors_are_cached_by_their_own_url(client):
    factories.SightingFactory(city="Lahore")
    csv_page = client.get("/sightings/?format=csv")
    assert csv_page["Content-Type"].startswith("text/csv")
    assert client.get("/sightings/?format=csv").getvalue() == csv_page.getvalue()
    bad = client.get("/sightings/?format=json&sort=nonsense")
    assert bad.status_code == 400
    assert client.get("/sightings/?format=json&sort=nonsense").status_code == 400


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_pages_are_cached_in_redis_when_redis_url_is_set(client):
    import redis
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)
    factories.SightingFactory()
    client.get("/sightings/")
    server = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert server.keys("evmarket:*page:*")  # stored where every worker can read it


def test_each_test_worker_has_a_redis_database_of_its_own():
    # One worker's cache.clear() (every test starts with one) must not empty another's cache.
    base = "redis://:secret@127.0.0.1:6379/3?socket_timeout=1"
    urls = [own_redis_database(base, f"gw{n}") for n in range(4)]
    assert urls[0] == "redis://:secret@127.0.0.1:6379/4?socket_timeout=1"
    assert len(set(urls + [base])) == 5
    assert own_redis_database("redis://127.0.0.1:6379", "gw0") == "redis://127.0.0.1:6379/1"


def rendered_again(client, url, **extra):
    """Ask for ``url`` twice; return whether the second answer was rendered again (more than
    the one query for the data version) rather than served from the page cache."""
    first = client.get(url, **extra)
    assert first.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        body(client.get(url, **extra))  # a streamed export reads its rows as it is read
    return len(queries) > 1


def test_junk_parameters_are_answered_but_not_cached(client):
    """Any visitor can invent parameters; each would otherwise store a page."""
    factories.SightingFactory(city="Karachi")
    assert not rendered_again(client, "/sightings/?city=karachi&sort=-date")
    assert rendered_again(client, "/sightings/?city=karachi&utm_source=x1")


def test_a_page_that_ignored_some_input_is_answered_but_not_cached(client):
    factories.SightingFactory()
    response = client.get("/sightings/?sort=nonsense-1")
    assert "is not a column you can sort by" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert rendered_again(client, "/sightings/?sort=nonsense-2")
    assert rendered_again(client, "/?currency=XYZ")
    assert rendered_again(client, "/sightings/?format=json&page=2")  # an export has no pages
    assert rendered_again(client, "/sightings/?currency=USD")  # a list without prices


def test_the_same_query_in_another_order_is_the_same_cached_page(client):
    factories.SightingFactory(city="Karachi")
    client.get("/sightings/?city=karachi&sort=-date")
    for same in [
        "/sightings/?sort=-date&city=karachi",
        "/sightings/?city=karachi&city=karachi&sort=-date",
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(same).status_code == 200
        assert len(queries) == 1, same  # the data version only: served from the cache


def test_detail_pages_and_convert_are_cached_with_their_own_parameters(client):
    sighting = factories.SightingFactory()
    model = sighting.vehicle_model
    assert not rendered_again(client, f"{model.get_absolute_url()}?currency=USD&at=latest")
    assert rendered_again(client, f"{model.get_absolute_url()}?page=2")
    assert not rendered_again(client, sighting.get_absolute_url())
    assert rendered_again(client, f"{sighting.get_absolute_url()}?x=1")
    assert not rendered_again(client, "/convert/?amount=1&from=USD&to=USD&date=2024-01-01")


def test_a_page_larger_than_the_limit_is_not_cached(client, settings):
    factories.SightingFactory()
    assert not rendered_again(client, "/sightings/")
    assert not rendered_again(client, "/prices/?currency=USD&at=latest")
    settings.PAGE_CACHE_MAX_BYTES = 1000
    assert rendered_again(client, "/sightings/?sort=date")


def test_the_cache_keeps_pages_apart_by_host_and_scheme(client, settings):
    """An export names its rows by absolute URL: each host and scheme gets its own."""
    settings.ALLOWED_HOSTS = ["tracker.example.org", "mirror.example.net"]
    factories.SightingFactory()
    first = client.get("/sightings/?format=json", headers={"host": "tracker.example.org"})
    other = client.get("/sightings/?format=json", headers={"host": "mirror.example.net"})
    secure = client.get(
        "/sightings/?format=json", headers={"host": "mirror.example.net"}, secure=True
    )
    assert "http://tracker.example.org/sightings/" in body(first).decode()
    assert "http://mirror.example.net/sightings/" in body(other).decode()
    assert "https://mirror.example.net/sightings/" in body(secure).decode()


def project_cache_settings(monkeypatch, redis_url):
    """Return the cache settings ``evmarket/settings.py`` makes for ``REDIS_URL=redis_url``."""
    import importlib

    from evmarket import settings as project_settings

    monkeypatch.setenv("REDIS_URL", redis_url)
    try:
        made = importlib.reload(project_settings)
        return {
            name: getattr(made, name)
            for name in ("CACHES", "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS", "DJANGO_REDIS_LOGGER")
        }
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(project_settings)


def test_pages_are_served_uncached_and_the_failure_logged_when_redis_is_down(
    client, settings, caplog, monkeypatch
):
    """The settings' Redis cache, pointed at a port where no server listens (9, discard)."""
    for name, value in project_cache_settings(monkeypatch, "redis://127.0.0.1:9/0").items():
        setattr(settings, name, value)
    factories.SightingFactory(city="Karachi")
    with caplog.at_level(logging.ERROR, logger="entrants.cache"):
        for url in ["/", "/sightings/", "/sightings/?format=csv", "/prices/?format=json"]:
            assert client.get(url).status_code == 200, url
        assert "Karachi" in client.get("/sightings/").content.decode()
    # Logged, but once a minute, not at every failed call (two a request).
    logged = [record for record in caplog.records if record.name == "entrants.cache"]
    assert len(logged) == 1, [record.getMessage() for record in logged]


def test_a_failure_repeated_within_a_minute_is_logged_once_then_counted():
    from evmarket.logs import OncePerInterval

    once = OncePerInterval(seconds=0.2)

    def record():
        return logging.LogRecord(
            "entrants.cache", logging.ERROR, __file__, 1, "Exception ignored", (), None
        )

    passed = [once.filter(record()) for _ in range(5)]
    time.sleep(0.25)
    later = record()
    assert passed == [True, False, False, False, False]
    assert once.filter(later)
    assert later.getMessage() == "Exception ignored (and 4 more like it in the 0.2 s before)"
