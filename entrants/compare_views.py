"""``/compare/``: two to four vehicle models side by side, their latest prices in the chosen
currency and their price histories in one chart; ``?format=csv`` exports the same.

The page reads its models with ``entrants.compare`` and its histories with
``selectors.price_series``; a query string it cannot honour (an empty, repeated or unknown
``model``, more than four) is answered 400 with the reason on the page (or, for the CSV, as
JSON like every export's).
"""

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from entrants import compare, exports, lookups, selectors
from entrants.conversions import convert_prices, convert_series
from entrants.params import DISPLAY_CURRENCIES, Params, shown
from entrants.price_history_chart import compared_histories
from entrants.views import CURRENCY_PARAMETERS

COMPARE_PARAMETERS = ("model", "format", *CURRENCY_PARAMETERS)
# The order of the models is the order of the columns, and a model named twice is an error:
# the page cache keeps ``model``'s values as given (``entrants.cache.canonical_url``).
ORDERED_PARAMETERS = ("model",)
FORMATS = ("html", "csv")


def compare_page(request):
    """Show (or export as CSV) the models the query string names, side by side."""
    params = Params.parse(request.GET)
    fmt = (request.GET.get("format") or "html").strip().lower()
    choice = compare.choose(request.GET.getlist("model"))
    format_errors = (
        []
        if fmt in FORMATS
        else [f"“{shown(fmt)}” is not a format the comparison exports; use format=csv."]
    )
    if fmt != "html":
        errors = format_errors + choice.errors + params.errors
        if choice.too_few:
            errors.append(f"Name {compare.MIN_MODELS} to {compare.MAX_MODELS} models to export.")
        if errors:
            return exports.error_response(errors)
    errors = choice.errors
    models = choice.models if not errors else []
    rates = lookups.rate_table(params.rates)
    chart = None
    for model in models:
        convert_prices(model.latest_prices, rates, params)
    if fmt == "csv":
        return compare.csv_response(models, params, request)
    if len(models) >= compare.MIN_MODELS:
        histories = [
            (model, convert_series(selectors.price_series(model), rates, params))
            for model in models
        ]
        chart = compared_histories(histories, params.currency, params.at_label)
    slugs = [model.slug for model in models]
    context = {
        "params": params,
        "errors": errors + params.errors,
        "invalid": bool(errors),
        "currencies": DISPLAY_CURRENCIES,
        "models": models,
        "columns": [
            {"model": model, "remove": compare.query_with(request.GET, without(slugs, model.slug))}
            for model in models
        ],
        "markets": compare.market_rows(models),
        "chart": chart,
        "too_few": len(models) < compare.MIN_MODELS and not errors,
        "can_add": len(models) < compare.MAX_MODELS and not errors,
        "choices": compare.picker_choices(slugs),
        "fixed": compare.query_with(
            request.GET, [model.slug for model in choice.models][: compare.MAX_MODELS]
        )
        if choice.models
        else "",
        "csv": compare.query_with(request.GET, slugs, format="csv"),
        "min_models": compare.MIN_MODELS,
        "max_models": compare.MAX_MODELS,
    }
    response = render(request, "entrants/compare.html", context, status=400 if errors else 200)
    if context["errors"]:
        patch_cache_control(response, no_store=True)
    return response


def without(slugs, slug):
    return [other for other in slugs if other != slug]
