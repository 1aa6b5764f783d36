"""Analyst pages: the overview, eight filtered lists with exports, detail pages, /convert/.

Views stay thin: rows come from ``selectors``, filters from ``filtersets``, columns, sorting,
facets and exports from ``listing``, conversion from ``currency`` and figures from ``charts``.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views import View

from entrants import charts, lookups, selectors
from entrants.bundle import Children
from entrants.currency import check_stated, format_amount, format_lakh_crore
from entrants.filtersets import (
    CompanyFilterSet,
    ExchangeRateFilterSet,
    MarketEventFilterSet,
    NewsItemFilterSet,
    PartnershipFilterSet,
    PersonFilterSet,
    PricePointFilterSet,
    SightingFilterSet,
    VehicleModelFilterSet,
)
from entrants.listing import (
    DISPLAY_CURRENCIES,
    Cell,
    Column,
    Facet,
    ListParams,
    Total,
    Window,
    choice_column,
    csv_response,
    db_ordering,
    error_response,
    facet_counts,
    json_response,
    last_page,
    link_column,
    partial_date_column,
    read_page,
    sort_rows,
    sources_column,
    status_column,
    without_timestamps,
)
from entrants.models import (
    ClaimStatus,
    Company,
    ExchangeRate,
    MarketEvent,
    Partnership,
    PricePoint,
    Sighting,
    VehicleModel,
)

# The parameters every list reads besides its filters (ListParams), and those of the pages
# with a currency switch; the page cache stores only pages whose parameters are all known.
LIST_PARAMETERS = ("sort", "page", "format")
CURRENCY_PARAMETERS = ("currency", "at")
CONVERT_PARAMETERS = ("amount", "from", "to", "date")


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


class AnalystListView(View):
    """A filtered, sortable, paginated list that also exports as CSV or JSON.

    Subclasses name the FilterSet, the queryset, the columns and the facets; lists whose rows
    need Python work (currency conversion) override ``prepare_rows``.
    """

    title = ""
    intro = ""
    filterset_class = None
    template_name = "entrants/list.html"
    default_sort = ""
    facets = ()
    page_size = 25
    uses_currency = False

    @classmethod
    def query_parameters(cls):
        """Return the names of the query parameters this list reads: its filters',
        ``LIST_PARAMETERS`` and, on a list with a currency switch, ``CURRENCY_PARAMETERS``."""
        currency = CURRENCY_PARAMETERS if cls.uses_currency else ()
        return {*cls.filterset_class.base_filters, *LIST_PARAMETERS, *currency}

    def get_queryset(self):
        raise NotImplementedError

    def get_columns(self, params):
        raise NotImplementedError

    def prepare_rows(self, rows, params, filterset):
        """Return the rows after any Python-side work (conversion, amount ranges)."""
        return rows

    def get_chart(self, rows, params, queryset):
        """Return the chart of the rows shown (``queryset`` holds every filtered row)."""
        return None

    # Filters applied in Python after conversion: while one is set, every row is read.
    python_filters = ()

    def get(self, request):
        params = ListParams.parse(request.GET, self.get_columns(ListParams()), self.default_sort)
        columns = self.get_columns(params)
        self.rates = lookups.rate_table() if self.uses_currency else None
        filterset = self.filterset_class(
            request.GET or None, queryset=self.get_queryset(), request=request
        )
        errors = params.errors + (filter_errors(filterset) if filterset.is_bound else [])
        if errors and params.format in ("csv", "json"):
            return error_response(errors)

        queryset = filterset.qs
        ordering = db_ordering(columns, params.sort)
        if ordering:
            queryset = queryset.order_by(*ordering)
        if params.format in ("csv", "json"):
            rows = self.every_row(queryset, ordering, params, filterset, columns)
            if params.format == "csv":
                response = csv_response(rows, columns, request, self.title)
            else:
                response = json_response(rows, columns, request, self.export_meta(params))
            if "page" in request.GET:  # an export has every row: it ignored the page
                patch_cache_control(response, no_store=True)
            return response

        facets, total = facet_counts(
            filterset.qs,
            self.facets,
            request.GET,
            request.path,
            ordering or db_ordering(columns, self.default_sort),
        )
        if ordering and not self.filtering_in_python(filterset):
            page, missing = self.read_window(queryset, ordering, params.page, total)
            page.object_list = self.prepare_rows(page.object_list, params, filterset)
        else:
            rows = list(self.every_row(queryset, ordering, params, filterset, columns))
            page, missing = window_of_list(rows, params.page, self.page_size)
        if missing:
            errors.append(missing)
        context = {
            "title": self.title,
            "intro": self.intro,
            "filterset": filterset,
            "columns": columns,
            "table": [render_row(columns, row) for row in page.object_list],
            "page": page,
            "errors": errors,
            "params": params,
            "facets": facets,
            "currencies": DISPLAY_CURRENCIES if self.uses_currency else (),
            "chart": self.get_chart(page.object_list, params, queryset),
            "querystring": querystring_without(request.GET, "page", "format"),
            "headers": column_headers(request.GET, columns, params.sort),
        }
        return render_page(request, self.template_name, context)

    def filtering_in_python(self, filterset):
        if not filterset.is_bound or not self.python_filters:
            return False
        return any(
            filterset.form.cleaned_data.get(name) is not None for name in self.python_filters
        )

    def every_row(self, queryset, ordering, params, filterset, columns):
        """Yield every filtered row, prepared, in order: read and converted in chunks, or all
        at once when the sort is on a value computed in Python."""
        queryset = without_timestamps(queryset)
        if ordering is None:
            rows = self.prepare_rows(all_rows(queryset), params, filterset)
            yield from sort_rows(rows, columns, params.sort)
            return
        for chunk in chunked(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            yield from self.prepare_rows(chunk, params, filterset)

    def read_window(self, queryset, ordering, number, total):
        """Return the page ``number`` (or the last page, with a message, when there is no
        such page) without reading the rows before it."""
        last = last_page(total.count, self.page_size)
        if number > last and not total.more:
            rows, has_next = read_page(queryset, ordering, last, self.page_size)
            message = f"There is no page {number}; the last page, {last}, is shown."
            return Window(rows, last, self.page_size, total, has_next), message
        rows, has_next = read_page(queryset, ordering, number, self.page_size)
        if rows or number == 1:
            return Window(rows, number, self.page_size, total, has_next), ""
        # Past the end of a list longer than the count reads: start again at the first page.
        rows, has_next = read_page(queryset, ordering, 1, self.page_size)
        message = f"There is no page {number}; the first page is shown."
        return Window(rows, 1, self.page_size, total, has_next), message

    def export_meta(self, params):
        meta = {"list": self.title}
        if self.uses_currency:
            meta |= {"currency": params.currency, "at": str(params.at)}
        return meta


CHUNK_SIZE = 2000


def chunked(iterable, size):
    """Yield lists of ``size`` items (the last one shorter)."""
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def window_of_list(rows, number, page_size):
    """Return page ``number`` of rows already in memory (and a message if there is none)."""
    total = Total(len(rows))
    last = last_page(len(rows), page_size)
    message = ""
    if number > last and rows:
        message = f"There is no page {number}; the last page, {last}, is shown."
        number = last
    start = (number - 1) * page_size
    shown = rows[start : start + page_size]
    return Window(shown, number, page_size, total, start + page_size < len(rows)), message


def all_rows(queryset, chunk_size=CHUNK_SIZE):
    """Return every row, prefetching related rows chunk by chunk: one prefetch over a hundred
    thousand ids is more than SQLite accepts in one query."""
    return list(queryset.iterator(chunk_size=chunk_size))


def querystring_without(query, *names):
    params = query.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def render_row(columns, row):
    cells = []
    for column in columns:
        cell = column.render(row)
        cell.label = column.label
        cells.append(cell)
    return cells


def column_headers(query, columns, current):
    """Return each column's label with the link that sorts by it (or flips its order)."""
    headers = []
    for column in columns:
        header = {"label": column.label, "href": "", "state": ""}
        if column.sortable:
            params = query.copy()
            params.pop("page", None)
            params["sort"] = f"-{column.key}" if current == column.key else column.key
            header["href"] = f"?{params.urlencode()}"
            if current == column.key:
                header["state"] = "ascending"
            elif current == f"-{column.key}":
                header["state"] = "descending"
        headers.append(header)
    return headers


def converted_cell(conversion, currency):
    """Show a converted amount with its caveats: a stale rate, or no rate at all."""
    if conversion is None or conversion.missing:
        return Cell(
            "no rate", css="muted", note=f"No exchange rate to {currency} is known for this date."
        )
    text = format_amount(conversion.amount, currency)
    note = ""
    if currency == "PKR":
        note = format_lakh_crore(conversion.amount)
    if conversion.stale:
        return Cell(text, note=f"rate {conversion.age_days} days old", css="stale")
    return Cell(text, note=note)


class CompanyListView(AnalystListView):
    title = "Companies"
    intro = "Carmakers, local assemblers, distributors, partners and publishers in the news."
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
        return selectors.companies_for_list()

    def get_columns(self, params):
        return [
            link_column("name", "Company", lambda c: c.name, order_by=("name",)),
            choice_column("kind", "Kind", "kind"),
            Column(
                "country",
                "Country",
                lambda c: c.country.code,
                cell=lambda c: Cell(c.country.name),
                order_by=("country",),
            ),
            Column(
                "aliases",
                "Also written",
                lambda c: "; ".join(a.name for a in c.aliases.all()),
                sortable=False,
            ),
            Column(
                "active_in_pakistan",
                "In Pakistan",
                lambda c: c.active_in_pakistan,
                cell=lambda c: Cell("Yes" if c.active_in_pakistan else "—"),
                order_by=("active_in_pakistan",),
            ),
            Column("models", "Models", lambda c: c.model_count, order_by=("model_count",)),
        ]


class ModelListView(AnalystListView):
    title = "Vehicle models"
    intro = "Models and variants, with their stage in Pakistan and their lowest known price."
    filterset_class = VehicleModelFilterSet
    default_sort = "model"
    uses_currency = True
    python_filters = ("price_min", "price_max")
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
        return selectors.models_for_list()

    def prepare_rows(self, rows, params, filterset):
        for row in rows:
            conversions = [
                self.rates.convert_at(p.amount, p.currency, params.currency, params.at, p.date)
                for p in row.prices.all()
            ]
            known = [c for c in conversions if not c.missing]
            row.lowest_price = min(known, key=lambda c: c.amount) if known else None
        low, high = (
            filterset.form.cleaned_data.get(k) if filterset.is_bound else None
            for k in ("price_min", "price_max")
        )
        if low is not None or high is not None:
            rows = [
                row
                for row in rows
                if row.lowest_price
                and (low is None or row.lowest_price.amount >= low)
                and (high is None or row.lowest_price.amount <= high)
            ]
        return rows

    def get_columns(self, params):
        currency = params.currency
        return [
            link_column(
                "model", "Model", lambda m: str(m), order_by=("maker__name", "name", "variant")
            ),
            Column(
                "maker",
                "Maker",
                lambda m: m.maker.name,
                cell=lambda m: Cell(m.maker.name, href=m.maker.get_absolute_url()),
                order_by=("maker__name",),
            ),
            choice_column("body_type", "Body", "body_type"),
            choice_column("powertrain", "Powertrain", "powertrain"),
            Column(
                "battery_kwh", "Battery kWh", lambda m: m.battery_kwh, order_by=("battery_kwh",)
            ),
            Column("range_km", "Range km", lambda m: m.range_km, order_by=("range_km",)),
            Column(
                "stage",
                "Stage in Pakistan",
                lambda m: m.stage_in_pakistan,
                cell=lambda m: Cell(
                    m.get_stage_in_pakistan_display(), css=f"stage stage-{m.stage_in_pakistan}"
                ),
                order_by=("stage_in_pakistan",),
            ),
            Column(
                "lowest_price",
                f"Lowest price ({currency})",
                lambda m: m.lowest_price.amount if getattr(m, "lowest_price", None) else None,
                cell=lambda m: (
                    converted_cell(getattr(m, "lowest_price", None), currency)
                    if m.prices.all()
                    else Cell("—", css="muted")
                ),
            ),
        ]


class PartnershipListView(AnalystListView):
    title = "Partnerships"
    intro = "Who is working with whom, for what, and how sure we are."
    filterset_class = PartnershipFilterSet
    default_sort = "-date"
    facets = (
        Facet("status", "status", "Status", labels=dict(Partnership.Status.choices)),
        Facet("kind", "kind", "Kind", labels=dict(Partnership.Kind.choices)),
        Facet("claim_status", "claim_status", "Claim", labels=dict(ClaimStatus.choices)),
    )

    def get_queryset(self):
        return selectors.partnerships_for_list()

    def get_columns(self, params):
        return [
            link_column("scope", "Scope", lambda p: p.scope, order_by=("scope",)),
            Column(
                "company",
                "Company",
                lambda p: p.company.name,
                cell=lambda p: Cell(p.company.name, href=p.company.get_absolute_url()),
                order_by=("company__name",),
            ),
            Column(
                "partner",
                "Partner",
                lambda p: p.partner.name,
                cell=lambda p: Cell(p.partner.name, href=p.partner.get_absolute_url()),
                order_by=("partner__name",),
            ),
            choice_column("kind", "Kind", "kind"),
            status_column("partnership_status", "Partnership", attr="status"),
            partial_date_column(label="Since"),
            status_column(key="claim_status", label="Claim"),
            sources_column(),
        ]


class SightingListView(AnalystListView):
    title = "Sightings"
    intro = "Where vehicles have been seen in Pakistan, how many, and who reported it."
    filterset_class = SightingFilterSet
    default_sort = "-date"
    facets = (
        Facet("city", "city", "City"),
        Facet(
            "vehicle_model__maker__slug", "maker", "Maker", label_field="vehicle_model__maker__name"
        ),
        Facet("claim_status", "status", "Claim", labels=dict(ClaimStatus.choices)),
    )

    def get_queryset(self):
        return selectors.sightings_for_list()

    def get_columns(self, params):
        return [
            link_column(
                "model",
                "Model",
                lambda s: str(s.vehicle_model),
                order_by=("vehicle_model__maker__name", "vehicle_model__name"),
            ),
            Column("place", "Place", lambda s: s.place, order_by=("place",)),
            Column("city", "City", lambda s: s.city, order_by=("city",)),
            Column(
                "quantity",
                "Units",
                lambda s: s.quantity,
                cell=lambda s: Cell(s.quantity_display, css="muted" if s.quantity is None else ""),
                order_by=("quantity",),
            ),
            partial_date_column(),
            status_column(),
            sources_column(),
        ]


class PriceListView(AnalystListView):
    title = "Prices"
    filterset_class = PricePointFilterSet
    default_sort = "-date"
    uses_currency = True
    python_filters = ("amount_min", "amount_max")
    facets = (
        Facet("market", "market", "Market"),
        Facet("currency", "price_currency", "Quoted in"),
        Facet("kind", "kind", "Kind", labels=dict(PricePoint.Kind.choices)),
        Facet(
            "vehicle_model__maker__slug", "maker", "Maker", label_field="vehicle_model__maker__name"
        ),
    )

    def get_queryset(self):
        return selectors.prices_for_list()

    def prepare_rows(self, rows, params, filterset):
        attach_conversions(rows, self.rates, params)
        low, high = (
            filterset.form.cleaned_data.get(k) if filterset.is_bound else None
            for k in ("amount_min", "amount_max")
        )
        if low is not None or high is not None:
            rows = [
                row
                for row in rows
                if not row.converted.missing
                and (low is None or row.converted.amount >= low)
                and (high is None or row.converted.amount <= high)
            ]
        return rows

    def get_chart(self, rows, params, queryset):
        return charts.price_comparison(rows, params.currency, params.at_label)

    def get_columns(self, params):
        currency = params.currency
        return [
            link_column(
                "model",
                "Model",
                lambda p: str(p.vehicle_model),
                order_by=(
                    "vehicle_model__maker__name",
                    "vehicle_model__name",
                    "vehicle_model__variant",
                ),
            ),
            Column(
                "original",
                "Price as quoted",
                lambda p: p.amount,
                cell=lambda p: Cell(format_amount(p.amount, p.currency)),
                order_by=("currency", "amount"),
            ),
            Column(
                "original_currency",
                "Quoted in",
                lambda p: p.currency,
                export=True,
                sortable=False,
                cell=lambda p: Cell(p.currency),
            ),
            Column(
                "amount",
                f"In {currency}",
                lambda p: p.converted.amount if hasattr(p, "converted") else None,
                cell=lambda p: converted_cell(getattr(p, "converted", None), currency),
            ),
            Column(
                "stated",
                "As the source converted it",
                lambda p: stated_summary(p),
                cell=lambda p: stated_cell(p),
                sortable=False,
            ),
            Column(
                "market",
                "Market",
                lambda p: p.market.code,
                cell=lambda p: Cell(p.market.name),
                order_by=("market",),
            ),
            choice_column("kind", "Kind", "kind"),
            partial_date_column(),
            status_column(),
            sources_column(),
            Column(
                "rates_used",
                "Rates used",
                lambda p: rates_summary(p),
                sortable=False,
                cell=lambda p: Cell(rates_summary(p), css="small"),
            ),
        ]

    def export_meta(self, params):
        return super().export_meta(params) | {"currency": params.currency}


def attach_conversions(prices, rates, params):
    """Convert each price into the chosen currency and check what its sources stated."""
    for price in prices:
        price.converted = rates.convert_at(
            price.amount, price.currency, params.currency, params.at, price.date
        )
        price.stated_checks = [
            (
                stated,
                check_stated(
                    stated.amount,
                    stated.currency,
                    price.amount,
                    price.currency,
                    stated.source.date,
                    rates,
                ),
            )
            for stated in price.stated_conversions.all()
        ]


def stated_summary(price):
    return (
        "; ".join(
            f"{stated.currency} {stated.amount:f}" + (" (flagged)" if check.flagged else "")
            for stated, check in getattr(price, "stated_checks", [])
        )
        or None
    )


def stated_cell(price):
    checks = getattr(price, "stated_checks", [])
    if not checks:
        return Cell("—", css="muted")
    parts, flagged = [], []
    for stated, check in checks:
        approx = "≈ " if stated.is_approximate else ""
        text = f"{approx}{format_amount(stated.amount, stated.currency)}"
        if check.flagged:
            flagged.append(stated.currency)
            text += f" ⚠ {check.gap_ratio * 100:.1f}% off"
        parts.append(text)
    note = (
        f"the {' and '.join(flagged)} figure differs from the rates of its date" if flagged else ""
    )
    return Cell("; ".join(parts), note=note, css="has-flag" if flagged else "")


def rates_summary(price):
    conversion = getattr(price, "converted", None)
    if conversion is None or conversion.missing:
        return "no rate"
    return (
        "; ".join(
            f"{rate.pair} {rate.rate.normalize():f} ({rate.date}, {rate.source})"
            for rate in conversion.rates
        )
        or "same currency"
    )


class EventListView(AnalystListView):
    title = "Market events"
    intro = "Launches, market entries, assembly starts, meetings and policy, in time order."
    filterset_class = MarketEventFilterSet
    default_sort = "-date"
    facets = (
        Facet("kind", "kind", "Kind", labels=dict(MarketEvent.Kind.choices)),
        Facet("claim_status", "status", "Claim", labels=dict(ClaimStatus.choices)),
        Facet("date_precision", "precision", "Date known to"),
    )

    def get_queryset(self):
        return selectors.events_for_list()

    def get_columns(self, params):
        return [
            link_column("title", "Event", lambda e: e.title, order_by=("title",)),
            choice_column("kind", "Kind", "kind"),
            partial_date_column(),
            Column(
                "companies",
                "Companies",
                lambda e: "; ".join(c.name for c in e.companies.all()),
                sortable=False,
            ),
            Column("city", "City", lambda e: e.city, order_by=("city",)),
            status_column(),
            sources_column(),
        ]

    def get_chart(self, rows, params, queryset):
        return charts.market_timeline(list(rows))


class NewsListView(AnalystListView):
    title = "News"
    intro = "The reports every fact cites."
    filterset_class = NewsItemFilterSet
    default_sort = "-date"
    facets = (Facet("publisher__slug", "publisher", "Publisher", label_field="publisher__name"),)

    def get_queryset(self):
        return selectors.news_for_list()

    def get_columns(self, params):
        return [
            link_column("headline", "Headline", lambda n: n.headline, order_by=("headline",)),
            Column(
                "publisher", "Publisher", lambda n: n.publisher.name, order_by=("publisher__name",)
            ),
            partial_date_column(label="Published"),
            Column("facts", "Facts", lambda n: n.fact_count, order_by=("fact_count",)),
            Column(
                "link",
                "Original",
                lambda n: n.url or None,
                sortable=False,
                cell=lambda n: Cell(
                    "read" if n.url else "—", href=n.url, css="" if n.url else "muted"
                ),
            ),
        ]


class PersonListView(AnalystListView):
    title = "People"
    intro = "People named in the news, and what they said."
    filterset_class = PersonFilterSet
    default_sort = "name"
    facets = (
        Facet("organisation__slug", "company", "Organisation", label_field="organisation__name"),
    )

    def get_queryset(self):
        return selectors.people_for_list()

    def get_columns(self, params):
        return [
            link_column("name", "Name", lambda p: p.name, order_by=("name",)),
            Column("role", "Role", lambda p: p.role, order_by=("role",)),
            Column(
                "organisation",
                "Organisation",
                lambda p: p.organisation.name if p.organisation else None,
                cell=lambda p: (
                    Cell(p.organisation.name, href=p.organisation.get_absolute_url())
                    if p.organisation
                    else Cell("—", css="muted")
                ),
                order_by=("organisation__name",),
            ),
            Column(
                "statements",
                "Statements",
                lambda p: p.statement_count,
                order_by=("statement_count",),
            ),
        ]


class RateListView(AnalystListView):
    title = "Exchange rates"
    intro = (
        "The dated rates every conversion uses: one unit of the base costs the rate in the quote."
    )
    filterset_class = ExchangeRateFilterSet
    default_sort = "-date"
    facets = (
        Facet("base", "base", "Base"),
        Facet("quote", "quote", "Quote"),
        Facet("source", "source", "Source", labels=dict(ExchangeRate.Source.choices)),
    )

    def get_queryset(self):
        return selectors.exchange_rates()

    def get_columns(self, params):
        return [
            Column("date", "Date", lambda r: r.date, order_by=("date",)),
            Column("base", "Base", lambda r: r.base, order_by=("base",)),
            Column("quote", "Quote", lambda r: r.quote, order_by=("quote",)),
            Column(
                "rate",
                "Rate",
                lambda r: r.rate,
                cell=lambda r: Cell(f"{r.rate.normalize():f}"),
                order_by=("rate",),
            ),
            Column(
                "source",
                "Source",
                lambda r: r.source,
                cell=lambda r: Cell(r.get_source_display(), href=r.source_url),
                order_by=("source",),
            ),
            Column(
                "source_url",
                "Source URL",
                lambda r: r.source_url,
                sortable=False,
                cell=lambda r: Cell("read" if r.source_url else "—", href=r.source_url),
            ),
            status_column(),
        ]

    def get_chart(self, rows, params, queryset):
        # The whole filtered history, not only the page's rates: a rate chart is its trend.
        return charts.rate_history(list(queryset))


# --- Detail pages -------------------------------------------------------------------------------


def currency_params(request):
    """Return the currency/at parameters of a detail page and their errors."""
    return ListParams.parse(request.GET, [], "")


def found_or_404(data):
    if data is None:
        raise Http404("No such record.")
    return data


def company_detail(request, slug):
    data = found_or_404(selectors.company_detail(slug))
    return render(request, "entrants/company_detail.html", data)


def model_detail(request, slug):
    data = found_or_404(selectors.model_detail(slug))
    params = currency_params(request)
    rates = lookups.rate_table()
    attach_conversions(data["prices"], rates, params)
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
    series = selectors.price_series(vehicle_model)
    convert = rates.convert_at
    for price in series.rows:
        price.converted = convert(
            price.amount, price.currency, params.currency, params.at, price.date
        )
    for day in series.daily or ():
        day.converted_low = convert(day.low, day.currency, params.currency, params.at, day.date)
        day.converted_high = convert(day.high, day.currency, params.currency, params.at, day.date)
    return charts.price_history(vehicle_model, series, params.currency, params.at_label)


def model_price_history(request, slug):
    """Return the price-history chart of a model as JSON: the Plotly figure and its table."""
    vehicle_model = get_object_or_404(selectors.model_with_price_count(), slug=slug)
    params = currency_params(request)
    if params.errors:
        return error_response(params.errors)
    chart = price_history_chart(vehicle_model, lookups.rate_table(), params)
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


def fact_detail(request, model, uuid, template, related=(), children=()):
    fact = found_or_404(selectors.fact_detail(model, uuid, related, children))
    return render(request, template, {"fact": fact, "opts": model._meta})


def partnership_detail(request, uuid):
    return fact_detail(
        request,
        Partnership,
        uuid,
        "entrants/partnership_detail.html",
        related=("company", "partner"),
        children=(Children("vehicle_models", ("maker",)),),
    )


def sighting_detail(request, uuid):
    return fact_detail(
        request,
        Sighting,
        uuid,
        "entrants/sighting_detail.html",
        related=("vehicle_model__maker", "reported_by"),
    )


def event_detail(request, uuid):
    return fact_detail(
        request,
        MarketEvent,
        uuid,
        "entrants/event_detail.html",
        children=(
            Children("companies"),
            Children("vehicle_models", ("maker",)),
            Children("people"),
        ),
    )


def price_detail(request, uuid):
    price = found_or_404(
        selectors.fact_detail(
            PricePoint,
            uuid,
            related=("vehicle_model__maker",),
            children=(Children("stated_conversions", ("source__publisher",)),),
        )
    )
    params = currency_params(request)
    rates = lookups.rate_table()
    attach_conversions([price], rates, params)
    conversions = [
        rates.convert_at(price.amount, price.currency, code, params.at, price.date)
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


# --- Overview and conversion ----------------------------------------------------------------------


OVERVIEW_PRICES = 100
OVERVIEW_EVENTS = 200


def home(request):
    """Show the overview: headline counts, latest sightings and news, timeline, prices.

    The charts take the latest ``OVERVIEW_PRICES`` prices and ``OVERVIEW_EVENTS`` events (with
    a link to the full lists), so the page costs the same with ten prices or a million."""
    params = currency_params(request)
    rows = selectors.overview(prices=OVERVIEW_PRICES, events=OVERVIEW_EVENTS)
    prices = rows["prices"]
    prices.sort(key=lambda p: (p.vehicle_model.maker.name, p.date is not None, p.date or 0))
    attach_conversions(prices, lookups.rate_table(), params)
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
            "rate_chart": charts.rate_history(lookups.current().rates),
        },
    )


def convert(request):
    """Return JSON: ``amount`` converted ``from`` one currency ``to`` another at ``date``."""
    errors = []
    query = request.GET
    try:
        amount = Decimal(query.get("amount", "").replace(",", "").strip())
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        amount = None
        errors.append(f"amount: “{query.get('amount', '')[:60]}” is not a number.")
    else:
        if abs(amount) >= 10**15:  # a larger one overflows the rounding for display
            errors.append(
                f"amount: “{query.get('amount', '')[:60]}” is too large: amounts below "
                "1,000,000,000,000,000 are converted."
            )
    codes = {}
    for name in ("from", "to"):
        code = query.get(name, "").strip().upper()
        if len(code) == 3 and code.isalpha() and code.isascii():
            codes[name] = code
        else:
            errors.append(
                f"{name}: “{query.get(name, '')[:60]}” is not a currency code "
                "such as CNY, USD or PKR."
            )
    date_text = query.get("date", "").strip()
    try:
        on = datetime.date.fromisoformat(date_text) if date_text else datetime.date.today()
    except ValueError:
        errors.append(f"date: “{date_text[:60]}” is not a date in the form YYYY-MM-DD.")
    if errors:
        return JsonResponse(
            {"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    conversion = lookups.rate_table().convert(amount, codes["from"], codes["to"], on)
    status = 200 if not conversion.missing else 404
    data = conversion.as_dict()
    if conversion.missing:
        data["error"] = (
            f"No exchange rate from {codes['from']} to {codes['to']} is known on "
            f"or before {on.isoformat()}."
        )
    else:
        data["display"] = format_amount(conversion.amount, codes["to"])
        if codes["to"] == "PKR":
            data["lakh_crore"] = format_lakh_crore(conversion.amount)
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
