"""The "Suggest links" step, through posted admin forms: nothing is created until an editor
accepts, and what they accept becomes links and facts citing the news item."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from entrants.models import Company, MarketEvent, NewsItem, PricePoint, Sighting, VehicleModel
from tests import factories

pytestmark = pytest.mark.django_db

# A copy of ../shared/seed/, so that a clone alone runs the suite.
SEED = Path(__file__).resolve().parent / "data" / "business-recorder-2024-09-28.txt"
INLINES = ["sightings", "pricepoints", "partnerships", "marketevents", "statements"]


def seed_text():
    """Return the seed article without its "date YYYY-MM-DD" header."""
    return re.sub(r"^date \d{4}-\d{2}-\d{2}\s*", "", SEED.read_text()).strip()


@pytest.fixture
def pasted(reference_data):
    """A new news item with the seed article pasted into it (as an editor would)."""
    return factories.NewsItemFactory(
        publisher=Company.objects.get(slug="business-recorder"),
        headline="Pasted: Xiaomi electric cars seen at Karachi port",
        date=datetime.date(2024, 9, 28),
        body=seed_text(),
    )


def suggest_url(news):
    return reverse("admin:entrants_newsitem_suggest", args=[news.pk])


def management(prefix, total):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(total),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form_data(response):
    """Return the POST data the suggestion page would send with nothing ticked."""
    data = {}
    context = response.context
    for name in ("prices", "sightings", "events"):
        formset = context[name]
        data |= management(name, len(formset.forms))
        for form in formset.forms:
            for field in form:
                if field.name == "accept":
                    continue
                value = field.value()
                if value is None:
                    continue
                if isinstance(value, (list, tuple)):
                    data[field.html_name] = [str(v) for v in value]
                elif isinstance(value, datetime.date):
                    data[field.html_name] = value.isoformat()
                else:
                    data[field.html_name] = str(value)
    return data


def test_suggestion_page_shows_what_the_seed_mentions(admin_client, pasted):
    response = admin_client.get(suggest_url(pasted))
    assert response.status_code == 200
    links = response.context["links"]
    companies = {c.name for c in links.fields["companies"].queryset}
    assert {
        "Xiaomi",
        "Air Link Communication",
        "BYD",
        "Tesla",
        "Dewan Farooque Motors",
        "GNEXT Technologies",
        "Apple",
        "Master Motors",
        "Changan",
    } <= companies
    models = {str(m) for m in links.fields["vehicle_models"].queryset}
    assert {"Xiaomi SU7", "Xiaomi SU7 Max", "Honri VE 2.0", "Honri VE 3.0"} <= models
    price = response.context["prices"].forms[0].initial
    assert (price["amount"], price["currency"], price["market"]) == (Decimal("215900"), "CNY", "CN")
    assert price["stated"] == "USD 30917; ~PKR 8550000"
    assert VehicleModel.objects.get(pk=price["vehicle_model"]).slug == "xiaomi-su7"
    assert (price["date"], price["date_precision"]) == (datetime.date(2024, 3, 1), "month")
    sighting = response.context["sightings"].forms[0].initial
    assert VehicleModel.objects.get(pk=sighting["vehicle_model"]).slug == "xiaomi-su7-max"
    assert (sighting["place"], sighting["quantity"]) == ("Karachi port", None)
    # Nothing is created by looking.
    assert not pasted.companies.exists()
    assert not PricePoint.objects.filter(source=pasted).exists()


def test_accepting_creates_links_and_facts_citing_the_news_item(admin_client, pasted):
    page = admin_client.get(suggest_url(pasted))
    data = form_data(page)
    xiaomi = Company.objects.get(slug="xiaomi")
    su7_max = VehicleModel.objects.get(slug="xiaomi-su7-max")
    data |= {
        "links-companies": [xiaomi.pk, Company.objects.get(slug="air-link-communication").pk],
        "links-vehicle_models": [su7_max.pk],
        "prices-0-accept": "on",
        "sightings-0-accept": "on",
    }
    response = admin_client.post(suggest_url(pasted), data)
    assert response.status_code == 302, response.context["prices"].errors

    assert set(pasted.companies.values_list("slug", flat=True)) == {
        "xiaomi",
        "air-link-communication",
    }
    # The SU7 Max ticked, and the SU7 its price is on (filled from the facts).
    assert set(pasted.vehicle_models.values_list("slug", flat=True)) == {
        "xiaomi-su7-max",
        "xiaomi-su7",
    }
    price = PricePoint.objects.get(source=pasted)
    assert (price.amount, price.currency, price.vehicle_model.slug) == (
        Decimal("215900"),
        "CNY",
        "xiaomi-su7",
    )
    assert price.date_display == "March 2024"
    assert price.claim_status == "reported"
    stated = {c.currency: (c.amount, c.is_approximate) for c in price.stated_conversions.all()}
    assert stated == {"USD": (Decimal("30917"), False), "PKR": (Decimal("8550000"), True)}
    sighting = Sighting.objects.get(source=pasted)
    assert (sighting.place, sighting.city, sighting.quantity) == ("Karachi port", "Karachi", None)
    assert not MarketEvent.objects.filter(source=pasted).exists()  # not ticked


@pytest.mark.parametrize(
    ("ticked", "message"),
    [
        (
            {"companies": ["xiaomi"], "drafts": ["prices-0", "sightings-0", "events-0"]},
            "Accepted: 1 link, 1 price point, 1 sighting, 1 event.",
        ),
        (
            {"companies": ["xiaomi", "byd"], "drafts": ["events-0", "events-1"]},
            "Accepted: 2 links, 2 events.",
        ),
    ],
)
def test_accepting_says_what_was_made_in_words(admin_client, pasted, ticked, message):
    data = form_data(admin_client.get(suggest_url(pasted)))
    data["links-companies"] = [Company.objects.get(slug=slug).pk for slug in ticked["companies"]]
    data |= {f"{draft}-accept": "on" for draft in ticked["drafts"]}
    response = admin_client.post(suggest_url(pasted), data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [message]


def test_what_is_accepted_is_in_the_history_as_suggest_links_accepted(admin_client, pasted):
    data = form_data(admin_client.get(suggest_url(pasted)))
    data |= {
        "links-companies": [Company.objects.get(slug="xiaomi").pk],
        "prices-0-accept": "on",
        "sightings-0-accept": "on",
    }
    response = admin_client.post(suggest_url(pasted), data)
    assert response.status_code == 302

    accepted = "Suggest links: accepted"
    entered, *links = pasted.history.order_by("history_date", "history_id")
    assert entered.history_change_reason is None  # entered before, with no reason
    assert links and {version.history_change_reason for version in links} == {accepted}
    price = PricePoint.objects.get(source=pasted)
    for record in (price, price.stated_conversions.first(), Sighting.objects.get(source=pasted)):
        assert [version.history_change_reason for version in record.history.all()] == [accepted]
    page = admin_client.get(reverse("admin:entrants_newsitem_history", args=[pasted.pk]))
    assert accepted in page.content.decode()


def test_an_editor_corrects_a_draft_before_accepting(admin_client, pasted):
    data = form_data(admin_client.get(suggest_url(pasted)))
    data |= {"prices-0-accept": "on", "prices-0-market": "PK", "prices-0-kind": "launch"}
    admin_client.post(suggest_url(pasted), data)
    price = PricePoint.objects.get(source=pasted)
    assert (str(price.market), price.kind) == ("PK", "launch")


def test_nothing_ticked_creates_nothing(admin_client, pasted):
    before = (PricePoint.objects.count(), Sighting.objects.count(), Company.objects.count())
    response = admin_client.post(
        suggest_url(pasted), form_data(admin_client.get(suggest_url(pasted)))
    )
    assert response.status_code == 302
    assert (PricePoint.objects.count(), Sighting.objects.count(), Company.objects.count()) == before
    assert not pasted.companies.exists()


def test_an_incomplete_accepted_draft_saves_nothing_and_says_why(admin_client, pasted):
    data = form_data(admin_client.get(suggest_url(pasted)))
    data |= {
        "links-companies": [Company.objects.get(slug="xiaomi").pk],
        "sightings-0-accept": "on",
        "prices-0-accept": "on",
        "prices-0-vehicle_model": "",
    }
    response = admin_client.post(suggest_url(pasted), data)
    assert response.status_code == 200
    assert "Needed to create this draft." in response.content.decode()
    assert not pasted.companies.exists()
    assert not Sighting.objects.filter(source=pasted).exists()


def test_a_draft_the_model_rejects_rolls_everything_back(admin_client, pasted):
    data = form_data(admin_client.get(suggest_url(pasted)))
    data |= {
        "links-companies": [Company.objects.get(slug="xiaomi").pk],
        "sightings-0-accept": "on",
        "prices-0-accept": "on",
        "prices-0-amount": "0",  # the database would refuse it
    }
    response = admin_client.post(suggest_url(pasted), data)
    assert "Nothing was saved" in response.content.decode()
    assert "A price must be greater than zero." in response.content.decode()
    assert not pasted.companies.exists()
    assert not Sighting.objects.filter(source=pasted).exists()


def test_new_company_names_can_be_added_and_linked(admin_client, reference_data):
    news = factories.NewsItemFactory(
        date=datetime.date(2024, 10, 2),
        body="Zephyr Motors Limited has imported two units of the BYD Seal to Lahore.",
    )
    page = admin_client.get(suggest_url(news))
    choices = [value for value, _ in page.context["links"].fields["new_companies"].choices]
    assert "Zephyr Motors Limited" in choices
    data = form_data(page) | {"links-new_companies": ["Zephyr Motors Limited"]}
    response = admin_client.post(suggest_url(news), data, follow=True)
    assert news.companies.get().name == "Zephyr Motors Limited"
    assert [str(m) for m in response.context["messages"]] == ["Accepted: 1 new company."]


def test_traps_in_an_article_of_our_own(admin_client, reference_data):
    news = factories.NewsItemFactory(
        date=datetime.date(2024, 2, 10),
        body=(
            "Tesla Industries unveiled its GuGo GiGi in Lahore in April, priced at "
            "Rs 4.66 million. Airlink said two units of the SU7 Max were seen at Port Qasim."
        ),
    )
    page = admin_client.get(suggest_url(news))
    companies = {c.slug for c in page.context["links"].fields["companies"].queryset}
    assert "tesla" not in companies
    assert "air-link-communication" in companies
    price = page.context["prices"].forms[0].initial
    assert (price["amount"], price["currency"]) == (Decimal("4660000"), "PKR")
    sighting = page.context["sightings"].forms[-1].initial
    assert VehicleModel.objects.get(pk=sighting["vehicle_model"]).slug == "xiaomi-su7-max"
    assert sighting["quantity"] == 2
    event = page.context["events"].forms[0].initial
    assert (event["date"], event["date_precision"]) == (datetime.date(2023, 4, 1), "month")


def test_save_and_suggest_links_goes_to_the_suggestions(admin_client, reference_data):
    data = {
        "publisher": Company.objects.get(slug="dawn").pk,
        "headline": "BYD Seal sighted",
        "url": "",
        "date": "2024-10-02",
        "date_precision": "day",
        "slug": "",
        "summary": "",
        "body": "Two units of the BYD Seal were spotted in Karachi.",
        "author": "",
        "_suggest": "Save and suggest links from the text",
    }
    for prefix in INLINES:
        data |= management(prefix, 0)
    response = admin_client.post(reverse("admin:entrants_newsitem_add"), data)
    news = NewsItem.objects.get(headline="BYD Seal sighted")
    assert response["Location"] == suggest_url(news)


def test_viewers_cannot_accept_suggestions(client, pasted):
    from django.contrib.auth.models import Group, User

    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.groups.add(Group.objects.get(name="Viewers"))
    client.force_login(viewer)
    assert client.get(suggest_url(pasted)).status_code == 403


def test_two_prices_of_one_sentence_are_accepted_onto_their_own_models(admin_client):
    """The trap that drafted both prices onto one model: each lands on its own model's page, and
    a price in a sentence naming no known model is offered without one, saying why."""
    honri = factories.VehicleModelFactory(maker=factories.CompanyFactory(name="Honri"), name="VE")
    deepal = factories.VehicleModelFactory(
        maker=factories.CompanyFactory(name="Changan"), name="Deepal L07"
    )
    news = factories.NewsItemFactory(
        body=(
            "The Honri VE sells for PKR 3.99 million, while Changan's Deepal L07 costs Rs 11.5 "
            "million. Separately, GuGo showed its GuGo GiGi at PKR 4.66 million."
        )
    )
    page = admin_client.get(suggest_url(news))
    drafts = page.context["prices"].forms
    assert [form["vehicle_model"].value() for form in drafts] == [honri.pk, deepal.pk, None]
    assert "“GuGo GiGi” is not a vehicle model the tracker knows" in page.content.decode()
    data = form_data(page) | {"prices-0-accept": "on", "prices-1-accept": "on"}
    response = admin_client.post(suggest_url(news), data, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Accepted: 2 price points."]
    assert [str(p.amount) for p in honri.prices.all()] == ["3990000.00"]
    assert [str(p.amount) for p in deepal.prices.all()] == ["11500000.00"]
    assert "11,500,000" in admin_client.get(deepal.get_absolute_url()).content.decode()


def test_a_new_model_is_created_with_its_draft_in_one_step(admin_client):
    byd = factories.CompanyFactory(name="BYD")
    news = factories.NewsItemFactory(body="BYD's Seagull costs Rs 5.2 million, dealers said.")
    page = admin_client.get(suggest_url(news))
    assert [v for v, _ in page.context["links"].fields["new_models"].choices] == ["BYD Seagull"]
    accepted = form_data(page) | {"prices-0-accept": "on"}
    # The price alone cannot be created: its model does not exist yet, and nothing is saved.
    refused = admin_client.post(suggest_url(news), accepted)
    assert "“BYD Seagull” is not a vehicle model yet" in refused.content.decode()
    assert not VehicleModel.objects.exists() and not PricePoint.objects.exists()

    data = accepted | {"links-new_models": ["BYD Seagull"]}
    response = admin_client.post(suggest_url(news), data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Accepted: 1 new model, 1 price point."
    ]
    seagull = VehicleModel.objects.get()
    assert (seagull.maker, seagull.name, seagull.variant) == (byd, "Seagull", "")
    assert [p.amount for p in seagull.prices.all()] == [Decimal("5200000")]
    assert set(news.vehicle_models.all()) == {seagull} and set(news.companies.all()) == {byd}


def test_a_new_model_of_a_new_maker_needs_the_maker_ticked_too(admin_client):
    news = factories.NewsItemFactory(
        body="Separately, GuGo Motors showed its GuGo GiGi at PKR 4.66 million."
    )
    page = admin_client.get(suggest_url(news))
    new_companies = [v for v, _ in page.context["links"].fields["new_companies"].choices]
    new_models = dict(page.context["links"].fields["new_models"].choices)
    [(name, label)] = new_models.items()
    assert "new" in label
    maker = page.context["links"].new_models[name].maker
    data = form_data(page) | {"prices-0-accept": "on", "links-new_models": [name]}
    refused = admin_client.post(suggest_url(news), data)
    assert f"its maker “{maker}” is not in the tracker" in refused.content.decode()
    assert new_companies == ["GuGo Motors", "GuGo"]  # the maker as the model's name gives it
    data["links-new_companies"] = ["GuGo Motors"]
    admin_client.post(suggest_url(news), data)
    model = VehicleModel.objects.get()
    assert model.maker.name == "GuGo Motors" and model.prices.get().amount == Decimal("4660000")


def test_a_draft_accepted_twice_is_refused_the_second_time(admin_client):
    honri = factories.VehicleModelFactory(maker=factories.CompanyFactory(name="Honri"), name="VE")
    news = factories.NewsItemFactory(body="The Honri VE sells for PKR 3.99 million.")
    data = form_data(admin_client.get(suggest_url(news))) | {"prices-0-accept": "on"}
    admin_client.post(suggest_url(news), data)
    again = admin_client.post(suggest_url(news), data)
    assert "already recorded" in again.content.decode()
    assert honri.prices.count() == 1
