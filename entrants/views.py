"""Analyst pages: the overview, ten filtered lists with exports, detail pages, recent changes,
/convert/.

Views stay thin: rows come from the models' QuerySet methods (``entrants.querysets``) and
``selectors``, filters from ``filtersets``, columns from ``tables``, parameters from
``params``, facets from ``facets``, pages from ``paginators``, exports from ``exports``,
conversion from ``conversions``, figures from ``charts`` and recent changes from ``changes``.
"""

from itertools import islice

from django.core.paginator import EmptyPage
from django.db.models import F
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views import View

from entrants import changes, charts, exports, lookups, rate_chart, selectors, tables
from entrants.conversions import (
    conversion,
    convert_lowest_prices,
    convert_prices,
    convert_series,
    sort_by_amount,
    within,
)
from entrants.currency import format_amount, format_lakh_crore, to_minor_unit
from entrants.exports import export_value
from entrants.facets import Facet, Total, facet_counts, facet_counts_of
from entrants.filtersets import (
    CompanyFilterSet,
    ExchangeRateFilterSet,
    MarketEventFilterSet,
    NewsItemFilterSet,
    PartnershipFilterSet,
    PersonFilterSet,
    PricePointFilterSet,
    SightingFilterSet,
    StatementFilterSet,
    VehicleModelFilterSet,
)
from entrants.models import (
    ClaimStatus,
    Company,
    ExchangeRate,
    MarketEvent,
    Partnership,
    Person,
    PricePoint,
    Sighting,
    Statement,
    VehicleModel,
)
from entrants.paginators import BoundedPaginator
from entrants.params import DISPLAY_CURRENCIES, ChangesForm, ConvertForm, Params
from entrants.price_history_chart import price_history
from entrants.rate_coverage import rate_coverage
from entrants.sighting_map import map_charts, map_points

# The parameters every list reads besides its filters, and those of the pages with a
# currency switch; the page cache stores only pages whose parameters are all known.
LIST_PARAMETERS = ("sort", "page", "format")
CURRENCY_PARAMETERS = ("currency", "at", "rates")
CONVERT_PARAMETERS = ("amount", "from", "to", "date", "rates")
CHUNK_SIZE = 2000
PAGE_SIZE = 25


def render_page(request, template, context):
    """Render an analyst page; one that ignored some of its input (and says so in
    ``errors``) is marked ``no-store``, so that the page cache keeps only canonical pages."""
    response = render(request, template, context)
    if context.get("errors"):
        patch_cache_control(response, no_store=True)
    return response


def filter_errors(filterset):
    """Return the filterset's errors as sentences that say which filter was ignored."""
    messages = []
    for name, errors in filterset.errors.items():
        field = filterset.form.fields.get(name)
        label = (field.label if field else None) or name
        value = ", ".join(filterset.data.getlist(name))[:60] if name in filterset.data else ""
        for error in errors:
            shown = f" (“{value}”)" if value else ""
            messages.append(f"{label}{shown}: {error} This filter was ignored.")
    return messages


def chunks(iterable, size=CHUNK_SIZE):
    """Yield lists of ``size`` items (the last one shorter)."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


class ListPage(View):
    """A filtered, sortable, paginated list that also exports as CSV or JSON.

    Subclasses name the table, the FilterSet and the facets; lists of prices say how their rows
    are converted (``convert``) and which filters take a converted amount (``amount_range``).
    """

    title = ""
    intro = ""
    table_class = None
    filterset_class = None
    facets = ()
    default_sort = ""
    uses_currency = False
    amount_range = ()  # the (low, high) filters on the converted amount
    selectable = False  # rows have a box to tick for /compare/ (the table's "compare" column)
    map_url = ""  # the URL name of the map of the same rows, if the list has one
    template_name = "entrants/list.html"

    @classmethod
    def query_parameters(cls):
        """The query parameters this list reads (the page cache keys pages by them)."""
        currency = CURRENCY_PARAMETERS if cls.uses_currency else ()
        return {*cls.filterset_class.base_filters, *LIST_PARAMETERS, *currency}

    @classmethod
    def sortable(cls):
        columns = cls.table_class.base_columns
        python = getattr(cls.table_class, "python_sorted", ())
        return [name for name, c in columns.items() if c.orderable is not False] + list(python)

    def get_queryset(self):
        return self.table_class.Meta.model.objects.for_list()

    def convert(self, rows, params):
        return rows

    def get_chart(self, rows, params, queryset):
        return None

    def get_coverage(self, queryset):
        return None

    def ordering(self, sort):
        """The ORDER BY of ``sort`` (a column's ``order_by``, reversed for ``-``), or None for
        a column sorted in Python. Fields the table names in ``nulls_last`` put their empty
        values last either way (SQLite and PostgreSQL disagree on where NULL sorts)."""
        name = sort.removeprefix("-")
        if name in getattr(self.table_class, "python_sorted", ()):
            return None
        descending = sort.startswith("-")
        nulls_last = getattr(self.table_class, "nulls_last", ())
        return [
            (F(part).desc(nulls_last=True) if descending else F(part).asc(nulls_last=True))
            if part in nulls_last
            else f"{'-' if descending else ''}{part}"
            for part in self.table_class.base_columns[name].order_by
        ]

    def get(self, request):
        params = Params.parse(request.GET, self.sortable(), self.default_sort)
        filterset = self.filterset_class(
            request.GET or None, queryset=self.get_queryset(), request=request
        )
        errors = params.errors + (filter_errors(filterset) if filterset.is_bound else [])
        if errors and params.format != "html":
            return exports.error_response(errors)
        self.rates = lookups.rate_table(params.rates) if self.uses_currency else None
        bounds = [
            filterset.form.cleaned_data.get(name) if filterset.is_bound else None
            for name in self.amount_range
        ]
        ordering = self.ordering(params.sort)
        queryset = filterset.qs.order_by(*ordering) if ordering else filterset.qs
        in_python = ordering is None or any(bound is not None for bound in bounds)
        rows = self.every_row(queryset, params, bounds, ordering) if in_python else None
        table = self.table_class([], params=params)
        if params.format != "html":
            return exports.response(
                table,
                rows if in_python else self.chunked_rows(queryset, params),
                request,
                params.format,
                self.export_meta(params),
            )

        if in_python:
            facets, total = facet_counts_of(rows, self.facets, request.GET, request.path)
            total = Total(len(rows))
        else:
            facets, total = facet_counts(
                filterset.qs, self.facets, request.GET, request.path, ordering
            )
        page, missing = self.paginate(rows if in_python else queryset, params.page, total)
        if missing:
            errors.append(missing)
        records = page.object_list
        if not in_python:
            self.convert(records, params)
        table = self.table_class(records, params=params)
        context = {
            "title": self.title,
            "intro": self.intro,
            "filterset": filterset,
            "table": table,
            "page": page,
            "total": total,
            "errors": errors,
            "params": params,
            "facets": facets,
            "currencies": DISPLAY_CURRENCIES if self.uses_currency else (),
            "chart": self.get_chart(records, params, filterset.qs),
            "coverage": self.get_coverage(filterset.qs),
            "querystring": querystring_without(request.GET, "page", "format"),
            "map_href": self.map_href(request),
            "headers": column_headers(table, request.GET, params.sort, self.sortable()),
            "selectable": self.selectable,
        }
        return render_page(request, self.template_name, context)

    def map_href(self, request):
        """Return the link to the map of the same rows (the filters kept), or ""."""
        if not self.map_url:
            return ""
        query = querystring_without(request.GET, "page", "format", "sort")
        return reverse(self.map_url) + (f"?{query}" if query else "")

    def paginate(self, rows, number, total):
        return paginate(rows, number, total, PAGE_SIZE)

    def chunked_rows(self, queryset, params):
        """Yield every filtered row, converted chunk by chunk (each chunk's relations are
        prefetched in a few queries)."""
        for chunk in chunks(queryset.iterator(chunk_size=CHUNK_SIZE)):
            yield from self.convert(chunk, params)

    def every_row(self, queryset, params, bounds, ordering):
        """Return every filtered row, converted, within the amount range and sorted as asked
        (a sort on a converted amount is done here)."""
        rows = within(list(self.chunked_rows(queryset, params)), *bounds)
        if ordering is None:
            rows = sort_by_amount(rows, descending=params.sort.startswith("-"))
        return rows

    def export_meta(self, params):
        meta = {"list": self.title}
        if self.uses_currency:
            meta |= {
                "currency": params.currency,
                "at": str(params.at),
                "rates": params.rates or "best",
            }
        return meta


def paginate(rows, number, total, per_page):
    """Return page ``number`` of ``rows``, ``per_page`` rows a page (the last or first page,
    with a message, when there is no such page), without counting past ``total``."""
    paginator = BoundedPaginator(rows, per_page, total)
    try:
        return paginator.page(number), ""
    except EmptyPage:
        pass
    last = max(1, -(-total.count // per_page))
    fallback = 1 if total.more or number <= last else last
    which = "first page" if fallback == 1 else f"last page, {fallback},"
    return paginator.page(fallback), f"There is no page {number}; the {which} is shown."


def querystring_without(query, *names):
    params = query.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def column_headers(table, query, current, sortable):
    """Return each column's label with the link that sorts by it (or flips its order)."""
    headers = []
    for column in table.columns:
        header = {"label": column.header, "href": "", "state": "", "name": column.name}
        if column.name in sortable:
            params = query.copy()
            params.pop("page", None)
            params["sort"] = f"-{column.name}" if current == column.name else column.name
            header["href"] = f"?{params.urlencode()}"
            if current == column.name:
                header["state"] = "ascending"
            elif current == f"-{column.name}":
                header["state"] = "descending"
        headers.append(header)
    return headers


CLAIM_FACET = Facet("claim_status", "status", "Claim", labels=dict(ClaimStatus.choices))
MAKER_FACET = Facet(
    "vehicle_model__maker__slug", "maker", "Maker", label_field="vehicle_model__maker__name"
)


class CompanyListView(ListPage):
    title = "Companies"
    intro = "Carmakers, local assemblers, distributors, partners and publishers in the news."
    table_class = tables.CompanyTable
    filterset_class = CompanyFilterSet
    default_sort = "name"
    facets = (
        Facet("kind", "kind", "Kind", labels=dict(Company.Kind.choices)),
        Facet("country", "country", "Country"),
        Facet(
            "active_in_pakistan",
            "active_in_pakistan",
            "Active in Pakistan",
            labels={True: "Yes", False: "No"},
            values={True: "true", False: "false"},
        ),
    )

    def get_queryset(self):
        return Company.objects.for_list()


class ModelListView(ListPage):
    title = "Vehicle models"
    intro = "Models and variants, with their stage in Pakistan and their lowest known price."
    table_class = tables.ModelTable
    filterset_class = VehicleModelFilterSet
    default_sort = "model"
    uses_currency = True
    amount_range = ("price_min", "price_max")
    selectable = True
    facets = (
        Facet(
            "stage_in_pakistan",
            "stage",
            "Stage in Pakistan",
            labels=dict(VehicleModel.Stage.choices),
        ),
        Facet(
            "powertrain", "powertrain", "Powertrain", labels=dict(VehicleModel.Powertrain.choices)
        ),
        Facet("body_type", "body_type", "Body", labels=dict(VehicleModel.BodyType.choices)),
        Facet("maker__slug", "maker", "Maker", label_field="maker__name"),
    )

    def get_queryset(self):
        return VehicleModel.objects.for_list()

    def convert(self, rows, params):
        return convert_lowest_prices(rows, self.rates, params)


class PartnershipListView(ListPage):
    title = "Partnerships"
    intro = "Who is working with whom, for what, and how sure we are."
    table_class = tables.PartnershipTable
    filterset_class = PartnershipFilterSet
    default_sort = "-date"
    facets = (
        Facet("status", "status", "Status", labels=dict(Partnership.Status.choices)),
        Facet("kind", "kind", "Kind", labels=dict(Partnership.Kind.choices)),
        Facet("claim_status", "claim_status", "Claim", labels=dict(ClaimStatus.choices)),
    )

    def get_queryset(self):
        return Partnership.objects.for_list()


class SightingListView(ListPage):
    title = "Sightings and imports"
    intro = "Where vehicles have been seen in Pakistan, how many, and who reported it."
    table_class = tables.SightingTable
    filterset_class = SightingFilterSet
    default_sort = "-date"
    facets = (Facet("city", "city", "City"), MAKER_FACET, CLAIM_FACET)
    map_url = "entrants:sighting_map"

    def get_queryset(self):
        return Sighting.objects.for_list()


class PriceListView(ListPage):
    title = "Prices"
    table_class = tables.PriceTable
    filterset_class = PricePointFilterSet
    default_sort = "-date"
    uses_currency = True
    amount_range = ("amount_min", "amount_max")
    facets = (
        Facet("market", "market", "Market"),
        Facet("currency", "price_currency", "Quoted in"),
        Facet("kind", "kind", "Kind", labels=dict(PricePoint.Kind.choices)),
        MAKER_FACET,
    )

    def get_queryset(self):
        return PricePoint.objects.for_list()

    def convert(self, rows, params):
        return convert_prices(rows, self.rates, params)

    def get_chart(self, rows, params, queryset):
        return charts.price_comparison(rows, params.currency, params.at_label)


class EventListView(ListPage):
    title = "Market events"
    intro = "Launches, market entries, assembly starts, meetings and policy, in time order."
    table_class = tables.EventTable
    filterset_class = MarketEventFilterSet
    default_sort = "-date"
    facets = (
        Facet("kind", "kind", "Kind", labels=dict(MarketEvent.Kind.choices)),
        CLAIM_FACET,
        Facet("date_precision", "precision", "Date known to"),
    )

    def get_queryset(self):
        return MarketEvent.objects.for_list()

    def get_chart(self, rows, params, queryset):
        return charts.market_timeline(rows)


class StatementListView(ListPage):
    title = "Statements"
    intro = "What people said about the market, who said it, when, and where it was reported."
    table_class = tables.StatementTable
    filterset_class = StatementFilterSet
    default_sort = "-date"
    facets = (
        Facet("person__slug", "person", "Person", label_field="person__name"),
        Facet("kind", "kind", "Kind", labels=dict(Statement.Kind.choices)),
        CLAIM_FACET,
    )

    def get_queryset(self):
        return Statement.objects.for_list()


class NewsListView(ListPage):
    title = "News"
    intro = "The reports every fact cites."
    table_class = tables.NewsTable
    filterset_class = NewsItemFilterSet
    default_sort = "-date"
    facets = (Facet("publisher__slug", "publisher", "Publisher", label_field="publisher__name"),)

    def get_queryset(self):
        return selectors.news_for_list()


class PersonListView(ListPage):
    title = "People"
    intro = "People named in the news, and what they said."
    table_class = tables.PersonTable
    filterset_class = PersonFilterSet
    default_sort = "name"
    facets = (
        Facet("organisation__slug", "company", "Organisation", label_field="organisation__name"),
    )

    def get_queryset(self):
        return Person.objects.for_list()


class RateListView(ListPage):
    title = "Exchange rates"
    intro = (
        "The dated rates every conversion uses: one unit of the base costs the rate in the quote."
    )
    table_class = tables.RateTable
    filterset_class = ExchangeRateFilterSet
    default_sort = "-date"
    facets = (
        Facet("base", "base", "Base"),
        Facet("quote", "quote", "Quote"),
        Facet("source", "source", "Source", labels=dict(ExchangeRate.Source.choices)),
    )

    def get_queryset(self):
        return ExchangeRate.objects.for_list()

    def get_chart(self, rows, params, queryset):
        # The whole filtered history, not only the page's rates: a rate chart is its trend.
        return rate_chart.rate_history(list(queryset))

    def get_coverage(self, queryset):
        return rate_coverage(queryset.order_by().only("date", "base", "quote", "source"))


# --- Detail pages -------------------------------------------------------------------------------


def found_or_404(data):
    if data is None:
        raise Http404("No such record.")
    return data


def company_detail(request, slug):
    data = found_or_404(selectors.company_detail(slug))
    return render(request, "entrants/company_detail.html", data)


def model_detail(request, slug):
    data = found_or_404(selectors.model_detail(slug))
    params = Params.parse(request.GET)
    rates = lookups.rate_table(params.rates)
    convert_prices(data["prices"], rates, params)
    return render_page(
        request,
        "entrants/model_detail.html",
        {
            "params": params,
            "errors": params.errors,
            "currencies": DISPLAY_CURRENCIES,
            "chart": price_history_chart(data["model"], rates, params),
            **data,
        },
    )


def price_history_chart(vehicle_model, rates, params):
    series = convert_series(selectors.price_series(vehicle_model), rates, params)
    return price_history(vehicle_model, series, params.currency, params.at_label)


def model_price_history(request, slug):
    """Return the price-history chart of a model as JSON: the Plotly figure and its table."""
    vehicle_model = get_object_or_404(VehicleModel.objects.with_price_count(), slug=slug)
    params = Params.parse(request.GET)
    if params.errors:
        return exports.error_response(params.errors)
    chart = price_history_chart(vehicle_model, lookups.rate_table(params.rates), params)
    return JsonResponse(
        {
            "title": chart.title,
            "figure": chart.figure,
            "headers": chart.headers,
            "rows": chart.rows,
            "note": chart.table_note or chart.empty_message,
        },
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def fact_detail(request, model, uuid, template):
    fact = found_or_404(selectors.fact_detail(model, uuid))
    return render(request, template, {"fact": fact, "opts": model._meta})


def partnership_detail(request, uuid):
    return fact_detail(request, Partnership, uuid, "entrants/partnership_detail.html")


def sighting_detail(request, uuid):
    return fact_detail(request, Sighting, uuid, "entrants/sighting_detail.html")


def event_detail(request, uuid):
    return fact_detail(request, MarketEvent, uuid, "entrants/event_detail.html")


def price_detail(request, uuid):
    price = found_or_404(selectors.fact_detail(PricePoint, uuid))
    params = Params.parse(request.GET)
    rates = lookups.rate_table(params.rates)
    convert_prices([price], rates, params)
    conversions = [
        conversion(price, rates, code, params.at)
        for code in DISPLAY_CURRENCIES
        if code != price.currency
    ]
    return render_page(
        request,
        "entrants/price_detail.html",
        {
            "fact": price,
            "conversions": conversions,
            "params": params,
            "errors": params.errors,
            "currencies": DISPLAY_CURRENCIES,
        },
    )


def news_detail(request, slug):
    data = found_or_404(selectors.news_detail(slug))
    return render(request, "entrants/news_detail.html", data)


def person_detail(request, slug):
    data = found_or_404(selectors.person_detail(slug))
    return render(request, "entrants/person_detail.html", data)


# --- Recent changes -----------------------------------------------------------------------------

CHANGES_PARAMETERS = ("kind", "since", "until", "page")
CHANGES_PAGE_SIZE = 50


def recent_changes(request):
    """Show what was added, changed, withdrawn or deleted, newest first (never by whom)."""
    form = ChangesForm(request.GET, kinds=changes.KIND_CHOICES)
    form.is_valid()
    kind = form.value("kind")
    log = changes.ChangeLog([kind] if kind else (), form.value("since"), form.value("until"))
    total = log.total()
    page, missing = paginate(log, form.value("page", 1), total, CHANGES_PAGE_SIZE)
    errors = form.messages() + ([missing] if missing else [])
    return render_page(
        request,
        "entrants/changes.html",
        {
            "form": form,
            "kind": kind,
            "page": page,
            "total": total,
            "errors": errors,
            "querystring": querystring_without(request.GET, "page"),
        },
    )


# --- Overview and conversion ----------------------------------------------------------------------


OVERVIEW_PRICES = 100
OVERVIEW_EVENTS = 200


def home(request):
    """Show the overview: headline counts, latest sightings and news, timeline, prices.

    The charts take the latest ``OVERVIEW_PRICES`` prices and ``OVERVIEW_EVENTS`` events (with
    a link to the full lists), so the page costs the same with ten prices or a million."""
    params = Params.parse(request.GET)
    rows = selectors.overview(prices=OVERVIEW_PRICES, events=OVERVIEW_EVENTS)
    prices = rows["prices"]
    prices.sort(key=lambda p: (p.vehicle_model.maker.name, p.date is not None, p.date or 0))
    rates = lookups.rate_table(params.rates)
    convert_prices(prices, rates, params)
    events = rows["events"]
    events.reverse()
    return render_page(
        request,
        "entrants/home.html",
        {
            "counts": selectors.headline_counts(),
            "sightings": rows["sightings"],
            "news": rows["news"],
            "params": params,
            "errors": params.errors,
            "currencies": DISPLAY_CURRENCIES,
            "timeline_chart": charts.market_timeline(events),
            "events_cut": len(events) == OVERVIEW_EVENTS,
            "price_chart": charts.price_comparison(prices, params.currency, params.at_label),
            "prices_cut": len(prices) == OVERVIEW_PRICES,
            "overview_prices": OVERVIEW_PRICES,
            "overview_events": OVERVIEW_EVENTS,
            "rate_chart": rate_chart.stored_rate_history(),
            "map_chart": map_charts(map_points(Sighting.objects.all()), "overview-map", 380)[0],
            "unconvertible": selectors.unconvertible_prices(rates, DISPLAY_CURRENCIES),
        },
    )


def convert(request):
    """Return JSON: ``amount`` converted ``from`` one currency ``to`` another at ``date``."""
    form = ConvertForm(request.GET)
    if not form.is_valid():
        return JsonResponse(
            {"errors": form.error_messages()}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    amount, source, target, on = (form.cleaned_data[k] for k in ("amount", "from_", "to", "date"))
    rates = lookups.rate_table(form.cleaned_data["rates"])
    conversion = rates.convert(amount, source, target, on)
    data = conversion.as_dict()
    # Rounded to the currency's minor unit, as the exports are; the rates are exact.
    data["amount"] = export_value(to_minor_unit(conversion.amount, target))
    if conversion.missing:
        data["error"] = (
            f"No exchange rate from {source} to {target} is known on or before {on.isoformat()}."
        )
    else:
        data["display"] = format_amount(conversion.amount, target)
        if target == "PKR":
            data["lakh_crore"] = format_lakh_crore(conversion.amount)
    status = 404 if conversion.missing else 200
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
