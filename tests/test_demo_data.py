"""generate_demo_data: synthetic data of the stated size, marked as synthetic, the same for the
same seed, skewed like the real market, and never mixed into the reference data."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse

from entrants.currency import RateTable
from entrants.dates import partial_date_error
from entrants.demo import SYNTHETIC
from entrants.models import (
    Company,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    PricePoint,
    Sighting,
    StatedConversion,
    Statement,
    VehicleModel,
)
from tests.factories import CompanyFactory, ExchangeRateFactory, NewsItemFactory

pytestmark = pytest.mark.django_db

FACT_MODELS = (Sighting, PricePoint, Partnership, MarketEvent, Statement)


def generate(*args):
    """Run ``generate_demo_data --size S`` with ``args``; return what it wrote to stdout."""
    stdout = StringIO()
    call_command("generate_demo_data", "--size", "S", *args, stdout=stdout, stderr=StringIO())
    return stdout.getvalue()


def first_rows():
    """Return the first rows of each kind as the seed decides them (primary keys aside: the
    database hands those out)."""
    return {
        "companies": list(Company.objects.order_by("pk").values_list("slug", "kind")[:10]),
        "models": list(VehicleModel.objects.order_by("pk").values_list("slug", "battery_kwh")[:10]),
        "news": list(NewsItem.objects.order_by("pk").values_list("slug", "date")[:10]),
        "sightings": list(
            Sighting.objects.order_by("pk").values_list(
                "uuid", "vehicle_model__slug", "city", "place", "quantity", "date", "source__slug"
            )[:20]
        ),
        "prices": list(
            PricePoint.objects.order_by("pk").values_list("uuid", "amount", "currency", "date")[:20]
        ),
        "rates": list(ExchangeRate.objects.order_by("pk").values_list("date", "rate")[:10]),
    }


@pytest.fixture(scope="class")
def size_s(django_db_setup, django_db_blocker):
    """Generate size S (default seed) once for a class's tests, in a transaction rolled back
    after them; each test runs in a savepoint inside it, so it may change the data too."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield generate()
        transaction.set_rollback(True)


class TestSizeS:
    """One size-S load, shared: it takes a second or two to generate."""

    def test_has_the_stated_counts(self, size_s):
        assert Sighting.objects.count() == 1_000
        assert PricePoint.objects.count() == 1_000
        assert Company.objects.count() == 20
        assert VehicleModel.objects.count() == 100
        assert NewsItem.objects.count() == 500
        assert "1,000 sightings" in size_s
        assert "1,000 price points" in size_s

    def test_every_record_says_it_is_synthetic(self, size_s):
        publisher = Company.objects.get(name=SYNTHETIC)
        companies = Company.objects.exclude(pk=publisher.pk)
        assert not companies.exclude(name__startswith="Demo ").exists()
        assert not VehicleModel.objects.exclude(name__startswith="Demo ").exists()
        assert not Person.objects.exclude(name__startswith="Demo ").exists()
        assert not NewsItem.objects.exclude(publisher=publisher).exists()
        assert not NewsItem.objects.exclude(headline__startswith="Demo ").exists()
        assert not NewsItem.objects.exclude(summary__contains=SYNTHETIC).exists()
        for model in FACT_MODELS:
            assert model.objects.exists()
            assert not model.objects.exclude(notes=SYNTHETIC).exists(), model
        assert not ExchangeRate.objects.exclude(notes=SYNTHETIC).exists()

    def test_same_seed_gives_the_same_rows_whatever_the_batch_size(self, size_s):
        first = first_rows()
        generate("--replace", "--batch-size", "37")
        assert first_rows() == first
        generate("--seed", "2", "--replace")
        other = first_rows()
        assert other["sightings"] != first["sightings"]
        assert other["rates"] != first["rates"]

    def test_most_sightings_are_in_karachi_and_of_a_few_models(self, size_s):
        cities = list(
            Sighting.objects.values_list("city").annotate(n=Count("pk")).order_by("-n", "city")
        )
        assert cities[0][0] == "Karachi"
        assert cities[0][1] > 3 * cities[4][1]
        assert len(cities) > 10  # a long tail of other cities
        per_model = sorted(
            VehicleModel.objects.annotate(n=Count("sightings")).values_list("n", flat=True),
            reverse=True,
        )
        assert sum(per_model[:10]) > sum(per_model) / 3  # the top tenth has over a third

    def test_quantities_are_unknown_for_some_and_never_zero(self, size_s):
        assert Sighting.objects.filter(quantity__isnull=True).count() > 100
        assert Sighting.objects.filter(quantity__gte=1).count() > 500
        assert not Sighting.objects.filter(quantity=0).exists()

    def test_dates_known_to_the_month_or_year_are_firsts(self, size_s):
        month = Sighting.objects.filter(date_precision="month").values_list("date", flat=True)
        assert month and all(date.day == 1 for date in month)
        year = PricePoint.objects.filter(date_precision="year").values_list("date", flat=True)
        assert year and all((date.month, date.day) == (1, 1) for date in year)
        for model in (*FACT_MODELS, NewsItem):
            for date, precision in model.objects.values_list("date", "date_precision"):
                assert partial_date_error(date, precision) is None, (model, date, precision)
        assert Sighting.objects.filter(date_precision="day").count() > 700

    def test_rates_drift_as_decimals_and_convert_every_price(self, size_s):
        usd_pkr = ExchangeRate.objects.filter(base="USD", quote="PKR", source="sbp_interbank")
        first, last = usd_pkr.order_by("date")[0], usd_pkr.order_by("-date")[0]
        assert isinstance(first.rate, Decimal)
        assert (last.date - first.date).days > 3 * 360
        assert Decimal(150) < first.rate < last.rate < Decimal(400)
        assert ExchangeRate.objects.filter(quote="CNY", source="pboc_parity").count() > 700
        assert ExchangeRate.objects.filter(quote="CNY", source="offshore_cnh").exists()

        table = RateTable.load()
        for price in PricePoint.objects.exclude(date=None):
            converted = table.convert(price.amount, price.currency, "PKR", price.date)
            assert not converted.missing and not converted.stale, price
            assert converted.amount > 0

    def test_prices_are_plausible_with_some_stated_conversions(self, size_s):
        markets = set(PricePoint.objects.values_list("currency", "market").distinct())
        assert {("CNY", "CN"), ("PKR", "PK"), ("USD", "PK")} <= markets
        yuan = PricePoint.objects.filter(currency="CNY").values_list("amount", flat=True)
        assert all(Decimal(40_000) < amount < Decimal(600_000) for amount in yuan)
        stated = StatedConversion.objects.select_related("price_point")
        assert 20 < stated.count() < 400
        assert all(s.currency != s.price_point.currency for s in stated)

    def test_refuses_existing_demo_data_without_replace(self, size_s):
        with pytest.raises(CommandError, match="--replace"):
            generate()
        assert Sighting.objects.count() == 1_000

    def test_replace_deletes_the_earlier_demo_data(self, size_s):
        before = set(Sighting.objects.values_list("uuid", flat=True))
        old_pks = list(Sighting.objects.values_list("pk", flat=True))
        assert Sighting.other_sources.through.objects.filter(sighting__in=old_pks).exists()
        generate("--seed", "3", "--replace")
        assert Sighting.objects.count() == 1_000
        assert PricePoint.objects.count() == 1_000
        assert Company.objects.count() == 20
        assert NewsItem.objects.count() == 500
        assert not before & set(Sighting.objects.values_list("uuid", flat=True))
        assert not Sighting.other_sources.through.objects.filter(sighting__in=old_pks).exists()

    def test_the_sightings_page_shows_demo_data(self, size_s, client):
        response = client.get(reverse("entrants:sighting_list"), {"city": "karachi"})
        assert response.status_code == 200
        assert "Demo " in response.content.decode()
        assert "Karachi" in response.content.decode()


def test_refuses_a_database_with_the_reference_data(reference_data):
    with pytest.raises(CommandError, match="separate database") as refusal:
        generate()
    assert "reference data loads" in str(refusal.value)
    assert "DATABASE_URL=sqlite:///demo.sqlite3" in str(refusal.value)
    assert not Company.objects.filter(name__startswith="Demo ").exists()


@pytest.mark.parametrize("factory", [NewsItemFactory, ExchangeRateFactory, CompanyFactory])
def test_refuses_any_real_record_even_with_replace(factory):
    factory()
    with pytest.raises(CommandError, match="separate database"):
        generate("--replace")
    assert not Sighting.objects.exists()
    assert not Company.objects.filter(name__startswith="Demo ").exists()
