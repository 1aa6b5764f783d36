"""Reads that feed pages, charts and aggregates: each list's queryset with what it shows
selected up front, and the timelines of the detail pages."""

from itertools import chain

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q

from entrants.models import (
    Company,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    PricePoint,
    Sighting,
    Statement,
    VehicleModel,
)

PRESENT_IN_PAKISTAN = [
    VehicleModel.Stage.SIGHTED,
    VehicleModel.Stage.IMPORTED,
    VehicleModel.Stage.LAUNCHED,
    VehicleModel.Stage.LOCALLY_ASSEMBLED,
]

COUNTED_MODELS = [
    Company,
    VehicleModel,
    Partnership,
    Sighting,
    PricePoint,
    MarketEvent,
    Person,
    Statement,
    NewsItem,
    ExchangeRate,
]


def headline_counts():
    """Return (model options, count) for each kind of record the tracker holds."""
    return [(model._meta, model.objects.count()) for model in COUNTED_MODELS]


def active_in_pakistan():
    """Return a boolean expression: the company is Pakistani, has a model present in Pakistan,
    or partners with a Pakistani company."""
    models_here = VehicleModel.objects.filter(
        maker=OuterRef("pk"), stage_in_pakistan__in=PRESENT_IN_PAKISTAN
    )
    partners_here = Partnership.objects.filter(
        Q(company=OuterRef("pk"), partner__country="PK")
        | Q(partner=OuterRef("pk"), company__country="PK")
    ).exclude(status=Partnership.Status.DENIED)
    return ExpressionWrapper(
        Q(country="PK") | Exists(models_here) | Exists(partners_here),
        output_field=BooleanField(),
    )


def companies_for_list():
    return (
        Company.objects.annotate(
            active_in_pakistan=active_in_pakistan(),
            model_count=Count("vehicle_models", distinct=True),
        )
        .select_related("parent")
        .prefetch_related("aliases")
    )


def models_for_list():
    return VehicleModel.objects.select_related("maker").prefetch_related("prices")


def partnerships_for_list():
    return Partnership.objects.select_related("company", "partner", "source__publisher")


def sightings_for_list():
    return Sighting.objects.select_related(
        "vehicle_model__maker", "source__publisher", "reported_by"
    )


def prices_for_list():
    return PricePoint.objects.select_related(
        "vehicle_model__maker", "source__publisher"
    ).prefetch_related("stated_conversions__source__publisher")


def events_for_list():
    return MarketEvent.objects.select_related("source__publisher").prefetch_related(
        "companies", "vehicle_models__maker"
    )


def news_for_list():
    return NewsItem.objects.select_related("publisher").annotate(
        fact_count=Count("sightings", distinct=True)
        + Count("pricepoints", distinct=True)
        + Count("partnerships", distinct=True)
        + Count("marketevents", distinct=True)
        + Count("statements", distinct=True)
    )


def people_for_list():
    return Person.objects.select_related("organisation").annotate(
        statement_count=Count("statements", distinct=True)
    )


def latest_sightings(limit=5):
    return sightings_for_list().order_by("-date", "-pk")[:limit]


def latest_news(limit=5):
    return NewsItem.objects.select_related("publisher").order_by("-date", "-pk")[:limit]


def cited(queryset):
    """Select and prefetch what a fact's sources and status need on a page."""
    return queryset.select_related("source__publisher").prefetch_related("other_sources__publisher")


def company_detail(company):
    """Return everything known about ``company``, its facts as one dated timeline."""
    partnerships = cited(
        Partnership.objects.filter(Q(company=company) | Q(partner=company)).select_related(
            "company", "partner"
        )
    )
    sightings = cited(
        Sighting.objects.filter(vehicle_model__maker=company).select_related("vehicle_model__maker")
    )
    events = cited(MarketEvent.objects.filter(companies=company))
    statements = cited(
        Statement.objects.filter(Q(person__organisation=company) | Q(companies=company))
        .select_related("person")
        .distinct()
    )
    return {
        "models": company.vehicle_models.all(),
        "aliases": company.aliases.all(),
        "people": company.people.all(),
        "subsidiaries": company.subsidiaries.all(),
        "timeline": timeline(partnerships, sightings, events, statements),
        "news": NewsItem.objects.filter(Q(companies=company) | Q(publisher=company))
        .select_related("publisher")
        .distinct(),
    }


def model_detail(vehicle_model):
    """Return everything known about ``vehicle_model``."""
    return {
        "prices": cited(
            vehicle_model.prices.prefetch_related("stated_conversions__source__publisher")
        ).order_by("date", "amount"),
        "sightings": cited(vehicle_model.sightings.all()),
        "events": cited(vehicle_model.events.all()),
        "partnerships": cited(vehicle_model.partnerships.select_related("company", "partner")),
        "variants": VehicleModel.objects.filter(
            maker=vehicle_model.maker_id, name__iexact=vehicle_model.name
        ).exclude(pk=vehicle_model.pk),
        "aliases": vehicle_model.aliases.all(),
        "news": vehicle_model.news_mentions.select_related("publisher"),
    }


def person_detail(person):
    return {
        "statements": cited(person.statements.select_related("event")).order_by("-date"),
        "events": cited(person.events.all()),
        "news": person.news_mentions.select_related("publisher"),
    }


def news_detail(news_item):
    """Return the facts that ``news_item`` is the source for or also cited in."""
    facts = {
        "sightings": Sighting.objects.select_related("vehicle_model__maker"),
        "prices": PricePoint.objects.select_related("vehicle_model__maker"),
        "partnerships": Partnership.objects.select_related("company", "partner"),
        "events": MarketEvent.objects.all(),
        "statements": Statement.objects.select_related("person"),
    }
    return {
        name: cited(queryset.filter(Q(source=news_item) | Q(other_sources=news_item)).distinct())
        for name, queryset in facts.items()
    } | {
        "based_on": news_item.based_on.select_related("publisher"),
        "cited_by": news_item.cited_by.select_related("publisher"),
        "companies": news_item.companies.all(),
        "vehicle_models": news_item.vehicle_models.select_related("maker"),
        "people": news_item.people.all(),
    }


def timeline(*querysets):
    """Merge facts into one list, newest first, undated facts last."""
    facts = list(chain.from_iterable(querysets))
    dated = sorted((f for f in facts if f.date), key=lambda f: f.date, reverse=True)
    return dated + [f for f in facts if not f.date]


def exchange_rates():
    return ExchangeRate.objects.order_by("date", "base", "quote")
