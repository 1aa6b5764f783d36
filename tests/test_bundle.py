"""The one-query reader of detail pages and list rows (``entrants.bundle``): what it builds must
be what the ORM reads, field for field, relation for relation, in the same order."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, Exists, Max, OuterRef, Prefetch

from entrants import bundle
from entrants.bundle import Children, Part
from entrants.models import (
    Company,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    PricePoint,
    Sighting,
    StatedConversion,
    VehicleModel,
)
from tests import factories

pytestmark = pytest.mark.django_db


def values_of(row):
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def test_rows_hold_exactly_what_the_orm_reads():
    # Amounts and rates at their full precision, a partial date, a time with microseconds,
    # booleans, UUIDs and country codes: each kind of column the tracker has.
    price = factories.PricePointFactory(amount=Decimal("12345678901234.57"), market="PK")
    factories.StatedConversionFactory(price_point=price, is_approximate=False)
    factories.ExchangeRateFactory(rate=Decimal("0.0001234567"))
    factories.ExchangeRateFactory(rate=Decimal("1234567890.1234567891"))
    factories.SightingFactory(quantity=None, date=None, reported_by=factories.PublisherFactory())
    factories.VehicleModelFactory(battery_kwh=None, range_km=None)
    for model in (PricePoint, StatedConversion, ExchangeRate, Sighting, VehicleModel, Company):
        expected = {row.pk: values_of(row) for row in model.objects.all()}
        read = bundle.read(rows=Part(model.objects.all()))["rows"]
        assert {row.pk: values_of(row) for row in read} == expected, model.__name__
        assert all(not row._state.adding for row in read)
    rates = bundle.read(rows=Part(ExchangeRate.objects.all()))["rows"]
    assert Decimal("0.0001234567") in {rate.rate for rate in rates}
    assert all(type(rate.rate) is Decimal for rate in rates)


def test_news_text_is_left_out_unless_asked_for(django_assert_num_queries):
    factories.NewsItemFactory(body="The whole article.")
    light = bundle.read(news=Part(NewsItem.objects.all()))["news"][0]
    assert "body" in light.get_deferred_fields()
    whole = bundle.read(news=Part(NewsItem.objects.all(), keep=("body",)))["news"][0]
    with django_assert_num_queries(0):
        assert whole.body == "The whole article."


def test_parts_come_back_in_their_querysets_order_with_limit_and_offset():
    model = factories.VehicleModelFactory()
    dates = [datetime.date(2024, 1, day) for day in (5, 1, 9, 3, 7)]
    for day in dates:
        factories.PricePointFactory(vehicle_model=model, date=day)
    newest = PricePoint.objects.order_by("-date", "-pk")
    rows = bundle.read(
        all=Part(newest),
        some=Part(newest, limit=2, offset=1),
        oldest=Part(PricePoint.objects.order_by("date"), limit=1),
    )
    assert [p.date.day for p in rows["all"]] == [9, 7, 5, 3, 1]
    assert [p.date.day for p in rows["some"]] == [7, 5]
    assert [p.date.day for p in rows["oldest"]] == [1]


def test_related_rows_and_children_cost_no_further_query(django_assert_num_queries):
    price = factories.PricePointFactory()
    price.other_sources.add(factories.NewsItemFactory(), factories.NewsItemFactory())
    factories.StatedConversionFactory(price_point=price, currency="USD", amount=Decimal("30000"))
    factories.StatedConversionFactory(price_point=price, currency="PKR")
    bare = factories.PricePointFactory()
    event = factories.MarketEventFactory()
    event.companies.add(factories.CompanyFactory(name="B"), factories.CompanyFactory(name="A"))
    expected_sources = {n.publisher.name for n in price.other_sources.all()}
    expected_text = str(price)
    with django_assert_num_queries(1):
        rows = bundle.read(
            prices=Part(
                PricePoint.objects.order_by("pk"),
                related=("vehicle_model__maker", "source__publisher"),
                children=(
                    Children("other_sources", ("publisher",)),
                    Children("stated_conversions", ("source__publisher",)),
                ),
            ),
            events=Part(MarketEvent.objects.all(), children=(Children("companies"),)),
        )
    with django_assert_num_queries(0):
        first, second = rows["prices"]
        assert first.vehicle_model.maker == price.vehicle_model.maker
        assert str(first) == expected_text
        assert first.source.publisher.name == price.source.publisher.name
        assert {n.publisher.name for n in first.other_sources.all()} == expected_sources
        # In the relation's own order (stated conversions by currency), each pointing back.
        assert [c.currency for c in first.stated_conversions.all()] == ["PKR", "USD"]
        assert all(c.price_point is first for c in first.stated_conversions.all())
        assert list(second.other_sources.all()) == []
        assert list(second.stated_conversions.all()) == []
        assert second.pk == bare.pk
        assert [c.name for c in rows["events"][0].companies.all()] == ["A", "B"]


def test_an_empty_foreign_key_is_none_without_a_query(django_assert_num_queries):
    factories.SightingFactory(reported_by=None)
    rows = bundle.read(rows=Part(Sighting.objects.all(), related=("reported_by",)))["rows"]
    with django_assert_num_queries(0):
        assert rows[0].reported_by is None


def test_a_part_of_a_queryset_reads_as_iterating_it_would(django_assert_num_queries):
    for _ in range(3):
        model = factories.VehicleModelFactory()
        for _ in range(model.pk):
            factories.PricePointFactory(vehicle_model=model)
    queryset = (
        VehicleModel.objects.select_related("maker")
        .prefetch_related("prices")
        .annotate(n=Count("prices"))
        .order_by("-n")
    )
    expected = [(m.pk, m.n, m.maker.name, sorted(p.pk for p in m.prices.all())) for m in queryset]
    rows = bundle.read(rows=Part.of(queryset))["rows"]
    with django_assert_num_queries(0):
        got = [(m.pk, m.n, m.maker.name, sorted(p.pk for p in m.prices.all())) for m in rows]
    assert got == expected


def test_annotations_come_back_as_their_fields_hold_them():
    model = factories.VehicleModelFactory()
    factories.PricePointFactory(vehicle_model=model, date=datetime.date(2024, 5, 1))
    queryset = VehicleModel.objects.annotate(
        priced=Exists(PricePoint.objects.filter(vehicle_model=OuterRef("pk"))),
        last_priced=Max("prices__date"),
        top=Max("prices__amount"),
    )
    (row,) = bundle.read(rows=Part.of(queryset))["rows"]
    assert row.priced is True
    assert row.last_priced == datetime.date(2024, 5, 1)
    assert row.top == Decimal("215900.00")


def test_a_path_below_an_empty_foreign_key_is_left_empty(django_assert_num_queries):
    factories.SightingFactory(reported_by=None)
    rows = bundle.read(rows=Part(Sighting.objects.all(), related=("reported_by__parent",)))
    with django_assert_num_queries(0):
        assert rows["rows"][0].reported_by is None


def test_a_filter_across_a_to_many_relation_gives_each_row_once():
    event = factories.MarketEventFactory()
    event.companies.add(factories.CompanyFactory(), factories.CompanyFactory())
    queryset = MarketEvent.objects.filter(companies__in=Company.objects.all())
    assert queryset.count() == 2  # the join repeats the event
    assert [e.pk for e in bundle.read(rows=Part.of(queryset))["rows"]] == [event.pk]


def test_what_it_cannot_read_is_refused_in_words():
    with pytest.raises(ValueError, match="name the relations"):
        Part.of(Sighting.objects.select_related())
    with pytest.raises(ValueError, match="named twice"):
        bundle.read(rows=Part(NewsItem.objects.all(), children=(Children("companies"),) * 2))
    with pytest.raises(ValueError, match="may only select"):
        Part.of(
            PricePoint.objects.prefetch_related(
                Prefetch("stated_conversions", StatedConversion.objects.filter(currency="PKR"))
            )
        )
    with pytest.raises(ValueError, match="reverse foreign keys"):
        bundle.read(rows=Part(VehicleModel.objects.all(), children=(Children("maker"),)))
