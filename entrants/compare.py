"""The comparison of two to four vehicle models side by side (``/compare/?model=a&model=b``):
which models the query string names and what is wrong with it, what is read about each (one
prefetch per relation, ``VehicleModelQuerySet.for_compare``, so the page costs the same number
of queries however many prices, sightings and partnerships the models have), and the
comparison as CSV: one row per model and attribute (and per market for prices), each value
beside its unit, currency, date precision, rates and source."""

import csv
import re
from dataclasses import dataclass, field

from django.db.models import Count
from django.http import HttpResponse
from django.urls import reverse

from entrants.currency import to_minor_unit
from entrants.dates import partial_date_iso
from entrants.exports import RowUrls, export_value, spreadsheet_safe
from entrants.models import PricePoint, Sighting, VehicleModel
from entrants.params import shown
from entrants.tables import rates_summary

MIN_MODELS = 2
MAX_MODELS = 4
# A slug as the tracker makes them (the model pages' URL converter): anything else names no
# model, and is not sent to the database (PostgreSQL refuses a NUL byte in a query).
SLUG = re.compile(r"[-\w]{1,120}")
# Slugs looked up at most, so that a query string naming hundreds costs one small query.
LOOKED_UP = 20


@dataclass
class Choice:
    """The models a query string names: those found, in its order, and what was wrong with
    it (each error a sentence naming the value)."""

    models: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    named: list = field(default_factory=list)  # the distinct non-empty values, in order

    @property
    def too_few(self):
        return not self.errors and len(self.models) < MIN_MODELS


def choose(values):
    """Return the ``Choice`` of the ``model`` values of a query string: the models, read with
    ``for_compare()``, or the errors (an empty value, a model named twice, more than
    ``MAX_MODELS``, a slug no model has)."""
    errors, named = [], []
    values = [value.strip() for value in values]
    if any(not value for value in values):
        errors.append(
            "An empty “model=” names no model: choose one from the list below, or take it out "
            "of the address."
        )
    for value in values:
        if not value:
            continue
        if value in named:
            message = f"“{shown(value)}” is named more than once: each model is compared once."
            if message not in errors:
                errors.append(message)
        else:
            named.append(value)
    if len(named) > MAX_MODELS:
        extra = ", ".join(f"“{shown(value)}”" for value in named[MAX_MODELS:])
        errors.append(
            f"{len(named)} models are named, and at most {MAX_MODELS} can be compared at once: "
            f"remove {extra} or others."
        )
    valid = [value for value in named if SLUG.fullmatch(value)][:LOOKED_UP]
    found = {
        model.slug: model for model in VehicleModel.objects.for_compare().filter(slug__in=valid)
    }
    for value in named[:LOOKED_UP]:
        if value not in found:
            errors.append(f"No model has the slug “{shown(value)}”.")
    models = [found[value] for value in named if value in found]
    counts = price_counts(models)
    for model in models:
        for price in model.latest_prices:
            price.market_count = counts.get((model.pk, price.market.code), 0)
        sightings = {sighting.kind: sighting for sighting in model.latest_sightings}
        model.latest_sighting = sightings.get(Sighting.Kind.SIGHTED)
        model.latest_import = sightings.get(Sighting.Kind.IMPORTED)
    return Choice(models, errors, named)


def price_counts(models):
    """Return {(model pk, market code): how many prices} for ``models``: one query."""
    if not models:
        return {}
    rows = (
        PricePoint.objects.filter(vehicle_model__in=models)
        .order_by()
        .values_list("vehicle_model", "market")
        .annotate(n=Count("pk"))
    )
    return {(model, market): n for model, market, n in rows}


def query_with(query, models, **changes):
    """Return ``query`` (a QueryDict) as a query string naming ``models`` (slugs) instead of
    its own ``model`` values, with ``changes`` set and without ``format``."""
    params = query.copy()
    params.pop("format", None)
    params.setlist("model", list(models))
    for name, value in changes.items():
        params[name] = value
    return params.urlencode()


def market_rows(models):
    """Return one row per market any of ``models`` has a price in: the market's name and, per
    model, its latest price there (None where it has none), markets in alphabetical order."""
    markets = {}
    for model in models:
        for price in model.latest_prices:
            markets.setdefault(price.market.code, price.market.name)
    rows = []
    for code, name in sorted(markets.items(), key=lambda item: item[1]):
        by_model = [
            next((p for p in model.latest_prices if p.market.code == code), None)
            for model in models
        ]
        rows.append({"code": code, "name": name, "prices": by_model})
    return rows


def picker_choices(excluded):
    """Return (slug, name) of every model but ``excluded`` (slugs), for the "Add a model"
    list: one query of three columns and the makers' names."""
    rows = (
        VehicleModel.objects.exclude(slug__in=excluded)
        .order_by("maker__name", "name", "variant", "pk")
        .values_list("slug", "maker__name", "name", "variant")
    )
    return [(slug, f"{maker} {name} {variant}".strip()) for slug, maker, name, variant in rows]


# --- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "model_slug",
    "model",
    "attribute",
    "market",
    "value",
    "unit",
    "quoted_amount",
    "quoted_currency",
    "converted_at",
    "prices_in_market",
    "rates_used",
    "rate_source",
    "date",
    "date_precision",
    "claim_status",
    "source_title",
    "source_url",
    "url",
)


def fact_cells(fact, urls):
    """The date, precision, claim status, source and page of a fact, as ``CSV_COLUMNS``."""
    return {
        "date": partial_date_iso(fact.date, fact.date_precision) or None,
        "date_precision": fact.date_precision if fact.date else None,
        "claim_status": fact.claim_status,
        "source_title": fact.source.headline,
        "source_url": fact.source.url,
        "url": urls.of(fact),
    }


def csv_records(models, params, urls):
    """Yield the comparison as dicts of ``CSV_COLUMNS``: one per model and attribute, one per
    model and market for the latest prices (converted into ``params.currency``)."""
    for model in models:
        base = {"model_slug": model.slug, "model": str(model)}
        page = urls.of(model)
        yield {**base, "attribute": "maker", "value": model.maker.name, "url": urls.of(model.maker)}
        for attribute in ("stage_in_pakistan", "body_type", "powertrain"):
            yield {**base, "attribute": attribute, "value": getattr(model, attribute), "url": page}
        yield {
            **base,
            "attribute": "battery",
            "value": model.battery_kwh,
            "unit": "kWh",
            "url": page,
        }
        yield {**base, "attribute": "range", "value": model.range_km, "unit": "km", "url": page}
        for price in model.latest_prices:
            converted = price.converted
            yield {
                **base,
                "attribute": "latest_price",
                "market": price.market.code,
                "value": None
                if converted.missing
                else to_minor_unit(converted.amount, params.currency),
                "unit": params.currency,
                "quoted_amount": price.amount,
                "quoted_currency": price.currency,
                "converted_at": params.at_param,
                "prices_in_market": price.market_count,
                "rates_used": rates_summary(converted),
                "rate_source": "; ".join(
                    dict.fromkeys(rate.source_code or rate.source for rate in converted.rates)
                ),
                **fact_cells(price, urls),
            }
        sightings = f"{urls.site}{reverse('entrants:sighting_list')}?model={model.slug}&kind="
        for kind, code, count, latest in (
            ("sightings", Sighting.Kind.SIGHTED, model.sighting_count, model.latest_sighting),
            ("imports", Sighting.Kind.IMPORTED, model.import_count, model.latest_import),
        ):
            listed = f"{sightings}{code}"
            yield {**base, "attribute": kind, "value": count, "unit": "reports", "url": listed}
            if latest is not None:
                yield {
                    **base,
                    "attribute": f"latest_{kind.removesuffix('s')}",
                    "value": f"{latest.quantity_display} {latest.where}",
                    "unit": "units",
                    **fact_cells(latest, urls),
                }
        for partnership in model.compared_partnerships:
            yield {
                **base,
                "attribute": "partnership",
                "value": f"{partnership} ({partnership.status})",
                **fact_cells(partnership, urls),
            }


def csv_response(models, params, request):
    """Return the comparison as a CSV file (``csv_records``)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    names = "-".join(model.slug for model in models)[:150]
    response["Content-Disposition"] = f'attachment; filename="compare-{names}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    urls = RowUrls(request.build_absolute_uri("/").rstrip("/"))
    for record in csv_records(models, params, urls):
        writer.writerow([spreadsheet_safe(export_value(record.get(name))) for name in CSV_COLUMNS])
    return response
