"""The one search: /search/, the lists' ``q`` and the index behind them, on the database the
suite runs on (CI runs it on SQLite and on PostgreSQL)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entrants.cache import forget_per_version_values
from entrants.models import (
    Sighting,
    VehicleModel,
)
from entrants.search import documents, engine, index
from entrants.search.models import SearchDocument
from tests import factories

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"


def get(client, url, **params):
    return client.get(url, params, headers={"host": HOST})


def results(client, q):
    """Return ``{kind: [label, …]}`` as /search/ shows them (best first)."""
    response = get(client, "/search/", q=q)
    assert response.status_code == 200, response.content[:400]
    return {
        group.kind.name: [hit.label for hit in group.hits] for group in response.context["groups"]
    }


# --- The reference data, as a new user tries it --------------------------------------------


def test_xiaomi_karachi_finds_the_su7_max_sighting_in_either_word_order(client, reference_data):
    sighting = Sighting.objects.get(vehicle_model__slug="xiaomi-su7-max", city="Karachi")
    for q in ("xiaomi karachi", "karachi xiaomi", "Xiaomi in Karachi", "KARACHI, xiaomi"):
        found = results(client, q)
        assert found["sighting"] == [str(sighting)], q
    page = get(client, "/search/", q="xiaomi karachi").content.decode()
    assert f'href="{sighting.get_absolute_url()}"' in page
    assert "<mark>Xiaomi</mark>" in page and "<mark>Karachi</mark>" in page


def test_a_misspelt_name_is_forgiven_and_said(client, reference_data):
    found = results(client, "xiomi")
    assert found["company"][0] == "Xiaomi"  # its name, above companies that only mention it
    assert "Xiaomi SU7" in found["model"]
    page = get(client, "/search/", q="xiomi").content.decode()
    assert "“xiomi” also matched as <strong>xiaomi</strong>" in page
    # The lists' q forgives the same way.
    response = get(client, "/companies/", q="xiomi")
    assert "Xiaomi" in [str(row) for row in response.context["page"].object_list]


def test_the_start_of_a_word_is_enough(client, reference_data):
    assert "Xiaomi" in results(client, "xiao")["company"]
    assert "BYD Seal" in results(client, "byd sea")["model"]


def test_nothing_found_says_so(client, reference_data):
    response = get(client, "/search/", q="zzyzx qqqq")
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert "Nothing matches “zzyzx qqqq”" in response.content.decode()


# --- Ranking, misspellings and every kind, on records of the test's own ---------------------


def test_a_name_match_ranks_above_a_body_match(client):
    named = factories.NewsItemFactory(headline="Quorvane opens an EV plant in Lahore")
    mentioned = factories.NewsItemFactory(
        headline="Electric cars arrive", body="Among the brands seen was Quorvane, briefly."
    )
    factories.NewsItemFactory(headline="Unrelated report", body="Nothing here.")
    company = factories.CompanyFactory(name="Quorvane Motors")
    factories.CompanyFactory(name="Other Motors", description="A rival of Quorvane.")
    found = results(client, "quorvane")
    assert found["news"] == [str(named), str(mentioned)]
    assert found["company"] == [str(company), "Other Motors"]


def test_small_misspellings_of_names_are_forgiven(client):
    company = factories.CompanyFactory(name="Zentrix")
    factories.SightingFactory(vehicle_model__maker=company, city="Hyderabad", place="")
    for typo in ("zentrx", "zentrex", "zentrixx"):
        found = results(client, typo)
        assert found.get("company") == ["Zentrix"], typo
        assert len(found.get("sighting", [])) == 1, typo
    assert results(client, "zentrix hyderbad")["sighting"]  # two words, one misspelt
    assert results(client, "qwxz") == {}  # nothing close: nothing found


KIND_RECORDS = {
    "company": lambda word: factories.CompanyFactory(name=f"{word} Motors"),
    "model": lambda word: factories.VehicleModelFactory(name=f"{word} GT"),
    "person": lambda word: factories.PersonFactory(name=f"Amir {word}"),
    "partnership": lambda word: factories.PartnershipFactory(scope=f"Assembly of {word} cars"),
    "sighting": lambda word: factories.SightingFactory(place=f"{word} showroom"),
    "price": lambda word: factories.PricePointFactory(notes=f"The {word} trim."),
    "event": lambda word: factories.MarketEventFactory(title=f"{word} launch"),
    "news": lambda word: factories.NewsItemFactory(body=f"Reported by {word} sources."),
    "statement": lambda word: factories.StatementFactory(text=f"We bring {word} cars."),
}


def test_every_kind_is_found_in_its_own_group(client):
    assert set(KIND_RECORDS) == {kind.name for kind in documents.KINDS}
    made = {kind: make("Velmora") for kind, make in KIND_RECORDS.items()}
    response = get(client, "/search/", q="velmora")
    groups = {group.kind.name: group for group in response.context["groups"]}
    assert set(groups) == set(made)
    page = response.content.decode()
    for kind, record in made.items():
        assert groups[kind].count == 1
        assert groups[kind].hits[0].object_id == record.pk
        url = documents.url_of(record)
        assert f'href="{url}"' in page, kind


def test_a_kind_with_more_matches_links_to_its_list_showing_the_same_rows(client):
    for number in range(7):
        factories.SightingFactory(place=f"Ravelle depot {number}")
    factories.SightingFactory(place="Elsewhere")
    response = get(client, "/search/", q="ravelle")
    (group,) = response.context["groups"]
    assert group.count == 7 and len(group.hits) == 5
    assert group.list_url == "/sightings/?q=ravelle"
    listed = get(client, group.list_url).context["page"].object_list
    assert len(listed) == 7


def test_matching_text_is_escaped_and_marked(client):
    factories.CompanyFactory(name="<b>Tarvix</b> & Sons")
    page = get(client, "/search/", q="tarvix").content.decode()
    assert "&lt;b&gt;<mark>Tarvix</mark>&lt;/b&gt; &amp; Sons" in page
    assert "<b>Tarvix" not in page


# --- The index follows the records ----------------------------------------------------------


def test_edits_renames_aliases_links_and_deletes_reach_the_index(client):
    maker = factories.CompanyFactory(name="Old Name")
    model = factories.VehicleModelFactory(maker=maker, name="Corvia")
    sighting = factories.SightingFactory(vehicle_model=model, place="Gwadar port")
    event = factories.MarketEventFactory(title="A launch")

    maker.name = "Brightwell"
    maker.save()  # the model's and the sighting's documents name the maker
    found = results(client, "brightwell")
    assert found["model"] == ["Brightwell Corvia"] and len(found["sighting"]) == 1

    factories.CompanyAliasFactory(company=maker, name="Brytwel")
    assert results(client, "brytwel")["company"] == ["Brightwell"]

    event.companies.add(maker)
    assert results(client, "brightwell")["event"] == [str(event)]
    event.companies.remove(maker)
    assert "event" not in results(client, "brightwell")

    sighting.delete()
    assert "sighting" not in results(client, "gwadar")
    assert not SearchDocument.objects.filter(kind="sighting", object_id=sighting.pk).exists()


def test_an_import_reindexes_once_at_the_end_of_its_block():
    with index.deferred():
        company = factories.CompanyFactory(name="Deferro")
        assert not SearchDocument.objects.filter(kind="company", object_id=company.pk).exists()
    assert SearchDocument.objects.filter(kind="company", object_id=company.pk).exists()


def test_rebuild_indexes_rows_written_in_bulk(client):
    maker = factories.CompanyFactory()
    VehicleModel.objects.bulk_create(
        [VehicleModel(maker=maker, name="Bulkara", slug="bulkara", stage_in_pakistan="rumoured")]
    )
    assert "model" not in results(client, "bulkara")
    call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
    assert results(client, "bulkara")["model"] == [f"{maker.name} Bulkara"]


def test_migrate_fills_an_empty_index_of_a_database_with_records():
    company = factories.CompanyFactory(name="Fillmore")
    SearchDocument.objects.all().delete()
    index.fill_if_empty(verbosity=0)
    assert SearchDocument.objects.filter(kind="company", object_id=company.pk).exists()


# --- Bad input and cost ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "q, message",
    [
        (" ".join(f"word{n}" for n in range(11)), "at most 10 words"),
        ("x" * 201, "at most 200 characters"),
    ],
)
def test_a_query_too_long_is_refused_with_a_reason(client, q, message):
    response = get(client, "/search/", q=q)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_odd_input_is_a_search_not_an_error(client):
    factories.CompanyFactory(name="Norvik")
    for q in ('"norvik', "norvik*", "norvik OR", "norvik:*", "(norvik", "-norvik", "norvik & |"):
        response = get(client, "/search/", q=q)
        assert response.status_code == 200, q
        assert response.context["groups"][0].hits[0].label == "Norvik", q
    assert get(client, "/search/", q="\u0000").status_code in (200, 400)
    assert get(client, "/search/", q="!!!").context["groups"] == []


def test_search_queries_stay_constant_as_rows_grow(client, django_assert_num_queries):
    urls = [
        "/search/?q=maker",
        "/search/?q=karachi+model",
        "/sightings/?q=karachi",
        "/search/?q=makr",
    ]
    factories.build_related_rows(3)

    def count(url):
        forget_per_version_values()
        with CaptureQueriesContext(connection) as queries:
            assert get(client, url).status_code == 200
        return len(queries)

    small = [count(url) for url in urls]
    factories.build_related_rows(12)
    for url, expected in zip(urls, small, strict=True):
        forget_per_version_values()
        with django_assert_num_queries(expected):
            get(client, url)


def test_the_navigation_search_box_leads_to_the_search(client):
    page = get(client, "/companies/").content.decode()
    assert 'role="search"' in page and 'action="/search/"' in page and 'name="q"' in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with pg_trgm")
def test_the_similarity_is_pg_trgms():
    pairs = [("xiomi", "xiaomi"), ("karachii", "karachi"), ("zentrx", "zentrix"), ("byd", "bmw")]
    with connection.cursor() as cursor:
        for a, b in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert engine.similarity(a, b) == pytest.approx(cursor.fetchone()[0], abs=1e-6)
