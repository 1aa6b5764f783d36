"""Plotly figure builders: data in, figure out.

Each builder returns a ``Chart``: the Plotly figure as JSON-ready data (the page carries it with
``json_script`` and ``static/js/charts.js`` draws it), and the same data as a table for screen
readers and phones. Money stays Decimal up to here; the figure's coordinates are floats because
that is what a plot draws — the exact values are in the table and the CSV exports.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from entrants.currency import format_amount
from entrants.dates import format_partial_date
from entrants.models import ClaimStatus, Company, ExchangeRate

STATUS_COLOURS = {
    ClaimStatus.CONFIRMED: "#1b7f4b",
    ClaimStatus.REPORTED: "#c47f00",
    ClaimStatus.RUMOURED: "#7b4fb3",
    ClaimStatus.DENIED: "#b3261e",
}
MARKET_COLOURS = ["#0b6e4f", "#c8553d", "#2d6cdf", "#8a5a9e", "#b08900", "#555f6d"]
NOT_BRANDS = {Company.Kind.PUBLISHER, Company.Kind.NEWS_AGENCY}
BASE_LAYOUT = {
    "template": "none",
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
    "margin": {"l": 70, "r": 20, "t": 30, "b": 60},
    "paper_bgcolor": "#ffffff",
    "plot_bgcolor": "#ffffff",
    "hoverlabel": {"align": "left"},
    "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
}


@dataclass
class Chart:
    """A figure with its accessible table."""

    id: str
    title: str
    figure: dict | None
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    empty_message: str = ""
    table_note: str = ""

    @property
    def data_id(self):
        return f"{self.id}-data"

    @property
    def empty(self):
        return self.figure is None


def finish(figure, **layout):
    figure.update_layout(**BASE_LAYOUT)
    figure.update_layout(**layout)
    return figure.to_plotly_json()


def price_label(price):
    return f"{price.vehicle_model} ({price.market.code})"


def unique_labels(prices):
    """Return an x label per price, numbered where two would read the same."""
    seen = defaultdict(int)
    labels = []
    for price in prices:
        label = price_label(price)
        seen[label] += 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return labels


def hover_text(price, currency, vehicle_model=None):
    conversion = price.converted
    lines = [
        f"As quoted: {format_amount(price.amount, price.currency)} ({price.get_kind_display()}, "
        f"{price.market.name})",
        f"Date: {format_partial_date(price.date, price.date_precision)}",
        f"In {currency}: {format_amount(conversion.amount, currency)}",
    ]
    if conversion.stale:
        lines.append(f"Rate {conversion.age_days} days old")
    lines.append(f"Status: {price.get_claim_status_display()}")
    heading = f"<b>{escape_hover(str(vehicle_model or price.vehicle_model))}</b>"
    return "<br>".join([heading, *map(escape_hover, lines)])


def escape_hover(text):
    """Plotly renders hover text as a small HTML subset: keep stored text inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def price_comparison(prices, currency, at_label):
    """Bar chart of prices converted into ``currency``, one colour per market."""
    title = f"Prices in {currency}, {at_label}"
    table_rows = [
        [
            str(p.vehicle_model),
            format_amount(p.amount, p.currency),
            p.market.name,
            format_partial_date(p.date, p.date_precision),
            "no rate" if p.converted.missing else format_amount(p.converted.amount, currency),
        ]
        for p in prices
    ]
    headers = ["Model", "As quoted", "Market", "Date", f"In {currency}"]
    drawable = [p for p in prices if not p.converted.missing]
    if not drawable:
        return Chart(
            "price-chart",
            title,
            None,
            headers,
            table_rows,
            "No price can be converted with the filters and rates chosen.",
        )
    labels = dict(zip(map(id, drawable), unique_labels(drawable), strict=True))
    by_market = defaultdict(list)
    for price in drawable:
        by_market[price.market.name].append(price)
    figure = go.Figure()
    for index, (market, rows) in enumerate(sorted(by_market.items())):
        figure.add_trace(
            go.Bar(
                name=market,
                # Category labels are drawn as HTML too: the model name is stored text.
                x=[escape_hover(labels[id(p)]) for p in rows],
                y=[float(p.converted.amount) for p in rows],
                hovertext=[hover_text(p, currency) for p in rows],
                hoverinfo="text",
                marker={"color": MARKET_COLOURS[index % len(MARKET_COLOURS)]},
            )
        )
    figure = finish(
        figure,
        yaxis={
            "title": {"text": f"Price ({currency})"},
            "tickformat": ",.0f",
            "gridcolor": "#e5e8ec",
            "automargin": True,
        },
        xaxis={"tickangle": -35, "automargin": True},
        barmode="group",
        height=460,
    )
    return Chart("price-chart", title, figure, headers, table_rows)


# Beyond this many points a history has no hover text of its own per point (the hover shows
# the date and the amount) and its table lists only the latest ``TABLE_ROWS``: 10,000 points
# then take about 60 KB gzipped instead of 1 MB.
DETAILED_POINTS = 500
TABLE_ROWS = 100


def price_history(vehicle_model, series, currency, at_label):
    """Line chart of one model's prices over time, in ``currency``, one line per market.

    ``series`` is a ``selectors.PriceSeries`` with ``converted`` amounts attached: every price,
    or for a long history each day's lowest and highest price per market (drawn as a marker
    at the lowest with a bar up to the highest)."""
    prices = series.rows
    if series.daily is not None:
        return daily_price_history(vehicle_model, series, currency, at_label)
    title = f"{vehicle_model}: price history in {currency}, {at_label}"
    headers = ["Date", "Market", "As quoted", f"In {currency}", "Status"]
    table_rows, table_note = price_table(prices, series.total, currency)
    drawable = sorted(
        (p for p in prices if p.date and not p.converted.missing), key=lambda p: p.date
    )
    if not drawable:
        return Chart(
            "price-history",
            title,
            None,
            headers,
            table_rows,
            "No dated price of this model can be converted yet.",
        )
    detailed = len(drawable) <= DETAILED_POINTS
    by_market = defaultdict(list)
    for price in drawable:
        by_market[price.market.name].append(price)
    figure = go.Figure()
    for index, (market, rows) in enumerate(sorted(by_market.items())):
        colour = MARKET_COLOURS[index % len(MARKET_COLOURS)]
        if detailed:
            hover = {
                "hovertext": [hover_text(p, currency, vehicle_model) for p in rows],
                "hoverinfo": "text",
            }
            style = {"mode": "lines+markers", "marker": {"size": 10, "color": colour}}
        else:
            hover = {
                "hovertemplate": f"%{{x}}<br>%{{y:,.0f}} {currency}<extra>{escape_hover(market)}"
                "</extra>"
            }
            style = {"mode": "markers", "marker": {"size": 4, "color": colour}}
        figure.add_trace(
            go.Scatter(
                name=market,
                x=[p.date.isoformat() for p in rows],
                # Many points: whole units (what the plot can show) keep the data small; the
                # table and the CSV are exact.
                y=[
                    float(p.converted.amount) if detailed else round(p.converted.amount)
                    for p in rows
                ],
                **hover,
                **style,
            )
        )
    return history_chart(figure, title, currency, drawable, headers, table_rows, table_note)


def history_chart(figure, title, currency, dated, headers, table_rows, table_note):
    """Finish a price history's figure (price axis from zero, dates padded around ``dated``)."""
    figure = finish(
        figure,
        yaxis={
            "title": {"text": f"Price ({currency})"},
            "tickformat": ",.0f",
            "gridcolor": "#e5e8ec",
            "automargin": True,
            "rangemode": "tozero",
        },
        xaxis={"type": "date", "title": {"text": "Price date"}, "range": padded_range(dated)},
        height=380,
    )
    return Chart("price-history", title, figure, headers, table_rows, table_note=table_note)


def price_table(prices, total, currency):
    """Return the rows (latest first, at most ``TABLE_ROWS``) and note of a history's table."""
    latest = sorted(prices, key=lambda p: (p.date is not None, p.date or 0), reverse=True)
    rows = [
        [
            format_partial_date(p.date, p.date_precision),
            p.market.name,
            format_amount(p.amount, p.currency),
            "no rate" if p.converted.missing else format_amount(p.converted.amount, currency),
            p.get_claim_status_display(),
        ]
        for p in latest[:TABLE_ROWS]
    ]
    note = (
        f"The latest {TABLE_ROWS} of {total:,} prices; the CSV has them all."
        if total > TABLE_ROWS
        else ""
    )
    return rows, note


def daily_price_history(vehicle_model, series, currency, at_label):
    """The price history of a model with more prices than a chart should carry: per market,
    each day's lowest price, with a bar up to that day's highest."""
    title = (
        f"{vehicle_model}: price history in {currency}, {at_label} "
        f"(each day's lowest and highest of {series.total:,} prices)"
    )
    headers = ["Date", "Market", "As quoted", f"In {currency}", "Status"]
    table_rows, table_note = price_table(series.rows, series.total, currency)
    days = [d for d in series.daily if not d.converted_low.missing]
    if not days:
        return Chart(
            "price-history",
            title,
            None,
            headers,
            table_rows,
            "No dated price of this model can be converted yet.",
            table_note=table_note,
        )
    by_market = defaultdict(list)
    for day in days:
        by_market[day.market.name].append(day)
    figure = go.Figure()
    for index, (market, rows) in enumerate(sorted(by_market.items())):
        lows = [round(day.converted_low.amount) for day in rows]
        figure.add_trace(
            go.Scatter(
                name=market,
                x=[day.date.isoformat() for day in rows],
                y=lows,
                customdata=[day.count for day in rows],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        round(day.converted_high.amount) - low
                        for day, low in zip(rows, lows, strict=True)
                    ],
                    "arrayminus": [0] * len(rows),
                    "thickness": 1,
                    "width": 0,
                },
                mode="markers",
                marker={"size": 4, "color": MARKET_COLOURS[index % len(MARKET_COLOURS)]},
                hovertemplate=(
                    f"%{{x}}: %{{customdata}} prices<br>from %{{y:,.0f}} {currency}"
                    f"<extra>{escape_hover(market)}</extra>"
                ),
            )
        )
    return history_chart(figure, title, currency, days, headers, table_rows, table_note)


def padded_range(prices, minimum_days=90):
    """Return an x range at least ``minimum_days`` wide around the prices' dates, so that one
    price is not drawn on an axis of milliseconds."""
    first, last = prices[0].date, prices[-1].date
    pad = datetime.timedelta(days=max(0, minimum_days - (last - first).days) / 2 + 7)
    return [(first - pad).isoformat(), (last + pad).isoformat()]


RATE_PAIRS = [("USD", "PKR"), ("USD", "CNY"), ("CNY", "PKR")]


def rate_history(rates):
    """Exchange-rate history for the CNY, USD and PKR pairs, one panel per pair.

    Stored rates are drawn as they are; CNY/PKR, which no source quotes directly here, is the
    cross through USD on each date for which both USD rates are known.
    """
    title = "Exchange rates: USD/PKR, USD/CNY and the CNY/PKR cross"
    headers = ["Date", "Pair", "Rate", "Source"]
    series = defaultdict(dict)
    for rate in rates:
        pair = (rate.base, rate.quote)
        if pair in RATE_PAIRS[:2]:
            series[pair][rate.date] = rate
    cross = {
        day: series[("USD", "PKR")][day].rate / series[("USD", "CNY")][day].rate
        for day in series[("USD", "PKR")].keys() & series[("USD", "CNY")].keys()
    }
    # The table lists the latest TABLE_ROWS points; labels are looked up only for those.
    points = [
        (day, f"{base}/{quote}", rate)
        for (base, quote), by_day in series.items()
        for day, rate in by_day.items()
    ] + [(day, "CNY/PKR", value) for day, value in cross.items()]
    points.sort(key=lambda point: (point[0], point[1]))
    shown = points[-TABLE_ROWS:]
    sources = dict(ExchangeRate.Source.choices)
    table_rows = [
        [day.isoformat(), pair, f"{value:.4f}", "cross through USD"]
        if pair == "CNY/PKR"
        else [day.isoformat(), pair, f"{value.rate.normalize():f}", str(sources[value.source])]
        for day, pair, value in shown
    ]
    table_note = (
        f"The latest {TABLE_ROWS} of {len(points):,} rates; the CSV has them all."
        if len(points) > TABLE_ROWS
        else ""
    )
    if not any(series.values()):
        return Chart(
            "rate-chart", title, None, headers, table_rows, "No exchange rates are recorded yet."
        )
    figure = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=[f"{b}/{q}" for b, q in RATE_PAIRS],
    )
    for row, pair in enumerate(RATE_PAIRS, start=1):
        points = (
            sorted(cross.items())
            if pair == ("CNY", "PKR")
            else sorted((day, rate.rate) for day, rate in series[pair].items())
        )
        figure.add_trace(
            go.Scatter(
                name=f"{pair[0]}/{pair[1]}",
                x=[day.isoformat() for day, _ in points],
                y=[float(value) for _, value in points],
                mode="lines+markers",
                hovertemplate=f"1 {pair[0]} = %{{y:.4f}} {pair[1]}<br>%{{x}}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    figure = finish(figure, height=520, showlegend=False)
    return Chart("rate-chart", title, figure, headers, table_rows, table_note=table_note)


def market_timeline(events):
    """Gantt-like timeline: brands down the y axis, their events over time, coloured by claim
    status, with a bar from each brand's first to its last dated event."""
    title = "Market-entry timeline"
    headers = ["Date", "Brand", "Event", "Kind", "Status"]
    points = []  # (brand, event)
    for event in events:
        brands = [c for c in event.companies.all() if c.kind not in NOT_BRANDS]
        for brand in brands or []:
            points.append((brand.name, event))
    table_rows = [
        [
            format_partial_date(e.date, e.date_precision),
            brand,
            e.title,
            e.get_kind_display(),
            e.get_claim_status_display(),
        ]
        for brand, e in sorted(
            points, key=lambda item: (item[1].date is None, item[1].date or 0, item[0])
        )
    ]
    dated = [(brand, e) for brand, e in points if e.date]
    if not dated:
        return Chart("timeline-chart", title, None, headers, table_rows, "No dated events match.")
    spans = {}
    for brand, event in dated:
        first, last = spans.get(brand, (event.date, event.date))
        spans[brand] = (min(first, event.date), max(last, event.date))
    brand_order = sorted(spans, key=lambda brand: spans[brand][0], reverse=True)
    # Brand names label the y axis, which Plotly draws as HTML: escape them as in hover text.
    label = {brand: escape_hover(brand) for brand in brand_order}
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            name="Span of reports",
            x=[
                value
                for brand in brand_order
                for value in (spans[brand][0].isoformat(), spans[brand][1].isoformat(), None)
            ],
            y=[value for brand in brand_order for value in (label[brand], label[brand], None)],
            mode="lines",
            line={"color": "#cfd6de", "width": 10},
            hoverinfo="skip",
        )
    )
    for status, colour in STATUS_COLOURS.items():
        chosen = [(brand, e) for brand, e in dated if e.claim_status == status]
        if not chosen:
            continue
        figure.add_trace(
            go.Scatter(
                name=str(status.label),
                x=[e.date.isoformat() for _, e in chosen],
                y=[label[brand] for brand, _ in chosen],
                mode="markers",
                marker={"size": 12, "color": colour, "line": {"color": "#ffffff", "width": 1}},
                hovertext=[
                    "<br>".join(
                        [
                            f"<b>{escape_hover(brand)}</b>",
                            escape_hover(e.title),
                            f"{e.get_kind_display()} · "
                            f"{format_partial_date(e.date, e.date_precision)}",
                            f"Status: {e.get_claim_status_display()}",
                        ]
                    )
                    for brand, e in chosen
                ],
                hoverinfo="text",
            )
        )
    figure = finish(
        figure,
        xaxis={"type": "date", "gridcolor": "#e5e8ec"},
        yaxis={
            "categoryorder": "array",
            "categoryarray": [label[brand] for brand in brand_order],
            "automargin": True,
        },
        height=max(320, 34 * len(brand_order) + 140),
    )
    return Chart("timeline-chart", title, figure, headers, table_rows)
