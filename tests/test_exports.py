"""Exports an analyst can trust: every list's CSV and JSON carry each date with its precision,
every amount with its currency (converted ones rounded to the currency's minor unit), codes for
choices, the notes and every source; and the statements list works like the others."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from entrants.dates import DatePrecision
from entrants.models import ClaimStatus, MarketEvent, Statement
from tests import factories
from tests.lists import LISTS
from tests.responses import body, json_of

pytestmark = pytest.mark.django_db


def csv_rows(client, path, **params):
    response = client.get(path, {**params, "format": "csv"})
    assert response.status_code == 200, body(response)
    return list(csv.DictReader(io.StringIO(body(response).decode())))


def json_rows(client, path, **params):
    response = client.get(path, {**params, "format": "json"})
    assert response.status_code == 200, body(response)
    return json_of(response)["results"]


def test_a_month_precision_event_exports_its_precision_not_a_made_up_day(client):
    factories.MarketEventFactory(
        title="Launch in October", date=datetime.date(2024, 10, 1), date_precision="month"
    )
    factories.MarketEventFactory(
        title="Plant in 2026", date=datetime.date(2026, 1, 1), date_precision="year"
    )
    factories.MarketEventFactory(title="Undated", date=None)
    for rows in (csv_rows(client, "/events/"), json_rows(client, "/events/")):
        by_title = {row["title"]: row for row in rows}
        assert by_title["Launch in October"]["date"] == "2024-10"
        assert by_title["Launch in October"]["date_precision"] == DatePrecision.MONTH
        assert by_title["Plant in 2026"]["date"] == "2026"
        assert by_title["Plant in 2026"]["date_precision"] == DatePrecision.YEAR
        assert by_title["Undated"]["date"] in ("", None)


def test_news_dates_keep_their_precision_too(client):
    factories.NewsItemFactory(
        headline="In April", date=datetime.date(2025, 4, 1), date_precision="month"
    )
    row = next(r for r in csv_rows(client, "/news/") if r["headline"] == "In April")
    assert (row["date"], row["date_precision"]) == ("2025-04", "month")


@pytest.fixture
def priced():
    """A price of 215,900 CNY on a day with rates whose conversions have long decimals."""
    day = datetime.date(2024, 3, 28)
    model = factories.VehicleModelFactory(name="SU7")
    news = factories.NewsItemFactory(headline="The SU7 price", url="https://example.com/su7")
    price = factories.PricePointFactory(
        vehicle_model=model,
        amount=Decimal("215900"),
        currency="CNY",
        date=day,
        source=news,
        notes="The base variant.",
    )
    price.other_sources.add(
        factories.NewsItemFactory(headline="Another report", url="https://example.org/again")
    )
    factories.ExchangeRateFactory(base="USD", quote="CNY", rate=Decimal("7.0946"), date=day)
    factories.ExchangeRateFactory(base="USD", quote="PKR", rate=Decimal("278.3333"), date=day)
    return price


@pytest.mark.parametrize("currency", ["USD", "PKR", "CNY"])
def test_a_converted_export_names_its_currency_and_rounds_to_its_minor_unit(
    client, priced, currency
):
    for rows in (
        csv_rows(client, "/prices/", currency=currency),
        json_rows(client, "/prices/", currency=currency),
    ):
        (row,) = rows
        assert (row["amount"], row["currency"]) == ("215900.00", "CNY")  # exact, as quoted
        assert row["converted_currency"] == currency
        converted = Decimal(row["converted_amount"])
        assert converted.as_tuple().exponent >= -2, row["converted_amount"]
        expected = {
            "USD": Decimal("215900") / Decimal("7.0946"),
            "PKR": Decimal("215900") / Decimal("7.0946") * Decimal("278.3333"),
            "CNY": Decimal("215900"),
        }[currency]
        assert abs(converted - expected) <= Decimal("0.005")
        assert row["rates_used"] == "same currency" or "7.0946" in row["rates_used"]


def test_the_lowest_price_of_a_model_says_its_currency(client, priced):
    for currency in ("USD", "PKR"):
        (row,) = csv_rows(client, "/models/", currency=currency)
        assert row["lowest_price_currency"] == currency
        assert Decimal(row["lowest_price"]).as_tuple().exponent >= -2


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_sources_and_notes_are_exported(client, priced, fmt):
    rows = csv_rows(client, "/prices/") if fmt == "csv" else json_rows(client, "/prices/")
    (row,) = rows
    assert row["notes"] == "The base variant."
    assert row["source_title"] == "The SU7 price"
    assert row["source_url"] == "https://example.com/su7"
    assert row["source_page"].endswith(priced.source.get_absolute_url())
    assert row["other_sources"] == "Another report <https://example.org/again>"
    assert row["claim_status"] == priced.claim_status
    assert row["url"].endswith(priced.get_absolute_url())


@pytest.mark.parametrize("name", LISTS)
def test_every_list_exports_the_same_rows_as_csv_and_json(client, name):
    for factory in (
        factories.PartnershipFactory,
        factories.SightingFactory,
        factories.PricePointFactory,
        factories.MarketEventFactory,
        factories.StatementFactory,
        factories.ExchangeRateFactory,
    ):
        factory()
    from_csv = csv_rows(client, f"/{name}/")
    from_json = json_rows(client, f"/{name}/")
    assert from_csv, name
    assert len(from_csv) == len(from_json)
    assert list(from_csv[0]) == list(from_json[0])
    for key, text in from_csv[0].items():
        value = from_json[0][key]
        assert text == ("" if value is None else str(value)), (name, key)


def test_a_choice_exports_its_code_and_the_page_shows_its_label(client):
    factories.MarketEventFactory(kind=MarketEvent.Kind.ASSEMBLY_START, claim_status="rumoured")
    (row,) = csv_rows(client, "/events/")
    assert (row["kind"], row["claim_status"]) == ("assembly_start", "rumoured")
    page = client.get("/events/").content.decode()
    assert str(MarketEvent.Kind.ASSEMBLY_START.label) in page
    assert '<span class="badge badge-rumoured">Rumoured</span>' in page


def test_statements_list_filters_facets_sorts_and_exports(client):
    company = factories.CompanyFactory(name="Xiaomi")
    spokesman = factories.PersonFactory(name="Lu Weibing", organisation=company)
    other = factories.PersonFactory(name="Someone Else")
    early = factories.StatementFactory(
        person=spokesman,
        text="We will enter new markets",
        date=datetime.date(2024, 3, 1),
        claim_status=ClaimStatus.CONFIRMED,
    )
    named = factories.StatementFactory(
        person=other,
        text="Xiaomi cars will come to Karachi",
        date=datetime.date(2024, 9, 1),
        kind=Statement.Kind.PARAPHRASE,
    )
    named.companies.add(company)
    factories.StatementFactory(person=other, text="Unrelated", date=datetime.date(2023, 1, 1))

    page = client.get("/statements/")
    assert page.status_code == 200
    assert page.context["page"].object_list[0] == named  # newest first
    facets = {facet["title"]: facet for facet in page.context["facets"]}
    assert {"Person", "Kind", "Claim"} <= set(facets)

    def texts(**params):
        return [row["text"] for row in json_rows(client, "/statements/", **params)]

    assert texts(person=spokesman.slug) == [early.text]
    assert sorted(texts(company=company.slug)) == sorted([early.text, named.text])
    assert texts(date_after="2024-01-01", date_before="2024-06-30") == [early.text]
    assert texts(status="confirmed") == [early.text]
    assert texts(q="karachi") == [named.text]
    assert texts(sort="date")[0] == "Unrelated"
    row = json_rows(client, "/statements/", person=spokesman.slug)[0]
    assert (row["person"], row["organisation"]) == ("Lu Weibing", "Xiaomi")
    assert client.get("/statements/", {"date_after": "not a date"}).status_code == 200


def test_statements_are_linked_from_the_navigation_people_and_companies(client):
    statement = factories.StatementFactory()
    person = statement.person
    assert 'href="/statements/"' in client.get("/").content.decode()
    assert (
        f"/statements/?person={person.slug}"
        in client.get(person.get_absolute_url()).content.decode()
    )
    company = factories.CompanyFactory()
    assert (
        f"/statements/?company={company.slug}"
        in client.get(company.get_absolute_url()).content.decode()
    )


def test_page_one_thousand_of_a_bounded_list_answers_like_page_one(client):
    factories.SightingFactory.create_batch(60, city="Karachi")
    page = client.get("/sightings/", {"page": "3"})
    assert len(page.context["page"].object_list) == 10
    assert 'rel="next"' not in page.content.decode()
    far = client.get("/sightings/", {"page": "1000"})
    assert far.status_code == 200
    assert "There is no page 1000; the last page, 3, is shown." in far.content.decode()


def test_each_statement_exports_the_url_of_its_own_person(client):
    first = factories.StatementFactory(person=factories.PersonFactory(name="First Person"))
    second = factories.StatementFactory(person=factories.PersonFactory(name="Second Person"))
    urls = {row["person"]: row["url"] for row in json_rows(client, "/statements/")}
    assert urls["First Person"].endswith(first.get_absolute_url())
    assert urls["Second Person"].endswith(second.get_absolute_url())


def test_a_partnership_end_exports_its_precision(client):
    factories.PartnershipFactory(
        date=datetime.date(2024, 1, 1),
        ended_on=datetime.date(2025, 3, 1),
        ended_on_precision=DatePrecision.MONTH,
    )
    (row,) = csv_rows(client, "/partnerships/")
    assert (row["ended_on"], row["ended_on_precision"]) == ("2025-03", "month")


def test_facets_count_the_rows_an_amount_filter_kept(client, priced):
    factories.PricePointFactory(
        amount=Decimal("100"), currency="CNY", market="PK", date=priced.date
    )
    page = client.get("/prices/", {"currency": "CNY", "amount_min": "1000"})
    assert page.context["total"].count == 1
    market = next(f for f in page.context["facets"] if f["title"] == "Market")
    assert sum(item["count"] for item in market["items"]) == 1


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/companies/", {"active_in_pakistan": "maybe"}),
        ("/rates/", {"base": "EURO"}),
        ("/prices/", {"price_currency": "zz"}),
    ],
)
def test_a_filter_value_that_cannot_be_used_says_so(client, path, params):
    page = client.get(path, params)
    assert page.status_code == 200
    assert any("This filter was ignored" in error for error in page.context["errors"])
    assert client.get(path, {**params, "format": "csv"}).status_code == 400
