"""What articles really say: imports as facts of their own kind, sightings with no known place,
news with no date — entered in the admin, drafted from text, shown on the analyst pages."""

import datetime

import pytest
from django.urls import reverse

from entrants.models import NewsItem, Sighting, VehicleModel
from tests import factories
from tests.html_forms import admin_form_data
from tests.test_exports import csv_rows
from tests.test_suggestions import form_data, suggest_url

pytestmark = pytest.mark.django_db

IMPORT_TEXT = (
    "Air Link imported two units of the Xiaomi SU7 in March. "
    "Separately, the company sold 3 million handsets."
)


@pytest.fixture
def su7():
    xiaomi = factories.CompanyFactory(name="Xiaomi")
    return factories.VehicleModelFactory(
        maker=xiaomi, name="SU7", stage_in_pakistan=VehicleModel.Stage.RUMOURED
    )


@pytest.fixture
def air_link():
    return factories.CompanyFactory(name="Air Link Communication", slug="air-link")


def add_sighting(admin_client, **fields):
    page = admin_client.get(reverse("admin:entrants_sighting_add"))
    return admin_client.post(
        reverse("admin:entrants_sighting_add"), admin_form_data(page, **fields), follow=True
    )


def test_an_import_with_no_place_is_entered_and_shown_on_model_company_and_list_pages(
    admin_client, su7, air_link
):
    news = factories.NewsItemFactory()
    response = add_sighting(
        admin_client,
        vehicle_model=str(su7.pk),
        kind="imported",
        importer=str(air_link.pk),
        quantity="2",
        place="",
        city="",
        source=str(news.pk),
        claim_status="reported",
        date="2025-03-01",
        date_precision="month",
    )
    assert response.status_code == 200
    imported = Sighting.objects.get()
    assert (imported.kind, imported.importer, imported.place) == ("imported", air_link, "")
    assert set(news.vehicle_models.all()) == {su7}  # its source now mentions what it names
    assert set(news.companies.all()) == {su7.maker, air_link}
    su7.refresh_from_db()
    assert su7.stage_in_pakistan == VehicleModel.Stage.IMPORTED  # counted towards its stage
    assert su7.history.first().stage_in_pakistan == "imported"  # and the change is in history

    model_page = admin_client.get(su7.get_absolute_url()).content.decode()
    assert "Import" in model_page and "place not stated" in model_page
    assert "imported by" in model_page and "Air Link Communication" in model_page
    company_page = admin_client.get(air_link.get_absolute_url()).content.decode()
    assert "Import" in company_page and str(su7) in company_page
    detail = admin_client.get(imported.get_absolute_url()).content.decode()
    assert "Imported by" in detail and "place not stated" in detail


def test_the_sightings_list_tells_imports_apart_and_filters_them(client, su7, air_link):
    factories.SightingFactory(vehicle_model=su7, place="Karachi port", city="Karachi")
    factories.SightingFactory(
        vehicle_model=su7, kind="imported", importer=air_link, place="", city="", quantity=2
    )
    everything = client.get(reverse("entrants:sighting_list")).content.decode()
    assert "Karachi port" in everything and "not stated" in everything
    only_imports = client.get(reverse("entrants:sighting_list"), {"kind": "imported"})
    page = only_imports.content.decode()
    assert "not stated" in page and "Karachi port" not in page
    by_importer = client.get(reverse("entrants:sighting_list"), {"importer": "air-link"})
    assert "Karachi port" not in by_importer.content.decode()
    [row] = csv_rows(client, reverse("entrants:sighting_list"), kind="imported")
    assert (row["kind"], row["importer"], row["place"]) == ("imported", air_link.name, "")


@pytest.mark.parametrize(
    "stage, status, expected",
    [
        (VehicleModel.Stage.LAUNCHED, "reported", VehicleModel.Stage.LAUNCHED),  # further on
        (VehicleModel.Stage.WITHDRAWN, "reported", VehicleModel.Stage.WITHDRAWN),
        (VehicleModel.Stage.RUMOURED, "denied", VehicleModel.Stage.RUMOURED),  # denied: no
        (VehicleModel.Stage.SIGHTED, "rumoured", VehicleModel.Stage.IMPORTED),
    ],
)
def test_an_import_moves_the_stage_only_forward(stage, status, expected):
    model = factories.VehicleModelFactory(stage_in_pakistan=stage)
    factories.SightingFactory(vehicle_model=model, kind="imported", claim_status=status)
    model.refresh_from_db()
    assert model.stage_in_pakistan == expected


def test_a_sighting_moves_no_stage_it_may_be_abroad(su7):
    factories.SightingFactory(vehicle_model=su7, place="Beijing auto show")
    su7.refresh_from_db()
    assert su7.stage_in_pakistan == VehicleModel.Stage.RUMOURED


def test_an_importer_on_a_mere_sighting_is_refused_in_words(admin_client, su7, air_link):
    response = add_sighting(
        admin_client,
        vehicle_model=str(su7.pk),
        kind="sighted",
        importer=str(air_link.pk),
        place="Lahore",
        source=str(factories.NewsItemFactory().pk),
        claim_status="reported",
    )
    assert "Only an import has an importer" in response.content.decode()
    assert not Sighting.objects.exists()


def test_an_import_is_drafted_from_the_text_and_accepted(admin_client, su7, air_link):
    factories.CompanyAliasFactory(company=air_link, name="Air Link")
    news = factories.NewsItemFactory(body=IMPORT_TEXT, date=datetime.date(2025, 5, 2))
    page = admin_client.get(suggest_url(news))
    drafts = page.context["sightings"].forms
    assert len(drafts) == 1  # the handsets are not an import
    initial = drafts[0].initial
    assert (initial["kind"], initial["vehicle_model"], initial["importer"]) == (
        "imported",
        su7.pk,
        air_link.pk,
    )
    assert (initial["place"], initial["quantity"]) == ("", 2)
    assert (initial["date"], initial["date_precision"]) == (datetime.date(2025, 3, 1), "month")
    data = form_data(page) | {"sightings-0-accept": "on"}
    response = admin_client.post(suggest_url(news), data, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Accepted: 1 sighting."]
    imported = Sighting.objects.get()
    assert (imported.kind, imported.importer, imported.quantity) == ("imported", air_link, 2)
    assert imported.source == news


def test_an_undated_news_item_is_entered_without_inventing_a_date(admin_client):
    publisher = factories.PublisherFactory(name="PakWheels")
    page = admin_client.get(reverse("admin:entrants_newsitem_add"))
    data = admin_form_data(
        page,
        publisher=str(publisher.pk),
        headline="Honri VE against Seres 3: which to buy",
        url="https://www.pakwheels.com/blog/honri-ve-seres-3/",
        date="",
        date_precision="day",
    )
    response = admin_client.post(reverse("admin:entrants_newsitem_add"), data, follow=True)
    assert response.status_code == 200
    news = NewsItem.objects.get()
    assert news.date is None and news.slug.startswith("undated")
    detail = admin_client.get(news.get_absolute_url()).content.decode()
    assert "date unknown" in detail


@pytest.mark.parametrize("sort", ["date", "-date"])
def test_undated_news_sorts_last_both_ways_on_every_database(client, sort):
    factories.NewsItemFactory(headline="Undated comparison", date=None)
    for day in (1, 2):
        factories.NewsItemFactory(headline=f"Dated {day}", date=datetime.date(2025, 1, day))
    page = client.get(reverse("entrants:news_list"), {"sort": sort}).content.decode()
    dated = sorted(page.index(f"Dated {day}") for day in (1, 2))
    assert dated[-1] < page.index("Undated comparison")
    assert "date unknown" in page


def test_a_conversion_stated_by_an_undated_source_is_shown_without_a_check(client, su7):
    undated = factories.NewsItemFactory(date=None)
    price = factories.PricePointFactory(
        vehicle_model=su7, source=undated, amount=215900, currency="CNY", date=None
    )
    factories.StatedConversionFactory(
        price_point=price, source=undated, amount=8550000, currency="PKR"
    )
    factories.ExchangeRateFactory(base="CNY", quote="PKR", rate="39.6")
    for path in (price.get_absolute_url(), su7.get_absolute_url(), "/prices/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "8,550,000" in response.content.decode(), path


def test_an_import_saved_again_unchanged_does_not_undo_an_editors_stage(su7):
    imported = factories.SightingFactory(vehicle_model=su7, kind="imported")
    su7.refresh_from_db()
    su7.stage_in_pakistan = VehicleModel.Stage.RUMOURED  # the editor judges it premature
    su7.save()
    imported.notes = "Customs papers not seen."
    imported.save()
    su7.refresh_from_db()
    assert su7.stage_in_pakistan == VehicleModel.Stage.RUMOURED


@pytest.mark.parametrize(
    "sentence",
    [
        "Air Link plans to begin importing the Xiaomi SU7 next year.",
        "Air Link has not imported the Xiaomi SU7 yet.",
        "The Xiaomi SU7 will be imported by Air Link.",
    ],
)
def test_an_import_that_has_not_happened_is_not_drafted(su7, air_link, sentence):
    from entrants.newsdesk.drafts import draft

    assert draft(sentence, datetime.date(2025, 5, 2)).sightings == []
