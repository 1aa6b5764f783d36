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
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django_countries.fields import Country

from entrants import bundle
from entrants.bundle import Children, Part
from entrants.cache import per_data_version
from entrants.models import (
    ClaimStatus,
    Company,
    CompanyAlias,
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
    VehicleModelAlias,
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


def overview(prices, events, latest=5):
    """Return what the overview shows, in one query: the ``latest`` sightings and news items,
    and the latest ``prices`` prices and ``events`` events."""
    return bundle.read(
        sightings=Part(
            Sighting.objects.order_by("-date", "-pk"),
            related=("vehicle_model__maker", "source__publisher", "reported_by"),
            limit=latest,
        ),
        news=Part(NewsItem.objects.order_by("-date", "-pk"), related=("publisher",), limit=latest),
        prices=Part(
            PricePoint.objects.order_by("-date", "-pk"),
            related=("vehicle_model__maker", "source__publisher"),
            children=(Children("stated_conversions", ("source__publisher",)),),
            limit=prices,
        ),
        events=Part(
            MarketEvent.objects.order_by("-date", "-pk"),
            related=("source__publisher",),
            children=(Children("companies"),),
            limit=events,
        ),
    )


DETAIL_ROWS = 50


def cut(rows, limit=DETAIL_ROWS):
    """Return the first ``limit`` of ``rows`` (read with one more) and whether there are more."""
    return rows[:limit], len(rows) > limit


SOURCES = Children("other_sources", ("publisher",))


def cited_part(queryset, related=(), children=(), limit=DETAIL_ROWS + 1):
    """Return a bundle part: the latest ``limit`` facts of ``queryset`` with their sources (all
    of them, if ``limit`` is None, in the model's own order)."""
    ordering = ("-date", "-pk") if limit else (*queryset.model._meta.ordering, "-pk")
    return Part(
        queryset.order_by(*ordering),
        related=("source__publisher", *related),
        children=(SOURCES, *children),
        limit=limit,
    )


def news_part(queryset):
    """Return a bundle part: the latest ``DETAIL_ROWS`` (and one) news items of ``queryset``."""
    return Part(queryset.order_by("-date", "-pk"), related=("publisher",), limit=DETAIL_ROWS + 1)


def citing(model, news):
    """Return the ``model`` facts whose source or other source is ``news`` (a ``Subquery``),
    each once (an OR across the join table would repeat a fact per other source)."""
    through = model.other_sources.through.objects.filter(newsitem=news)
    return model.objects.filter(
        Q(source=news) | Q(pk__in=through.values(f"{model._meta.model_name}_id"))
    )


def company_detail(slug):
    """Return everything known about the company ``slug`` (``None`` if there is none), its facts
    as one dated timeline (the latest ``DETAIL_ROWS`` of each kind; the lists have the rest), in
    one query."""
    company = Company.objects.filter(slug=slug)
    key = Subquery(company.values("pk"))
    mentioned = NewsItem.companies.through.objects.filter(company=key).values("newsitem_id")
    said_about = Statement.companies.through.objects.filter(company=key)
    rows = bundle.read(
        company=Part(company, related=("parent",)),
        partnerships=cited_part(
            Partnership.objects.filter(Q(company=key) | Q(partner=key)),
            related=("company", "partner"),
        ),
        sightings=cited_part(
            Sighting.objects.filter(vehicle_model__maker=key),
            related=("vehicle_model__maker",),
        ),
        events=cited_part(MarketEvent.objects.filter(companies=key)),
        statements=cited_part(
            Statement.objects.filter(
                Q(person__organisation=key) | Q(pk__in=said_about.values("statement_id"))
            ),
            related=("person",),
        ),
        news=news_part(NewsItem.objects.filter(Q(pk__in=mentioned) | Q(publisher=key))),
        models=Part(VehicleModel.objects.filter(maker=key), related=("maker",)),
        aliases=Part(CompanyAlias.objects.filter(company=key)),
        people=Part(Person.objects.filter(organisation=key)),
        subsidiaries=Part(Company.objects.filter(parent=key)),
    )
    if not rows["company"]:
        return None
    partnerships, more_partnerships = cut(rows["partnerships"])
    sightings, more_sightings = cut(rows["sightings"])
    events, more_events = cut(rows["events"])
    statements, more_statements = cut(rows["statements"])
    news, more_news = cut(rows["news"])
    return {
        "company": rows["company"][0],
        "models": rows["models"],
        "aliases": rows["aliases"],
        "people": rows["people"],
        "subsidiaries": rows["subsidiaries"],
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
    """Return the price history of ``vehicle_model`` in one query: every price up to
    ``SERIES_LIMIT`` of them; past that, the latest ``TABLE_ROWS`` prices and, per day and
    market, the lowest and highest price, so that 130,000 prices cost what a few thousand days
    do. ``vehicle_model.price_count``, where a query annotated it, picks the way up front."""
    markets = {}

    def market(code):
        if code not in markets:
            markets[code] = Market(str(code), Country(code=code).name if code else "")
        return markets[code]

    prices = PricePoint.objects.filter(vehicle_model=vehicle_model)
    total = getattr(vehicle_model, "price_count", None)
    if total is None or total <= SERIES_LIMIT:
        rows = [
            PriceRow(date, precision, amount, currency, market(code), kind, status)
            for date, precision, amount, currency, code, kind, status in prices.order_by(
                "date", "pk"
            ).values_list(
                "date", "date_precision", "amount", "currency", "market", "kind", "claim_status"
            )[: SERIES_LIMIT + 1]
        ]
        if len(rows) <= SERIES_LIMIT:
            return PriceSeries(rows, len(rows))
    # The same columns for both parts: a day (grouped, p_id 0) or a price (n 1, low = high).
    # The latest prices, undated ones last on every database (as the table lists them).
    newest = prices.order_by(F("date").desc(nulls_last=True), "-pk")
    latest = prices.filter(pk__in=newest.values("pk")[:TABLE_ROWS]).values(
        "date",
        "market",
        "currency",
        p_id=F("pk"),
        low=F("amount"),
        high=F("amount"),
        n=Value(1),
        p_precision=F("date_precision"),
        p_kind=F("kind"),
        p_status=F("claim_status"),
    )
    days = (
        prices.order_by()
        .values("date", "market", "currency")
        .annotate(
            p_id=Value(0),
            low=Min("amount"),
            high=Max("amount"),
            n=Count("pk"),
            p_precision=Value(""),
            p_kind=Value(""),
            p_status=Value(""),
        )
    )
    daily, rows, total = [], [], 0
    for row in latest.order_by().union(days, all=True):
        if row["p_id"]:
            rows.append(row)
            continue
        total += row["n"]
        if row["date"] is not None:
            daily.append(
                DailyPrices(
                    row["date"],
                    market(row["market"]),
                    row["currency"],
                    row["n"],
                    row["low"],
                    row["high"],
                )
            )
    daily.sort(key=lambda day: (day.date, day.market.code, day.currency))
    rows.sort(key=lambda row: (row["date"] is not None, row["date"] or 0, row["p_id"]))
    latest_rows = [
        PriceRow(
            row["date"],
            row["p_precision"],
            row["low"],
            row["currency"],
            market(row["market"]),
            row["p_kind"],
            row["p_status"],
        )
        for row in reversed(rows)
    ]
    return PriceSeries(latest_rows, total, daily)


def model_with_price_count():
    """Return vehicle models with their makers and how many prices each has."""
    return VehicleModel.objects.select_related("maker").annotate(
        price_count=count_of(PricePoint.objects.all(), "vehicle_model")
    )


def model_detail(slug):
    """Return everything known about the model ``slug`` (``None`` if there is none), in one
    query: its latest prices, sightings, events and news (``DETAIL_ROWS`` of each; the lists
    have the rest), its partnerships, aliases and other variants, and how many prices it has."""
    found = VehicleModel.objects.filter(slug=slug)
    key = Subquery(found.values("pk"))
    mentioned = NewsItem.vehicle_models.through.objects.filter(vehiclemodel=key)
    same_name = found.values(lowered=Lower("name"))
    rows = bundle.read(
        model=Part(
            found,
            related=("maker",),
            extra={"price_count": count_of(PricePoint.objects.all(), "vehicle_model")},
        ),
        prices=cited_part(
            PricePoint.objects.filter(vehicle_model=key),
            related=("vehicle_model__maker",),
            children=(Children("stated_conversions", ("source__publisher",)),),
        ),
        sightings=cited_part(
            Sighting.objects.filter(vehicle_model=key), related=("vehicle_model__maker",)
        ),
        events=cited_part(MarketEvent.objects.filter(vehicle_models=key)),
        partnerships=cited_part(
            Partnership.objects.filter(vehicle_models=key),
            related=("company", "partner"),
            limit=None,
        ),
        news=news_part(NewsItem.objects.filter(pk__in=mentioned.values("newsitem_id"))),
        variants=Part(
            VehicleModel.objects.alias(lowered=Lower("name"))
            .filter(maker=Subquery(found.values("maker")), lowered__in=same_name)
            .exclude(pk=key),
            related=("maker",),
        ),
        aliases=Part(VehicleModelAlias.objects.filter(vehicle_model=key)),
    )
    if not rows["model"]:
        return None
    prices, more_prices = cut(rows["prices"])
    sightings, more_sightings = cut(rows["sightings"])
    events, more_events = cut(rows["events"])
    news, more_news = cut(rows["news"])
    return {
        "model": rows["model"][0],
        "prices": prices,
        "more_prices": more_prices,
        "sightings": sightings,
        "more_sightings": more_sightings,
        "events": events,
        "more_events": more_events,
        "partnerships": rows["partnerships"],
        "variants": rows["variants"],
        "aliases": rows["aliases"],
        "news": news,
        "more_news": more_news,
    }


def person_detail(slug):
    """Return what the person ``slug`` (``None`` if there is none) said and took part in, and
    the news naming them (the latest ``DETAIL_ROWS`` of each), in one query."""
    found = Person.objects.filter(slug=slug)
    key = Subquery(found.values("pk"))
    mentioned = NewsItem.people.through.objects.filter(person=key).values("newsitem_id")
    rows = bundle.read(
        person=Part(found, related=("organisation",)),
        statements=cited_part(Statement.objects.filter(person=key), related=("person", "event")),
        events=cited_part(MarketEvent.objects.filter(people=key)),
        news=news_part(NewsItem.objects.filter(pk__in=mentioned)),
    )
    if not rows["person"]:
        return None
    statements, more_statements = cut(rows["statements"])
    events, more_events = cut(rows["events"])
    news, more_news = cut(rows["news"])
    return {
        "person": rows["person"][0],
        "statements": statements,
        "events": events,
        "news": news,
        "cut": more_statements or more_events or more_news,
        "detail_rows": DETAIL_ROWS,
    }


def news_detail(slug):
    """Return the news item ``slug`` (``None`` if there is none) with the facts it is the source
    for or also cited in, the news it is based on or cited by, and what it names: one query."""
    found = NewsItem.objects.filter(slug=slug)
    key = Subquery(found.values("pk"))
    based_on = NewsItem.based_on.through.objects.filter(from_newsitem=key)
    cited_by = NewsItem.based_on.through.objects.filter(to_newsitem=key)
    facts = {
        "sightings": (Sighting, ("vehicle_model__maker",)),
        "prices": (PricePoint, ("vehicle_model__maker",)),
        "partnerships": (Partnership, ("company", "partner")),
        "events": (MarketEvent, ()),
        "statements": (Statement, ("person",)),
    }
    rows = bundle.read(
        news=Part(found, related=("publisher",), keep=("body",)),
        **{
            name: cited_part(citing(model, key), related=related, limit=None)
            for name, (model, related) in facts.items()
        },
        based_on=Part(
            NewsItem.objects.filter(pk__in=based_on.values("to_newsitem_id")),
            related=("publisher",),
        ),
        cited_by=Part(
            NewsItem.objects.filter(pk__in=cited_by.values("from_newsitem_id")),
            related=("publisher",),
        ),
        companies=Part(Company.objects.filter(news_mentions=key)),
        vehicle_models=Part(VehicleModel.objects.filter(news_mentions=key), related=("maker",)),
        people=Part(Person.objects.filter(news_mentions=key)),
    )
    if not rows["news"]:
        return None
    return {name: found for name, found in rows.items() if name != "news"} | {
        "news": rows["news"][0]
    }


def fact_detail(model, uuid, related=(), children=()):
    """Return the fact ``uuid`` of ``model`` with its sources (``None`` if there is none)."""
    rows = bundle.read(
        fact=cited_part(
            model.objects.filter(uuid=uuid), related=related, children=children, limit=None
        )
    )
    return rows["fact"][0] if rows["fact"] else None


def timeline(*querysets):
    """Merge facts into one list, newest first, undated facts last."""
    facts = list(chain.from_iterable(querysets))
    dated = sorted((f for f in facts if f.date), key=lambda f: f.date, reverse=True)
    return dated + [f for f in facts if not f.date]


def exchange_rates():
    return ExchangeRate.objects.order_by("date", "base", "quote")
