"""Dated currency conversion, stated-conversion checks and money display (entrants.currency)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.template import Context, Template

from entrants.currency import (
    RateTable,
    check_stated,
    check_stated_conversion,
    convert,
    format_amount,
    format_lakh_crore,
    parse_at,
    rounding_tolerance,
)
from entrants.models import ClaimStatus, ExchangeRate, StatedConversion
from tests.factories import ExchangeRateFactory, NewsItemFactory, StatedConversionFactory

pytestmark = pytest.mark.django_db

SBP = ExchangeRate.Source.SBP_INTERBANK
PBOC = ExchangeRate.Source.PBOC_PARITY
OPEN_MARKET = ExchangeRate.Source.SBP_OPEN_MARKET

SEED_PRICE = Decimal("215900")
SEED_PUBLISHED = datetime.date(2024, 9, 28)
SU7_LAUNCH = datetime.date(2024, 3, 28)
ONE = datetime.timedelta(days=1)


def day(text):
    return datetime.date.fromisoformat(text)


def rate(on, base="USD", quote="PKR", value="278.50", **kwargs):
    return ExchangeRateFactory(date=day(on), base=base, quote=quote, rate=Decimal(value), **kwargs)


# Direct, inverse and cross rates


def test_direct_rate_multiplies():
    rate("2024-09-27", value="277.63")

    conversion = convert(Decimal("100"), "USD", "PKR", day("2024-09-28"))

    assert conversion.amount == Decimal("27763")
    assert len(conversion.rates) == 1
    used = conversion.rates[0]
    assert (used.pair, used.inverted, used.date) == ("USD/PKR", False, day("2024-09-27"))
    assert used.source == "SBP interbank close"


def test_inverse_rate_divides():
    rate("2024-09-27", value="277.63")

    conversion = convert(Decimal("27763"), "PKR", "USD", day("2024-09-28"))

    assert conversion.amount == Decimal("100")
    assert conversion.rates[0].pair == "USD/PKR"
    assert conversion.rates[0].inverted is True


def test_cross_rate_goes_through_us_dollar():
    rate("2024-09-27", quote="CNY", value="7", source=PBOC)
    rate("2024-09-26", quote="PKR", value="280")

    conversion = convert(Decimal("700"), "CNY", "PKR", day("2024-09-28"))

    assert conversion.amount == Decimal("28000")
    assert [(used.pair, used.inverted) for used in conversion.rates] == [
        ("USD/CNY", True),
        ("USD/PKR", False),
    ]


def test_cross_rate_uses_each_leg_in_whichever_direction_is_stored():
    rate("2024-09-20", base="EUR", quote="USD", value="1.10", source=ExchangeRate.Source.OTHER)
    rate("2024-09-20", base="PKR", quote="USD", value="0.004", source=ExchangeRate.Source.OTHER)

    conversion = convert(Decimal("10"), "EUR", "PKR", day("2024-09-21"))

    assert conversion.amount == Decimal("2750")
    assert [(used.pair, used.inverted) for used in conversion.rates] == [
        ("EUR/USD", False),
        ("PKR/USD", True),
    ]


def test_direct_rate_preferred_to_a_cross():
    rate("2024-09-01", base="CNY", quote="PKR", value="39", source=ExchangeRate.Source.OTHER)
    rate("2024-09-27", quote="CNY", value="7", source=PBOC)
    rate("2024-09-27", quote="PKR", value="280")

    conversion = convert(Decimal("100"), "CNY", "PKR", day("2024-09-28"))

    assert conversion.amount == Decimal("3900")
    assert [used.pair for used in conversion.rates] == ["CNY/PKR"]


def test_most_recent_rate_on_or_before_the_date_is_used():
    rate("2024-09-25", value="277.84")
    rate("2024-09-27", value="277.63")
    rate("2024-10-01", value="277.00")
    table = RateTable.load()

    def used_on(text):
        return table.convert(Decimal("1"), "USD", "PKR", day(text)).rates[0].rate

    assert used_on("2024-09-25") == Decimal("277.84")
    assert used_on("2024-09-26") == Decimal("277.84")
    assert used_on("2024-09-27") == Decimal("277.63")
    assert used_on("2024-09-30") == Decimal("277.63")


def test_more_recent_of_direct_and_inverse_rate_of_a_source_wins_and_direct_on_a_tie():
    rate("2024-09-20", value="280")
    rate("2024-09-25", base="PKR", quote="USD", value="0.004")
    table = RateTable.load()

    newer_inverse = table.convert(Decimal("1"), "USD", "PKR", day("2024-09-26"))
    assert newer_inverse.rates[0].pair == "PKR/USD"
    assert newer_inverse.amount == Decimal("250")

    rate("2024-09-25", value="280", source=ExchangeRate.Source.SBP_INTERBANK)
    tied = RateTable.load().convert(Decimal("1"), "USD", "PKR", day("2024-09-26"))
    assert tied.rates[0].pair == "USD/PKR"
    assert tied.amount == Decimal("280")


# Stale, missing, same currency


def test_rate_more_than_seven_days_old_is_stale():
    rate("2024-09-01")
    table = RateTable.load()

    week_old = table.convert(Decimal("1"), "USD", "PKR", day("2024-09-08"))
    eight_days_old = table.convert(Decimal("1"), "USD", "PKR", day("2024-09-09"))
    much_older = table.convert(Decimal("1"), "USD", "PKR", day("2024-09-20"))

    assert (week_old.stale, week_old.age_days) == (False, 7)
    assert (eight_days_old.stale, eight_days_old.age_days) == (True, 8)
    assert (much_older.stale, much_older.age_days) == (True, 19)
    assert much_older.oldest_rate_date == day("2024-09-01")


def test_cross_is_stale_when_either_leg_is_old():
    rate("2024-09-01", quote="CNY", value="7", source=PBOC)
    rate("2024-09-27", quote="PKR", value="280")

    conversion = convert(Decimal("7"), "CNY", "PKR", day("2024-09-28"))

    assert conversion.stale is True
    assert conversion.age_days == 27


def test_no_rate_gives_no_amount_never_zero():
    rate("2024-10-01")  # only after the requested date

    conversion = convert(Decimal("215900"), "USD", "PKR", day("2024-09-28"))
    unknown_pair = convert(Decimal("215900"), "CNY", "PKR", day("2024-10-05"))

    for missing in (conversion, unknown_pair):
        assert missing.amount is None
        assert missing.missing is True
        assert missing.rates == ()
        assert missing.stale is False
        assert missing.age_days is None


def test_same_currency_is_unchanged_and_uses_no_rate():
    conversion = convert(Decimal("8550000.00"), "PKR", "PKR", day("2024-09-28"))

    assert conversion.amount == Decimal("8550000.00")
    assert conversion.rates == ()
    assert conversion.missing is False


def test_floats_are_refused():
    rate("2024-09-27")

    with pytest.raises(TypeError):
        convert(215900.0, "USD", "PKR", day("2024-09-28"))


def test_the_pairs_source_order_comes_before_claim_status_and_the_status_is_shown():
    rate("2024-09-27", value="277.63", claim_status=ClaimStatus.REPORTED)
    rate("2024-09-27", value="280.50", source=OPEN_MARKET, claim_status=ClaimStatus.CONFIRMED)

    used = convert(Decimal("1"), "USD", "PKR", day("2024-09-28")).rates[0]

    assert used.rate == Decimal("277.63")
    assert used.source == "SBP interbank close"
    assert used.claim_status == ClaimStatus.REPORTED


def test_source_order_decides_between_equally_confirmed_rates():
    rate("2024-09-27", value="280.50", source=OPEN_MARKET)
    rate("2024-09-27", value="277.63", source=SBP)
    rate("2024-09-27", value="281.00", source=ExchangeRate.Source.OTHER)

    used = convert(Decimal("1"), "USD", "PKR", day("2024-09-28")).rates[0]

    assert used.source == "SBP interbank close"
    assert used.rate == Decimal("277.63")


def test_denied_rate_is_never_used():
    rate("2024-09-27", value="300", claim_status=ClaimStatus.DENIED)

    assert convert(Decimal("1"), "USD", "PKR", day("2024-09-28")).missing


# The seed's numbers with the reference rates


def test_seed_price_in_rupees_at_publication_date(reference_data):
    conversion = convert(SEED_PRICE, "CNY", "PKR", SEED_PUBLISHED)

    assert abs(conversion.amount - Decimal("8550565")) <= 1
    assert [(used.pair, used.rate, used.date, used.source) for used in conversion.rates] == [
        ("USD/CNY", Decimal("7.0101"), day("2024-09-27"), "PBOC central parity"),
        ("USD/PKR", Decimal("277.63"), day("2024-09-27"), "SBP interbank close"),
    ]
    assert [used.inverted for used in conversion.rates] == [True, False]
    assert conversion.rates[0].source_url.startswith("https://bestperson.vip/")
    assert conversion.stale is False
    assert conversion.age_days == 1


def test_seed_price_in_dollars_at_publication_date(reference_data):
    conversion = convert(SEED_PRICE, "CNY", "USD", SEED_PUBLISHED)

    assert abs(conversion.amount - Decimal("30798")) <= 1
    (used,) = conversion.rates
    assert (used.pair, used.rate, used.date, used.inverted) == (
        "USD/CNY",
        Decimal("7.0101"),
        day("2024-09-27"),
        True,
    )
    assert used.source == "PBOC central parity"


def test_seed_price_at_launch_date_uses_the_march_rates(reference_data):
    conversion = convert(SEED_PRICE, "CNY", "PKR", SU7_LAUNCH)

    assert [(used.pair, used.rate, used.date) for used in conversion.rates] == [
        ("USD/CNY", Decimal("7.0946"), day("2024-03-27")),
        ("USD/PKR", Decimal("278.07"), day("2024-03-26")),
    ]
    assert abs(conversion.amount - Decimal("8462114")) <= 1
    assert conversion.age_days == 2


def test_seed_stated_conversions_checked_at_publication_date(reference_data):
    table = RateTable.load()
    stated = {
        item.currency: check_stated_conversion(item, table)
        for item in StatedConversion.objects.select_related("price_point", "source").filter(
            source__slug="br-2024-09-28-xiaomi-electric-cars-karachi-port"
        )
    }

    dollars, rupees = stated["USD"], stated["PKR"]
    assert dollars.computed.on == SEED_PUBLISHED
    assert dollars.flagged is True
    assert Decimal("0.0035") < dollars.gap_ratio < Decimal("0.0045")
    assert dollars.gap > 0  # the article's dollar figure is higher than the rates give
    assert rupees.flagged is False
    assert rupees.tolerance == Decimal("5000")
    assert abs(rupees.gap) < 1000


def test_stated_check_flags_only_beyond_both_rounding_and_a_tenth_of_a_percent():
    rate("2024-09-27", value="280")
    table = RateTable.load()
    on = day("2024-09-28")

    def flagged(stated, dollars):
        return check_stated(Decimal(stated), "PKR", Decimal(dollars), "USD", on, table).flagged

    # 28,000,000 computed; 28,100,000 is 100,000 (0.36%) off, beyond its rounding (50,000).
    assert flagged("28100000", "100000") is True
    # 3.6% off, yet "8,000,000" may stand for anything from 7.5M to 8.5M.
    assert flagged("8000000", "29642.86") is False
    # 12 rupees off on 2,800,012: beyond the stated unit (0.5) but only 0.0004%.
    assert flagged("2800012", "10000") is False
    assert flagged("2800000", "10000") is False


def test_stated_check_without_a_rate_is_unknown_not_flagged():
    check = check_stated(
        Decimal("8550000"), "PKR", SEED_PRICE, "CNY", SEED_PUBLISHED, RateTable.load()
    )

    assert check.computed.missing
    assert check.flagged is None
    assert check.gap is None
    assert check.gap_ratio is None
    assert check.checked is False


def test_stated_check_uses_the_news_items_date_not_the_price_date():
    rate("2024-03-26", value="200")
    rate("2024-09-27", value="280")
    news = NewsItemFactory(date=day("2024-09-28"))
    stated = StatedConversionFactory(
        price_point__amount=Decimal("1000"),
        price_point__currency="USD",
        price_point__date=day("2024-03-28"),
        source=news,
        amount=Decimal("280000"),
        currency="PKR",
    )

    check = check_stated_conversion(stated, RateTable.load())

    assert check.computed.rates[0].date == day("2024-09-27")
    assert check.flagged is False


@pytest.mark.parametrize(
    ("stated", "tolerance"),
    [
        ("8550000", "5000"),
        ("8550000.00", "5000"),
        ("30917", "0.5"),
        ("30917.00", "0.5"),
        ("245900", "50"),
        ("20000000", "5000000"),
        ("12.5", "0.05"),
    ],
)
def test_rounding_tolerance_is_half_the_last_significant_digit(stated, tolerance):
    assert rounding_tolerance(Decimal(stated)) == Decimal(tolerance)


# One query for any number of conversions


def test_rate_table_loads_in_one_query_however_many_conversions(django_assert_num_queries):
    for offset in range(20):
        rate((day("2024-01-01") + datetime.timedelta(days=offset)).isoformat())
        rate(
            (day("2024-01-01") + datetime.timedelta(days=offset)).isoformat(),
            quote="CNY",
            value="7.1",
            source=PBOC,
        )

    with django_assert_num_queries(1):
        table = RateTable.load()
        conversions = [
            table.convert(Decimal(1000 + n), currency, "PKR", day("2024-01-01") + (n % 30) * ONE)
            for n in range(60)
            for currency in ("USD", "CNY")
        ]

    assert all(not conversion.missing for conversion in conversions)


# At a date, at the price date, at the latest rates


def test_convert_at_price_date_latest_or_a_given_date(reference_data):
    table = RateTable.load()

    at_price = table.convert_at(SEED_PRICE, "CNY", "PKR", "price-date", price_date=SU7_LAUNCH)
    latest = table.convert_at(SEED_PRICE, "CNY", "PKR", "latest", price_date=SU7_LAUNCH)
    at_date = table.convert_at(SEED_PRICE, "CNY", "PKR", SEED_PUBLISHED, price_date=SU7_LAUNCH)

    assert at_price.on == SU7_LAUNCH
    assert {used.date for used in at_price.rates} == {day("2024-03-27"), day("2024-03-26")}
    newest = ExchangeRate.objects.filter(base="USD", quote__in=["CNY", "PKR"]).latest("date")
    assert table.latest_date("CNY", "PKR") == newest.date
    assert latest.on == newest.date
    assert at_date.on == SEED_PUBLISHED
    assert at_date.amount != latest.amount


def test_convert_at_price_date_of_an_undated_price_uses_the_latest_rate_and_says_so():
    rate("2024-09-20", value="280")
    rate("2024-09-27", value="278.5")

    conversion = RateTable.load().convert_at(Decimal("1"), "USD", "PKR", "price-date", None)

    assert (conversion.amount, conversion.on) == (Decimal("278.5"), day("2024-09-27"))
    assert conversion.basis_note == "undated: at the rates of 27 Sep 2024"
    assert conversion.as_dict()["basis"] == conversion.basis_note


def test_an_undated_price_without_any_rate_of_its_pair_is_missing():
    rate("2024-09-27")

    conversion = RateTable.load().convert_at(Decimal("1"), "CNY", "USD", "price-date", None)

    assert conversion.missing


def test_parse_at_refuses_nonsense():
    assert parse_at("2024-09-28") == SEED_PUBLISHED
    assert parse_at("latest") == "latest"
    with pytest.raises(ValueError):
        parse_at("yesterday")


def test_conversion_as_dict_is_json_ready_with_its_sources(reference_data):
    data = convert(SEED_PRICE, "CNY", "PKR", SEED_PUBLISHED).as_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["amount"].startswith("8550565.")
    assert data["display"] == "PKR 8,550,565"
    assert data["on"] == "2024-09-28"
    assert data["rates"][0] == {
        "pair": "USD/CNY",
        "rate": "7.0101",
        "date": "2024-09-27",
        "source": "PBOC central parity",
        "source_code": "pboc_parity",
        "source_url": "https://bestperson.vip/2024/10/27/market-exchange-rates-in-china-sept-27",
        "claim_status": "reported",
        "inverted": True,
    }
    assert data["basis"] == ""
    assert data["rates"][1]["pair"] == "USD/PKR"
    assert data["rates"][1]["inverted"] is False


# Display


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("8550565.1845", "PKR", "PKR 8,550,565"),
        ("30798.5", "USD", "USD 30,799"),  # half up, not to even
        ("30798.4194", "USD", "USD 30,798"),
        ("215900.00", "CNY", "CNY 215,900"),
        ("39.6046", "PKR", "PKR 40"),
        ("0.1421", "EUR", "EUR 0.14"),
        ("1234.567", "EUR", "EUR 1,235"),
    ],
)
def test_format_amount_rounds_only_for_display(amount, currency, shown):
    assert format_amount(Decimal(amount), currency) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("8550000", "85.5 lakh"),
        ("20000000", "2 crore"),
        ("12500000", "1.25 crore"),
        ("8550565.18", "85.51 lakh"),
        ("9999999", "1 crore"),
        ("100000", "1 lakh"),
        ("99999", "99,999"),
        ("3990000", "39.9 lakh"),
    ],
)
def test_format_lakh_crore(amount, shown):
    assert format_lakh_crore(Decimal(amount)) == shown


def test_money_template_filters():
    template = Template(
        "{% load money %}{{ price|money:'PKR' }} | {{ price|lakh_crore }} | "
        "{{ missing|money:'PKR'|default:'no rate' }}"
    )

    rendered = template.render(Context({"price": Decimal("8550565.18"), "missing": None}))

    assert rendered == "PKR 8,550,565 | 85.51 lakh | no rate"


def test_percent_template_filter_shows_a_gap_ratio():
    template = Template("{% load money %}{{ ratio|percent }}% | {{ ratio|percent:2 }}%")

    rendered = template.render(Context({"ratio": Decimal("0.003850216")}))

    assert rendered == "0.4% | 0.39%"
