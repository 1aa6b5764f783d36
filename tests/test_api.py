"""The data API (/api/): what an analyst's script would notice — the lists agree with the HTML
lists filter for filter, pages follow one another without repeating or losing a row, values
keep their digits, dates their precision and prices the rates behind them; and what a client
the API must refuse would try: no token, a bad token, a forged address, too many requests."""

import datetime
import json
import logging
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from entrants.dates import DatePrecision
from entrants.models import ClaimStatus, Sighting
from tests import factories

pytestmark = pytest.mark.django_db

KINDS = [
    "companies",
    "models",
    "partnerships",
    "sightings",
    "prices",
    "rates",
    "events",
    "news",
    "people",
    "statements",
]


@pytest.fixture
def api():
    return Client(HTTP_HOST="127.0.0.1")


def get_json(api, url, status=200, **headers):
    response = api.get(url, **headers)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == status, (url, response.status_code, content[:500])
    return json.loads(content)


def every_row(api, url):
    """Return every row of a list, following ``next`` from page to page."""
    rows, pages = [], 0
    while url:
        data = get_json(api, url)
        rows += data["results"]
        url, pages = data["next"], pages + 1
        assert pages < 200, "the pages never end"
    return rows


# --- The schema and the docs -----------------------------------------------------------------


def test_the_schema_is_openapi_3_and_covers_every_list_and_detail(api, reference_data):
    schema = get_json(api, "/api/schema/?format=json")
    assert schema["openapi"].startswith("3.")
    for kind in KINDS:
        assert f"/api/{kind}/" in schema["paths"], kind
        details = [path for path in schema["paths"] if path.startswith(f"/api/{kind}/{{")]
        assert len(details) == 1, kind
    prices = schema["paths"]["/api/prices/"]["get"]
    parameters = {parameter["name"] for parameter in prices["parameters"]}
    assert {"currency", "at", "rates", "cursor", "model", "q", "ordering"} <= parameters


def test_the_docs_page_loads_every_asset_from_this_site(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    for attribute in ('src="', 'href="'):
        for value in html.split(attribute)[1:]:
            url = value.split('"')[0]
            assert url.startswith("/"), f"{url} is not served by the tracker"
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert "/api/schema/" in script.content.decode()


# --- Filters: the same answers as the HTML lists ------------------------------------------------

# (endpoint, HTML list, query): every filter of every list, with values the reference data has.
FILTER_CASES = [
    ("companies", "companies", "q=motor"),
    ("companies", "companies", "kind=manufacturer&kind=importer"),
    ("companies", "companies", "country=CN"),
    ("companies", "companies", "active_in_pakistan=true"),
    ("models", "models", "q=byd"),
    ("models", "models", "maker=byd&maker=xiaomi"),
    ("models", "models", "body_type=suv"),
    ("models", "models", "powertrain=phev"),
    ("models", "models", "stage=sighted&stage=launched"),
    ("partnerships", "partnerships", "q=assembl"),
    ("partnerships", "partnerships", "company=mega-motor-company"),
    ("partnerships", "partnerships", "kind=assembly"),
    ("partnerships", "partnerships", "status=active"),
    ("partnerships", "partnerships", "claim_status=reported"),
    ("partnerships", "partnerships", "date_after=2024-06-01"),
    ("partnerships", "partnerships", "date_before=2024-03-01"),
    ("sightings", "sightings", "q=karachi"),
    ("sightings", "sightings", "model=xiaomi-su7"),
    ("sightings", "sightings", "maker=xiaomi"),
    ("sightings", "sightings", "kind=imported"),
    ("sightings", "sightings", "city=KARACHI"),
    ("sightings", "sightings", "place=port"),
    ("sightings", "sightings", "status=confirmed"),
    ("sightings", "sightings", "date_before=2024-09-30"),
    ("sightings", "sightings", "date_after=2024-08-01"),
    ("sightings", "sightings", "importer=test-importer"),
    ("prices", "prices", "q=seal"),
    ("prices", "prices", "model=byd-seal"),
    ("prices", "prices", "maker=byd"),
    ("prices", "prices", "market=CN"),
    ("prices", "prices", "price_currency=cny"),
    ("prices", "prices", "kind=launch"),
    ("prices", "prices", "status=reported"),
    ("prices", "prices", "date_after=2025-01-01&date_before=2025-12-31"),
    ("events", "events", "q=charging"),
    ("events", "events", "kind=policy&kind=launch"),
    ("events", "events", "company=byd"),
    ("events", "events", "model=honri-ve"),
    ("events", "events", "status=confirmed"),
    ("events", "events", "precision=month"),
    ("events", "events", "date_after=2025-06-01&date_before=2025-12-31"),
    ("news", "news", "q=xiaomi"),
    ("news", "news", "publisher=dawn"),
    ("news", "news", "company=xiaomi"),
    ("news", "news", "date_after=2025-06-01"),
    ("news", "news", "date_before=2024-06-01"),
    ("rates", "rates", "base=usd&quote=PKR"),
    ("rates", "rates", "source=sbp_interbank"),
    ("rates", "rates", "source=pboc_parity&date_after=2025-01-01"),
    ("rates", "rates", "date_before=2024-01-01"),
    ("people", "people", "q=lei"),
    ("people", "people", "company=air-link-communication"),
    ("statements", "statements", "q=assembly"),
    ("statements", "statements", "person=muzzaffar-hayat-piracha"),
    ("statements", "statements", "company=xiaomi"),
    ("statements", "statements", "kind=paraphrase"),
    ("statements", "statements", "status=rumoured"),
    ("statements", "statements", "date_after=2024-10-01&date_before=2025-12-31"),
]


def html_rows(api, path, query):
    """Return the rows of an HTML list's JSON export, each as the key the API row shares."""
    data = get_json(api, f"/{path}/?{query}&format=json")
    return {row_key(row) for row in data["results"]}


def row_key(row):
    if "url" in row:  # an HTML export's row
        return row["url"]
    if "page_url" in row and row["page_url"]:
        return row["page_url"]
    return (row["date"], row["base"], row["quote"], row["source"], Decimal(row["rate"]))


def api_keys(rows):
    keys = set()
    for row in rows:
        if row.get("page_url"):
            keys.add(row["page_url"])
        else:  # a rate has no page of its own
            keys.add((row["date"], row["base"], row["quote"], row["source"], Decimal(row["rate"])))
    return keys


def html_rate_keys(api, query):
    data = get_json(api, f"/rates/?{query}&format=json")
    return {
        (row["date"], row["base"], row["quote"], row["source"], Decimal(row["rate"]))
        for row in data["results"]
    }


@pytest.mark.parametrize(("endpoint", "path", "query"), FILTER_CASES)
def test_each_filter_gives_the_rows_the_html_list_gives(api, reference_data, endpoint, path, query):
    if endpoint == "sightings":  # the reference data records no import yet
        importer = factories.CompanyFactory(name="Test Importer", slug="test-importer")
        factories.SightingFactory(kind=Sighting.Kind.IMPORTED, importer=importer)
    everything = every_row(api, f"/api/{endpoint}/?page_size=500")
    filtered = every_row(api, f"/api/{endpoint}/?{query}&page_size=500")
    assert 0 < len(filtered) < len(everything), f"{query} does not narrow the list"
    assert len(filtered) == len(api_keys(filtered)), "a row is listed twice"
    if endpoint == "rates":
        assert api_keys(filtered) == html_rate_keys(api, query)
    else:
        assert api_keys(filtered) == html_rows(api, path, query)


def test_every_filter_of_every_list_is_tried(api):
    """The cases above name every filter the endpoints read."""
    schema = get_json(api, "/api/schema/?format=json")
    tried = {(endpoint, name) for endpoint, _, query in FILTER_CASES for name in parse_qs(query)}
    missing = set()
    for kind in KINDS:
        parameters = {p["name"] for p in schema["paths"][f"/api/{kind}/"]["get"]["parameters"]}
        filters = parameters - {"cursor", "page_size", "ordering", "currency", "at", "rates"}
        filters -= {"date"}  # "on that day": covered by test_a_date_filter_takes_a_day
        missing |= {(kind, name) for name in filters if (kind, name) not in tried}
    assert not missing, f"filters never tried: {sorted(missing)}"


def test_a_date_filter_takes_a_day(api):
    day = datetime.date(2025, 3, 4)
    wanted = factories.SightingFactory(date=day)
    factories.SightingFactory(date=day + datetime.timedelta(days=1))
    rows = get_json(api, "/api/sightings/?date=2025-03-04")["results"]
    assert [row["uuid"] for row in rows] == [str(wanted.uuid)]


@pytest.mark.parametrize(
    "query",
    [
        "model=no-such-model",
        "date_after=last-tuesday",
        "status=invented",
        "price_currency=dollars",
        "amount_min=100",  # the HTML list filters after conversion; the API says it cannot
        "currency=EUR",
        "at=yesterday",
        "rates=my-bank",
        "ordering=notes",
        "cursor=not-a-cursor",
        "q=" + "word " * 11,
    ],
)
def test_bad_input_is_refused_in_words_never_a_server_error(api, reference_data, query):
    response = api.get(f"/api/prices/?{query}")
    assert response.status_code in (400, 404), (query, response.status_code)
    if response.status_code == 400:
        assert response.json(), "a refusal says why"


def test_a_misspelt_parameter_is_refused_naming_the_right_ones(api, reference_data):
    response = api.get("/api/sightings/?modle=xiaomi-su7")
    assert response.status_code == 400
    message = response.json()["modle"][0]
    assert "not a parameter" in message and "model" in message


def test_a_huge_query_string_is_refused(api):
    response = api.get("/api/sightings/?q=" + "x" * 9000)
    assert response.status_code == 414


# --- Values --------------------------------------------------------------------------------


def test_prices_in_usd_are_paginated_with_exact_decimals_dates_and_their_rates(api, reference_data):
    first = get_json(api, "/api/prices/?currency=USD")
    assert first["next"] and first["previous"] is None and len(first["results"]) == 10
    assert get_json(api, first["next"])["previous"]
    data = get_json(api, "/api/prices/?currency=USD&page_size=5")
    assert data["next"] and data["previous"] is None
    assert len(data["results"]) == 5
    for price in data["results"]:
        assert isinstance(price["amount"], str) and Decimal(price["amount"])
        assert price["currency"] in ("CNY", "PKR", "USD")
        assert price["date"] is None or price["date"]["precision"] in DatePrecision.values
        converted = price["converted"]
        assert converted["to_currency"] == "USD"
        assert converted["missing"] or isinstance(converted["amount"], str)
        for rate in converted["rates"]:
            assert {"pair", "rate", "date", "source", "source_url"} <= set(rate)
            assert isinstance(rate["rate"], str)


def test_a_price_converts_with_the_rate_of_its_date_and_says_which(api):
    factories.ExchangeRateFactory(
        base="USD", quote="CNY", rate=Decimal("7.1234"), date=datetime.date(2024, 9, 27)
    )
    factories.ExchangeRateFactory(
        base="USD", quote="CNY", rate=Decimal("9"), date=datetime.date(2024, 10, 30)
    )
    price = factories.PricePointFactory(
        amount=Decimal("215900.00"), currency="CNY", date=datetime.date(2024, 9, 28)
    )
    row = get_json(api, f"/api/prices/{price.uuid}/?currency=USD")
    assert row["amount"] == "215900.00"
    converted = row["converted"]
    expected = (Decimal("215900") / Decimal("7.1234")).quantize(Decimal("0.01"))
    assert converted["amount"] == str(expected)
    assert converted["on"] == "2024-09-28"
    assert converted["rates"] == [
        {
            "pair": "USD/CNY",
            "rate": "7.1234",
            "date": "2024-09-27",
            "source": converted["rates"][0]["source"],
            "source_code": converted["rates"][0]["source_code"],
            "source_url": converted["rates"][0]["source_url"],
            "claim_status": "confirmed",
            "inverted": True,
        }
    ]
    latest = get_json(api, f"/api/prices/{price.uuid}/?currency=USD&at=latest")
    assert latest["converted"]["rates"][0]["rate"] == "9"


def test_a_price_with_no_rate_says_so_instead_of_a_number(api):
    price = factories.PricePointFactory(amount=Decimal("1000"), currency="JPY")
    converted = get_json(api, f"/api/prices/{price.uuid}/?currency=PKR")["converted"]
    assert converted["missing"] is True and converted["amount"] is None


def test_a_fact_carries_its_status_date_precision_and_every_source(api):
    first = factories.NewsItemFactory(url="https://example.com/a", date=datetime.date(2024, 4, 1))
    second = factories.NewsItemFactory(url="")
    sighting = factories.SightingFactory(
        source=first,
        date=datetime.date(2024, 4, 1),
        date_precision=DatePrecision.MONTH,
        claim_status=ClaimStatus.RUMOURED,
        kind=Sighting.Kind.IMPORTED,
        quantity=2,
    )
    sighting.other_sources.add(second)
    row = get_json(api, f"/api/sightings/{sighting.uuid}/")
    assert row["claim_status"] == "rumoured"
    assert row["kind"] == "imported" and row["quantity"] == 2
    assert row["date"] == {
        "value": "2024-04-01",
        "precision": "month",
        "iso": "2024-04",
        "display": "April 2024",
    }
    assert row["source"]["url"] == "https://example.com/a"
    assert row["source"]["title"] == first.headline
    assert row["source"]["publisher"] == first.publisher.name
    assert [source["title"] for source in row["other_sources"]] == [second.headline]
    assert row["other_sources"][0]["url"] is None
    assert row["other_sources"][0]["page_url"].endswith(second.get_absolute_url())


def test_an_undated_news_item_has_a_null_date(api):
    news = factories.NewsItemFactory(date=None)
    assert get_json(api, f"/api/news/{news.slug}/")["date"] is None


def test_a_battery_keeps_its_digits(api):
    model = factories.VehicleModelFactory(battery_kwh=Decimal("101.7"))
    assert get_json(api, f"/api/models/{model.slug}/")["battery_kwh"] == "101.7"


def test_details_by_slug_and_uuid_and_a_clear_404(api, reference_data):
    assert get_json(api, "/api/companies/xiaomi/")["name"] == "Xiaomi"
    assert get_json(api, "/api/models/xiaomi-su7-max/")["maker"]["slug"] == "xiaomi"
    news = get_json(api, "/api/news/?page_size=1")["results"][0]
    assert "body" in get_json(api, news["api_url"])
    assert api.get("/api/companies/no-such-company/").status_code == 404
    assert api.get("/api/sightings/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert api.get("/api/sightings/not-a-uuid/").status_code == 404


# --- Pagination ----------------------------------------------------------------------------


def test_pages_follow_one_another_without_repeating_or_losing_a_row(api):
    days = [datetime.date(2024, 1, 1), None, datetime.date(2024, 1, 1), datetime.date(2025, 5, 5)]
    sightings = [factories.SightingFactory(date=days[n % 4]) for n in range(11)]
    for ordering in ("", "&ordering=sort_date", "&ordering=-sort_date"):
        rows = every_row(api, f"/api/sightings/?page_size=3{ordering}")
        assert sorted(row["uuid"] for row in rows) == sorted(str(s.uuid) for s in sightings)
        assert len(rows) == 11
    newest_first = every_row(api, "/api/sightings/?page_size=3&ordering=-sort_date")
    dates = [row["date"]["value"] if row["date"] else "" for row in newest_first]
    assert dates == sorted(dates, reverse=True), "undated rows come last, newest first"


def test_a_row_added_between_two_pages_is_not_listed_twice(api):
    for _ in range(4):
        factories.SightingFactory()
    first = get_json(api, "/api/sightings/?page_size=2")
    factories.SightingFactory()  # the newest: it would push a row onto page 2 of an offset
    second = get_json(api, first["next"])
    seen = [row["uuid"] for row in first["results"]]
    assert not set(seen) & {row["uuid"] for row in second["results"]}
    back = get_json(api, second["previous"])
    assert [row["uuid"] for row in back["results"]] == seen


def test_the_page_size_is_capped_at_500(api):
    source = factories.NewsItemFactory()
    model = factories.VehicleModelFactory()
    Sighting.objects.bulk_create(
        Sighting(vehicle_model=model, source=source, claim_status="reported") for _ in range(520)
    )
    data = get_json(api, "/api/sightings/?page_size=500")
    assert len(data["results"]) == 500 and data["next"]
    assert len(get_json(api, data["next"])["results"]) == 20


def queries_for(api, url):
    with CaptureQueriesContext(connection) as queries:
        get_json(api, url)
    return len(queries)


@pytest.mark.parametrize("kind", KINDS)
def test_each_list_costs_as_many_queries_with_many_rows_as_with_few(api, kind):
    urls = [f"/api/{kind}/?page_size=500"]
    if kind == "prices":
        urls.append(f"/api/{kind}/?currency=USD&at=latest&page_size=500")
    factories.build_related_rows(3)
    small = [queries_for(api, url) for url in urls]
    factories.build_related_rows(9)
    large = [queries_for(api, url) for url in urls]
    assert large == small


# --- Access --------------------------------------------------------------------------------


def test_the_api_is_read_only(api, reference_data):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api, method)("/api/companies/xiaomi/", data={"name": "Changed"})
        assert response.status_code == 405, method
    assert get_json(api, "/api/companies/xiaomi/")["name"] == "Xiaomi"


@pytest.fixture
def login_required(settings):
    settings.ANALYST_LOGIN_REQUIRED = True


def test_when_the_pages_need_a_login_the_api_needs_a_token_or_a_session(
    api, login_required, reference_data
):
    for url in ("/api/companies/", "/api/companies/xiaomi/", "/api/schema/?format=json"):
        response = api.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"].startswith("Token")
    forged = api.get("/api/companies/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert forged.status_code == 401

    user = User.objects.create_user("analyst", password="a-long-test-password")
    token = Token.objects.create(user=user)
    data = get_json(api, "/api/companies/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert data["results"]

    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(user)
    assert get_json(signed_in, "/api/companies/")["results"] == data["results"]


def test_a_cached_answer_is_never_given_to_a_client_without_a_login(
    api, login_required, reference_data
):
    user = User.objects.create_user("analyst", password="a-long-test-password")
    token = Token.objects.create(user=user)
    response = api.get("/api/models/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    etag = response["ETag"]
    assert api.get("/api/models/").status_code == 401
    assert api.get("/api/models/", HTTP_IF_NONE_MATCH=etag).status_code == 401


def test_tokens_are_made_in_the_admin(reference_data):
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(User.objects.create_superuser("boss", password="a-long-test-password"))
    assert admin.get("/admin/authtoken/tokenproxy/").status_code == 200


# --- Throttling ----------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"},
    }


def test_an_anonymous_client_over_its_rate_is_told_when_to_come_back(api, low_rates):
    for _ in range(3):
        assert api.get("/api/companies/").status_code == 200
    response = api.get("/api/companies/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    other = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="192.0.2.7")
    assert other.get("/api/companies/").status_code == 200


def test_a_forged_forwarded_for_buys_no_new_allowance(api, low_rates):
    for n in range(3):
        assert api.get("/api/companies/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code == 200
    assert api.get("/api/companies/", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_behind_a_proxy_each_client_has_its_own_allowance(api, low_rates, settings):
    settings.PROXY_COUNT = 1
    for _ in range(3):
        assert api.get("/api/companies/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert api.get("/api/companies/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert api.get("/api/companies/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_a_signed_in_client_has_its_own_higher_allowance(api, low_rates):
    token = Token.objects.create(user=User.objects.create_user("analyst", password="x" * 20))
    for _ in range(3):
        api.get("/api/companies/")
    assert api.get("/api/companies/").status_code == 429
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    for _ in range(5):
        assert api.get("/api/companies/", **auth).status_code == 200
    assert api.get("/api/companies/", **auth).status_code == 429


def test_with_the_cache_down_the_api_still_answers(api, low_rates, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.1,
                "SOCKET_TIMEOUT": 0.1,
            },
        }
    }
    factories.CompanyFactory()
    for _ in range(5):
        assert api.get("/api/companies/").status_code == 200
    # The failures are logged once a minute (evmarket.logs.OncePerInterval): forget these, so
    # a later test of that log sees its own.
    for once in logging.getLogger("entrants.cache").filters:
        once.seen.clear()


# --- Caching -------------------------------------------------------------------------------


def test_an_etag_gives_304_until_the_data_changes(api, django_assert_num_queries):
    company = factories.CompanyFactory()
    first = api.get(f"/api/companies/{company.slug}/")
    etag = first["ETag"]
    with django_assert_num_queries(1):  # the data version, nothing else
        again = api.get(f"/api/companies/{company.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    with django_assert_num_queries(1):  # served from the cache
        cached = api.get(f"/api/companies/{company.slug}/")
    assert cached.json() == first.json()
    company.name = "Renamed Motors"
    company.save()
    fresh = api.get(f"/api/companies/{company.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh.json()["name"] == "Renamed Motors"
    assert fresh["ETag"] != etag


# --- Feeds and files for programs, when the pages need a login ------------------------------


def test_with_a_login_required_feeds_and_files_take_a_token_and_refuse_without_one(
    api, login_required, reference_data
):
    token = Token.objects.create(user=User.objects.create_user("reader", password="x" * 20))
    machine = ["/feeds/news/", "/feeds/facts/", "/changes/feed/", "/download/evmarket.sqlite3"]
    for url in machine:
        refused = api.get(url)
        assert refused.status_code == 401, url  # not a login form a feed reader cannot fill
        assert refused["WWW-Authenticate"] == "Token"
        assert api.get(url, HTTP_AUTHORIZATION="Token forged").status_code == 401, url
        allowed = api.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
        assert allowed.status_code == 200, url
    sqlite = api.get("/download/evmarket.sqlite3", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert b"".join(sqlite.streaming_content).startswith(b"SQLite format 3\x00")
    page = api.get("/changes/")
    assert page.status_code == 302 and page["Location"].startswith("/admin/login/")
    assert api.get("/changes/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200


def test_a_cursor_of_another_ordering_or_made_by_hand_is_refused_in_words(api):
    for _ in range(3):
        factories.SightingFactory()
    following = get_json(api, "/api/sightings/?page_size=1")["next"]
    mixed = api.get(following + "&ordering=sort_date")
    assert mixed.status_code in (200, 400)  # a position of another ordering: no server error
    for cursor in ("cD1hYmM=", "not-a-cursor", "cj0xJnA9eA=="):
        response = api.get(f"/api/sightings/?cursor={cursor}")
        assert response.status_code == 400, cursor
        assert "cursor" in response.json()


@pytest.mark.parametrize("size", ["0", "-1", "abc", "501", "1.5"])
def test_a_page_size_the_api_cannot_give_is_refused(api, size):
    response = api.get(f"/api/companies/?page_size={size}")
    assert response.status_code == 400
    assert "1 to 500" in response.json()["page_size"][0]


def test_more_equal_dates_than_the_cursor_offset_still_page_to_the_end(api, settings):
    """DRF's cursor steps over equal positions with an offset capped at 1,000: the
    ``sort_date`` key is unique, so 1,100 facts of one date (an undated batch, or a month
    known only to the month) page through once each."""
    day = datetime.date(2024, 1, 1)
    source = factories.NewsItemFactory()
    model = factories.VehicleModelFactory()
    Sighting.objects.bulk_create(
        Sighting(vehicle_model=model, source=source, date=date, claim_status="reported")
        for date in [day] * 1050 + [None] * 60
    )
    for ordering in ("sort_date", "-sort_date"):
        rows = every_row(api, f"/api/sightings/?ordering={ordering}&page_size=500")
        assert len(rows) == len({row["uuid"] for row in rows}) == 1110, ordering


def test_an_answer_larger_than_the_cache_takes_is_answered_but_not_kept(
    api, settings, django_assert_num_queries
):
    factories.CompanyFactory()
    settings.PAGE_CACHE_MAX_BYTES = 100
    first = api.get("/api/companies/")
    assert first.status_code == 200 and len(first.content) > 100
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/companies/").json() == first.json()
    assert len(queries) > 1, "read again, not from the cache"


def test_the_schema_generates_without_a_warning_and_is_valid_openapi(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.")
