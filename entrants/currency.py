"""Dated currency conversion: the one place where a price becomes another currency.

A price is converted with the rates of a date: for each pair, the most recent rate on or before
that date, used directly (base → quote: multiply) or inverted (quote → base: divide), else
crossed through the US dollar. Every conversion carries the rates it used (pair, date, source,
URL), so a page can always say where a number came from; when no rate exists the amount is
``None``, never a made-up number.

Load the rates once with ``RateTable.load()`` (one query) and convert as many prices as needed::

    table = RateTable.load()
    conversion = table.convert(Decimal("215900"), "CNY", "PKR", datetime.date(2024, 9, 28))
    conversion.amount  # Decimal("8550565.18…"), from the 2024-09-27 rates

Money and rates are ``Decimal`` throughout; floats are refused. Amounts are rounded only for
display (``format_amount``, ``format_lakh_crore``).
"""

from __future__ import annotations

import datetime
import decimal
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from entrants.dates import DatePrecision, middle_of_period
from entrants.models import ClaimStatus, ExchangeRate

USD = "USD"

#: A rate older than this many days before the requested date makes a conversion stale.
STALE_AFTER_DAYS = 7
#: Paths (the rates a conversion uses) a table remembers, per pair and date, before it starts
#: afresh: enough for every day of decades of several pairs.
MAX_REMEMBERED_PATHS = 100_000

#: Largest gap, relative to the computed value, that a stated conversion may have (0.1%).
STATED_RELATIVE_TOLERANCE = Decimal("0.001")

#: Values of ``at`` understood by ``RateTable.convert_at``, besides a date.
AT_PRICE_DATE = "price-date"
AT_LATEST = "latest"
#: The ``basis`` of an undated price's conversion (at the latest rates).
UNDATED = "undated"

# Where one source has several rates for a pair on one date: confirmed before reported before
# rumoured. Denied rates are never used.
CLAIM_STATUS_ORDER = (ClaimStatus.CONFIRMED, ClaimStatus.REPORTED, ClaimStatus.RUMOURED)

Source = ExchangeRate.Source
#: For each pair, its sources from the most to the least preferred (docs/exchange-rates.md):
#: the most recent rate of the first source that has one within ``STALE_AFTER_DAYS`` of the
#: date converts; without any, the most recent rate of any source does (and is stale).
SOURCE_ORDER = {
    ("USD", "CNY"): (Source.PBOC_PARITY, Source.ECB, Source.OFFSHORE_CNH),
    ("USD", "PKR"): (Source.SBP_INTERBANK, Source.SBP_M2M, Source.SBP_OPEN_MARKET),
}
#: After a pair's own order (and for other pairs): every source in this order, "other" last.
FALLBACK_ORDER = tuple(Source)

# Enough digits that chaining two rates loses nothing a reader could see, whatever precision
# the caller's own decimal context has.
_CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)

# Currencies shown without decimals whatever the amount (their minor units are never quoted).
WHOLE_UNIT_CURRENCIES = frozenset({"PKR", "USD", "CNY"})

LAKH = Decimal(100_000)
CRORE = Decimal(10_000_000)


def to_decimal(value):
    """Return ``value`` (Decimal, int or numeric string) as a Decimal; refuse floats."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"Money and rates are Decimal, never {type(value).__name__}: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", ""))
        except decimal.InvalidOperation:
            raise ValueError(f"Not a number: {value!r}") from None
    raise TypeError(f"Cannot use {type(value).__name__} as an amount: {value!r}")


@dataclass(frozen=True)
class RateUsed:
    """One stored exchange rate as a conversion used it (as 1/rate when ``inverted``)."""

    base: str
    quote: str
    rate: Decimal
    date: datetime.date
    source: str
    source_url: str
    claim_status: str
    inverted: bool = False
    source_code: str = ""

    @property
    def pair(self):
        """Return the stored pair, "USD/PKR": one USD costs ``rate`` PKR."""
        return f"{self.base}/{self.quote}"

    @property
    def from_currency(self):
        return self.quote if self.inverted else self.base

    @property
    def to_currency(self):
        return self.base if self.inverted else self.quote

    @property
    def factor(self):
        """Return what one unit of ``from_currency`` is worth in ``to_currency``."""
        return _CONTEXT.divide(Decimal(1), self.rate) if self.inverted else self.rate

    def as_dict(self):
        return {
            "pair": self.pair,
            "rate": f"{self.rate.normalize():f}",
            "date": self.date.isoformat(),
            "source": self.source,
            "source_code": self.source_code,
            "source_url": self.source_url,
            "claim_status": self.claim_status,
            "inverted": self.inverted,
        }


@dataclass(frozen=True)
class Conversion:
    """An amount converted at the rates of date ``on``; ``amount`` is None when no rate exists."""

    amount: Decimal | None
    from_currency: str
    to_currency: str
    on: datetime.date | None
    rates: tuple[RateUsed, ...] = ()
    original_amount: Decimal | None = None
    #: Why ``on`` is not the price's own day: "undated" (the latest rates), "month" or "year"
    #: (the middle of the period the price's date is known to); "" otherwise.
    basis: str = ""

    @property
    def basis_note(self):
        """Return, in words, the day whose rates converted, when it is not the price's own."""
        if not self.basis or self.on is None:
            return ""
        day = f"{self.on:%-d %b %Y}"
        if self.basis == UNDATED:
            return f"undated: at the rates of {day}"
        return f"known to the {self.basis}: at the rates of {day}"

    @property
    def missing(self):
        """Return True when no rate allowed the conversion."""
        return self.amount is None

    @property
    def oldest_rate_date(self):
        return min((rate.date for rate in self.rates), default=None)

    @property
    def age_days(self):
        """Return the days between ``on`` and the oldest rate used (None when no rate used)."""
        oldest = self.oldest_rate_date
        if oldest is None or self.on is None:
            return None
        return (self.on - oldest).days

    @property
    def stale(self):
        """Return True when a rate used is more than ``STALE_AFTER_DAYS`` older than ``on``."""
        age = self.age_days
        return age is not None and age > STALE_AFTER_DAYS

    @property
    def effective_rate(self):
        """Return what one unit of ``from_currency`` was worth in ``to_currency``, or None."""
        if self.missing:
            return None
        return _chain(Decimal(1), self.rates)

    def as_dict(self):
        """Return the conversion as JSON-ready data: amounts as strings, dates ISO."""
        return {
            "amount": None if self.amount is None else str(self.amount),
            "display": format_amount(self.amount, self.to_currency),
            "original_amount": (
                None if self.original_amount is None else str(self.original_amount)
            ),
            "from_currency": self.from_currency,
            "to_currency": self.to_currency,
            "on": None if self.on is None else self.on.isoformat(),
            "missing": self.missing,
            "stale": self.stale,
            "age_days": self.age_days,
            "oldest_rate_date": (
                None if self.oldest_rate_date is None else self.oldest_rate_date.isoformat()
            ),
            "rates": [rate.as_dict() for rate in self.rates],
            "basis": self.basis_note,
        }


def _chain(amount, rates):
    """Return ``amount`` converted through ``rates``: all multiplications, then one division."""
    numerator, denominator = amount, Decimal(1)
    for rate in rates:
        if rate.inverted:
            denominator = _CONTEXT.multiply(denominator, rate.rate)
        else:
            numerator = _CONTEXT.multiply(numerator, rate.rate)
    return _CONTEXT.divide(numerator, denominator)


def _status_rank(claim_status):
    if claim_status in CLAIM_STATUS_ORDER:
        return CLAIM_STATUS_ORDER.index(claim_status)
    return len(CLAIM_STATUS_ORDER)


def source_order(base, quote):
    """Return the sources of ``base``/``quote`` (either way round), most preferred first."""
    own = SOURCE_ORDER.get((base, quote)) or SOURCE_ORDER.get((quote, base)) or ()
    return (*own, *(source for source in FALLBACK_ORDER if source not in own))


@dataclass(frozen=True)
class Series:
    """One source's rates of one pair, by date (one rate a date: the best claim status)."""

    dates: list
    rates: list

    def latest(self, on):
        """Return the most recent rate on or before ``on``, or None."""
        index = bisect_right(self.dates, on) - 1
        return self.rates[index] if index >= 0 else None


class RateTable:
    """All exchange rates in memory, by pair, source and date, ready for any number of
    conversions. ``preferring(source)`` gives the same table with one source forced."""

    FIELDS = ("date", "base", "quote", "rate", "source", "source_url", "claim_status")

    def __init__(self, rows: Iterable[dict], prefer=""):
        """Index ``rows`` (dicts with the keys of ``FIELDS``): per pair and source, one rate a
        date (the best claim status)."""
        best = {}
        for row in rows:
            if row["claim_status"] == ClaimStatus.DENIED:
                continue
            key = (row["base"], row["quote"], row["source"], row["date"])
            rank = _status_rank(row["claim_status"])
            if key not in best or rank < best[key][0]:
                best[key] = (rank, row)
        # Translate each source's label once per table, not once per rate.
        labels = {value: str(label) for value, label in Source.choices}
        by_series = {}
        for (base, quote, source, _date), (_rank, row) in best.items():
            by_series.setdefault((base, quote, source), []).append(
                RateUsed(
                    base=base,
                    quote=quote,
                    rate=to_decimal(row["rate"]),
                    date=row["date"],
                    source=labels.get(source, source),
                    source_url=row["source_url"],
                    claim_status=row["claim_status"],
                    source_code=source,
                )
            )
        self._series = {}  # (base, quote) -> [(source, Series)] in the pair's source order
        for (base, quote, source), rates in by_series.items():
            rates.sort(key=lambda rate: rate.date)
            series = Series([rate.date for rate in rates], rates)
            self._series.setdefault((base, quote), []).append((source, series))
        for (base, quote), sources in self._series.items():
            order = source_order(base, quote)
            sources.sort(key=lambda entry: order.index(entry[0]) if entry[0] in order else 99)
        self.prefer = prefer
        self._ranks = {}
        self._paths = {}

    @classmethod
    def load(cls, queryset=None):
        """Return a table of every exchange rate (or of ``queryset``), read in one query."""
        queryset = ExchangeRate.objects.all() if queryset is None else queryset
        return cls(queryset.order_by().values(*cls.FIELDS))

    def preferring(self, source):
        """Return this table with ``source`` forced wherever it has a rate on or before the
        date (stale or not); the other pairs keep their order. "" gives the usual order."""
        if source == self.prefer:
            return self
        table = RateTable((), prefer=source)
        table._series = self._series
        table._ranks = self._ranks
        return table

    def sources(self):
        """Return the source codes with at least one rate, in the fallback order."""
        held = {source for sources in self._series.values() for source, _series in sources}
        return [source for source in FALLBACK_ORDER if source in held]

    def __len__(self):
        return sum(len(series.dates) for sources in self._series.values() for _, series in sources)

    def _candidates(self, from_currency, to_currency, on):
        """Return, source by source in the pair's order, (rate, inverted) for the most recent
        rate on or before ``on`` that takes ``from_currency`` to ``to_currency`` (stored either
        way round; ``inverted`` when stored the other way)."""
        found = []
        for pair, inverted in (
            ((from_currency, to_currency), False),
            ((to_currency, from_currency), True),
        ):
            for _source, series in self._series.get(pair, ()):
                rate = series.latest(on)
                if rate is not None:
                    found.append((rate, inverted))
        return found

    def _rank(self, from_currency, to_currency):
        """Return {source code: its place in the pair's order}, built once per pair."""
        pair = (from_currency, to_currency)
        rank = self._ranks.get(pair)
        if rank is None:
            rank = {source: index for index, source in enumerate(source_order(*pair))}
            self._ranks[pair] = rank
        return rank

    def _leg(self, from_currency, to_currency, on):
        """Return the rate taking ``from_currency`` to ``to_currency`` on ``on``: the preferred
        source's if forced and known; else the first source (in the pair's order) with a rate
        within ``STALE_AFTER_DAYS``; else the most recent rate of any source."""
        candidates = self._candidates(from_currency, to_currency, on)
        if not candidates:
            return None
        chosen = None
        if self.prefer:
            forced = [entry for entry in candidates if entry[0].source_code == self.prefer]
            if forced:
                chosen = max(forced, key=lambda entry: entry[0].date)
        if chosen is None:
            order = self._rank(from_currency, to_currency)
            unranked = len(order)

            def rank(entry):
                return order.get(entry[0].source_code, unranked)

            def status(entry):
                return _status_rank(entry[0].claim_status)

            fresh = [entry for entry in candidates if (on - entry[0].date).days <= STALE_AFTER_DAYS]
            if fresh:
                # The best source; of its direct and inverse rates, the more recent, then the
                # better claim status, then the direct one.
                chosen = min(
                    fresh, key=lambda e: (rank(e), -e[0].date.toordinal(), status(e), e[1])
                )
            else:
                chosen = min(
                    candidates, key=lambda e: (-e[0].date.toordinal(), rank(e), status(e), e[1])
                )
        rate, inverted = chosen
        return replace(rate, inverted=True) if inverted else rate

    def _path(self, from_currency, to_currency, on):
        """Return the rates, in the order applied, that convert on ``on``; empty if none do.
        Remembered per pair and date: a chart converts thousands of prices, many of a date."""
        key = (from_currency, to_currency, on)
        path = self._paths.get(key)
        if path is None:
            path = self._find_path(from_currency, to_currency, on)
            if len(self._paths) >= MAX_REMEMBERED_PATHS:
                self._paths.clear()
            self._paths[key] = path
        return path

    def _find_path(self, from_currency, to_currency, on):
        leg = self._leg(from_currency, to_currency, on)
        if leg is not None:
            return (leg,)
        if USD in (from_currency, to_currency):
            return ()
        first = self._leg(from_currency, USD, on)
        second = self._leg(USD, to_currency, on)
        if first is None or second is None:
            return ()
        return (first, second)

    def convert(self, amount, from_currency, to_currency, on):
        """Return ``amount`` of ``from_currency`` in ``to_currency`` at the rates of ``on``."""
        amount = to_decimal(amount)
        from_currency, to_currency = from_currency.upper(), to_currency.upper()
        if from_currency == to_currency:
            return Conversion(amount, from_currency, to_currency, on, (), amount)
        rates = self._path(from_currency, to_currency, on) if on is not None else ()
        converted = _chain(amount, rates) if rates else None
        return Conversion(converted, from_currency, to_currency, on, rates, amount)

    def _first(self, from_currency, to_currency):
        """Return the first date with a rate of the pair, stored either way round, or None."""
        dates = [
            series.dates[0]
            for pair in ((from_currency, to_currency), (to_currency, from_currency))
            for _source, series in self._series.get(pair, ())
        ]
        return min(dates, default=None)

    def first_date(self, from_currency, to_currency):
        """Return the first date on which ``from_currency`` converts to ``to_currency`` (directly
        or through USD), or None if it never does (a currency to itself: ``date.min``)."""
        from_currency, to_currency = from_currency.upper(), to_currency.upper()
        if from_currency == to_currency:
            return datetime.date.min
        found = [self._first(from_currency, to_currency)]
        if USD not in (from_currency, to_currency):
            legs = [self._first(from_currency, USD), self._first(USD, to_currency)]
            found.append(None if None in legs else max(legs))
        return min((day for day in found if day is not None), default=None)

    def latest_date(self, from_currency, to_currency):
        """Return the latest date with a rate on the path a conversion would use today, or None
        (also None for one currency to itself, which needs no rate)."""
        from_currency, to_currency = from_currency.upper(), to_currency.upper()
        if from_currency == to_currency:
            return None
        rates = self._path(from_currency, to_currency, datetime.date.max)
        return max((rate.date for rate in rates), default=None)

    def convert_at(
        self, amount, from_currency, to_currency, at, price_date=None, precision=DatePrecision.DAY
    ):
        """Return ``amount`` converted at ``at``: "price-date" (the rates of ``price_date``,
        known to ``precision``), "latest" (the latest rates known for the pair) or a
        ``datetime.date``. At its own date, an undated price converts at the latest rates and a
        price known to the month or year at the rates of the middle of that period; the
        conversion's ``basis`` says so."""
        at = parse_at(at)
        basis = ""
        if at == AT_PRICE_DATE and price_date is None:
            on, basis = self.latest_date(from_currency, to_currency), UNDATED
        elif at == AT_PRICE_DATE:
            on = middle_of_period(price_date, precision)
            basis = precision if precision in (DatePrecision.MONTH, DatePrecision.YEAR) else ""
        elif at == AT_LATEST:
            on = self.latest_date(from_currency, to_currency) or price_date
        else:
            on = at
        conversion = self.convert(amount, from_currency, to_currency, on)
        return replace(conversion, basis=str(basis)) if basis else conversion


def parse_at(value):
    """Return "price-date", "latest" or a date from ``value`` (a query-string value or a date);
    raise ValueError for anything else."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if value in (AT_PRICE_DATE, AT_LATEST):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(
        f"“at” is {AT_PRICE_DATE!r}, {AT_LATEST!r} or a date such as 2024-09-28, not {value!r}"
    )


def convert(amount, from_currency, to_currency, on):
    """Return one conversion at the rates of ``on`` (loads the rates; for many prices, load a
    ``RateTable`` once and use its ``convert``)."""
    return RateTable.load().convert(amount, from_currency, to_currency, on)


def rounding_tolerance(stated):
    """Return half a unit of the last significant digit of ``stated``, judged from its trailing
    zeros: 8,550,000 → 5,000; 245,900 → 50; 30,917 → 0.5."""
    stated = to_decimal(stated)
    if stated == 0:
        return Decimal("0.5")
    exponent = stated.normalize().as_tuple().exponent
    return Decimal(5) * Decimal(10) ** (exponent - 1)


@dataclass
class StatedCheck:
    """A conversion a source stated, beside what the rates of its publication date compute."""

    stated_amount: Decimal
    stated_currency: str
    computed: Conversion
    gap: Decimal | None = None
    gap_ratio: Decimal | None = None
    tolerance: Decimal = field(default=Decimal("0.5"))
    flagged: bool | None = None

    @property
    def checked(self):
        """Return True when a rate allowed the check (``flagged`` is then True or False)."""
        return self.flagged is not None


def check_stated(
    stated_amount, stated_currency, original_amount, original_currency, published_on, table
):
    """Return a StatedCheck of a stated conversion against the rates of ``published_on`` (the
    date the stating news item was published).

    ``flagged`` is True when the gap is larger than both 0.1% of the computed value and the
    stated figure's own rounding (8,550,000 may be 5,000 off), None when no rate allows a check.
    """
    stated_amount = to_decimal(stated_amount)
    computed = table.convert(original_amount, original_currency, stated_currency, published_on)
    check = StatedCheck(
        stated_amount=stated_amount,
        stated_currency=stated_currency.upper(),
        computed=computed,
        tolerance=rounding_tolerance(stated_amount),
    )
    if computed.missing:
        return check
    check.gap = stated_amount - computed.amount
    distance = abs(check.gap)
    if computed.amount:
        check.gap_ratio = _CONTEXT.divide(distance, abs(computed.amount))
    check.flagged = (
        distance > STATED_RELATIVE_TOLERANCE * abs(computed.amount) and distance > check.tolerance
    )
    return check


def check_stated_conversion(stated_conversion, table):
    """Return the StatedCheck of a ``StatedConversion``, at its news item's publication date
    (select ``price_point`` and ``source`` with it to avoid two queries per row)."""
    price = stated_conversion.price_point
    return check_stated(
        stated_conversion.amount,
        stated_conversion.currency,
        price.amount,
        price.currency,
        stated_conversion.source.date,
        table,
    )


# ISO 4217 minor units of the currencies that have none or three; every other has two.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3}


def to_minor_unit(amount, currency):
    """Return ``amount`` rounded to the minor unit of ``currency`` (cents, paisa, fen): how a
    converted amount is exported. None stays None."""
    if amount is None:
        return None
    places = MINOR_UNITS.get(currency.upper(), 2)
    return to_decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_amount(amount, currency=""):
    """Return ``amount`` for display, "PKR 8,550,565": no decimals for PKR, USD and CNY or from
    1,000 up, two decimals otherwise. Return "" for None."""
    if amount is None:
        return ""
    amount = to_decimal(amount)
    currency = (currency or "").upper()
    whole = currency in WHOLE_UNIT_CURRENCIES or abs(amount) >= 1000
    rounded = amount.quantize(Decimal(1) if whole else Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}"
    return f"{currency} {text}" if currency else text


def format_lakh_crore(amount):
    """Return a rupee amount as Pakistani readers say it: "2 crore", "1.25 crore", "85.5 lakh";
    below a lakh, "99,999". Return "" for None."""
    if amount is None:
        return ""
    amount = to_decimal(amount)
    sign, size = ("-" if amount < 0 else ""), abs(amount)

    def count(unit):
        return (size / unit).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    # 9,999,999 would round to "100 lakh": say "1 crore" instead.
    if size >= CRORE or count(LAKH) >= 100:
        return f"{sign}{count(CRORE).normalize():,f} crore"
    if size >= LAKH:
        return f"{sign}{count(LAKH).normalize():,f} lakh"
    return f"{sign}{size.quantize(Decimal(1), rounding=ROUND_HALF_UP):,f}"
