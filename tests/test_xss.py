"""Hostile text typed into the admin stays inert: every text field an editor can fill holds a
payload, and every analyst page shows it as text, the charts' labels and hover text escape it
for Plotly, the JSON exports return it exactly, and no CSV cell starts a spreadsheet formula.

The fields are read from the models that the admin edits, so a new text field is covered as
soon as it exists; ``SHOWN_ON`` must then say where a reader sees it.
"""

import csv
import html
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django_countries.fields import CountryField

from entrants.models import Company, CurrencyField, PricePoint, VehicleModel
from tests import factories
from tests.lists import LISTS
from tests.responses import json_of

pytestmark = pytest.mark.django_db

# Each payload with the raw markup that must never reach a page when it is stored.
PAYLOADS = {
    "script": ("<script>alert(1)</script>", "<script>alert(1)"),
    "attribute-breakout": ('"><img src=x onerror=alert(1)>', "<img src=x"),
    "javascript-url": ("javascript:alert(1)", None),
    "script-breakout": ("</script><script>alert(1)</script>", "<script>alert(1)"),
    "plotly-link": ('<a href="https://evil.example/">x</a>', '<a href="https://evil'),
    "template": ("{{ 7*7 }}", None),
    "sql": ("' OR 1=1 --", None),
    "hyperlink": ('=HYPERLINK("http://evil","x")', None),
    "plus": ("+SUM(1,1)", None),
    "minus": ("-2+3", None),
    "at": ("@cmd", None),
    "tab": ("\t=1+1", None),
    # Already escaped text must come back as typed, not decoded once more into markup.
    "entity": ("&lt;script&gt;alert(1)&lt;/script&gt;", None),
    "unicode": ("Ünïcødé 電動車 اردو 🚗 \u202egnp.exe", None),
}

# What a spreadsheet takes for the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Where a reader sees each admin text field (of its first record below), by page name.
SHOWN_ON = {
    "Company.name": {
        "overview",
        "companies",
        "company",
        "models",
        "model",
        "partnerships",
        "partnership",
        "sightings",
        "sighting",
        "prices",
        "price",
        "events",
        "event",
        "news item",
        "people",
        "person",
    },
    "Company.description": {"company"},
    "CompanyAlias.name": {"companies", "company"},
    "VehicleModel.name": {
        "overview",
        "company",
        "models",
        "model",
        "partnership",
        "sightings",
        "sighting",
        "prices",
        "price",
        "event",
        "news item",
    },
    "VehicleModel.description": {"model"},
    "VehicleModel.variant": {
        "overview",
        "company",
        "models",
        "model",
        "partnership",
        "sightings",
        "sighting",
        "prices",
        "price",
        "event",
        "news item",
    },
    "VehicleModelAlias.name": {"model"},
    "Person.name": {"company", "people", "person", "event", "news item"},
    "Person.role": {"company", "people", "person"},
    "Person.description": {"person"},
    "NewsItem.headline": {
        "overview",
        "company",
        "model",
        "partnerships",
        "partnership",
        "sightings",
        "sighting",
        "prices",
        "price",
        "events",
        "event",
        "news",
        "news item",
        "person",
    },
    "NewsItem.author": {"news item"},
    "NewsItem.summary": {"news item"},
    "NewsItem.body": {"news item"},
    "Partnership.scope": {"company", "model", "partnerships", "partnership", "news item"},
    "Partnership.notes": {"company", "model", "partnership", "news item"},
    "Sighting.place": {"overview", "company", "model", "sightings", "sighting", "news item"},
    "Sighting.city": {"company", "model", "sightings", "sighting", "news item"},
    # A gazetteer place of its own, where no sighting is: none of these pages shows it (the
    # map escapes names into its figure's JSON; tests/test_sighting_map.py).
    "Place.name": set(),
    "Sighting.notes": {"company", "model", "sighting", "news item"},
    "PricePoint.notes": {"model", "price", "news item"},
    "MarketEvent.title": {"overview", "company", "model", "events", "event", "person", "news item"},
    "MarketEvent.description": {"event"},
    "MarketEvent.place": {"event"},
    "MarketEvent.city": {"events", "event"},
    "MarketEvent.notes": {"company", "model", "event", "person", "news item"},
    "Statement.text": {"company", "person", "news item", "statements"},
    "Statement.context": {"person"},
    "Statement.notes": {"company", "person", "news item"},
    # Kept for editors; no analyst page or export shows it.
    "ExchangeRate.notes": set(),
}


def admin_text_fields():
    """Return {"Model.field": field} for every free-text field an editor fills in the admin:
    not slugs, URLs, currency codes or choices, which the admin validates."""
    edited = []
    for model in apps.get_app_config("entrants").get_models():
        if admin.site.is_registered(model):
            model_admin = admin.site.get_model_admin(model)
            edited += [model, *(inline.model for inline in model_admin.inlines)]
    fields = {}
    for model in dict.fromkeys(edited):
        for model_field in model._meta.concrete_fields:
            if (
                isinstance(model_field, (models.CharField, models.TextField))
                and model_field.editable
                and not model_field.choices
                and not isinstance(
                    model_field, (models.SlugField, models.URLField, CurrencyField, CountryField)
                )
            ):
                fields[f"{model.__name__}.{model_field.name}"] = model_field
    return fields


def build_tracker(payload):
    """Create linked records (a model with prices, sightings and events, a partnership, a
    statement, rates) and store ``payload`` in every admin text field of each.

    Return the records with ``payload`` and ``values``: the value stored in each field of the
    first record of each model."""
    publisher = factories.PublisherFactory()
    maker = factories.CompanyFactory(kind=Company.Kind.MANUFACTURER, country="CN")
    local = factories.CompanyFactory(kind=Company.Kind.LOCAL_ASSEMBLER, country="PK")
    vehicle_model = factories.VehicleModelFactory(
        maker=maker, stage_in_pakistan=VehicleModel.Stage.SIGHTED
    )
    person = factories.PersonFactory(organisation=maker)
    # No URL: the facts' "source" column then exports the headline.
    news = factories.NewsItemFactory(publisher=publisher, url="")
    news.companies.set([maker, local])
    news.vehicle_models.set([vehicle_model])
    news.people.set([person])
    partnership = factories.PartnershipFactory(company=local, partner=maker, source=news)
    partnership.vehicle_models.set([vehicle_model])
    price = factories.PricePointFactory(
        vehicle_model=vehicle_model, source=news, currency="CNY", market="CN"
    )
    rupee_price = factories.PricePointFactory(
        vehicle_model=vehicle_model,
        source=news,
        amount=Decimal("8550000"),
        currency="PKR",
        market="PK",
        kind=PricePoint.Kind.BOOKING,
    )
    factories.StatedConversionFactory(price_point=price)
    event = factories.MarketEventFactory(source=news)
    event.companies.set([maker, local])
    event.vehicle_models.set([vehicle_model])
    event.people.set([person])
    records = {
        "maker": maker,
        "local": local,
        "publisher": publisher,
        "alias": factories.CompanyAliasFactory(company=maker),
        "vehicle_model": vehicle_model,
        "model_alias": factories.VehicleModelAliasFactory(vehicle_model=vehicle_model),
        "person": person,
        "news": news,
        "partnership": partnership,
        "sighting": factories.SightingFactory(
            vehicle_model=vehicle_model, source=news, reported_by=local
        ),
        "price": price,
        "rupee_price": rupee_price,
        "event": event,
        "statement": factories.StatementFactory(person=person, source=news, event=event),
        "place": factories.PlaceFactory(),
        "usd_pkr": factories.ExchangeRateFactory(
            date=news.date, base="USD", quote="PKR", rate=Decimal("278.5")
        ),
        "usd_cny": factories.ExchangeRateFactory(
            date=news.date, base="USD", quote="CNY", rate=Decimal("7.1")
        ),
    }
    records["statement"].companies.set([maker])
    tracker = SimpleNamespace(payload=payload, values={}, **records)
    text_fields = admin_text_fields()
    seen = {}
    for record in records.values():
        name = type(record).__name__
        seen[name] = seen.get(name, 0) + 1
        for label, model_field in text_fields.items():
            if not label.startswith(f"{name}."):
                continue
            # The label makes each value unique and says where a value that leaked came from.
            number = "" if seen[name] == 1 else f"#{seen[name]}"
            value = f"{payload} [{label}{number}]"
            assert len(value) <= (model_field.max_length or len(value)), label
            setattr(record, model_field.name, value)
            if seen[name] == 1:
                tracker.values[label] = value
        record.save()
    return tracker


@pytest.fixture
def tracker(request):
    """The tracker's records holding the payload named by the test's parameter."""
    return build_tracker(PAYLOADS[request.param][0])


every_payload = pytest.mark.parametrize("tracker", list(PAYLOADS), indirect=True)
# What Plotly could take for markup, and text that must survive its decoding.
plotly_payloads = pytest.mark.parametrize(
    "tracker",
    ["script", "attribute-breakout", "script-breakout", "plotly-link", "entity", "unicode"],
    indirect=True,
)


def analyst_pages(t):
    """Return {page name: URL} for every analyst page that shows the tracker's records."""
    return {
        "overview": "/",
        **{name: f"/{name}/" for name in LISTS},
        "company": t.maker.get_absolute_url(),
        "local company": t.local.get_absolute_url(),
        "publisher": t.publisher.get_absolute_url(),
        "model": t.vehicle_model.get_absolute_url(),
        "partnership": t.partnership.get_absolute_url(),
        "sighting": t.sighting.get_absolute_url(),
        "price": t.price.get_absolute_url(),
        "rupee price": t.rupee_price.get_absolute_url(),
        "event": t.event.get_absolute_url(),
        "news item": t.news.get_absolute_url(),
        "person": t.person.get_absolute_url(),
    }


class Page(HTMLParser):
    """What a browser would make of a page: its text, its JSON blocks, and anything in it that
    could run (inline scripts, event-handler attributes, javascript: links) or link away."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.texts = []
        self.json_blocks = {}
        self.problems = []
        self._script = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction"):
                target = urlsplit((value or "").strip())
                if target.scheme.lower() == "javascript" or "evil" in target.netloc:
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            if attributes.get("type") == "application/json":
                self._script = attributes.get("id", "")
                self.json_blocks[self._script] = ""
            elif "src" in attributes:
                self._script = ""
            else:
                self.problems.append("an inline <script>")
                self._script = ""

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is None:
            self.texts.append(data)
        elif self._script:
            self.json_blocks[self._script] += data
        elif data.strip():
            self.problems.append(f"script code {data[:40]!r}")

    def shows(self, value):
        """Say whether the page shows ``value`` as text (a name may lose a leading tab)."""
        return any(value.strip() in text for text in self.texts)


# The markup the chart builders themselves write into Plotly's text.
PLOTLY_MARKUP = re.compile(r"</?(?:b|br|extra)>")


def figure_strings(node):
    """Yield every string in a Plotly figure."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from figure_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from figure_strings(value)


def assert_figure_escapes(figure, carried):
    """Plotly draws labels and hover text as HTML: stored text must reach it escaped, and read
    back (as Plotly decodes it) exactly as stored."""
    for text in figure_strings(figure):
        assert "<" not in PLOTLY_MARKUP.sub("", text), text
    shown = [html.unescape(text) for text in figure_strings(figure)]
    for value in carried:
        assert any(value in text for text in shown), value


def get_page(client, url, params=None):
    response = client.get(url, params)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/html"), url
    return response.content.decode()


# --- The fields ---------------------------------------------------------------------------


def test_every_admin_text_field_holds_a_payload_and_has_its_pages_named():
    tracker = build_tracker("<b>x</b>")
    fields = set(admin_text_fields())
    assert set(tracker.values) == fields, "build_tracker must create a record of every model"
    assert set(SHOWN_ON) == fields, "say in SHOWN_ON where a new text field is shown"
    assert {"NewsItem.body", "CompanyAlias.name", "Statement.text"} <= fields
    assert not {"NewsItem.url", "Company.slug", "PricePoint.currency", "Company.kind"} & fields


# --- Pages --------------------------------------------------------------------------------


@every_payload
def test_every_page_shows_stored_payloads_as_text(client, tracker):
    marker = dict(PAYLOADS.values())[tracker.payload]
    failures = []
    pages = analyst_pages(tracker)
    for name, url in pages.items():
        markup = get_page(client, url)
        page = Page(markup)
        failures += [f"{name}: {problem}" for problem in page.problems]
        if marker and marker in markup:
            failures.append(f"{name}: raw {marker!r}")
        for block_id, text in page.json_blocks.items():
            assert "</" not in text, f"{name}: {block_id}"
            figure = json.loads(text)  # a payload that ended the block would break it
            failures += [
                f"{name}: {block_id} gives Plotly {string!r}"
                for string in figure_strings(figure)
                if "<" in PLOTLY_MARKUP.sub("", string)
            ]
        for label, value in tracker.values.items():
            if name in SHOWN_ON[label] and not page.shows(value):
                failures.append(f"{name}: {label} is not shown")
    assert set().union(*SHOWN_ON.values()) <= set(pages)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("payload", [payload for payload, _ in PAYLOADS.values()], ids=PAYLOADS)
def test_lists_echo_hostile_parameters_as_text(client, payload):
    params = {"q": payload, "sort": payload, "page": payload, "currency": payload, "at": payload}
    for name in LISTS:
        page = Page(get_page(client, f"/{name}/", params))
        assert not page.problems, name
        # The message naming the unknown sort column quotes it.
        assert page.shows(f"“{payload.strip()}”"), name


# --- Charts -------------------------------------------------------------------------------


def axis_labels(figure, axis):
    return [
        html.unescape(label)
        for trace in figure["data"]
        for label in trace.get(axis) or []
        if isinstance(label, str)
    ]


def chart(client, url, chart_id):
    page = Page(get_page(client, url))
    return json.loads(page.json_blocks[f"{chart_id}-data"])


@plotly_payloads
def test_price_charts_escape_model_names_in_labels_and_hover_text(client, tracker):
    model_name = str(tracker.vehicle_model)
    for url in ("/", "/prices/"):
        figure = chart(client, url, "price-chart")
        assert_figure_escapes(figure, [model_name])
        labels = axis_labels(figure, "y")  # the bars lie across: their labels are down the side
        assert sorted(labels) == [f"{model_name} (CN)", f"{model_name} (PK)"], url
        # A phone writes the same labels inside the plot, on lines that fit (the start of a
        # long one, which ends in "…").
        for note in figure["narrow"]["annotations"]:
            label = html.unescape(note["y"])
            shown = html.unescape(note["text"].replace("<br>", " ")).removesuffix(" …")
            assert label in labels, url
            assert " ".join(label.split()).startswith(" ".join(shown.split())), url
    figure = chart(client, tracker.vehicle_model.get_absolute_url(), "price-history")
    assert_figure_escapes(figure, [model_name])
    # The same figure as JSON, titled in plain text (exactly as stored).
    response = client.get(f"{tracker.vehicle_model.get_absolute_url()}price-history.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["title"].startswith(f"{model_name}: price history")
    assert data["figure"] == figure


@plotly_payloads
def test_timelines_escape_brands_and_event_titles(client, tracker):
    brands = sorted([tracker.maker.name, tracker.local.name])
    for url in ("/", "/events/"):
        figure = chart(client, url, "timeline-chart")
        assert_figure_escapes(figure, [*brands, tracker.event.title])
        assert sorted(set(axis_labels(figure, "y"))) == brands, url
        order = figure["layout"]["yaxis"]["categoryarray"]
        assert sorted(html.unescape(brand) for brand in order) == brands, url


# --- Exports ------------------------------------------------------------------------------


def exported_rows(t):
    """Return, per list, the row of the tracker's first record and the exact values it must
    export."""
    return {
        "companies": (t.maker, {"name": t.maker.name, "aliases": t.alias.name}),
        "models": (t.vehicle_model, {"model": str(t.vehicle_model), "maker": t.maker.name}),
        "partnerships": (
            t.partnership,
            {
                "scope": t.partnership.scope,
                "company": t.local.name,
                "partner": t.maker.name,
                "source_title": t.news.headline,
            },
        ),
        "sightings": (
            t.sighting,
            {
                "model": str(t.vehicle_model),
                "place": t.sighting.place,
                "city": t.sighting.city,
                "source_title": t.news.headline,
            },
        ),
        "prices": (t.price, {"model": str(t.vehicle_model), "source_title": t.news.headline}),
        "events": (
            t.event,
            {
                "title": t.event.title,
                "companies": "; ".join(c.name for c in t.event.companies.all()),
                "city": t.event.city,
                "source_title": t.news.headline,
            },
        ),
        "news": (t.news, {"headline": t.news.headline, "publisher": t.publisher.name}),
        "people": (
            t.person,
            {"name": t.person.name, "role": t.person.role, "organisation": t.maker.name},
        ),
    }


def json_export(client, name):
    response = client.get(f"/{name}/", {"format": "json"})
    assert response.status_code == 200, name
    assert response["Content-Type"] == "application/json", name
    return json_of(response)["results"]


@every_payload
def test_json_exports_return_stored_text_exactly(client, tracker):
    for name, (record, expected) in exported_rows(tracker).items():
        rows = json_export(client, name)
        row = next(row for row in rows if row["url"].endswith(record.get_absolute_url()))
        assert {key: row[key] for key in expected} == expected, name


@every_payload
def test_csv_exports_start_no_formula_and_keep_the_text(client, tracker):
    carried = set()
    for name in LISTS:
        response = client.get(f"/{name}/", {"format": "csv"})
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv"), name
        text = b"".join(response.streaming_content).decode("utf-8")
        header, *rows = list(csv.reader(io.StringIO(text, newline="")))
        for row in [header, *rows]:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), (name, cell)
        # Apart from the apostrophe that keeps a formula a text, each cell is the JSON value.
        expected = [
            [spreadsheet_text(record[key]) for key in header]
            for record in json_export(client, name)
        ]
        assert rows == expected, name
        carried |= {cell for row in rows for cell in row if tracker.payload in cell}
    # Every stored text starts with the payload: a formula is kept as text by one apostrophe.
    start = f"'{tracker.payload}" if tracker.payload.startswith(FORMULA_STARTS) else tracker.payload
    assert carried
    assert all(cell.startswith(start) for cell in carried), carried


def spreadsheet_text(value):
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
