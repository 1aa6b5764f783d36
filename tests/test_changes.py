"""Recent changes (/changes/ and its feed): what was added, changed, withdrawn or deleted, read
from the history the tracker keeps, newest first, filtered by kind and date, paged, and never
saying who made a change."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.manager import HistoryManager

from entrants import changes
from entrants.downloads import PUBLIC_MODELS
from entrants.models import (
    ClaimStatus,
    Company,
    NewsItem,
    Partnership,
    PricePoint,
    Sighting,
    VehicleModel,
)
from tests import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
HOST = "127.0.0.1"


def get(client, url, **params):
    return client.get(url, params, headers={"host": HOST})


def shown(client, **params):
    """Return the changes the page shows (the response must be 200)."""
    response = get(client, "/changes/", **params)
    assert response.status_code == 200, response.content[:500]
    return response.context["page"].object_list


def feed_entries(client, **params):
    response = get(client, "/changes/feed/", **params)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def dated(model, record, when):
    """Date every version of ``record`` at ``when`` (aware)."""
    model.history.filter(id=record.pk).update(history_date=when)


def local(*args):
    return timezone.make_aware(datetime.datetime(*args))


# --- What shows --------------------------------------------------------------------------------


def test_added_changed_and_deleted_records_show_newest_first(client):
    company = factories.CompanyFactory(name="Air Link")
    company.name = "Air Link Communication"
    company.save()
    sighting = factories.SightingFactory(place="Port Qasim")
    sighting_url = sighting.get_absolute_url()
    sighting.delete()
    rows = shown(client)
    assert [(row.kind, row.action) for row in rows[:2]] == [
        ("sighting", "deleted"),
        ("sighting", "added"),
    ]
    deleted, added_sighting = rows[0], rows[1]
    assert deleted.what == "A sighting was deleted" and deleted.url == ""
    assert added_sighting.what == "A sighting, since deleted"
    assert added_sighting.url == ""  # the record no longer exists: no link
    by_company = [row for row in rows if row.kind == "company" and "Air Link" in row.what]
    assert [(row.action, row.what) for row in by_company] == [
        ("changed", "Air Link Communication"),
        ("added", "Air Link"),
    ]
    assert all(row.url == company.get_absolute_url() for row in by_company)
    page = get(client, "/changes/").content.decode()
    assert f'href="{company.get_absolute_url()}"' in page
    assert f'href="{sighting_url}"' not in page
    assert "Deleted" in page and "A sighting was deleted" in page
    assert "Port Qasim" not in page


def test_a_status_change_shows_the_old_and_new_status(client):
    price = factories.PricePointFactory(claim_status=ClaimStatus.REPORTED)
    price.claim_status = ClaimStatus.CONFIRMED
    price.save()
    price.claim_status = ClaimStatus.DENIED
    price.save()
    withdrawn, confirmed, added = [row for row in shown(client) if row.kind == "price"]
    assert added.action == "added" and added.status == "Claim status: Reported"
    assert confirmed.action == "changed"
    assert [str(s) for s in confirmed.status_changes] == ["Claim status: Reported → Confirmed"]
    assert withdrawn.action == "withdrawn"
    assert [str(s) for s in withdrawn.status_changes] == ["Claim status: Confirmed → Denied"]
    page = get(client, "/changes/").content.decode()
    assert "Claim status: Reported → Confirmed" in page
    assert "Withdrawn" in page


def test_a_partnership_status_and_a_model_stage_are_statuses_too(client):
    partnership = factories.PartnershipFactory(status=Partnership.Status.ANNOUNCED)
    partnership.status = Partnership.Status.ACTIVE
    partnership.save()
    model = factories.VehicleModelFactory(stage_in_pakistan=VehicleModel.Stage.RUMOURED)
    factories.SightingFactory(vehicle_model=model, kind=Sighting.Kind.IMPORTED)  # moves it
    rows = shown(client)
    (stage,) = [row for row in rows if row.kind == "model" and row.action == "changed"]
    assert [str(s) for s in stage.status_changes] == ["Stage in Pakistan: Rumoured → Imported"]
    (active,) = [row for row in rows if row.kind == "partnership" and row.action == "changed"]
    assert [str(s) for s in active.status_changes] == ["Status: Announced → Active"]
    (imported,) = [row for row in rows if row.kind == "sighting"]
    assert imported.kind_label == "Import"


def test_an_edit_that_keeps_the_status_is_a_plain_change(client):
    event = factories.MarketEventFactory(title="Launch in Lahore")
    event.title = "Launch in Lahore and Karachi"
    event.save()
    changed = shown(client, kind="event")[0]
    assert changed.action == "changed" and changed.status_changes == []
    assert changed.what.startswith("Launch in Lahore and Karachi")
    assert changed.url == event.get_absolute_url()


def test_links_follow_a_renamed_slug_and_statements_link_to_their_person(client):
    news = factories.NewsItemFactory()
    news.slug = "renamed-report"
    news.save()
    statement = factories.StatementFactory(source=news)
    rows = shown(client)
    assert {row.url for row in rows if row.kind == "news"} == {"/news/renamed-report/"}
    (said,) = [row for row in rows if row.kind == "statement"]
    assert said.url == f"{statement.person.get_absolute_url()}#statement-{statement.uuid}"


def test_no_staff_name_is_shown_even_when_the_history_names_them(client):
    editor = User.objects.create_user(
        "zarghuna_editor", "zarghuna@example.org", "x", first_name="Zarghuna", last_name="Qadir"
    )
    price = factories.PricePointFactory()
    price.claim_status = ClaimStatus.CONFIRMED
    price.save()
    for model in (PricePoint, NewsItem, VehicleModel, Company):
        model.history.update(history_user=editor, history_change_reason="Checked by Zarghuna Qadir")
    page = get(client, "/changes/").content.decode()
    feed = get(client, "/changes/feed/").content.decode()
    assert "Claim status: Reported → Confirmed" in page
    assert "Claim status: Reported → Confirmed" in feed
    for text in (page, feed):
        for secret in ("zarghuna", "Zarghuna", "Qadir", "example.org"):
            assert secret not in text


# --- Filters and pages ---------------------------------------------------------------------------


def test_the_kind_filter_shows_only_that_kind(client):
    factories.PricePointFactory()
    factories.MarketEventFactory()
    assert {row.kind for row in shown(client)} > {"price", "event"}
    assert {row.kind for row in shown(client, kind="price")} == {"price"}
    assert {row.kind for row in shown(client, kind="event")} == {"event"}
    entries = feed_entries(client, kind="price")
    assert entries and all(entry["title"].startswith("Price ") for entry in entries)


def test_since_and_until_take_whole_days_in_the_site_time_zone(client):
    early = factories.CompanyFactory(name="Early")
    first_moment = factories.CompanyFactory(name="First moment")
    last_moment = factories.CompanyFactory(name="Last moment")
    late = factories.CompanyFactory(name="Late")
    dated(Company, early, local(2025, 3, 9, 23, 59, 59))
    dated(Company, first_moment, local(2025, 3, 10, 0, 0))
    dated(Company, last_moment, local(2025, 3, 12, 23, 59, 59))
    dated(Company, late, local(2025, 3, 13, 0, 0))

    def names(**params):
        return [row.what for row in shown(client, kind="company", **params)]

    assert names(since="2025-03-10", until="2025-03-12") == ["Last moment", "First moment"]
    assert names(since="2025-03-13") == ["Late"]
    assert names(until="2025-03-09") == ["Early"]
    assert names(since="0001-01-01", until="9999-12-31") == [
        "Late",
        "Last moment",
        "First moment",
        "Early",
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "yesterday"}, "Since (“yesterday”): Enter a date as YYYY-MM-DD."),
        ({"until": "2025-02-30"}, "Until (“2025-02-30”): Enter a date as YYYY-MM-DD."),
        ({"since": "99999-01-01"}, "Enter a date as YYYY-MM-DD."),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "is after “until”"),
        ({"kind": "users"}, "Kind of record (“users”)"),
        ({"kind": "<script>"}, "Kind of record (“&lt;script&gt;”)"),
        ({"page": "abc"}, "“abc” is not a page number"),
        ({"page": "9" * 20}, "is not a page number"),
        ({"page": "99"}, "There is no page 99"),
    ],
)
def test_bad_parameters_are_ignored_with_a_message(client, params, message):
    factories.CompanyFactory()
    response = get(client, "/changes/", **params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["page"].object_list  # the changes still show, unfiltered
    assert "no-store" in response["Cache-Control"]


HOSTILE = [
    "",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "-2024-01-01",
    "2024-09-28T25:00",
    "20240101",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\x00",
    "١٢٣",
    "9" * 5000,
]


def test_hostile_values_never_answer_a_server_error(client):
    factories.CompanyFactory()
    for value in HOSTILE:
        for params in ({"since": value}, {"until": value}, {"kind": value}, {"page": value}):
            assert get(client, "/changes/", **params).status_code == 200, params
        assert get(client, "/changes/feed/", kind=value).status_code in (200, 400), value


def test_a_bad_kind_in_the_feed_is_a_400(client):
    assert get(client, "/changes/feed/", kind="users").status_code == 400


def test_changes_are_paged_fifty_at_a_time_with_none_lost_or_repeated(client):
    company = factories.CompanyFactory(name="Version 0")
    for number in range(1, 110):
        company.name = f"Version {number}"
        company.save()
    rows = {number: shown(client, kind="company", page=number) for number in (1, 2, 3)}
    assert [len(page) for page in rows.values()] == [50, 50, 10]
    names = [row.what for number in (1, 2, 3) for row in rows[number]]
    assert names == [f"Version {number}" for number in range(109, -1, -1)]
    page = get(client, "/changes/", kind="company", page=2).content.decode()
    assert 'rel="next"' in page and 'rel="prev"' in page
    assert "?kind=company&amp;page=3" in page
    assert "Page 2 of 3" in page and "110 changes" in page


def test_kinds_are_merged_in_time_order(client):
    made = [
        (Company, factories.CompanyFactory(), local(2025, 1, 3)),
        (PricePoint, factories.PricePointFactory(), local(2025, 1, 5)),
        (Partnership, factories.PartnershipFactory(), local(2025, 1, 4)),
    ]
    for model, record, when in made:
        dated(model, record, when)
    rows = [row for row in shown(client, since="2025-01-01", until="2025-01-31")]
    assert [row.kind for row in rows] == ["price", "partnership", "company"]


# --- Pages, access, queries ----------------------------------------------------------------------


def test_the_page_is_in_the_menu_and_links_its_feed(client):
    factories.CompanyFactory()
    home = get(client, "/").content.decode()
    assert 'href="/changes/">Changes</a>' in home
    page = get(client, "/changes/", kind="price").content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in page
    assert 'href="/changes/feed/?kind=price"' in page


def test_the_feed_links_each_change_and_gives_it_a_lasting_id(client):
    company = factories.CompanyFactory(name="Air Link")
    sighting = factories.SightingFactory()
    sighting.delete()
    entries = feed_entries(client)
    first = feed_entries(client)
    assert [entry["id"] for entry in entries] == [entry["id"] for entry in first]
    assert len({entry["id"] for entry in entries}) == len(entries)
    assert all(entry["id"].startswith("urn:uuid:") for entry in entries)
    (air_link,) = [entry for entry in entries if entry["title"] == "Company added: Air Link"]
    assert air_link["link"] == f"http://{HOST}{company.get_absolute_url()}"
    deleted = entries[0]
    assert deleted["title"] == "Sighting deleted"  # by its kind alone: it is gone
    assert deleted["link"].startswith(f"http://{HOST}/changes/#sighting-")
    assert "The record was deleted." in deleted["summary"]


def test_changes_require_login_when_the_pages_do(client, settings):
    factories.CompanyFactory()
    settings.ANALYST_LOGIN_REQUIRED = True
    page = get(client, "/changes/")
    assert page.status_code == 302
    assert page["Location"].startswith("/admin/login/?next=")
    assert get(client, "/changes/feed/").status_code == 401  # a feed reader gets no form
    client.force_login(User.objects.create_user("reader", password="x"))
    assert shown(client)


def every_kind_changed(count):
    """Add, change and delete ``count`` records of every kind, with related rows."""
    for _ in range(count):
        model = factories.VehicleModelFactory()
        price = factories.PricePointFactory(vehicle_model=model)
        price.claim_status = ClaimStatus.CONFIRMED
        price.save()
        factories.SightingFactory(vehicle_model=model).delete()
        factories.PartnershipFactory(partner=model.maker).vehicle_models.add(model)
        factories.MarketEventFactory().companies.add(model.maker)
        factories.StatementFactory()
        factories.StatedConversionFactory(price_point=price)
        factories.CompanyAliasFactory(company=model.maker)
        factories.VehicleModelAliasFactory(vehicle_model=model).delete()
        rate = factories.ExchangeRateFactory()
        rate.claim_status = ClaimStatus.DENIED
        rate.save()
        model.stage_in_pakistan = VehicleModel.Stage.LAUNCHED
        model.save()


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert get(client, url).status_code == 200, url
    return len(queries)


def test_change_queries_stay_constant_as_rows_grow(client, django_assert_num_queries):
    urls = [
        "/changes/",
        "/changes/?page=2",
        "/changes/?kind=price",
        "/changes/?kind=stated_conversion",
        "/changes/feed/",
        "/changes/feed/?kind=model_alias",
    ]
    every_kind_changed(3)  # enough for every kind on page 2 too (some 38 versions each)
    small = [queries_for(client, url) for url in urls]
    every_kind_changed(6)
    for url, count in zip(urls, small, strict=True):
        with django_assert_num_queries(count):
            assert get(client, url).status_code == 200


def test_every_kind_of_public_record_is_listed():
    """Every public model whose history the tracker keeps has its changes on /changes/, and a
    model with a history is either public or excluded here, by name, with the reason."""
    # Nothing is excluded: every tracked model of the app is public data.
    excluded = set()
    tracked = {
        model
        for model in apps.get_app_config("entrants").get_models()
        if isinstance(getattr(model, "history", None), HistoryManager)
    }
    assert tracked - set(PUBLIC_MODELS) - excluded == set()  # a history kept but not public?
    assert {kind.model for kind in changes.KINDS.values()} == (
        tracked & set(PUBLIC_MODELS)
    ) - excluded
    assert len(changes.KINDS) == len(tracked) - len(excluded)  # one kind per model


# --- Deleted records ---------------------------------------------------------------------------


def test_a_deleted_record_is_shown_by_its_kind_alone_in_every_version(client):
    person = factories.PersonFactory(name="Secret Person", role="Whistle-blower")
    statement = factories.StatementFactory(person=person, text="Secret words about a launch")
    person.name = "Secret Person Khan"
    person.save()
    statement.delete()
    person.delete()
    kept = factories.PersonFactory(name="Public Person")
    rows = shown(client, kind="person")
    assert [(row.action, row.what, row.url) for row in rows] == [
        ("added", "Public Person", kept.get_absolute_url()),
        ("deleted", "A person was deleted", ""),
        ("changed", "A person, since deleted", ""),
        ("added", "A person, since deleted", ""),
    ]
    (said_deleted, said_added) = shown(client, kind="statement")
    assert said_deleted.what == "A statement was deleted" and said_added.url == ""
    titles = [entry["title"] for entry in feed_entries(client, kind="person")]
    assert titles == [
        "Person added: Public Person",
        "Person deleted",
        "Person changed (since deleted)",
        "Person added (since deleted)",
    ]
    pages = [
        get(client, "/changes/").content.decode(),
        get(client, "/changes/", kind="person").content.decode(),
        get(client, "/changes/", kind="statement").content.decode(),
        get(client, "/changes/feed/").content.decode(),
        get(client, "/changes/feed/", kind="person").content.decode(),
        get(client, "/changes/feed/", kind="statement").content.decode(),
    ]
    for text in pages:
        assert "Public Person" in text or "statement" in text
        for secret in ("Secret", "Whistle", "launch", person.slug):
            assert secret not in text


# --- Rates, stated conversions, aliases --------------------------------------------------------


def test_a_rate_marked_denied_is_withdrawn_and_links_to_its_day_in_the_rates_list(client):
    rate = factories.ExchangeRateFactory(
        date=datetime.date(2024, 9, 28), rate="278.1234000000", claim_status=ClaimStatus.CONFIRMED
    )
    factories.ExchangeRateFactory(date=datetime.date(2024, 9, 27), rate="280.5000000000")
    rate.claim_status = ClaimStatus.DENIED
    rate.save()
    withdrawn, added = [row for row in shown(client, kind="rate") if "2024-09-28" in row.what]
    assert added.action == "added" and added.status == "Claim status: Confirmed"
    assert withdrawn.action == "withdrawn" and withdrawn.kind_label == "Exchange rate"
    assert [str(s) for s in withdrawn.status_changes] == ["Claim status: Confirmed → Denied"]
    assert withdrawn.what == "1 USD = 278.1234 PKR on 2024-09-28 (SBP interbank close)"
    assert withdrawn.url == "/rates/?date=2024-09-28&base=USD&quote=PKR&source=sbp_interbank"
    listed = client.get(withdrawn.url, headers={"host": HOST})
    assert listed.status_code == 200
    assert "278.1234" in listed.content.decode() and "280.5" not in listed.content.decode()
    (entry, *_rest) = feed_entries(client, kind="rate")
    assert entry["title"].startswith("Exchange rate withdrawn: 1 USD = 278.1234 PKR")


def test_stated_conversions_link_to_their_price_and_aliases_to_their_record(client):
    model = factories.VehicleModelFactory(name="SU7")
    price = factories.PricePointFactory(vehicle_model=model)
    conversion = factories.StatedConversionFactory(price_point=price)
    company_alias = factories.CompanyAliasFactory(company=model.maker, name="Xiaomi Auto")
    model_alias = factories.VehicleModelAliasFactory(vehicle_model=model, name="Speed Ultra 7")
    (stated,) = shown(client, kind="stated_conversion")
    assert stated.what == f"{price}, stated as {conversion}"
    assert stated.url == price.get_absolute_url()
    (of_company,) = shown(client, kind="company_alias")
    assert of_company.what == f"Xiaomi Auto (another name of {model.maker.name})"
    assert of_company.url == model.maker.get_absolute_url()
    (of_model,) = shown(client, kind="model_alias")
    assert of_model.what == f"Speed Ultra 7 (another name of {model})"
    assert of_model.url == model.get_absolute_url()
    page = get(client, "/changes/").content.decode()
    for label in ("Stated conversion", "Company alias", "Model alias", "Xiaomi Auto"):
        assert label in page
    form = get(client, "/changes/").content.decode().split('name="kind"')[1].split("</select>")[0]
    for name, plural in [
        ("rate", "Exchange rates"),
        ("stated_conversion", "Stated conversions"),
        ("company_alias", "Company aliases"),
        ("model_alias", "Model aliases"),
    ]:
        assert f'value="{name}">{plural}</option>' in form
    titles = [entry["title"] for entry in feed_entries(client, kind="model_alias")]
    assert titles == [f"Model alias added: Speed Ultra 7 (another name of {model})"]
    company_alias.delete()
    model_alias.delete()
    assert [row.what for row in shown(client, kind="company_alias")] == [
        "A company alias was deleted",
        "A company alias, since deleted",
    ]
    assert "Xiaomi Auto" not in get(client, "/changes/").content.decode()
