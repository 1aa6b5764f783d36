"""The exchange-rate chart: one line per pair and source, and the CNY/PKR cross through USD
(see ``entrants.charts`` for what every chart carries)."""

from collections import defaultdict

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from entrants import lookups
from entrants.cache import per_data_version
from entrants.charts import MARKET_COLOURS, TABLE_ROWS, Chart, escape_hover, finish, omission
from entrants.currency import source_order
from entrants.models import ExchangeRate

RATE_PAIRS = [("USD", "PKR"), ("USD", "CNY"), ("CNY", "PKR")]
# The cross through USD takes, on each date, one rate of each USD pair: that of the first source
# in the pair's order (``entrants.currency.source_order``: the central banks' before the
# markets').
SOURCE_ORDER = list(ExchangeRate.Source.values)
SOURCE_COLOURS = dict(zip(SOURCE_ORDER, MARKET_COLOURS, strict=False))
#: A line with more points than this is drawn without a marker per point (the ECB's daily
#: series has thousands).
MARKERS_UP_TO = 400
CROSS = "cross through USD"
CROSS_NAME = "Cross through USD"
CROSS_COLOUR = "#555f6d"
RATES = ("rate", "rates")


def source_rank(source):
    return SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)


def named(names, shown=3):
    """Return "A, B and C", or "A, B, C and 2 more" past ``shown`` names."""
    names = sorted(names)
    if len(names) > shown:
        names = [*names[:shown], f"{len(names) - shown} more"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def stored_rate_history():
    """Return the chart of every stored rate, drawn once per data version (thousands of rates:
    about 60 ms a draw)."""
    return per_data_version("rate-history", lambda: rate_history(lookups.current().rates))


def rate_history(rates):
    """Exchange-rate history for the CNY, USD and PKR pairs: one panel per pair, one line per
    source, so that two sources' rates of one date are two points, each named.

    CNY/PKR, which no source quotes directly here, is drawn as the cross through USD on each
    date for which both USD rates are known, beside any stored CNY/PKR rates. Rates of other
    pairs are left out, and the chart says so.
    """
    title = "Exchange rates: USD/PKR, USD/CNY and the CNY/PKR cross"
    headers = ["Date", "Pair", "Rate", "Source"]
    stored = defaultdict(lambda: defaultdict(dict))  # pair, source, date: rate
    other_pairs = []
    for rate in rates:
        pair = (rate.base, rate.quote)
        if pair in RATE_PAIRS:
            stored[pair][rate.source][rate.date] = rate
        else:
            other_pairs.append(rate)

    def first_source(pair):
        chosen = {}
        order = source_order(*pair)
        ranked = sorted(stored[pair], key=lambda s: order.index(s) if s in order else len(order))
        for source in reversed(ranked):
            chosen.update(stored[pair][source])
        return chosen

    usd_pkr, usd_cny = first_source(("USD", "PKR")), first_source(("USD", "CNY"))
    cross = {day: usd_pkr[day].rate / usd_cny[day].rate for day in usd_pkr.keys() & usd_cny.keys()}
    # The table lists the latest TABLE_ROWS points; labels are looked up only for those.
    points = [
        (day, f"{base}/{quote}", source, rate.rate)
        for (base, quote), by_source in stored.items()
        for source, by_day in by_source.items()
        for day, rate in by_day.items()
    ] + [(day, "CNY/PKR", CROSS, value) for day, value in cross.items()]
    points.sort(key=lambda point: point[:3])
    sources = dict(ExchangeRate.Source.choices)
    table_rows = [
        [day.isoformat(), pair, f"{value:.4f}", CROSS]
        if source == CROSS
        else [day.isoformat(), pair, f"{value.normalize():f}", str(sources.get(source, source))]
        for day, pair, source, value in points[-TABLE_ROWS:]
    ]
    table_note = (
        f"The latest {TABLE_ROWS} of {len(points):,} rates; the CSV has them all."
        if len(points) > TABLE_ROWS
        else ""
    )
    other_pairs.sort(key=lambda rate: (rate.date, rate.base, rate.quote, rate.source))
    other_rows = [
        [
            rate.date.isoformat(),
            f"{rate.base}/{rate.quote}",
            f"{rate.rate.normalize():f}",
            str(sources.get(rate.source, rate.source)),
        ]
        for rate in other_pairs[-TABLE_ROWS:]
    ]
    omitted = []
    if other_pairs:
        others = named({f"{rate.base}/{rate.quote}" for rate in other_pairs})
        reason = f"not a pair this chart draws ({others})"
        omitted = [
            omission(
                "rate-chart",
                "other-pairs",
                len(other_pairs),
                RATES,
                (reason, reason),
                other_rows,
                len(other_pairs) - len(other_rows),
            )
        ]
    if not stored:
        return Chart(
            "rate-chart",
            title,
            None,
            headers,
            table_rows,
            "None of these rates is of a pair this chart draws."
            if other_pairs
            else "No exchange rates are recorded yet.",
            table_note=table_note,
            omitted=omitted,
        )
    figure = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=[f"{b}/{q}" for b, q in RATE_PAIRS],
    )
    in_legend = set()
    for row, pair in enumerate(RATE_PAIRS, start=1):
        lines = [
            (source, sorted((day, rate.rate) for day, rate in stored[pair][source].items()))
            for source in sorted(stored[pair], key=source_rank)
        ]
        if pair == ("CNY", "PKR") and cross:
            lines.append((CROSS, sorted(cross.items())))
        for source, line in lines:
            # Source names are choices, but a stored value outside them is shown as it is.
            label = escape_hover(
                CROSS_NAME if source == CROSS else str(sources.get(source, source))
            )
            figure.add_trace(
                go.Scatter(
                    name=label,
                    legendgroup=source,
                    showlegend=source not in in_legend,
                    x=[day.isoformat() for day, _ in line],
                    y=[float(value) for _, value in line],
                    mode="lines+markers" if len(line) <= MARKERS_UP_TO else "lines",
                    line={
                        "color": CROSS_COLOUR
                        if source == CROSS
                        else SOURCE_COLOURS.get(source, CROSS_COLOUR)
                    },
                    hovertemplate=(
                        f"1 {pair[0]} = %{{y:.4f}} {pair[1]}<br>%{{x}}<extra>{label}</extra>"
                    ),
                ),
                row=row,
                col=1,
            )
            in_legend.add(source)
    # The panels' axes grow the margins for their labels, which a phone's layout keeps small.
    figure.update_xaxes(automargin=True, gridcolor="#e5e8ec")
    figure.update_yaxes(automargin=True, gridcolor="#e5e8ec")
    figure = finish(
        figure,
        height=560,
        # Under the plot, where it covers no panel's title.
        legend={"y": 0, "yref": "container", "yanchor": "bottom"},
        narrow={"height": 580},
    )
    return Chart(
        "rate-chart", title, figure, headers, table_rows, table_note=table_note, omitted=omitted
    )
