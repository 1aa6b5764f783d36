"""The database itself refuses bad data (writes here bypass forms and ``full_clean``), deleting
a cited record is refused, and model validation explains mistakes in words an editor reads."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import ProtectedError, Value

from entrants.dates import DatePrecision
from entrants.models import (
    Company,
    CompanyAlias,
    ExchangeRate,
    NewsItem,
    Partnership,
    PricePoint,
    Sighting,
    StatedConversion,
    VehicleModel,
    VehicleModelAlias,
)
from tests.factories import (
    CompanyAliasFactory,
    CompanyFactory,
    ExchangeRateFactory,
    MarketEventFactory,
    NewsItemFactory,
    PartnershipFactory,
    PersonFactory,
    PricePointFactory,
    PublisherFactory,
    SightingFactory,
    StatedConversionFactory,
    StatementFactory,
    VehicleModelAliasFactory,
    VehicleModelFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by(*error_texts):
    """Expect the database to refuse the write in the block, naming the constraint that refused
    it, so that a write failing for some other reason (a missing column value) does not pass.

    PostgreSQL names every constraint; SQLite names a ``UniqueConstraint(fields=...)`` by its
    columns instead, so such a check passes both spellings."""
    # The savepoint keeps the test's transaction usable after the error on PostgreSQL.
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    assert any(text in message for text in error_texts), message


# Prices, conversions and exchange rates


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00")])
def test_price_amount_must_be_positive(amount):
    vehicle_model = VehicleModelFactory()
    source = NewsItemFactory()

    with refused_by("price_point_amount_positive"):
        PricePoint.objects.create(
            vehicle_model=vehicle_model, source=source, amount=amount, currency="CNY", market="CN"
        )

    assert not PricePoint.objects.exists()


def test_price_amount_cannot_be_updated_to_zero():
    price = PricePointFactory(amount=Decimal("215900.00"))

    with refused_by("price_point_amount_positive"):
        PricePoint.objects.filter(pk=price.pk).update(amount=Decimal("0"))

    price.refresh_from_db()
    assert price.amount == Decimal("215900.00")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-8400000.00")])
def test_stated_conversion_amount_must_be_positive(amount):
    price = PricePointFactory()

    with refused_by("stated_conversion_amount_positive"):
        StatedConversion.objects.create(
            price_point=price, source=price.source, amount=amount, currency="PKR"
        )


def test_one_stated_conversion_per_source_and_currency():
    conversion = StatedConversionFactory(currency="PKR")
    price, source = conversion.price_point, conversion.source

    with refused_by(
        "stated_conversion_one_per_source_currency",
        "UNIQUE constraint failed: entrants_statedconversion.price_point_id, "
        "entrants_statedconversion.source_id, entrants_statedconversion.currency",
    ):
        StatedConversion.objects.create(
            price_point=price, source=source, amount=Decimal("8500000.00"), currency="PKR"
        )

    StatedConversion.objects.create(
        price_point=price, source=source, amount=Decimal("30917.00"), currency="USD"
    )
    assert sorted(price.stated_conversions.values_list("currency", flat=True)) == ["PKR", "USD"]


@pytest.mark.parametrize("rate", [Decimal("0"), Decimal("-278.5")])
def test_exchange_rate_must_be_positive(rate):
    with refused_by("exchange_rate_positive"):
        ExchangeRate.objects.create(
            date=datetime.date(2024, 3, 1),
            base="USD",
            quote="PKR",
            rate=rate,
            source=ExchangeRate.Source.SBP_INTERBANK,
        )


def test_exchange_rate_currencies_must_differ():
    with refused_by("exchange_rate_distinct_currencies"):
        ExchangeRate.objects.create(
            date=datetime.date(2024, 3, 1),
            base="PKR",
            quote="PKR",
            rate=Decimal("1"),
            source=ExchangeRate.Source.SBP_INTERBANK,
        )


def test_one_exchange_rate_per_date_pair_and_source():
    first = ExchangeRateFactory(
        date=datetime.date(2024, 3, 1),
        base="USD",
        quote="PKR",
        source=ExchangeRate.Source.SBP_INTERBANK,
    )

    with refused_by(
        "exchange_rate_one_per_source",
        "UNIQUE constraint failed: entrants_exchangerate.date, entrants_exchangerate.base, "
        "entrants_exchangerate.quote, entrants_exchangerate.source",
    ):
        ExchangeRate.objects.create(
            date=first.date,
            base="USD",
            quote="PKR",
            rate=Decimal("279.1"),
            source=ExchangeRate.Source.SBP_INTERBANK,
        )

    # The open market quotes its own rate for the same day: both are kept.
    ExchangeRate.objects.create(
        date=first.date,
        base="USD",
        quote="PKR",
        rate=Decimal("280.2"),
        source=ExchangeRate.Source.SBP_OPEN_MARKET,
    )
    assert ExchangeRate.objects.filter(date=first.date).count() == 2


# Currency codes. The ORM upper-cases a code on every write (CurrencyField.to_python), so
# these updates write Value(...) expressions, which reach the database exactly as given, the
# way a raw SQL script or a bulk load would.

CURRENCY_COLUMNS = [
    pytest.param(PricePointFactory, "currency", "price_point_currency_iso", id="price"),
    pytest.param(
        StatedConversionFactory, "currency", "stated_conversion_currency_iso", id="conversion"
    ),
    pytest.param(ExchangeRateFactory, "base", "exchange_rate_base_iso", id="rate-base"),
    pytest.param(ExchangeRateFactory, "quote", "exchange_rate_quote_iso", id="rate-quote"),
]


@pytest.mark.parametrize("code", ["usd", "Usd", "US"])
@pytest.mark.parametrize(("factory", "column", "constraint"), CURRENCY_COLUMNS)
def test_currency_code_must_be_three_capital_letters(factory, column, constraint, code):
    record = factory()
    stored = getattr(record, column)

    with refused_by(constraint):
        type(record).objects.filter(pk=record.pk).update(**{column: Value(code)})

    record.refresh_from_db()
    assert getattr(record, column) == stored


@pytest.mark.parametrize(("factory", "column", "constraint"), CURRENCY_COLUMNS)
def test_currency_code_longer_than_three_letters_is_refused(factory, column, constraint):
    record = factory()
    stored = getattr(record, column)

    # PostgreSQL's varchar(3) refuses it before the check constraint can (a DataError); SQLite
    # does not enforce a varchar's length, so there the check constraint refuses it.
    with pytest.raises((DataError, IntegrityError)) as excinfo, transaction.atomic():
        type(record).objects.filter(pk=record.pk).update(**{column: Value("USDX")})

    message = str(excinfo.value)
    assert constraint in message or "value too long" in message, message
    record.refresh_from_db()
    assert getattr(record, column) == stored


def test_currency_code_written_in_lower_case_through_the_orm_is_stored_in_capitals():
    price = PricePoint.objects.create(
        vehicle_model=VehicleModelFactory(),
        source=NewsItemFactory(),
        amount=Decimal("30917.00"),
        currency=" usd",
        market="PK",
    )

    price.refresh_from_db()
    assert price.currency == "USD"


# Sightings, partnerships, vehicle models


def test_sighting_of_zero_units_is_refused():
    vehicle_model = VehicleModelFactory()
    source = NewsItemFactory()

    with refused_by("sighting_quantity_at_least_one"):
        Sighting.objects.create(
            vehicle_model=vehicle_model, source=source, place="Karachi port", quantity=0
        )


def test_sighting_cannot_be_updated_to_zero_units():
    sighting = SightingFactory(quantity=3)

    with refused_by("sighting_quantity_at_least_one"):
        Sighting.objects.filter(pk=sighting.pk).update(quantity=0)

    sighting.refresh_from_db()
    assert sighting.quantity == 3


def test_sighting_of_unknown_quantity_is_stored_as_unknown_not_zero():
    sighting = Sighting.objects.create(
        vehicle_model=VehicleModelFactory(),
        source=NewsItemFactory(),
        place="Karachi port",
        quantity=None,
    )

    sighting.refresh_from_db()
    assert sighting.quantity is None
    assert sighting.quantity_display == "unknown"


def test_company_cannot_partner_with_itself():
    company = CompanyFactory()
    source = NewsItemFactory()

    with refused_by("partnership_distinct_companies"):
        Partnership.objects.create(
            company=company, partner=company, scope="Local assembly", source=source
        )


def test_partnership_cannot_end_before_it_starts():
    company, partner = CompanyFactory.create_batch(2)
    source = NewsItemFactory()

    with refused_by("partnership_ends_after_start"):
        Partnership.objects.create(
            company=company,
            partner=partner,
            scope="Local assembly",
            source=source,
            date=datetime.date(2024, 5, 1),
            ended_on=datetime.date(2024, 4, 30),
        )

    Partnership.objects.create(
        company=company,
        partner=partner,
        scope="Local assembly",
        source=source,
        date=datetime.date(2024, 5, 1),
        ended_on=datetime.date(2024, 5, 1),
    )
    assert Partnership.objects.count() == 1


def test_company_cannot_be_its_own_parent():
    company = CompanyFactory()

    with refused_by("company_not_own_parent"):
        Company.objects.filter(pk=company.pk).update(parent=company)

    company.refresh_from_db()
    assert company.parent is None


@pytest.mark.parametrize("battery_kwh", [Decimal("0"), Decimal("-73.6")])
def test_battery_capacity_must_be_positive_when_known(battery_kwh):
    maker = CompanyFactory()

    with refused_by("vehicle_model_battery_positive"):
        VehicleModel.objects.create(maker=maker, name="SU7", battery_kwh=battery_kwh)


def test_range_must_be_positive_when_known():
    maker = CompanyFactory()

    with refused_by("vehicle_model_range_positive"):
        VehicleModel.objects.create(maker=maker, name="SU7", range_km=0)


def test_battery_and_range_may_be_unknown():
    vehicle_model = VehicleModel.objects.create(
        maker=CompanyFactory(), name="SU7", battery_kwh=None, range_km=None
    )

    vehicle_model.refresh_from_db()
    assert (vehicle_model.battery_kwh, vehicle_model.range_km) == (None, None)


# Case-insensitive names


def test_company_names_are_unique_ignoring_case():
    CompanyFactory(name="Xiaomi")

    with refused_by("company_name_unique_ci"):
        Company.objects.create(name="XIAOMI", slug="xiaomi-shouting")

    assert list(Company.objects.filter(name__iexact="xiaomi").values_list("name", flat=True)) == [
        "Xiaomi"
    ]


def test_company_aliases_are_unique_ignoring_case():
    first, second = CompanyFactory.create_batch(2)

    with refused_by("company_alias_unique_ci"):
        CompanyAlias.objects.bulk_create(
            [
                CompanyAlias(company=first, name="Air Link"),
                CompanyAlias(company=second, name="AIR LINK"),
            ]
        )

    assert not CompanyAlias.objects.exists()


def test_company_alias_cannot_be_taken_by_a_second_company():
    CompanyAliasFactory(name="Airlink")

    with refused_by("company_alias_unique_ci"):
        CompanyAlias.objects.create(company=CompanyFactory(), name="AIRLINK")


def test_vehicle_model_aliases_are_unique_ignoring_case():
    VehicleModelAliasFactory(name="Honri VE 0.3")

    with refused_by("vehicle_model_alias_unique_ci"):
        VehicleModelAlias.objects.create(vehicle_model=VehicleModelFactory(), name="honri ve 0.3")


def test_vehicle_model_is_unique_per_maker_name_and_variant_ignoring_case():
    xiaomi = CompanyFactory(name="Xiaomi")
    VehicleModelFactory(maker=xiaomi, name="SU7", variant="Max")

    with refused_by("vehicle_model_unique_ci"):
        VehicleModel.objects.create(maker=xiaomi, name="su7", variant="MAX", slug="su7-max-again")


def test_vehicle_model_variants_and_other_makers_coexist():
    xiaomi = CompanyFactory(name="Xiaomi")
    VehicleModelFactory(maker=xiaomi, name="SU7", variant="")
    VehicleModelFactory(maker=xiaomi, name="SU7", variant="Max")
    VehicleModelFactory(maker=CompanyFactory(name="Copycat Motors"), name="SU7", variant="Max")

    assert sorted(str(model) for model in VehicleModel.objects.all()) == [
        "Copycat Motors SU7 Max",
        "Xiaomi SU7",
        "Xiaomi SU7 Max",
    ]


# News items


def test_news_item_url_is_unique():
    first = NewsItemFactory(url="https://www.dawn.com/news/1861234")

    with refused_by("news_item_url_unique", "UNIQUE constraint failed: entrants_newsitem.url"):
        NewsItem.objects.create(
            publisher=first.publisher,
            headline="Same story, entered twice",
            url="https://www.dawn.com/news/1861234",
            date=first.date,
        )


def test_news_items_without_url_may_be_many():
    publisher = CompanyFactory(kind=Company.Kind.PUBLISHER)
    for headline in ("Print edition report", "Another print edition report"):
        NewsItem.objects.create(
            publisher=publisher, headline=headline, url="", date=datetime.date(2024, 9, 28)
        )

    assert NewsItem.objects.filter(url="").count() == 2


# Deleting a record that history depends on


def test_news_item_cited_by_a_sighting_cannot_be_deleted():
    sighting = SightingFactory()

    with pytest.raises(ProtectedError):
        sighting.source.delete()

    assert NewsItem.objects.filter(pk=sighting.source_id).exists()
    assert Sighting.objects.filter(pk=sighting.pk).exists()


def test_company_with_vehicle_models_cannot_be_deleted():
    vehicle_model = VehicleModelFactory()

    with pytest.raises(ProtectedError):
        vehicle_model.maker.delete()

    assert VehicleModel.objects.filter(pk=vehicle_model.pk).exists()


def test_vehicle_model_with_prices_cannot_be_deleted():
    price = PricePointFactory()

    with pytest.raises(ProtectedError):
        price.vehicle_model.delete()

    assert PricePoint.objects.filter(pk=price.pk).exists()


# Model validation, as the admin runs it


def test_month_precise_news_date_must_be_the_first_of_the_month():
    news_item = NewsItemFactory.build(
        publisher=PublisherFactory(),
        date=datetime.date(2024, 3, 15),
        date_precision=DatePrecision.MONTH,
    )

    with pytest.raises(ValidationError) as excinfo:
        news_item.full_clean()

    [message] = excinfo.value.message_dict["date"]
    assert "known only to the month" in message
    assert "2024-03-01 for March 2024" in message


def test_month_precise_fact_date_must_be_the_first_of_the_month():
    sighting = SightingFactory.build(
        vehicle_model=VehicleModelFactory(),
        source=NewsItemFactory(),
        date=datetime.date(2024, 3, 15),
        date_precision=DatePrecision.MONTH,
    )

    with pytest.raises(ValidationError) as excinfo:
        sighting.full_clean()

    [message] = excinfo.value.message_dict["date"]
    assert "2024-03-01" in message


def test_unknown_currency_code_is_explained():
    price = PricePointFactory.build(
        vehicle_model=VehicleModelFactory(), source=NewsItemFactory(), currency="XYZ"
    )

    with pytest.raises(ValidationError) as excinfo:
        price.full_clean()

    [message] = excinfo.value.message_dict["currency"]
    assert "“XYZ” is not an ISO 4217 currency code" in message


def test_duplicate_company_name_in_other_capitals_is_explained():
    CompanyFactory(name="Xiaomi")

    with pytest.raises(ValidationError) as excinfo:
        Company(name="XIAOMI").full_clean()

    assert excinfo.value.messages == [
        "A company with this name already exists (names are compared ignoring capital "
        "letters). Edit that company, or add this spelling as its alias."
    ]


@pytest.mark.parametrize(
    "factory",
    [
        CompanyFactory,
        CompanyAliasFactory,
        VehicleModelFactory,
        VehicleModelAliasFactory,
        PersonFactory,
        NewsItemFactory,
        PartnershipFactory,
        SightingFactory,
        PricePointFactory,
        StatedConversionFactory,
        ExchangeRateFactory,
        MarketEventFactory,
        StatementFactory,
    ],
)
def test_factory_defaults_pass_model_validation(factory):
    record = factory()

    record.full_clean()
