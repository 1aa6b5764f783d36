"""The map of sightings: sightings and imports per place, as sized markers on a map of
Pakistan and, for those abroad, of the world.

``map_points`` counts the filtered sightings per place in the database (one grouped query,
one for the places, one for each place's latest sighting, one for those not on the map), so
the page costs the same queries with ten sightings or a million. ``map_charts`` draws them
with Plotly's ``scattergeo``; the outlines are the vendored topojson files
(static/vendor/topojson/), which charts.js tells Plotly to read from the tracker's own static
files.
"""

import math
from dataclasses import dataclass

import plotly.graph_objects as go
from django.db.models import Count, Max, Q, Sum
from django.utils.html import escape

from entrants.charts import Chart, finish, omission
from entrants.gazetteer import HOME_COUNTRY
from entrants.models import Place, Sighting

SIGHTED, IMPORTED = Sighting.Kind.SIGHTED, Sighting.Kind.IMPORTED
KIND_STYLE = {
    SIGHTED: {"name": "Sightings", "color": "#2d6cdf", "symbol": "circle"},
    IMPORTED: {"name": "Imports", "color": "#c8553d", "symbol": "circle-open"},
}
# Pakistan, with a margin: the map of sightings at home.
PAKISTAN_VIEW = {"lonaxis": {"range": [60, 78.5]}, "lataxis": {"range": [23, 37.5]}}
MIN_SIZE, MAX_SIZE = 9, 46  # marker diameters (px) of the smallest and the largest count
LATEST_BATCH = 300  # places whose latest sighting one query reads
HEADERS = ["Place", "Country", "Latitude", "Longitude", "Sightings", "Imports", "Units", "Latest"]


@dataclass
class Point:
    """One place on the map with the filtered sightings and imports there."""

    name: str
    country: object  # a django_countries Country
    latitude: object  # Decimal
    longitude: object  # Decimal
    source_url: str
    sightings: int
    imports: int
    units: int | None  # units stated (sum of the known quantities), None if none is
    latest: Sighting | None = None

    @property
    def total(self):
        return self.sightings + self.imports

    @property
    def abroad(self):
        return self.country.code != HOME_COUNTRY

    @property
    def latest_text(self):
        if self.latest is None:
            return ""
        sighting = self.latest
        return f"{sighting.vehicle_model} {sighting.where}, {sighting.date_display}"

    def row(self):
        units = "" if self.units is None else f"{self.units:,}"
        return [
            self.name,
            self.country.name,
            str(self.latitude),
            str(self.longitude),
            f"{self.sightings:,}",
            f"{self.imports:,}",
            units,
            self.latest_text,
        ]


@dataclass
class MapData:
    """The points of the filtered sightings, and how many of them are not on the map."""

    points: list[Point]
    no_city: int  # the report names no city
    not_in_gazetteer: int  # its city is not in the gazetteer

    @property
    def home(self):
        return [point for point in self.points if not point.abroad]

    @property
    def abroad(self):
        return [point for point in self.points if point.abroad]


def map_points(queryset):
    """Return the ``MapData`` of a (filtered) queryset of sightings: counted per place in the
    database (grouped by the place's id alone, the cheapest grouping), largest first, each with
    its latest sighting."""
    queryset = queryset.order_by()
    rows = list(
        queryset.filter(location__isnull=False)
        .values("location")
        .annotate(
            sightings=Count("pk", filter=Q(kind=SIGHTED)),
            imports=Count("pk", filter=Q(kind=IMPORTED)),
            units=Sum("quantity"),
            latest_date=Max("date"),
        )
        .order_by()
    )
    places = Place.objects.in_bulk([row["location"] for row in rows]) if rows else {}
    latest = latest_per_place(queryset, {row["location"]: row["latest_date"] for row in rows})
    points = [point_of(row, places[row["location"]], latest.get(row["location"])) for row in rows]
    points.sort(key=lambda point: (-point.total, point.name))
    off_map = queryset.filter(location__isnull=True).aggregate(
        no_city=Count("pk", filter=Q(city="")), unknown=Count("pk", filter=~Q(city=""))
    )
    return MapData(points, off_map["no_city"], off_map["unknown"])


def latest_per_place(queryset, latest_dates):
    """Return {place id: its latest sighting of ``queryset``}: of the sightings on each place's
    latest date (``latest_dates``, from the grouped query), the last entered: their keys, then
    those rows, two queries for up to ``LATEST_BATCH`` places (a window function or a subquery
    per place took seconds on 100,000 sightings in SQLite; reading every row of each place's
    latest date, 240 ms; this, about 100 ms)."""
    latest = {}
    items = list(latest_dates.items())
    for start in range(0, len(items), LATEST_BATCH):
        condition = Q()
        for location, day in items[start : start + LATEST_BATCH]:
            condition |= Q(location=location, **({"date": day} if day else {"date": None}))
        last = queryset.filter(condition).values("location").annotate(last=Max("pk"))
        keys = [row["last"] for row in last.order_by()]
        rows = Sighting.objects.select_related("vehicle_model__maker").in_bulk(keys)
        for sighting in rows.values():
            latest[sighting.location_id] = sighting
    return latest


def point_of(row, place, latest):
    return Point(
        name=place.name,
        country=place.country,
        latitude=place.latitude,
        longitude=place.longitude,
        source_url=place.source_url,
        sightings=row["sightings"],
        imports=row["imports"],
        units=row["units"],
        latest=latest,
    )


def marker_size(count, largest):
    """Return a marker's diameter: its area grows with the count."""
    if largest <= 0:
        return MIN_SIZE
    return round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(count / largest), 1)


def plural(count, one, many):
    return f"{count:,} {one if count == 1 else many}"


def hover_text(point):
    """Return the hover label of a place: its counts and its latest sighting."""
    lines = [
        f"<b>{escape(point.name)}</b>, {escape(point.country.name)}",
        f"{plural(point.sightings, 'sighting', 'sightings')}, "
        f"{plural(point.imports, 'import', 'imports')}",
    ]
    if point.units is not None:
        lines.append(f"{plural(point.units, 'unit', 'units')} stated")
    if point.latest is not None:
        lines.append(f"Latest: {escape(point.latest_text)}")
    return "<br>".join(lines)


def traces(points, largest):
    """Return the figure's traces: one for sightings, one for imports (rings, so that a place
    with both shows both)."""
    result = []
    for kind, attribute in ((SIGHTED, "sightings"), (IMPORTED, "imports")):
        shown = [point for point in points if getattr(point, attribute)]
        if not shown:
            continue
        style = KIND_STYLE[kind]
        result.append(
            go.Scattergeo(
                name=style["name"],
                lat=[float(point.latitude) for point in shown],
                lon=[float(point.longitude) for point in shown],
                text=[hover_text(point) for point in shown],
                hoverinfo="text",
                mode="markers",
                marker={
                    "size": [marker_size(getattr(point, attribute), largest) for point in shown],
                    "color": style["color"],
                    "symbol": style["symbol"],
                    "opacity": 0.75 if kind == SIGHTED else 1,
                    "line": {"width": 3 if kind == IMPORTED else 1, "color": style["color"]},
                },
            )
        )
    return result


def geo_layout(scope, resolution, view=None):
    return {
        "scope": scope,
        "resolution": resolution,
        "projection": {"type": "mercator" if view else "natural earth"},
        "showcountries": True,
        "countrycolor": "#8a939e",
        "showland": True,
        "landcolor": "#f3f1ea",
        "showocean": True,
        "oceancolor": "#e3eef7",
        "showcoastlines": True,
        "coastlinecolor": "#8a939e",
        "showframe": False,
        "bgcolor": "#ffffff",
        **(view or {}),
    }


def figure_of(points, scope, resolution, view=None, height=520):
    largest = max(max(point.sightings, point.imports) for point in points)
    figure = go.Figure(traces(points, largest))
    return finish(
        figure,
        narrow={"height": round(height * 0.8), "geo": {"projection": {"scale": 1}}},
        geo=geo_layout(scope, resolution, view),
        height=height,
        margin={"l": 0, "r": 0, "t": 10, "b": 10},
        showlegend=True,
    )


def map_charts(data, chart_id="sighting-map", height=520):
    """Return the charts of ``data``: Pakistan's, and the world's when some are abroad."""
    omitted = []
    if data.not_in_gazetteer:
        omitted.append(
            omission(
                chart_id,
                "unknown-city",
                data.not_in_gazetteer,
                ("row", "rows"),
                ("its city is not in the gazetteer", "their cities are not in the gazetteer"),
                [],
            )
        )
    if data.no_city:
        omitted.append(
            omission(
                chart_id,
                "no-city",
                data.no_city,
                ("row", "rows"),
                ("the report names no city", "their reports name no city"),
                [],
            )
        )
    home = data.home
    charts = [
        Chart(
            id=chart_id,
            title="Sightings and imports in Pakistan, by city",
            figure=figure_of(home, "asia", 50, PAKISTAN_VIEW, height) if home else None,
            headers=HEADERS,
            rows=[point.row() for point in home],
            empty_message="No sighting or import in Pakistan matches these filters.",
            omitted=omitted,
        )
    ]
    abroad = data.abroad
    if abroad:
        charts.append(
            Chart(
                id=f"{chart_id}-abroad",
                title="Sightings and imports abroad, by city",
                figure=figure_of(abroad, "world", 110, None, round(height * 0.8)),
                headers=HEADERS,
                rows=[point.row() for point in abroad],
            )
        )
    return charts
