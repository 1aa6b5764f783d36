"""``manage.py rebuild_search_index``: index every record afresh (after bulk writes)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from entrants.cache import bump_data_version
from entrants.demo import NoProgress
from entrants.management.commands.generate_demo_data import index_search
from entrants.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the records. Saves keep it in step; run this after "
        "writes that bypass them (bulk_create, update, SQL)."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        self.stderr.style_func = None

        def progress(label, total):
            if verbosity < 1:
                return NoProgress(label, total)
            return ProgressBar(self.stderr, label, total, self.stderr.isatty())

        with transaction.atomic():
            index_search(progress)
            bump_data_version()
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
