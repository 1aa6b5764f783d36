"""The price-history chart of a vehicle model: every price as a point, or past
``selectors.SERIES_LIMIT`` prices each day's lowest and highest price per market (see
``entrants.charts`` for what every chart carries)."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

import plotly.graph_objects as go

from entrants.charts import (
    MARKET_COLOURS,
    NO_DATE,
    TABLE_ROWS,
    Chart,
    choice_label,
    escape_hover,
    finish,
    hover_text,
    missing_rate_reason,
    omissions,
    price_axis,
)
from entrants.currency import format_amount
from entrants.dates import format_partial_date
from entrants.models import ClaimStatus

DETAILED_POINTS = 500


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
    latest, table_rows, table_note = price_table(prices, series.total, currency)
    reasons = [undrawn_price_reason(p, currency) for p in latest]
    counts = Counter(found[0] for found in reasons if found)
    omitted = history_omissions(latest, reasons, table_rows, currency, counts)
    drawable = sorted(
        (p for p in prices if p.date and not p.converted.missing), key=lambda p: p.date
    )
    if not drawable:
        return nothing_drawn(title, series, headers, table_rows, omitted)
    detailed = len(drawable) <= DETAILED_POINTS
    by_market = defaultdict(list)
    for price in drawable:
        by_market[price.market.name].append(price)
    figure = go.Figure()
    for index, (market, rows) in enumerate(sorted(by_market.items())):
        colour = MARKET_COLOURS[index % len(MARKET_COLOURS)]
        if detailed:
            # Prices of one date and amount are one point: its hover text names each of them.
            points = defaultdict(list)
            for price in rows:
                points[(price.date, price.converted.amount)].append(price)
            x = [day.isoformat() for day, _ in points]
            y = [float(amount) for _, amount in points]
            hover = {
                "hovertext": [
                    ("" if len(same) == 1 else f"<b>{len(same)} prices at this point</b><br>")
                    + "<br>".join(hover_text(p, currency, vehicle_model) for p in same)
                    for same in points.values()
                ],
                "hoverinfo": "text",
            }
            style = {"mode": "lines+markers", "marker": {"size": 10, "color": colour}}
        else:
            x = [p.date.isoformat() for p in rows]
            # Many points: whole units (what the plot can show) keep the data small; the
            # table and the CSV are exact.
            y = [round(p.converted.amount) for p in rows]
            hover = {
                "hovertemplate": f"%{{x}}<br>%{{y:,.0f}} {currency}<extra>{escape_hover(market)}"
                "</extra>"
            }
            style = {"mode": "markers", "marker": {"size": 4, "color": colour}}
        figure.add_trace(go.Scatter(name=market, x=x, y=y, **hover, **style))
    return history_chart(
        figure, title, currency, drawable, headers, table_rows, table_note, omitted
    )


def nothing_drawn(title, series, headers, table_rows, omitted, table_note=""):
    """Return the price history without a figure: its table, and why nothing is drawn."""
    return Chart(
        "price-history",
        title,
        None,
        headers,
        table_rows,
        "No dated price of this model can be converted yet."
        if series.total
        else "No price of this model is recorded yet.",
        table_note=table_note,
        omitted=omitted,
    )


def date_axis(dated):
    """The x axis of a price history: price dates, padded around ``dated``."""
    return {
        "type": "date",
        "title": {"text": "Price date"},
        "range": padded_range(dated),
        "automargin": True,
    }


def history_chart(figure, title, currency, dated, headers, table_rows, table_note, omitted):
    """Finish a price history's figure (price axis from zero, dates padded around ``dated``)."""
    figure = finish(
        figure,
        yaxis=price_axis(currency),
        xaxis=date_axis(dated),
        height=380,
        narrow={"height": 360},
    )
    return Chart(
        "price-history",
        title,
        figure,
        headers,
        table_rows,
        table_note=table_note,
        omitted=omitted,
    )


def price_cells(price, currency):
    return [
        format_partial_date(price.date, price.date_precision),
        price.market.name,
        format_amount(price.amount, price.currency),
        "no rate" if price.converted.missing else format_amount(price.converted.amount, currency),
        choice_label(ClaimStatus, price.claim_status),
    ]


def price_table(prices, total, currency):
    """Return a history's prices latest first (undated ones last), the rows of its table (the
    first ``TABLE_ROWS`` of them) and the table's note."""
    latest = sorted(prices, key=lambda p: (p.date is not None, p.date or 0), reverse=True)
    rows = [price_cells(p, currency) for p in latest[:TABLE_ROWS]]
    note = (
        f"The latest {TABLE_ROWS} of {total:,} prices; the CSV has them all."
        if total > TABLE_ROWS
        else ""
    )
    return latest, rows, note


def undrawn_price_reason(price, currency):
    """Return why a history cannot draw ``price`` (a key and the reason for one and for
    many), or None when it can."""
    if price.date is None:
        return "no-date", NO_DATE
    if price.converted.missing:
        return missing_rate_reason(price.converted.on, price.date, currency)
    return None


def history_omissions(latest, reasons, table_rows, currency, counts, more_reasons=None):
    """Return the omissions of a history: ``counts`` prices per reason key, listing at most
    ``TABLE_ROWS`` of them, latest first, from ``latest`` (whose ``reasons`` are given; the
    first of them are the table's ``table_rows``). ``more_reasons`` names the reasons counted
    that no listed price has."""
    left_out = {}
    for index, (price, found) in enumerate(zip(latest, reasons, strict=True)):
        if found is None or found[0] not in counts:
            continue
        key, reason = found
        listed = left_out.setdefault(key, (reason, []))[1]
        if len(listed) < TABLE_ROWS:
            listed.append(
                table_rows[index] if index < len(table_rows) else price_cells(price, currency)
            )
    for key, reason in (more_reasons or {}).items():
        left_out.setdefault(key, (reason, []))
    return omissions("price-history", left_out, counts)


def daily_price_history(vehicle_model, series, currency, at_label):
    """The price history of a model with more prices than a chart should carry: per market,
    each day's lowest price, with a bar up to that day's highest."""
    title = (
        f"{vehicle_model}: price history in {currency}, {at_label} "
        f"(each day's lowest and highest of {series.total:,} prices)"
    )
    headers = ["Date", "Market", "As quoted", f"In {currency}", "Status"]
    latest, table_rows, table_note = price_table(series.rows, series.total, currency)
    # What is left out is counted from the days (undated prices are in no day), and listed
    # from the latest prices, which are all this page reads of the history.
    counts, day_reasons = Counter(), {}
    for day in series.daily:
        if day.converted_low.missing:
            key, reason = missing_rate_reason(day.converted_low.on, day.date, currency)
            counts[key] += day.count
            day_reasons[key] = reason
    undated = series.total - sum(day.count for day in series.daily)
    if undated:
        counts["no-date"] = undated
        day_reasons["no-date"] = NO_DATE
    reasons = [undrawn_price_reason(p, currency) for p in latest]
    omitted = history_omissions(latest, reasons, table_rows, currency, counts, day_reasons)
    days = [d for d in series.daily if not d.converted_low.missing]
    if not days:
        return nothing_drawn(title, series, headers, table_rows, omitted, table_note)
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
    return history_chart(figure, title, currency, days, headers, table_rows, table_note, omitted)


def padded_range(prices, minimum_days=90):
    """Return an x range at least ``minimum_days`` wide around the prices' dates, so that one
    price is not drawn on an axis of milliseconds."""
    first, last = prices[0].date, prices[-1].date
    pad = datetime.timedelta(days=max(0, minimum_days - (last - first).days) / 2 + 7)
    return [(first - pad).isoformat(), (last + pad).isoformat()]


MARKET_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]


def compared_histories(histories, currency, at_label):
    """Chart of several models' price histories in ``currency``: one trace per model (its
    colour), each price a marker whose shape is its market's; past ``selectors.SERIES_LIMIT``
    prices a model is drawn by each day's lowest price.

    ``histories`` is a list of (vehicle model, ``selectors.PriceSeries``) with ``converted``
    amounts attached (``converted_low`` for a daily series)."""
    title = f"Price histories in {currency}, {at_label}"
    headers = ["Model", "Date", "Market", "As quoted", f"In {currency}"]
    markets = sorted(
        {
            row.market.name
            for _model, series in histories
            for row in (series.daily if series.daily is not None else series.rows)
        }
    )
    symbols = {name: MARKET_SYMBOLS[i % len(MARKET_SYMBOLS)] for i, name in enumerate(markets)}
    figure, drawn, table, left_out = go.Figure(), [], [], Counter()
    for index, (vehicle_model, series) in enumerate(histories):
        if series.daily is not None:
            points = [
                (day.date, day.market, day.converted_low, f"lowest of {day.count:,} prices")
                for day in series.daily
            ]
            left_out["no-rate"] += sum(d.count for d in series.daily if d.converted_low.missing)
        else:
            points = [
                (p.date, p.market, p.converted, format_amount(p.amount, p.currency))
                for p in series.rows
            ]
            for price in series.rows:
                found = undrawn_price_reason(price, currency)
                if found:
                    left_out[found[0]] += 1
        points = sorted(
            (point for point in points if point[0] and not point[2].missing), key=lambda p: p[0]
        )
        for day, market, converted, quoted in reversed(points[-TABLE_ROWS:]):
            table.append(
                [
                    str(vehicle_model),
                    format_partial_date(day, "day"),
                    market.name,
                    quoted,
                    format_amount(converted.amount, currency),
                ]
            )
        if not points:
            continue
        drawn += points
        name = escape_hover(str(vehicle_model))
        figure.add_trace(
            go.Scatter(
                name=name,  # Plotly renders a legend's text as HTML: kept inert
                x=[day.isoformat() for day, *_ in points],
                y=[float(converted.amount) for _day, _market, converted, _quoted in points],
                mode="lines+markers",
                line={"color": MARKET_COLOURS[index % len(MARKET_COLOURS)], "width": 1},
                marker={
                    "size": 9,
                    "color": MARKET_COLOURS[index % len(MARKET_COLOURS)],
                    "symbol": [symbols[market.name] for _day, market, *_ in points],
                },
                hovertext=[
                    f"<b>{name}</b><br>{escape_hover(market.name)}, {day:%-d %b %Y}<br>"
                    f"As quoted: {escape_hover(quoted)}<br>"
                    f"In {currency}: {format_amount(converted.amount, currency)}"
                    for day, market, converted, quoted in points
                ],
                hoverinfo="text",
            )
        )
    undrawn = sum(left_out.values())
    note = (
        f"{undrawn:,} prices not drawn (no date, or no {currency} rate for their dates); "
        "each model's page lists them."
        if undrawn
        else ""
    )
    if not drawn:
        return Chart(
            "compare-history",
            title,
            None,
            headers,
            table,
            "None of these models has a dated price that can be converted yet.",
            table_note=note,
        )
    drawn.sort(key=lambda point: point[0])
    figure = finish(
        figure,
        yaxis=price_axis(currency),
        xaxis=date_axis([Dated(point[0]) for point in drawn]),
        height=420,
        narrow={"height": 380},
    )
    return Chart("compare-history", title, figure, headers, table, table_note=note)


@dataclass
class Dated:
    """A date for ``padded_range``, which reads ``.date``."""

    date: datetime.date
