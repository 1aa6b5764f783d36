"""The analyst pages: every URL answers, every filter returns the right rows, exports equal the
filtered rows, bad parameters give a message (never a 500), and query counts stay constant."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entrants.models import (
    ClaimStatus,
    Company,
    ExchangeRate,
    MarketEvent,
    Partnership,
    VehicleModel,
)
from tests import factories
from tests.responses import body, json_of

pytestmark = pytest.mark.django_db

LISTS = ["companies", "models", "partnerships", "sightings", "prices", "events", "news", "people"]


def rows(client, path, **params):
    """Return the JSON export of ``path`` with ``params``: the filtered, sorted rows."""
    response = client.get(path, {**params, "format": "json"})
    assert response.status_code == 200, response.content
    return json_of(response)["results"]


def names(client, path, key, **params):
    return [row[key] for row in rows(client, path, **params)]


# --- The bar of the issue, on the reference data -------------------------------------------


@pytest.mark.parametrize("name", LISTS)
def test_every_list_answers_with_the_reference_data(client, reference_data, name):
    response = client.get(f"/{name}/")
    assert response.status_code == 200
    assert response.context["page"].total.count > 0


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/companies/xiaomi/",
        "/models/xiaomi-su7-max/",
        "/models/xiaomi-su7/",
        "/news/br-2024-09-28-xiaomi-electric-cars-karachi-port/",
        "/people/muzzaffar-hayat-piracha/",
    ],
)
def test_overview_and_detail_pages_answer(client, reference_data, path):
    assert client.get(path).status_code == 200


def test_every_row_links_to_a_detail_page_that_answers(client, reference_data):
    for name in LISTS:
        for row in rows(client, f"/{name}/"):
            assert client.get(row["url"]).status_code == 200, row["url"]


def test_sightings_search_karachi_lists_the_su7_max(client, reference_data):
    response = client.get("/sightings/", {"q": "karachi"})
    assert "Xiaomi SU7 Max" in response.content.decode()
    assert names(client, "/sightings/", "model", q="karachi") == ["Xiaomi SU7 Max"]


def test_prices_json_in_usd_at_a_date_converts_the_su7_price(client, reference_data):
    results = rows(client, "/prices/", currency="USD", at="2024-09-28", q="SU7")
    su7 = next(row for row in results if row["amount"] == "215900.00")
    assert su7["currency"] == "CNY" and su7["converted_currency"] == "USD"
    assert abs(Decimal(su7["converted_amount"]) - Decimal("30798")) <= 1
    assert "2024-09-27" in su7["rates_used"]


def test_prices_at_price_date_use_the_march_rates(client, reference_data):
    results = rows(client, "/prices/", currency="PKR", q="SU7", model="xiaomi-su7")
    assert len(results) == 1
    assert "2024-03-27" in results[0]["rates_used"]  # USD/CNY of 27 March
    assert "2024-03-26" in results[0]["rates_used"]  # USD/PKR of 26 March


def test_prices_without_any_rate_say_no_rate(client, reference_data):
    # The reference rates start in 2019: a price of 2015 has none to convert with.
    factories.PricePointFactory(
        vehicle_model=VehicleModel.objects.get(slug="byd-seal"),
        amount=Decimal("199800"),
        currency="CNY",
        date=datetime.date(2015, 6, 1),
    )
    response = client.get("/prices/", {"model": "byd-seal"})
    assert "no rate" in response.content.decode()
    converted = {
        row["date"]: row["converted_amount"] for row in rows(client, "/prices/", model="byd-seal")
    }
    assert converted.pop("2015-06-01") is None
    assert None not in converted.values()


def test_seed_usd_conversion_is_flagged_and_pkr_is_not(client, reference_data):
    response = client.get("/models/xiaomi-su7/")
    content = response.content.decode()
    assert "⚠ 0.4% off" in content
    stated = rows(client, "/prices/", model="xiaomi-su7")[0]["stated"]
    assert "USD 30917.00 (flagged)" in stated
    assert "PKR 8550000.00;" in stated or stated.startswith("PKR 8550000.00")
    assert "PKR 8550000.00 (flagged)" not in stated


def test_convert_endpoint_returns_amount_and_rates(client, reference_data):
    response = client.get(
        "/convert/", {"amount": "215900", "from": "CNY", "to": "PKR", "date": "2024-09-28"}
    )
    data = response.json()
    assert response.status_code == 200
    assert abs(Decimal(data["amount"]) - Decimal("8550565")) <= 1
    pairs = {(rate["pair"], rate["date"]) for rate in data["rates"]}
    assert pairs == {("USD/CNY", "2024-09-27"), ("USD/PKR", "2024-09-27")}
    assert all(rate["source"] for rate in data["rates"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"amount": "abc", "from": "CNY", "to": "PKR"}, "is not a number"),
        ({"amount": "1", "from": "YUAN", "to": "PKR"}, "is not a currency code"),
        ({"amount": "1", "from": "CNY", "to": "PKR", "date": "2024-13-45"}, "is not a date"),
    ],
)
def test_convert_refuses_bad_input_in_words(client, params, message):
    response = client.get("/convert/", params)
    assert response.status_code == 400
    assert any(message in error for error in response.json()["errors"])


def test_convert_with_no_rate_says_so_without_a_number(client, reference_data):
    response = client.get(
        "/convert/", {"amount": "1", "from": "CNY", "to": "PKR", "date": "2015-01-01"}
    )
    assert response.status_code == 404
    assert response.json()["amount"] is None
    assert "No exchange rate" in response.json()["error"]


def test_pkr_amounts_are_also_shown_in_lakh_and_crore(client, reference_data):
    response = client.get("/prices/", {"model": "honri-ve-2-0"})
    assert "39.9 lakh" in response.content.decode()


def test_stale_rates_are_flagged_beside_the_figure(client, reference_data):
    # 2024-12-05 is more than 7 days after the last USD/PKR rate (2024-09-27).
    response = client.get("/prices/", {"model": "honri-ve-2-0", "currency": "USD"})
    assert "days old" in response.content.decode()


# --- Invalid input: a message, never a 500 ------------------------------------------------


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2024-13-45"}, "Enter a valid date"),
        ({"page": "abc"}, "is not a page number"),
        ({"currency": "XYZ"}, "is not a currency this tracker converts to"),
        ({"sort": "nonsense"}, "is not a column you can sort by"),
        ({"at": "yesterday"}, "is not a date (YYYY-MM-DD)"),
        ({"page": "99999"}, "There is no page 99999"),
    ],
)
def test_invalid_parameters_give_the_page_with_a_message(
    client, reference_data, name, params, message
):
    if "date" in params and name in ("companies", "models", "people"):
        params = {
            "companies": {"kind": "not-a-kind"},
            "models": {"maker": "nobody"},
            "people": {"company": "nobody"},
        }[name]
        message = "Select a valid choice"
    response = client.get(f"/{name}/", params)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("name", LISTS)
def test_exports_refuse_invalid_parameters_with_400_in_words(client, name):
    response = client.get(f"/{name}/", {"format": "json", "sort": "nonsense"})
    assert response.status_code == 400
    assert "is not a column you can sort by" in response.json()["errors"][0]


def test_empty_parameters_are_the_same_as_none(client, reference_data):
    """A submitted filter form sends its empty fields (?q=&city=&maker=); they filter
    nothing and are no error."""
    for name in [*LISTS, "rates"]:
        path = f"/{name}/"
        page = client.get(path)
        empty = dict.fromkeys(
            [*page.context["filterset"].form.fields, "sort", "page", "at", "currency"], ""
        )
        with_empty = client.get(path, empty)
        assert "This filter was ignored" not in with_empty.content.decode(), name
        assert rows(client, path, **empty) == rows(client, path), name


def test_unknown_detail_pages_are_404(client):
    assert client.get("/companies/no-such-company/").status_code == 404
    assert client.get("/sightings/not-a-uuid/").status_code == 404


# --- Filters: one test each ------------------------------------------------------------------


@pytest.fixture
def market():
    """A small market: two makers, three models, partners, sightings, prices and events."""
    xiaomi = factories.CompanyFactory(name="Xiaomi", slug="xiaomi", country="CN")
    byd = factories.CompanyFactory(name="BYD", slug="byd", country="CN")
    tesla = factories.CompanyFactory(name="Tesla", slug="tesla", country="US")
    air_link = factories.CompanyFactory(
        name="Air Link Communication",
        slug="air-link",
        country="PK",
        kind=Company.Kind.LOCAL_ASSEMBLER,
    )
    factories.CompanyAliasFactory(company=air_link, name="Airlink")
    su7 = factories.VehicleModelFactory(
        maker=xiaomi, name="SU7", slug="xiaomi-su7", stage_in_pakistan=VehicleModel.Stage.RUMOURED
    )
    su7_max = factories.VehicleModelFactory(
        maker=xiaomi,
        name="SU7",
        variant="Max",
        slug="xiaomi-su7-max",
        stage_in_pakistan=VehicleModel.Stage.SIGHTED,
    )
    seal = factories.VehicleModelFactory(
        maker=byd,
        name="Seal",
        slug="byd-seal",
        powertrain=VehicleModel.Powertrain.BEV,
        body_type=VehicleModel.BodyType.SEDAN,
        stage_in_pakistan=VehicleModel.Stage.LAUNCHED,
    )
    sealion = factories.VehicleModelFactory(
        maker=byd,
        name="Sealion 6",
        slug="byd-sealion-6",
        powertrain=VehicleModel.Powertrain.PHEV,
        body_type=VehicleModel.BodyType.SUV,
        stage_in_pakistan=VehicleModel.Stage.LAUNCHED,
    )
    factories.ExchangeRateFactory(
        date=datetime.date(2024, 9, 1), base="USD", quote="PKR", rate=Decimal("280")
    )
    factories.ExchangeRateFactory(
        date=datetime.date(2024, 9, 1), base="USD", quote="CNY", rate=Decimal("7")
    )
    factories.PricePointFactory(
        vehicle_model=su7,
        amount=Decimal("215900"),
        currency="CNY",
        market="CN",
        date=datetime.date(2024, 9, 2),
    )
    factories.PricePointFactory(
        vehicle_model=seal,
        amount=Decimal("16000000"),
        currency="PKR",
        market="PK",
        date=datetime.date(2024, 9, 2),
    )
    factories.PricePointFactory(
        vehicle_model=sealion,
        amount=Decimal("12000000"),
        currency="PKR",
        market="PK",
        date=datetime.date(2024, 9, 3),
    )
    factories.SightingFactory(
        vehicle_model=su7_max,
        place="Karachi port",
        city="Karachi",
        date=datetime.date(2024, 9, 28),
        quantity=None,
    )
    factories.SightingFactory(
        vehicle_model=seal,
        place="Expo Centre",
        city="Lahore",
        date=datetime.date(2024, 8, 17),
        quantity=3,
        claim_status=ClaimStatus.CONFIRMED,
    )
    factories.PartnershipFactory(
        company=air_link,
        partner=xiaomi,
        scope="Smart TVs",
        kind=Partnership.Kind.MANUFACTURING,
        status=Partnership.Status.ACTIVE,
        date=datetime.date(2023, 5, 1),
    )
    factories.PartnershipFactory(
        company=air_link,
        partner=xiaomi,
        scope="EV launch",
        kind=Partnership.Kind.MARKET_ENTRY,
        status=Partnership.Status.REPORTED,
        date=datetime.date(2024, 9, 28),
    )
    entry = factories.MarketEventFactory(
        title="BYD enters Pakistan",
        kind=MarketEvent.Kind.MARKET_ENTRY,
        date=datetime.date(2024, 8, 17),
    )
    entry.companies.add(byd)
    launch = factories.MarketEventFactory(
        title="SU7 launch",
        kind=MarketEvent.Kind.LAUNCH,
        date=datetime.date(2024, 3, 1),
        date_precision="month",
    )
    launch.companies.add(xiaomi)
    return {"xiaomi": xiaomi, "byd": byd, "tesla": tesla, "air_link": air_link}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "local_assembler"}, ["Air Link Communication"]),
        ({"country": "US"}, ["Tesla"]),
        ({"active_in_pakistan": "true"}, ["Air Link Communication", "BYD", "Xiaomi"]),
        ({"active_in_pakistan": "false"}, ["Tesla"]),
        ({"q": "airlink"}, ["Air Link Communication"]),
    ],
)
def test_company_filters(client, market, params, expected):
    found = names(client, "/companies/", "name", **params)
    assert sorted(name for name in found if not name.startswith("Publisher")) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"maker": "byd"}, ["BYD Seal", "BYD Sealion 6"]),
        ({"body_type": "suv"}, ["BYD Sealion 6"]),
        ({"powertrain": "phev"}, ["BYD Sealion 6"]),
        ({"stage": "sighted"}, ["Xiaomi SU7 Max"]),
        ({"price_max": "15000000", "currency": "PKR"}, ["BYD Sealion 6", "Xiaomi SU7"]),
        ({"price_min": "50000", "currency": "USD"}, ["BYD Seal"]),
        ({"q": "max"}, ["Xiaomi SU7 Max"]),
    ],
)
def test_model_filters(client, market, params, expected):
    assert sorted(names(client, "/models/", "model", **params)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"company": "xiaomi"}, ["EV launch", "Smart TVs"]),
        ({"company": "byd"}, []),
        ({"kind": "manufacturing"}, ["Smart TVs"]),
        ({"status": "reported"}, ["EV launch"]),
        ({"date_after": "2024-01-01"}, ["EV launch"]),
        ({"date_before": "2023-12-31"}, ["Smart TVs"]),
        ({"q": "smart"}, ["Smart TVs"]),
    ],
)
def test_partnership_filters(client, market, params, expected):
    assert sorted(names(client, "/partnerships/", "scope", **params)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"model": "xiaomi-su7-max"}, ["Karachi port"]),
        ({"maker": "byd"}, ["Expo Centre"]),
        ({"city": "lahore"}, ["Expo Centre"]),
        ({"place": "port"}, ["Karachi port"]),
        ({"date_after": "2024-09-01", "date_before": "2024-09-30"}, ["Karachi port"]),
        ({"status": "confirmed"}, ["Expo Centre"]),
        ({"q": "karachi"}, ["Karachi port"]),
    ],
)
def test_sighting_filters(client, market, params, expected):
    assert names(client, "/sightings/", "place", **params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"model": "byd-seal"}, ["BYD Seal"]),
        ({"maker": "xiaomi"}, ["Xiaomi SU7"]),
        ({"market": "PK"}, ["BYD Seal", "BYD Sealion 6"]),
        ({"price_currency": "CNY"}, ["Xiaomi SU7"]),
        ({"date_after": "2024-09-03"}, ["BYD Sealion 6"]),
        ({"amount_max": "10000000", "currency": "PKR"}, ["Xiaomi SU7"]),
        ({"amount_min": "40000", "amount_max": "50000", "currency": "USD"}, ["BYD Sealion 6"]),
        ({"q": "sealion"}, ["BYD Sealion 6"]),
    ],
)
def test_price_filters(client, market, params, expected):
    assert sorted(names(client, "/prices/", "model", **params)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "market_entry"}, ["BYD enters Pakistan"]),
        ({"company": "xiaomi"}, ["SU7 launch"]),
        ({"precision": "month"}, ["SU7 launch"]),
        ({"date_before": "2024-06-30"}, ["SU7 launch"]),
        ({"q": "enters"}, ["BYD enters Pakistan"]),
    ],
)
def test_event_filters(client, market, params, expected):
    assert names(client, "/events/", "title", **params) == expected


def test_news_filters(client):
    dawn = factories.PublisherFactory(name="Dawn", slug="dawn")
    byd = factories.CompanyFactory(name="BYD", slug="byd")
    first = factories.NewsItemFactory(
        publisher=dawn, headline="BYD opens in Lahore", date=datetime.date(2024, 8, 17)
    )
    first.companies.add(byd)
    factories.NewsItemFactory(headline="Rupee gains", date=datetime.date(2024, 9, 27))
    assert names(client, "/news/", "headline", publisher="dawn") == ["BYD opens in Lahore"]
    assert names(client, "/news/", "headline", company="byd") == ["BYD opens in Lahore"]
    assert names(client, "/news/", "headline", date_after="2024-09-01") == ["Rupee gains"]
    assert names(client, "/news/", "headline", q="rupee") == ["Rupee gains"]


def test_people_filters(client):
    xiaomi = factories.CompanyFactory(name="Xiaomi", slug="xiaomi")
    factories.PersonFactory(name="Lei Jun", organisation=xiaomi)
    factories.PersonFactory(name="Shaza Fatima Khawaja", role="Minister of State")
    assert names(client, "/people/", "name", company="xiaomi") == ["Lei Jun"]
    assert names(client, "/people/", "name", q="minister") == ["Shaza Fatima Khawaja"]


def test_news_page_shows_whole_rupees(client):
    price = factories.PricePointFactory(amount=Decimal("8990000.00"), currency="PKR", market="PK")
    content = client.get(price.source.get_absolute_url()).content.decode()
    assert "PKR 8,990,000 (" in content
    assert "8,990,000.00" not in content


# --- Sorting, pages, exports, facets -----------------------------------------------------------


def test_sort_by_column_and_reverse(client, market):
    assert names(client, "/prices/", "model", sort="amount", currency="PKR") == [
        "Xiaomi SU7",
        "BYD Sealion 6",
        "BYD Seal",
    ]
    assert names(client, "/prices/", "model", sort="-amount", currency="PKR") == [
        "BYD Seal",
        "BYD Sealion 6",
        "Xiaomi SU7",
    ]
    assert names(client, "/sightings/", "place", sort="city") == ["Karachi port", "Expo Centre"]


def test_csv_export_equals_the_filtered_rows_all_of_them(client):
    factories.SightingFactory.create_batch(30, city="Karachi")
    factories.SightingFactory.create_batch(5, city="Lahore")
    response = client.get("/sightings/", {"city": "karachi", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    records = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(records) == 30  # all rows, not one page of 25
    assert {record["city"] for record in records} == {"Karachi"}
    page = client.get("/sightings/", {"city": "karachi"})
    assert page.context["page"].total.count == 30


def test_csv_export_never_emits_a_formula(client):
    factories.SightingFactory(place='=HYPERLINK("http://evil")', city="+cmd")
    content = b"".join(client.get("/sightings/", {"format": "csv"}).streaming_content).decode()
    assert "'=HYPERLINK" in content
    assert ",=" not in content and "\n=" not in content


def test_exports_carry_exact_values(client, market):
    result = rows(client, "/prices/", model="xiaomi-su7", currency="PKR")[0]
    # 215,900 CNY ÷ 7 × 280 = 8,636,000 exactly; the page rounds, the export does not.
    assert Decimal(result["converted_amount"]) == Decimal("8636000")
    assert result["amount"] == "215900.00"


def test_facet_counts_beside_the_choices(client, market):
    response = client.get("/models/")
    facets = {facet["title"]: facet["items"] for facet in response.context["facets"]}
    stage = {item["label"]: item["count"] for item in facets["Stage in Pakistan"]}
    assert stage == {"Launched": 2, "Rumoured": 1, "Sighted": 1}
    launched = next(item for item in facets["Stage in Pakistan"] if item["label"] == "Launched")
    response = client.get(f"{launched['href']}&format=json")
    assert sorted(row["model"] for row in json_of(response)["results"]) == [
        "BYD Seal",
        "BYD Sealion 6",
    ]


def test_pagination_pages_through_rows(client):
    factories.SightingFactory.create_batch(30)
    first = client.get("/sightings/")
    second = client.get("/sightings/", {"page": "2"})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


def test_empty_list_says_so(client):
    response = client.get("/sightings/", {"q": "nowhere"})
    assert "No rows match these filters" in response.content.decode()


# --- Constant query counts ----------------------------------------------------------------------


def queries_for(client, url):
    """Return how many queries answering ``url`` took (the page must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, url
        body(response)  # an export streams: its queries run while it is read
    return len(queries)


LIST_PAGES = [*LISTS, "rates", "statements"]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_query_count_is_constant_as_rows_grow(client, name):
    """A list page, its next page, a sorted page and its exports cost the same number of
    queries with 3 rows of everything (each with related rows) as with 40: no N+1."""
    urls = [
        f"/{name}/",
        f"/{name}/?page=2",
        f"/{name}/?sort=-{LIST_SORT[name]}",
        f"/{name}/?format=csv",
        f"/{name}/?format=json",
    ]
    factories.build_related_rows(3)
    # The first page after a write also reads the lookups (once per data version).
    small = [queries_for(client, url) for url in urls]
    factories.build_related_rows(37)
    large = [queries_for(client, url) for url in urls]
    assert large == small


LIST_SORT = {
    "companies": "name",
    "models": "model",
    "partnerships": "date",
    "sightings": "date",
    "prices": "date",
    "events": "date",
    "news": "date",
    "people": "name",
    "rates": "date",
    "statements": "date",
}


def enrich(model, news, person):
    """Add facts about ``model``, citing ``news``, said by ``person``."""
    for _ in range(3):
        price = factories.PricePointFactory(vehicle_model=model, source=news)
        factories.StatedConversionFactory(price_point=price, source=factories.NewsItemFactory())
        price.other_sources.add(factories.NewsItemFactory())
        factories.SightingFactory(vehicle_model=model, source=news).other_sources.add(
            factories.NewsItemFactory()
        )
        partnership = factories.PartnershipFactory(partner=model.maker, source=news)
        partnership.vehicle_models.add(model)
        event = factories.MarketEventFactory(source=news)
        event.companies.add(model.maker)
        event.vehicle_models.add(model)
        event.people.add(person)
        factories.StatementFactory(person=person, source=news, event=event).companies.add(
            model.maker
        )
        factories.PersonFactory(organisation=model.maker)
        factories.CompanyAliasFactory(company=model.maker)
        factories.VehicleModelFactory(
            maker=model.maker, name=model.name, variant=f"V{VehicleModel.objects.count()}"
        )
        mention = factories.NewsItemFactory()
        mention.companies.add(model.maker)
        mention.vehicle_models.add(model)
        mention.people.add(person)


DETAIL_PAGES = [
    "company",
    "model",
    "partnership",
    "sighting",
    "price",
    "event",
    "news",
    "person",
    "overview",
]


@pytest.mark.parametrize("page_name", DETAIL_PAGES)
def test_detail_query_count_is_constant_as_rows_grow(client, page_name):
    """Each detail page costs as many queries with three facts of every kind (each with its
    sources, conversions and relations) as with twelve."""
    model = factories.VehicleModelFactory()
    news = factories.NewsItemFactory()
    person = factories.PersonFactory(organisation=model.maker)
    factories.ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.1"))
    enrich(model, news, person)
    urls = {
        "company": model.maker.get_absolute_url(),
        "model": model.get_absolute_url(),
        "partnership": model.partnerships.first().get_absolute_url(),
        "sighting": model.sightings.first().get_absolute_url(),
        "price": model.prices.first().get_absolute_url(),
        "event": model.events.first().get_absolute_url(),
        "news": news.get_absolute_url(),
        "person": person.get_absolute_url(),
        "overview": "/",
    }
    small = queries_for(client, urls[page_name])
    for _ in range(3):
        enrich(model, news, person)
    assert queries_for(client, urls[page_name]) == small


def test_rates_list_filters_and_exports_with_sources(client, reference_data):
    september = {"date_after": "2024-09-20", "date_before": "2024-09-30"}
    results = rows(client, "/rates/", base="USD", quote="PKR", **september)
    assert [row["date"] for row in results] == ["2024-09-27", "2024-09-26", "2024-09-25"]
    assert all(row["source_url"].startswith("http") for row in results)
    assert client.get("/rates/", {"sort": "nonsense"}).status_code == 200


def test_prices_at_latest_use_the_latest_rates(client, reference_data):
    result = rows(client, "/prices/", model="xiaomi-su7", currency="USD", at="latest")[0]
    newest = ExchangeRate.objects.filter(base="USD", quote="CNY").latest("date")
    assert f"{newest.rate.normalize():f} ({newest.date}" in result["rates_used"]
    expected = Decimal(215900) / newest.rate
    assert abs(Decimal(result["converted_amount"]) - expected) <= Decimal("0.01")


def section_of(page, heading_id):
    """Return the HTML of the page's section headed by ``heading_id`` (up to the next one)."""
    return page.decode().split(f'id="{heading_id}"')[1].split("<section")[0]


def test_model_and_company_pages_list_the_news_their_facts_cite_once_each(client):
    """A news item that names two models and is cited by a price of one of them is listed
    once on the model's and the maker's pages, with the other sources of its facts, newest
    first; news about nothing of theirs is not listed."""
    model = factories.VehicleModelFactory()
    other = factories.VehicleModelFactory(maker=model.maker)
    cited = factories.NewsItemFactory(headline="Price reported", date=datetime.date(2024, 5, 1))
    cited.vehicle_models.add(model, other)
    cited.companies.add(model.maker)
    factories.PricePointFactory(vehicle_model=model, source=cited)
    later = factories.NewsItemFactory(headline="Seen again", date=datetime.date(2025, 1, 2))
    factories.SightingFactory(vehicle_model=model).other_sources.add(later)
    factories.NewsItemFactory(headline="About something else")
    for url in (model.get_absolute_url(), model.maker.get_absolute_url()):
        news = section_of(body(client.get(url)), "news-heading")
        assert news.count("Price reported") == 1, url
        assert news.index("Seen again") < news.index("Price reported"), url
        assert "About something else" not in news, url


def test_model_page_lists_undated_facts_after_the_dated_ones(client):
    model = factories.VehicleModelFactory()
    for place, date in [("Undated yard", None), ("Old yard", datetime.date(2023, 1, 1))]:
        factories.SightingFactory(vehicle_model=model, place=place, date=date)
    factories.SightingFactory(vehicle_model=model, place="New yard", date=datetime.date(2025, 6, 1))
    sightings = section_of(body(client.get(model.get_absolute_url())), "sightings-heading")
    positions = [sightings.index(place) for place in ("New yard", "Old yard", "Undated yard")]
    assert positions == sorted(positions)
