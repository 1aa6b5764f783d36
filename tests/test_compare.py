"""/compare/: two to four models side by side on the reference data, the currency switch, adding
and removing models through the page's own links and form, the links to it, the CSV, the
errors (400 with a message, never a 500) and a query count that does not grow with the rows."""

import csv
import io
import re
from decimal import Decimal
from html import unescape

import plotly.graph_objects as go
import pytest

from entrants.currency import format_amount
from entrants.models import Sighting
from tests import factories
from tests.html_forms import form_data
from tests.responses import json_of
from tests.test_views import queries_for

pytestmark = pytest.mark.django_db

PAIR = "/compare/?model=xiaomi-su7&model=byd-seal"


def text(response):
    return unescape(response.content.decode())


def row_of(page, label):
    """Return the text of the comparison table's row headed ``label``, tags stripped."""
    html = page.split(f'<th scope="row">{label}</th>', 1)[1].split("</tr>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_pair_shows_both_models_with_their_specifications_and_prices(client, reference_data):
    response = client.get(PAIR)
    assert response.status_code == 200
    page = text(response)
    header = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert header.index("Xiaomi SU7") < header.index("BYD Seal")  # the query string's order
    assert row_of(page, "Maker").split() == ["Xiaomi", "BYD"]
    assert row_of(page, "Stage in Pakistan") == "Imported Launched"
    # The standard SU7's and the entry Seal's, as their sources state them.
    assert row_of(page, "Battery") == "73.6 kWh 61.4 kWh"
    assert row_of(page, "Range") == "700 km 550 km"
    china = row_of(page, "China")
    # The SU7's launch price and the Seal's latest (the highest of four trims that day), each
    # in PKR with what it was quoted as, its date as precisely as known, and its source.
    assert "CNY 215,900" in china and "28 March 2024" in china
    assert "CNY 289,800" in china and "23 May 2022" in china and "latest of 4 prices" in china
    assert china.count("PKR ") >= 2
    assert "SBP interbank close" in china and "PBOC central parity" in china
    assert "The Driven, 23 May 2022" in china
    imports = row_of(page, "Imports")
    assert "1 import " in imports and "0 imports" in imports
    assert '/sightings/?model=xiaomi-su7&amp;kind=imported"' in response.content.decode()
    assert "Air Link Communication – Xiaomi" in row_of(page, "Partners")


def test_the_currency_switch_converts_the_prices_and_names_the_rates(client, reference_data):
    pkr = client.get(PAIR)
    usd = client.get(PAIR + "&currency=USD")
    su7_pkr = pkr.context["models"][0].latest_prices[0].converted
    su7_usd = usd.context["models"][0].latest_prices[0].converted
    assert su7_pkr.to_currency == "PKR" and su7_usd.to_currency == "USD"
    # 215,900 CNY at the PBOC's 7.0946 CNY a dollar of the day before the launch.
    assert abs(su7_usd.amount - Decimal(215900) / Decimal("7.0946")) < Decimal("0.01")
    china_pkr, china_usd = row_of(text(pkr), "China"), row_of(text(usd), "China")
    assert format_amount(su7_pkr.amount, "PKR") in china_pkr
    assert format_amount(su7_usd.amount, "USD") in china_usd
    assert format_amount(su7_pkr.amount, "PKR") not in china_usd
    # Into dollars only the yuan's rate is used; into rupees the SBP's too.
    assert "USD/CNY 7.0946" in china_usd and "SBP interbank close" not in china_usd
    assert "SBP interbank close" in china_pkr
    assert "Latest price in each market, in USD" in text(usd)
    # The chart converts into the same currency.
    assert usd.context["chart"].figure["layout"]["yaxis"]["title"]["text"] == "Price (USD)"


def test_models_are_removed_and_added_through_the_page(client, reference_data):
    page = client.get(PAIR + "&currency=USD").content.decode()
    removes = re.findall(r'href="\?([^"]+)" class="remove"', page)
    assert [unescape(r) for r in removes] == [
        "model=byd-seal&currency=USD",
        "model=xiaomi-su7&currency=USD",
    ]
    single = client.get("/compare/?" + unescape(removes[0]))
    assert single.status_code == 200
    assert "Add another model to compare with BYD Seal" in text(single)
    # The add form keeps the model shown and the currency; its list offers the others.
    data = form_data(single.content.decode(), "compare-add")
    assert data["model"] == ["byd-seal", ""] and data["currency"] == ["USD"]
    options = re.findall(
        r'<option value="([^"]+)">', single.content.decode().split('id="compare-add"')[1]
    )
    assert "xiaomi-su7" in options and "byd-seal" not in options
    data["model"] = ["byd-seal", "xiaomi-su7-max"]
    added = client.get("/compare/", data)
    assert added.status_code == 200
    assert [model.slug for model in added.context["models"]] == ["byd-seal", "xiaomi-su7-max"]


def test_the_form_is_gone_at_four_models_and_the_permalink_is_the_address(client, reference_data):
    four = ["xiaomi-su7", "byd-seal", "byd-atto-3", "xiaomi-su7-max"]
    query = "&".join(f"model={slug}" for slug in four)
    response = client.get(f"/compare/?{query}")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="compare-add"' not in page
    assert "4 models are compared at most" in page
    assert f'href="/compare/?{query.replace("&", "&amp;")}" class="permalink"' in page
    # The permalink gives the same page, in the same order, cached or not.
    again = client.get(f"/compare/?{query}")
    assert again.content == response.content


def test_the_page_cache_keeps_the_order_and_the_repeats_of_the_models(client, reference_data):
    first = client.get("/compare/?model=xiaomi-su7&model=byd-seal")
    assert first.status_code == 200
    swapped = text(client.get("/compare/?model=byd-seal&model=xiaomi-su7"))
    header = swapped.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert header.index("BYD Seal") < header.index("Xiaomi SU7")
    repeated = client.get("/compare/?model=xiaomi-su7&model=byd-seal&model=xiaomi-su7")
    assert repeated.status_code == 400
    assert "“xiaomi-su7” is named more than once" in text(repeated)


def test_the_models_list_and_the_model_pages_link_to_the_comparison(client, reference_data):
    listing = client.get("/models/", {"currency": "USD"})
    page = listing.content.decode()
    assert '<form id="compare-form" method="get" action="/compare/"' in page
    boxes = re.findall(
        r'<input type="checkbox" name="model" value="([^"]+)" form="compare-form"', page
    )
    assert boxes == [model.slug for model in listing.context["page"].object_list]
    assert "byd-seal" in boxes
    # Ticking two boxes sends them with the list's currency.
    data = form_data(page, "compare-form")
    assert data == {"currency": ["USD"]}
    data["model"] = ["xiaomi-su7", "byd-seal"]
    assert client.get("/compare/", data).status_code == 200
    detail = client.get("/models/byd-seal/").content.decode()
    link = re.search(r'<a href="([^"]+)">Compare with…</a>', detail).group(1)
    single = client.get(unescape(link))
    assert single.status_code == 200
    assert [m.slug for m in single.context["models"]] == ["byd-seal"]


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_a_row_per_model_and_attribute_with_its_provenance(client, reference_data):
    rows = csv_rows(client.get(PAIR + "&format=csv&currency=USD"))
    by = {(row["model_slug"], row["attribute"], row["market"]): row for row in rows}
    assert by[("xiaomi-su7", "maker", "")]["value"] == "Xiaomi"
    assert by[("byd-seal", "stage_in_pakistan", "")]["value"] == "launched"
    assert by[("byd-seal", "range", "")]["value"] == "550"
    assert by[("byd-seal", "range", "")]["unit"] == "km"
    assert by[("xiaomi-su7", "battery", "")]["value"] == "73.6"
    price = by[("xiaomi-su7", "latest_price", "CN")]
    assert price["unit"] == "USD" and price["quoted_amount"] == "215900.00"
    assert price["quoted_currency"] == "CNY" and price["converted_at"] == "price-date"
    assert Decimal(price["value"]) == round(Decimal(215900) / Decimal("7.0946"), 2)
    assert price["rate_source"] == "pboc_parity"
    assert "USD/CNY 7.0946 (2024-03-27" in price["rates_used"]
    assert price["date"] == "2024-03-28" and price["date_precision"] == "day"
    assert price["source_url"].startswith("https://www.brecorder.com/")
    assert price["url"].startswith("http://testserver/prices/")
    assert by[("byd-seal", "latest_price", "CN")]["prices_in_market"] == "4"
    assert by[("xiaomi-su7", "imports", "")]["value"] == "1"
    assert by[("xiaomi-su7", "latest_import", "")]["date"] == "2024-10-03"
    assert any(row["attribute"] == "partnership" for row in rows)
    assert [row["model_slug"] for row in rows][0] == "xiaomi-su7"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "model=xiaomi-su7&model=byd-seal&model=byd-atto-3&model=xiaomi-su7-max"
            "&model=tesla-model-3",
            "5 models are named, and at most 4 can be compared at once: remove “tesla-model-3”",
        ),
        ("model=xiaomi-su7&model=no-such-car", "No model has the slug “no-such-car”."),
        ("model=xiaomi-su7&model=", "An empty “model=” names no model"),
        ("model=", "An empty “model=” names no model"),
        ("model=xiaomi-su7&model=xiaomi-su7", "“xiaomi-su7” is named more than once"),
        ("model=xiaomi-su7&model=a%00b", "No model has the slug “a\x00b”."),
    ],
)
def test_a_comparison_it_cannot_show_is_a_400_that_says_why(client, reference_data, query, message):
    response = client.get(f"/compare/?{query}")
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert 'role="alert"' in page
    assert 'id="compare-add"' in page  # the page offers to start again
    assert '<table class="compare">' not in page
    export = client.get(f"/compare/?{query}&format=csv")
    assert export.status_code == 400
    assert any(message in error for error in json_of(export)["errors"])


def test_the_fix_link_of_an_error_keeps_the_models_that_can_be_compared(client, reference_data):
    page = text(client.get("/compare/?model=xiaomi-su7&model=nope&model=byd-seal"))
    fixed = re.search(r'<a href="\?([^"]+)">Compare the models that can be</a>', page).group(1)
    assert fixed == "model=xiaomi-su7&model=byd-seal"


@pytest.mark.parametrize("query", ["", "model=byd-seal"])
def test_none_or_one_model_is_an_invitation_to_choose(client, reference_data, query):
    response = client.get(f"/compare/?{query}")
    assert response.status_code == 200
    page = text(response)
    assert "Choose 2 to 4 models" in page or "Add another model to compare with BYD Seal" in page
    assert 'id="compare-add"' in page
    assert response.context["chart"] is None
    assert client.get(f"/compare/?{query}&format=csv").status_code == 400


def test_a_bad_currency_or_format_is_said(client, reference_data):
    shown = client.get(PAIR + "&currency=EUR")
    assert shown.status_code == 200  # as every page with the switch: PKR, and a message
    assert "“EUR” is not a currency this tracker converts to" in text(shown)
    assert "no-store" in shown["Cache-Control"]
    assert client.get(PAIR + "&format=xml").status_code == 400
    assert client.get(PAIR + "&format=csv&currency=EUR").status_code == 400


def test_the_chart_draws_one_trace_per_model(client, reference_data):
    chart = client.get(PAIR).context["chart"]
    figure = go.Figure(data=chart.figure["data"], layout=chart.figure["layout"])  # valid Plotly
    assert [trace.name for trace in figure.data] == ["Xiaomi SU7", "BYD Seal"]
    su7 = figure.data[0]
    assert su7.x[0] == "2024-03-28"
    assert len(figure.data[1].x) == 4  # the Seal's four trims
    assert chart.rows[0][:3] == ["Xiaomi SU7", "28 March 2024", "China"]


def test_a_model_with_no_price_has_no_trace_and_the_table_says_so(client):
    priced = factories.PricePointFactory().vehicle_model
    unpriced = factories.VehicleModelFactory(battery_kwh=Decimal("60.5"), range_km=480)
    factories.ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.1"))
    factories.ExchangeRateFactory(base="USD", quote="PKR", rate=Decimal("278.5"))
    response = client.get(f"/compare/?model={priced.slug}&model={unpriced.slug}&currency=USD")
    assert response.status_code == 200
    page = text(response)
    assert row_of(page, "Battery").split(" kWh")[:2] == ["73.6", " 60.5"]
    assert row_of(page, "Range") == "700 km 480 km"
    assert "no price" in row_of(page, "China")
    # A model whose battery and range no source gives says so, it does not show a blank.
    unknown = factories.VehicleModelFactory(battery_kwh=None, range_km=None)
    page = text(client.get(f"/compare/?model={priced.slug}&model={unknown.slug}"))
    assert row_of(page, "Battery").endswith("kWh unknown")
    assert row_of(page, "Range").endswith("km unknown")
    assert [trace["name"] for trace in response.context["chart"].figure["data"]] == [str(priced)]


def enrich(model, count):
    """Give ``model`` ``count`` more prices (in two markets, with stated conversions and other
    sources), sightings, imports and partnerships."""
    for index in range(count):
        news = factories.NewsItemFactory()
        price = factories.PricePointFactory(
            vehicle_model=model, source=news, market=["CN", "PK"][index % 2]
        )
        factories.StatedConversionFactory(price_point=price, source=news)
        price.other_sources.add(factories.NewsItemFactory())
        factories.SightingFactory(vehicle_model=model, source=news).other_sources.add(news)
        factories.SightingFactory(
            vehicle_model=model, kind=Sighting.Kind.IMPORTED, importer=factories.CompanyFactory()
        )
        factories.PartnershipFactory(partner=model.maker, source=news).vehicle_models.add(model)


def test_query_count_is_constant_as_the_models_rows_grow(client):
    factories.build_related_rows(2)
    models = [factories.VehicleModelFactory() for _ in range(3)]
    for model in models:
        enrich(model, 2)
    query = "&".join(f"model={model.slug}" for model in models)
    urls = [
        f"/compare/?{query}",
        f"/compare/?{query}&currency=USD",
        f"/compare/?{query}&format=csv",
    ]
    small = [queries_for(client, url) for url in urls]
    for model in models:
        enrich(model, 9)
    factories.build_related_rows(5)
    assert [queries_for(client, url) for url in urls] == small


def test_a_model_name_stays_text_in_the_page_and_the_chart(client):
    hostile = '<img src=x onerror="alert(1)">'
    model = factories.PricePointFactory(vehicle_model__name=hostile).vehicle_model
    other = factories.PricePointFactory().vehicle_model
    factories.ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.1"))
    response = client.get(f"/compare/?model={model.slug}&model={other.slug}&currency=USD")
    assert response.status_code == 200
    assert hostile not in response.content.decode()
    trace = response.context["chart"].figure["data"][0]
    assert "<img" not in trace["name"] and "&lt;img" in trace["name"]
    assert all("<img" not in hover for hover in trace["hovertext"])
