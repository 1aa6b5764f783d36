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

One module a concern, each saying why its rules are what they are:

* ``names``: companies, vehicle models and people, known and new;
* ``amounts``: money and numbers of units;
* ``places``: the known cities, ports and provinces;
* ``dates``: dates as printed and relative ones, and an article file's date header;
* ``matching``: finding known spellings as whole words, shared by names and places.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import asdict, dataclass
from decimal import Decimal

from entrants.newsdesk.extraction.amounts import Amount, Quantity, find_amounts, find_quantities
from entrants.newsdesk.extraction.dates import DateMention, find_dates
from entrants.newsdesk.extraction.names import (
    CompanyMention,
    KnownNames,
    ModelMention,
    PersonMention,
)
from entrants.newsdesk.extraction.places import PlaceMention, find_places


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


class Gazetteer(KnownNames):
    """The known records compiled once for reading many articles (see ``KnownNames``)."""

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


def extract(text, published_on=None, companies=None, models=None, people=None):
    """Return what ``text`` mentions, relative dates resolved against ``published_on``.

    ``companies``, ``models`` and ``people`` are the known records to look for; each that is
    None is loaded from the database (in a few queries, not one per name)."""
    return Gazetteer.load(companies, models, people).extract(text, published_on)
