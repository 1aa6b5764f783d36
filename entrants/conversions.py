"""Prices in the chosen currency: each price converted at the rates of the right date, what its
sources stated checked against those rates, a model's lowest price, and the one filter and
sort on a converted amount (done in Python: the database holds amounts as quoted)."""

from entrants.currency import check_stated


def conversion(price, rates, currency, at):
    """Return ``price`` converted into ``currency`` at ``at`` (its own date, or a chosen day),
    at the rates of the middle of its period when its date is known only to the month or year."""
    return rates.convert_at(
        price.amount, price.currency, currency, at, price.date, price.date_precision
    )


def convert_prices(prices, rates, params):
    """Give each price ``converted`` (into ``params.currency`` at ``params.at``) and
    ``stated_checks``: each stated conversion with how it compares with the rates of its date."""
    for price in prices:
        price.converted = conversion(price, rates, params.currency, params.at)
        price.stated_checks = [
            (
                stated,
                check_stated(
                    stated.amount,
                    stated.currency,
                    price.amount,
                    price.currency,
                    stated.source.date,
                    rates,
                ),
            )
            for stated in price.stated_conversions.all()
        ]
    return prices


def convert_series(series, rates, params):
    """Give each price of a price history (``selectors.PriceSeries``) ``converted``, and each
    day of a long one ``converted_low`` and ``converted_high``; return the series."""
    currency, at = params.currency, params.at
    for price in series.rows:
        price.converted = conversion(price, rates, currency, at)
    for day in series.daily or ():
        day.converted_low = rates.convert_at(day.low, day.currency, currency, at, day.date)
        day.converted_high = rates.convert_at(day.high, day.currency, currency, at, day.date)
    return series


def convert_lowest_prices(models, rates, params):
    """Give each vehicle model ``lowest_price``: the lowest of its prices once converted (None
    when none of them has a rate), and ``converted`` (the same, for the shared filter/sort)."""
    for model in models:
        conversions = [
            conversion(price, rates, params.currency, params.at) for price in model.prices.all()
        ]
        known = [c for c in conversions if not c.missing]
        model.lowest_price = model.converted = min(known, key=lambda c: c.amount, default=None)
    return models


def amount_of(row):
    """Return the converted amount of a row (a price or a model), or None."""
    conversion = getattr(row, "converted", None)
    return None if conversion is None or conversion.missing else conversion.amount


def within(rows, low=None, high=None):
    """Return the rows whose converted amount lies between ``low`` and ``high`` (inclusive);
    a row with no rate is out of every range."""
    if low is None and high is None:
        return rows
    return [
        row
        for row in rows
        if (amount := amount_of(row)) is not None
        and (low is None or amount >= low)
        and (high is None or amount <= high)
    ]


def sort_by_amount(rows, descending=False):
    """Return the rows sorted by converted amount, rows with no rate last either way."""
    known = [row for row in rows if amount_of(row) is not None]
    known.sort(key=amount_of, reverse=descending)
    return known + [row for row in rows if amount_of(row) is None]
