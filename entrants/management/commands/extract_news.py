"""Print, as JSON, what a news article mentions: companies, vehicle models, people, amounts,
quantities, places and dates (see ``entrants.newsdesk.extraction``), and the draft prices,
sightings and events that the admin's "Suggest links" page would offer
(``entrants.newsdesk.drafts``)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from entrants.newsdesk.drafts import draft
from entrants.newsdesk.extraction.dates import parse_iso_date, split_header


class Command(BaseCommand):
    help = (
        "Read a news article (a text file, or - for standard input) and print as JSON the "
        "companies, vehicle models, people, amounts, quantities, places and dates it mentions. "
        "Known records come with their id; new names with id null and new true. A first line "
        "“date YYYY-MM-DD” gives the publication date, against which relative dates "
        "(“in April”, “last year”) are resolved."
    )
    # Tests pass a file-like object as standard input.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="The article's text file, or - for standard input.")
        parser.add_argument(
            "--date",
            help="Publication date, YYYY-MM-DD; overrides the file's “date” header line.",
        )

    def handle(self, *args, file, date=None, **options):
        published_on = self.parse_date(date, "--date") if date else None
        header_date, body = split_header(self.read(file, options.get("stdin") or sys.stdin))
        if published_on is None and header_date is not None:
            published_on = self.parse_date(header_date, f"the “date” header of {file}")
        if published_on is None:
            self.stderr.write(
                "No publication date (no “date YYYY-MM-DD” header and no --date): relative "
                "dates such as “in April” or “last year” are skipped.",
                style_func=self.style.WARNING,
            )
        suggestions = draft(body, published_on)
        data = suggestions.extraction.as_dict()
        # Keep the documented key order: the date, then names, then figures, places and dates,
        # then the drafts that the admin's "Suggest links" page offers.
        keys = ("published_on", "companies", "models", "people", "amounts", "quantities")
        keys += ("places", "dates")
        output = {key: data[key] for key in keys} | {"drafts": suggestions.as_dict()}
        self.stdout.write(json.dumps(output, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder))

    def read(self, file, stdin):
        if file == "-":
            return stdin.read()
        try:
            with open(file, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except IsADirectoryError:
            raise CommandError(f"{file} is a directory, not an article's text file.") from None
        except PermissionError:
            raise CommandError(f"Not allowed to read {file}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None

    def parse_date(self, value, where):
        try:
            return parse_iso_date(value)
        except ValueError as error:
            raise CommandError(f"Bad date in {where}: {error}") from None
