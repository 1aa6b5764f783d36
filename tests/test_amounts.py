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


# --- Through the admin's real forms -----------------------------------------------------------


@pytest.fixture
def price_page(admin_client):
    """The PricePoint add page and a function that posts it with a vehicle model, a source and
    the given fields (its stated conversions inline included)."""
    vehicle_model = factories.VehicleModelFactory(name="Seal")
    source = factories.NewsItemFactory()
    url = reverse("admin:entrants_pricepoint_add")
    page = admin_client.get(url)

    def post(**fields):
        if "stated_conversions-TOTAL_FORMS" in fields:
            fields.setdefault("stated_conversions-0-source", str(source.pk))
        data = admin_form_data(
            page,
            vehicle_model=str(vehicle_model.pk),
            source=str(source.pk),
            claim_status="reported",
            market="PK",
            kind="launch",
            date="2024-10-01",
            date_precision="day",
            **fields,
        )
        return admin_client.post(url, data)

    return post


def test_admin_saves_rs_8_4m_as_a_pkr_price(price_page):
    response = price_page(amount="Rs 8.4m", currency="PKR")

    assert response.status_code == 302
    price = PricePoint.objects.get()
    assert (price.amount, price.currency) == (Decimal("8400000"), "PKR")


def test_admin_refuses_rs_with_another_currency_and_saves_nothing(price_page):
    response = price_page(amount="Rs 8.4m", currency="CNY")

    assert response.status_code == 200
    assert "You typed Rs (PKR) but chose CNY as the currency" in response.content.decode()
    assert not PricePoint.objects.exists()


def test_admin_asks_for_the_currency_typed_when_none_was_chosen(price_page):
    response = price_page(amount="US$30,917", currency="")

    assert "You typed US$ (USD) with the amount: choose USD here." in response.content.decode()
    assert not PricePoint.objects.exists()


def test_admin_refuses_apples_in_words(price_page):
    response = price_page(amount="8.4 apples", currency="PKR")

    page = response.content.decode()
    assert "“apples” is neither a scale" in page
    assert not PricePoint.objects.exists()


def test_admin_checks_the_currency_typed_in_a_stated_conversion_inline(price_page):
    conversion = {
        "stated_conversions-TOTAL_FORMS": "1",
        "stated_conversions-0-is_approximate": "on",
    }
    refused = price_page(
        amount="245,900 yuan",
        currency="CNY",
        **conversion,
        **{"stated_conversions-0-amount": "Rs 8.4m", "stated_conversions-0-currency": "USD"},
    )
    assert "You typed Rs (PKR) but chose USD as the currency" in refused.content.decode()
    assert not PricePoint.objects.exists()

    saved = price_page(
        amount="245,900 yuan",
        currency="CNY",
        **conversion,
        **{"stated_conversions-0-amount": "Rs 8.4m", "stated_conversions-0-currency": "PKR"},
    )
    assert saved.status_code == 302
    stated = StatedConversion.objects.get()
    assert (stated.amount, stated.currency, stated.price_point.amount) == (
        Decimal("8400000"),
        "PKR",
        Decimal("245900"),
    )


def rate_form(admin_client, rate):
    url = reverse("admin:entrants_exchangerate_add")
    data = admin_form_data(
        admin_client.get(url),
        date="2024-10-01",
        base="USD",
        quote="PKR",
        rate=rate,
        source="sbp_interbank",
        claim_status="confirmed",
    )
    return admin_client.post(url, data)


def test_admin_reads_a_rate_as_typed(admin_client):
    assert rate_form(admin_client, "278.5").status_code == 302
    assert ExchangeRate.objects.get().rate == Decimal("278.5")


def test_admin_refuses_a_rate_typed_with_a_currency(admin_client):
    response = rate_form(admin_client, "Rs 278.5")

    assert "You typed Rs (PKR), but this amount has no currency of its own; type the number" in (
        response.content.decode()
    )
    assert not ExchangeRate.objects.exists()
