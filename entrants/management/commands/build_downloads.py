"""Build the dataset downloads for the current data version: ``manage.py build_downloads
[--force]``. The site builds them on the first request after a change; this builds them ahead
(after an import, from cron), so no visitor waits for a large build."""

from django.core.management.base import BaseCommand, CommandError

from entrants import downloads
from entrants.cache import data_version
from entrants.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Build /download/'s files (the SQLite database and the zip of CSVs) for the current "
        "data version into DOWNLOAD_DIR, unless they are already built, and remove older "
        "versions'. --force builds them again (after restoring a database backup, whose data "
        "version may name files built from other data). If the site is building them, waits "
        "for it first. dataset_info.source_url names DJANGO_SITE_URL's /download/ (or says "
        "that no address is configured)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Build again even if already built."
        )

    def handle(self, *args, force=False, **options):
        folder = downloads.directory()
        found = None if force else downloads.find(data_version(), folder)
        if found:
            self.stdout.write(
                f"Already built for data version {found.version} "
                f"({found.built_at:%Y-%m-%d %H:%M}): {found.path(downloads.SQLITE)}, "
                f"{found.path(downloads.CSV_ZIP)}."
            )
            return
        self.stdout.write(f"Building the downloads into {folder}…")
        self.stderr.style_func = None  # progress is not an error: no red
        live = self.stderr.isatty()

        def progress(label, total):
            return ProgressBar(self.stderr, label, total, live)

        try:
            built = downloads.current(
                progress=progress if options["verbosity"] >= 1 else None, force=True, wait=True
            )
        except downloads.BuildFailed as error:
            raise CommandError(f"The downloads could not be built in {folder}: {error}") from error
        sizes = ", ".join(
            f"{built.path(download).name} ({built.sizes[download.key]:,} bytes)"
            for download in (downloads.SQLITE, downloads.CSV_ZIP)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Built data version {built.version}: {len(built.tables)} tables, "
                f"{built.total_rows:,} rows; {sizes}."
            )
        )
