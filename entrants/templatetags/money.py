"""Template filters that show money: ``{{ amount|money:currency }}``, ``{{ amount|lakh_crore }}``
and ``{{ ratio|percent }}``.

Both round only for display (the amounts stay exact Decimals in Python) and render nothing for
a missing amount, so a template can say why::

    {{ conversion.amount|money:"PKR"|default:"no rate" }}
"""

import decimal
from decimal import ROUND_HALF_UP, Decimal

from django import template

from entrants.currency import format_amount, format_lakh_crore, to_decimal

register = template.Library()

# A template filter fails quietly; a wrong type or a non-number renders as nothing.
_BAD_INPUT = (TypeError, ValueError, decimal.InvalidOperation)


@register.filter(is_safe=True)
def money(amount, currency=""):
    """Return the amount with its currency and thousands separators: "PKR 8,550,565"."""
    if amount in (None, ""):
        return ""
    try:
        return format_amount(amount, currency)
    except _BAD_INPUT:
        return ""


@register.filter(is_safe=True)
def lakh_crore(amount):
    """Return a rupee amount in lakh or crore: "85.5 lakh", "1.25 crore"."""
    if amount in (None, ""):
        return ""
    try:
        return format_lakh_crore(amount)
    except _BAD_INPUT:
        return ""


@register.filter(is_safe=True)
def percent(ratio, decimals=1):
    """Return a ratio as a percentage number, without the sign: 0.00385 → "0.4"."""
    if ratio in (None, ""):
        return ""
    try:
        places = Decimal(1).scaleb(-int(decimals))
        value = (to_decimal(ratio) * 100).quantize(places, rounding=ROUND_HALF_UP)
    except _BAD_INPUT:
        return ""
    return f"{value:f}"
