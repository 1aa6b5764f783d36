"""Dates in an article: absolute ones as printed ("28 September 2024", "March 2024") and
relative ones ("in April", "last year", "yesterday") resolved against the publication date;
without one, a relative date is skipped, never guessed. Also the "date YYYY-MM-DD" header an
article file may start with."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from entrants.dates import DatePrecision
from entrants.newsdesk.extraction.matching import overlaps

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Month names and their abbreviations, as capitalised words that are never a name.
MONTH_WORDS = frozenset(MONTH_NAMES) | frozenset(
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()
)


@dataclass(frozen=True)
class DateMention:
    """A date as precisely as the text gives it: "March 2024" is 2024-03-01, to the month."""

    date: datetime.date
    precision: DatePrecision
    text: str
    relative: bool
    position: int


_HEADER_RE = re.compile(
    r"\A\s*date[ \t]*:?[ \t]+(?P<date>\d{4}-\d{1,2}-\d{1,2})(?!\S)[ \t]*(?:\r?\n)?",
    re.IGNORECASE,
)
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def split_header(text):
    """Return the date of a leading "date YYYY-MM-DD" header (as written, or None) and the
    article without the header."""
    match = _HEADER_RE.match(text)
    if match is None:
        return None, text
    return match.group("date"), text[match.end() :]


def parse_iso_date(value):
    """Return the date written as YYYY-MM-DD, or raise ValueError saying what is wrong."""
    if not _ISO_DATE_RE.fullmatch(value.strip()):
        raise ValueError(f"“{value}” is not a date written as YYYY-MM-DD (e.g. 2024-09-28).")
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"“{value}” is not a real date.") from None


_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.?(?![A-Za-z])"
)
_FULL_MONTH = rf"(?P<month>{'|'.join(MONTH_NAMES)})(?![\w-])"
_ORDINAL = r"(?:st|nd|rd|th)?"
_PREPOSITION = (
    r"(?i:in|since|from|by|until|till|through|during|of|early|mid|late|end[^\S\n]+of|"
    r"beginning[^\S\n]+of|start[^\S\n]+of|middle[^\S\n]+of)"
)
_NO_YEAR_AFTER = r"(?!,?[^\S\n]+\d)"


def _month_number(name):
    return MONTH_NAMES.index(next(m for m in MONTH_NAMES if m.startswith(name[:3]))) + 1


def _safe_date(year, month, day=1):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _year_of_month(month, published_on, qualifier=""):
    """Return the year of a month named without one, as a reader on ``published_on`` takes it:
    "in April" is the latest April up to the publication month."""
    year = published_on.year
    if qualifier == "this":
        return year
    if qualifier == "last":
        return year if month < published_on.month else year - 1
    if qualifier == "next":
        return year if month > published_on.month else year + 1
    return year if month <= published_on.month else year - 1


def _shift_month(published_on, months):
    index = published_on.year * 12 + published_on.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


_QUALIFIERS = {
    "last": "last",
    "previous": "last",
    "the previous": "last",
    "this": "this",
    "current": "this",
    "the current": "this",
    "next": "next",
    "coming": "next",
    "the coming": "next",
}


def _qualifier(text):
    return _QUALIFIERS[" ".join(text.lower().split())]


def _iso_date(match, published_on):
    return _safe_date(int(match["year"]), int(match["mo"]), int(match["day"])), "day", False


def _day_month_year(match, published_on):
    day = _safe_date(int(match["year"]), _month_number(match["month"]), int(match["day"]))
    return day, "day", False


def _month_year(match, published_on):
    return _safe_date(int(match["year"]), _month_number(match["month"])), "month", False


def _month_relative_year(match, published_on):
    if published_on is None:
        return None
    offset = {"last": -1, "this": 0, "next": 1}[_qualifier(match["qualifier"])]
    month = _month_number(match["month"])
    return _safe_date(published_on.year + offset, month), "month", True


def _day_month(match, published_on):
    if published_on is None:
        return None
    month, day = _month_number(match["month"]), int(match["day"])
    year = published_on.year
    if (month, day) > (published_on.month, published_on.day):
        year -= 1
    return _safe_date(year, month, day), "day", True


def _qualified_month(match, published_on):
    if published_on is None:
        return None
    month = _month_number(match["month"])
    qualifier = _qualifier(match["qualifier"]) if match.groupdict().get("qualifier") else ""
    return _safe_date(_year_of_month(month, published_on, qualifier), month), "month", True


def _relative_period(match, published_on):
    """ "last year" is a year, "next month" a month; "last week" is the month that holds the
    middle of that week (a week is not a precision the tracker keeps, and its day would be
    made up)."""
    if published_on is None:
        return None
    offset = {"last": -1, "this": 0, "next": 1}[_qualifier(match["qualifier"])]
    unit = match["unit"].lower()
    if unit == "year":
        return datetime.date(published_on.year + offset, 1, 1), "year", True
    if unit == "week":
        thursday = published_on + datetime.timedelta(days=3 - published_on.weekday() + 7 * offset)
        return thursday.replace(day=1), "month", True
    return _shift_month(published_on, offset), "month", True


def _year(match, published_on):
    return datetime.date(int(match["year"]), 1, 1), "year", False


def _day_word(match, published_on):
    if published_on is None:
        return None
    offset = {"yesterday": -1, "today": 0, "tomorrow": 1}[match["word"].lower()]
    return published_on + datetime.timedelta(days=offset), "day", True


def _weekday(match, published_on):
    if published_on is None:
        return None
    back = (published_on.weekday() - WEEKDAY_NAMES.index(match["weekday"])) % 7
    if back == 0 and match["qualifier"].lower() == "last":
        back = 7
    return published_on - datetime.timedelta(days=back), "day", True


_QUALIFIER_RE = r"(?i:last|this|next|previous|the[^\S\n]+previous|current|the[^\S\n]+current|"
_QUALIFIER_RE += r"coming|the[^\S\n]+coming)"

#: Date patterns, most precise first; a later pattern never matches inside an earlier one's
#: text. The ``expr`` group, where there is one, is the date without its preposition.
_DATE_RULES = (
    (
        re.compile(r"(?<![\w-])(?P<year>\d{4})-(?P<mo>\d{2})-(?P<day>\d{2})(?![\w-])"),
        _iso_date,
    ),
    (
        re.compile(
            rf"(?<![\w.])(?P<day>\d{{1,2}}){_ORDINAL}[^\S\n]+(?:of[^\S\n]+)?{_MONTH},?"
            r"[^\S\n]+(?P<year>\d{4})(?!\w)"
        ),
        _day_month_year,
    ),
    (
        re.compile(
            rf"(?<!\w){_MONTH}[^\S\n]+(?P<day>\d{{1,2}}){_ORDINAL},?[^\S\n]+(?P<year>\d{{4}})(?!\w)"
        ),
        _day_month_year,
    ),
    (
        re.compile(rf"(?<!\w){_MONTH},?[^\S\n]+(?P<year>\d{{4}})(?![\w-])"),
        _month_year,
    ),
    (
        re.compile(
            rf"(?<!\w){_FULL_MONTH}[^\S\n]+(?P<qualifier>(?i:this|last|next))[^\S\n]+(?i:year)"
            r"(?!\w)"
        ),
        _month_relative_year,
    ),
    (
        re.compile(
            rf"(?<![\w.])(?P<day>\d{{1,2}}){_ORDINAL}[^\S\n]+(?:of[^\S\n]+)?{_FULL_MONTH}"
            rf"{_NO_YEAR_AFTER}"
        ),
        _day_month,
    ),
    (
        re.compile(
            rf"(?<!\w){_FULL_MONTH}[^\S\n]+(?P<day>\d{{1,2}}){_ORDINAL}(?!\w)(?![.,]\d)"
            rf"{_NO_YEAR_AFTER}"
        ),
        _day_month,
    ),
    (
        re.compile(rf"(?<!\w)(?P<qualifier>(?i:last|this|next))[^\S\n]+{_FULL_MONTH}"),
        _qualified_month,
    ),
    (
        re.compile(rf"(?<!\w){_PREPOSITION}(?:[^\S\n]+|-)(?P<expr>{_FULL_MONTH}){_NO_YEAR_AFTER}"),
        _qualified_month,
    ),
    (
        re.compile(
            rf"(?<!\w)(?P<qualifier>{_QUALIFIER_RE})[^\S\n]+(?P<unit>(?i:year|month|week))(?!\w)"
        ),
        _relative_period,
    ),
    (
        re.compile(
            rf"(?<!\w)(?:{_PREPOSITION}|(?i:the[^\S\n]+year))(?:[^\S\n]+|-)"
            r"(?P<expr>(?P<year>(?:19|20)\d{2}))(?!\w)(?![-–/]\d)"
        ),
        _year,
    ),
    (
        re.compile(r"(?<!\w)(?P<word>(?i:yesterday|today|tomorrow))(?!\w)"),
        _day_word,
    ),
    (
        re.compile(
            rf"(?<!\w)(?P<qualifier>(?i:on|last))[^\S\n]+(?P<expr>(?P<weekday>"
            rf"{'|'.join(WEEKDAY_NAMES)}))(?!\w)"
        ),
        _weekday,
    ),
)


def _starts_sentence(text, start):
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?\"“‘'(\n"


def find_dates(text, published_on=None):
    """Return the dates ``text`` gives, relative ones resolved against ``published_on`` (and
    skipped without it)."""
    found, claimed = [], []
    for regex, resolve in _DATE_RULES:
        for match in regex.finditer(text):
            if overlaps(*match.span(), claimed):
                continue
            claimed.append(match.span())
            if resolve is _day_word and match["word"][0].isupper():
                # "Pakistan Today" is a newspaper; "Today, …" at a sentence start is a date.
                if not _starts_sentence(text, match.start()):
                    continue
            result = resolve(match, published_on)
            if result is None or result[0] is None:
                continue
            date, precision, relative = result
            group = "expr" if "expr" in regex.groupindex else 0
            found.append(
                DateMention(
                    date=date,
                    precision=DatePrecision(precision),
                    text=match.group(group),
                    relative=relative,
                    position=match.start(group),
                )
            )
    return tuple(sorted(found, key=lambda mention: mention.position))
