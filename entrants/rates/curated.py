"""Exchange rates reported in the news, kept as CSV files with the article and the sentence
that states each rate (``fixtures/rates/*.csv``; columns ``date, base, quote, rate, source,
source_url, quote_text``). They are *reported* figures (their README says so): each is stored
with claim status "reported" and its sentence in its notes, and an official series for the
same pair and day is preferred over them only where its source ranks higher
(``entrants.currency.SOURCE_ORDER``)."""

import csv
import datetime
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from entrants.models import ClaimStatus, ExchangeRate
from entrants.rates import FetchedRate, RateSourceError

COLUMNS = ("date", "base", "quote", "rate", "source", "source_url", "quote_text")
REPORTED = "Reported in the news: "


def default_files():
    """The curated series that ship with the reference data (``rates/*.csv`` beside the
    fixtures, in each of ``FIXTURE_DIRS``)."""
    return sorted(path for d in settings.FIXTURE_DIRS for path in (Path(d) / "rates").glob("*.csv"))


def fetch(since=None, offline=True, path=None):
    """Return every rate of the curated CSV files (``path``, else ``default_files()``) dated
    ``since`` or later. Raises ``RateSourceError`` listing every bad row of every file."""
    files = [Path(path)] if path is not None else default_files()
    if not files:
        raise RateSourceError("No curated rate files found in fixtures/rates/.")
    problems, kept = [], {}
    for file in files:
        for rate, problem in read(file):
            if problem:
                problems.append(problem)
            elif rate.key in kept:
                # One rate a source and day can be stored: a second report of it (the same
                # figure or another) is kept in the first one's note, with its article.
                kept[rate.key] = also_reported(kept[rate.key], rate)
            else:
                kept[rate.key] = rate
    rates = [rate for rate in kept.values() if since is None or rate.date >= since]
    if problems:
        raise RateSourceError.listing(problems, "row")
    return sorted(rates, key=lambda rate: (rate.date, rate.base, rate.quote, rate.source))


def also_reported(first, other):
    """Return ``first`` with ``other`` (a report of the same source, pair and day) in its note."""
    figure = "the same figure" if other.rate == first.rate else f"{other.rate:f}"
    sentence = other.notes.removeprefix(REPORTED)
    return replace(
        first, notes=f"{first.notes} Also reported, as {figure}, at {other.source_url}: {sentence}"
    )


def read(path):
    """Yield (rate, None) or (None, problem) for each row of the CSV file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise RateSourceError(f"Cannot read {path}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise RateSourceError(f"{path} is not UTF-8 text.") from error
    reader = csv.DictReader(text.splitlines())
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        raise RateSourceError(f"{Path(path).name} has no column {', '.join(missing)}.")
    sources = set(ExchangeRate.Source.values)
    check_url = URLValidator(schemes=["http", "https"])
    for line, row in enumerate(reader, start=2):
        where = f"{Path(path).name}, line {line}"
        values = {name: (row.get(name) or "").strip() for name in COLUMNS}
        try:
            day = datetime.date.fromisoformat(values["date"])
            rate = Decimal(values["rate"].replace(",", ""))
        except (ValueError, InvalidOperation):
            yield None, f"{where}: a date (YYYY-MM-DD) and a rate are needed."
            continue
        base, quote = values["base"].upper(), values["quote"].upper()
        problem = ""
        if not rate.is_finite() or rate <= 0:
            problem = "the rate must be greater than zero"
        elif len(base) != 3 or len(quote) != 3 or base == quote:
            problem = "base and quote must be two different currency codes"
        elif values["source"] not in sources:
            problem = f"unknown source “{values['source']}” (known: {', '.join(sorted(sources))})"
        elif not values["quote_text"]:
            problem = "the sentence that states the rate (quote_text) is missing"
        else:
            try:
                check_url(values["source_url"])
            except ValidationError:
                problem = "source_url must be the http(s) address of the article"
        if problem:
            yield None, f"{where}: {problem}."
            continue
        yield (
            FetchedRate(
                date=day,
                base=base,
                quote=quote,
                rate=rate,
                source=values["source"],
                source_url=values["source_url"],
                claim_status=ClaimStatus.REPORTED,
                notes=f"{REPORTED}“{values['quote_text']}”",
                where=where,
            ),
            None,
        )
