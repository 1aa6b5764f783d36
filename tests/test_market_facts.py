"""The market of 2019–2026 in the reference data (fixtures/07-market-2019-2026.yaml, from
../shared/data/ev-facts.md): a dozen facts read back one by one, each found through the article
it cites, with its date precision, status, doubt and the companies and models it names."""

import datetime
from decimal import Decimal

import pytest

from entrants.models import (
    ClaimStatus,
    DatePrecision,
    MarketEvent,
    NewsItem,
    Partnership,
    PricePoint,
    Sighting,
    Statement,
    VehicleModel,
)

pytestmark = pytest.mark.django_db

DOUBT = "[?]"


@pytest.fixture(autouse=True)
def market(reference_data):
    """The reference data, loaded."""


def cited(model, url, **filters):
    """Return the one fact of ``model`` that cites the article at ``url``."""
    return model.objects.get(source__url=url, **filters)


def names(related):
    return set(related.values_list("name", flat=True))


def test_an_unveiling_known_to_the_month_with_its_new_model():
    event = cited(
        MarketEvent,
        "https://whenwherehow.pk/2020/01/27/electrifying-transport-pakistan-unveils-first-"
        "electric-rickshaw-video/",
    )
    assert event.kind == MarketEvent.Kind.UNVEILING
    assert (event.date, event.date_precision) == (datetime.date(2020, 1, 1), DatePrecision.MONTH)
    assert event.date_display == "January 2020"
    assert event.claim_status == ClaimStatus.CONFIRMED
    assert {"Sazgar Engineering Works", "Ministry of Climate Change"} <= names(event.companies)
    rickshaw = event.vehicle_models.get()
    assert (rickshaw.name, rickshaw.maker.name) == ("EcoRik", "Sazgar Engineering Works")
    assert (rickshaw.battery_kwh, rickshaw.range_km) == (Decimal("6.0"), 125)


def test_a_charging_claim_that_conflicts_is_reported_with_its_doubt():
    blog = cited(
        MarketEvent,
        "https://automoteve.com/first-electric-vehicle-charging-station-in-islamabad-pakistan/",
    )
    official = cited(
        MarketEvent,
        "https://www.urdupoint.com/en/pakistan/chaudhry-fawad-excited-over-launching-of-firs-"
        "979529.html",
    )
    assert blog.kind == official.kind == MarketEvent.Kind.CHARGING
    assert blog.claim_status == ClaimStatus.REPORTED and DOUBT in blog.notes
    assert "Attock Oil" in blog.notes
    assert official.claim_status == ClaimStatus.CONFIRMED
    assert official.date == datetime.date(2020, 7, 20)
    assert names(official.companies) == {"Attock Oil", "Ministry of Science and Technology"}
    assert names(official.people) == {"Fawad Chaudhry"}


def test_a_rumour_attributed_to_a_minister():
    statement = cited(
        Statement, "https://profit.pakistantoday.com.pk/2021/01/24/ke-and-shell-pakistans-mou/"
    )
    assert statement.person.name == "Fawad Chaudhry"
    assert statement.claim_status == ClaimStatus.RUMOURED
    assert statement.date == datetime.date(2021, 1, 5)
    assert statement.source.date == datetime.date(2021, 1, 24)
    assert DOUBT in statement.notes
    assert names(statement.companies) == {"Tesla"}


def test_an_approximate_ex_factory_price_of_a_local_hybrid():
    url = (
        "https://www.thenews.com.pk/print/1010625-sazgar-to-launch-first-locally-assembled-"
        "hybrid-crossover-suv"
    )
    price = cited(PricePoint, url)
    assert (price.amount, price.currency, price.kind) == (
        Decimal("9700000.00"),
        "PKR",
        PricePoint.Kind.EX_FACTORY,
    )
    assert "around Rs9.7 million" in price.notes
    h6 = price.vehicle_model
    assert (h6.powertrain, h6.stage_in_pakistan) == (
        VehicleModel.Powertrain.HEV,
        VehicleModel.Stage.LOCALLY_ASSEMBLED,
    )
    assert cited(MarketEvent, url).kind == MarketEvent.Kind.LAUNCH


def test_a_monthly_sales_figure():
    event = cited(
        MarketEvent,
        "https://propakistani.pk/2023/02/24/haval-and-baic-manufacturer-shuts-down-production-"
        "in-pakistan/",
    )
    assert event.kind == MarketEvent.Kind.SALES
    assert event.date_display == "January 2023"
    assert "416" in event.title


def test_two_prices_of_an_undated_comparison_known_to_the_year():
    url = "https://www.pakwheels.com/blog/ur/byd-atto-3-vs-seres-3-ckd-the-gamechanger-evs/"
    article = NewsItem.objects.get(url=url)
    assert article.date_precision == DatePrecision.YEAR
    prices = {p.vehicle_model.slug: p for p in PricePoint.objects.filter(source=article)}
    assert {slug: p.amount for slug, p in prices.items()} == {
        "dfsk-seres-3": Decimal("8400000.00"),
        "byd-atto-3": Decimal("8990000.00"),
    }
    for price in prices.values():
        assert price.date_display == "2024"
        assert price.claim_status == ClaimStatus.REPORTED and DOUBT in price.notes
    # The 2023 launch price of the same car is kept beside it, with its own source and doubt.
    launch = PricePoint.objects.get(vehicle_model__slug="dfsk-seres-3", amount=Decimal("9199000"))
    assert launch.source.url == "https://myknewstv.com/cars/12-06-2023/34325"
    assert launch.date == datetime.date(2023, 6, 12) and DOUBT in launch.notes


def test_sources_that_disagree_on_a_date_are_both_kept():
    march = cited(
        Partnership,
        "https://www.brecorder.com/news/40327619/pakistans-mega-motor-secures-key-partnership-"
        "with-global-ev-giant-byd",
        partner__name="BYD",
        company__name="Mega Conglomerate",
    )
    april = cited(
        Partnership,
        "https://dailytimes.com.pk/1202677/chinese-giant-byd-partners-with-hubco-to-introduce-"
        "evs-in-pakistan/",
    )
    assert (march.date, april.date) == (datetime.date(2024, 3, 1), datetime.date(2024, 4, 1))
    assert march.date_precision == april.date_precision == DatePrecision.MONTH
    assert march.company == april.company
    for partnership in (march, april):
        assert partnership.claim_status == ClaimStatus.REPORTED and DOUBT in partnership.notes


def test_an_import_of_two_units():
    sighting = cited(
        Sighting,
        "https://www.brecorder.com/news/40325423/air-link-ceo-confirms-company-has-imported-2-"
        "units-of-xiaomi-su7-but-talk-of-assembly-plant-premature",
    )
    assert (sighting.vehicle_model.slug, sighting.quantity) == ("xiaomi-su7", 2)
    assert sighting.claim_status == ClaimStatus.CONFIRMED
    assert sighting.date == datetime.date(2024, 10, 3)


def test_a_new_maker_and_variant_priced_in_millions():
    price = cited(PricePoint, "http://aajentertainment.tv/news/30436183")
    ev5 = price.vehicle_model
    assert (ev5.maker.name, ev5.name, ev5.variant, ev5.range_km) == ("Kia", "EV5", "Earth", 620)
    assert (price.amount, price.currency) == (Decimal("23000000.00"), "PKR")
    assert price.date_display == "January 2025"
    assert price.claim_status == ClaimStatus.REPORTED


def test_a_tariff_decision_for_charging_stations():
    url = "https://arynews.tv/electric-vehicles-charging-tariff-fixed-at-rs-23-57-unit/"
    tariff = cited(MarketEvent, url)
    assert tariff.kind == MarketEvent.Kind.CHARGING
    assert tariff.claim_status == ClaimStatus.CONFIRMED
    assert "23.57" in tariff.title and "45.55" in tariff.title
    assert {"NEPRA", "Ministry of Energy"} == names(tariff.companies)
    # The same article's other fact, a minister's words, is a statement of its own.
    assert cited(Statement, url).person.name == "Azam Nazeer Tarar"


def test_a_price_printed_in_crore():
    price = cited(PricePoint, "https://azaadurdu.pk/83457")
    assert price.amount == Decimal("20000000.00")
    assert "کروڑ" in price.notes
    shark = price.vehicle_model
    assert (shark.body_type, shark.powertrain) == (
        VehicleModel.BodyType.PICKUP,
        VehicleModel.Powertrain.PHEV,
    )


def test_a_first_local_assembly_claim_in_doubt():
    event = cited(MarketEvent, "http://urdu.people.cn/n3/2025/1204/c518782-20398358.html")
    assert event.kind == MarketEvent.Kind.ASSEMBLY_START
    assert (event.date, event.city) == (datetime.date(2025, 12, 2), "Faisalabad")
    assert event.claim_status == ClaimStatus.REPORTED and DOUBT in event.notes
    assert names(event.people) == {"Hassan Mansha"}
    assert event.vehicle_models.get().range_km == 1200


def test_a_company_announcement_without_a_named_speaker():
    event = cited(
        MarketEvent,
        "https://www.brecorder.com/news/40389066/xiaomi-car-launch-in-pakistan-delayed-amid-"
        "surging-china-demand-says-air-link",
    )
    assert event.kind == MarketEvent.Kind.ANNOUNCEMENT
    assert names(event.companies) == {"Air Link Communication", "Xiaomi"}


@pytest.mark.parametrize("model", [MarketEvent, Partnership, PricePoint, Sighting, Statement])
def test_no_fact_in_doubt_is_confirmed_and_every_fact_cites_a_url(model):
    assert not model.objects.filter(notes__contains=DOUBT, claim_status=ClaimStatus.CONFIRMED)
    assert not model.objects.filter(source__url="")
