"""Reading articles (entrants.newsdesk.extraction and the extract_news command): the seed
article yields its companies, models, amounts, places and dates, and the traps do not fool it."""

import datetime
import json
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from entrants.models import Company, VehicleModel
from entrants.newsdesk.extraction import Gazetteer, extract
from entrants.newsdesk.extraction.dates import split_header
from tests.factories import (
    CompanyAliasFactory,
    CompanyFactory,
    PersonFactory,
    VehicleModelAliasFactory,
    VehicleModelFactory,
)

pytestmark = pytest.mark.django_db

# A copy of ../shared/seed/, so that a clone alone runs the suite.
SEED = Path(__file__).resolve().parent / "data" / "business-recorder-2024-09-28.txt"
SEED_PUBLISHED = datetime.date(2024, 9, 28)


@pytest.fixture(scope="module")
def gazetteer(django_db_setup, django_db_blocker):
    """Return the reference data compiled for matching, built once for this module.

    The data is loaded inside a transaction that is rolled back: the gazetteer keeps the
    records in memory, and no other test sees them in the database."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", stdout=StringIO())
        compiled = Gazetteer.load()
        transaction.set_rollback(True)
    return compiled


@pytest.fixture(scope="module")
def seed(gazetteer):
    """Return what the seed article mentions, read as published on 2024-09-28."""
    header_date, body = split_header(SEED.read_text(encoding="utf-8"))
    assert header_date == "2024-09-28"
    return gazetteer.extract(body, published_on=SEED_PUBLISHED)


def read(gazetteer, text, published_on=SEED_PUBLISHED):
    return gazetteer.extract(text, published_on=published_on)


def company_names(extraction):
    return {company.name for company in extraction.companies}


def model_slugs(extraction):
    return {model.slug for model in extraction.models}


def run_command(*args, stdin=None):
    out, err = StringIO(), StringIO()
    call_command("extract_news", *args, stdout=out, stderr=err, stdin=stdin)
    return json.loads(out.getvalue()), err.getvalue()


# The seed article


def test_seed_finds_every_company_it_names(seed):
    assert company_names(seed) >= {
        "Xiaomi",
        "Air Link Communication",
        "BYD",
        "Tesla",
        "Changan",
        "Master Motors",
        "Dewan Farooque Motors",
        "GNEXT Technologies",
        "Apple",
        "Business Recorder",
        "AFP",
    }
    companies = {company.name: company for company in seed.companies}
    assert companies["Dewan Farooque Motors"].matched == ("DFML",)
    assert set(companies["Air Link Communication"].matched) == {
        "Air Link",
        "Air Link Communication",
        "Air Link Communication Limited",
    }
    assert companies["Xiaomi"].count == 5


def test_seed_mentions_carry_every_span_of_their_spellings(seed):
    _header, body = split_header(SEED.read_text(encoding="utf-8"))

    for mention in (*seed.companies, *seed.models, *seed.people, *seed.places):
        assert mention.count == len(mention.spans)
        assert mention.position == mention.spans[0][0]
        assert {body[start:end] for start, end in mention.spans} == set(mention.matched)
    honri_3 = next(model for model in seed.models if model.slug == "honri-ve-3-0")
    start, end = honri_3.spans[0]
    assert body[start - len("Honri 2.0 and ") : end] == "Honri 2.0 and 3.0"


def test_seed_flags_no_new_company_or_model(seed):
    assert [company.name for company in seed.companies if company.new] == []
    assert [model.name for model in seed.models if model.new] == []
    assert all(company.id is not None for company in seed.companies)


def test_seed_finds_models_and_variants(seed):
    assert model_slugs(seed) >= {
        "xiaomi-su7",
        "xiaomi-su7-max",
        "changan-deepal",
        "honri-ve-2-0",
        "honri-ve-3-0",
    }
    models = {model.slug: model for model in seed.models}
    assert models["xiaomi-su7-max"].matched == ("SU7 Max",)
    assert models["xiaomi-su7"].count == 2  # "the SU7 EV", "a basic SU7 model"
    assert "xiaomi-su7-pro" not in models


def test_seed_finds_the_price_and_its_stated_conversions(seed):
    assert [(a.value, a.currency, a.approximate) for a in seed.amounts] == [
        (Decimal("215900"), "CNY", False),
        (Decimal("30917"), "USD", False),
        (Decimal("8550000"), "PKR", True),
    ]


def test_seed_finds_karachi_port_not_karachi_and_lahore(seed):
    places = {place.name: place for place in seed.places}
    assert {"Karachi port", "Lahore"} <= set(places)
    assert "Karachi" not in places
    assert places["Karachi port"].city == "Karachi"


def test_seed_finds_march_and_april_2024_to_the_month(seed):
    dates = {(mention.date, mention.precision) for mention in seed.dates}
    assert dates == {(datetime.date(2024, 3, 1), "month"), (datetime.date(2024, 4, 1), "month")}
    assert "March this year" in {mention.text for mention in seed.dates}


def test_seed_finds_the_people_it_names(seed):
    assert {person.name for person in seed.people} == {
        "Lei Jun",
        "Elon Musk",
        "Muzzaffar Hayat Piracha",
        "Shaza Fatima Khawaja",
    }


def test_extract_loads_the_records_itself_and_agrees_with_the_gazetteer(reference_data, seed):
    _header, body = split_header(SEED.read_text(encoding="utf-8"))

    extraction = extract(body, published_on=SEED_PUBLISHED)

    assert company_names(extraction) == company_names(seed)
    assert model_slugs(extraction) == model_slugs(seed)
    assert extraction.amounts == seed.amounts
    xiaomi = next(c for c in extraction.companies if c.name == "Xiaomi")
    assert xiaomi.id == Company.objects.get(slug="xiaomi").pk


# Loading known records: a few queries, however many names


def make_known_records(numbers):
    for number in numbers:
        maker = CompanyFactory(name=f"Brand{number}")
        CompanyAliasFactory(company=maker, name=f"Brand{number} Auto")
        model = VehicleModelFactory(maker=maker, name=f"Zed{number}")
        VehicleModelAliasFactory(vehicle_model=model, name=f"Zed{number} Classic")
        PersonFactory(name=f"Person Number{number}", organisation=maker)


def test_extract_loads_known_records_in_six_queries_however_many(django_assert_num_queries):
    make_known_records(range(2))
    with django_assert_num_queries(6):
        few = extract("Brand0 Auto showed the Zed1 Classic.")

    make_known_records(range(2, 6))
    with django_assert_num_queries(6):
        many = extract("Brand0 Auto showed the Zed1 Classic and the Zed5; Person Number4 came.")

    assert company_names(few) == company_names(many) == {"Brand0"}
    assert {model.name for model in many.models} == {"Brand1 Zed1", "Brand5 Zed5"}
    assert [person.name for person in many.people] == ["Person Number4"]


def test_a_loaded_gazetteer_reads_without_queries(gazetteer, django_assert_num_queries):
    with django_assert_num_queries(0):
        extraction = read(gazetteer, "BYD and Tesla")
    assert company_names(extraction) == {"BYD", "Tesla"}


def test_extract_looks_only_for_the_records_it_is_given():
    apple = CompanyFactory(name="Apple")
    CompanyFactory(name="Tesla")

    extraction = extract("Apple and Tesla", companies=[apple], models=[], people=[])

    assert company_names(extraction) == {"Apple"}


# Companies: whole words, longest first, and the traps


def test_tesla_industries_is_a_new_company_not_tesla(gazetteer):
    extraction = read(gazetteer, "Tesla Industries, a Lahore firm, is no relation of Musk's Tesla.")

    companies = {company.name: company for company in extraction.companies}
    assert set(companies) == {"Tesla Industries", "Tesla"}
    assert companies["Tesla Industries"].new is True
    assert companies["Tesla Industries"].id is None
    text = "Tesla Industries, a Lahore firm, is no relation of Musk's Tesla."
    tesla_at = text.rindex("Tesla")
    assert companies["Tesla"].count == 1
    assert companies["Tesla"].position == tesla_at
    assert companies["Tesla"].spans == ((tesla_at, tesla_at + len("Tesla")),)


@pytest.mark.parametrize("text", ["Xiaomi Motors", "BYD Group", "Apple Technologies"])
def test_known_name_followed_by_a_company_word_is_another_company(gazetteer, text):
    extraction = read(gazetteer, f"Officials met {text} in Karachi.")

    assert [(c.name, c.new, c.id) for c in extraction.companies] == [(text, True, None)]


def test_legal_form_after_a_known_name_is_still_that_company(gazetteer):
    extraction = read(gazetteer, "Master Motors Ltd. and Apple Inc. signed.")

    assert [(c.name, c.new, c.matched) for c in extraction.companies] == [
        ("Master Motors", False, ("Master Motors Ltd.",)),
        ("Apple", False, ("Apple Inc.",)),
    ]


@pytest.mark.parametrize(
    "text", ["Airlink", "Air Link", "AIRLINK", "Air Link Communications", "Air Link Communication"]
)
def test_air_link_spellings_match_air_link_communication(gazetteer, text):
    extraction = read(gazetteer, f"Sources at {text} declined to comment.")

    assert [(c.name, c.matched) for c in extraction.companies] == [
        ("Air Link Communication", (text,))
    ]


@pytest.mark.parametrize(
    "text",
    [
        "She ate applesauce.",
        "Appleby Motors Ltd is not it.",
        "BYDX is a ticker.",
        "Pineapple prices rose.",
        "They sealed the deal to seal the deal.",
        "An apple a day.",
        "We've seen the Seals.",
        "The VE committee met.",
    ],
)
def test_known_names_match_whole_capitalised_words_only(gazetteer, text):
    extraction = read(gazetteer, text)

    assert not any(c.name in {"Apple", "BYD"} for c in extraction.companies)
    assert extraction.models == ()


@pytest.mark.parametrize("text", ["Apple's", "Apple’s", "Apple-made", "(Apple)"])
def test_possessives_and_punctuation_still_match(gazetteer, text):
    extraction = read(gazetteer, f"GNEXT is {text} distributor.")

    assert "Apple" in company_names(extraction)


def test_new_company_named_with_a_company_word(gazetteer):
    extraction = read(
        gazetteer, "Indus Motor Company CEO Ali Asghar Jamali met Regal Automobiles officials."
    )

    assert [(c.name, c.new) for c in extraction.companies] == [
        ("Indus Motor Company", True),
        ("Regal Automobiles", False),
    ]


def test_new_company_keeps_its_legal_form(gazetteer):
    extraction = read(gazetteer, "Pak Suzuki Motor Co. Ltd and Honda Atlas Limited reported.")

    assert [(c.name, c.new) for c in extraction.companies] == [
        ("Pak Suzuki Motor Co. Ltd", True),
        ("Honda Atlas Limited", True),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The Pakistan Auto Show opened in Lahore.",
        "Chinese Automobiles are cheaper.",
        "The Minister of Industries spoke.",
        "In March Motors rallied.",
        "Lahore-based Motors said so.",
    ],
)
def test_no_new_company_from_sentence_starts_titles_or_months(gazetteer, text):
    extraction = read(gazetteer, text)

    assert [c.name for c in extraction.companies if c.new] == []


# Vehicle models


def test_su7_max_is_the_max_variant_not_the_base(gazetteer):
    extraction = read(gazetteer, "An SU7 Max was seen at Karachi port.")

    assert [(m.slug, m.variant) for m in extraction.models] == [("xiaomi-su7-max", "Max")]


@pytest.mark.parametrize("text", ["the SU7", "the SU7 EV", "a basic SU7 model", "Xiaomi SU7"])
def test_bare_su7_is_the_base_model(gazetteer, text):
    extraction = read(gazetteer, f"He drove {text} yesterday.")

    assert model_slugs(extraction) == {"xiaomi-su7"}


def test_full_name_with_maker_matches_the_variant(gazetteer):
    extraction = read(gazetteer, "The Xiaomi SU7 Pro costs more.")

    assert [(m.slug, m.matched) for m in extraction.models] == [
        ("xiaomi-su7-pro", ("Xiaomi SU7 Pro",))
    ]


@pytest.mark.parametrize(
    ("text", "slugs"),
    [
        ("Honri 2.0 and 3.0", {"honri-ve-2-0", "honri-ve-3-0"}),
        ("Honri 3.0", {"honri-ve-3-0"}),
        ("Deepal L07 and S07", {"changan-deepal-l07", "changan-deepal-s07"}),
        ("SU7 Pro, Max", {"xiaomi-su7-pro", "xiaomi-su7-max"}),
        ("Honri-VE", {"honri-ve"}),
    ],
)
def test_model_aliases_and_repeated_model_names(gazetteer, text, slugs):
    extraction = read(gazetteer, f"DFML assembles the {text} in Karachi.")

    assert model_slugs(extraction) == slugs
    assert not any(model.new for model in extraction.models)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Changan's Deepal S05", ("Changan Deepal S05", "Changan", "Deepal", "S05")),
        ("the BYD Seal U", ("BYD Seal U", "BYD", "Seal", "U")),
        ("the SU7 Ultra", ("Xiaomi SU7 Ultra", "Xiaomi", "SU7", "Ultra")),
        ("the Leapmotor C10", ("Leapmotor C10", "Leapmotor", "C10", "")),
    ],
)
def test_unknown_models_are_flagged_new(gazetteer, text, expected):
    extraction = read(gazetteer, f"Dealers imported {text} last month.")

    new = [(m.name, m.maker, m.model, m.variant) for m in extraction.models if m.new]
    assert new == [expected]
    assert all(m.id is None and m.slug is None for m in extraction.models if m.new)
    # The base model is not reported for its new variant.
    assert model_slugs(extraction) <= {None}


def test_a_list_of_new_models_stops_at_another_brand(gazetteer):
    extraction = read(gazetteer, "It showed the Seal U and BYD Atto 2 at the Expo Centre.")

    assert [(m.name, m.new) for m in extraction.models] == [
        ("BYD Seal U", True),
        ("BYD Atto 2", True),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Phase 2 of the plan starts in March 2024.",
        "Sales rose in Q4 2024 to Rs 5 million.",
        "BYD 300 units arrived.",
        "Euro 5 fuel is sold in Lahore.",
        "China prices: SU7 215,900 CNY; SU7 Pro 245,900 CNY.",
    ],
)
def test_no_new_model_from_ordinary_numbers(gazetteer, text):
    extraction = read(gazetteer, text)

    assert [model.name for model in extraction.models if model.new] == []


# Money


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("215,900 yuan", "215900", "CNY"),
        ("US$30,917", "30917", "USD"),
        ("PKR8.55 million", "8550000", "PKR"),
        ("Rs 23 million", "23000000", "PKR"),
        ("Rs. 4.99 million", "4990000", "PKR"),
        ("89.9 lakh", "8990000", "PKR"),
        ("Rs 89.9 lakh", "8990000", "PKR"),
        ("2 crore", "20000000", "PKR"),
        ("¥1,234", "1234", "CNY"),
        ("RMB 245,900", "245900", "CNY"),
        ("$1.2 billion", "1200000000", "USD"),
        ("Rs1.5bn", "1500000000", "PKR"),
        ("PKR 3.99m", "3990000", "PKR"),
        ("PKR 3.99M", "3990000", "PKR"),
        ("€25,000", "25000", "EUR"),
        ("AED 100,000", "100000", "AED"),
        ("5 million rupees", "5000000", "PKR"),
        ("USD 1.5 million", "1500000", "USD"),
    ],
)
def test_amounts_with_their_currency(gazetteer, text, value, currency):
    extraction = read(gazetteer, f"It will cost {text}, a source said.")

    assert [(a.value, a.currency, a.text) for a in extraction.amounts] == [
        (Decimal(value), currency, text)
    ]
    assert isinstance(extraction.amounts[0].value, Decimal)


@pytest.mark.parametrize(
    ("hedge", "approximate", "at_least"),
    [
        ("around", True, False),
        ("about", True, False),
        ("nearly", True, False),
        ("approximately", True, False),
        ("over", False, True),
        ("more than", False, True),
        ("exactly", False, False),
    ],
)
def test_hedged_amounts(gazetteer, hedge, approximate, at_least):
    extraction = read(gazetteer, f"The car costs {hedge} Rs 8 million.")

    assert [(a.approximate, a.at_least) for a in extraction.amounts] == [(approximate, at_least)]


def test_exchange_rates_are_not_amounts(gazetteer):
    extraction = read(gazetteer, "That implies 6.983 CNY/USD, or 39.60 PKR/CNY.")

    assert extraction.amounts == ()


def test_amounts_serialise_as_exact_decimal_strings(gazetteer):
    data = read(gazetteer, "Rs 8.55 million or 0.1 crore").as_dict()

    assert [amount["value"] for amount in data["amounts"]] == ["8550000", "1000000"]
    json.dumps(data)  # everything in it is JSON-ready


# Quantities


@pytest.mark.parametrize(
    ("text", "value", "at_least"),
    [
        ("two units", 2, False),
        ("2 units", 2, False),
        ("300 units", 300, False),
        ("over 100 units", 100, True),
        ("more than twenty cars", 20, True),
        ("Twelve units", 12, False),
        ("twenty-five vehicles", 25, False),
        ("a hundred units", 100, False),
        ("two SU7 Max units", 2, False),
        ("1,000 cars", 1000, False),
    ],
)
def test_quantities(gazetteer, text, value, at_least):
    extraction = read(gazetteer, f"Customs cleared {text} at the port.")

    assert [(q.value, q.at_least) for q in extraction.quantities] == [(value, at_least)]


def test_no_quantity_without_a_number_or_in_money(gazetteer):
    extraction = read(gazetteer, "How many units were imported is unclear; 5 million rupees.")

    assert extraction.quantities == ()


# Places


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("at Karachi port", [("Karachi port", "Karachi")]),
        ("at Karachi Port", [("Karachi port", "Karachi")]),
        ("in Karachi", [("Karachi", "Karachi")]),
        ("at Port Qasim", [("Port Qasim", "Karachi")]),
        ("in Lahore and Beijing", [("Lahore", "Lahore"), ("Beijing", "Beijing")]),
        ("a Lahori dish", []),
    ],
)
def test_places_prefer_the_port_to_its_city(gazetteer, text, places):
    extraction = read(gazetteer, f"Cars were seen {text}.")

    assert [(place.name, place.city) for place in extraction.places] == places


# Dates


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("on 28 September 2024", "2024-09-28", "day"),
        ("on September 28, 2024", "2024-09-28", "day"),
        ("on 2024-09-28", "2024-09-28", "day"),
        ("in March 2024", "2024-03-01", "month"),
        ("in March this year", "2024-03-01", "month"),
        ("in March last year", "2023-03-01", "month"),
        ("in April", "2024-04-01", "month"),
        ("in November", "2023-11-01", "month"),
        ("last year", "2023-01-01", "year"),
        ("this year", "2024-01-01", "year"),
        ("in 2023", "2023-01-01", "year"),
        ("last month", "2024-08-01", "month"),
        ("yesterday", "2024-09-27", "day"),
        ("today", "2024-09-28", "day"),
        ("on 17 August", "2024-08-17", "day"),
    ],
)
def test_dates_with_their_precision(gazetteer, text, date, precision):
    extraction = read(gazetteer, f"The cars arrived {text}, officials said.")

    assert [(d.date.isoformat(), d.precision) for d in extraction.dates] == [(date, precision)]


def test_in_april_after_the_publication_month_is_the_previous_year(gazetteer):
    extraction = read(gazetteer, "Assembly began in April.", datetime.date(2024, 2, 10))

    assert [(d.date, d.precision, d.text) for d in extraction.dates] == [
        (datetime.date(2023, 4, 1), "month", "April")
    ]


def test_relative_dates_are_skipped_without_a_publication_date(gazetteer):
    text = "In April, last year, yesterday and in March this year; but also in March 2024."

    extraction = read(gazetteer, text, published_on=None)

    assert [(d.date, d.text, d.relative) for d in extraction.dates] == [
        (datetime.date(2024, 3, 1), "March 2024", False)
    ]


def test_newspaper_names_and_verbs_are_not_dates(gazetteer):
    extraction = read(gazetteer, "Pakistan Today said the car may march on; in 2024-25 it sells.")

    assert extraction.dates == ()


# The file header


def test_split_header_reads_a_date_on_the_first_line():
    assert split_header(" date 2024-09-28 Xiaomi cars") == ("2024-09-28", "Xiaomi cars")
    assert split_header("date 2024-09-28\nXiaomi cars") == ("2024-09-28", "Xiaomi cars")
    assert split_header("Date palms grow.") == (None, "Date palms grow.")


# The extract_news command


def test_command_prints_the_seed_article_as_json(reference_data):
    data, err = run_command(str(SEED))

    assert data["published_on"] == "2024-09-28"
    assert list(data) == [
        "published_on",
        "companies",
        "models",
        "people",
        "amounts",
        "quantities",
        "places",
        "dates",
        "drafts",
    ]
    (price,) = data["drafts"]["prices"]
    assert (price["vehicle_model"], price["amount"], price["currency"], price["stated"]) == (
        VehicleModel.objects.get(slug="xiaomi-su7").pk,
        "215900",
        "CNY",
        "USD 30917; ~PKR 8550000",
    )
    xiaomi = next(company for company in data["companies"] if company["name"] == "Xiaomi")
    assert xiaomi["id"] == Company.objects.get(slug="xiaomi").pk
    assert xiaomi["new"] is False
    su7_max = next(model for model in data["models"] if model["slug"] == "xiaomi-su7-max")
    assert su7_max["id"] == VehicleModel.objects.get(slug="xiaomi-su7-max").pk
    assert {
        "value": "215900",
        "currency": "CNY",
        "text": "215,900 yuan",
        "approximate": False,
        "at_least": False,
        "position": data["amounts"][0]["position"],
    } in data["amounts"]
    assert {"date": "2024-04-01", "precision": "month", "text": "April"} in [
        {key: date[key] for key in ("date", "precision", "text")} for date in data["dates"]
    ]
    assert err == ""


def test_command_reads_standard_input_and_flags_new_names(reference_data):
    text = "date 2024-02-10\nTesla Industries showed a Leapmotor C10 in April."

    data, _err = run_command("-", stdin=StringIO(text))

    assert data["published_on"] == "2024-02-10"
    assert [(c["name"], c["id"], c["new"]) for c in data["companies"]] == [
        ("Tesla Industries", None, True)
    ]
    assert [(m["name"], m["id"], m["new"]) for m in data["models"]] == [
        ("Leapmotor C10", None, True)
    ]
    assert [d["date"] for d in data["dates"]] == ["2023-04-01"]


def test_command_date_option_overrides_the_header(reference_data):
    text = "date 2024-09-28\nXiaomi launched the SU7 in April."

    data, _err = run_command("-", "--date", "2024-02-10", stdin=StringIO(text))

    assert data["published_on"] == "2024-02-10"
    assert [d["date"] for d in data["dates"]] == ["2023-04-01"]


def test_command_without_a_date_says_relative_dates_are_skipped(reference_data):
    data, err = run_command("-", stdin=StringIO("Xiaomi launched the SU7 in April."))

    assert data["published_on"] is None
    assert data["dates"] == []
    assert "relative dates" in err


def test_command_refuses_a_missing_file(tmp_path):
    missing = tmp_path / "no-such-article.txt"

    with pytest.raises(CommandError, match="No such file"):
        call_command("extract_news", str(missing), stdout=StringIO())


@pytest.mark.parametrize("value", ["2024-13-01", "28/09/2024", "yesterday", "2024-02-30"])
def test_command_refuses_a_bad_date(value):
    with pytest.raises(CommandError, match="Bad date in --date"):
        call_command("extract_news", str(SEED), "--date", value, stdout=StringIO())


def test_command_refuses_a_bad_header_date(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("date 2024-02-31\nXiaomi cars.", encoding="utf-8")

    with pytest.raises(CommandError, match="Bad date in the “date” header"):
        call_command("extract_news", str(article), stdout=StringIO())


@pytest.mark.parametrize(
    ("args", "message"),
    [(["/no/such/article.txt"], "No such file"), ([str(SEED), "--date", "soon"], "Bad date")],
)
def test_command_errors_exit_1_without_a_traceback(args, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "extract_news", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
