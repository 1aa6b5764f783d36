"""The page cache: pages cached by URL and data version, ETag / 304, writes show at once."""

import os

import pytest

from entrants.cache import bump_data_version, data_version
from entrants.models import Company
from tests import factories

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
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    factories.SightingFactory()
    client.get("/sightings/")
    server = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert server.keys("evmarket:*page:*")  # stored where every worker can read it
