"""The map of sightings (/sightings/map/): the list's filters, points counted per place, the
table and CSV of the same points, the gazetteer behind the coordinates, the data migration that
matched the free-text cities, and the admin's choice of a city."""

import csv
import importlib
import io
import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entrants import gazetteer
from entrants.models import Place, Sighting
from entrants.roles import EDITORS
from tests import factories
from tests.html_forms import admin_form_data

pytestmark = pytest.mark.django_db

MAP = "/sightings/map/"


@pytest.fixture
def client(client):
    client.defaults["HTTP_HOST"] = "127.0.0.1"
    return client


@pytest.fixture
def sightings():
    """Xiaomi seen in Karachi twice and imported to Lahore; a BYD imported to Islamabad; a
    Xiaomi seen in Dubai; one with a city no gazetteer has, one with no city."""
    xiaomi = factories.CompanyFactory(name="Xiaomi", slug="xiaomi")
    byd = factories.CompanyFactory(name="BYD", slug="byd")
    su7 = factories.VehicleModelFactory(maker=xiaomi, name="SU7", variant="Max")
    seal = factories.VehicleModelFactory(maker=byd, name="Seal", variant="")
    factories.SightingFactory(vehicle_model=su7, city="Karachi", date="2024-09-28", quantity=2)
    factories.SightingFactory(vehicle_model=su7, city=" karachi ", date="2024-10-02", quantity=3)
    imported = Sighting.Kind.IMPORTED
    factories.SightingFactory(vehicle_model=su7, kind=imported, city="Lahore", place="Showroom")
    factories.SightingFactory(vehicle_model=seal, kind=imported, city="Islamabad", place="")
    factories.SightingFactory(vehicle_model=su7, city="Dubai", place="Dubai Mall")
    factories.SightingFactory(vehicle_model=seal, city="Lahoree", place="")
    factories.SightingFactory(vehicle_model=seal, city="", place="")


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def figure(response, chart_id="sighting-map"):
    """Return the Plotly figure the page carries for ``chart_id``."""
    found = re.search(
        rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, f"no figure {chart_id}"
    return json.loads(found.group(1))


def places_drawn(response, chart_id="sighting-map"):
    """Return {trace name: [the place names in its hover labels]}."""
    return {
        trace["name"]: [re.match(r"<b>(.*?)</b>", text).group(1) for text in trace["text"]]
        for trace in figure(response, chart_id)["data"]
    }


# --- The gazetteer and the data migration -----------------------------------------------------


def test_the_gazetteer_matches_free_text_cities_whatever_their_case_and_spacing():
    found, missing = gazetteer.match_cities(
        ["Karachi", " karachi ", "KARACHI", "Lahore\t", "Kurrachee", "Port Qasim", "Karachee", ""]
    )
    assert {name: entry.name for name, entry in found.items()} == {
        "Karachi": "Karachi",
        " karachi ": "Karachi",
        "KARACHI": "Karachi",
        "Lahore\t": "Lahore",
        "Kurrachee": "Karachi",  # an alternate name GeoNames lists
        "Port Qasim": "Port Qasim",  # an extra place, with its source
    }
    assert missing == ["Karachee"]
    karachi = found["Karachi"]
    assert (karachi.country, karachi.geoname_id) == ("PK", 1174872)
    assert karachi.source_url == "https://www.geonames.org/1174872"
    assert found["Port Qasim"].source_url == "https://en.wikipedia.org/wiki/Port_Qasim"


def test_a_city_of_the_same_name_in_pakistan_wins_over_a_larger_one_abroad():
    assert gazetteer.match("Hyderabad").country == "PK"  # not India's, larger
    assert gazetteer.match("Dubai").country == "AE"


def test_every_extra_place_keeps_its_source_url():
    for entry, names in gazetteer.extra_entries():
        assert entry.source_url.startswith("https://"), entry
        assert entry.name in names


def test_the_data_migration_puts_existing_cities_on_the_map_and_prints_those_it_cannot(capsys):
    """The migration's step, run on sightings typed before the map (no place yet)."""
    factories.SightingFactory(city="Karachi")
    factories.SightingFactory(city="  LAHORE ")
    factories.SightingFactory(city="Karachee")
    factories.SightingFactory(city="")
    Sighting.objects.update(location=None)
    Place.objects.all().delete()

    migration = importlib.import_module("entrants.migrations.0012_places")
    migration.locate_cities(apps, None)

    located = dict(Sighting.objects.values_list("city", "location__name"))
    assert located == {"Karachi": "Karachi", "  LAHORE ": "Lahore", "Karachee": None, "": None}
    karachi = Place.objects.get(name="Karachi")
    assert (karachi.latitude, karachi.longitude) == (Decimal("24.860800"), Decimal("67.010400"))
    assert Place.objects.filter(name="Karachi port", source_url__contains="wikipedia").exists()
    assert "Cities not in the gazetteer" in capsys.readouterr().out
    # The admin lists them too.
    assert gazetteer.locate_sightings(Sighting, Place) == ["Karachee"]


def test_the_reference_data_puts_the_su7_max_at_karachi_on_the_map(reference_data, client):
    sighting = Sighting.objects.get(vehicle_model__slug="xiaomi-su7-max", city="Karachi")
    assert sighting.location.name == "Karachi"
    assert sighting.location.geoname_id == 1174872
    response = client.get(MAP)
    assert places_drawn(response)["Sightings"][0] == "Karachi"
    assert "Xiaomi SU7 Max at Karachi port, 28 September 2024" in figure(response)["data"][0][
        "text"
    ][0].replace("&#x27;", "'")


# --- The page ----------------------------------------------------------------------------------


def test_the_map_counts_sightings_and_imports_per_city(client, sightings):
    response = client.get(MAP)
    assert response.status_code == 200
    assert places_drawn(response) == {
        "Sightings": ["Karachi"],
        "Imports": ["Islamabad", "Lahore"],
    }
    sighted = figure(response)["data"][0]
    assert sighted["type"] == "scattergeo"
    assert sighted["lat"] == [24.8608] and sighted["lon"] == [67.0104]
    assert "2 sightings, 0 imports" in sighted["text"][0]
    assert "5 units stated" in sighted["text"][0]
    assert "Latest: Xiaomi SU7 Max at Karachi port" in sighted["text"][0]
    assert "2 October 2024" in sighted["text"][0]
    # Dubai is on the map of the world, not of Pakistan.
    assert places_drawn(response, "sighting-map-abroad") == {"Sightings": ["Dubai"]}
    content = response.content.decode()
    assert "1 row not on the map: its city is not in the gazetteer." in content
    assert "1 row not on the map: the report names no city." in content


def test_the_map_offers_its_places_as_a_table(client, sightings):
    content = client.get(MAP).content.decode()
    table = content[content.index('<table class="data map-points">') :]
    table = table[: table.index("</table>")]
    cells = re.findall(r'<td data-label="(\w+)">(.*?)</td>', table, re.S)
    rows = [dict(cells[i : i + 8]) for i in range(0, len(cells), 8)]
    assert [re.sub("<.*?>", "", row["Place"]) for row in rows] == [
        "Karachi",
        "Dubai",
        "Islamabad",
        "Lahore",
    ]
    assert rows[0]["Sightings"] == "2" and rows[0]["Latitude"] == "24.860800"
    assert 'href="https://www.geonames.org/1174872"' in rows[0]["Place"]


def test_filters_are_carried_into_the_map(client, sightings):
    response = client.get(MAP, {"kind": "imported", "maker": "xiaomi"})
    assert places_drawn(response) == {"Imports": ["Lahore"]}
    assert "sighting-map-abroad" not in response.content.decode()
    response = client.get(MAP, {"city": "KARACHI"})
    assert places_drawn(response) == {"Sightings": ["Karachi"]}


def test_the_list_links_to_the_map_with_its_filters_and_back(client, sightings):
    content = client.get("/sightings/", {"kind": "imported", "maker": "xiaomi"}).content.decode()
    assert 'href="/sightings/map/?kind=imported&amp;maker=xiaomi"' in content
    content = client.get(MAP, {"kind": "imported", "maker": "xiaomi"}).content.decode()
    assert 'href="/sightings/?kind=imported&amp;maker=xiaomi"' in content
    # The list's page and sort are not filters: the map's link leaves them behind.
    content = client.get("/sightings/", {"maker": "byd", "sort": "date"}).content.decode()
    assert 'href="/sightings/map/?maker=byd"' in content


def test_the_points_download_as_csv_with_the_filters(client, sightings):
    rows = csv_rows(client.get(MAP, {"maker": "xiaomi", "format": "csv"}))
    assert [row["place"] for row in rows] == ["Karachi", "Dubai", "Lahore"]
    karachi = rows[0]
    assert karachi["country"] == "PK"
    assert (karachi["latitude"], karachi["longitude"]) == ("24.860800", "67.010400")
    assert (karachi["sightings"], karachi["imports"], karachi["units"]) == ("2", "0", "5")
    assert karachi["latest_date"] == "2024-10-02"
    assert karachi["latest_url"].startswith("http://127.0.0.1/sightings/")
    assert karachi["place_source_url"] == "https://www.geonames.org/1174872"
    rows = csv_rows(client.get(MAP, {"kind": "imported", "maker": "byd", "format": "csv"}))
    assert [(row["place"], row["imports"]) for row in rows] == [("Islamabad", "1")]


def test_the_points_download_as_json(client, sightings):
    data = client.get(MAP, {"format": "json"}).json()
    assert data["count"] == 4
    assert data["not_on_map"] == {"no_city": 1, "city_not_in_gazetteer": 1}


def test_a_bad_filter_is_a_400_for_a_file_and_a_message_on_the_page(client, sightings):
    response = client.get(MAP, {"kind": "parked", "format": "csv"})
    assert response.status_code == 400
    assert "Sighting or import" in response.json()["errors"][0]
    response = client.get(MAP, {"kind": "parked"})
    assert response.status_code == 200
    assert "This filter was ignored." in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    response = client.get(MAP, {"format": "xlsx"})
    assert "is not a format this list exports" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_no_sighting_on_the_map_says_so(client):
    response = client.get(MAP)
    assert "No sighting or import in Pakistan matches these filters." in (response.content.decode())
    assert "plotly-geo" not in response.content.decode()


def test_the_map_uses_the_geo_bundle_and_local_outlines(client, sightings):
    content = client.get(MAP).content.decode()
    assert "/static/vendor/plotly/plotly-geo-4.1.1.min.js" in content
    assert 'data-topojson-url="/static/vendor/topojson/"' in content
    for outline in ("asia_50m.json", "world_110m.json", "LICENSE"):
        assert finders.find(f"vendor/topojson/{outline}"), outline


def test_the_overview_shows_a_small_map(client, sightings):
    response = client.get("/")
    assert places_drawn(response, "overview-map") == {
        "Sightings": ["Karachi"],
        "Imports": ["Islamabad", "Lahore"],
    }
    assert 'href="/sightings/map/"' in response.content.decode()


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(queries)


def test_the_map_query_count_is_constant_as_rows_grow(client):
    """Counted per place in the database: as many queries for 3 places as for 30."""
    urls = [MAP, f"{MAP}?kind=imported", f"{MAP}?format=csv", f"{MAP}?maker=none&city=karachi"]
    cities = [entry.name for entry in gazetteer.home_cities()[:30]]
    for city in cities[:3]:
        factories.SightingFactory(city=city)
    factories.build_related_rows(2)
    small = [queries_for(client, url) for url in urls]
    for city in cities[3:]:
        factories.SightingFactory(city=city)
        factories.SightingFactory(city=city, kind=Sighting.Kind.IMPORTED)
    factories.build_related_rows(5)
    large = [queries_for(client, url) for url in urls]
    assert large == small
    assert Sighting.objects.values("location").distinct().count() > 20


def test_the_map_is_cached_with_its_filters(client, sightings, settings):
    settings.PAGE_CACHE_SECONDS = 600
    url = f"{MAP}?kind=imported&maker=xiaomi"
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.content == first.content
    assert len(queries) == 1  # the data version, nothing else
    su7 = Sighting.objects.get(city="Lahore").vehicle_model
    factories.SightingFactory(vehicle_model=su7, city="Lahore", kind=Sighting.Kind.IMPORTED)
    assert "2 imports" in figure(client.get(url))["data"][0]["text"][0]


# --- The admin ---------------------------------------------------------------------------------


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    client.force_login(user)
    return client


def add_sighting(client, **fields):
    url = reverse("admin:entrants_sighting_add")
    model = factories.VehicleModelFactory()
    news = factories.NewsItemFactory()
    data = admin_form_data(
        client.get(url), vehicle_model=str(model.pk), source=str(news.pk), **fields
    )
    return client.post(url, data)


def test_an_editor_types_a_city_the_gazetteer_knows_and_it_goes_on_the_map(editor):
    response = add_sighting(editor, city="  lahore ", place="Expo Centre")
    assert response.status_code == 302, response.context["adminform"].form.errors
    sighting = Sighting.objects.get()
    assert sighting.city == "lahore"
    assert (sighting.location.latitude, sighting.location.longitude) == (
        Decimal("31.558000"),
        Decimal("74.350710"),
    )


def test_an_editor_chooses_a_place_from_the_gazetteer_and_its_coordinates_are_saved(editor):
    port = Place.objects.get(name="Port Qasim")
    response = add_sighting(editor, city="", location=str(port.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    sighting = Sighting.objects.get()
    assert sighting.city == "Port Qasim"
    assert sighting.location.latitude == Decimal("24.767000")
    assert sighting.location.source_url == "https://en.wikipedia.org/wiki/Port_Qasim"


def test_an_unknown_city_is_a_form_error_that_says_so(editor):
    response = add_sighting(editor, city="Karachee")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["city"]
    assert errors == [
        "“Karachee” is not in the gazetteer (GeoNames’ cities of 15,000 people or more, and "
        "the places in fixtures/places.csv), so it cannot go on the map. Check the spelling, "
        "choose the city from “City on the map”, or leave the city empty."
    ]
    assert not Sighting.objects.exists()


def test_the_city_autocomplete_lists_the_gazetteer_best_match_first(editor):
    response = editor.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "entrants",
            "model_name": "sighting",
            "field_name": "location",
            "term": "kar",
        },
    )
    assert response.status_code == 200
    names = [result["text"] for result in response.json()["results"]]
    # Names starting with the term, the most populous first; the extra places (no population)
    # after the cities.
    assert names[0] == "Karachi, Pakistan"
    assert "Karachi port, Pakistan" in names
    assert "Islamabad, Pakistan" not in names


def test_the_changelist_lists_sightings_whose_city_is_not_in_the_gazetteer(editor):
    factories.SightingFactory(city="Karachi", notes="on the map")
    factories.SightingFactory(city="Karachee", notes="typo")
    response = editor.get(reverse("admin:entrants_sighting_changelist"), {"on_map": "unknown"})
    assert [s.notes for s in response.context["cl"].result_list] == ["typo"]
