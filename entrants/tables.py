"""One django-tables2 ``Table`` per analyst list: its columns, how each cell shows, what it
sorts by (``order_by``, always ending with the key so pages are stable) and what its export
carries (``export``: names read by ``exports``).

A table of prices or models is made with ``params`` (the currency and the rates' date); its
rows carry ``converted`` amounts (``entrants.conversions``) before they are shown.
"""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from entrants.conversions import amount_of
from entrants.currency import format_amount, format_lakh_crore, to_minor_unit
from entrants.dates import format_partial_date, partial_date_iso
from entrants.models import (
    ClaimStatus,
    Company,
    ExchangeRate,
    MarketEvent,
    Partnership,
    PricePoint,
    Sighting,
    Statement,
    VehicleModel,
)

MUTED = '<span class="muted">{}</span>'


def muted(text):
    return format_html(MUTED, text)


class ChoiceColumn(tables.Column):
    """A choice field shown by its label (``badge``: as a status badge), sorted and exported
    by its code. The code is read from the row (``accessor`` "pk" keeps django-tables2 from
    resolving the field itself, which it does with ``get_FOO_display()`` for every cell: a
    tenth of a page's time) and its label looked up in the ``TextChoices`` enum."""

    def __init__(self, field, choices, *, badge=False, css="", **kwargs):
        self.field = field
        self.labels = dict(choices.choices)
        self.badge = badge
        self.css = css
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("order_by", (field, "pk"))
        kwargs.setdefault("verbose_name", field.replace("_", " ").capitalize())
        super().__init__(**kwargs)

    def render(self, record):
        code = getattr(record, self.field)
        label = self.labels.get(code, code)
        if self.badge:
            return format_html('<span class="badge badge-{}">{}</span>', code, label)
        if self.css:
            return format_html('<span class="{} {}-{}">{}</span>', self.css, self.css, code, label)
        return label


def partial_date(record, empty="date unknown"):
    if record.date is None:
        return muted(empty)
    return format_partial_date(record.date, record.date_precision)


def converted_cell(conversion, currency):
    """A converted amount with its caveats: a stale rate, or no rate at all."""
    if conversion is None or conversion.missing:
        return format_html(
            '<span class="muted" title="No exchange rate to {} is known for this date">'
            "no rate</span>",
            currency,
        )
    text = format_amount(conversion.amount, currency)
    if conversion.stale:
        text = format_html(
            '{}<small class="note stale">rate {} days old</small>', text, conversion.age_days
        )
    elif currency == "PKR":
        text = format_html(
            '{}<small class="note">{}</small>', text, format_lakh_crore(conversion.amount)
        )
    if conversion.basis_note:
        text = format_html('{}<small class="note">{}</small>', text, conversion.basis_note)
    return text


def rates_summary(conversion):
    """The rates a conversion used, "USD/PKR 278.5 (2024-03-28, sbp)", or why there are none."""
    if conversion is None or conversion.missing:
        return "no rate"
    summary = (
        "; ".join(
            f"{rate.pair} {rate.rate.normalize():f} ({rate.date}, {rate.source})"
            for rate in conversion.rates
        )
        or "same currency"
    )
    return f"{summary} ({conversion.basis_note})" if conversion.basis_note else summary


class TrackerTable(tables.Table):
    """The base of every list: the shared template, cells labelled for the phone layout."""

    export = ()

    class Meta:
        template_name = "entrants/_table.html"
        attrs = {"class": "data"}
        default = "—"

    def __init__(self, data, *, params=None, **kwargs):
        self.params = params
        super().__init__(data, **kwargs)

    def body(self):
        """Yield each row's cells as (column label, ``<td>`` attributes, cell): the label and
        attributes of a column are built once per table, not once per cell (they depend on
        the column only: no callable attributes here)."""
        columns = [
            (column.name, column.header, column.attrs["td"].as_html()) for column in self.columns
        ]
        for row in self.rows:
            yield [(label, attrs, row.get_cell(name)) for name, label, attrs in columns]


class FactTable(TrackerTable):
    """A table of facts: date as precisely as known, claim status, source."""

    date = tables.Column("Date", order_by=("date", "pk"), empty_values=())
    status = ChoiceColumn("claim_status", ClaimStatus, badge=True, verbose_name="Status")
    source = tables.Column(
        "Source", accessor="source", order_by=("source__publisher__name", "pk"), empty_values=()
    )

    def render_date(self, record):
        return partial_date(record)

    def render_source(self, record):
        source = record.source
        return format_html(
            '<a href="{}">{}</a><small class="note">{}</small>',
            source.get_absolute_url(),
            source.publisher.name,
            source.headline,
        )


def linked(field, label, order_by):
    """A column showing ``field`` as a link to the row's own page."""
    return tables.Column(label, accessor=field, linkify=True, order_by=(*order_by, "pk"))


def related_link(field, label, order_by):
    """A column linking to a related record's page."""
    return tables.Column(
        label,
        accessor=field,
        linkify=lambda value: value.get_absolute_url(),
        order_by=(*order_by, "pk"),
    )


class CompanyTable(TrackerTable):
    name = linked("name", "Company", ("name",))
    kind = ChoiceColumn("kind", Company.Kind)
    # accessor "pk": django-tables2 would show a field with choices by get_FOO_display(),
    # which for a CountryField is a translation lookup per cell.
    country = tables.Column("Country", accessor="pk", order_by=("country", "pk"))
    aliases = tables.Column("Also written", accessor="pk", orderable=False)
    active_in_pakistan = tables.BooleanColumn(
        "In Pakistan", order_by=("active_in_pakistan", "pk"), yesno="Yes,—"
    )
    models = tables.Column("Models", accessor="model_count", order_by=("model_count", "pk"))

    export = (
        "name",
        "kind",
        "country",
        "aliases",
        "active_in_pakistan",
        ("models", "model_count"),
        "website",
    )

    def export_aliases(self, record):
        return "; ".join(alias.name for alias in record.aliases.all())

    def render_country(self, record):
        return record.country.name

    def render_aliases(self, record):
        return "; ".join(alias.name for alias in record.aliases.all()) or muted("—")


class ModelTable(TrackerTable):
    # A box per row that the list's "Compare selected" form (``form="compare-form"``) sends
    # to /compare/ as ``model``.
    compare = tables.Column("Compare", accessor="pk", orderable=False, empty_values=())
    model = tables.Column(
        "Model",
        accessor="pk",
        linkify=lambda record: record.get_absolute_url(),
        order_by=("maker__name", "name", "variant", "pk"),
    )
    maker = related_link("maker", "Maker", ("maker__name",))
    body_type = ChoiceColumn("body_type", VehicleModel.BodyType, verbose_name="Body")
    powertrain = ChoiceColumn("powertrain", VehicleModel.Powertrain)
    battery_kwh = tables.Column("Battery kWh", order_by=("battery_kwh", "pk"))
    range_km = tables.Column("Range km", order_by=("range_km", "pk"))
    stage = ChoiceColumn(
        "stage_in_pakistan", VehicleModel.Stage, css="stage", verbose_name="Stage in Pakistan"
    )
    lowest_price = tables.Column("Lowest price", accessor="pk", empty_values=(), orderable=False)

    export = (
        "model",
        ("maker", "maker__name"),
        "variant",
        "body_type",
        "powertrain",
        "battery_kwh",
        "range_km",
        ("stage", "stage_in_pakistan"),
        "lowest_price",
        "lowest_price_currency",
        "lowest_price_rates",
        "prices",
    )

    def export_model(self, record):
        return str(record)

    def export_lowest_price(self, record):
        return to_minor_unit(amount_of(record), self.currency)

    def export_lowest_price_currency(self, record):
        return self.currency

    def export_lowest_price_rates(self, record):
        return rates_summary(record.lowest_price) if record.prices.all() else None

    def export_prices(self, record):
        return len(record.prices.all())

    python_sorted = ("lowest_price",)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.columns["lowest_price"].column.verbose_name = f"Lowest price ({self.currency})"

    @property
    def currency(self):
        return self.params.currency

    def render_model(self, record):
        return str(record)

    def render_compare(self, record):
        return format_html(
            '<input type="checkbox" name="model" value="{}" form="compare-form"'
            ' aria-label="Compare {}">',
            record.slug,
            record,
        )

    def render_maker(self, value):
        return value.name

    def render_lowest_price(self, record):
        if not record.prices.all():
            return muted("—")
        return converted_cell(record.lowest_price, self.currency)


class PartnershipTable(FactTable):
    scope = linked("scope", "Scope", ("scope",))
    company = related_link("company", "Company", ("company__name",))
    partner = related_link("partner", "Partner", ("partner__name",))
    kind = ChoiceColumn("kind", Partnership.Kind)
    partnership_status = ChoiceColumn(
        "status", Partnership.Status, badge=True, verbose_name="Partnership"
    )
    date = tables.Column("Since", order_by=("date", "pk"), empty_values=())
    claim_status = ChoiceColumn("claim_status", ClaimStatus, badge=True, verbose_name="Claim")

    class Meta(TrackerTable.Meta):
        exclude = ("status",)
        sequence = (
            "scope",
            "company",
            "partner",
            "kind",
            "partnership_status",
            "date",
            "claim_status",
            "source",
        )

    export = (
        "scope",
        ("company", "company__name"),
        ("partner", "partner__name"),
        "kind",
        ("partnership_status", "status"),
        "ended_on",
        "ended_on_precision",
        "vehicle_models",
    )

    def export_ended_on(self, record):
        return partial_date_iso(record.ended_on, record.ended_on_precision) or None

    def export_ended_on_precision(self, record):
        return record.ended_on_precision if record.ended_on else None

    def export_vehicle_models(self, record):
        return "; ".join(str(model) for model in record.vehicle_models.all())

    def render_company(self, value):
        return value.name

    render_partner = render_company


class SightingTable(FactTable):
    model = tables.Column(
        "Model",
        accessor="vehicle_model",
        linkify=lambda record: record.get_absolute_url(),
        order_by=("vehicle_model__maker__name", "vehicle_model__name", "pk"),
    )
    kind = ChoiceColumn("kind", Sighting.Kind, css="kind", verbose_name="Kind")
    place = tables.Column("Place", order_by=("place", "pk"), default=muted("not stated"))
    city = tables.Column("City", order_by=("city", "pk"))
    quantity = tables.Column("Units", order_by=("quantity", "pk"), empty_values=())
    importer = related_link("importer", "Importer", ("importer__name",))

    class Meta(TrackerTable.Meta):
        sequence = (
            "model",
            "kind",
            "place",
            "city",
            "quantity",
            "importer",
            "date",
            "status",
            "source",
        )

    export = (
        ("model", "vehicle_model"),
        ("maker", "vehicle_model__maker__name"),
        "kind",
        "place",
        "city",
        "quantity",
        ("importer", "importer__name"),
        ("reported_by", "reported_by__name"),
    )

    def render_quantity(self, record):
        if record.quantity is None:
            return muted(record.quantity_display)
        return record.quantity_display


class PriceTable(FactTable):
    model = tables.Column(
        "Model",
        accessor="vehicle_model",
        linkify=lambda record: record.get_absolute_url(),
        order_by=(
            "vehicle_model__maker__name",
            "vehicle_model__name",
            "vehicle_model__variant",
            "pk",
        ),
    )
    original = tables.Column("Price as quoted", accessor="amount", order_by=("currency", "amount"))
    amount = tables.Column("In", accessor="pk", empty_values=(), orderable=False)
    stated = tables.Column("As the source converted it", accessor="pk", orderable=False)
    market = tables.Column("Market", accessor="pk", order_by=("market", "pk"))
    kind = ChoiceColumn("kind", PricePoint.Kind)
    rates_used = tables.Column(
        "Rates used", accessor="pk", orderable=False, attrs={"td": {"class": "small"}}
    )

    class Meta(TrackerTable.Meta):
        sequence = (
            "model",
            "original",
            "amount",
            "stated",
            "market",
            "kind",
            "date",
            "status",
            "source",
            "rates_used",
        )

    export = (
        ("model", "vehicle_model"),
        ("maker", "vehicle_model__maker__name"),
        "amount",
        "currency",
        "converted_amount",
        "converted_currency",
        "rates_used",
        "stated",
        "market",
        "kind",
    )

    def export_converted_amount(self, record):
        return to_minor_unit(amount_of(record), self.params.currency)

    def export_converted_currency(self, record):
        return self.params.currency

    def export_rates_used(self, record):
        return rates_summary(record.converted)

    def export_stated(self, record):
        return "; ".join(
            f"{stated.currency} {stated.amount:f}" + (" (flagged)" if check.flagged else "")
            for stated, check in record.stated_checks
        )

    python_sorted = ("amount",)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.columns["amount"].column.verbose_name = f"In {self.params.currency}"

    def render_original(self, record):
        return format_amount(record.amount, record.currency)

    def render_amount(self, record):
        return converted_cell(record.converted, self.params.currency)

    def render_stated(self, record):
        checks = record.stated_checks
        if not checks:
            return muted("—")
        parts, flagged = [], []
        for stated, check in checks:
            approx = "≈ " if stated.is_approximate else ""
            text = f"{approx}{format_amount(stated.amount, stated.currency)}"
            if check.flagged:
                flagged.append(stated.currency)
                text += f" ⚠ {check.gap_ratio * 100:.1f}% off"
            parts.append(text)
        if not flagged:
            return "; ".join(parts)
        return format_html(
            '<span class="has-flag">{}</span><small class="note">the {} figure differs from '
            "the rates of its date</small>",
            "; ".join(parts),
            " and ".join(flagged),
        )

    def render_market(self, record):
        return record.market.name

    def render_rates_used(self, record):
        return rates_summary(record.converted)


class EventTable(FactTable):
    title = linked("title", "Event", ("title",))
    kind = ChoiceColumn("kind", MarketEvent.Kind)
    companies = tables.Column("Companies", accessor="pk", orderable=False)
    city = tables.Column("City", order_by=("city", "pk"))

    class Meta(TrackerTable.Meta):
        sequence = ("title", "kind", "date", "companies", "city", "status", "source")

    export = (
        "title",
        "kind",
        "companies",
        "vehicle_models",
        "people",
        "place",
        "city",
        "country",
        "description",
    )

    def export_companies(self, record):
        return "; ".join(company.name for company in record.companies.all())

    def export_people(self, record):
        return "; ".join(person.name for person in record.people.all())

    export_vehicle_models = PartnershipTable.export_vehicle_models

    def render_companies(self, record):
        return format_html_join(
            "; ",
            '<a href="{}">{}</a>',
            ((c.get_absolute_url(), c.name) for c in record.companies.all()),
        ) or muted("—")


class StatementTable(FactTable):
    said = tables.Column(
        "Statement",
        accessor="text",
        linkify=lambda record: record.get_absolute_url(),
        orderable=False,
    )
    person = related_link("person", "Person", ("person__name",))
    organisation = tables.Column("Organisation", accessor="person__organisation", orderable=False)
    kind = ChoiceColumn("kind", Statement.Kind)
    companies = tables.Column("About", accessor="pk", orderable=False)

    class Meta(TrackerTable.Meta):
        sequence = (
            "person",
            "said",
            "organisation",
            "companies",
            "kind",
            "date",
            "status",
            "source",
        )

    export = (
        ("person", "person__name"),
        ("organisation", "person__organisation__name"),
        "text",
        "kind",
        "context",
        ("event", "event__title"),
        "companies",
        "vehicle_models",
    )

    export_companies = EventTable.export_companies
    export_vehicle_models = PartnershipTable.export_vehicle_models

    def render_said(self, value):
        return value if len(value) <= 160 else f"{value[:157]}…"

    def render_person(self, value):
        return value.name

    def render_organisation(self, value):
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value.name)

    render_companies = EventTable.render_companies


class NewsTable(TrackerTable):
    headline = linked("headline", "Headline", ("headline",))
    publisher = tables.Column("Publisher", order_by=("publisher__name", "pk"))
    date = tables.Column("Published", order_by=("date", "pk"), empty_values=())
    facts = tables.Column("Facts", accessor="fact_count", order_by=("fact_count", "pk"))
    link = tables.Column("Original", accessor="url", orderable=False)

    #: Undated news sorts after the dated, both ways (``ListPage.ordering``). A few thousand
    #: rows at most, so sorting them without the date index costs little.
    nulls_last = ("date",)

    export = (
        "headline",
        ("publisher", "publisher__name"),
        "date",
        "date_precision",
        "author",
        ("facts", "fact_count"),
        ("original_url", "url"),
        "summary",
    )

    def export_date(self, record):
        return partial_date_iso(record.date, record.date_precision)

    def export_date_precision(self, record):
        return record.date_precision if record.date else None

    def render_publisher(self, value):
        return value.name

    def render_date(self, record):
        return partial_date(record)

    def render_link(self, value):
        return format_html('<a href="{}" rel="nofollow noopener">read</a>', value)


class PersonTable(TrackerTable):
    name = linked("name", "Name", ("name",))
    role = tables.Column("Role", order_by=("role", "pk"))
    organisation = related_link("organisation", "Organisation", ("organisation__name",))
    statements = tables.Column(
        "Statements", accessor="statement_count", order_by=("statement_count", "pk")
    )

    export = (
        "name",
        "role",
        ("organisation", "organisation__name"),
        ("statements", "statement_count"),
    )

    def render_organisation(self, value):
        return value.name


class RateTable(TrackerTable):
    date = tables.Column("Date", order_by=("date", "pk"))
    base = tables.Column("Base", order_by=("base", "pk"))
    quote = tables.Column("Quote", order_by=("quote", "pk"))
    rate = tables.Column("Rate", order_by=("rate", "pk"))
    source = ChoiceColumn("source", ExchangeRate.Source)
    source_url = tables.Column("Source URL", orderable=False)
    status = ChoiceColumn("claim_status", ClaimStatus, badge=True, verbose_name="Status")

    export = (
        "date",
        "base",
        "quote",
        "rate",
        "source",
        "source_url",
        ("status", "claim_status"),
        "notes",
    )

    def render_rate(self, value):
        return f"{value.normalize():f}"

    def render_source_url(self, value):
        return format_html('<a href="{}" rel="nofollow noopener">read</a>', value)
