"""factory_boy factories for every model in ``entrants.models``.

Defaults describe a plausible, valid record (each passes ``full_clean()``); override only what a
test is about. Money and rates are ``Decimal``, never float.
"""

import datetime
from decimal import Decimal

import factory
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from entrants.dates import DatePrecision
from entrants.models import (
    ClaimStatus,
    Company,
    CompanyAlias,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    Place,
    PricePoint,
    Sighting,
    StatedConversion,
    Statement,
    VehicleModel,
    VehicleModelAlias,
)


def sequenced_slug(*attributes):
    """Return a declaration that slugifies ``attributes`` and adds the sequence number, so that
    slugs stay unique even when a test reuses a name."""
    return factory.LazyAttributeSequence(
        lambda obj, n: f"{slugify(' '.join(str(getattr(obj, a)) for a in attributes))}-{n}"
    )


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Maker {n}")
    slug = sequenced_slug("name")
    kind = Company.Kind.MANUFACTURER
    country = "CN"


class PublisherFactory(CompanyFactory):
    name = factory.Sequence(lambda n: f"Publisher {n}")
    kind = Company.Kind.PUBLISHER
    country = "PK"


class CompanyAliasFactory(DjangoModelFactory):
    class Meta:
        model = CompanyAlias

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class VehicleModelFactory(DjangoModelFactory):
    class Meta:
        model = VehicleModel

    maker = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Model {n}")
    variant = ""
    slug = sequenced_slug("name", "variant")
    body_type = VehicleModel.BodyType.SEDAN
    powertrain = VehicleModel.Powertrain.BEV
    battery_kwh = Decimal("73.6")
    range_km = 700
    stage_in_pakistan = VehicleModel.Stage.RUMOURED


class VehicleModelAliasFactory(DjangoModelFactory):
    class Meta:
        model = VehicleModelAlias

    vehicle_model = factory.SubFactory(VehicleModelFactory)
    name = factory.Sequence(lambda n: f"Model alias {n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = sequenced_slug("name")
    role = "CEO"
    organisation = factory.SubFactory(CompanyFactory)


class NewsItemFactory(DjangoModelFactory):
    class Meta:
        model = NewsItem

    publisher = factory.SubFactory(PublisherFactory)
    headline = factory.Sequence(lambda n: f"EV maker plans Pakistan entry, report {n}")
    slug = sequenced_slug("headline")
    url = factory.Sequence(lambda n: f"https://news.example.pk/ev/{n}")
    date = datetime.date(2024, 9, 28)
    date_precision = DatePrecision.DAY


class FactFactory(DjangoModelFactory):
    """Shared defaults of every reported fact: a source, a claim status and a day-precise date."""

    class Meta:
        abstract = True

    source = factory.SubFactory(NewsItemFactory)
    claim_status = ClaimStatus.REPORTED
    date = factory.SelfAttribute("source.date")
    date_precision = DatePrecision.DAY


class PartnershipFactory(FactFactory):
    class Meta:
        model = Partnership

    company = factory.SubFactory(CompanyFactory, kind=Company.Kind.LOCAL_ASSEMBLER, country="PK")
    partner = factory.SubFactory(CompanyFactory)
    kind = Partnership.Kind.ASSEMBLY
    scope = factory.Sequence(lambda n: f"Local assembly of electric cars, deal {n}")
    status = Partnership.Status.REPORTED


class PlaceFactory(DjangoModelFactory):
    """An extra place (not a GeoNames city), as fixtures/places.csv lists them."""

    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Dry port {n}")
    country = "PK"
    latitude = Decimal("24.835000")
    longitude = Decimal("66.982000")
    source_url = factory.Sequence(lambda n: f"https://en.wikipedia.org/wiki/Dry_port_{n}")


class SightingFactory(FactFactory):
    class Meta:
        model = Sighting

    vehicle_model = factory.SubFactory(VehicleModelFactory)
    place = "Karachi port"
    city = "Karachi"
    quantity = 1


class PricePointFactory(FactFactory):
    class Meta:
        model = PricePoint

    vehicle_model = factory.SubFactory(VehicleModelFactory)
    amount = Decimal("215900.00")
    currency = "CNY"
    market = "CN"
    kind = PricePoint.Kind.LAUNCH


class StatedConversionFactory(DjangoModelFactory):
    class Meta:
        model = StatedConversion

    price_point = factory.SubFactory(PricePointFactory)
    source = factory.SelfAttribute("price_point.source")
    amount = Decimal("8400000.00")
    currency = "PKR"
    is_approximate = True


class ExchangeRateFactory(DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    date = factory.Sequence(lambda n: datetime.date(2024, 1, 1) + datetime.timedelta(days=n))
    base = "USD"
    quote = "PKR"
    rate = Decimal("278.5000000000")
    source = ExchangeRate.Source.SBP_INTERBANK


class MarketEventFactory(FactFactory):
    class Meta:
        model = MarketEvent

    kind = MarketEvent.Kind.LAUNCH
    title = factory.Sequence(lambda n: f"Launch event {n}")
    place = "Expo Centre"
    city = "Lahore"
    country = "PK"


class StatementFactory(FactFactory):
    class Meta:
        model = Statement

    person = factory.SubFactory(PersonFactory)
    text = "We will bring our electric cars to Pakistan next year."
    kind = Statement.Kind.DIRECT_QUOTE
    context = "At a press conference"


def build_related_rows(count):
    """Create ``count`` of everything, each with related rows (every relation a list, a feed
    or the API shows), so that an N+1 would show."""
    for _ in range(count):
        news = NewsItemFactory()
        model = VehicleModelFactory(maker=CompanyFactory(parent=CompanyFactory()))
        CompanyAliasFactory(company=model.maker)
        VehicleModelAliasFactory(vehicle_model=model)
        person = PersonFactory(organisation=model.maker)
        news.companies.add(model.maker)
        news.vehicle_models.add(model)
        news.people.add(person)
        price = PricePointFactory(vehicle_model=model, source=news)
        StatedConversionFactory(price_point=price, source=news)
        price.other_sources.add(NewsItemFactory())
        SightingFactory(
            vehicle_model=model,
            source=news,
            kind=Sighting.Kind.IMPORTED,
            importer=CompanyFactory(),
            reported_by=CompanyFactory(),
        ).other_sources.add(NewsItemFactory())
        PartnershipFactory(partner=model.maker, source=news).vehicle_models.add(model)
        event = MarketEventFactory(source=news)
        event.companies.add(model.maker)
        event.vehicle_models.add(model)
        event.people.add(person)
        statement = StatementFactory(person=person, source=news, event=event)
        statement.companies.add(model.maker)
        statement.vehicle_models.add(model)
    ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.1"))
