"""Load the reference data in fixtures/ (the YAML fixtures, then the curated exchange-rate
series of fixtures/rates/*.csv) unless this exact set has been loaded already; each record
loaded that has no history yet gets its first version, "Loaded from reference data"."""

import hashlib
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands import loaddata
from django.db import transaction
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.translation import ngettext

from entrants import gazetteer
from entrants.cache import bump_data_version, data_version_bumps_deferred
from entrants.history import REFERENCE_DATA, FirstVersions, change_reason
from entrants.models import Place, ReferenceDataLoad, Sighting
from entrants.rates import RateSourceError, curated
from entrants.rates.store import store
from entrants.search import index as search_index


def records(count):
    return ngettext("%(count)d record", "%(count)d records", count) % {"count": count}


def fixture_files():
    """Return the reference fixture files, in loading order."""
    files = sorted(path for directory in settings.FIXTURE_DIRS for path in directory.glob("*.yaml"))
    if not files:
        raise CommandError(f"No fixtures found in {', '.join(map(str, settings.FIXTURE_DIRS))}.")
    return files


def rate_files():
    """Return the curated rate series (CSV, with the sentence that states each rate)."""
    return curated.default_files()


def locate(sender, instance, raw=False, **kwargs):
    """Put a sighting ``loaddata`` saves (raw: ``Sighting.save`` does not run) on the map, so
    that its first version, written from the loaded instance, has its place too."""
    if raw and instance.city and instance.location_id is None:
        instance.locate()


@contextmanager
def locating_sightings():
    pre_save.connect(locate, sender=Sighting, weak=False)
    try:
        yield
    finally:
        pre_save.disconnect(locate, sender=Sighting)


def checksum(files):
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Load the reference data (fixtures/*.yaml). Records are matched by natural key, so "
        "loading twice changes nothing; an unchanged set is skipped so that edits made in "
        "the admin survive restarts. Use --force to reload anyway. Each record loaded that has "
        "no history yet gets a first version, which an editor's change can be reverted to."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Reload even if this set of fixtures was loaded before (overwrites edits "
            "made in the admin to reference records).",
        )

    def handle(self, *args, force=False, **options):
        files = fixture_files()
        digest = checksum(files + rate_files() + [gazetteer.EXTRA_PLACES_FILE])
        last = ReferenceDataLoad.objects.order_by("-loaded_at").first()
        if last and last.checksum == digest and not force:
            loaded_at = timezone.localtime(last.loaded_at)
            self.stdout.write(
                f"Reference data unchanged since {loaded_at:%Y-%m-%d %H:%M} "
                f"({records(last.object_count)}); nothing to do. Use --force to reload."
            )
            return
        self.stdout.write(
            ngettext(
                "Loading reference data from %(count)d fixture file…",
                "Loading reference data from %(count)d fixture files…",
                len(files),
            )
            % {"count": len(files)}
        )
        # One bump of the data version at the end, not one per row saved.
        with transaction.atomic(), data_version_bumps_deferred():
            loader = loaddata.Command(stdout=self.stdout)
            gazetteer.sync_places(Place)
            with (
                FirstVersions() as first_versions,
                change_reason(REFERENCE_DATA),
                locating_sightings(),
                search_index.deferred(),
            ):
                call_command(loader, *[str(path) for path in files], verbosity=options["verbosity"])
            first_versions.write(REFERENCE_DATA)
            count = loader.loaded_object_count
            self.locate_sightings()
            if rate_files():
                try:
                    rates = store(curated.fetch(), reason=REFERENCE_DATA)
                except RateSourceError as error:
                    raise CommandError(f"The curated rates in fixtures/rates/: {error}") from error
                self.stdout.write(f"Curated exchange rates: {rates}.")
                count += rates.total
            ReferenceDataLoad.objects.create(checksum=digest, object_count=count)
            bump_data_version()
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded ({records(count)})."))

    def locate_sightings(self):
        """Put the sightings still off the map (loaded before the map existed) on it by their
        city; say which cities the gazetteer lacks."""
        missing = gazetteer.locate_sightings(Sighting, Place)
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    "Cities not in the gazetteer (their sightings stay off the map): "
                    + ", ".join(missing)
                )
            )
