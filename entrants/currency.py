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

from entrants.models import ClaimStatus, ExchangeRate

USD = "USD"

#: A rate older than this many days before the requested date makes a conversion stale.
STALE_AFTER_DAYS = 7

#: Largest gap, relative to the computed value, that a stated conversion may have (0.1%).
STATED_RELATIVE_TOLERANCE = Decimal("0.001")

#: Values of ``at`` understood by ``RateTable.convert_at``, besides a date.
AT_PRICE_DATE = "price-date"
AT_LATEST = "latest"

# Where one date has several rates for a pair: confirmed before reported before rumoured, then
# this source order. Denied rates are never used.
CLAIM_STATUS_ORDER = (ClaimStatus.CONFIRMED, ClaimStatus.REPORTED, ClaimStatus.RUMOURED)
SOURCE_ORDER = (
    ExchangeRate.Source.SBP_INTERBANK,
    ExchangeRate.Source.PBOC_PARITY,
    ExchangeRate.Source.SBP_OPEN_MARKET,
    ExchangeRate.Source.OFFSHORE_CNH,
    ExchangeRate.Source.OTHER,
)

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


def _preference(claim_status, source):
    """Return a sort key: lower is preferred among rates of one pair on one date."""
    status_rank = (
        CLAIM_STATUS_ORDER.index(claim_status)
        if claim_status in CLAIM_STATUS_ORDER
        else len(CLAIM_STATUS_ORDER)
    )
    source_rank = SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)
    return (status_rank, source_rank, source)


class RateTable:
    """All exchange rates in memory, by pair and date, ready for any number of conversions."""

    FIELDS = ("date", "base", "quote", "rate", "source", "source_url", "claim_status")

    def __init__(self, rows: Iterable[dict]):
        """Index ``rows`` (dicts with the keys of ``FIELDS``), keeping one rate per pair and
        date: the preferred one."""
        best = {}
        for row in rows:
            if row["claim_status"] == ClaimStatus.DENIED:
                continue
            key = (row["base"], row["quote"], row["date"])
            preference = _preference(row["claim_status"], row["source"])
            if key not in best or preference < best[key][0]:
                best[key] = (preference, row)
        # Translate each source's label once per table, not once per rate.
        labels = {value: str(label) for value, label in ExchangeRate.Source.choices}
        by_pair = {}
        for (base, quote, _date), (_preference_key, row) in best.items():
            by_pair.setdefault((base, quote), []).append(
                RateUsed(
                    base=base,
                    quote=quote,
                    rate=to_decimal(row["rate"]),
                    date=row["date"],
                    source=labels.get(row["source"], row["source"]),
                    source_url=row["source_url"],
                    claim_status=row["claim_status"],
                )
            )
        self._rates = {}
        self._dates = {}
        for pair, rates in by_pair.items():
            rates.sort(key=lambda rate: rate.date)
            self._rates[pair] = rates
            self._dates[pair] = [rate.date for rate in rates]

    @classmethod
    def load(cls, queryset=None):
        """Return a table of every exchange rate (or of ``queryset``), read in one query."""
        queryset = ExchangeRate.objects.all() if queryset is None else queryset
        return cls(queryset.order_by().values(*cls.FIELDS))

    def __len__(self):
        return sum(len(rates) for rates in self._rates.values())

    def _latest_stored(self, base, quote, on):
        """Return the most recent stored rate of base/quote on or before ``on``, or None."""
        dates = self._dates.get((base, quote))
        if not dates:
            return None
        index = bisect_right(dates, on) - 1
        return self._rates[(base, quote)][index] if index >= 0 else None

    def _leg(self, from_currency, to_currency, on):
        """Return the rate taking ``from_currency`` to ``to_currency`` on ``on``: the more recent
        of the direct and inverse rates (the direct one when both have the same date)."""
        direct = self._latest_stored(from_currency, to_currency, on)
        inverse = self._latest_stored(to_currency, from_currency, on)
        if inverse is not None and (direct is None or inverse.date > direct.date):
            return replace(inverse, inverted=True)
        return direct

    def _path(self, from_currency, to_currency, on):
        """Return the rates, in the order applied, that convert on ``on``; empty if none do."""
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

    def latest_date(self, from_currency, to_currency):
        """Return the latest date with a rate on the path a conversion would use today, or None
        (also None for one currency to itself, which needs no rate)."""
        from_currency, to_currency = from_currency.upper(), to_currency.upper()
        if from_currency == to_currency:
            return None
        rates = self._path(from_currency, to_currency, datetime.date.max)
        return max((rate.date for rate in rates), default=None)

    def convert_at(self, amount, from_currency, to_currency, at, price_date=None):
        """Return ``amount`` converted at ``at``: "price-date" (the rates of ``price_date``),
        "latest" (the latest rates known for the pair) or a ``datetime.date``."""
        at = parse_at(at)
        if at == AT_PRICE_DATE:
            on = price_date
        elif at == AT_LATEST:
            on = self.latest_date(from_currency, to_currency) or price_date
        else:
            on = at
        return self.convert(amount, from_currency, to_currency, on)


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
