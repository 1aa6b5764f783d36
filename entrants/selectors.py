"""Reads that feed pages, charts and aggregates: each list's queryset with what it shows
selected up front, and the timelines of the detail pages."""

import datetime
import operator
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from itertools import chain

from django.db.models import (
    Count,
    F,
    Max,
    Min,
    Q,
    Value,
)
from django_countries.fields import Country

from entrants.cache import per_data_version
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
from entrants.querysets import DETAIL_ROWS

FACT_MODELS = (Sighting, PricePoint, Partnership, MarketEvent, Statement)

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


def unconvertible_prices(table, currencies):
    """Return {currency: how many prices cannot be converted into it at their own date} for
    each of ``currencies``, with ``table`` (a ``RateTable``): a price converts from the first
    date its pair has a rate, and an undated one whenever the pair has any. One query, once
    per data version and choice of source."""

    def compute():
        quoted = list(PricePoint.objects.order_by().values_list("currency", flat=True).distinct())
        counts, none = {}, {}
        for target in currencies:
            conditions = []
            for code in quoted:
                first = table.first_date(code, target)
                if first is None:
                    conditions.append(Q(currency=code))
                elif first > datetime.date.min:
                    conditions.append(Q(currency=code, date__lt=first))
            if conditions:
                counts[target] = Count("pk", filter=reduce(operator.or_, conditions))
            else:
                none[target] = 0
        found = {**none, **(PricePoint.objects.aggregate(**counts) if counts else {})}
        return {target: found[target] for target in currencies}

    return per_data_version(f"unconvertible-prices-{table.prefer}", compute)


def news_for_list():
    """News items with how many facts cite each as their source."""
    return NewsItem.objects.for_list(FACT_MODELS)


def overview(prices, events, latest=5):
    """Return what the overview shows: the ``latest`` sightings and news items, and the latest
    ``prices`` prices and ``events`` events."""
    newest = ("-date", "-pk")
    return {
        "sightings": list(Sighting.objects.for_list().order_by(*newest)[:latest]),
        "news": NewsItem.objects.newest(latest),
        "prices": list(PricePoint.objects.for_list().order_by(*newest)[:prices]),
        "events": list(MarketEvent.objects.for_list().order_by(*newest)[:events]),
    }


def cut(rows, limit=DETAIL_ROWS):
    """Return the first ``limit`` of ``rows`` (read with one more) and whether there are more."""
    return rows[:limit], len(rows) > limit


def news_citing(facts, *, mentioned=None, published_by=None):
    """Return the latest news items that ``facts`` (querysets) cite, that name the record
    (``mentioned``: a ``news_mentions`` filter) or that ``published_by`` published.

    One ``IN`` over a ``UNION ALL`` of the keys: for the most-priced model at size M (6,836
    news items cited by 26,000 facts) SQLite took 49 ms instead of 103 for the same rows found
    by an ``OR`` of eleven ``IN`` conditions, PostgreSQL 36 instead of 27."""
    keys = [part for facts_of in facts for part in facts_of.cited_news()]
    if mentioned is not None:
        keys.append(NewsItem.objects.filter(**mentioned).order_by().values_list("pk", flat=True))
    if published_by is not None:
        keys.append(
            NewsItem.objects.filter(publisher=published_by).order_by().values_list("pk", flat=True)
        )
    return NewsItem.objects.filter(pk__in=keys[0].union(*keys[1:], all=True)).newest()


def facts_about_company(company):
    """Return the facts about ``company`` by kind, as querysets: its partnerships (on either
    side), the sightings and imports of its models and the imports it made, the prices of its
    models, the events naming it, and the statements of its people or about it."""
    return {
        "partnerships": Partnership.objects.filter(Q(company=company) | Q(partner=company)),
        "sightings": Sighting.objects.filter(Q(vehicle_model__maker=company) | Q(importer=company)),
        "prices": PricePoint.objects.filter(vehicle_model__maker=company),
        "events": MarketEvent.objects.filter(companies=company),
        "statements": Statement.objects.filter(
            Q(person__organisation=company)
            | Q(
                pk__in=Statement.companies.through.objects.filter(company=company).values(
                    "statement_id"
                )
            )
        ),
    }


def facts_about_model(vehicle_model):
    """Return the facts about ``vehicle_model`` by kind, as querysets: its prices, sightings
    and imports, the partnerships and events naming it, and the statements about it."""
    return {
        "partnerships": Partnership.objects.filter(vehicle_models=vehicle_model),
        "sightings": Sighting.objects.filter(vehicle_model=vehicle_model),
        "prices": PricePoint.objects.filter(vehicle_model=vehicle_model),
        "events": MarketEvent.objects.filter(vehicle_models=vehicle_model),
        "statements": Statement.objects.filter(vehicle_models=vehicle_model),
    }


def company_detail(slug):
    """Return everything known about the company ``slug`` (``None`` if there is none), its facts
    as one dated timeline (the latest ``DETAIL_ROWS`` of each kind; the lists have the rest), and
    the news naming it, published by it or cited by its facts."""
    company = Company.objects.for_detail().filter(slug=slug).first()
    if company is None:
        return None
    facts = facts_about_company(company)
    del facts["prices"]  # the model pages list them
    timelines = {name: cut(facts_of.for_list().newest()) for name, facts_of in facts.items()}
    news, more_news = cut(
        news_citing(
            list(facts.values()),
            mentioned={"companies": company},
            published_by=company,
        )
    )
    return {
        "company": company,
        "models": company.vehicle_models.all(),
        "aliases": company.aliases.all(),
        "people": company.people.all(),
        "subsidiaries": company.subsidiaries.all(),
        "timeline": timeline(*(rows for rows, _more in timelines.values())),
        "timeline_cut": any(more for _rows, more in timelines.values()),
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
    """Return the price history of ``vehicle_model``: every price up to ``SERIES_LIMIT`` of
    them, in one query; past that, the latest ``TABLE_ROWS`` prices (their keys first, read
    along the index) and, per day and market, the lowest and highest price, so that 130,000
    prices cost what a few thousand days do. ``vehicle_model.price_count``, where a query
    annotated it, picks the way up front."""
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
    newest = prices.values_list("pk", flat=True).newest(TABLE_ROWS)
    latest = prices.filter(pk__in=newest).values(
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


def model_detail(slug):
    """Return everything known about the model ``slug`` (``None`` if there is none): its latest
    prices, sightings and events (``DETAIL_ROWS`` of each; the lists have the rest), its
    partnerships, aliases and other variants, and the news naming it or cited by its facts."""
    model = VehicleModel.objects.for_detail().filter(slug=slug).first()
    if model is None:
        return None
    prices, more_prices = cut(PricePoint.objects.for_list().filter(vehicle_model=model).newest())
    sightings, more_sightings = cut(
        Sighting.objects.for_list().filter(vehicle_model=model).newest()
    )
    events, more_events = cut(MarketEvent.objects.for_list().filter(vehicle_models=model).newest())
    news, more_news = cut(
        news_citing(list(facts_about_model(model).values()), mentioned={"vehicle_models": model})
    )
    return {
        "model": model,
        "prices": prices,
        "more_prices": more_prices,
        "sightings": sightings,
        "more_sightings": more_sightings,
        "events": events,
        "more_events": more_events,
        "partnerships": model.partnerships.all(),
        "variants": list(VehicleModel.objects.variants_of(model)),
        "aliases": model.aliases.all(),
        "news": news,
        "more_news": more_news,
    }


def person_detail(slug):
    """Return what the person ``slug`` (``None`` if there is none) said and took part in, and
    the news naming them (the latest ``DETAIL_ROWS`` of each)."""
    person = Person.objects.for_detail().filter(slug=slug).first()
    if person is None:
        return None
    statements, more_statements = cut(Statement.objects.for_list().filter(person=person).newest())
    events, more_events = cut(MarketEvent.objects.for_list().filter(people=person).newest())
    news, more_news = cut(NewsItem.objects.filter(people=person).newest())
    return {
        "person": person,
        "statements": statements,
        "events": events,
        "news": news,
        "cut": more_statements or more_events or more_news,
        "detail_rows": DETAIL_ROWS,
    }


def news_detail(slug):
    """Return the news item ``slug`` (``None`` if there is none) with the facts it is the source
    for or also cited in, the news it is based on or cited by, and what it names."""
    news = NewsItem.objects.for_detail().filter(slug=slug).first()
    if news is None:
        return None
    return {
        "news": news,
        "sightings": list(Sighting.objects.for_list().citing(news)),
        "prices": list(PricePoint.objects.for_list().citing(news)),
        "partnerships": list(Partnership.objects.for_list().citing(news)),
        "events": list(MarketEvent.objects.for_list().citing(news)),
        "statements": list(Statement.objects.for_list().citing(news)),
        "based_on": news.based_on.all(),
        "cited_by": news.cited_by.all(),
        "companies": news.companies.all(),
        "vehicle_models": news.vehicle_models.all(),
        "people": news.people.all(),
    }


def fact_detail(model, uuid):
    """Return the fact ``uuid`` of ``model`` with its sources (``None`` if there is none)."""
    return model.objects.for_detail().filter(uuid=uuid).first()


def timeline(*querysets):
    """Merge facts into one list, newest first, undated facts last."""
    facts = list(chain.from_iterable(querysets))
    dated = sorted((f for f in facts if f.date), key=lambda f: f.date, reverse=True)
    return dated + [f for f in facts if not f.date]
