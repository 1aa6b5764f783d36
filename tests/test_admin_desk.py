"""The news desk's safety: history with diffs and revert, refusal of stale saves, roles."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from entrants.models import Company, NewsItem, Sighting
from tests import factories
from tests.admin_site import registered_models
from tests.html_forms import admin_form_data

pytestmark = pytest.mark.django_db


def company_form(company, **changes):
    data = {
        "name": company.name,
        "slug": company.slug,
        "kind": company.kind,
        "country": str(company.country),
        "parent": "",
        "description": company.description,
        "website": company.website,
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def edit_token(client, company):
    response = client.get(reverse("admin:entrants_company_change", args=[company.pk]))
    return response.context["adminform"].form["edit_token"].value()


def test_every_change_is_kept_with_who_and_a_field_diff(admin_client, admin_user):
    company = factories.CompanyFactory(name="Air Link", description="Phones")
    token = edit_token(admin_client, company)
    response = admin_client.post(
        reverse("admin:entrants_company_change", args=[company.pk]),
        company_form(company, description="Phones and smart TVs", edit_token=token),
    )
    assert response.status_code == 302

    latest, original = company.history.all()[:2]
    assert latest.history_user == admin_user
    changes = latest.diff_against(original).changes
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("description", "Phones", "Phones and smart TVs")
    ]
    page = admin_client.get(reverse("admin:entrants_company_history", args=[company.pk]))
    content = page.content.decode()
    assert "Phones and smart TVs" in content
    assert admin_user.username in content


def vandalised_company():
    """Return a company whose description was replaced after it was entered, and the URL of
    the revert form of its first version."""
    company = factories.CompanyFactory(name="Air Link", description="Phones")
    company.description = "Vandalised"
    company.save()
    original = company.history.earliest()
    url = reverse("admin:entrants_company_simple_history", args=[company.pk, original.pk])
    return company, url


def test_revert_restores_an_earlier_version_and_keeps_both(admin_client):
    company, url = vandalised_company()
    revert_page = admin_client.get(url)
    shown = admin_form_data(revert_page)
    assert shown["description"] == ["Phones"]  # the old version, ready to save

    response = admin_client.post(url, shown)  # "Revert", as the page sends it

    assert response.status_code == 302, response.context["errors"]
    company.refresh_from_db()
    assert company.description == "Phones"
    assert company.history.count() == 3  # created, vandalised, reverted: nothing lost


def test_a_revert_is_refused_if_the_record_changed_after_the_revert_form_was_opened(
    admin_client,
):
    company, url = vandalised_company()
    revert_page = admin_client.get(url)
    other = Company.objects.get(pk=company.pk)  # another editor saves meanwhile
    other.description = "Phones and smart TVs"
    other.save()

    response = admin_client.post(url, admin_form_data(revert_page))

    assert response.status_code == 200
    assert "Someone else changed this company" in response.content.decode()
    company.refresh_from_db()
    assert company.description == "Phones and smart TVs"


TOKENS = {
    "missing": (None, "sent without its edit token"),
    "empty": ("", "sent without its edit token"),
    "not a date": ("abc", "is not one the tracker wrote"),
    "without a time zone": ("2024-01-01T00:00:00", "is not one the tracker wrote"),
}


@pytest.mark.parametrize("token, message", TOKENS.values(), ids=TOKENS.keys())
@pytest.mark.parametrize("page", ["change", "revert"])
def test_a_save_without_a_valid_edit_token_is_refused_in_words(admin_client, page, token, message):
    company, revert_url = vandalised_company()
    url = (
        revert_url
        if page == "revert"
        else reverse("admin:entrants_company_change", args=[company.pk])
    )
    data = admin_form_data(admin_client.get(url), description="Overwritten", edit_token=token)

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Reload the page" in response.content.decode()
    company.refresh_from_db()
    assert company.description == "Vandalised"


@pytest.mark.parametrize("token, message", TOKENS.values(), ids=TOKENS.keys())
def test_an_inline_change_without_a_valid_edit_token_is_refused(admin_client, token, message):
    sighting = factories.SightingFactory(place="Karachi port")
    url = reverse("admin:entrants_newsitem_change", args=[sighting.source.pk])
    data = admin_form_data(
        admin_client.get(url),
        **{"sightings-0-place": "Overwritten", "sightings-0-edit_token": token},
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    sighting.refresh_from_db()
    assert sighting.place == "Karachi port"


def test_history_records_m2m_changes_of_news_items(admin_client):
    news = factories.NewsItemFactory()
    xiaomi = factories.CompanyFactory(name="Xiaomi")
    news.companies.add(xiaomi)
    assert news.history.count() == 2
    assert list(news.history.first().companies.values_list("company__name", flat=True)) == [
        "Xiaomi"
    ]


def test_second_save_of_the_same_record_is_refused_and_nothing_is_lost(admin_client):
    company = factories.CompanyFactory(name="Air Link", description="Phones")
    token = edit_token(admin_client, company)  # editor A opens the form

    other = Company.objects.get(pk=company.pk)  # editor B saves meanwhile
    other.description = "Phones, TVs and EVs"
    other.save()

    response = admin_client.post(
        reverse("admin:entrants_company_change", args=[company.pk]),
        company_form(company, description="Only phones", edit_token=token),
    )
    assert response.status_code == 200
    assert "Someone else changed this company" in response.content.decode()
    assert "Reload the page" in response.content.decode()
    company.refresh_from_db()
    assert company.description == "Phones, TVs and EVs"


def test_save_with_a_fresh_token_goes_through(admin_client):
    company = factories.CompanyFactory(name="Air Link", description="Phones")
    for text in ("First", "Second"):
        response = admin_client.post(
            reverse("admin:entrants_company_change", args=[company.pk]),
            company_form(company, description=text, edit_token=edit_token(admin_client, company)),
        )
        assert response.status_code == 302
    company.refresh_from_db()
    assert company.description == "Second"


def test_stale_inline_fact_on_the_news_page_is_refused(admin_client):
    sighting = factories.SightingFactory(place="Karachi port")
    news = sighting.source
    response = admin_client.get(reverse("admin:entrants_newsitem_change", args=[news.pk]))
    sighting_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    token = sighting_form["edit_token"].value()
    sighting.place = "Port Qasim"
    sighting.save()

    data = {
        "publisher": news.publisher_id,
        "headline": news.headline,
        "url": news.url,
        "date": news.date.isoformat(),
        "date_precision": "day",
        "slug": news.slug,
        "summary": "",
        "body": "",
        "author": "",
        "edit_token": response.context["adminform"].form["edit_token"].value(),
    }
    for prefix in ["sightings", "pricepoints", "partnerships", "marketevents", "statements"]:
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    data |= {
        "sightings-TOTAL_FORMS": "1",
        "sightings-INITIAL_FORMS": "1",
        "sightings-0-id": sighting.pk,
        "sightings-0-source": news.pk,
        "sightings-0-vehicle_model": sighting.vehicle_model_id,
        "sightings-0-claim_status": "reported",
        "sightings-0-place": "Karachi port (edited)",
        "sightings-0-city": "Karachi",
        "sightings-0-quantity": "1",
        "sightings-0-date": "2024-09-28",
        "sightings-0-date_precision": "day",
        "sightings-0-notes": "",
        "sightings-0-edit_token": token,
    }
    response = admin_client.post(reverse("admin:entrants_newsitem_change", args=[news.pk]), data)
    assert "Someone else changed this sighting" in response.content.decode()
    sighting.refresh_from_db()
    assert sighting.place == "Port Qasim"


# --- Roles ---------------------------------------------------------------------------------


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


@pytest.fixture
def viewer(client):
    user = User.objects.create_user("viewer", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Viewers"))
    client.force_login(user)
    return client


def test_editors_add_and_change_news_and_facts(editor):
    publisher = factories.PublisherFactory()
    data = {
        "publisher": publisher.pk,
        "headline": "BYD opens in Karachi",
        "url": "",
        "date": "2024-10-01",
        "date_precision": "day",
        "slug": "",
        "summary": "",
        "body": "",
        "author": "",
    }
    for prefix in ["sightings", "pricepoints", "partnerships", "marketevents", "statements"]:
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    response = editor.post(reverse("admin:entrants_newsitem_add"), data)
    assert response.status_code == 302
    news = NewsItem.objects.get(headline="BYD opens in Karachi")
    assert editor.get(reverse("admin:entrants_newsitem_change", args=[news.pk])).status_code == 200
    assert editor.get(reverse("admin:entrants_sighting_add")).status_code == 200


def test_editors_cannot_delete_or_manage_users(editor):
    news = factories.NewsItemFactory()
    assert editor.get(reverse("admin:entrants_newsitem_delete", args=[news.pk])).status_code == 403
    editor.post(reverse("admin:entrants_newsitem_delete", args=[news.pk]), {"post": "yes"})
    assert NewsItem.objects.filter(pk=news.pk).exists()
    assert editor.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_viewers_can_only_read(viewer):
    company = factories.CompanyFactory(name="Xiaomi", description="Phones")
    assert viewer.get(reverse("admin:entrants_company_changelist")).status_code == 200
    assert (
        viewer.get(reverse("admin:entrants_company_change", args=[company.pk])).status_code == 200
    )
    assert viewer.get(reverse("admin:entrants_company_add")).status_code == 403
    response = viewer.post(
        reverse("admin:entrants_company_change", args=[company.pk]),
        company_form(company, description="Changed"),
    )
    assert response.status_code == 403
    company.refresh_from_db()
    assert company.description == "Phones"
    assert (
        viewer.get(reverse("admin:entrants_company_delete", args=[company.pk])).status_code == 403
    )


@pytest.mark.parametrize(
    "token, message",
    [("as opened", "Someone else changed this sighting"), (None, "without its edit token")],
    ids=["stale", "without a token"],
)
def test_deleting_an_inline_row_someone_changed_since_is_refused(admin_client, token, message):
    sighting = factories.SightingFactory(place="Karachi port")
    url = reverse("admin:entrants_newsitem_change", args=[sighting.source.pk])
    page = admin_client.get(url)  # opened…
    sighting.place = "Port Qasim"  # …then another editor saves the sighting
    sighting.save()
    changes = {"sightings-0-DELETE": "on"}
    if token is None:
        changes["sightings-0-edit_token"] = None

    response = admin_client.post(url, admin_form_data(page, **changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Sighting.objects.filter(pk=sighting.pk, place="Port Qasim").exists()


def test_every_change_form_posted_back_as_shown_saves(admin_client, reference_data):
    """Each tracked record's change page, inlines and their edit tokens included, saves when
    a browser posts it back unchanged: no form lacks the token its save now requires."""

    from entrants.models import NewsItem

    news = NewsItem.objects.filter(sightings__isnull=False, pricepoints__isnull=False).first()
    for model_class in registered_models():
        if model_class._meta.app_label != "entrants":
            continue
        obj = news if model_class is NewsItem else model_class.objects.first()
        opts = model_class._meta
        url = reverse(f"admin:entrants_{opts.model_name}_change", args=[obj.pk])
        page = admin_client.get(url)
        data = admin_form_data(page)
        assert data.get("edit_token", [""])[0], url
        response = admin_client.post(url, data)
        assert response.status_code == 302, (url, response.context and response.context["errors"])


# --- History from the loaded version -----------------------------------------------------------


def history_page(client, record):
    """Return the text of ``record``'s admin history page."""
    opts = record._meta
    response = client.get(reverse(f"admin:entrants_{opts.model_name}_history", args=[record.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_loaded_record_lists_its_loaded_version(editor, reference_data):
    xiaomi = Company.objects.get(slug="xiaomi")

    content = history_page(editor, xiaomi)

    loaded = xiaomi.history.get()
    assert loaded.history_change_reason == "Loaded from reference data"
    assert "Loaded from reference data" in content
    assert reverse("admin:entrants_company_simple_history", args=[xiaomi.pk, loaded.pk]) in content
    assert "None" not in content  # no user and no "None" for a version loaded by a command


def test_an_editor_reverts_a_loaded_record_to_its_loaded_version(editor, reference_data):
    xiaomi = Company.objects.get(slug="xiaomi")
    loaded_description = xiaomi.description
    change_url = reverse("admin:entrants_company_change", args=[xiaomi.pk])
    response = editor.post(
        change_url, admin_form_data(editor.get(change_url), description="Vandalised")
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert "None" not in history_page(editor, xiaomi)  # the editor's change has no reason

    loaded = xiaomi.history.earliest()
    url = reverse("admin:entrants_company_simple_history", args=[xiaomi.pk, loaded.pk])
    shown = admin_form_data(editor.get(url))
    assert shown["description"] == [loaded_description]
    response = editor.post(url, shown)  # "Revert", as the page sends it

    assert response.status_code == 302, response.context and response.context["errors"]
    xiaomi.refresh_from_db()
    assert xiaomi.description == loaded_description
    reasons = [version.history_change_reason for version in xiaomi.history.all()]
    assert reasons == [None, None, "Loaded from reference data"]  # reverted, edited, loaded


def test_a_change_from_an_empty_value_shows_the_admin_dash_not_none(editor, reference_data):
    sighting = Sighting.objects.get(vehicle_model__slug="xiaomi-su7-max")
    assert sighting.quantity is None
    change_url = reverse("admin:entrants_sighting_change", args=[sighting.pk])
    response = editor.post(change_url, admin_form_data(editor.get(change_url), quantity="2"))
    assert response.status_code == 302, response.context and response.context["errors"]

    content = history_page(editor, sighting)

    assert re.search(r"<strong>Quantity:</strong>\s*-\s*&nbsp;&rarr;&nbsp;&nbsp;2\b", content)
    assert "None" not in content
