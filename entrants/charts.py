"""Plotly figure builders: data in, figure out.

Each builder returns a ``Chart``: the Plotly figure as JSON-ready data (the page carries it with
``json_script`` and ``static/js/charts.js`` draws it), and the same data as a table for screen
readers and phones. Money stays Decimal up to here; the figure's coordinates are floats because
that is what a plot draws — the exact values are in the table and the CSV exports.

A chart that cannot draw some of its rows says so on the chart: one ``Omission`` per reason, a
note above the plot ("6 prices not drawn: no USD rate for their dates") that links to those rows,
listed together under the note's words in the chart's table.

Each figure carries, beside Plotly's ``data`` and ``layout``, a ``narrow`` layout that charts.js
merges over the layout when the plot is narrower than 600 px (a phone): labels inside the plot
rather than beside it, the legend under it, no drag to zoom (the page scrolls), and, set there,
no mode bar.
"""

import html
import textwrap
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import plotly.graph_objects as go

from entrants.currency import format_amount
from entrants.dates import format_partial_date
from entrants.models import ClaimStatus, Company, MarketEvent, PricePoint

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
# On a phone: small margins (axes with ``automargin`` still grow theirs for their labels), the
# legend in a row under the plot, and a touch that scrolls the page instead of zooming.
NARROW_LAYOUT = {
    "margin": {"l": 8, "r": 8, "t": 24, "b": 8},
    "legend": {
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": 0,
        "yref": "container",
        "yanchor": "bottom",
    },
    "dragmode": False,
}
# A chart whose labels sit inside the plot on a phone, above their bar or line, gives each row
# room for a bar or markers up to 20 px high and a label of up to ``LABEL_LINES`` lines (13 px
# type) of ``LABEL_WIDTH`` characters, which fit across a phone's plot.
LABEL_LINES = 3
LABEL_WIDTH = 38
PRICES = ("price", "prices")
# A chart's table lists at most this many rows (the CSV has them all).
TABLE_ROWS = 100
NO_DATE = ("no date", "no date")


@dataclass
class Omission:
    """Rows a chart could not draw, for one reason: the note on the chart ("6 prices not drawn:
    no USD rate for their dates") and the rows listed under it in the chart's table."""

    anchor: str  # the id of the rows in the chart's table, which the note links to
    note: str
    rows: list[list[str]]
    unlisted: int = 0  # rows counted in the note but not listed (the table's cap; the CSV)

    @property
    def href(self):
        return f"#{self.anchor}"


def omission(chart_id, key, count, noun, reason, rows, unlisted=0):
    """Return the ``Omission`` of ``count`` rows: ``noun`` and ``reason`` are (one, many)."""
    many = count != 1
    return Omission(
        f"{chart_id}-{key}", f"{count:,} {noun[many]} not drawn: {reason[many]}", rows, unlisted
    )


@dataclass
class Chart:
    """A figure with its accessible table and the notes on what it could not draw."""

    id: str
    title: str
    figure: dict | None
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    empty_message: str = ""
    table_note: str = ""
    omitted: list[Omission] = field(default_factory=list)

    @property
    def data_id(self):
        return f"{self.id}-data"

    @property
    def empty(self):
        return self.figure is None

    @property
    def drawn_rows(self):
        """Return the table's rows less those listed under an omission's note (which lists the
        very row lists of ``rows``, and for a capped table maybe rows beyond them)."""
        listed = {id(row) for omission in self.omitted for row in omission.rows}
        return [row for row in self.rows if id(row) not in listed]


def finish(figure, narrow=None, **layout):
    """Return the figure as JSON-ready data with its layout and, under ``narrow``, the layout
    changes for a phone (checked by Plotly here, as the layout is)."""
    figure.update_layout(**BASE_LAYOUT)
    figure.update_layout(**layout)
    data = figure.to_plotly_json()
    data["narrow"] = go.Layout(NARROW_LAYOUT).update(narrow or {}).to_plotly_json()
    return data


def price_axis(currency):
    """Return the layout of a chart's price axis in ``currency``: from zero, whole amounts."""
    return {
        "title": {"text": f"Price ({currency})"},
        "tickformat": ",.0f",
        "gridcolor": "#e5e8ec",
        "automargin": True,
        "rangemode": "tozero",
    }


def labels_above(labels, chrome, **layout):
    """Return the layout changes that write a category y axis's ``labels`` (escaped, as its
    categories are) inside the plot, each above its row's bar or line, so that on a phone they
    take none of the plot's width; the rows are as high as the longest label needs, the figure
    ``chrome`` pixels higher.

    They are annotations, not Plotly's "inside" tick labels: those hide the grid lines and the
    x axis's tick labels under them, and widen the x range to clear them."""
    # Wrapped as the reader sees them (unescaped), so that no line break splits an entity.
    lines = [
        [
            escape_hover(line)
            for line in textwrap.wrap(
                html.unescape(label), LABEL_WIDTH, max_lines=LABEL_LINES, placeholder=" …"
            )
        ]
        for label in labels
    ]
    row = 30 + 16 * max(map(len, lines))
    return {
        "yaxis": {"showticklabels": False, "range": [-0.5, len(labels) - 0.2]},
        "annotations": [
            {
                "text": "<br>".join(text),
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "align": "left",
                "yref": "y",
                "y": label,
                "yanchor": "bottom",
                "yshift": 11,  # clear of a bar or marker 20 px high across the row's middle
                "showarrow": False,
            }
            for label, text in zip(labels, lines, strict=True)
        ],
        "height": max(260, row * len(labels) + chrome),
        **layout,
    }


def choice_label(choices, code):
    """Return the label of ``code`` in ``choices`` (a ``TextChoices``); the code itself if it
    is not one. Cheaper than ``get_FOO_display()``, which hashed every choice on each call: a
    second of the overview's time for 200 events at size M."""
    return str(choices(code).label) if code in choices.values else code


def price_label(price):
    return f"{price.vehicle_model} ({price.market.code})"


def price_labels(prices):
    """Return a different label for each price: the model and market, with the source's
    publisher and the price's date where two prices would share a label (Plotly draws the bars
    of one label in one place), numbered where even those are the same."""
    short = [price_label(price) for price in prices]
    repeated = Counter(short)
    return distinct(
        f"{label} · {price.source.publisher}, "
        f"{format_partial_date(price.date, price.date_precision)}"
        if repeated[label] > 1
        else label
        for label, price in zip(short, prices, strict=True)
    )


def distinct(labels):
    """Return ``labels`` with a number after each one that repeats an earlier one."""
    seen, result = set(), []
    for label in labels:
        number, unique = 1, label
        while unique in seen:
            number += 1
            unique = f"{label} ({number})"
        seen.add(unique)
        result.append(unique)
    return result


def shortened(text, length=60):
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def hover_text(price, currency, vehicle_model=None):
    conversion = price.converted
    lines = [
        f"As quoted: {format_amount(price.amount, price.currency)} "
        f"({choice_label(PricePoint.Kind, price.kind)}, {price.market.name})",
        f"Date: {format_partial_date(price.date, price.date_precision)}",
        f"In {currency}: {format_amount(conversion.amount, currency)}",
    ]
    if conversion.stale:
        lines.append(f"Rate {conversion.age_days} days old")
    if conversion.basis_note:
        lines.append(conversion.basis_note[:1].upper() + conversion.basis_note[1:])
    lines.append(f"Status: {choice_label(ClaimStatus, price.claim_status)}")
    source = getattr(price, "source", None)  # a history's rows carry no source
    if source is not None:
        lines.append(f"Source: {source.publisher}, “{shortened(source.headline)}”")
    heading = f"<b>{escape_hover(str(vehicle_model or price.vehicle_model))}</b>"
    return "<br>".join([heading, *map(escape_hover, lines)])


def escape_hover(text):
    """Plotly renders hover text as a small HTML subset: keep stored text inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def missing_rate_reason(on, date, currency):
    """Return why an amount of ``date`` found no rate into ``currency`` (the conversion was
    asked for ``on``): a key and the reason for one price and for many."""
    if on is None:
        return "no-date", NO_DATE
    if on == date:
        return "no-rate", (
            f"no {currency} rate for its date",
            f"no {currency} rate for their dates",
        )
    when = f"no {currency} rate for {format_partial_date(on, 'day')}"
    return f"no-rate-{on.isoformat()}", (when, when)


def omissions(chart_id, left_out, counts=None, noun=PRICES):
    """Return an ``Omission`` per reason of ``left_out`` ({key: (reason, rows)}), in order;
    ``counts`` gives the count of a reason whose rows are not all listed."""
    counts = counts or {}
    result = []
    for key, (reason, rows) in left_out.items():
        count = counts.get(key, len(rows))
        result.append(omission(chart_id, key, count, noun, reason, rows, max(0, count - len(rows))))
    return result


def price_comparison(prices, currency, at_label):
    """Bar chart of prices converted into ``currency``, one bar a price, coloured by market.

    The bars lie across the chart, one under another in the order given, so that their labels
    read across too; on a phone each label sits inside the plot above its bar."""
    title = f"Prices in {currency}, {at_label}"
    headers = ["Model", "As quoted", "Market", "Date", f"In {currency}"]
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
    drawable, left_out = [], {}
    for price, row in zip(prices, table_rows, strict=True):
        if price.converted.missing:
            key, reason = missing_rate_reason(price.converted.on, price.date, currency)
            left_out.setdefault(key, (reason, []))[1].append(row)
        else:
            drawable.append(price)
    omitted = omissions("price-chart", left_out)
    if not drawable:
        return Chart(
            "price-chart",
            title,
            None,
            headers,
            table_rows,
            "No price can be converted with the filters and rates chosen.",
            omitted=omitted,
        )
    # Category labels are drawn as HTML too: the model name is stored text.
    labels = dict(zip(map(id, drawable), map(escape_hover, price_labels(drawable)), strict=True))
    by_market = defaultdict(list)
    for price in drawable:
        by_market[price.market.name].append(price)
    figure = go.Figure()
    for index, (market, rows) in enumerate(sorted(by_market.items())):
        figure.add_trace(
            go.Bar(
                name=market,
                orientation="h",
                y=[labels[id(p)] for p in rows],
                x=[float(p.converted.amount) for p in rows],
                hovertext=[hover_text(p, currency) for p in rows],
                hoverinfo="text",
                marker={"color": MARKET_COLOURS[index % len(MARKET_COLOURS)]},
            )
        )
    # The first price on top: a category axis counts from the bottom.
    order = [labels[id(p)] for p in reversed(drawable)]
    figure = finish(
        figure,
        xaxis=price_axis(currency),
        yaxis={"categoryorder": "array", "categoryarray": order, "automargin": True},
        # One bar a label (each label is a market's): overlaid, each bar takes its row's width.
        barmode="overlay",
        height=max(260, 30 * len(order) + 130),
        narrow=labels_above(order, chrome=110, bargap=0.56),
    )
    return Chart("price-chart", title, figure, headers, table_rows, omitted=omitted)


# Beyond this many points a history has no hover text of its own per point (the hover shows
# the date and the amount) and its table lists only the latest ``TABLE_ROWS``: 10,000 points
# then take about 60 KB gzipped instead of 1 MB.
EVENTS = ("event", "events")
NO_COMPANY = ("no company named", "no company named")


def market_timeline(events):
    """Gantt-like timeline: brands down the y axis, their events over time, coloured by claim
    status, with a bar from each brand's first to its last dated event.

    Events of one brand and date share a place: the hover text of each names all of them. On a
    phone the brands are written inside the plot above their lines, which take its width."""
    title = "Market-entry timeline"
    headers = ["Date", "Brand", "Event", "Kind", "Status"]
    points = []  # (brand, event); "—" where an event names no brand
    for event in events:
        brands = [c.name for c in event.companies.all() if c.kind not in NOT_BRANDS]
        points.extend((brand, event) for brand in brands or ["—"])
    points.sort(key=lambda item: (item[1].date is None, item[1].date or 0, item[0]))
    table_rows = [
        [
            format_partial_date(e.date, e.date_precision),
            brand,
            e.title,
            choice_label(MarketEvent.Kind, e.kind),
            choice_label(ClaimStatus, e.claim_status),
        ]
        for brand, e in points
    ]
    left_out, counted = {}, defaultdict(set)
    dated = []
    for (brand, event), row in zip(points, table_rows, strict=True):
        if brand == "—":
            key, reason = "no-company", NO_COMPANY
        elif event.date is None:
            key, reason = "no-date", NO_DATE
        else:
            dated.append((brand, event))
            continue
        left_out.setdefault(key, (reason, []))[1].append(row)
        counted[key].add(event.pk)
    omitted = omissions(
        "timeline-chart", left_out, {key: len(pks) for key, pks in counted.items()}, EVENTS
    )
    if not dated:
        return Chart(
            "timeline-chart",
            title,
            None,
            headers,
            table_rows,
            "No dated events match.",
            omitted=omitted,
        )
    spans = {}
    for brand, event in dated:
        first, last = spans.get(brand, (event.date, event.date))
        spans[brand] = (min(first, event.date), max(last, event.date))
    brand_order = sorted(spans, key=lambda brand: spans[brand][0], reverse=True)
    # Brand names label the y axis, which Plotly draws as HTML: escape them as in hover text.
    label = {brand: escape_hover(brand) for brand in brand_order}
    together = defaultdict(list)  # (brand, date): the events drawn there
    for brand, event in dated:
        together[(brand, event.date)].append(event)
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
        places = [
            place
            for place, there in together.items()
            if any(e.claim_status == status for e in there)
        ]
        if not places:
            continue
        figure.add_trace(
            go.Scatter(
                name=str(status.label),
                x=[day.isoformat() for _, day in places],
                y=[label[brand] for brand, _ in places],
                mode="markers",
                marker={"size": 12, "color": colour, "line": {"color": "#ffffff", "width": 1}},
                hovertext=[event_hover(brand, together[(brand, day)]) for brand, day in places],
                hoverinfo="text",
            )
        )
    figure = finish(
        figure,
        xaxis={"type": "date", "gridcolor": "#e5e8ec", "automargin": True},
        yaxis={
            "categoryorder": "array",
            "categoryarray": [label[brand] for brand in brand_order],
            "automargin": True,
        },
        height=max(320, 34 * len(brand_order) + 140),
        narrow=labels_above([label[brand] for brand in brand_order], chrome=120),
    )
    return Chart("timeline-chart", title, figure, headers, table_rows, omitted=omitted)


def event_hover(brand, events):
    """Return the hover text of a brand's events of one date."""
    lines = [f"<b>{escape_hover(brand)}</b>"]
    if len(events) > 1:
        lines.append(f"{len(events)} events on this date:")
    for event in events:
        lines += [
            escape_hover(event.title),
            f"{choice_label(MarketEvent.Kind, event.kind)} · "
            f"{format_partial_date(event.date, event.date_precision)}",
            f"Status: {choice_label(ClaimStatus, event.claim_status)}",
            f"Source: {escape_hover(str(event.source.publisher))}",
        ]
    return "<br>".join(lines)
