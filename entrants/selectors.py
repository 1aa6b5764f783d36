"""Reads that feed pages, charts and aggregates: each list's queryset with what it shows
selected up front, and the timelines of the detail pages."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django_countries.fields import Country

from entrants.cache import per_data_version
from entrants.models import (
    ClaimStatus,
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
    """Return (model options, count) for each kind of record the tracker holds: one query,
    once per data version (only a write changes them)."""
    return per_data_version("headline-counts", _count_every_model)


def _count_every_model():
    parts = [
        model.objects.order_by()
        .annotate(counted=Value(index))
        .values("counted")
        .annotate(n=Count("pk"))
        .values("counted", "n")
        for index, model in enumerate(COUNTED_MODELS)
    ]
    counts = {row["counted"]: row["n"] for row in parts[0].union(*parts[1:], all=True)}
    return [(model._meta, counts.get(index, 0)) for index, model in enumerate(COUNTED_MODELS)]


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
            model_count=count_of(VehicleModel.objects.all(), "maker"),
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


# A price's stated conversions with their sources, in one query (not one per relation).
STATED_CONVERSIONS = Prefetch(
    "stated_conversions",
    queryset=StatedConversion.objects.select_related("source__publisher"),
)


def prices_for_list():
    return PricePoint.objects.select_related(
        "vehicle_model__maker", "source__publisher"
    ).prefetch_related(STATED_CONVERSIONS)


def events_for_list():
    return MarketEvent.objects.select_related("source__publisher").prefetch_related("companies")


def count_of(queryset, field):
    """Return a subquery counting the rows of ``queryset`` whose ``field`` is the outer row:
    computed for the rows a page shows, where a JOIN and GROUP BY would count every row."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def news_for_list():
    """News items with how many facts cite each as their source."""
    return NewsItem.objects.select_related("publisher").annotate(
        fact_count=sum(
            (
                count_of(model.objects.all(), "source")
                for model in (Sighting, PricePoint, Partnership, MarketEvent, Statement)
            ),
            start=Value(0),
        )
    )


def people_for_list():
    return Person.objects.select_related("organisation").annotate(
        statement_count=count_of(Statement.objects.all(), "person")
    )


def latest_sightings(limit=5):
    return sightings_for_list().order_by("-date", "-pk")[:limit]


def latest_news(limit=5):
    return NewsItem.objects.select_related("publisher").order_by("-date", "-pk")[:limit]


def cited(queryset):
    """Select and prefetch what a fact's sources and status need on a page."""
    return queryset.select_related("source__publisher").prefetch_related("other_sources__publisher")


DETAIL_ROWS = 50


def latest(queryset, limit=DETAIL_ROWS):
    """Return the latest ``limit`` rows of ``queryset`` and whether there are more."""
    rows = list(queryset.order_by("-date", "-pk")[: limit + 1])
    return rows[:limit], len(rows) > limit


def company_detail(company):
    """Return everything known about ``company``, its facts as one dated timeline (the latest
    ``DETAIL_ROWS`` of each kind; the lists have the rest)."""
    partnerships, more_partnerships = latest(
        cited(
            Partnership.objects.filter(Q(company=company) | Q(partner=company)).select_related(
                "company", "partner"
            )
        )
    )
    sightings, more_sightings = latest(
        cited(
            Sighting.objects.filter(vehicle_model__maker=company).select_related(
                "vehicle_model__maker"
            )
        )
    )
    events, more_events = latest(cited(MarketEvent.objects.filter(companies=company)))
    statements, more_statements = latest(
        cited(
            Statement.objects.filter(Q(person__organisation=company) | Q(companies=company))
            .select_related("person")
            .distinct()
        )
    )
    news, more_news = latest(
        NewsItem.objects.filter(Q(companies=company) | Q(publisher=company))
        .select_related("publisher")
        .distinct()
    )
    return {
        "models": company.vehicle_models.all(),
        "aliases": company.aliases.all(),
        "people": company.people.all(),
        "subsidiaries": company.subsidiaries.all(),
        "timeline": timeline(partnerships, sightings, events, statements),
        "timeline_cut": more_partnerships or more_sightings or more_events or more_statements,
        "detail_rows": DETAIL_ROWS,
        "news": news,
        "more_news": more_news,
    }


@dataclass(slots=True)
class Market:
    """A market's code and name, looked up once per code (a Country's name is a translation
    lookup on every access)."""

    code: str
    name: str


@dataclass(slots=True)
class PriceRow:
    """A price with only what a history chart needs: ten thousand of these cost a tenth of
    what as many model instances do."""

    date: datetime.date | None
    date_precision: str
    amount: Decimal
    currency: str
    market: Market
    kind: str
    claim_status: str
    converted: object = None

    def get_kind_display(self):
        return PricePoint.Kind(self.kind).label

    def get_claim_status_display(self):
        return ClaimStatus(self.claim_status).label


SERIES_LIMIT = 10_000
TABLE_ROWS = 100


@dataclass(slots=True)
class DailyPrices:
    """The prices of one day in one market and currency: how many, the lowest, the highest."""

    date: datetime.date
    market: Market
    currency: str
    count: int
    low: Decimal
    high: Decimal
    converted_low: object = None
    converted_high: object = None


@dataclass
class PriceSeries:
    """A model's price history: every price (``rows``), or past ``SERIES_LIMIT`` prices the
    latest ``TABLE_ROWS`` of them and the rest summed up per day (``daily``)."""

    rows: list
    total: int
    daily: list | None = None


def price_series(vehicle_model):
    """Return the price history of ``vehicle_model``: one query for up to ``SERIES_LIMIT``
    prices; past that, three (the count, the latest prices, and per day and market the
    lowest and highest price), so that 130,000 prices cost what a few thousand days do."""
    markets = {}

    def market(code):
        if code not in markets:
            markets[code] = Market(str(code), Country(code=code).name if code else "")
        return markets[code]

    prices = PricePoint.objects.filter(vehicle_model=vehicle_model)
    fields = ("date", "date_precision", "amount", "currency", "market", "kind", "claim_status")

    def read(queryset):
        return [
            PriceRow(date, precision, amount, currency, market(code), kind, status)
            for date, precision, amount, currency, code, kind, status in queryset.values_list(
                *fields
            )
        ]

    rows = read(prices.order_by("date", "pk")[: SERIES_LIMIT + 1])
    if len(rows) <= SERIES_LIMIT:
        return PriceSeries(rows, len(rows))
    daily = [
        DailyPrices(
            day["date"], market(day["market"]), day["currency"], day["n"], day["low"], day["high"]
        )
        for day in prices.exclude(date=None)
        .values("date", "market", "currency")
        .annotate(n=Count("pk"), low=Min("amount"), high=Max("amount"))
        .order_by("date", "market", "currency")
    ]
    latest = read(prices.order_by("-date", "-pk")[:TABLE_ROWS])
    return PriceSeries(latest, prices.count(), daily)


def model_detail(vehicle_model):
    """Return everything known about ``vehicle_model``: its latest prices, sightings, events
    and partnerships (``DETAIL_ROWS`` of each; the lists have the rest)."""
    prices, more_prices = latest(cited(vehicle_model.prices.prefetch_related(STATED_CONVERSIONS)))
    sightings, more_sightings = latest(cited(vehicle_model.sightings.all()))
    events, more_events = latest(cited(vehicle_model.events.all()))
    news, more_news = latest(vehicle_model.news_mentions.select_related("publisher"))
    return {
        "prices": prices,
        "more_prices": more_prices,
        "sightings": sightings,
        "more_sightings": more_sightings,
        "events": events,
        "more_events": more_events,
        "partnerships": cited(vehicle_model.partnerships.select_related("company", "partner")),
        "variants": VehicleModel.objects.filter(
            maker=vehicle_model.maker_id, name__iexact=vehicle_model.name
        ).exclude(pk=vehicle_model.pk),
        "aliases": vehicle_model.aliases.all(),
        "news": news,
        "more_news": more_news,
    }


def person_detail(person):
    """Return what ``person`` said and took part in, and the news naming them (the latest
    ``DETAIL_ROWS`` of each)."""
    statements, more_statements = latest(cited(person.statements.select_related("event")))
    events, more_events = latest(cited(person.events.all()))
    news, more_news = latest(person.news_mentions.select_related("publisher"))
    return {
        "statements": statements,
        "events": events,
        "news": news,
        "cut": more_statements or more_events or more_news,
        "detail_rows": DETAIL_ROWS,
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
