"""Amounts typed as articles print them ("Rs 8.4m", "85 lakh"), read exactly or refused in words,
and a typed currency never silently dropped: the parser, then the admin's real forms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from entrants.amounts import AmountFormField, parse_amount
from entrants.models import ExchangeRate, PricePoint, StatedConversion
from tests import factories
from tests.html_forms import admin_form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("215,900", "215900", None),
        ("215900.50", "215900.50", None),
        ("8.4 million", "8400000", None),
        ("8.4M", "8400000", None),
        ("Rs 8.4m", "8400000", "PKR"),
        ("Rs. 8.4 mn", "8400000", "PKR"),
        ("Rs8.4m", "8400000", "PKR"),
        ("Rs. 8,990,000/-", "8990000", "PKR"),
        ("85 lakh", "8500000", None),
        ("1.3 crore", "13000000", None),
        ("84,00,000", "8400000", None),
        ("1,00,00,000", "10000000", None),
        ("PKR 8,990,000", "8990000", "PKR"),
        ("8.99 million rupees", "8990000", "PKR"),
        ("US$30,917", "30917", "USD"),
        ("US $ 30,917", "30917", "USD"),
        ("$34,600", "34600", "USD"),
        ("30,917 US dollars", "30917", "USD"),
        ("CNY 215,900", "215900", "CNY"),
        ("¥215,900", "215900", "CNY"),
        ("245,900 yuan", "245900", "CNY"),
        ("cny 245,900", "245900", "CNY"),
        ("8.4bn", "8400000000", None),
        ("8.4 billion", "8400000000", None),
        ("30 thousand", "30000", None),
        ("30k", "30000", None),
        ("1.25k", "1250", None),
        ("215 900", "215900", None),
        ("  215,900  ", "215900", None),
        ("Rs 8.4m.", "8400000", "PKR"),
        ("Rs 8.", "8", "PKR"),
        ("PKR 8.4m rupees", "8400000", "PKR"),
        ("0.0123456789", "0.0123456789", None),
        ("123456789012345678901234567890.5", "123456789012345678901234567890.5", None),
    ],
)
def test_parse_amount_reads_what_articles_print(text, amount, currency):
    value, code = parse_amount(text)
    assert (value, code) == (Decimal(amount), currency)
    assert str(value) == amount  # exact, and written plainly: 8400000, not 8.4E+6


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("eight million", "written in words"),
        ("8.4 million-ish", "not exact (“-ish”)"),
        ("about Rs 8.4m", "not exact (“about”)"),
        ("~8.4m", "not exact (“~”)"),
        ("1.2.3", "more than one decimal point"),
        ("12 apples", "“apples” is neither a scale"),
        ("8.4 apples", "“apples” is neither a scale"),
        ("8.4m 9.1m", "more than one number (8.4, 9.1)"),
        ("Rs 8.4m or US$30,917", "more than one number"),
        ("8.4-9.1m", "more than one number"),
        ("", "No amount was typed"),
        ("   ", "No amount was typed"),
        ("Rs", "no number in it"),
        ("n/a", "no number in it"),
        ("-5", "negative"),
        ("−8.4m", "negative"),
        ("Rs -5", "negative"),
        ("(5)", "negative"),
        ("1,2345", "do not group its digits"),
        ("215,900,", "do not group its digits"),
        ("US$ 5 yuan", "two currencies (USD and CNY)"),
        ("Dogecoin 5", "“Dogecoin” before the number is not a currency"),
        ("9" * 101, "too long"),
    ],
)
def test_parse_amount_refuses_in_words_and_says_what_is_accepted(text, says):
    with pytest.raises(ValidationError) as refused:
        parse_amount(text)
    message = refused.value.messages[0]
    assert says in message
    assert "Rs 8.4m" in message and "85 lakh" in message  # what would have been accepted


def test_amount_field_keeps_its_digits_and_places_and_reads_plain_input():
    field = AmountFormField(max_digits=16, decimal_places=2)
    assert field.clean("215900") == Decimal("215900")
    assert field.clean(Decimal("215900.00")) == Decimal("215900.00")
    assert field.clean("Rs 8.4m") == Decimal("8400000")
    with pytest.raises(ValidationError, match="no more than 2 decimal places"):
        field.clean("8.456789123m")
    with pytest.raises(ValidationError, match="no more than 16 digits"):
        field.clean("Rs 12,345,678 billion")
    with pytest.raises(ValidationError, match="required"):
        field.clean("  ")
    assert 'inputmode="decimal"' in str(field.widget.render("amount", "8.4m"))
    assert 'type="text"' in str(field.widget.render("amount", "8.4m"))
