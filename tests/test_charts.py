"""The chart builders on real Plotly figures: what a chart leaves out it says, rows that would
share a label are told apart, and each figure carries a layout for a phone."""

import datetime
import html
from decimal import Decimal

import pytest

from entrants import charts, price_history_chart, rate_chart
from entrants.currency import RateTable
from entrants.models import ClaimStatus, ExchangeRate, MarketEvent
from entrants.selectors import DailyPrices, Market, PriceRow, PriceSeries
from tests import factories

pytestmark = pytest.mark.django_db

RATE_DAY = datetime.date(2024, 9, 27)
RATES = RateTable(
    [
        {
            "date": RATE_DAY,
            "base": "USD",
            "quote": quote,
            "rate": rate,
            "source": ExchangeRate.Source.SBP_INTERBANK,
            "source_url": "",
            "claim_status": ClaimStatus.CONFIRMED,
        }
        for quote, rate in (("PKR", Decimal("278")), ("CNY", Decimal("7")))
    ]
)


def converted(prices, currency="USD", at="price-date"):
    for price in prices:
        price.converted = RATES.convert_at(price.amount, price.currency, currency, at, price.date)
    return prices


def bar_labels(figure):
    return [html.unescape(label) for trace in figure["data"] for label in trace["y"]]


def test_the_price_comparison_says_which_prices_it_leaves_out_and_why():
    drawn = factories.PricePointFactory(date=datetime.date(2024, 9, 28))
    too_old = factories.PricePointFactory.create_batch(2, date=datetime.date(2020, 1, 5))
    undated = factories.PricePointFactory(date=None)
    prices = converted([drawn, *too_old, undated])

    chart = charts.price_comparison(prices, "USD", "at the rates of each price's own date")

    assert [o.note for o in chart.omitted] == ["2 prices not drawn: no USD rate for their dates"]
    assert [o.href for o in chart.omitted] == ["#price-chart-no-rate"]
    assert chart.omitted[0].rows == chart.rows[1:3]
    # The undated price is drawn at the latest rates, and its bar says so.
    assert chart.drawn_rows == [chart.rows[0], chart.rows[3]]
    assert len(bar_labels(chart.figure)) == 2
    hovers = [text for trace in chart.figure["data"] for text in trace["hovertext"]]
    assert sum("Undated: at the rates of" in text for text in hovers) == 1


def test_one_price_left_out_is_named_in_the_singular_and_a_chosen_date_is_named():
    (price,) = converted([factories.PricePointFactory(date=datetime.date(2020, 1, 5))])
    chart = charts.price_comparison([price], "USD", "at the rates of each price's own date")
    assert [o.note for o in chart.omitted] == ["1 price not drawn: no USD rate for its date"]
    assert chart.empty  # nothing to draw, but the note and its row still say why

    converted([price], at=datetime.date(2023, 3, 1))
    chart = charts.price_comparison([price], "USD", "at the rates of 1 March 2023")
    assert [o.note for o in chart.omitted] == ["1 price not drawn: no USD rate for 1 March 2023"]


def test_prices_that_would_share_a_label_are_told_apart_by_source_and_date():
    su7 = factories.VehicleModelFactory(name="SU7", maker__name="Xiaomi")
    dawn = factories.NewsItemFactory(publisher__name="Dawn", date=datetime.date(2024, 9, 28))
    recorder = factories.NewsItemFactory(publisher__name="Business Recorder")
    prices = converted(
        [
            factories.PricePointFactory(vehicle_model=su7, source=dawn),
            factories.PricePointFactory(vehicle_model=su7, source=recorder, amount=199900),
            # Same model, market, source and date: only a number can tell them apart.
            factories.PricePointFactory(vehicle_model=su7, source=recorder, amount=189900),
            factories.PricePointFactory(vehicle_model=su7, source=dawn, market="PK"),
        ]
    )

    figure = charts.price_comparison(prices, "USD", "at the rates of each price's own date").figure

    assert sorted(bar_labels(figure)) == [
        "Xiaomi SU7 (CN) · Business Recorder, 28 September 2024",
        "Xiaomi SU7 (CN) · Business Recorder, 28 September 2024 (2)",
        "Xiaomi SU7 (CN) · Dawn, 28 September 2024",
        "Xiaomi SU7 (PK)",
    ]
    # One bar a price: none is drawn over another.
    assert sum(len(trace["x"]) for trace in figure["data"]) == 4
    hover = [text for trace in figure["data"] for text in trace["hovertext"]]
    assert sum("Source: Business Recorder" in text for text in hover) == 2
    # The first price is drawn on top (a category axis counts from the bottom).
    assert figure["layout"]["yaxis"]["categoryarray"][-1].endswith("Dawn, 28 September 2024")


def test_a_phone_writes_the_bar_labels_above_the_bars_and_the_legend_below():
    prices = converted(factories.PricePointFactory.create_batch(3))
    figure = charts.price_comparison(prices, "USD", "at the rates of each price's own date").figure
    narrow = figure["narrow"]
    assert narrow["yaxis"]["showticklabels"] is False
    assert [note["text"] for note in narrow["annotations"]] == (
        figure["layout"]["yaxis"]["categoryarray"]
    )
    assert {note["xref"] for note in narrow["annotations"]} == {"paper"}
    assert narrow["legend"]["yref"] == "container" and narrow["legend"]["y"] == 0
    assert narrow["dragmode"] is False  # a touch scrolls the page
    # The wide layout keeps its labels beside the bars.
    assert "annotations" not in figure["layout"] or not figure["layout"]["annotations"]


def timeline_events():
    return MarketEvent.objects.select_related("source__publisher").prefetch_related("companies")


def event(brands, **fields):
    item = factories.MarketEventFactory(**fields)
    item.companies.set(brands)
    return item


def test_the_timeline_says_which_events_it_leaves_out_and_groups_events_of_one_place():
    byd = factories.CompanyFactory(name="BYD")
    publisher = factories.PublisherFactory(name="Dawn")
    day = datetime.date(2024, 3, 1)
    first = event([byd], date=day, title="BYD opens bookings")
    second = event([byd], date=day, title="BYD names its dealer", claim_status="confirmed")
    event([byd], date=None, title="BYD to build a plant")
    event([publisher], title="Dawn reports on EVs")
    event([], title="Nobody named")

    chart = charts.market_timeline(list(timeline_events()))

    assert [o.note for o in chart.omitted] == [
        "2 events not drawn: no company named",
        "1 event not drawn: no date",
    ]
    assert {row[2] for o in chart.omitted for row in o.rows} == {
        "BYD to build a plant",
        "Dawn reports on EVs",
        "Nobody named",
    }
    assert {row[2] for row in chart.drawn_rows} == {first.title, second.title}
    # Both events of BYD on 1 March are one place: each marker there names both.
    markers = [trace for trace in chart.figure["data"] if trace["mode"] == "markers"]
    assert sorted(trace["name"] for trace in markers) == ["Confirmed", "Reported"]
    for trace in markers:
        (text,) = trace["hovertext"]
        assert "2 events on this date" in text
        assert first.title in text and second.title in text
        assert f"Source: {first.source.publisher}" in text


def test_a_phone_writes_the_brands_inside_the_timeline_on_lines_that_fit():
    names = ["BYD", "Karakoram Electric Vehicle Manufacturing and Assembly Company"]
    for index, name in enumerate(names):
        brand = factories.CompanyFactory(name=name)
        event([brand], date=datetime.date(2024, 1, 1) + datetime.timedelta(days=index))
    figure = charts.market_timeline(list(timeline_events())).figure
    narrow = figure["narrow"]
    assert narrow["yaxis"]["showticklabels"] is False
    assert sorted(note["text"] for note in narrow["annotations"]) == [
        "BYD",
        "Karakoram Electric Vehicle<br>Manufacturing and Assembly Company",
    ]
    assert figure["layout"]["yaxis"]["automargin"] is True  # wide: labels beside the plot


def rate(day, base, quote, value, source=ExchangeRate.Source.SBP_INTERBANK):
    return factories.ExchangeRateFactory.build(
        date=day, base=base, quote=quote, rate=Decimal(value), source=source
    )


def test_the_rate_chart_draws_a_line_per_source_and_says_which_pairs_it_leaves_out():
    rates = [
        rate(RATE_DAY, "USD", "PKR", "278"),
        rate(RATE_DAY, "USD", "PKR", "281", ExchangeRate.Source.SBP_OPEN_MARKET),
        rate(RATE_DAY, "USD", "CNY", "7", ExchangeRate.Source.PBOC_PARITY),
        rate(RATE_DAY, "EUR", "PKR", "305"),
        rate(RATE_DAY, "EUR", "USD", "1.1"),
    ]

    chart = rate_chart.rate_history(rates)

    traces = chart.figure["data"]
    usd_pkr = sorted(t["name"] for t in traces if t["yaxis"] == "y")
    assert usd_pkr == ["Open market (ECAP)", "SBP interbank close"]
    assert all(len(t["x"]) == 1 for t in traces)  # the two sources' rates of one date: two points
    (cross,) = [t for t in traces if t["name"] == "Cross through USD"]
    assert cross["y"] == [pytest.approx(278 / 7)]  # the interbank rate, before the open market's
    assert [o.note for o in chart.omitted] == [
        "2 rates not drawn: not a pair this chart draws (EUR/PKR and EUR/USD)"
    ]
    assert [row[1] for row in chart.omitted[0].rows] == ["EUR/PKR", "EUR/USD"]
    day = RATE_DAY.isoformat()
    assert [day, "USD/PKR", "278", "SBP interbank close"] in chart.drawn_rows
    assert [day, "USD/PKR", "281", "Open market (ECAP)"] in chart.drawn_rows


def test_a_price_history_says_which_prices_it_leaves_out():
    market = Market("CN", "China")

    def row(day, amount="200000"):
        return PriceRow(day, "day", Decimal(amount), "CNY", market, "launch", "reported")

    prices = converted([row(RATE_DAY), row(datetime.date(2020, 1, 1)), row(None)])
    chart = price_history_chart.price_history("Xiaomi SU7", PriceSeries(prices, 3), "USD", "at …")
    assert [o.note for o in chart.omitted] == [
        "1 price not drawn: no USD rate for its date",
        "1 price not drawn: no date",
    ]
    assert len(chart.drawn_rows) == 1


def test_a_long_price_history_counts_what_it_leaves_out_from_its_days():
    market = Market("CN", "China")
    days = [
        DailyPrices(RATE_DAY, market, "CNY", 30, Decimal("190000"), Decimal("210000")),
        DailyPrices(datetime.date(2020, 1, 1), market, "CNY", 12, Decimal(1), Decimal(2)),
    ]
    for day in days:
        day.converted_low = RATES.convert_at(day.low, "CNY", "USD", "price-date", day.date)
        day.converted_high = RATES.convert_at(day.high, "CNY", "USD", "price-date", day.date)
    latest = converted(
        [PriceRow(RATE_DAY, "day", Decimal("200000"), "CNY", market, "launch", "reported")]
    )
    series = PriceSeries(latest, total=50, daily=days)  # 8 of the 50 have no date

    chart = price_history_chart.price_history("Xiaomi SU7", series, "USD", "at …")

    assert [(o.note, o.unlisted) for o in chart.omitted] == [
        ("12 prices not drawn: no USD rate for their dates", 12),
        ("8 prices not drawn: no date", 8),
    ]


def test_the_overview_shows_the_note_on_the_chart_linking_to_the_rows_left_out(client):
    factories.ExchangeRateFactory(date=RATE_DAY, quote="PKR")
    factories.ExchangeRateFactory(date=RATE_DAY, quote="CNY", rate=Decimal("7"))
    factories.PricePointFactory(date=datetime.date(2024, 9, 28), amount=Decimal("215900"))
    factories.PricePointFactory(date=datetime.date(2020, 1, 5), amount=Decimal("123456"))
    page = client.get("/", {"currency": "USD"}).content.decode()

    note = '<a href="#price-chart-no-rate">1 price not drawn: no USD rate for its date</a>'
    assert note in page
    chart = page[page.index('<figure class="chart" id="price-chart">') :]
    chart = chart[: chart.index("</figure>")]
    # The note is drawn before the plot, not inside the collapsed table.
    assert chart.index(note) < chart.index("chart-plot") < chart.index("<details")
    rows = chart[chart.index('id="price-chart-no-rate"') :]
    rows = rows[: rows.index("</tbody>")]
    assert "CNY 123,456" in rows and "CNY 215,900" not in rows
