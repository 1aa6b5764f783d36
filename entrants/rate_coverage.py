"""How well the stored rates cover time: for each pair and source (and each pair, any source),
its first and last date, how many rates, and its gaps — spans of more than a week without a
rate, in which a conversion is flagged as stale."""

import datetime
from dataclasses import dataclass, field

from entrants.currency import STALE_AFTER_DAYS
from entrants.models import ExchangeRate

ANY_SOURCE = "any source"
#: Gaps listed by date on the page (the longest first); the count covers every gap.
GAPS_SHOWN = 3


@dataclass
class Coverage:
    """One series' span: ``gaps`` are (last day with a rate, next day with one)."""

    pair: str
    source: str
    first: datetime.date
    last: datetime.date
    count: int
    gaps: list = field(default_factory=list)

    @property
    def longest_gaps(self):
        return sorted(self.gaps, key=lambda gap: (gap[0] - gap[1], gap[0]))[:GAPS_SHOWN]

    @property
    def gap_days(self):
        return sum((after - before).days - 1 for before, after in self.gaps)


def gaps_in(dates):
    """Return the (before, after) pairs of sorted ``dates`` more than a week apart."""
    return [
        (before, after)
        for before, after in zip(dates, dates[1:], strict=False)
        if (after - before).days > STALE_AFTER_DAYS
    ]


def rate_coverage(rates):
    """Return a ``Coverage`` per pair and source, then per pair for all its sources together,
    of ``rates`` (ExchangeRate instances)."""
    labels = dict(ExchangeRate.Source.choices)
    by_series, by_pair = {}, {}
    for rate in rates:
        pair = f"{rate.base}/{rate.quote}"
        by_series.setdefault((pair, rate.source), set()).add(rate.date)
        by_pair.setdefault(pair, set()).add(rate.date)
    rows = []
    for pair in sorted(by_pair):
        sources = sorted(source for p, source in by_series if p == pair)
        series = [(str(labels.get(s, s)), by_series[(pair, s)]) for s in sources]
        if len(sources) > 1:
            series.append((ANY_SOURCE, by_pair[pair]))
        for label, dates in series:
            dates = sorted(dates)
            rows.append(Coverage(pair, label, dates[0], dates[-1], len(dates), gaps_in(dates)))
    return rows
