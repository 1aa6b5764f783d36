"""The map of sightings (/sightings/map/): the filters of /sightings/, the points per place on
a map, the same points as a table, and as CSV or JSON (``?format=csv``, filters kept)."""

import csv
import io

from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from entrants import exports
from entrants.filtersets import SightingFilterSet
from entrants.models import Sighting
from entrants.params import Params
from entrants.sighting_map import map_charts, map_points
from entrants.views import filter_errors, querystring_without, render_page

#: The query parameters the map reads (the page cache keys it by them): the list's filters.
MAP_PARAMETERS = (*SightingFilterSet.base_filters, "format")
EXPORT_FIELDS = (
    "place",
    "country",
    "latitude",
    "longitude",
    "sightings",
    "imports",
    "units",
    "latest_date",
    "latest",
    "latest_url",
    "place_source_url",
)


def export_rows(data, request):
    """Yield each point as the export's values, in ``EXPORT_FIELDS`` order."""
    for point in data.points:
        latest = point.latest
        yield [
            point.name,
            point.country.code,
            exports.export_value(point.latitude),
            exports.export_value(point.longitude),
            point.sightings,
            point.imports,
            point.units,
            exports.export_value(latest.date) if latest else None,
            point.latest_text or None,
            request.build_absolute_uri(latest.get_absolute_url()) if latest else None,
            point.source_url,
        ]


def csv_response(data, request):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_FIELDS)
    for values in export_rows(data, request):
        writer.writerow([exports.spreadsheet_safe(value) for value in values])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sightings-map.csv"'
    return response


def json_response(data, request):
    rows = export_rows(data, request)
    results = [dict(zip(EXPORT_FIELDS, values, strict=True)) for values in rows]
    return JsonResponse(
        {
            "list": "Map of sightings and imports",
            "fields": list(EXPORT_FIELDS),
            "results": results,
            "count": len(results),
            "not_on_map": {"no_city": data.no_city, "city_not_in_gazetteer": data.not_in_gazetteer},
        },
        json_dumps_params={"ensure_ascii": False},
    )


def sighting_map(request):
    """Show the filtered sightings and imports per place on a map, with the same points as a
    table; ``format=csv`` or ``json`` gives the points as a file."""
    params = Params.parse(request.GET, sortable=())
    filterset = SightingFilterSet(
        request.GET or None, queryset=Sighting.objects.all(), request=request
    )
    errors = params.errors + (filter_errors(filterset) if filterset.is_bound else [])
    if errors and params.format != "html":
        return exports.error_response(errors)
    data = map_points(filterset.qs)
    if params.format == "csv":
        return csv_response(data, request)
    if params.format == "json":
        return json_response(data, request)
    querystring = querystring_without(request.GET, "format", "page", "sort")
    suffix = f"?{querystring}" if querystring else ""
    return render_page(
        request,
        "entrants/sighting_map.html",
        {
            "title": "Map of sightings and imports",
            "filterset": filterset,
            "errors": errors,
            "data": data,
            "charts": map_charts(data),
            "querystring": querystring,
            "list_url": reverse("entrants:sighting_list") + suffix,
        },
    )
