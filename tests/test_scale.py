"""What keeps the lists fast at scale, checked for what a reader would see: a deep page holds
the right rows, a long list says "more than N", facets count what they say, the filters and the
rate table follow a write at once, every filter and sort has an index, and a 10,000-point price
history stays small. (Speed itself is measured by ``make bench``, not here.)"""

import datetime
import gzip
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entrants import facets, views
from entrants.filtersets import CaseInsensitiveFilter
from entrants.models import ExchangeRate, PricePoint, Sighting
from entrants.price_history_chart import DETAILED_POINTS
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Render every request (a page served from the page cache has no context to inspect)."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 4 rows and a count that stops at 10, so that a few rows make a "long" list."""
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    monkeypatch.setattr(facets, "COUNT_LIMIT", 10)


def sightings(count, city="Lahore", **kwargs):
    source = factories.NewsItemFactory()
    return [
        factories.SightingFactory(
            city=city,
            place=f"{city} {index}",
            date=datetime.date(2024, 1, 1) + datetime.timedelta(days=index % 5),
            source=source,
            **kwargs,
        )
        for index in range(count)
    ]


def shown_places(response):
    return [row.place for row in response.context["page"].object_list]


def test_a_deep_page_holds_the_rows_that_order_puts_there(client, small_pages):
    sightings(14)
    expected = list(Sighting.objects.order_by("-date", "-pk").values_list("place", flat=True))
    for number in (1, 2, 3, 4):
        response = client.get("/sightings/", {"page": number})
        assert shown_places(response) == expected[(number - 1) * 4 : number * 4]
    last = client.get("/sightings/", {"page": 4})
    assert not last.context["page"].has_next()
    assert 'rel="next"' not in last.content.decode()
    assert 'rel="prev"' in last.content.decode()


def test_a_list_longer_than_the_count_limit_says_more_than(client, small_pages):
    sightings(14)
    response = client.get("/sightings/")
    text = response.content.decode()
    assert re.search(r"more than 10\s+rows", text)
    assert "Counts of the first 10 rows in this order." in text
    # The page numbers go on past the count: page 4 has the 13th and 14th rows.
    page_4 = client.get("/sightings/", {"page": 4})
    assert len(page_4.context["page"].object_list) == 2
    assert "Page 4</span>" in page_4.content.decode()


def test_a_short_list_counts_exactly_and_names_its_last_page(client, small_pages):
    sightings(6)
    response = client.get("/sightings/")
    assert re.search(r"\b6\s+rows", response.content.decode())
    assert "Page 1 of 2" in response.content.decode()
    assert "Counts of the first" not in response.content.decode()


def test_a_page_past_the_end_shows_the_last_page_with_a_message(client, small_pages):
    sightings(6)
    response = client.get("/sightings/", {"page": 99})
    assert response.status_code == 200
    assert "There is no page 99; the last page, 2, is shown." in response.context["errors"]
    assert response.context["page"].number == 2


def test_a_page_past_the_end_of_an_uncounted_list_shows_the_first(client, small_pages):
    sightings(14)
    response = client.get("/sightings/", {"page": 50})
    assert "There is no page 50; the first page is shown." in response.context["errors"]
    assert response.context["page"].number == 1


def test_facets_count_the_filtered_rows(client):
    sightings(5, city="Lahore")
    sightings(3, city="Karachi", claim_status="confirmed")
    response = client.get("/sightings/")
    facets = {facet["title"]: facet["items"] for facet in response.context["facets"]}
    cities = {item["label"]: item["count"] for item in facets["City"]}
    assert cities == {"Lahore": 5, "Karachi": 3}
    claims = {item["label"]: item["count"] for item in facets["Claim"]}
    assert claims == {"Reported": 5, "Confirmed": 3}
    filtered = client.get("/sightings/", {"city": "karachi"})
    facets = {facet["title"]: facet["items"] for facet in filtered.context["facets"]}
    assert {item["label"]: item["count"] for item in facets["City"]} == {"Karachi": 3}


def test_facets_beyond_the_count_limit_count_the_first_rows(client, small_pages):
    sightings(14)
    response = client.get("/sightings/")
    facets = {facet["title"]: facet["items"] for facet in response.context["facets"]}
    assert sum(item["count"] for item in facets["City"]) == 10


def test_the_city_filter_ignores_case(client):
    sightings(2, city="Karachi")
    sightings(1, city="Lahore")
    for city in ("karachi", "KARACHI", " Karachi "):
        assert len(client.get("/sightings/", {"city": city}).context["page"].object_list) == 2


def test_a_new_model_is_a_filter_choice_at_once(client):
    sightings(1)
    client.get("/sightings/")
    model = factories.VehicleModelFactory(name="Brand New")
    page = client.get("/sightings/").content.decode()
    assert f'value="{model.slug}"' in page
    # And the filter accepts it (choices are validated against the same fresh list).
    response = client.get("/sightings/", {"model": model.slug})
    assert response.context["errors"] == []


def test_a_new_exchange_rate_is_used_at_once(client):
    factories.ExchangeRateFactory(date=datetime.date(2024, 1, 1), rate=Decimal("280"))
    query = {"amount": "1", "from": "USD", "to": "PKR", "date": "2024-01-05"}
    first = client.get("/convert/", query)
    assert Decimal(first.json()["amount"]) == Decimal("280")
    factories.ExchangeRateFactory(date=datetime.date(2024, 1, 4), rate=Decimal("281.5"))
    second = client.get("/convert/", query)
    assert Decimal(second.json()["amount"]) == Decimal("281.5")


def test_page_one_thousand_costs_the_queries_page_one_costs(
    client, small_pages, django_assert_num_queries
):
    sightings(14)
    client.get("/sightings/")  # the filters' choices, once per data version
    with CaptureQueriesContext(connection) as first:
        client.get("/sightings/", {"page": 1, "sort": "-date"})
    with CaptureQueriesContext(connection) as deep:
        client.get("/sightings/", {"page": 3, "city": "lahore"})
    assert len(deep) == len(first)


# --- Indexes -----------------------------------------------------------------------------------


def indexed_first_columns(model):
    """Return the first column of every index on ``model``'s table (expression indexes give
    their expression's column as the model declares it)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    firsts = {info["columns"][0] for info in constraints.values() if info["columns"]}
    for index in model._meta.indexes:
        if index.expressions:
            firsts.add(f"lower:{index.expressions[0].source_expressions[0].name}")
    return firsts


LIST_VIEWS = [
    views.CompanyListView,
    views.ModelListView,
    views.PartnershipListView,
    views.SightingListView,
    views.PriceListView,
    views.EventListView,
    views.NewsListView,
    views.PersonListView,
    views.RateListView,
    views.StatementListView,
]


@pytest.mark.parametrize("view", LIST_VIEWS, ids=lambda view: view.__name__)
def test_every_sort_and_filter_on_a_column_of_the_list_has_an_index(view):
    model = view.filterset_class._meta.model
    firsts = indexed_first_columns(model)
    local = {field.name: field.column for field in model._meta.concrete_fields}
    missing = []
    for name in view.sortable():
        column = view.table_class.base_columns.get(name)
        first = column.order_by[0] if column is not None and column.order_by else ""
        if first in local and local[first] not in firsts:
            missing.append(f"sort {name} ({first})")
    for name, filter_ in view.filterset_class.base_filters.items():
        field = filter_.field_name
        if field not in local or filter_.method:
            continue
        wanted = f"lower:{field}" if isinstance(filter_, CaseInsensitiveFilter) else local[field]
        if wanted not in firsts:
            missing.append(f"filter {name} ({wanted})")
    assert not missing, f"{model.__name__} has no index for: {', '.join(missing)}"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_a_filtered_deep_page_reads_the_index_not_the_table():
    from django.http import QueryDict

    from entrants.filtersets import SightingFilterSet

    filterset = SightingFilterSet(QueryDict("city=karachi"), queryset=Sighting.objects.all())
    keys = filterset.qs.order_by("-date", "-pk").values("pk")[1000:1026]
    sql, params = keys.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX sighting_city_lower" in plan or "USING COVERING INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


# --- Charts at scale ---------------------------------------------------------------------------


def test_a_ten_thousand_point_price_history_is_under_100_kb_gzipped(client):
    model = factories.VehicleModelFactory()
    source = factories.NewsItemFactory()
    start = datetime.date(2020, 1, 1)
    for offset in range(0, 3000, 30):
        day = start + datetime.timedelta(days=offset)
        factories.ExchangeRateFactory(date=day, base="USD", quote="CNY", rate=Decimal("7.1"))
        factories.ExchangeRateFactory(date=day, base="USD", quote="PKR", rate=Decimal("280.25"))
    PricePoint.objects.bulk_create(
        PricePoint(
            vehicle_model=model,
            source=source,
            claim_status="reported",
            date=start + datetime.timedelta(days=index % 3000),
            date_precision="day",
            amount=Decimal(200000 + index),
            currency="CNY",
            market="CN" if index % 3 else "PK",
            kind=PricePoint.Kind.LAUNCH,
        )
        for index in range(10_000)
    )
    ExchangeRate.objects.first().save()  # bulk_create sends no signal: mark the data changed
    response = client.get(f"/models/{model.slug}/price-history.json", {"currency": "PKR"})
    assert response.status_code == 200
    data = response.json()
    assert sum(len(trace["x"]) for trace in data["figure"]["data"]) == 10_000
    figure = json.dumps(data["figure"], separators=(",", ":")).encode()
    assert len(gzip.compress(figure)) <= 100 * 1024
    assert len(data["rows"]) == 100
    assert "The latest 100 of 10,000 prices" in data["note"]
    # The model page carries the same chart and only the latest prices in its table.
    page = client.get(f"/models/{model.slug}/")
    assert len(page.context["prices"]) == 50
    assert "All prices of this model" in page.content.decode()


def test_a_short_price_history_keeps_its_detailed_hover_text(client):
    price = factories.PricePointFactory(currency="PKR", amount=Decimal("8550000"))
    response = client.get(f"/models/{price.vehicle_model.slug}/price-history.json")
    trace = response.json()["figure"]["data"][0]
    assert DETAILED_POINTS >= 1
    assert "As quoted: PKR 8,550,000" in trace["hovertext"][0]


def test_the_price_history_endpoint_refuses_a_bad_currency(client):
    model = factories.VehicleModelFactory()
    response = client.get(f"/models/{model.slug}/price-history.json", {"currency": "XXX"})
    assert response.status_code == 400
    assert "XXX" in response.json()["errors"][0]


def test_a_long_price_history_is_drawn_per_day_with_the_days_range(client, monkeypatch):
    from entrants import selectors

    monkeypatch.setattr(selectors, "SERIES_LIMIT", 50)
    model = factories.VehicleModelFactory()
    source = factories.NewsItemFactory()
    day = datetime.date(2024, 3, 1)
    factories.ExchangeRateFactory(date=day, base="USD", quote="CNY", rate=Decimal("7"))
    factories.ExchangeRateFactory(date=day, base="USD", quote="PKR", rate=Decimal("280"))
    PricePoint.objects.bulk_create(
        PricePoint(
            vehicle_model=model,
            source=source,
            claim_status="reported",
            date=day + datetime.timedelta(days=index % 20),
            date_precision="day",
            amount=Decimal(70000 + 700 * index),
            currency="CNY",
            market="CN",
            kind=PricePoint.Kind.LAUNCH,
        )
        for index in range(120)
    )
    ExchangeRate.objects.first().save()  # bulk_create sends no signal
    data = client.get(f"/models/{model.slug}/price-history.json").json()
    (trace,) = data["figure"]["data"]
    assert len(trace["x"]) == 20  # one point per day
    # The first day holds prices 0, 20, ..., 100: from CNY 70,000 to 140,000 = PKR 2.8-5.6m.
    first = trace["x"].index("2024-03-01")
    assert trace["y"][first] == 2_800_000
    assert trace["y"][first] + trace["error_y"]["array"][first] == 5_600_000
    assert trace["customdata"][first] == 6
    assert "of 120 prices" in data["title"]
    assert len(data["rows"]) == 100
    assert "The latest 100 of 120 prices" in data["note"]
