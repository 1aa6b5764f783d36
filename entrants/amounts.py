"""Reading an amount typed by a person: "215,900", "Rs 8.4m", "85 lakh", "245,900 yuan".

``parse_amount`` returns the exact ``Decimal`` and the currency the text names (or None), and
refuses anything else with a ``ValidationError`` that says in words what was wrong and what is
accepted. ``AmountFormField`` is the form field of every amount and rate; ``TypedCurrencyCheck``
is the form mixin that refuses a typed currency the form would otherwise drop ("Rs 8.4m" with
CNY chosen as the price's currency).

The currency and scale words are ``entrants.money_words``, shared with the news desk's
extraction: an editor types what articles print, so both read the same words.
"""

import re
from decimal import Decimal, localcontext
from typing import NamedTuple

import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entrants.money_words import CURRENCY_WORDS, SCALES

ISO_CODES = frozenset(currency.alpha_3 for currency in pycountry.currencies)

NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred half quarter dozen".split()
)
APPROXIMATE = re.compile(
    r"~|≈|\+|-ish\b|\b(?:about|around|approx(?:imately)?|roughly|nearly|almost|some|over|"
    r"under|up to|at least|more than|less than|circa|ca)\b",
    re.IGNORECASE,
)
# A run of digits with the separators a person types between them; checked in detail below.
NUMBER = re.compile(r"\d[\d,.]*")
# Groups of three (215,900) or, before the last three, of two (84,00,000: the lakh grouping).
GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3}|\d+")
LONGEST = 100

ACCEPTED = gettext_lazy(
    "Type one amount in digits, as articles print it: 215,900 · 8.4 million · Rs 8.4m · "
    "85 lakh · 1.3 crore · PKR 8,990,000 · US$30,917 · 245,900 yuan."
)


class TypedAmount(NamedTuple):
    """An amount as typed: its exact value, the currency it names (or None), and the text
    that named it ("Rs", "US$", "yuan"), to quote back."""

    value: Decimal
    currency: str | None
    currency_text: str


def refuse(message, code, **params):
    """Raise a ValidationError saying ``message`` followed by what is accepted."""
    raise ValidationError(f"{message % params} {ACCEPTED}", code=code)


def currency_named(text):
    """Return the ISO code that ``text`` ("Rs.", "US $", "yuan", "cny") names, or None."""
    key = re.sub(r"\s+", "", text).rstrip(".").upper()
    if key in ISO_CODES:
        return key
    return CURRENCY_WORDS.get(key)


def plain(value):
    """Return ``value`` without the exponent a scale leaves: 8400000, not 8.4E+6 or 8400000.0."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def read_amount(text):
    """Return the ``TypedAmount`` that ``text`` holds; raise ValidationError, in words, if it
    holds none, more than one, or something else besides."""
    shown = " ".join(str(text).split())
    if not shown:
        refuse(_("No amount was typed."), "empty")
    if len(shown) > LONGEST:
        refuse(_("That is too long for one amount."), "too_long")
    # A space or an underscore between digit groups is a thousands separator ("215 900"), and
    # "/-" closes a price in Pakistan ("Rs. 8,990,000/-").
    compact = re.sub(r"(?<=\d)[ _](?=\d{3}(?!\d))", "", shown)
    compact = re.sub(r"\s*/[-=]$", "", compact)
    numbers = NUMBER.findall(compact)
    if not numbers:
        words = {word.lower() for word in re.findall(r"[A-Za-z]+", compact)}
        if words & NUMBER_WORDS:
            refuse(
                _(
                    "“%(text)s” is written in words; type the number in digits (“8 million”, "
                    "not “eight million”)."
                ),
                "words",
                text=shown,
            )
        refuse(_("“%(text)s” has no number in it."), "no_number", text=shown)
    if len(numbers) > 1:
        refuse(
            _("“%(text)s” holds more than one number (%(numbers)s); type one amount."),
            "several",
            text=shown,
            numbers=", ".join(numbers),
        )
    approximate = APPROXIMATE.search(compact)
    if approximate:
        refuse(
            _(
                "“%(text)s” is not exact (“%(word)s”); type the amount the article gives, "
                "without it."
            ),
            "approximate",
            text=shown,
            word=approximate.group().strip(),
        )
    before, number, after = compact.partition(numbers[0])
    if before.rstrip().endswith(("-", "−", "–")) or before.lstrip().startswith("("):
        refuse(_("“%(text)s” is negative; an amount cannot be."), "negative", text=shown)
    if number.endswith("."):  # "Rs 8.4m." or "8." ends with a full stop, not a decimal point
        number, after = number.rstrip("."), "." + after
    currency, currency_text = None, ""
    if before.strip():
        currency_text = before.strip()
        currency = currency_named(currency_text)
        if currency is None:
            refuse(
                _("“%(word)s” before the number is not a currency such as Rs, PKR, US$ or ¥."),
                "unknown_word",
                word=currency_text,
            )
    words = after.replace(".", " ").split()
    with localcontext() as context:
        context.prec = 3 * LONGEST  # exact: every digit typed is kept, whatever the scale
        value = read_number(number, shown)
        if words and words[0].lower() in SCALES:
            value *= SCALES[words.pop(0).lower()]
        value = plain(value)
    if words:
        suffix = " ".join(words)
        named = currency_named(suffix)
        if named is None:
            refuse(
                _(
                    "“%(word)s” is neither a scale (thousand, k, lakh, million, m, crore, "
                    "billion, bn) nor a currency (PKR, rupees, yuan, US dollars)."
                ),
                "unknown_word",
                word=suffix,
            )
        if currency is not None and named != currency:
            refuse(
                _("“%(text)s” names two currencies (%(first)s and %(second)s); type one."),
                "two_currencies",
                text=shown,
                first=currency,
                second=named,
            )
        currency, currency_text = named, currency_text or suffix
    return TypedAmount(value, currency, currency_text)


def read_number(number, shown):
    """Return the Decimal the digits ``number`` write, refusing misplaced separators."""
    whole, point, fraction = number.partition(".")
    if "." in fraction:
        refuse(_("“%(text)s” has more than one decimal point."), "points", text=shown)
    if point and not fraction.isdigit() or not GROUPED.fullmatch(whole):
        refuse(
            _(
                "The commas in “%(text)s” do not group its digits in threes (8,990,000) or "
                "in lakhs (84,00,000), before any decimal point."
            ),
            "grouping",
            text=shown,
        )
    return Decimal(f"{whole.replace(',', '')}{point}{fraction}")


def parse_amount(text):
    """Return ``(amount, currency)`` for an amount as typed: ``(Decimal("8400000"), "PKR")``
    for "Rs 8.4m", ``(Decimal("215900"), None)`` for "215,900". Raise ``ValidationError``
    saying what is wrong and what is accepted for anything else."""
    amount = read_amount(text)
    return amount.value, amount.currency


class AmountInput(forms.TextInput):
    """A text box for an amount: a number box would refuse "Rs 8.4m" in the browser, and
    ``inputmode`` still gives phones their number keyboard."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})


class AmountFormField(forms.DecimalField):
    """A decimal form field that reads amounts as articles print them: "215,900", "8.4
    million", "Rs 8.4m", "85 lakh" (``parse_amount``), still within its digits and places.

    The currency typed is not the field's to keep: ``TypedCurrencyCheck`` reads it back
    (``amount_with_currency``) and checks it against the form's currency."""

    widget = AmountInput

    def to_python(self, value):
        if value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        if self.localize:
            value = formats.sanitize_separators(value)
        if not value.strip():
            return None
        return read_amount(value).value

    def amount_with_currency(self, value):
        """Return the ``TypedAmount`` of the text ``value`` if it names a currency, else
        None (also for text this field refuses: its error is already shown)."""
        if not isinstance(value, str) or not value.strip():
            return None
        if self.localize:
            value = formats.sanitize_separators(value)
        try:
            amount = read_amount(value)
        except ValidationError:
            return None
        return amount if amount.currency else None


class TypedCurrencyCheck:
    """A form mixin that never drops a currency typed with an amount.

    An amount typed with a currency ("Rs 8.4m") must agree with the form's ``currency``
    field; one typed in a form without a currency field (a rate) is refused, since the
    currency would be lost. A currency field left empty is not filled from the amount: the
    editor is asked to choose it, so that a record's currency is always one somebody chose.
    The typed text is read back from the form's data through each bound field, so that
    prefixed forms (admin inlines) are read as the admin reads them."""

    currency_field = "currency"

    def clean(self):
        cleaned_data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, AmountFormField) and not field.disabled and name in cleaned_data:
                typed = field.amount_with_currency(self[name].data)
                if typed is not None:
                    self.check_typed_currency(name, typed)
        return cleaned_data

    def check_typed_currency(self, name, typed):
        """Refuse the amount field ``name``, typed as ``typed``, if its currency is not the
        form's."""
        said = {"typed": typed.currency_text, "code": typed.currency}
        if self.currency_field not in self.fields:
            self.add_error(
                name,
                ValidationError(
                    _(
                        "You typed %(typed)s (%(code)s), but this amount has no currency of its "
                        "own; type the number only."
                    )
                    % said,
                    code="currency_not_expected",
                ),
            )
            return
        if self.has_error(self.currency_field):
            if self.has_error(self.currency_field, "required"):
                self.add_error(
                    self.currency_field,
                    ValidationError(
                        _("You typed %(typed)s (%(code)s) with the amount: choose %(code)s here.")
                        % said,
                        code="currency_typed",
                    ),
                )
            return
        chosen = (self.cleaned_data.get(self.currency_field) or "").strip().upper()
        if chosen != typed.currency:
            self.add_error(
                name,
                ValidationError(
                    _(
                        "You typed %(typed)s (%(code)s) but chose %(chosen)s as the currency; "
                        "choose %(code)s, or type the number only."
                    )
                    % {**said, "chosen": chosen},
                    code="currency_mismatch",
                ),
            )
