"""Faster entry on the news item's page: a price's stated conversions typed beside it, a
warning before a fact already recorded is saved again, and "What it mentions" filled from the
facts — each through the real admin, as an editor posts it."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from entrants.models import PricePoint, Sighting, StatedConversion
from tests import factories
from tests.html_forms import admin_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def su7():
    return factories.VehicleModelFactory(
        maker=factories.CompanyFactory(name="Xiaomi"), name="SU7", variant="Max"
    )


@pytest.fixture
def news():
    return factories.NewsItemFactory(
        headline="SU7 lands in Karachi", date=datetime.date(2024, 10, 1)
    )


def change_url(news):
    return reverse("admin:entrants_newsitem_change", args=[news.pk])


def post_with_inline(client, news, prefix, index=None, **fields):
    """Post the news item's page as shown, with ``fields`` typed into inline row ``index``
    of ``prefix`` (a new row when ``index`` is None)."""
    data = admin_form_data(client.get(change_url(news)))
    if index is None:
        index = int(data[f"{prefix}-TOTAL_FORMS"][0])
        data[f"{prefix}-TOTAL_FORMS"] = [str(index + 1)]
    data |= {f"{prefix}-{index}-{name}": value for name, value in fields.items()}
    return client.post(change_url(news), data, follow=True)


PRICE = {
    "claim_status": "reported",
    "amount": "215,900",
    "currency": "CNY",
    "market": "CN",
    "kind": "launch",
    "date": "2024-03-01",
    "date_precision": "month",
}


def test_conversions_typed_with_the_price_are_saved_citing_the_article(admin_client, su7, news):
    response = post_with_inline(
        admin_client,
        news,
        "pricepoints",
        vehicle_model=str(su7.pk),
        stated="USD 30,917; ~PKR 8,550,000",
        **PRICE,
    )
    assert response.status_code == 200 and not response.context.get("errors")
    price = PricePoint.objects.get()
    stated = {
        (c.currency, c.amount, c.is_approximate, c.source) for c in StatedConversion.objects.all()
    }
    assert stated == {
        ("USD", Decimal("30917"), False, news),
        ("PKR", Decimal("8550000"), True, news),
    }
    # Shown again on the page, and one removed by editing the line.
    page = admin_client.get(change_url(news)).content.decode()
    assert "USD 30917; ~PKR 8550000" in page or "~PKR 8550000; USD 30917" in page
    post_with_inline(admin_client, news, "pricepoints", index=0, stated="USD 30917")
    assert [c.currency for c in price.stated_conversions.all()] == ["USD"]


@pytest.mark.parametrize(
    "stated, message",
    [
        ("USD thirty thousand", "“USD thirty thousand” is not a currency and amount"),
        ("CNY 215900", "CNY is the price&#x27;s own currency"),
        ("USD 30917; USD 30000", "USD is given twice"),
        ("XYZ 100", "XYZ"),
    ],
)
def test_a_conversion_line_that_cannot_be_read_is_refused_in_words(
    admin_client, su7, news, stated, message
):
    response = post_with_inline(
        admin_client, news, "pricepoints", vehicle_model=str(su7.pk), stated=stated, **PRICE
    )
    assert message in response.content.decode()
    assert not PricePoint.objects.exists() and not StatedConversion.objects.exists()


def test_a_price_already_recorded_warns_and_is_saved_only_when_confirmed(admin_client, su7):
    existing = factories.PricePointFactory(
        vehicle_model=su7, amount=Decimal("215900"), currency="CNY", date=datetime.date(2024, 3, 1)
    )
    add = reverse("admin:entrants_pricepoint_add")
    fields = {
        "vehicle_model": str(su7.pk),
        "source": str(existing.source_id),
        "claim_status": "reported",
        "amount": "215900",
        "currency": "cny",
        "market": "CN",
        "kind": "reported",
        "date": "2024-03-01",
        "date_precision": "day",
    }
    response = admin_client.post(add, admin_form_data(admin_client.get(add), **fields))
    assert "This matches a fact already recorded" in response.content.decode()
    assert PricePoint.objects.count() == 1
    # Another amount is not a duplicate; the same one, confirmed, is saved.
    confirmed = admin_form_data(admin_client.get(add), **fields, save_duplicate="on")
    admin_client.post(add, confirmed)
    assert PricePoint.objects.count() == 2


def test_a_sighting_already_recorded_warns_on_the_news_page(admin_client, su7, news):
    factories.SightingFactory(
        vehicle_model=su7, place="Karachi port", date=datetime.date(2024, 10, 1)
    )
    fields = {
        "vehicle_model": str(su7.pk),
        "kind": "sighted",
        "claim_status": "reported",
        "place": "Karachi port",
        "date": "2024-10-01",
        "date_precision": "day",
    }
    response = post_with_inline(admin_client, news, "sightings", **fields)
    assert "This matches a fact already recorded" in response.content.decode()
    assert Sighting.objects.count() == 1
    post_with_inline(admin_client, news, "sightings", **(fields | {"place": "Port Qasim"}))
    assert Sighting.objects.count() == 2  # another place: no warning


def test_what_it_mentions_is_filled_from_its_facts_and_keeps_what_the_editor_added(
    admin_client, su7, news
):
    air_link = factories.CompanyFactory(name="Air Link Communication")
    extra = factories.CompanyFactory(name="Pakistan Auto Show")
    news.companies.add(extra)
    post_with_inline(
        admin_client,
        news,
        "sightings",
        vehicle_model=str(su7.pk),
        kind="imported",
        importer=str(air_link.pk),
        claim_status="reported",
        quantity="2",
        date_precision="day",
    )
    assert set(news.companies.all()) == {su7.maker, air_link, extra}
    assert list(news.vehicle_models.all()) == [su7]
    assert news.history.first().history_type == "~"  # the links are in the history


def test_a_page_saved_again_unchanged_rewrites_nothing_and_keeps_a_confirmed_duplicate(
    admin_client, su7, news
):
    """Saving the news item page touches only what the editor changed: a price's conversion
    line shown as it was is no change, and a duplicate once confirmed is not refused again."""
    post_with_inline(
        admin_client, news, "pricepoints", vehicle_model=str(su7.pk), stated="USD 30917", **PRICE
    )
    sighting = {
        "vehicle_model": str(su7.pk),
        "kind": "sighted",
        "claim_status": "reported",
        "place": "Karachi port",
        "date": "2024-10-01",
        "date_precision": "day",
    }
    factories.SightingFactory(
        vehicle_model=su7, place="Karachi port", date=datetime.date(2024, 10, 1)
    )
    post_with_inline(admin_client, news, "sightings", **sighting, save_duplicate="on")
    price = PricePoint.objects.get()
    versions = (price.history.count(), StatedConversion.history.count())
    data = admin_form_data(admin_client.get(change_url(news)), headline="SU7 lands in Karachi port")
    response = admin_client.post(change_url(news), data, follow=True)
    assert "This matches a fact already recorded" not in response.content.decode()
    news.refresh_from_db()
    assert news.headline == "SU7 lands in Karachi port"
    assert (price.history.count(), StatedConversion.history.count()) == versions
    assert Sighting.objects.count() == 2


def test_a_conversion_too_large_for_the_database_is_refused_in_words(admin_client, su7, news):
    response = post_with_inline(
        admin_client,
        news,
        "pricepoints",
        vehicle_model=str(su7.pk),
        stated="USD 12345678901234567",
        **PRICE,
    )
    assert response.status_code == 200
    assert "digits" in response.content.decode()
    assert not PricePoint.objects.exists()
