"""The admin's side of the map: the gazetteer's places, and a sighting's city chosen from it.

An editor picks "City on the map" from the gazetteer (an autocomplete over the ``Place`` rows:
every GeoNames city of Pakistan and the extra places; ranked best match first, then the most
populous), or types the city: a typed city the gazetteer knows is put on the map (a city abroad
gets its row then), one it does not know is a form error saying so. The changelist's
"City on the map" filter lists the sightings whose city the gazetteer lacks.
"""

from django import forms
from django.contrib import admin
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from entrants import gazetteer
from entrants.admin.ranking import BestMatchFirst
from entrants.forms import ConcurrencyCheckedForm
from entrants.models import Place
from entrants.newsdesk.duplicates import DuplicateWarningForm

UNKNOWN_CITY = _(
    "“%(city)s” is not in the gazetteer (GeoNames’ cities of 15,000 people or more, and the "
    "places in fixtures/places.csv), so it cannot go on the map. Check the spelling, choose the "
    "city from “City on the map”, or leave the city empty."
)


class SightingForm(DuplicateWarningForm):
    """A sighting's form: its typed city and its city on the map agree.

    A city chosen from the gazetteer wins (its name fills an empty city); otherwise a typed
    city is looked up in the gazetteer, and one it lacks is an error on the city."""

    def clean(self):
        data = self.cleaned_data
        city = " ".join((data.get("city") or "").split())
        location = data.get("location")
        chose_location = "location" in self.changed_data and location is not None
        if "city" in data:
            data["city"] = city
        if chose_location:
            data["city"] = city or location.name
        elif "city" in self.changed_data or (city and location is None):
            entry = gazetteer.match(city) if city else None
            if city and entry is None:
                self.add_error("city", forms.ValidationError(UNKNOWN_CITY % {"city": city}))
            else:
                data["location"] = gazetteer.place_for(entry, Place) if entry else None
        return super().clean()


class NotInGazetteerFilter(admin.SimpleListFilter):
    """Sightings by whether their city is on the map: "not in the gazetteer" lists those whose
    typed city the gazetteer lacks (the data migration printed them too)."""

    title = _("city on the map")
    parameter_name = "on_map"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("On the map")),
            ("unknown", _("City not in the gazetteer")),
            ("no_city", _("No city")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(location__isnull=False)
        if value == "unknown":
            return queryset.filter(location__isnull=True).exclude(city="")
        if value == "no_city":
            return queryset.filter(location__isnull=True, city="")
        return queryset


@admin.register(Place)
class PlaceAdmin(BestMatchFirst, admin.ModelAdmin):
    """The gazetteer's places; a GeoNames city's coordinates are GeoNames' own."""

    form = ConcurrencyCheckedForm
    list_display = ["name", "country", "latitude", "longitude", "population", "source_url"]
    list_filter = ["country"]
    search_fields = ["name"]
    # The most populous first, on SQLite and PostgreSQL alike (they disagree on where NULL sorts).
    ordering = [F("population").desc(nulls_last=True), "name"]
    date_hierarchy = "created_at"
    ranked_by = ("name",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.geoname_id is not None:
            return ["name", "country", "latitude", "longitude", "geoname_id", "population"]
        return ["geoname_id"]
