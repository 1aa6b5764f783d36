"""The admin: entering a news item with what it reports, in editor-readable validation, with
changelists whose query count does not grow with their rows."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entrants.models import (
    Company,
    MarketEvent,
    NewsItem,
    Partnership,
    PricePoint,
    Sighting,
)
from tests import factories
from tests.admin_site import registered_models

pytestmark = pytest.mark.django_db

INLINE_PREFIXES = ["sightings", "pricepoints", "partnerships", "marketevents", "statements"]


def news_item_form(publisher, **overrides):
    """Return the POST data of an empty news item add form with all its inline formsets."""
    data = {
        "publisher": publisher.pk,
        "headline": "Chinese EV brand eyes Pakistan",
        "url": "https://news.example.pk/chinese-ev-brand",
        "date": "2024-10-02",
        "date_precision": "day",
        "slug": "chinese-ev-brand-eyes-pakistan",
        "summary": "",
        "body": "",
        "author": "",
    }
    for prefix in INLINE_PREFIXES:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def inline_form(prefix, index=0, **fields):
    """Return POST data for form ``index`` of inline ``prefix`` (and bump its form count)."""
    data = {f"{prefix}-TOTAL_FORMS": str(index + 1)}
    data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})
    return data


@pytest.fixture
def su7_max():
    xiaomi = factories.CompanyFactory(name="Xiaomi", slug="xiaomi")
    return factories.VehicleModelFactory(maker=xiaomi, name="SU7", variant="Max")


def test_admin_adds_a_news_item_with_an_inline_sighting_and_price(admin_client, su7_max):
    publisher = factories.PublisherFactory(name="Business Recorder")
    data = news_item_form(publisher)
    data.update(
        inline_form(
            "sightings",
            vehicle_model=su7_max.pk,
            kind="sighted",
            claim_status="reported",
            place="Karachi port",
            city="Karachi",
            quantity="",
            date="2024-10-01",
            date_precision="day",
            notes="",
        )
    )
    data.update(
        inline_form(
            "pricepoints",
            vehicle_model=su7_max.pk,
            claim_status="confirmed",
            amount="299,900",
            currency="cny",
            market="CN",
            kind="launch",
            date="2024-03-01",
            date_precision="month",
            notes="",
        )
    )

    response = admin_client.post(reverse("admin:entrants_newsitem_add"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    news = NewsItem.objects.get(headline="Chinese EV brand eyes Pakistan")
    sighting = Sighting.objects.get(source=news)
    assert (sighting.vehicle_model, sighting.place, sighting.quantity) == (
        su7_max,
        "Karachi port",
        None,
    )
    price = PricePoint.objects.get(source=news)
    assert (price.amount, price.currency) == (Decimal("299900"), "CNY")
    assert price.date_display == "March 2024"


@pytest.mark.parametrize(
    ("prefix", "fields", "message"),
    [
        (
            "pricepoints",
            {"amount": "0", "currency": "CNY", "market": "CN", "kind": "launch"},
            "A price must be greater than zero.",
        ),
        (
            "pricepoints",
            {"amount": "215900", "currency": "XYZ", "market": "CN", "kind": "launch"},
            "“XYZ” is not an ISO 4217 currency code",
        ),
        (
            "pricepoints",
            {
                "amount": "215900",
                "currency": "CNY",
                "market": "CN",
                "kind": "launch",
                "date": "2024-03-15",
                "date_precision": "month",
            },
            "This date is known only to the month, so enter the first day of the month "
            "(2024-03-01 for March 2024)",
        ),
        (
            "sightings",
            {"place": "Karachi port", "quantity": "0"},
            "A sighting is of at least one unit.",
        ),
    ],
)
def test_inline_validation_says_what_is_wrong(admin_client, su7_max, prefix, fields, message):
    publisher = factories.PublisherFactory()
    defaults = {
        "vehicle_model": su7_max.pk,
        "claim_status": "reported",
        "date": "",
        "date_precision": "day",
        "notes": "",
    }
    data = news_item_form(publisher)
    data.update(inline_form(prefix, **(defaults | fields)))

    response = admin_client.post(reverse("admin:entrants_newsitem_add"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NewsItem.objects.exists()  # nothing half-saved


def test_partnership_of_a_company_with_itself_is_refused_in_words(admin_client):
    air_link = factories.CompanyFactory(name="Air Link Communication")
    publisher = factories.PublisherFactory()
    data = news_item_form(publisher)
    data.update(
        inline_form(
            "partnerships",
            company=air_link.pk,
            partner=air_link.pk,
            kind="manufacturing",
            status="reported",
            claim_status="reported",
            scope="Smart TVs",
            date="",
            date_precision="day",
            ended_on="",
            ended_on_precision="day",
            notes="",
        )
    )

    response = admin_client.post(reverse("admin:entrants_newsitem_add"), data)

    assert "A company cannot be in partnership with itself" in response.content.decode()
    assert not Partnership.objects.exists()


def test_duplicate_company_name_in_other_case_is_refused(admin_client):
    factories.CompanyFactory(name="Xiaomi")
    response = admin_client.post(
        reverse("admin:entrants_company_add"),
        {
            "name": "XIAOMI",
            "slug": "xiaomi-2",
            "kind": "manufacturer",
            "country": "CN",
            "description": "",
            "website": "",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
        },
    )
    assert "A company with this name already exists" in response.content.decode()
    assert Company.objects.count() == 1


def test_deleting_a_cited_news_item_is_refused_naming_the_facts(admin_client):
    sighting = factories.SightingFactory()
    response = admin_client.get(
        reverse("admin:entrants_newsitem_delete", args=[sighting.source.pk])
    )
    content = response.content.decode()
    assert "would require deleting the following protected related objects" in content
    assert str(sighting) in content

    admin_client.post(
        reverse("admin:entrants_newsitem_delete", args=[sighting.source.pk]), {"post": "yes"}
    )
    assert NewsItem.objects.filter(pk=sighting.source.pk).exists()


def test_stated_conversion_defaults_to_the_price_source(admin_client):
    price = factories.PricePointFactory()
    response = admin_client.get(reverse("admin:entrants_pricepoint_change", args=[price.pk]))
    form = response.context["inline_admin_formsets"][0].formset.empty_form
    assert form.fields["source"].initial == price.source_id


def test_autocomplete_finds_models_by_variant(admin_client, su7_max):
    factories.VehicleModelFactory(maker=su7_max.maker, name="SU7", variant="")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "entrants",
            "model_name": "sighting",
            "field_name": "vehicle_model",
            "term": "Max",
        },
    )
    assert [result["text"] for result in response.json()["results"]] == ["Xiaomi SU7 Max"]


def make_rows(model, count):
    """Create ``count`` rows of ``model`` with related rows, so that an N+1 would show."""
    for row in getattr(factories, f"{model.__name__}Factory").create_batch(count):
        if model is NewsItem:
            factories.SightingFactory(source=row)
            row.companies.add(factories.CompanyFactory())
        elif model is Company:
            factories.CompanyAliasFactory(company=row)
            factories.VehicleModelFactory(maker=row)
            row.parent = factories.CompanyFactory()
            row.save()
        elif model is MarketEvent:
            row.companies.add(factories.CompanyFactory())
        elif model is PricePoint:
            factories.StatedConversionFactory(price_point=row)


def changelist_queries(client, model):
    url = reverse(f"admin:entrants_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


ADMIN_MODELS = [model for model in registered_models() if model._meta.app_label == "entrants"]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    make_rows(model, 2)
    few, response = changelist_queries(admin_client, model)
    assert response.context["cl"].result_count >= 2
    make_rows(model, 6)
    many, response = changelist_queries(admin_client, model)
    assert response.context["cl"].result_count >= 8
    assert many == few


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_every_changelist_has_search_filters_and_date_hierarchy(admin_client, model):
    model_admin = admin.site.get_model_admin(model)
    assert model_admin.search_fields
    assert model_admin.list_filter
    assert model_admin.date_hierarchy
    response = admin_client.get(
        reverse(f"admin:entrants_{model._meta.model_name}_changelist"), {"q": "karachi"}
    )
    assert response.status_code == 200


def test_changelists_show_dates_at_their_precision(admin_client):
    factories.MarketEventFactory(
        title="Launch in Beijing", date=datetime.date(2024, 3, 1), date_precision="month"
    )
    response = admin_client.get(reverse("admin:entrants_marketevent_changelist"))
    assert "March 2024" in response.content.decode()


def test_vehicle_model_changelist_names_pakistan_with_a_capital(admin_client):
    factories.VehicleModelFactory()
    content = admin_client.get(reverse("admin:entrants_vehiclemodel_changelist")).content.decode()
    assert "By stage in Pakistan" in content  # the filter
    assert "Stage in Pakistan</a>" in content  # the sortable column header
    assert "pakistan<" not in content
