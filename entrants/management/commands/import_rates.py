"""Import exchange rates (or, with --prices, price points) from a CSV or XLSX file: every row or
none. The columns are those of ``entrants/resources.py`` and of the admin's export; the bounds
(file size, rows, time) those of ``entrants/import_files.py``, as in the admin."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize
from import_export.results import RowResult

from entrants.import_files import FORMATS_BY_EXTENSION, ImportFileError, check_size
from entrants.resources import ExchangeRateResource, PricePointResource, error_lines, is_blank


def read_dataset(path):
    """Return the rows of the CSV or XLSX file at ``path`` as a tablib Dataset."""
    file_format = FORMATS_BY_EXTENSION.get(path.suffix.lower())
    if file_format is None:
        raise CommandError(f"{path.name}: give a .csv or .xlsx file.")
    try:
        check_size(path.stat().st_size, path.name)
        data = path.read_bytes()
        # utf-8-sig: the byte-order mark Excel puts before a CSV file is not part of its header.
        return file_format(encoding="utf-8-sig").create_dataset(data)
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    except ImportFileError as error:
        raise CommandError(str(error)) from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{path.name} is not UTF-8 text; save it as CSV UTF-8.") from error
    except Exception as error:  # openpyxl and csv raise many kinds for a damaged file
        raise CommandError(f"{path.name} cannot be read as {path.suffix[1:].upper()}.") from error


class Command(BaseCommand):
    help = (
        "Import exchange rates (default) or price points (--prices) from a .csv or .xlsx file. "
        "Rows matching a record already in the tracker update it. If any row is bad, each "
        "problem is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file with a header row.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, writing nothing.",
        )
        parser.add_argument(
            "--prices", action="store_true", help="Import price points, not exchange rates."
        )
        parser.add_argument(
            "--time-limit",
            type=int,
            default=settings.IMPORT_TIME_LIMIT_SECONDS,
            metavar="SECONDS",
            help="Stop, writing nothing, after this many seconds (0: no limit; "
            f"default {settings.IMPORT_TIME_LIMIT_SECONDS}).",
        )

    def handle(self, *args, file, dry_run=False, prices=False, time_limit=None, **options):
        path = Path(file)
        dataset = read_dataset(path)
        if not dataset.headers:
            raise CommandError(f"{path.name} is empty.")
        rows = sum(1 for row in dataset if not all(is_blank(value) for value in row))
        self.stdout.write(f"Read {rows} row{pluralize(rows)} from {path.name}…")

        resource = PricePointResource() if prices else ExchangeRateResource()
        self.stdout.write("Checking every row…" if dry_run else "Checking and writing every row…")
        result = resource.import_data(
            dataset, dry_run=dry_run, file_name=path.name, time_limit=time_limit
        )

        problems = error_lines(result)
        if problems:
            for line in problems:
                self.stderr.write(line)
            bad_rows = len(result.invalid_rows) + len(result.error_rows)
            raise CommandError(
                f"Nothing was imported: errors in {bad_rows} of {rows} row{pluralize(rows)}."
                if bad_rows
                else "Nothing was imported."
            )

        new = result.totals[RowResult.IMPORT_TYPE_NEW]
        updated = result.totals[RowResult.IMPORT_TYPE_UPDATE]
        unchanged = result.totals[RowResult.IMPORT_TYPE_SKIP] - resource.blank_rows
        counts = f"{new} new, {updated} updated" + (f", {unchanged} unchanged" if unchanged else "")
        imported = f"{rows} row{pluralize(rows)} ({counts})"
        if dry_run:
            self.stdout.write(f"Dry run: would import {imported}; nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {imported}"))
