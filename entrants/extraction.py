"""Read a news article's text and return what it mentions: companies, vehicle models and people
(known ones with their ids, unknown ones flagged new), amounts of money, quantities, places and
dates.

Everything here is a pure function of the text and the known records. The records are read once
per ``Gazetteer.load()`` (six queries, however many names there are), so a batch of articles
can share one::

    extraction = extract(text, published_on=datetime.date(2024, 9, 28))
    [company.name for company in extraction.companies]  # ["Xiaomi", "Air Link Communication", …]
    extraction.as_dict()  # JSON-ready: Decimals and dates as strings

    gazetteer = Gazetteer.load()
    extractions = [gazetteer.extract(body, published_on=day) for body, day in articles]

Why the rules are what they are:

* Known names match whole words only, case-insensitively and longest spelling first ("Air Link
  Communication Limited" before "Air Link"), but a name spelled with a capital initial must keep
  it: "Apple" and "APPLE" are the company, "an apple" is not, nor "seal the deal" the BYD Seal.
* A known company name followed by a word that makes another company's name ("Tesla
  Industries") is that other company, reported as new, not the known one.
* New names are flagged only on strong cues ("… Motors", "… Technologies", a brand followed by a
  model code like "S07"): a missed name costs an editor less than a wrong one.
* Relative dates ("in April", "last year") are resolved against the publication date; without
  one they are skipped, never guessed.
* Money is ``Decimal`` from the digits as printed, never a float.
"""

from __future__ import annotations

import datetime
import enum
import re
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from django.db.models import prefetch_related_objects

from entrants.dates import DatePrecision
from entrants.models import Company, Person, VehicleModel

# --- Vocabulary ------------------------------------------------------------------------------

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

#: Words that make a capitalised name a company's: "Tesla Industries", "Regal Automobiles".
COMPANY_TYPE_WORDS = frozenset(
    {
        "Auto",
        "Automobile",
        "Automobiles",
        "Automotive",
        "Communication",
        "Communications",
        "Company",
        "Corporation",
        "Enterprises",
        "Engineering",
        "Group",
        "Holdings",
        "Industries",
        "Mobility",
        "Motor",
        "Motors",
        "Technologies",
        "Technology",
    }
)

#: Legal forms: "Master Motors Limited" is still Master Motors.
LEGAL_FORM_WORDS = frozenset(
    {"Limited", "Ltd", "Inc", "Incorporated", "PLC", "Plc", "LLC", "Pvt", "Co"}
)

#: A known name ending in one of these also matches its plural: "Great Wall Motors".
_PLURAL_TOLERANT_ENDINGS = frozenset(
    {"motor", "communication", "automobile", "technology", "holding", "enterprise", "system"}
)

#: Job titles: a name after them is a person's, and they are never a name on their own.
TITLES = frozenset(
    """Mr Mrs Ms Dr Prof Sir CEO CFO COO CTO Chairman Chairperson Chief Executive President Vice
    Minister Secretary Director Managing Senator Governor Adviser Advisor Spokesperson Spokesman
    Founder Head General Manager Officer Premier Prime Commissioner Ambassador Envoy""".split()
)

# Capitalised words that start a sentence or qualify a name without being part of it.
_LEADING_NOISE = frozenset(
    """A An The This That These Those Its It Their His Her Our Your My We They He She I In On At
    By For From With Of To And But Or Nor As After Before While When Where However Meanwhile
    Recently Similarly Also Both Several Many Some Other Another Each Every Local Leading New
    Back Earlier Later Last Next Moreover Furthermore Additionally According Under Over Since
    Until Besides Unlike Like Including Such Than Then Now Today Yesterday Chinese Pakistani
    Japanese Korean South North East West German American British Indian European Emirati
    Saudi Turkish French US UK UAE Global International National Federal Provincial State
    Government""".split()
)

_MONTH_WORDS = frozenset(MONTH_NAMES) | frozenset(
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()
)

#: Words that look like a brand before a code but are not one ("Phase 2", "Rs 500").
_NOT_BRANDS = (
    _LEADING_NOISE
    | TITLES
    | _MONTH_WORDS
    | frozenset(WEEKDAY_NAMES)
    | frozenset(
        """Rs PKR USD CNY RMB EUR GBP AED SAR INR Phase Euro Level Tier Section Article Vision
        Grade Class Category Chapter Page Room Gate Block Sector Terminal Berth Route Covid
        COVID No Number Version Generation Series Form Figure Table Item""".split()
    )
)

#: Trim names that, after a known base model, make a variant ("SU7 Ultra").
TRIM_WORDS = frozenset(
    """Pro Max Ultra Plus Lite Standard Performance Premium Luxury Sport Elite""".split()
)


@dataclass(frozen=True)
class KnownPlace:
    """A place the extractor knows: its canonical name, city, country and spellings."""

    name: str
    city: str
    country: str
    spellings: tuple[str, ...] = ()


def _places(country, *names):
    return tuple(KnownPlace(name, name, country) for name in names)


#: Places looked for in articles: Pakistani cities, ports and provinces, and the Chinese and
#: Gulf cities the EV news mentions. A port is preferred over its city ("Karachi port").
KNOWN_PLACES = (
    KnownPlace("Karachi port", "Karachi", "PK", ("Karachi port", "Port of Karachi")),
    KnownPlace("Port Qasim", "Karachi", "PK", ("Port Qasim", "Port Bin Qasim", "Bin Qasim")),
    KnownPlace("Gwadar port", "Gwadar", "PK", ("Gwadar port", "Port of Gwadar")),
    KnownPlace("Lahore Expo Centre", "Lahore", "PK", ("Lahore Expo Centre", "Expo Centre Lahore")),
    KnownPlace(
        "Karachi Expo Centre", "Karachi", "PK", ("Karachi Expo Centre", "Expo Centre Karachi")
    ),
    KnownPlace("Korangi", "Karachi", "PK"),
    KnownPlace("Landhi", "Karachi", "PK"),
    *_places(
        "PK",
        "Karachi",
        "Lahore",
        "Islamabad",
        "Rawalpindi",
        "Faisalabad",
        "Multan",
        "Peshawar",
        "Quetta",
        "Hyderabad",
        "Sialkot",
        "Gujranwala",
        "Gwadar",
        "Sukkur",
        "Larkana",
        "Bahawalpur",
        "Sargodha",
        "Sahiwal",
        "Sheikhupura",
        "Abbottabad",
        "Mardan",
        "Gujrat",
        "Jhelum",
        "Kasur",
        "Okara",
        "Rahim Yar Khan",
        "Dera Ghazi Khan",
        "Dera Ismail Khan",
        "Mirpur",
        "Muzaffarabad",
        "Gilgit",
        "Skardu",
        "Nowshera",
    ),
    KnownPlace("Punjab", "", "PK"),
    KnownPlace("Sindh", "", "PK"),
    KnownPlace("Khyber Pakhtunkhwa", "", "PK"),
    KnownPlace("Balochistan", "", "PK", ("Balochistan", "Baluchistan")),
    KnownPlace("Gilgit-Baltistan", "", "PK"),
    KnownPlace("Azad Kashmir", "", "PK"),
    *_places(
        "CN",
        "Beijing",
        "Shanghai",
        "Shenzhen",
        "Guangzhou",
        "Chongqing",
        "Hefei",
        "Wuhan",
        "Hangzhou",
        "Tianjin",
        "Changsha",
        "Ningbo",
        "Xiamen",
        "Urumqi",
        "Kashgar",
    ),
    KnownPlace("Xi'an", "Xi'an", "CN", ("Xi'an", "Xi’an", "Xian")),
    KnownPlace("Jebel Ali", "Dubai", "AE"),
    *_places("AE", "Dubai", "Abu Dhabi"),
    *_places("SA", "Riyadh", "Jeddah"),
)


# --- What an extraction holds ----------------------------------------------------------------


@dataclass(frozen=True)
class CompanyMention:
    """A company the article names: a known one (with its id) or a new one (``id`` None)."""

    id: int | None
    slug: str | None
    name: str
    new: bool
    matched: tuple[str, ...]
    count: int
    position: int
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ModelMention:
    """A vehicle model or variant the article names, known (with its id) or new."""

    id: int | None
    slug: str | None
    name: str
    maker: str
    maker_id: int | None
    model: str
    variant: str
    new: bool
    matched: tuple[str, ...]
    count: int
    position: int
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class PersonMention:
    """A known person the article names."""

    id: int
    slug: str
    name: str
    matched: tuple[str, ...]
    count: int
    position: int
    spans: tuple[tuple[int, int], ...]
    new: bool = False


@dataclass(frozen=True)
class PlaceMention:
    """A known place the article names ("Karachi port", in the city of Karachi)."""

    name: str
    city: str
    country: str
    matched: tuple[str, ...]
    count: int
    position: int
    spans: tuple[tuple[int, int], ...]


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


@dataclass(frozen=True)
class DateMention:
    """A date as precisely as the text gives it: "March 2024" is 2024-03-01, to the month."""

    date: datetime.date
    precision: DatePrecision
    text: str
    relative: bool
    position: int


@dataclass(frozen=True)
class Extraction:
    """Everything one article mentions, each list in order of first appearance."""

    published_on: datetime.date | None
    companies: tuple[CompanyMention, ...]
    models: tuple[ModelMention, ...]
    people: tuple[PersonMention, ...]
    amounts: tuple[Amount, ...]
    quantities: tuple[Quantity, ...]
    places: tuple[PlaceMention, ...]
    dates: tuple[DateMention, ...]

    def as_dict(self):
        """Return the extraction as JSON-ready data: Decimals and dates become strings."""
        return _jsonable(asdict(self))


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --- Entry points ----------------------------------------------------------------------------


def extract(text, published_on=None, companies=None, models=None, people=None):
    """Return what ``text`` mentions, relative dates resolved against ``published_on``.

    ``companies``, ``models`` and ``people`` are the known records to look for; each that is
    None is loaded from the database (in a few queries, not one per name)."""
    return Gazetteer.load(companies, models, people).extract(text, published_on)


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


# --- Matching known names --------------------------------------------------------------------


def _key(spelling):
    return " ".join(spelling.lower().split())


def _spelling_pattern(spelling):
    """Return a regex for ``spelling``: any spacing between words, any case except that a
    capital initial stays capital, and an optional plural for "… Motor" names."""
    words = spelling.split()
    parts = [re.escape(word) for word in words]
    if words[0][0].isupper():
        parts[0] = f"(?-i:{re.escape(words[0][0])}){re.escape(words[0][1:])}"
    pattern = r"\s+".join(parts)
    if words[-1].lower() in _PLURAL_TOLERANT_ENDINGS:
        pattern += "s?"
    return pattern


class _Matcher:
    """Find known spellings in a text: whole words, leftmost and longest first."""

    def __init__(self, spellings):
        by_key = {}
        for spelling, target in spellings:
            spelling = " ".join(spelling.split())
            if spelling:
                by_key.setdefault(_key(spelling), (spelling, target))
        self._by_key = by_key
        ordered = sorted(by_key.values(), key=lambda item: (-len(item[0]), item[0].lower()))
        self._targets = [target for _spelling, target in ordered]
        alternatives = "|".join(f"({_spelling_pattern(spelling)})" for spelling, _ in ordered)
        # Not after a letter, nor after a contraction's apostrophe ("I've" holds no "VE").
        self._regex = (
            re.compile(rf"(?<!\w)(?<!\w['’])(?:{alternatives})(?!\w)", re.IGNORECASE)
            if ordered
            else None
        )

    def finditer(self, text):
        """Yield (start, end, matched text, target) for each known spelling in ``text``."""
        if self._regex is None:
            return
        for match in self._regex.finditer(text):
            yield match.start(), match.end(), match.group(), self._targets[match.lastindex - 1]

    def lookup(self, spelling):
        """Return the target spelled ``spelling`` (any case or spacing), or None."""
        found = self._by_key.get(_key(spelling))
        return found[1] if found else None


@dataclass
class _Hit:
    start: int
    end: int
    text: str
    key: tuple
    fields: dict


def _tally(hits, mention_class):
    """Return one mention per key, counting hits and keeping every spelling and (start, end)
    span, in order of first appearance."""
    grouped = {}
    for hit in sorted(hits, key=lambda hit: (hit.start, hit.end)):
        entry = grouped.setdefault(hit.key, {**hit.fields, "matched": [], "spans": []})
        entry["spans"].append((hit.start, hit.end))
        if hit.text not in entry["matched"]:
            entry["matched"].append(hit.text)
    return tuple(
        mention_class(
            **entry | {"matched": tuple(entry["matched"]), "spans": tuple(entry["spans"])},
            count=len(entry["spans"]),
            position=entry["spans"][0][0],
        )
        for entry in grouped.values()
    )


def _overlaps(start, end, spans):
    return any(start < other_end and other_start < end for other_start, other_end in spans)


# --- Companies -------------------------------------------------------------------------------

_LEGAL_SUFFIX_RE = re.compile(
    r"(?:(?<=Co)\.)?,?[^\S\n]+(?:Co\.,?[^\S\n]+)?"
    r"(?:\((?:Pvt|Private)\.?\)[^\S\n]+|(?:Pvt|Private)\.?[^\S\n]+)?"
    r"(?:Limited|Ltd\.?|Inc\.?|Incorporated|PLC|Plc|LLC)(?!\w)"
)
_NEXT_WORD_RE = re.compile(r"[^\S\n]+([A-Z][A-Za-z]*)(?![\w-])")
_NAME_WORD = r"[A-Z][A-Za-z0-9&]*(?:-[A-Za-z0-9]+)*"
_NAME_RUN_RE = re.compile(
    rf"(?<![\w&-]){_NAME_WORD}(?:[^\S\n]+(?:(?:of|&)[^\S\n]+)?{_NAME_WORD})*(?![\w-])"
)
_TOKEN_RE = re.compile(r"\S+")


def _is_company_word(word):
    return word in COMPANY_TYPE_WORDS or word.rstrip(".") in LEGAL_FORM_WORDS


def _is_type_word(word):
    """Return whether ``word`` (as written after a known name) names a kind of company."""
    return word[:1].isupper() and (word in COMPANY_TYPE_WORDS or word.title() in COMPANY_TYPE_WORDS)


def _is_leading_noise(word):
    return (
        word in _LEADING_NOISE
        or word in TITLES
        or word in _MONTH_WORDS
        or word in WEEKDAY_NAMES
        or word in {"of", "&"}
        # "Karachi-based", "state-owned": a description, not a name.
        or bool(re.search(r"-[a-z]", word))
    )


def _new_company_spans(text):
    """Yield (start, end) of capitalised names that end in a company word ("Tesla Industries",
    "Indus Motor Company Limited") and are followed by nothing or by a job title."""
    for run in _NAME_RUN_RE.finditer(text):
        tokens = [
            (token.group(), run.start() + token.start(), run.start() + token.end())
            for token in _TOKEN_RE.finditer(run.group())
        ]
        first = 0
        while first < len(tokens) and _is_leading_noise(tokens[first][0]):
            first += 1
        cue = first
        while cue < len(tokens) and not _is_company_word(tokens[cue][0]):
            cue += 1
        if cue == first or cue == len(tokens):
            continue  # no name before the company word, or no company word at all
        last = cue
        while last + 1 < len(tokens) and _is_company_word(tokens[last + 1][0]):
            last += 1
        # "Pakistan Auto Show" is an event; "Indus Motor Company CEO Ali" a company and a person.
        if last + 1 < len(tokens) and tokens[last + 1][0] not in TITLES:
            continue
        end = tokens[last][2]
        legal = _LEGAL_SUFFIX_RE.match(text, end)
        yield tokens[first][1], legal.end() if legal else end


# --- Vehicle models --------------------------------------------------------------------------

_BRAND_CODE_RE = re.compile(
    r"(?<![\w-])(?=(?P<brand>[A-Z][A-Za-z0-9-]*[A-Za-z0-9])[^\S\n]+"
    r"(?P<code>[A-Z0-9](?:[A-Za-z0-9-]|\.(?=\d))*)(?!\w)(?![.,]\d))"
)
_MEASURE_AFTER_RE = re.compile(
    r"[^\S\n]*(?:%|(?i:per\s?cent|percent|km|kwh|kw|hp|mph|units?|vehicles?|cars?|EVs?|"
    r"thousand|million|billion|lakhs?|crores?|seconds?)(?!\w))"
)
_VEHICLE_AFTER_RE = re.compile(
    r"[^\S\n]+(?i:deliver\w*|SUVs?|sedans?|hatchbacks?|crossovers?|pickups?|EVs?|electric|"
    r"cars?|coupes?|MPVs?|vans?)(?!\w)"
)
_CONTINUATION_RE = re.compile(
    r"(?:[^\S\n]*[,/&][^\S\n]*|[^\S\n]+(?:and|or)[^\S\n]+)"
    r"(?P<code>[A-Z0-9](?:[A-Za-z0-9-]|\.(?=\d))*)(?!\w)(?![.,]\d)"
)
_TRIM_AFTER_RE = re.compile(r"[^\S\n]+(?P<trim>[A-Z][a-z]+)(?!\w)")


def _code_kind(code):
    """Return how ``code`` looks as a model code ("mixed" S07, "version" 2.0, "number" 3,
    "letter" U), or None if it does not look like one."""
    if re.fullmatch(r"[QH][1-4]", code):
        return None  # a quarter or half year
    if re.fullmatch(r"[A-Z]{1,3}-?\d{1,4}[A-Za-z]{0,2}", code):
        return "mixed"
    if re.fullmatch(r"\d{1,2}\.\d{1,2}", code):
        return "version"
    if re.fullmatch(r"\d{1,3}", code):
        return "number"
    if re.fullmatch(r"[B-HJ-Z]", code):
        return "letter"
    return None


def _shape(token):
    """Return the outline of a token ("L07" → "A9", "2.0" → "9.9"), to tell whether "and S07"
    continues "Deepal L07" in kind."""
    if token in TRIM_WORDS:
        return "trim"
    return re.sub(r"[A-Za-z]+", "A", re.sub(r"\d+", "9", token))


@dataclass
class _ModelHit:
    start: int
    end: int
    text: str
    model: VehicleModel | None = None  # a known model
    brand_end: int = 0  # for a new model: where the brand ends and its code begins
    maker: Company | None = None
    maker_name: str = ""
    name: str = ""
    variant: str = ""

    def key(self):
        if self.model is not None:
            return ("known", self.model.pk)
        maker = self.maker.pk if self.maker else self.maker_name.lower()
        return ("new", maker, self.name.lower(), self.variant.lower())

    def fields(self):
        if self.model is not None:
            maker = self.model.maker
            return {
                "id": self.model.pk,
                "slug": self.model.slug,
                "name": str(self.model),
                "maker": maker.name,
                "maker_id": maker.pk,
                "model": self.model.name,
                "variant": self.model.variant,
                "new": False,
            }
        maker_name = self.maker.name if self.maker else self.maker_name
        return {
            "id": None,
            "slug": None,
            "name": " ".join(f"{maker_name} {self.name} {self.variant}".split()),
            "maker": maker_name,
            "maker_id": self.maker.pk if self.maker else None,
            "model": self.name,
            "variant": self.variant,
            "new": True,
        }


# --- Money and quantities --------------------------------------------------------------------

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
_PREFIX = rf"US[^\S\n]?\$|HK\$|A\$|C\$|S\$|CN¥|\$|¥|€|£|₹|Rs\.?|Dhs?\.?|{_ISO_CODES}"
_SUFFIX = (
    rf"(?i:yuan|renminbi|rupees?|(?:US[^\S\n]+)?dollars?|euros?|dirhams?|riyals?)|{_ISO_CODES}"
)
_AMOUNT_RE = re.compile(
    rf"(?<![A-Za-z0-9.,])(?P<prefix>{_PREFIX})[^\S\n]?(?P<number>{_NUMBER})(?P<scale>{_SCALE})?"
    rf"|(?<![\w.,])(?P<number2>{_NUMBER})(?P<scale2>{_SCALE})?"
    rf"[^\S\n]?(?P<suffix>{_SUFFIX})(?![\w/])"
    rf"|(?<![\w.,])(?P<number3>{_NUMBER})[^\S\n]?(?P<scale3>(?i:lakhs?|lacs?|crores?))(?!\w)"
)
_CURRENCY_CODES = {
    "US$": "USD",
    "$": "USD",
    "HK$": "HKD",
    "A$": "AUD",
    "C$": "CAD",
    "S$": "SGD",
    "CN¥": "CNY",
    "¥": "CNY",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "RS": "PKR",
    "DH": "AED",
    "DHS": "AED",
    "RMB": "CNY",
    "YUAN": "CNY",
    "RENMINBI": "CNY",
    "RUPEE": "PKR",
    "RUPEES": "PKR",
    "DOLLAR": "USD",
    "DOLLARS": "USD",
    "USDOLLAR": "USD",
    "USDOLLARS": "USD",
    "EURO": "EUR",
    "EUROS": "EUR",
    "DIRHAM": "AED",
    "DIRHAMS": "AED",
    "RIYAL": "SAR",
    "RIYALS": "SAR",
}
_SCALES = {
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "lakh": Decimal(100_000),
    "lakhs": Decimal(100_000),
    "lac": Decimal(100_000),
    "lacs": Decimal(100_000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "mln": Decimal(1_000_000),
    "million": Decimal(1_000_000),
    "crore": Decimal(10_000_000),
    "crores": Decimal(10_000_000),
    "cr": Decimal(10_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
    "billion": Decimal(1_000_000_000),
    "tn": Decimal(10**12),
    "trillion": Decimal(10**12),
}
# A name that a price follows: "its GuGo GiGi at PKR 4.66 million", "BYD's Seagull costs Rs 5m".
_PRICED_NAME_RE = re.compile(
    r"(?<![\w-])(?:(?i:its|the|new|their)|(?P<owner>[A-Z][A-Za-z]*)['’]s)[^\S\n]+"
    r"(?P<name>[A-Z][A-Za-z0-9-]*(?:[^\S\n]+[A-Z0-9][A-Za-z0-9-]*){0,2})[^\S\n]+"
    r"(?=(?:(?:is|was|will|now)[^\S\n]+)*(?:priced[^\S\n]+(?:at|from)|sells?[^\S\n]+for|"
    r"sold[^\S\n]+for|retails?[^\S\n]+(?:at|for)|costs?|starts?[^\S\n]+(?:at|from)|at|for)"
    r"[^\S\n]+(?:(?:around|about|roughly|approximately|nearly|just|under|over)[^\S\n]+)?"
    rf"(?:{_PREFIX})?[^\S\n]?\d)"
)
# Capitalised words that a price may follow without naming a model ("the EV at PKR 9m").
_NOT_MODEL_WORDS = frozenset(
    {"EV", "EVs", "SUV", "SUVs", "BEV", "PHEV", "HEV", "NEV", "CKD", "CBU", "SKD", "Rs", "PKR"}
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


# --- Dates -----------------------------------------------------------------------------------

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
            if _overlaps(*match.span(), claimed):
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
        currency = _CURRENCY_CODES.get(key, key)
        value = Decimal(number.replace(",", ""))
        if scale:
            value *= _SCALES[scale.strip().lower()]
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
        if _overlaps(*match.span(), exclude):
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


_PLACE_MATCHER = _Matcher(
    (spelling, place) for place in KNOWN_PLACES for spelling in (place.spellings or (place.name,))
)


def find_places(text):
    """Return the known places ``text`` names, a port before its city ("Karachi port")."""
    hits = [
        _Hit(
            start,
            end,
            matched,
            ("place", place.name),
            {"name": place.name, "city": place.city, "country": place.country},
        )
        for start, end, matched, place in _PLACE_MATCHER.finditer(text)
    ]
    return _tally(hits, PlaceMention)


# --- The gazetteer: known records compiled for matching ---------------------------------------


class Gazetteer:
    """The known companies, vehicle models and people, compiled once for matching many texts."""

    def __init__(self, companies, models, people):
        companies, models, people = list(companies), list(models), list(people)
        prefetch_related_objects(companies, "aliases")
        prefetch_related_objects(models, "maker__aliases", "aliases")

        self._companies = _Matcher(
            (spelling, company)
            for company in companies
            for spelling in (company.name, *(alias.name for alias in company.aliases.all()))
        )
        self._people = _Matcher((person.name, person) for person in people)

        model_spellings = []
        for model in models:
            # A maker-less name of two letters ("VE", "HS") is too short to trust alone.
            if len(model.model_name) > 2:
                model_spellings.append((model.model_name, model))
            makers = (model.maker.name, *(alias.name for alias in model.maker.aliases.all()))
            model_spellings += [(f"{maker} {model.model_name}", model) for maker in makers]
            model_spellings += [(alias.name, model) for alias in model.aliases.all()]
        self._models = _Matcher(model_spellings)

        # Single words that, before a model code, say whose model it is.
        self._brand_companies = {}
        for company in companies:
            for spelling in (company.name, *(alias.name for alias in company.aliases.all())):
                if len(spelling.split()) == 1:
                    self._brand_companies.setdefault(spelling.lower(), company)
        self._model_names = {}  # "seal" → the BYD Seal: "Seal U" is a variant of it
        self._model_first_words = {}  # "model" → Tesla: "Model Y" is another Tesla model
        for model in sorted(models, key=lambda model: model.variant != ""):
            words = model.name.split()
            if len(words) == 1:
                self._model_names.setdefault(model.name.lower(), model)
            else:
                makers = self._model_first_words.setdefault(words[0].lower(), set())
                makers.add(model.maker)
        self._model_first_words = {
            word: makers.pop()
            for word, makers in self._model_first_words.items()
            if len(makers) == 1
        }

    @classmethod
    def load(cls, companies=None, models=None, people=None):
        """Return a gazetteer of the given records, loading from the database those not given."""
        if companies is None:
            companies = Company.objects.prefetch_related("aliases")
        if models is None:
            models = VehicleModel.objects.select_related("maker").prefetch_related(
                "aliases", "maker__aliases"
            )
        if people is None:
            people = Person.objects.all()
        return cls(companies, models, people)

    def extract(self, text, published_on=None):
        """Return what ``text`` mentions, relative dates resolved against ``published_on``."""
        amounts = find_amounts(text)
        money_spans = [(amount.position, amount.position + len(amount.text)) for amount in amounts]
        return Extraction(
            published_on=published_on,
            companies=self.find_companies(text),
            models=self.find_models(text),
            people=self.find_people(text),
            amounts=amounts,
            quantities=find_quantities(text, exclude=money_spans),
            places=find_places(text),
            dates=find_dates(text, published_on),
        )

    def find_companies(self, text):
        """Return the known companies ``text`` names, and the new ones it clearly names."""
        hits, claimed = [], []
        for start, end, matched, company in self._companies.finditer(text):
            legal = _LEGAL_SUFFIX_RE.match(text, end)
            following = _NEXT_WORD_RE.match(text, end)
            if legal:
                end, matched = legal.end(), text[start : legal.end()]
            elif following and _is_type_word(following.group(1)):
                continue  # "Tesla Industries" is another company than Tesla
            claimed.append((start, end))
            fields = {"id": company.pk, "slug": company.slug, "name": company.name, "new": False}
            hits.append(_Hit(start, end, matched, ("known", company.pk), fields))
        for start, end in _new_company_spans(text):
            if _overlaps(start, end, claimed):
                continue
            matched = text[start:end]
            name = " ".join(matched.split())
            fields = {"id": None, "slug": None, "name": name, "new": True}
            hits.append(_Hit(start, end, matched, ("new", name.lower()), fields))
        return _tally(hits, CompanyMention)

    def find_people(self, text):
        """Return the known people ``text`` names."""
        hits = [
            _Hit(
                start,
                end,
                matched,
                ("known", person.pk),
                {"id": person.pk, "slug": person.slug, "name": person.name},
            )
            for start, end, matched, person in self._people.finditer(text)
        ]
        return _tally(hits, PersonMention)

    def find_models(self, text):
        """Return the vehicle models ``text`` names: known ones by name and variant, with or
        without their maker, and new ones (a brand followed by a model code)."""
        known = [
            _ModelHit(start, end, matched, model=model)
            for start, end, matched, model in self._models.finditer(text)
        ]
        candidates = self._trim_candidates(text, known) + self._code_candidates(text)
        candidates += self._priced_candidates(text)
        kept_new = []
        for candidate in sorted(candidates, key=lambda hit: (hit.start, -hit.end)):
            overlapping = [
                hit for hit in known if hit.start < candidate.end and candidate.start < hit.end
            ]
            if any(hit.end > candidate.brand_end for hit in overlapping):
                continue  # the code itself is part of a known name ("Honri 2.0", "Deepal S07")
            if _overlaps(candidate.start, candidate.end, [(h.start, h.end) for h in kept_new]):
                continue
            # "Seal U" is not the Seal, nor "BYD Seal U" the BYD Seal: the new model wins.
            for hit in overlapping:
                known.remove(hit)
                if hit.start < candidate.start:
                    candidate.start, candidate.text = hit.start, text[hit.start : candidate.end]
            kept_new.append(candidate)
        hits = known + kept_new
        spans = [(hit.start, hit.end) for hit in hits]
        hits += [
            extra
            for hit in list(hits)
            for extra in self._continuations(text, hit)
            if not _overlaps(extra.start, extra.end, spans)
        ]
        return _tally(
            [_Hit(hit.start, hit.end, hit.text, hit.key(), hit.fields()) for hit in hits],
            ModelMention,
        )

    def _trim_candidates(self, text, known):
        """Return new variants named by a trim after a known base model ("SU7 Ultra")."""
        candidates = []
        for hit in known:
            trim = _TRIM_AFTER_RE.match(text, hit.end)
            if hit.model.variant or not trim or trim["trim"] not in TRIM_WORDS:
                continue
            if self._models.lookup(f"{hit.text} {trim['trim']}") is not None:
                continue
            candidates.append(
                _ModelHit(
                    hit.start,
                    trim.end(),
                    text[hit.start : trim.end()],
                    brand_end=hit.end,
                    maker=hit.model.maker,
                    name=hit.model.name,
                    variant=trim["trim"],
                )
            )
        return candidates

    def _code_candidates(self, text):
        """Return new models named as a brand followed by a model code ("Deepal S05",
        "Leapmotor C10")."""
        candidates = []
        for match in _BRAND_CODE_RE.finditer(text):
            brand, code = match["brand"], match["code"]
            kind = _code_kind(code)
            if kind is None or brand in _NOT_BRANDS:
                continue
            if kind in {"number", "version"} and _MEASURE_AFTER_RE.match(text, match.end(2)):
                continue  # "BYD 300 units" counts cars; it names no model
            start, brand_end, end = match.start(1), match.end(1), match.end(2)
            found = {"start": start, "end": end, "text": text[start:end], "brand_end": brand_end}
            if model := self._model_names.get(brand.lower()):
                found |= {"maker": model.maker, "name": model.name, "variant": code}
            elif maker := self._model_first_words.get(brand.lower()):
                found |= {"maker": maker, "name": f"{brand} {code}"}
            elif maker := self._brand_companies.get(brand.lower()):
                found |= {"maker": maker, "name": code}
            elif (
                brand.isalpha()
                and len(brand) > 2
                and (kind == "mixed" or _VEHICLE_AFTER_RE.match(text, match.end(2)))
            ):  # "Leapmotor C10"; "Zeekr X deliveries", not "Plan B"
                found |= {"maker_name": brand, "name": code}
            else:
                continue
            candidates.append(_ModelHit(**found))
        return candidates

    def _priced_candidates(self, text):
        """Return new models named as a capitalised name that a price follows ("its GuGo GiGi
        at PKR 4.66 million", "the Seagull costs Rs 5m"): the first word is the maker when it is
        a known brand or when the name has more than one word."""
        candidates = []
        for match in _PRICED_NAME_RE.finditer(text):
            words = match["name"].split()
            if any(word in _NOT_MODEL_WORDS or word in _MONTH_WORDS for word in words):
                continue
            if _PLACE_MATCHER.lookup(match["name"]) or words[0] in _NOT_BRANDS:
                continue
            start, end = match.span("name")
            found = {"start": start, "end": end, "text": match["name"], "brand_end": start}
            brand = self._brand_companies.get(words[0].lower())
            if brand and len(words) == 1:
                continue  # "the BYD at PKR 9 million" names a maker, not a model
            if brand:
                found |= {"maker": brand, "name": " ".join(words[1:])}
            elif owner := self._brand_companies.get((match["owner"] or "").lower()):
                found |= {"maker": owner, "name": match["name"]}
            elif len(words) > 1:
                found |= {"maker_name": words[0], "name": " ".join(words[1:])}
            else:
                found |= {"name": match["name"]}
            candidates.append(_ModelHit(**found))
        return candidates

    def _continuations(self, text, hit):
        """Return the models named by "and 3.0" after "Honri 2.0": the same model name with
        another variant (known, or new when it looks like one)."""
        prefix, _space, last = hit.text.rpartition(" ")
        if not prefix or not (last in TRIM_WORDS or _code_kind(last)):
            return []
        found, end = [], hit.end
        while match := _CONTINUATION_RE.match(text, end):
            code = match["code"]
            if not (code in TRIM_WORDS or _code_kind(code)) or _shape(code) != _shape(last):
                break  # "Seal U and BYD Atto 2": BYD is not another Seal
            start, end = match.start("code"), match.end("code")
            model = self._models.lookup(f"{prefix} {code}")
            if model is not None:
                found.append(_ModelHit(start, end, code, model=model))
            elif hit.model is not None:
                if not hit.model.variant:
                    break  # "Model 3 and 5": too little to name a new model by
                maker = hit.model.maker
                found.append(
                    _ModelHit(start, end, code, maker=maker, name=hit.model.name, variant=code)
                )
            elif hit.variant:  # "Deepal S05 and S09": two new variants
                found.append(replace(hit, start=start, end=end, text=code, variant=code))
            else:  # "Xiaomi YU7 and YU9", "Model Y and X": the last word of the name changes
                name = " ".join([*hit.name.split()[:-1], code])
                found.append(replace(hit, start=start, end=end, text=code, name=name))
        return found
