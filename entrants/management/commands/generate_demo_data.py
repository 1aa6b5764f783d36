"""Fill an empty database with synthetic demo data at size S, M or L, to try the tracker at
scale. See ``entrants/demo.py`` for what is generated."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from entrants.cache import bump_data_version
from entrants.demo import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_SEED,
    SIZES,
    SYNTHETIC,
    DemoData,
    NoProgress,
    delete_demo_data,
    existing_demo_data,
    foreign_data,
)
from entrants.progress import ProgressBar
from entrants.search.index import rebuild as rebuild_search_index


def listing(counts):
    return ", ".join(f"{count:,} {what}" for what, count in counts.items())


class Command(BaseCommand):
    help = (
        "Fill an empty database with synthetic demo data to try the tracker at scale: "
        "S (1,000 sightings and 1,000 prices), M (100,000 of each) or L (1,000,000 of each), "
        "with companies, models, people, news, events, statements and three years of daily "
        "exchange rates. Every name starts with “Demo ”, every news item is published by "
        f"“{SYNTHETIC}” and every fact's notes say so. The same --seed gives the same rows. "
        "Refuses a database that holds the reference data or any other real data: use a "
        "separate database (DATABASE_URL). Rows are written with bulk_create, so no history "
        "(django-simple-history) records are made for them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            required=True,
            type=str.upper,
            choices=list(SIZES),
            help="S: 1k sightings and prices; M: 100k; L: 1M.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Seed of the random generator (default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per bulk insert (default {DEFAULT_BATCH_SIZE:,}).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the demo data already in the database first (plain SQL deletes: "
            "no history records are made for them).",
        )

    def handle(self, *args, size, seed, batch_size, replace=False, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        foreign = foreign_data()
        if foreign:
            example = "DATABASE_URL=sqlite:///demo.sqlite3"
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} holds the reference data or "
                f"other real data ({listing(foreign)}), and demo data is never mixed into it. "
                "Generate the demo data into a separate database instead, e.g.\n"
                f"  {example} python manage.py migrate && "
                f"{example} python manage.py generate_demo_data --size {size}"
            )
        existing = existing_demo_data()
        if existing and not replace:
            raise CommandError(
                f"The database already holds demo data ({listing(existing)}). "
                "Add --replace to delete it and generate afresh."
            )

        verbosity = options["verbosity"]
        live = self.stderr.isatty()

        def progress(label, total):
            if verbosity < 1:
                return NoProgress(label, total)
            return ProgressBar(self.stderr, label, total, live)

        self.stderr.style_func = None  # progress is not an error: no red
        started = time.monotonic()
        generator = DemoData(SIZES[size], seed=seed, batch_size=batch_size, progress=progress)
        with transaction.atomic():
            if existing:
                deleted = delete_demo_data()
                if verbosity >= 1:
                    self.stderr.write(f"Deleted {deleted:,} rows of earlier demo data.")
            counts = generator.generate()
            index_search(progress)  # nor does the search index follow them
            bump_data_version()  # bulk writes send no signals: mark cached pages stale
        # Fresh statistics, or the query planner takes a 100,000-row city for 90 rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        rows = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated size {size} demo data (seed {seed}): {listing(counts)}; "
                f"{rows:,} rows in {elapsed:.1f} s ({rows / max(elapsed, 1e-6):,.0f} rows/s)."
            )
        )


def index_search(progress):
    """Rebuild the search index, with a progress bar per kind of record."""
    bars = {}

    def advance(kind, done, total):
        if kind.name not in bars:
            bars[kind.name] = progress(f"Index {kind.name}", total)
        bar = bars[kind.name]
        bar.advance(done - bar.done)
        if done == total:
            bar.close()

    rebuild_search_index(advance)
