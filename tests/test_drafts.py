"""The drafts the news desk makes from an article's text (``entrants.newsdesk.drafts``), on texts
written with traps: two models and two prices in one sentence, conversions in brackets, a price
with no model, a new model, counts that are not vehicles, relative dates."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from entrants.newsdesk.drafts import NO_MODEL, draft
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = datetime.date(2025, 3, 12)  # a Wednesday


@pytest.fixture
def market():
    """Known makers and models, named the way articles name them."""
    makers = {
        name: factories.CompanyFactory(name=name)
        for name in ("Honri", "Changan", "BYD", "DFSK", "Xiaomi")
    }
    models = {
        "Honri VE": factories.VehicleModelFactory(maker=makers["Honri"], name="VE"),
        "Deepal L07": factories.VehicleModelFactory(maker=makers["Changan"], name="Deepal L07"),
        "Atto 3": factories.VehicleModelFactory(maker=makers["BYD"], name="Atto 3"),
        "Seres 3": factories.VehicleModelFactory(maker=makers["DFSK"], name="Seres 3"),
        "SU7": factories.VehicleModelFactory(maker=makers["Xiaomi"], name="SU7"),
    }
    return makers, models


def prices_of(text):
    return [
        (row["vehicle_model"], row["amount"], row["currency"], row["stated"])
        for row in draft(text, PUBLISHED).prices
    ]


def test_two_models_and_two_prices_in_one_sentence_each_get_their_own(market):
    _, models = market
    text = (
        "The Honri VE sells for PKR 3.99 million, while Changan's Deepal L07 costs Rs 11.5 million."
    )
    assert prices_of(text) == [
        (models["Honri VE"].pk, Decimal("3990000"), "PKR", ""),
        (models["Deepal L07"].pk, Decimal("11500000"), "PKR", ""),
    ]


def test_a_price_never_takes_the_model_of_another_sentence(market):
    _, models = market
    text = (
        "BYD's Atto 3 now sells for PKR 8.99 million, while the DFSK Seres 3 is priced at "
        "Rs 8.4m. A rival importer asks Rs. 4.2 million for a city car."
    )
    rows = draft(text, PUBLISHED).prices
    assert [(row["vehicle_model"], row["amount"]) for row in rows] == [
        (models["Atto 3"].pk, Decimal("8990000")),
        (models["Seres 3"].pk, Decimal("8400000")),
        (None, Decimal("4200000")),
    ]
    assert rows[2]["note"] == NO_MODEL
    assert rows[2]["sentence"].startswith("A rival importer asks Rs. 4.2 million")


def test_conversions_the_source_states_attach_to_their_amount_only(market):
    _, models = market
    text = (
        "The Xiaomi SU7 costs 245,900 yuan (about $34,600), or roughly Rs9.6m, and the Atto 3 "
        "costs PKR 8.99 million."
    )
    assert prices_of(text) == [
        (models["SU7"].pk, Decimal("245900"), "CNY", "~USD 34600; ~PKR 9600000"),
        (models["Atto 3"].pk, Decimal("8990000"), "PKR", ""),
    ]


def test_amounts_given_respectively_pair_with_the_models_in_order(market):
    _, models = market
    text = "The Atto 3 and the Seres 3 cost PKR 8.99 million and PKR 8.4 million respectively."
    assert [row[:2] for row in prices_of(text)] == [
        (models["Atto 3"].pk, Decimal("8990000")),
        (models["Seres 3"].pk, Decimal("8400000")),
    ]


def test_a_new_model_is_flagged_with_its_maker(market):
    makers, _ = market
    text = (
        "At its launch event, GuGo showed its GuGo GiGi at PKR 4.66 million. BYD's Seagull "
        "costs Rs 5.2 million."
    )
    gigi, seagull = draft(text, PUBLISHED).prices
    assert (gigi["vehicle_model"], gigi["new_model"], gigi["new_model_maker"]) == (
        None,
        "GiGi",
        "GuGo",
    )
    assert "GuGo GiGi" in gigi["note"]
    assert (seagull["new_model"], seagull["new_model_maker_id"]) == ("Seagull", makers["BYD"].pk)


def test_a_count_of_handsets_is_not_a_number_of_vehicles(market):
    text = (
        "Xiaomi, which sold 3 million handsets in Pakistan last year, says two units of the SU7 "
        "arrived at Karachi port."
    )
    suggestions = draft(text, PUBLISHED)
    assert [quantity.value for quantity in suggestions.extraction.quantities] == [2]
    assert [sighting["quantity"] for sighting in suggestions.sightings] == [2]


@pytest.mark.parametrize(
    ("phrase", "date", "precision"),
    [
        ("last week", datetime.date(2025, 3, 1), "month"),  # the week of 3–9 March
        ("in March", datetime.date(2025, 3, 1), "month"),
        ("in the second half of 2025", datetime.date(2025, 1, 1), "year"),
        ("last month", datetime.date(2025, 2, 1), "month"),
    ],
)
def test_relative_dates_are_kept_as_precisely_as_the_text_gives_them(
    market, phrase, date, precision
):
    _, models = market
    (price,) = draft(f"The Atto 3 was priced at PKR 8.99 million {phrase}.", PUBLISHED).prices
    assert (price["vehicle_model"], price["date"], price["date_precision"]) == (
        models["Atto 3"].pk,
        date,
        precision,
    )


def test_last_week_across_a_month_is_the_month_of_its_middle(market):
    (price,) = draft("The SU7 sold for PKR 9 million last week.", datetime.date(2025, 4, 2)).prices
    assert (price["date"], price["date_precision"]) == (datetime.date(2025, 3, 1), "month")


def test_extract_news_prints_the_drafts_the_admin_offers(market, tmp_path):
    _, models = market
    article = tmp_path / "article.txt"
    article.write_text(
        "date 2025-03-12\nThe Honri VE sells for PKR 3.99 million, while Changan's Deepal L07 "
        "costs Rs 11.5 million (about $41,000). Zeekr X deliveries begin in April.\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("extract_news", str(article), stdout=out)
    data = json.loads(out.getvalue())
    prices = data["drafts"]["prices"]
    assert [(p["vehicle_model"], p["amount"], p["stated"]) for p in prices] == [
        (models["Honri VE"].pk, "3990000", ""),
        (models["Deepal L07"].pk, "11500000", "~USD 41000"),
    ]
    assert any(m["name"] == "Zeekr X" and m["new"] for m in data["models"])


def test_an_undated_source_gives_no_made_up_dates(market):
    """A comparison with no publication date: relative dates stay unknown, stated ones stay."""
    _makers, models = market
    text = (
        "Deliveries of the Atto 3 at PKR 8.99 million begin in March. Last week the Honri VE "
        "was priced at PKR 3.99 million. In March 2024 the Seres 3 sold for Rs 8.4m."
    )
    suggestions = draft(text, published_on=None)
    assert [(row["vehicle_model"], row["date"]) for row in suggestions.prices] == [
        (models["Atto 3"].pk, None),
        (models["Honri VE"].pk, None),
        (models["Seres 3"].pk, datetime.date(2024, 3, 1)),
    ]


def test_a_name_opening_a_sentence_is_that_sentences_and_dates_of_other_things_stay_out(market):
    """The traps a new user's article set: a model or an importer named first in its sentence
    was counted in the sentence before; a date about tractors dated the next sentence's car."""
    makers, models = market
    air_link = factories.CompanyFactory(name="Air Link")
    text = (
        "The Atto 3 goes for PKR 8.99 million. Seres 3 costs Rs 1.45 crore. "
        "Air Link imported 12 units of the SU7. "
        "Sazgar sold 4,000 tractors last year. The Honri VE remains the budget choice at 38 lakh."
    )
    suggestions = draft(text, PUBLISHED)
    assert [(row["vehicle_model"], row["amount"], row["date"]) for row in suggestions.prices] == [
        (models["Atto 3"].pk, Decimal("8990000"), None),
        (models["Seres 3"].pk, Decimal("14500000"), None),
        (models["Honri VE"].pk, Decimal("3800000"), None),
    ]
    [imported] = suggestions.sightings
    assert (imported["kind"], imported["importer"], imported["quantity"]) == (
        "imported",
        air_link.pk,
        12,
    )
