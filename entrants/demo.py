"""Synthetic demo data at three sizes, to try the tracker at scale (``generate_demo_data``).

Everything it makes says that it is made up: companies, vehicle models, people and headlines
start with "Demo ", every news item is published by the company "Synthetic demo data" with a
summary saying so, and the notes of every fact and exchange rate read "Synthetic demo data".

The same seed gives the same rows, whatever the batch size: every draw comes from one
``random.Random(seed)`` in a fixed order, UUIDs included, over a fixed date range (never
today's date). Rows are written with ``bulk_create`` in batches inside one transaction, so no
django-simple-history records are made for them.

Demo data is never mixed with real data: ``foreign_data()`` names what a database holds that
is not demo data, and the command refuses to write into such a database.
"""

from __future__ import annotations

import datetime
import random
import uuid
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from entrants import gazetteer
from entrants.dates import DatePrecision, truncate_date
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
    ReferenceDataLoad,
    Sighting,
    StatedConversion,
    Statement,
    VehicleModel,
    VehicleModelAlias,
)

#: The publisher of every demo news item, and the notes of every demo fact and rate.
SYNTHETIC = "Synthetic demo data"
#: The start of every demo company, vehicle model, person and headline.
PREFIX = "Demo "

#: The covered range: three years of news and facts, fixed so that a seed always gives the
#: same rows. It starts on 1 January, so that a date known only to the year stays inside it.
FIRST_DAY = datetime.date(2022, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)
#: Rates start two weeks earlier: a fact of 1 January 2022 (a Saturday) has a rate to use.
RATES_FROM = FIRST_DAY - datetime.timedelta(days=14)

DEFAULT_SEED = 1
DEFAULT_BATCH_SIZE = 5_000


@dataclass(frozen=True)
class Size:
    """How many rows of each kind one size of demo data has."""

    companies: int  # including the "Synthetic demo data" publisher
    models: int
    people: int
    news: int
    sightings: int
    prices: int
    partnerships: int
    events: int
    statements: int


SIZES = {
    "S": Size(
        companies=20,
        models=100,
        people=40,
        news=500,
        sightings=1_000,
        prices=1_000,
        partnerships=10,
        events=100,
        statements=100,
    ),
    "M": Size(
        companies=100,
        models=1_000,
        people=300,
        news=10_000,
        sightings=100_000,
        prices=100_000,
        partnerships=60,
        events=2_000,
        statements=2_000,
    ),
    "L": Size(
        companies=100,
        models=1_000,
        people=300,
        news=100_000,
        sightings=1_000_000,
        prices=1_000_000,
        partnerships=60,
        events=20_000,
        statements=20_000,
    ),
}


class Weighted:
    """Draw from ``population`` with relative ``weights``: one ``rng.random()`` per draw."""

    def __init__(self, population: Sequence, weights: Sequence[float]):
        self.population = list(population)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]
        self.last = len(self.population) - 1

    def __call__(self, rng: random.Random):
        index = bisect_right(self.cumulative, rng.random() * self.total, 0, self.last)
        return self.population[index]

    @classmethod
    def of(cls, pairs):
        """Return a draw from ``(value, weight)`` pairs."""
        return cls([value for value, _ in pairs], [weight for _, weight in pairs])

    @classmethod
    def zipf(cls, population: Sequence, exponent: float = 1.0):
        """Return a draw in which the n-th item is n^exponent times rarer than the first."""
        return cls(population, [1 / rank**exponent for rank in range(1, len(population) + 1)])


# Where sightings happen: Karachi (the ports) about 45%, Lahore 25%, Islamabad 10%, and a long
# Zipf tail of other Pakistani cities sharing the remaining 20%.
MAIN_CITIES = [("Karachi", 45), ("Lahore", 25), ("Islamabad", 10)]
OTHER_CITIES = (
    "Rawalpindi, Faisalabad, Multan, Peshawar, Hyderabad, Quetta, Gujranwala, Sialkot, "
    "Bahawalpur, Sargodha, Sukkur, Abbottabad, Gwadar, Mardan, Gujrat, Sahiwal, Larkana, "
    "Sheikhupura, Rahim Yar Khan, Jhang, Dera Ghazi Khan, Mirpur, Muzaffarabad, Nawabshah, "
    "Okara, Kasur, Mingora, Chiniot, Jhelum, Hafizabad, Sadiqabad, Kamoke"
).split(", ")
_TAIL = [1 / rank for rank in range(1, len(OTHER_CITIES) + 1)]
CITY = Weighted(
    [city for city, _ in MAIN_CITIES] + OTHER_CITIES,
    [share for _, share in MAIN_CITIES] + [20 * weight / sum(_TAIL) for weight in _TAIL],
)
PLACES = {
    "Karachi": ["Karachi port", "Port Qasim", "Clifton", "DHA Karachi", "Shahrah-e-Faisal"],
    "Lahore": ["Lahore Expo Centre", "DHA Lahore", "Gulberg", "Lahore Ring Road"],
    "Islamabad": ["Blue Area", "F-7 Markaz", "Islamabad Expressway", "Centaurus Mall"],
    "Gwadar": ["Gwadar port", "Gwadar city centre"],
}
GENERIC_PLACES = ["{city} showroom", "{city} city centre", "{city} dealership", "{city} bypass"]
PLACE = {
    city: Weighted.zipf([place.format(city=city) for place in PLACES.get(city, GENERIC_PLACES)])
    for city in CITY.population
}

CLAIM_STATUS = Weighted.of(
    [
        (ClaimStatus.REPORTED, 55),
        (ClaimStatus.CONFIRMED, 30),
        (ClaimStatus.RUMOURED, 12),
        (ClaimStatus.DENIED, 3),
    ]
)
FACT_PRECISION = Weighted.of(
    [(DatePrecision.DAY, 85), (DatePrecision.MONTH, 12), (DatePrecision.YEAR, 3)]
)
NEWS_PRECISION = Weighted.of(
    [(DatePrecision.DAY, 95), (DatePrecision.MONTH, 4), (DatePrecision.YEAR, 1)]
)
#: A known quantity (a third of the sightings leave it unknown: NULL, never 0).
QUANTITY = Weighted.zipf([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 50], exponent=1.3)

# (currency, market) of a price, and its kinds in each market.
OFFER = Weighted.of(
    [(("CNY", "CN"), 40), (("PKR", "PK"), 45), (("USD", "PK"), 10), (("USD", "CN"), 5)]
)
PRICE_KIND = {
    "CN": Weighted.of(
        [
            (PricePoint.Kind.LAUNCH, 50),
            (PricePoint.Kind.EX_FACTORY, 20),
            (PricePoint.Kind.REPORTED, 20),
            (PricePoint.Kind.BOOKING, 10),
        ]
    ),
    "PK": Weighted.of(
        [
            (PricePoint.Kind.ON_ROAD, 40),
            (PricePoint.Kind.BOOKING, 25),
            (PricePoint.Kind.REPORTED, 25),
            (PricePoint.Kind.LAUNCH, 10),
        ]
    ),
}
# How prices are rounded as sources print them: ¥215,900, PKR 8,550,000, US$30,917.
ROUNDING = {"CNY": 100, "PKR": 10_000, "USD": 10}

MAKER_STEMS = ["Zhen", "Hua", "Xin", "Tian", "Feng", "Jin", "Rui", "Kai", "Bao", "Ming", "Yun"]
MAKER_STEMS += ["Qi", "Hai", "Shan", "Long", "Xiang"]
MAKER_ENDINGS = ["dao", "wei", "xing", "tai", "rong", "sheng", "yuan", "li", "hong", "an", "chi"]
MAKER_SUFFIXES = ["Auto", "Motors", "EV", "New Energy", "Automobile"]
LOCAL_STEMS = ["Indus", "Ravi", "Margalla", "Karakoram", "Khyber", "Mehran", "Chenab", "Jhelum"]
LOCAL_STEMS += ["Thar", "Bolan", "Hunza", "Swat", "Kaghan", "Makran", "Potohar", "Sutlej"]
LOCAL_SUFFIXES = ["Motors", "Autos", "EV", "Mobility", "Auto Industries", "Assemblers", "Traders"]
LOCAL_KIND = Weighted.of(
    [
        (Company.Kind.LOCAL_ASSEMBLER, 35),
        (Company.Kind.DISTRIBUTOR, 25),
        (Company.Kind.IMPORTER, 20),
        (Company.Kind.TECHNOLOGY_PARTNER, 8),
        (Company.Kind.RETAIL_PARTNER, 7),
        (Company.Kind.CONGLOMERATE, 5),
    ]
)
MODEL_STEMS = ["Volt", "Nova", "Zeta", "Orion", "Lumen", "Kite", "Astra", "Pulse", "Terra"]
MODEL_STEMS += ["Vela", "Echo", "Ion", "Quanta", "Sigma", "Aero", "Comet", "Lyra", "Tern"]
VARIANTS = ["Pro", "Max", "Plus", "Long Range", "Standard", "AWD", "Ultra"]
BODY_TYPE = Weighted.of(
    [
        (VehicleModel.BodyType.SUV, 35),
        (VehicleModel.BodyType.SEDAN, 25),
        (VehicleModel.BodyType.HATCHBACK, 15),
        (VehicleModel.BodyType.CROSSOVER, 10),
        (VehicleModel.BodyType.MPV, 5),
        (VehicleModel.BodyType.MICROCAR, 4),
        (VehicleModel.BodyType.PICKUP, 3),
        (VehicleModel.BodyType.VAN, 3),
    ]
)
POWERTRAIN = Weighted.of(
    [
        (VehicleModel.Powertrain.BEV, 70),
        (VehicleModel.Powertrain.PHEV, 20),
        (VehicleModel.Powertrain.EREV, 7),
        (VehicleModel.Powertrain.HEV, 3),
    ]
)
STAGE = Weighted.of(
    [
        (VehicleModel.Stage.NOT_IN_PAKISTAN, 25),
        (VehicleModel.Stage.RUMOURED, 25),
        (VehicleModel.Stage.SIGHTED, 20),
        (VehicleModel.Stage.IMPORTED, 12),
        (VehicleModel.Stage.LAUNCHED, 10),
        (VehicleModel.Stage.LOCALLY_ASSEMBLED, 5),
        (VehicleModel.Stage.WITHDRAWN, 3),
    ]
)
FIRST_NAMES = ["Ayesha", "Bilal", "Fatima", "Hamza", "Imran", "Sana", "Usman", "Zainab", "Ali"]
FIRST_NAMES += ["Li", "Wei", "Mei", "Jun", "Hui", "Tao", "Ying", "Farhan", "Nadia", "Omar"]
LAST_NAMES = ["Khan", "Ahmed", "Malik", "Qureshi", "Siddiqui", "Butt", "Chaudhry", "Shah"]
LAST_NAMES += ["Zhang", "Wang", "Liu", "Chen", "Zhao", "Huang", "Mirza", "Baig", "Hashmi"]
ROLES = ["CEO", "Chairman", "Managing Director", "Head of Sales", "Spokesperson", "CFO"]
# Every headline starts with a demo model's or maker's name, so with "Demo ".
HEADLINES = [
    "{model} spotted on the road in {city}",
    "{model} arrives at Karachi port",
    "{model} prices revealed",
    "{maker} opens bookings for {model}",
    "{model} launch date set",
    "{model}: first drive",
    "{model} expected at dealers this year",
    "{maker} weighs Pakistan entry with {model}",
    "{model} clears customs",
    "{maker} cuts {model} price",
]
EVENT_KIND = Weighted.of(
    [
        (MarketEvent.Kind.LAUNCH, 25),
        (MarketEvent.Kind.MARKET_ENTRY, 15),
        (MarketEvent.Kind.UNVEILING, 15),
        (MarketEvent.Kind.MEETING, 15),
        (MarketEvent.Kind.AGREEMENT, 10),
        (MarketEvent.Kind.ASSEMBLY_START, 8),
        (MarketEvent.Kind.MILESTONE, 7),
        (MarketEvent.Kind.POLICY, 5),
    ]
)
EVENT_TITLES = {
    MarketEvent.Kind.LAUNCH: "{model} launched in {city}",
    MarketEvent.Kind.MARKET_ENTRY: "{maker} enters Pakistan",
    MarketEvent.Kind.UNVEILING: "{model} unveiled in {city}",
    MarketEvent.Kind.MEETING: "{maker} meets officials in {city}",
    MarketEvent.Kind.AGREEMENT: "{maker} signs a distribution agreement",
    MarketEvent.Kind.ASSEMBLY_START: "{model} assembly begins",
    MarketEvent.Kind.MILESTONE: "{model} passes 1,000 bookings",
    MarketEvent.Kind.POLICY: "Demo policy: EV import duty revised",
}
QUOTES = [
    "We expect {model} to reach Pakistani customers soon.",
    "Local assembly of {model} is under study.",
    "Demand for {model} has exceeded our forecasts.",
    "Prices of {model} will depend on the duty structure.",
]
PARTNERSHIP_KIND = Weighted.of(
    [
        (Partnership.Kind.ASSEMBLY, 35),
        (Partnership.Kind.DISTRIBUTION, 35),
        (Partnership.Kind.TECHNOLOGY, 10),
        (Partnership.Kind.JOINT_VENTURE, 10),
        (Partnership.Kind.MARKET_ENTRY, 10),
    ]
)
PARTNERSHIP_STATUS = Weighted.of(
    [
        (Partnership.Status.REPORTED, 35),
        (Partnership.Status.ANNOUNCED, 25),
        (Partnership.Status.CONFIRMED, 20),
        (Partnership.Status.ACTIVE, 12),
        (Partnership.Status.ENDED, 5),
        (Partnership.Status.DENIED, 3),
    ]
)

FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")


def round_to(value: Decimal, step: int) -> Decimal:
    """Return ``value`` rounded half up to a multiple of ``step`` (an exact whole Decimal)."""
    return Decimal(int((value / step).to_integral_value(ROUND_HALF_UP)) * step)


def demo_companies():
    return Company.objects.filter(Q(name=SYNTHETIC) | Q(name__startswith=PREFIX))


def demo_news():
    return NewsItem.objects.filter(publisher__name=SYNTHETIC)


def foreign_data():
    """Return ``{what: count}`` for every kind of record in the database that is not demo data
    (the reference data above all); empty when demo data may be written here."""
    counts = {
        "reference data loads": ReferenceDataLoad.objects.count(),
        f"news items not published by “{SYNTHETIC}”": NewsItem.objects.exclude(
            publisher__name=SYNTHETIC
        ).count(),
        "companies": Company.objects.exclude(pk__in=demo_companies()).count(),
        "vehicle models": VehicleModel.objects.exclude(maker__in=demo_companies()).count(),
        "people": Person.objects.exclude(name__startswith=PREFIX).count(),
        "exchange rates": ExchangeRate.objects.exclude(notes=SYNTHETIC).count(),
    }
    return {what: count for what, count in counts.items() if count}


def existing_demo_data():
    """Return ``{what: count}`` of the demo records already in the database."""
    counts = {
        "companies": demo_companies().count(),
        "news items": demo_news().count(),
        "people": Person.objects.filter(name__startswith=PREFIX).count(),
        "exchange rates": ExchangeRate.objects.filter(notes=SYNTHETIC).count(),
    }
    return {what: count for what, count in counts.items() if count}


def _raw_delete(queryset):
    """Delete the rows of ``queryset`` with one DELETE statement and return how many went.

    A queryset's ``delete()`` would load every row to send the signals that
    django-simple-history listens to (a million history records for a million sightings)."""
    model = queryset.model
    quote = connection.ops.quote_name
    subquery, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} IN ({subquery})",
            params,
        )
        return cursor.rowcount


def _delete_with_links(queryset):
    """Delete the rows of ``queryset`` and their many-to-many links; return the row count."""
    model = queryset.model
    deleted = 0
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        links = Q(**{f"{field.m2m_field_name()}__in": queryset})
        if field.related_model is model:  # news items based on a demo news item
            links |= Q(**{f"{field.m2m_reverse_field_name()}__in": queryset})
        deleted += _raw_delete(through.objects.filter(links))
    return deleted + _raw_delete(queryset)


def delete_demo_data():
    """Delete every demo record (call inside a transaction); return the number of rows.

    Only demo data is touched: facts citing a demo news item, companies whose names start with
    "Demo ", and so on. Plain DELETE statements, so no history records are made."""
    news = demo_news()
    companies = demo_companies()
    models = VehicleModel.objects.filter(maker__in=companies)
    deleted = _raw_delete(StatedConversion.objects.filter(source__in=news))
    # Statements before events (a statement may name the event it was made at).
    for fact_model in (Statement, MarketEvent, Partnership, PricePoint, Sighting):
        deleted += _delete_with_links(fact_model.objects.filter(source__in=news))
    deleted += _delete_with_links(news)
    deleted += _raw_delete(Person.objects.filter(name__startswith=PREFIX))
    deleted += _raw_delete(VehicleModelAlias.objects.filter(vehicle_model__in=models))
    deleted += _raw_delete(models)
    deleted += _raw_delete(CompanyAlias.objects.filter(company__in=companies))
    deleted += _raw_delete(companies)
    deleted += _raw_delete(ExchangeRate.objects.filter(notes=SYNTHETIC))
    return deleted


class NoProgress:
    """A progress report that says nothing."""

    def __init__(self, label, total):
        pass

    def advance(self, count):
        pass

    def close(self):
        pass


class UniqueSlugs:
    """Slugs made from names, with "-2", "-3"… added to repeats, as ``SluggedModel`` does."""

    def __init__(self):
        self.taken = set()

    def __call__(self, text):
        base = slugify(text, allow_unicode=True)[:110]
        candidate, number = base, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{base}-{number}"
        self.taken.add(candidate)
        return candidate


class DemoData:
    """Generate one size of demo data into the default database.

    ``progress(label, total)`` returns an object with ``advance(count)`` and ``close()``;
    ``counts`` holds the rows written per kind once ``generate()`` has run."""

    def __init__(
        self,
        size: Size,
        *,
        seed: int = DEFAULT_SEED,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Callable = NoProgress,
    ):
        self.size = size
        self.seed = seed
        self.batch_size = batch_size
        self.progress = progress
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.counts = {}

    # Helpers ------------------------------------------------------------------------------

    def uuid(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def stamps(self):
        return {"created_at": self.now, "updated_at": self.now}

    def count(self, what, number):
        self.counts[what] = self.counts.get(what, 0) + number

    def insert(self, label, model, total, build, after=None):
        """Insert ``total`` rows made by ``build()`` (each an ``(instance, extra)`` pair),
        ``batch_size`` at a time; ``after(pairs)`` then writes what needs their primary keys."""
        bar = self.progress(label, total)
        done = 0
        while done < total:
            pairs = [build() for _ in range(min(self.batch_size, total - done))]
            model.objects.bulk_create([obj for obj, _ in pairs], batch_size=self.batch_size)
            if after:
                after(pairs)
            done += len(pairs)
            bar.advance(len(pairs))
        bar.close()
        self.count(str(model._meta.verbose_name_plural), total)

    def link(self, field, pairs):
        """Bulk-insert rows of ``field``'s many-to-many table from ``(from_pk, to_pk)`` pairs."""
        if not pairs:
            return
        through = field.remote_field.through
        source = f"{field.m2m_field_name()}_id"
        target = f"{field.m2m_reverse_field_name()}_id"
        through.objects.bulk_create(
            [through(**{source: a, target: b}) for a, b in pairs], batch_size=self.batch_size
        )
        self.count("many-to-many links", len(pairs))

    def fact_fields(self, news_index):
        """Return the fields every fact has: UUID, status, a date on or before its source's,
        its precision (a month-precise date is the 1st), the source and the notes."""
        rng = self.rng
        uuid_ = self.uuid()
        published = self.news_dates[news_index]
        if rng.random() < 0.01:
            date, precision = None, DatePrecision.DAY
        else:
            precision = FACT_PRECISION(rng)
            day = published - datetime.timedelta(days=int(30 * rng.random() ** 2))
            date = truncate_date(max(day, FIRST_DAY), precision)  # never before FIRST_DAY
        return {
            "uuid": uuid_,
            "claim_status": CLAIM_STATUS(rng),
            "date": date,
            "date_precision": precision,
            "source_id": self.news_ids[news_index],
            "notes": SYNTHETIC,
            **self.stamps(),
        }

    def other_sources(self, news_index):
        """Return a few other news items that report the same fact (for one fact in twenty)."""
        if self.rng.random() >= 0.05:
            return []
        picks = {self.rng.randrange(len(self.news_ids)) for _ in range(self.rng.randint(1, 2))}
        return [self.news_ids[i] for i in sorted(picks) if i != news_index]

    def pick_news_and_model(self):
        """Return a news item's index and a model index: mostly the news item's own topic,
        else a popular model."""
        news_index = self.rng.randrange(len(self.news_ids))
        if self.rng.random() < 0.7:
            return news_index, self.news_topics[news_index]
        return news_index, self.popular_model(self.rng)

    def to_currency(self, amount, currency, target, day):
        """Return ``amount`` converted at the demo rates of ``day`` (through the US dollar)."""
        per_usd = self.per_usd[day]
        return amount / per_usd[currency] * per_usd[target]

    # Generation ---------------------------------------------------------------------------

    def generate(self):
        """Write every row (call inside a transaction) and return ``{what: rows written}``."""
        self.exchange_rates()
        self.companies()
        self.vehicle_models()
        self.people()
        self.news_items()
        self.partnerships()
        self.events()
        self.statements()
        self.sightings()
        self.prices()
        last = ("stated conversions", "many-to-many links")
        return {
            **{what: n for what, n in self.counts.items() if what not in last},
            **{what: self.counts[what] for what in last if what in self.counts},
        }

    def exchange_rates(self):
        """Daily rates, as Decimals with a realistic drift: SBP interbank and open-market
        USD/PKR, PBOC parity and offshore USD/CNY; ``per_usd`` holds each calendar day's."""
        rng = self.rng
        usd_pkr, usd_cny = Decimal("176.4520"), Decimal("6.3757")
        rows = []
        self.per_usd = {}
        day = RATES_FROM
        while day <= LAST_DAY:
            weekday = day.weekday() < 5
            if weekday:
                # Steps of whole basis points, the rupee weakening by 0.06% a day on average
                # (about 176 to 280 a dollar over the three years), the yuan by 0.015%.
                usd_pkr = (usd_pkr * (1 + Decimal(rng.randint(-8, 20)) / 10_000)).quantize(
                    FOUR_PLACES
                )
                usd_cny = (usd_cny * (1 + Decimal(rng.randint(-12, 15)) / 10_000)).quantize(
                    FOUR_PLACES
                )
                cnh = (usd_cny + Decimal(rng.randint(-60, 180)) / 10_000).quantize(FOUR_PLACES)
                rows += [
                    (day, "PKR", usd_pkr, ExchangeRate.Source.SBP_INTERBANK),
                    (day, "CNY", usd_cny, ExchangeRate.Source.PBOC_PARITY),
                    (day, "CNY", cnh, ExchangeRate.Source.OFFSHORE_CNH),
                ]
            if day.weekday() < 6:
                premium = 1 + Decimal(rng.randint(20, 120)) / 10_000
                open_market = (usd_pkr * premium).quantize(TWO_PLACES)
                rows.append((day, "PKR", open_market, ExchangeRate.Source.SBP_OPEN_MARKET))
            self.per_usd[day] = {"USD": Decimal(1), "PKR": usd_pkr, "CNY": usd_cny}
            day += datetime.timedelta(days=1)
        rates = [
            ExchangeRate(
                date=date,
                base="USD",
                quote=quote,
                rate=rate,
                source=source,
                claim_status=ClaimStatus.CONFIRMED,
                notes=SYNTHETIC,
                **self.stamps(),
            )
            for date, quote, rate, source in rows
        ]
        self.insert("exchange rates", ExchangeRate, len(rates), iter_pairs(rates))

    def companies(self):
        """The publisher "Synthetic demo data", Chinese carmakers (60%) and Pakistani
        assemblers, distributors and importers; the carmakers' popularity is Zipf-like."""
        rng = self.rng
        taken = {SYNTHETIC.lower()}
        slugs = UniqueSlugs()
        publisher = Company(
            name=SYNTHETIC,
            slug=slugs(SYNTHETIC),
            kind=Company.Kind.PUBLISHER,
            description=f"{SYNTHETIC}: the made-up publisher of every demo news item.",
            **self.stamps(),
        )
        others = self.size.companies - 1
        makers = max(1, round(others * 0.6))
        companies = [publisher]
        for number in range(others):
            is_maker = number < makers
            for attempt in range(100):
                if is_maker:
                    stem = rng.choice(MAKER_STEMS) + rng.choice(MAKER_ENDINGS)
                    name = f"{PREFIX}{stem} {rng.choice(MAKER_SUFFIXES)}"
                else:
                    name = f"{PREFIX}{rng.choice(LOCAL_STEMS)} {rng.choice(LOCAL_SUFFIXES)}"
                if attempt > 50:  # the pretty names are running out
                    name = f"{name} {number}"
                if name.lower() not in taken:
                    break
            taken.add(name.lower())
            companies.append(
                Company(
                    name=name,
                    slug=slugs(name),
                    kind=Company.Kind.MANUFACTURER if is_maker else LOCAL_KIND(rng),
                    country="CN" if is_maker else "PK",
                    description=f"{SYNTHETIC}: not a real company.",
                    **self.stamps(),
                )
            )
        self.insert("companies", Company, len(companies), iter_pairs(companies))
        self.publisher = publisher
        self.makers = companies[1 : makers + 1]
        self.locals = companies[makers + 1 :] or self.makers

    def vehicle_models(self):
        """Families of models ("Demo Volt 7", "Demo Volt 7 Pro"…) spread over the makers by
        a Zipf-like share; popularity is a Zipf draw over the models in a shuffled order."""
        rng = self.rng
        maker = Weighted.zipf(self.makers, exponent=0.8)
        taken, slugs, models = set(), UniqueSlugs(), []
        while len(models) < self.size.models:
            company = maker(rng)
            name = f"{PREFIX}{rng.choice(MODEL_STEMS)} {rng.randint(1, 9)}"
            variants = ["", *rng.sample(VARIANTS, rng.randint(0, 3))]
            for variant in variants[: self.size.models - len(models)]:
                key = (company.pk, name.lower(), variant.lower())
                if key in taken:
                    continue
                taken.add(key)
                powertrain = POWERTRAIN(rng)
                plug_in = powertrain in (VehicleModel.Powertrain.PHEV, VehicleModel.Powertrain.EREV)
                battery = rng.randint(150, 450) if plug_in else rng.randint(300, 1100)
                model = VehicleModel(
                    maker=company,
                    name=name,
                    variant=variant,
                    body_type=BODY_TYPE(rng),
                    powertrain=powertrain,
                    battery_kwh=None if rng.random() < 0.05 else Decimal(battery).scaleb(-1),
                    range_km=None if rng.random() < 0.1 else rng.randint(25, 70) * 10,
                    stage_in_pakistan=STAGE(rng),
                    description=f"{SYNTHETIC}: not a real vehicle model.",
                    **self.stamps(),
                )
                model.slug = slugs(str(model))
                models.append(model)
        self.insert("vehicle models", VehicleModel, len(models), iter_pairs(models))
        self.models = models
        # Launch prices in yuan as carmakers print them: 59,900 … 449,900.
        self.base_prices = [Decimal(rng.randint(6, 45) * 10_000 - 100) for _ in models]
        ranks = list(range(len(models)))
        rng.shuffle(ranks)
        self.popular_model = Weighted.zipf(ranks)

    def people(self):
        rng = self.rng
        slugs, people = UniqueSlugs(), []
        organisations = self.makers + self.locals
        for _ in range(self.size.people):
            name = f"{PREFIX}{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            people.append(
                Person(
                    name=name,
                    slug=slugs(name),
                    role=rng.choice(ROLES),
                    organisation=rng.choice(organisations),
                    description=f"{SYNTHETIC}: not a real person.",
                    **self.stamps(),
                )
            )
        self.insert("people", Person, len(people), iter_pairs(people))
        self.person_list = people

    def news_items(self):
        """News items spread over the three years (more of them lately), each about one topic
        model, published by "Synthetic demo data"; their dates, ids and topics are kept for
        the facts that cite them."""
        rng = self.rng
        span = (LAST_DAY - FIRST_DAY).days
        slugs = UniqueSlugs()
        self.news_ids, self.news_dates, self.news_topics = [], [], []
        summary = (
            f"{SYNTHETIC}: a made-up report written by generate_demo_data (seed {self.seed}) "
            "to try the tracker at scale. It is not real news."
        )
        sequence = iter(range(1, self.size.news + 1))

        def build():
            number = next(sequence)
            topic = self.popular_model(rng)
            model = self.models[topic]
            precision = NEWS_PRECISION(rng)
            published = FIRST_DAY + datetime.timedelta(days=int(span * rng.random() ** 0.75))
            published = truncate_date(published, precision)
            headline = rng.choice(HEADLINES).format(
                model=model.model_name, maker=model.maker, city=CITY(rng)
            )
            item = NewsItem(
                publisher=self.publisher,
                headline=headline,
                slug=slugs(f"{published:%Y-%m-%d} {headline}"),
                url=f"https://demo.invalid/news/{self.seed}/{number}",
                date=published,
                date_precision=precision,
                author=f"{PREFIX}Desk",
                summary=summary,
                body=f"{summary}\n\n{headline}.",
                **self.stamps(),
            )
            person = rng.choice(self.person_list) if rng.random() < 0.1 else None
            return item, (topic, published, person)

        def after(pairs):
            companies, models, people = [], [], []
            for item, (topic, published, person) in pairs:
                self.news_ids.append(item.pk)
                self.news_dates.append(published)
                self.news_topics.append(topic)
                companies.append((item.pk, self.models[topic].maker_id))
                models.append((item.pk, self.models[topic].pk))
                if person:
                    people.append((item.pk, person.pk))
            self.link(NewsItem.companies.field, companies)
            self.link(NewsItem.vehicle_models.field, models)
            self.link(NewsItem.people.field, people)

        self.insert("news items", NewsItem, self.size.news, build, after)

    def partnerships(self):
        rng = self.rng

        def build():
            news_index, topic = self.pick_news_and_model()
            fields = self.fact_fields(news_index)
            model = self.models[topic]
            partner = model.maker
            company = rng.choice(self.locals)
            if company.pk == partner.pk:  # only when there are no local companies at all
                company = self.publisher
            ended = None
            if fields["date"] and rng.random() < 0.05:
                later = fields["date"] + datetime.timedelta(days=rng.randint(90, 700))
                ended = min(later, LAST_DAY)
            city = CITY(rng)
            partnership = Partnership(
                company=company,
                partner=partner,
                kind=PARTNERSHIP_KIND(rng),
                scope=f"{model.model_name} in Pakistan, from {city}",
                status=Partnership.Status.ENDED if ended else PARTNERSHIP_STATUS(rng),
                ended_on=ended,
                **fields,
            )
            return partnership, model.pk

        def after(pairs):
            self.link(Partnership.vehicle_models.field, [(p.pk, m) for p, m in pairs])

        self.insert("partnerships", Partnership, self.size.partnerships, build, after)

    def events(self):
        rng = self.rng
        self.event_ids = []

        def build():
            news_index, topic = self.pick_news_and_model()
            model = self.models[topic]
            kind = EVENT_KIND(rng)
            city = CITY(rng)
            title = EVENT_TITLES[kind].format(model=model.model_name, maker=model.maker, city=city)
            person = rng.choice(self.person_list) if rng.random() < 0.3 else None
            event = MarketEvent(
                kind=kind,
                title=title,
                description=f"{SYNTHETIC}.",
                city=city,
                country="PK",
                **self.fact_fields(news_index),
            )
            return event, (model, person, self.other_sources(news_index))

        def after(pairs):
            self.event_ids += [event.pk for event, _ in pairs]
            self.link(MarketEvent.companies.field, [(e.pk, m.maker_id) for e, (m, _, _) in pairs])
            self.link(MarketEvent.vehicle_models.field, [(e.pk, m.pk) for e, (m, _, _) in pairs])
            self.link(MarketEvent.people.field, [(e.pk, p.pk) for e, (_, p, _) in pairs if p])
            self.link_other_sources(MarketEvent, [(e, o) for e, (_, _, o) in pairs])

        self.insert("market events", MarketEvent, self.size.events, build, after)

    def statements(self):
        rng = self.rng
        speaker = Weighted.zipf(self.person_list)

        def build():
            news_index, topic = self.pick_news_and_model()
            model = self.models[topic]
            person = speaker(rng)
            statement = Statement(
                person=person,
                text=rng.choice(QUOTES).format(model=model.model_name),
                kind=rng.choice(Statement.Kind.values),
                context=SYNTHETIC,
                event_id=rng.choice(self.event_ids) if rng.random() < 0.3 else None,
                **self.fact_fields(news_index),
            )
            return statement, (model, person)

        def after(pairs):
            self.link(
                Statement.companies.field,
                [(s.pk, p.organisation_id) for s, (_, p) in pairs if p.organisation_id],
            )
            self.link(Statement.vehicle_models.field, [(s.pk, m.pk) for s, (m, _) in pairs])

        self.insert("statements", Statement, self.size.statements, build, after)

    def link_other_sources(self, model, pairs):
        self.link(
            model.other_sources.field,
            [(fact.pk, news) for fact, others in pairs for news in others],
        )

    def sightings(self):
        """Sightings: Zipf-skewed cities and models, a third with no known quantity."""
        rng = self.rng
        reporters = self.locals
        # The map's place of each city, from the gazetteer (no draw: the rows stay the same).
        found, _ = gazetteer.match_cities(CITY.population)
        locations = {city: gazetteer.place_for(entry, Place).pk for city, entry in found.items()}

        def build():
            news_index, topic = self.pick_news_and_model()
            city = CITY(rng)
            place = PLACE[city](rng)
            sighting = Sighting(
                vehicle_model_id=self.models[topic].pk,
                place=place,
                city=city,
                location_id=locations.get(city),
                quantity=None if rng.random() < 0.35 else QUANTITY(rng),
                reported_by_id=rng.choice(reporters).pk if rng.random() < 0.1 else None,
                **self.fact_fields(news_index),
            )
            return sighting, self.other_sources(news_index)

        def after(pairs):
            self.link_other_sources(Sighting, pairs)

        self.insert("sightings", Sighting, self.size.sightings, build, after)

    def prices(self):
        """Prices in yuan in China, rupees and dollars in Pakistan, from each model's launch
        price and the day's rates; one in ten states its conversions, as sources do."""
        rng = self.rng

        def build():
            news_index, topic = self.pick_news_and_model()
            fields = self.fact_fields(news_index)
            currency, market = OFFER(rng)
            day = fields["date"] or self.news_dates[news_index]
            base = self.base_prices[topic]
            if market == "CN":
                value = base * Decimal(rng.randint(90, 105)) / 100
            else:  # duties and margins on the way to Pakistan
                value = base * Decimal(rng.randint(105, 190)) / 100
            step = 1 if (currency, market) == ("USD", "CN") else ROUNDING[currency]
            amount = round_to(self.to_currency(value, "CNY", currency, day), step)
            price = PricePoint(
                vehicle_model_id=self.models[topic].pk,
                amount=amount,
                currency=currency,
                market=market,
                kind=PRICE_KIND[market](rng),
                **fields,
            )
            stated = []
            if rng.random() < 0.1:
                published = self.news_dates[news_index]
                targets = [code for code in ("USD", "PKR", "CNY") if code != currency]
                for target in targets[: rng.randint(1, 2)]:
                    exact = self.to_currency(amount, currency, target, published)
                    approximate = target == "PKR" or rng.random() < 0.3
                    stated.append(
                        StatedConversion(
                            source_id=fields["source_id"],
                            amount=round_to(exact, ROUNDING[target] if approximate else 1),
                            currency=target,
                            is_approximate=approximate,
                            **self.stamps(),
                        )
                    )
            return price, (self.other_sources(news_index), stated)

        def after(pairs):
            self.link_other_sources(PricePoint, [(p, others) for p, (others, _) in pairs])
            conversions = []
            for price, (_, stated) in pairs:
                for conversion in stated:
                    conversion.price_point_id = price.pk
                    conversions.append(conversion)
            StatedConversion.objects.bulk_create(conversions, batch_size=self.batch_size)
            self.count("stated conversions", len(conversions))

        self.insert("price points", PricePoint, self.size.prices, build, after)


def iter_pairs(objects):
    """Return a ``build`` function for ``DemoData.insert`` that hands out ready-made rows."""
    remaining = iter(objects)
    return lambda: (next(remaining), None)
