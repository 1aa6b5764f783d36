"""The Atom feeds: the news as entered, the facts as entered (site-wide, per company, per model),
each entry with its status, date and sources; linked from the pages; read-only like them."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from entrants.dates import DatePrecision
from entrants.models import ClaimStatus, Sighting
from tests import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
HOST = "127.0.0.1"


def get(client, url, **headers):
    return client.get(url, headers={"host": HOST, **headers})


def entries(response):
    """Return the feed's entries as dicts (the response must be an Atom feed)."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "published": entry.findtext(f"{ATOM}published"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
            "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def absolute(path):
    return f"http://{HOST}{path}"


def entered(minutes_ago):
    return timezone.now() - datetime.timedelta(minutes=minutes_ago)


# --- News ----------------------------------------------------------------------------------------


def test_news_feed_lists_news_as_entered_with_dates_as_precisely_as_known(client):
    publisher = factories.PublisherFactory(name="Business Recorder")
    older = factories.NewsItemFactory(
        headline="Xiaomi SU7 spotted at Karachi port",
        publisher=publisher,
        author="Ali Khan",
        summary="Two SU7 Max units arrived.",
        date=datetime.date(2024, 3, 1),
        date_precision=DatePrecision.MONTH,
        created_at=entered(60),
    )
    # Published earlier, entered later: the feed is in the order news was entered.
    newer = factories.NewsItemFactory(
        headline="BYD plans assembly", date=None, url="", created_at=entered(5)
    )
    news = entries(get(client, "/feeds/news/"))
    assert [entry["title"] for entry in news] == ["BYD plans assembly", older.headline]
    first, second = news
    assert first["link"] == absolute(newer.get_absolute_url())
    assert "Publication date unknown" in first["summary"]
    assert first["author"] == newer.publisher.name  # no author named: the publisher
    assert second["link"] == absolute(older.get_absolute_url())
    assert "Published March 2024 (known to the month)" in second["summary"]
    assert "Two SU7 Max units arrived." in second["summary"]
    assert older.url in second["summary"]
    assert second["author"] == "Ali Khan"
    assert second["categories"] == ["Business Recorder"]
    assert second["published"].startswith(
        older.created_at.astimezone(datetime.UTC).isoformat()[:19]
    )


def test_feed_text_is_escaped(client):
    factories.NewsItemFactory(
        headline="<script>alert(1)</script> launch", summary='<img src=x onerror="alert(1)">'
    )
    (entry,) = entries(get(client, "/feeds/news/"))
    assert entry["title"] == "<script>alert(1)</script> launch"  # text, as typed
    assert "<img" not in entry["summary"]  # the summary is HTML: the tag is escaped in it
    assert "&lt;img src=x" in entry["summary"]


# --- Facts ---------------------------------------------------------------------------------------


def facts_of_every_kind(maker=None, name="SU7"):
    """Create a sighting, an import, a price, a partnership and an event (one statement too,
    which no facts feed carries), each citing its own source; the price one more."""
    model = factories.VehicleModelFactory(maker=maker or factories.CompanyFactory())
    if name:
        model.name = name
        model.save()
    made = {
        "sighting": factories.SightingFactory(vehicle_model=model, place="Karachi port"),
        "import": factories.SightingFactory(
            vehicle_model=model,
            kind=Sighting.Kind.IMPORTED,
            importer=factories.CompanyFactory(),
            quantity=2,
        ),
        "price": factories.PricePointFactory(
            vehicle_model=model,
            amount=Decimal("215900"),
            currency="CNY",
            claim_status=ClaimStatus.CONFIRMED,
            date=datetime.date(2024, 3, 1),
            date_precision=DatePrecision.MONTH,
        ),
        "partnership": factories.PartnershipFactory(partner=model.maker, scope="Assembly of SU7s"),
        "event": factories.MarketEventFactory(title="SU7 launched in Lahore"),
    }
    made["price"].other_sources.add(
        factories.NewsItemFactory(url=f"https://dawn.example/{model.slug}")
    )
    made["partnership"].vehicle_models.add(model)
    made["event"].companies.add(model.maker)
    made["event"].vehicle_models.add(model)
    factories.StatementFactory(text="A statement is no entry of a facts feed.")
    return model, made


def test_facts_feed_has_every_kind_with_its_status_date_and_sources(client):
    model, made = facts_of_every_kind()
    facts = {entry["link"]: entry for entry in entries(get(client, "/feeds/facts/"))}
    assert set(facts) == {absolute(fact.get_absolute_url()) for fact in made.values()}
    for fact in made.values():
        entry = facts[absolute(fact.get_absolute_url())]
        assert entry["id"] == f"urn:uuid:{fact.uuid}"
        assert fact.get_claim_status_display() in entry["summary"]
        assert fact.source.url in entry["summary"]
        assert fact.source.publisher.name in entry["summary"]
        assert fact.get_claim_status_display() in entry["categories"]
    price = facts[absolute(made["price"].get_absolute_url())]
    assert price["title"] == f"Price: {model} at CNY 215,900 in China (confirmed)"
    assert "March 2024 (known to the month)" in price["summary"]
    assert f"https://dawn.example/{model.slug}" in price["summary"]  # the other source too
    imported = facts[absolute(made["import"].get_absolute_url())]
    assert imported["title"].startswith(f"Import: {model} imported through")
    assert f"Imported by {made['import'].importer.name}" in imported["summary"]
    sighting = facts[absolute(made["sighting"].get_absolute_url())]
    assert sighting["title"] == f"Sighting: {model} at Karachi port (reported)"
    assert "28 September 2024 (known to the day)" in sighting["summary"]
    partnership = facts[absolute(made["partnership"].get_absolute_url())]
    assert (
        partnership["title"].startswith("Partnership: ")
        and "Assembly of SU7s" in partnership["title"]
    )
    event = facts[absolute(made["event"].get_absolute_url())]
    assert event["title"] == "Event: SU7 launched in Lahore (reported)"
    assert len({entry["id"] for entry in facts.values()}) == len(facts)


def test_facts_feed_is_newest_entered_first_and_holds_the_latest_fifty(client):
    source = factories.NewsItemFactory()
    for minutes in range(52):
        factories.SightingFactory(
            source=source, place=f"Yard {minutes}", created_at=entered(minutes)
        )
    # Entered last, though it happened long ago: it comes first.
    old_price = factories.PricePointFactory(date=datetime.date(2019, 1, 1), created_at=entered(-1))
    facts = entries(get(client, "/feeds/facts/"))
    assert len(facts) == 50
    assert facts[0]["link"] == absolute(old_price.get_absolute_url())
    places = [entry["title"].split(" at ")[1].split(",")[0] for entry in facts[1:]]
    assert places == [f"Yard {minutes}" for minutes in range(49)]


def test_company_and_model_feeds_hold_only_their_facts(client):
    model, made = facts_of_every_kind()
    other_model = factories.VehicleModelFactory(maker=model.maker, name="YU7")
    of_other_model = factories.SightingFactory(vehicle_model=other_model)
    _elsewhere, of_others = facts_of_every_kind(name="SU7")
    company = {
        entry["link"] for entry in entries(get(client, f"/companies/{model.maker.slug}/feed/"))
    }
    expected = {absolute(fact.get_absolute_url()) for fact in made.values()}
    assert company == expected | {absolute(of_other_model.get_absolute_url())}
    model_feed = {entry["link"] for entry in entries(get(client, f"/models/{model.slug}/feed/"))}
    assert model_feed == expected
    assert not model_feed & {absolute(fact.get_absolute_url()) for fact in of_others.values()}


def test_a_company_that_imported_a_model_has_the_import_in_its_feed(client):
    importer = factories.CompanyFactory(name="Air Link")
    imported = factories.SightingFactory(kind=Sighting.Kind.IMPORTED, importer=importer)
    links = [entry["link"] for entry in entries(get(client, f"/companies/{importer.slug}/feed/"))]
    assert links == [absolute(imported.get_absolute_url())]


@pytest.mark.parametrize(
    "url", ["/companies/no-such-company/feed/", "/models/no-such-model/feed/", "/models/%00/feed/"]
)
def test_an_unknown_slug_has_no_feed(client, url):
    factories.SightingFactory()
    assert get(client, url).status_code == 404


# --- Links, access, caching ----------------------------------------------------------------------


def alternates(response):
    """Return {title: href} of the page's Atom alternates."""
    page = response.content.decode()
    head = page.split("</head>")[0]
    found = {}
    for tag in head.split("<link ")[1:]:
        if 'rel="alternate"' in tag and 'type="application/atom+xml"' in tag:
            title = tag.split('title="')[1].split('"')[0]
            found[title] = tag.split('href="')[1].split('"')[0]
    return found


def test_pages_link_their_feeds(client):
    model = factories.VehicleModelFactory(name="SU7")
    factories.SightingFactory(vehicle_model=model)
    site = {
        "Pakistan EV tracker: news": "/feeds/news/",
        "Pakistan EV tracker: new facts": "/feeds/facts/",
    }
    assert alternates(get(client, "/")) == site
    company_page = alternates(get(client, model.maker.get_absolute_url()))
    assert company_page == {
        **site,
        f"Pakistan EV tracker: {model.maker.name}": f"/companies/{model.maker.slug}/feed/",
    }
    model_page = alternates(get(client, model.get_absolute_url()))
    assert model_page == {**site, f"Pakistan EV tracker: {model}": f"/models/{model.slug}/feed/"}
    for href in {**company_page, **model_page}.values():
        assert entries(get(client, href))


FEEDS = ["/feeds/news/", "/feeds/facts/", "/changes/feed/"]


def test_feeds_require_login_when_the_pages_do(client, settings):
    model = factories.VehicleModelFactory()
    factories.SightingFactory(vehicle_model=model)
    settings.ANALYST_LOGIN_REQUIRED = True
    urls = [*FEEDS, f"/companies/{model.maker.slug}/feed/", f"/models/{model.slug}/feed/"]
    for url in urls:
        response = get(client, url)
        # A feed reader cannot fill a login form: it is told to send a token.
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token", url
    client.force_login(User.objects.create_user("reader", password="x"))
    for url in urls:
        assert entries(get(client, url)) is not None, url


def test_feeds_answer_304_until_the_data_changes(client):
    factories.NewsItemFactory(headline="First")
    response = get(client, "/feeds/news/")
    etag = response["ETag"]
    again = get(client, "/feeds/news/", **{"if-none-match": etag})
    assert again.status_code == 304
    factories.NewsItemFactory(headline="Second")
    changed = get(client, "/feeds/news/", **{"if-none-match": etag})
    assert [entry["title"] for entry in entries(changed)] == ["Second", "First"]
    assert changed["ETag"] != etag


# --- RFC 4287 ------------------------------------------------------------------------------------


def rfc3339(text):
    """Return the date-time ``text`` (an Atom date: RFC 3339, with its offset), or fail."""
    assert text, "a date is missing"
    when = datetime.datetime.fromisoformat(text)
    assert when.tzinfo is not None, text
    return when


def atom_problems(response):
    """Return what the Atom feed ``response`` lacks of what RFC 4287 says an atom:feed and each
    atom:entry MUST contain (§4.1.1, §4.1.2, §4.2.1): [] for a valid feed."""
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    problems = []
    for name in ("id", "title", "updated"):
        if not (root.findtext(f"{ATOM}{name}") or "").strip():
            problems.append(f"the feed has no {name}")
    rfc3339(root.findtext(f"{ATOM}updated"))
    if len([link for link in root.findall(f"{ATOM}link") if link.get("rel") == "alternate"]) > 1:
        problems.append("the feed has two alternate links")

    def author(element):
        return bool((element.findtext(f"{ATOM}author/{ATOM}name") or "").strip())

    feed_author = author(root)
    for number, entry in enumerate(root.findall(f"{ATOM}entry")):
        for name in ("id", "title", "updated"):
            if not (entry.findtext(f"{ATOM}{name}") or "").strip():
                problems.append(f"entry {number} has no {name}")
        rfc3339(entry.findtext(f"{ATOM}updated"))
        alternate = [
            link for link in entry.findall(f"{ATOM}link") if link.get("rel") in (None, "alternate")
        ]
        if not alternate and entry.find(f"{ATOM}content") is None:
            problems.append(f"entry {number} has neither an alternate link nor content")
        if not (feed_author or author(entry)):
            problems.append(f"entry {number} has no author, nor has the feed")
    return problems


def every_feed():
    """Return the address of every kind of feed, with a record in each (a change too)."""
    model, _made = facts_of_every_kind()
    factories.NewsItemFactory(author="")
    factories.PersonFactory().delete()
    return [
        "/feeds/news/",
        "/feeds/facts/",
        f"/companies/{model.maker.slug}/feed/",
        f"/models/{model.slug}/feed/",
        "/changes/feed/",
        "/changes/feed/?kind=price",
    ]


def test_every_feed_is_valid_atom(client):
    for url in every_feed():
        response = get(client, url)
        assert entries(response), url
        assert atom_problems(response) == [], url


def test_every_feed_has_the_tracker_as_its_author(client):
    for url in every_feed():
        root = ET.fromstring(get(client, url).content)
        assert root.findtext(f"{ATOM}author/{ATOM}name") == "Pakistan EV market tracker", url


def test_the_validity_check_finds_a_feed_without_an_author():
    """The check above can fail: a feed without any author, or an entry without an id."""

    class Response:
        content = (
            f'<feed xmlns="{ATOM[1:-1]}"><id>urn:x</id><title>T</title>'
            "<updated>2025-01-01T00:00:00+00:00</updated><entry><title>E</title>"
            '<link href="http://x/"/><updated>2025-01-01T00:00:00+00:00</updated></entry></feed>'
        ).encode()

    assert atom_problems(Response()) == [
        "entry 0 has no id",
        "entry 0 has no author, nor has the feed",
    ]


def test_the_self_link_of_a_feed_of_one_kind_keeps_its_kind(client):
    factories.PricePointFactory()
    for url in ("/changes/feed/?kind=price", "/changes/feed/", "/feeds/facts/"):
        root = ET.fromstring(get(client, url).content)
        links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
        assert links["self"] == absolute(url), url
    root = ET.fromstring(get(client, "/changes/feed/?kind=price").content)
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["alternate"] == absolute("/changes/?kind=price")
    assert root.findtext(f"{ATOM}id") == absolute("/changes/?kind=price")


def test_feeds_refuse_to_write(client):
    for url in FEEDS:
        assert client.post(url, headers={"host": HOST}).status_code == 405


# --- Queries -------------------------------------------------------------------------------------


def build_facts(count, maker, model):
    """Add ``count`` facts of every kind about ``model`` (made by ``maker``), each with its
    related rows: other sources, vehicle models, companies and people."""
    for _ in range(count):
        _model, made = facts_of_every_kind(maker, name=None)
        news = factories.NewsItemFactory()
        for fact in made.values():
            fact.other_sources.add(news, factories.NewsItemFactory())
        made["partnership"].vehicle_models.add(model)
        made["event"].vehicle_models.add(model)
        made["event"].people.add(factories.PersonFactory())
        for kind in ("sighting", "import", "price"):
            made[kind].vehicle_model = model
            made[kind].save()


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert get(client, url).status_code == 200, url
    return len(queries)


def test_feed_queries_stay_constant_as_rows_grow(client, django_assert_num_queries):
    maker = factories.CompanyFactory()
    model = factories.VehicleModelFactory(maker=maker)
    urls = [
        "/feeds/news/",
        "/feeds/facts/",
        f"/companies/{maker.slug}/feed/",
        f"/models/{model.slug}/feed/",
    ]
    build_facts(2, maker, model)
    small = [queries_for(client, url) for url in urls]
    build_facts(4, maker, model)
    for url, count in zip(urls, small, strict=True):
        with django_assert_num_queries(count):
            response = get(client, url)
        assert len(entries(response)) > 6, url
