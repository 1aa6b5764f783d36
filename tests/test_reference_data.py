"""The reference fixtures hold every fact the seed article states, with its source, status and
date precision; loading them is idempotent, and gives each record its first version."""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q

from entrants.cache import data_version
from entrants.models import (
    ClaimStatus,
    Company,
    CompanyAlias,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    PricePoint,
    SearchDocument,
    Sighting,
    StatedConversion,
    Statement,
    VehicleModel,
    VehicleModelAlias,
)

pytestmark = pytest.mark.django_db

SEED_URL = (
    "https://www.brecorder.com/news/40324505/"
    "testing-the-waters-xiaomi-electric-cars-seen-at-karachi-port"
)


@pytest.fixture
def seed(reference_data):
    """Return the seed article's news item."""
    return NewsItem.objects.get(url=SEED_URL)


def company(name):
    """Return the company called ``name`` or known by it as an alias."""
    return Company.objects.filter(Q(name=name) | Q(aliases__name=name)).distinct().get()


def test_seed_article_is_a_news_item_with_its_text(seed):
    assert seed.publisher.name == "Business Recorder"
    assert seed.date == datetime.date(2024, 9, 28)
    assert seed.date_display == "28 September 2024"
    assert "spotted at Karachi port" in seed.body
    afp = seed.based_on.get()
    assert afp.publisher.name == "AFP"
    assert afp.date_display == "March 2024"


def test_su7_max_sighting_at_karachi_port(seed):
    sighting = Sighting.objects.get(vehicle_model__slug="xiaomi-su7-max")
    assert (sighting.place, sighting.city) == ("Karachi port", "Karachi")
    assert sighting.date == datetime.date(2024, 9, 28)
    assert sighting.date_precision == "day"
    assert sighting.quantity is None
    assert sighting.quantity_display == "unknown"
    assert sighting.claim_status == ClaimStatus.REPORTED
    assert sighting.source == seed
    assert sighting.vehicle_model.stage_in_pakistan == VehicleModel.Stage.SIGHTED


def test_su7_price_keeps_the_conversions_the_source_stated(seed):
    price = PricePoint.objects.get(vehicle_model__slug="xiaomi-su7", currency="CNY")
    assert price.amount == Decimal("215900")
    assert str(price.market) == "CN"
    assert price.kind == PricePoint.Kind.LAUNCH
    assert price.date == datetime.date(2024, 3, 28)
    assert price.source == seed
    assert {item.publisher.name for item in price.other_sources.all()} == {"AFP", "Teslarati"}
    stated = {c.currency: c for c in price.stated_conversions.all()}
    assert stated["USD"].amount == Decimal("30917")
    assert not stated["USD"].is_approximate
    assert stated["PKR"].amount == Decimal("8550000")
    assert stated["PKR"].is_approximate  # "around PKR8.55 million"
    assert {c.source for c in stated.values()} == {seed}


@pytest.mark.parametrize(
    ("scope_words", "kind", "status", "claim_status"),
    [
        ("Smartphone", Partnership.Kind.MANUFACTURING, "active", ClaimStatus.CONFIRMED),
        ("Smart TVs", Partnership.Kind.MANUFACTURING, "active", ClaimStatus.CONFIRMED),
        ("EV launch", Partnership.Kind.MARKET_ENTRY, "reported", ClaimStatus.REPORTED),
    ],
)
def test_air_link_xiaomi_partnerships(seed, scope_words, kind, status, claim_status):
    partnership = Partnership.objects.get(
        company__name="Air Link Communication",
        partner__name="Xiaomi",
        scope__icontains=scope_words,
    )
    assert (partnership.kind, partnership.status, partnership.claim_status) == (
        kind,
        status,
        claim_status,
    )
    assert partnership.source == seed


def test_smart_tv_partnership_is_at_the_lahore_facility(seed):
    partnership = Partnership.objects.get(scope__icontains="smart TVs")
    assert "Lahore" in partnership.scope


def test_reported_ev_partnership_says_air_link_did_not_confirm(seed):
    partnership = Partnership.objects.get(scope__icontains="EV launch")
    assert "did not respond" in partnership.notes
    assert partnership.date is None  # no start date is made up


def test_gnext_partnerships(seed):
    premium = Partnership.objects.get(
        company__name="GNEXT Technologies", partner__name="Air Link Communication"
    )
    assert "premium partner" in premium.scope.lower()
    assert premium.source == seed
    apple = Partnership.objects.get(company__name="GNEXT Technologies", partner__name="Apple")
    assert apple.kind == Partnership.Kind.DISTRIBUTION


def test_master_motors_changan_for_deepal(seed):
    partnership = Partnership.objects.get(company__name="Master Motors", partner__name="Changan")
    assert "Deepal" in partnership.scope
    assert partnership.source == seed
    assert partnership.vehicle_models.filter(slug="changan-deepal").exists()


def test_dfml_assembling_honri_2_and_3(seed):
    event = MarketEvent.objects.get(source=seed, kind=MarketEvent.Kind.ASSEMBLY_START)
    assert set(event.companies.values_list("name", flat=True)) >= {"Dewan Farooque Motors"}
    models = {str(model) for model in event.vehicle_models.all()}
    assert models == {"Honri VE 2.0", "Honri VE 3.0"}
    aliases = set(VehicleModel.objects.filter(events=event).values_list("aliases__name", flat=True))
    assert {"Honri 2.0", "Honri 3.0"} <= aliases
    assert company("DFML").name == "Dewan Farooque Motors"


def test_byd_official_entry(seed):
    event = MarketEvent.objects.get(kind=MarketEvent.Kind.MARKET_ENTRY, companies__name="BYD")
    assert event.source == seed
    assert event.date == datetime.date(2024, 8, 17)
    assert event.city == "Lahore"


def test_xiaomi_launch_in_beijing_is_march_2024_to_the_month(seed):
    event = MarketEvent.objects.get(kind=MarketEvent.Kind.LAUNCH, companies__name="Xiaomi")
    assert event.city == "Beijing"
    assert (event.date, event.date_precision) == (datetime.date(2024, 3, 1), "month")
    assert event.date_display == "March 2024"


def test_the_three_people_and_their_roles(seed):
    assert Person.objects.get(name="Lei Jun").title == "CEO, Xiaomi"
    assert Person.objects.get(name="Muzzaffar Hayat Piracha").title == (
        "CEO, Air Link Communication"
    )
    minister = Person.objects.get(name="Shaza Fatima Khawaja")
    assert minister.role == "Minister of State for IT and Telecommunication"


def test_statements_are_attributed_and_dated(seed):
    lei = Statement.objects.filter(person__name="Lei Jun")
    assert lei.filter(text__contains="reputation on the line").exists()
    assert lei.filter(text__contains="215,900 yuan").exists()
    assert all(s.date_display == "March 2024" for s in lei)
    assert all(s.other_sources.filter(publisher__name="AFP").exists() for s in lei)

    piracha = Statement.objects.filter(person__name="Muzzaffar Hayat Piracha", source__url=SEED_URL)
    assert piracha.count() == 3
    assert all(s.date_display == "April 2024" for s in piracha)
    quote = piracha.get(kind=Statement.Kind.DIRECT_QUOTE)
    assert quote.text.startswith("We envision a future")
    meeting = piracha.get(text__contains="technology transfer").event
    assert set(meeting.people.values_list("name", flat=True)) == {
        "Muzzaffar Hayat Piracha",
        "Shaza Fatima Khawaja",
    }
    assert meeting.date_display == "April 2024"


def test_companies_named_in_the_seed_with_their_aliases(seed):
    for name in [
        "Xiaomi",
        "Air Link",
        "Airlink",
        "Air Link Communication Limited",
        "BYD",
        "Tesla",
        "Changan",
        "Master Motors",
        "DFML",
        "GNEXT Technologies",
        "Apple",
        "Business Recorder",
        "AFP",
    ]:
        assert seed.companies.filter(pk=company(name).pk).exists(), name


def test_every_fact_cites_a_news_item_with_a_publisher(reference_data):
    for model in (Sighting, PricePoint, Partnership, MarketEvent, Statement):
        for fact in model.objects.select_related("source__publisher"):
            assert fact.source.publisher_id, fact


def test_exchange_rates_cite_their_source_urls(reference_data):
    rate = ExchangeRate.objects.get(date="2024-09-27", base="USD", quote="PKR")
    assert rate.rate == Decimal("277.63")
    assert rate.source == ExchangeRate.Source.SBP_INTERBANK
    assert rate.source_url.startswith("https://dailytimes.com.pk/")
    uncertain = ExchangeRate.objects.get(date="2024-09-27", base="USD", quote="CNY")
    assert uncertain.claim_status == ClaimStatus.REPORTED
    assert ExchangeRate.objects.filter(source_url="").count() == 0
    # The ten of the fixtures and the curated series of fixtures/rates/, each with its sentence.
    curated = ExchangeRate.objects.filter(notes__startswith="Reported in the news")
    assert curated.count() >= 200
    assert ExchangeRate.objects.count() == 10 + curated.count()


def test_loading_twice_changes_nothing(reference_data):
    def snapshot():
        out = StringIO()
        call_command(
            "dumpdata",
            "entrants",
            # The search index is derived, rewritten (new keys) as the load re-indexes: its
            # content is compared below.
            exclude=[
                "entrants.referencedataload",
                "entrants.dataversion",
                "entrants.searchdocument",
                "entrants.searchterm",
            ],
            stdout=out,
        )
        documents = SearchDocument.objects.values_list(
            "kind", "object_id", "label", "url", "title", "names", "body"
        )
        return out.getvalue(), sorted(documents)

    before = snapshot()
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert "unchanged" in out.getvalue()
    call_command("load_reference_data", force=True, stdout=StringIO())
    after = snapshot()
    strip = re.compile(r'"(created_at|updated_at)": "[^"]*"')
    assert strip.sub("", before[0]) == strip.sub("", after[0])
    assert before[1] == after[1] and len(before[1]) > 300


def test_a_load_marks_the_cached_pages_stale_once(reference_data):
    before = data_version()
    call_command("load_reference_data", force=True, stdout=StringIO())
    # One bump for the whole load, not one per row saved (nor none: cached pages go stale).
    assert data_version() == before + 1


def test_unchanged_reference_data_does_not_overwrite_admin_edits(reference_data):
    Company.objects.filter(slug="xiaomi").update(description="Edited by an editor")
    call_command("load_reference_data", stdout=StringIO())
    assert Company.objects.get(slug="xiaomi").description == "Edited by an editor"


def test_loading_one_record_says_one_record(settings, tmp_path, db):
    (tmp_path / "only.yaml").write_text(
        "- model: entrants.company\n  fields: {slug: solo, name: Solo, kind: other}\n"
    )
    settings.FIXTURE_DIRS = [tmp_path]
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    call_command("load_reference_data", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Loading reference data from 1 fixture file…"
    assert lines[-2] == "Reference data loaded (1 record)."
    assert "(1 record); nothing to do" in lines[-1]


# --- History from the start ----------------------------------------------------------------------

TRACKED = [
    Company,
    CompanyAlias,
    VehicleModel,
    VehicleModelAlias,
    Person,
    NewsItem,
    Partnership,
    Sighting,
    PricePoint,
    StatedConversion,
    ExchangeRate,
    MarketEvent,
    Statement,
]


def versions(model):
    """Return {record key: [(type, change reason) of each version]} of ``model``."""
    found = {}
    for version in model.history.order_by("history_date", "history_id"):
        found.setdefault(version.id, []).append(
            (version.history_type, version.history_change_reason)
        )
    return found


def test_every_loaded_record_has_one_first_version(reference_data):
    first = [("+", "Loaded from reference data")]
    for model in TRACKED:
        keys = set(model.objects.values_list("pk", flat=True))
        assert keys, model
        assert versions(model) == {key: first for key in keys}, model


def test_the_first_version_keeps_the_links_as_loaded(seed):
    loaded = seed.history.get()
    assert set(loaded.companies.values_list("company_id", flat=True)) == set(
        seed.companies.values_list("pk", flat=True)
    )
    assert loaded.companies.count() == 16  # the names it mentions, and its facts' partners
    price = PricePoint.objects.get(vehicle_model__slug="xiaomi-su7", currency="CNY")
    assert {link.newsitem.publisher.name for link in price.history.get().other_sources.all()} == {
        "AFP",
        "Teslarati",
    }


def test_loading_again_writes_no_second_version(reference_data):
    xiaomi = Company.objects.get(slug="xiaomi")
    xiaomi.description = "Edited by an editor"
    xiaomi.save()
    before = {model: versions(model) for model in TRACKED}

    call_command("load_reference_data", force=True, stdout=StringIO())

    assert {model: versions(model) for model in TRACKED} == before
    assert before[Company][xiaomi.pk] == [
        ("+", "Loaded from reference data"),
        ("~", None),
    ]


def test_a_record_loaded_before_it_had_history_gets_its_first_version(reference_data):
    """A database loaded before the loader wrote history: its records get their first version
    at the next load, the others keep theirs."""
    xiaomi = Company.objects.get(slug="xiaomi")
    xiaomi.history.all().delete()
    NewsItem.history.filter(url=SEED_URL).delete()
    seed_links = set(NewsItem.objects.get(url=SEED_URL).companies.values_list("pk", flat=True))
    before = versions(Company)

    call_command("load_reference_data", force=True, stdout=StringIO())

    assert versions(Company) == before | {xiaomi.pk: [("+", "Loaded from reference data")]}
    loaded = NewsItem.objects.get(url=SEED_URL).history.get()
    assert loaded.history_change_reason == "Loaded from reference data"
    assert set(loaded.companies.values_list("company_id", flat=True)) == seed_links


def test_each_news_item_mentions_what_its_facts_name_in_its_first_version(reference_data):
    """As the admin fills a news item's mentions on save, the load does: /news/?company=byd
    finds the article the Shark 6's price was read in, and no later save adds a surprise."""
    from entrants.models import NewsItem
    from entrants.newsdesk.mentions import fill_mentions

    shark = NewsItem.objects.get(slug="azaadurdu-2025-07-byd-shark-6-price")
    assert shark.companies.filter(slug="byd").exists()
    assert shark.vehicle_models.filter(slug="byd-shark-6").exists()
    assert shark.history.count() == 1  # its first version, with the links
    assert list(shark.history.first().companies.values_list("company__slug", flat=True))
    assert sum(fill_mentions(news) for news in NewsItem.objects.all()) == 0
