"""Money and numbers of units in an article: "around PKR8.55 million" is 8550000 PKR,
approximate; "over 100 units" is 100, at least. Money is ``Decimal`` from the digits as printed,
never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from entrants.money_words import CURRENCY_WORDS, SCALES
from entrants.newsdesk.extraction.matching import overlaps


@dataclass(frozen=True)
class Amount:
    """An amount of money as printed: "around PKR8.55 million" is 8550000 PKR, approximate."""

    value: Decimal
    currency: str
    text: str
    approximate: bool
    at_least: bool
    position: int


@dataclass(frozen=True)
class Quantity:
    """A number of units: "over 100 units" is 100, at least."""

    value: int
    unit: str
    text: str
    approximate: bool
    at_least: bool
    position: int


_NUMBER = r"\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = (
    r"(?:[^\S\n]?(?i:thousand|million|billion|trillion|lakhs?|lacs?|crores?|mln|mn|bn|tn|cr)"
    r"|[mbkMBK])(?!\w)"
)
# ISO 4217 codes written before or after an amount (a curated list: "ALL" or "TOP" in a
# headline are words, not the lek or the paʻanga).
_ISO_CODES = "|".join(
    "PKR USD CNY RMB EUR GBP AED SAR INR JPY HKD AUD CAD SGD KRW CHF QAR OMR KWD BDT LKR MYR "
    "THB".split()
)
#: A currency written before an amount: "Rs", "US$", "PKR".
CURRENCY_PREFIX = rf"US[^\S\n]?\$|HK\$|A\$|C\$|S\$|CN¥|\$|¥|€|£|₹|Rs\.?|Dhs?\.?|{_ISO_CODES}"
_SUFFIX = (
    rf"(?i:yuan|renminbi|rupees?|(?:US[^\S\n]+)?dollars?|euros?|dirhams?|riyals?)|{_ISO_CODES}"
)
_AMOUNT_RE = re.compile(
    rf"(?<![A-Za-z0-9.,])(?P<prefix>{CURRENCY_PREFIX})[^\S\n]?"
    rf"(?P<number>{_NUMBER})(?P<scale>{_SCALE})?"
    rf"|(?<![\w.,])(?P<number2>{_NUMBER})(?P<scale2>{_SCALE})?"
    rf"[^\S\n]?(?P<suffix>{_SUFFIX})(?![\w/])"
    rf"|(?<![\w.,])(?P<number3>{_NUMBER})[^\S\n]?(?P<scale3>(?i:lakhs?|lacs?|crores?))(?!\w)"
)
_APPROXIMATE_BEFORE_RE = re.compile(
    r"(?:(?<!\w)(?i:around|about|nearly|approximately|approx\.|roughly|almost|some|circa|"
    r"close\s+to|an\s+estimated|estimated)|~)[^\S\n]*$"
)
_AT_LEAST_BEFORE_RE = re.compile(
    r"(?<!\w)(?i:over|more\s+than|above|at\s+least|upwards\s+of|in\s+excess\s+of|exceeding)"
    r"[^\S\n]*$"
)

_ONES = {
    word: number
    for number, word in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split(),
        start=1,
    )
}
_TENS = {
    word: number
    for number, word in zip(
        range(20, 100, 10),
        "twenty thirty forty fifty sixty seventy eighty ninety".split(),
        strict=True,
    )
}
_ONES_RE = "|".join(sorted(_ONES, key=len, reverse=True))
_UNITS_RE = "|".join(word for word in sorted(_ONES, key=len, reverse=True) if _ONES[word] < 10)
_TENS_RE = "|".join(_TENS)
_BASIC_NUMBER = rf"(?:(?:{_TENS_RE})(?:[\s-](?:{_UNITS_RE}))?|{_ONES_RE})"
_NUMBER_WORDS = (
    rf"(?:(?:a|an|{_BASIC_NUMBER})[^\S\n]+(?:hundred|thousand)"
    rf"|(?:hundreds|thousands|dozens)[^\S\n]+of|a[^\S\n]+dozen|{_BASIC_NUMBER})"
)
_UNIT_WORDS = (
    r"units?|vehicles?|cars?|EVs?|electric[^\S\n]+(?:vehicles|cars)|buses|bus|trucks?|"
    r"motorcycles?|motorbikes?|bikes?|rickshaws?|scooters?|two-wheelers?|three-wheelers?"
)
_QUANTITY_RE = re.compile(
    rf"(?<![\w.,$¥€£₹-])(?:(?P<digits>\d{{1,3}}(?:,\d{{3}})+|\d+)|(?i:(?P<words>{_NUMBER_WORDS})))"
    # Up to three words between the number and the unit: "two SU7 Max units", "300 new cars".
    r"(?P<between>(?:[^\S\n]+"
    r"(?:[A-Z][\w.-]*|\d[\w.]*|(?i:new|more|additional|imported|used))){0,3})"
    rf"[^\S\n]+(?P<unit>(?i:{_UNIT_WORDS}))(?!\w)"
)


def _plain(value):
    """Return ``value`` without trailing zeros or exponent: 8550000, not 8.55E+6."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _unit_name(unit):
    """Return the unit as a plural-agnostic reader expects it: "units", "cars", "EVs"."""
    unit = " ".join(unit.split()).lower()
    return {"ev": "EV", "evs": "EVs"}.get(unit, unit)


def _word_number(phrase):
    """Return (value, at_least) for a number written in words: "two", "twenty-five",
    "a hundred", "hundreds of"."""
    words = phrase.lower().replace("-", " ").split()
    if words[-1] == "of":  # "hundreds of", "dozens of": more than one hundred, one dozen
        return {"hundreds": 200, "thousands": 2000, "dozens": 24}[words[0]], True
    multiplier = 1
    if words[-1] in {"hundred", "thousand", "dozen"}:
        multiplier = {"hundred": 100, "thousand": 1000, "dozen": 12}[words.pop()]
    value = sum(_ONES.get(word, 0) + _TENS.get(word, 0) for word in words)
    return (value or 1) * multiplier, False


def find_amounts(text):
    """Return the amounts of money ``text`` gives, with their ISO 4217 currency."""
    amounts = []
    for match in _AMOUNT_RE.finditer(text):
        if match["prefix"]:
            currency_text, number, scale = match["prefix"], match["number"], match["scale"]
        elif match["suffix"]:
            currency_text, number, scale = match["suffix"], match["number2"], match["scale2"]
        else:
            currency_text, number, scale = "Rs", match["number3"], match["scale3"]
        key = re.sub(r"[\s.]", "", currency_text).upper()
        currency = CURRENCY_WORDS.get(key, key)
        value = Decimal(number.replace(",", ""))
        if scale:
            value *= SCALES[scale.strip().lower()]
        before = text[max(0, match.start() - 30) : match.start()]
        amounts.append(
            Amount(
                value=_plain(value),
                currency=currency,
                text=match.group(),
                approximate=bool(_APPROXIMATE_BEFORE_RE.search(before)),
                at_least=bool(_AT_LEAST_BEFORE_RE.search(before)),
                position=match.start(),
            )
        )
    return tuple(amounts)


def find_quantities(text, exclude=()):
    """Return the numbers of units ``text`` gives ("two units", "over 100 cars"), skipping any
    that overlap the spans in ``exclude`` (amounts of money)."""
    quantities = []
    for match in _QUANTITY_RE.finditer(text):
        if overlaps(*match.span(), exclude):
            continue
        if match["digits"]:
            value, at_least = int(match["digits"].replace(",", "")), False
        else:
            value, at_least = _word_number(match["words"])
        if value < 1:
            continue
        before = text[max(0, match.start() - 30) : match.start()]
        quantities.append(
            Quantity(
                value=value,
                unit=_unit_name(match["unit"]),
                text=match.group(),
                approximate=bool(_APPROXIMATE_BEFORE_RE.search(before)),
                at_least=at_least or bool(_AT_LEAST_BEFORE_RE.search(before)),
                position=match.start(),
            )
        )
    return tuple(quantities)
