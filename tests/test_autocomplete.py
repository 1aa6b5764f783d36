"""The admin's search lists the best matches first: an exact name, then names starting with
the term, then the rest, in the autocompletes and on the changelists (unless a column was
chosen to sort by)."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from entrants.roles import EDITORS
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    client.force_login(user)
    return client


def autocomplete(client, model_name, field_name, term):
    """Return the texts the admin's autocomplete lists for ``term``, in order."""
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "entrants", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


@pytest.fixture
def companies():
    """Companies that all match "xiaomi", most of them sorting before Xiaomi by name."""
    factories.CompanyFactory(
        name="Air Link Communication", description="Distributes Xiaomi phones in Pakistan."
    )
    factories.CompanyFactory(name="Beijing Electric Vehicle", description="A xiaomi rival.")
    alias = factories.CompanyAliasFactory(name="Mi (Xiaomi) Pakistan")
    alias.company.name = "Ad Hoc Traders"
    alias.company.save()
    factories.CompanyFactory(name="Xiaomi Auto")
    factories.CompanyFactory(name="Xiaomi")
    factories.CompanyFactory(name="Zeekr")  # no match


def test_autocomplete_lists_the_exact_company_first_then_prefixes(editor, companies):
    assert autocomplete(editor, "newsitem", "companies", "xiaomi") == [
        "Xiaomi",
        "Xiaomi Auto",
        "Ad Hoc Traders",
        "Air Link Communication",
        "Beijing Electric Vehicle",
    ]


def test_autocomplete_ranks_an_exact_alias_with_an_exact_name(editor):
    factories.CompanyAliasFactory(company__name="Pak Suzuki Motor", name="PSMC")
    factories.CompanyFactory(name="A PSMC dealer")
    assert autocomplete(editor, "newsitem", "companies", "psmc") == [
        "Pak Suzuki Motor",
        "A PSMC dealer",
    ]


def test_autocomplete_lists_the_exact_model_first_then_its_variants_then_prefixes(editor):
    xiaomi = factories.CompanyFactory(name="Xiaomi")
    factories.VehicleModelFactory(maker=xiaomi, name="SU7", variant="Ultra")
    factories.VehicleModelFactory(maker=xiaomi, name="SU7")
    factories.VehicleModelFactory(maker__name="BAIC", name="SU700")
    factories.VehicleModelAliasFactory(
        vehicle_model__maker__name="Avatr", vehicle_model__name="07", name="the SU7 fighter"
    )
    factories.VehicleModelFactory(maker__name="Aion", name="Y")  # no match

    assert autocomplete(editor, "pricepoint", "vehicle_model", "su7") == [
        "Xiaomi SU7",
        "Xiaomi SU7 Ultra",
        "BAIC SU700",
        "Avatr 07",
    ]


def test_autocomplete_of_people_lists_the_exact_name_first(editor):
    factories.PersonFactory(name="Lei Jun")
    factories.PersonFactory(name="Aamir Lei")
    factories.PersonFactory(name="Lei")
    assert autocomplete(editor, "statement", "person", "lei") == ["Lei", "Lei Jun", "Aamir Lei"]


def changelist_names(client, **params):
    response = client.get(reverse("admin:entrants_company_changelist"), params)
    assert response.status_code == 200
    return [company.name for company in response.context["cl"].result_list]


def test_changelist_search_ranks_unless_a_column_was_chosen(editor, companies):
    ranked = changelist_names(editor, q="xiaomi")
    assert ranked[:2] == ["Xiaomi", "Xiaomi Auto"]

    by_name_descending = changelist_names(editor, q="xiaomi", o="-0")  # name, descending
    assert by_name_descending == sorted(ranked, reverse=True)


def test_autocomplete_ranks_a_model_name_match_above_a_maker_name_match(editor):
    mg = factories.CompanyFactory(name="MG Motor")
    factories.VehicleModelFactory(maker=mg, name="HS", variant="PHEV")
    factories.VehicleModelFactory(maker=mg, name="MG4")
    assert autocomplete(editor, "pricepoint", "vehicle_model", "mg") == [
        "MG Motor MG4",  # its own name starts with "mg"
        "MG Motor HS PHEV",  # only its maker's does
    ]
