"""Bulk import of exchange rates and price points from CSV and XLSX: the admin's preview, then
confirm; the import_rates command; all rows or none, with every bad row explained by row and
column; and admin exports that no spreadsheet runs as a formula."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from entrants.models import ExchangeRate, PricePoint
from entrants.resources import parse_number
from entrants.roles import EDITORS, VIEWERS
from tests import factories

pytestmark = pytest.mark.django_db

RATE_COLUMNS = ["date", "base", "quote", "rate", "source", "source_url", "claim_status", "notes"]
PRICE_COLUMNS = [
    "model",
    "amount",
    "currency",
    "market",
    "kind",
    "date",
    "date_precision",
    "claim_status",
    "source",
    "notes",
]
FORMULA_STARTS = ("=", "+", "-", "@")


def rate_row(**cells):
    """Return a valid exchange-rate row, with ``cells`` changed."""
    row = {
        "date": "2024-09-27",
        "base": "USD",
        "quote": "PKR",
        "rate": "277.63",
        "source": "sbp_interbank",
        "source_url": "https://dailytimes.com.pk/1229877/rupee-gains-5-paisa-against-dollar-2/",
        "claim_status": "",
        "notes": "",
    } | cells
    return [row[column] for column in RATE_COLUMNS]


def price_row(vehicle_model, news_item, **cells):
    """Return a valid price-point row for ``vehicle_model`` citing ``news_item``, with ``cells``
    changed."""
    row = {
        "model": vehicle_model.slug,
        "amount": "215,900",
        "currency": "CNY",
        "market": "CN",
        "kind": "launch",
        "date": "2024-03-28",
        "date_precision": "day",
        "claim_status": "confirmed",
        "source": news_item.slug,
        "notes": "",
    } | cells
    return [row[column] for column in PRICE_COLUMNS]


def file_content(rows, name):
    """Return the bytes of a CSV or XLSX file (by the extension of ``name``) holding ``rows``."""
    if name.endswith(".xlsx"):
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def write_file(tmp_path, rows, name="rates.csv"):
    path = tmp_path / name
    path.write_bytes(file_content(rows, name))
    return path


def format_index(model, extension):
    """Return the value of the import/export form's format choice for ``extension``."""
    formats = admin.site.get_model_admin(model).get_import_formats()
    return str([file_format().get_extension() for file_format in formats].index(extension))


def preview(client, model, rows, name="rates.csv"):
    """Post the admin's import form with a file of ``rows``: the dry run."""
    return client.post(
        reverse(f"admin:entrants_{model._meta.model_name}_import"),
        {
            "resource": "0",
            "format": format_index(model, name.rsplit(".", 1)[1]),
            "import_file": SimpleUploadedFile(name, file_content(rows, name)),
        },
    )


def confirm(client, model, preview_page):
    """Post the "Confirm import" form that the preview page shows."""
    form = preview_page.context["confirm_form"]
    return client.post(
        reverse(f"admin:entrants_{model._meta.model_name}_process_import"),
        {field.html_name: field.value() for field in form},
    )


def invalid_rows(page):
    """Return {row number: {column: [messages]}} of a preview page."""
    return {row.number: row.error_dict for row in page.context["result"].invalid_rows}


@pytest.fixture
def su7_max():
    xiaomi = factories.CompanyFactory(name="Xiaomi", slug="xiaomi")
    return factories.VehicleModelFactory(
        maker=xiaomi, name="SU7", variant="Max", slug="xiaomi-su7-max"
    )


@pytest.fixture
def launch_news():
    return factories.NewsItemFactory(
        headline="Xiaomi launches the SU7",
        slug="xiaomi-launches-the-su7",
        url="https://news.example.cn/xiaomi-su7-launch",
        date=datetime.date(2024, 3, 28),
    )


# --- The admin: preview, then confirm ---------------------------------------------------------


def test_changelist_links_to_an_import_page_that_lists_the_columns(admin_client):
    changelist = admin_client.get(reverse("admin:entrants_exchangerate_changelist"))
    import_url = reverse("admin:entrants_exchangerate_import")
    assert import_url in changelist.content.decode()

    page = admin_client.get(import_url)

    assert page.status_code == 200
    assert ", ".join(RATE_COLUMNS) in page.content.decode()


def test_csv_rates_are_previewed_then_written_on_confirm(admin_client):
    rows = [
        RATE_COLUMNS,
        rate_row(date="2024-09-26", rate="277.68"),
        rate_row(date="2024-09-27", rate=" 277.63 ", source="SBP interbank close"),
    ]

    page = preview(admin_client, ExchangeRate, rows)

    assert page.status_code == 200
    content = page.content.decode()
    assert "Confirm import" in content
    assert "277.68" in content and "2024-09-26" in content
    assert not ExchangeRate.objects.exists()  # the preview writes nothing

    response = confirm(admin_client, ExchangeRate, page)

    assert response.status_code == 302
    assert response.url == reverse("admin:entrants_exchangerate_changelist")
    rates = {
        (rate.date.isoformat(), rate.rate, rate.source, rate.claim_status)
        for rate in ExchangeRate.objects.all()
    }
    assert rates == {
        ("2024-09-26", Decimal("277.68"), "sbp_interbank", "confirmed"),
        ("2024-09-27", Decimal("277.63"), "sbp_interbank", "confirmed"),
    }
    changelist = admin_client.get(response.url)
    assert "Import finished: 2 new, 0 updated" in changelist.content.decode()
    rate = ExchangeRate.objects.get(date="2024-09-27")
    history = admin_client.get(reverse("admin:entrants_exchangerate_history", args=[rate.pk]))
    assert [version.history_change_reason for version in history.context["page_obj"]] == [
        "Import of rates.csv"
    ]
    assert "Import of rates.csv" in history.content.decode()


def test_xlsx_rates_keep_their_exact_decimals(admin_client):
    rows = [
        RATE_COLUMNS,
        # Spreadsheet cells: a date, and numbers that openpyxl reads back as float and int.
        rate_row(date=datetime.date(2024, 9, 27), rate=277.63),
        rate_row(date=datetime.date(2024, 9, 25), quote="CNY", rate=7.0996, source="pboc_parity"),
        rate_row(date=datetime.date(2024, 9, 24), rate=278),
    ]

    page = preview(admin_client, ExchangeRate, rows, name="rates.xlsx")
    assert "Confirm import" in page.content.decode(), invalid_rows(page)
    confirm(admin_client, ExchangeRate, page)

    assert {(rate.date, rate.quote, rate.rate) for rate in ExchangeRate.objects.all()} == {
        (datetime.date(2024, 9, 27), "PKR", Decimal("277.63")),
        (datetime.date(2024, 9, 25), "CNY", Decimal("7.0996")),
        (datetime.date(2024, 9, 24), "PKR", Decimal("278")),
    }


def test_xlsx_prices_are_previewed_then_written_on_confirm(admin_client, su7_max, launch_news):
    rows = [
        PRICE_COLUMNS,
        price_row(su7_max, launch_news, model="Xiaomi SU7 Max", amount="¥299,900"),
        price_row(
            su7_max,
            launch_news,
            amount=30917.0,
            currency="usd",
            market="Pakistan",
            kind="Reported (other)",
            source=launch_news.url,
            claim_status="",
            date=datetime.date(2024, 3, 1),
            date_precision="month",
        ),
    ]

    page = preview(admin_client, PricePoint, rows, name="prices.xlsx")
    assert "Confirm import" in page.content.decode(), invalid_rows(page)
    assert not PricePoint.objects.exists()
    confirm(admin_client, PricePoint, page)

    prices = {
        (p.vehicle_model, p.amount, p.currency, p.market.code, p.kind, p.claim_status)
        for p in PricePoint.objects.all()
    }
    assert prices == {
        (su7_max, Decimal("299900"), "CNY", "CN", "launch", "confirmed"),
        (su7_max, Decimal("30917"), "USD", "PK", "reported", "reported"),
    }
    assert set(PricePoint.objects.values_list("source", flat=True)) == {launch_news.pk}
    assert PricePoint.objects.get(currency="USD").date_display == "March 2024"


# --- All rows or none ---------------------------------------------------------------------------


def test_one_bad_row_gives_no_confirm_button_and_writes_nothing(admin_client):
    rows = [
        RATE_COLUMNS,
        rate_row(date="2024-09-25"),
        rate_row(date="2024-09-26"),
        rate_row(date="2024-09-27", rate="-1"),
    ]

    page = preview(admin_client, ExchangeRate, rows)

    content = page.content.decode()
    assert "Confirm import" not in content
    assert "Some rows failed to validate" in content
    assert invalid_rows(page) == {4: {"rate": ["-1 must be greater than zero"]}}
    assert not ExchangeRate.objects.exists()


def test_confirm_writes_nothing_if_a_row_has_gone_bad_since_the_preview(
    admin_client, su7_max, launch_news
):
    other_news = factories.NewsItemFactory()
    rows = [PRICE_COLUMNS, price_row(su7_max, launch_news), price_row(su7_max, other_news)]
    page = preview(admin_client, PricePoint, rows, name="prices.csv")
    assert "Confirm import" in page.content.decode()
    other_news.delete()  # row 3's source is gone; row 2 alone is still good

    response = confirm(admin_client, PricePoint, page)

    assert response.status_code == 302
    assert not PricePoint.objects.exists()  # not even row 2
    assert not LogEntry.objects.exists()  # and no "added" entries for rows rolled back


# --- Every bad row in words, by row and column ---------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"date": "2024-13-45"}, "date", "2024-13-45 is not a date (YYYY-MM-DD)"),
        ({"date": "27/09/2024"}, "date", "27/09/2024 is not a date (YYYY-MM-DD)"),
        ({"base": "XYZ"}, "base", "XYZ is not an ISO 4217 currency code"),
        ({"rate": "-1"}, "rate", "-1 must be greater than zero"),
        ({"rate": "0"}, "rate", "0 must be greater than zero"),
        ({"rate": "abc"}, "rate", "abc is not a number"),
        ({"rate": ""}, "rate", "required, but the cell is empty"),
        ({"source": "bloomberg"}, "source", "bloomberg is not a rate source; use one of"),
        ({"source_url": "not a link"}, "source_url", "Enter a valid URL."),
        ({"claim_status": "maybe"}, "claim_status", "maybe is not a claim status"),
        ({"quote": "USD"}, NON_FIELD_ERRORS, "The two currencies of a rate must differ."),
    ],
)
def test_each_bad_rate_cell_is_explained(admin_client, cells, column, message):
    rows = [RATE_COLUMNS, rate_row(date="2024-09-26"), rate_row(**cells)]

    page = preview(admin_client, ExchangeRate, rows)

    errors = invalid_rows(page)
    assert list(errors) == [3]
    assert list(errors[3]) == [column]
    assert errors[3][column][0].startswith(message)
    assert message.split(";")[0] in page.content.decode()
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"model": "Tesla Model Z"}, "model", "Tesla Model Z is not a vehicle model"),
        (
            {"source": "https://nowhere.example/story"},
            "source",
            "https://nowhere.example/story is not the slug or URL of a news item",
        ),
        ({"source": ""}, "source", "required, but the cell is empty"),
        ({"amount": "-5"}, "amount", "-5 must be greater than zero"),
        ({"amount": "1.234,50"}, "amount", "1.234,50 is not a number"),
        ({"currency": "XYZ"}, "currency", "XYZ is not an ISO 4217 currency code"),
        ({"market": "Narnia"}, "market", "Narnia is not a country"),
        ({"kind": "rumour"}, "kind", "rumour is not a kind of price"),
        (
            {"date": "2024-03-15", "date_precision": "month"},
            "date",
            "This date is known only to the month, so enter the first day of the month",
        ),
    ],
)
def test_each_bad_price_cell_is_explained(
    admin_client, su7_max, launch_news, cells, column, message
):
    rows = [
        PRICE_COLUMNS,
        price_row(su7_max, launch_news, kind="booking"),
        price_row(su7_max, launch_news, **cells),
    ]

    page = preview(admin_client, PricePoint, rows, name="prices.csv")

    errors = invalid_rows(page)
    assert list(errors) == [3]
    assert list(errors[3]) == [column]
    assert errors[3][column][0].startswith(message)
    assert not PricePoint.objects.exists()


def test_the_same_rate_twice_in_a_file_is_refused_on_the_second_row(admin_client):
    rows = [
        RATE_COLUMNS,
        rate_row(date="2024-09-27"),
        rate_row(date="2024-09-26"),
        # The same date, pair and source, spelt differently.
        rate_row(date="2024-09-27", base="usd", source="SBP interbank close", rate="277.70"),
    ]

    page = preview(admin_client, ExchangeRate, rows)

    assert invalid_rows(page) == {
        4: {NON_FIELD_ERRORS: ["duplicate of row 2 (same date, base, quote and source)"]}
    }
    assert not ExchangeRate.objects.exists()


def test_a_row_matching_two_stored_prices_is_refused(admin_client, su7_max, launch_news):
    for _ in range(2):  # entered twice in the admin, which does not forbid it
        factories.PricePointFactory(
            vehicle_model=su7_max, source=launch_news, kind="launch", market="CN", currency="CNY"
        )

    page = preview(
        admin_client, PricePoint, [PRICE_COLUMNS, price_row(su7_max, launch_news)], "prices.csv"
    )

    assert invalid_rows(page) == {
        2: {
            NON_FIELD_ERRORS: [
                "matches more than one price point already in the tracker (same model, source, "
                "market, currency, kind and date); merge them in the admin first"
            ]
        }
    }


def test_a_missing_column_is_named_on_the_import_page(admin_client):
    columns = [column for column in RATE_COLUMNS if column != "rate"]
    cells = [
        cell for column, cell in zip(RATE_COLUMNS, rate_row(), strict=True) if column != "rate"
    ]

    page = preview(admin_client, ExchangeRate, [columns, cells])

    content = page.content.decode()
    assert "The file has no “rate” column." in content
    assert "Traceback" not in content
    assert "Confirm import" not in content


def test_a_missing_or_unknown_column_is_named(tmp_path):
    columns = [column for column in RATE_COLUMNS if column != "rate"] + ["qoute"]
    path = write_file(
        tmp_path, [columns, ["2024-09-27", "USD", "PKR", "sbp_interbank", "", "", ""]]
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_rates", str(path), stdout=io.StringIO(), stderr=err)

    assert "The file has no “rate” column." in err.getvalue()
    assert "“qoute” is not a column of this import." in err.getvalue()
    assert not ExchangeRate.objects.exists()


# --- Numbers as articles print them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("¥1,234", Decimal("1234")),
        ("1,234.50", Decimal("1234.50")),
        ("RMB 245,900", Decimal("245900")),
        ("PKR 8,550,000", Decimal("8550000")),
        ("PKR 85,50,000", Decimal("8550000")),
        ("US$30,917", Decimal("30917")),
        (" 277.63 ", Decimal("277.63")),
        ("245,900 CNY", Decimal("245900")),
        (277.63, Decimal("277.63")),
        (7.0996, Decimal("7.0996")),
        (215900, Decimal("215900")),
    ],
)
def test_numbers_are_read_as_printed_and_as_decimals(cell, number):
    parsed = parse_number(cell)
    assert isinstance(parsed, Decimal)
    assert parsed == number
    assert str(parsed) == str(number)  # 277.63 stays 277.63, never 277.6299999…


@pytest.mark.parametrize("cell", ["abc", "1.234,50", "12,34", "8.55 million", "1e5", True])
def test_cells_that_are_not_numbers_are_refused(cell):
    with pytest.raises(ValueError, match="is not a number"):
        parse_number(cell)


def test_printed_amounts_are_imported_exactly(tmp_path, su7_max, launch_news):
    rows = [
        PRICE_COLUMNS,
        price_row(su7_max, launch_news, amount="¥1,234", kind="launch"),
        price_row(su7_max, launch_news, amount="1,234.50", kind="booking"),
    ]
    call_command("import_rates", str(write_file(tmp_path, rows, "prices.csv")), "--prices")

    assert dict(PricePoint.objects.values_list("kind", "amount")) == {
        "launch": Decimal("1234"),
        "booking": Decimal("1234.50"),
    }


# --- The command ---------------------------------------------------------------------------------


def run(*args):
    """Run import_rates and return its output."""
    out = io.StringIO()
    call_command("import_rates", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_imports_rates_and_says_how_many(tmp_path):
    path = write_file(
        tmp_path,
        [RATE_COLUMNS, rate_row(date="2024-09-26"), rate_row(date="2024-09-27"), [""] * 8],
    )

    output = run(path)

    assert "Read 2 rows from rates.csv…" in output
    assert "Imported 2 rows (2 new, 0 updated)" in output
    assert ExchangeRate.objects.count() == 2
    rate = ExchangeRate.objects.get(date="2024-09-27")
    assert rate.history.get().history_change_reason == "Import of rates.csv"


def test_command_imports_prices_from_xlsx(tmp_path, su7_max, launch_news):
    path = write_file(
        tmp_path, [PRICE_COLUMNS, price_row(su7_max, launch_news)], name="prices.xlsx"
    )

    output = run(path, "--prices")

    assert "Imported 1 row (1 new, 0 updated)" in output
    assert PricePoint.objects.get().amount == Decimal("215900")


def test_command_dry_run_writes_nothing(tmp_path):
    path = write_file(tmp_path, [RATE_COLUMNS, rate_row()])

    output = run(path, "--dry-run")

    assert "Dry run: would import 1 row (1 new, 0 updated); nothing was written." in output
    assert not ExchangeRate.objects.exists()


def test_command_lists_every_bad_row_and_writes_nothing(tmp_path):
    path = write_file(
        tmp_path,
        [
            RATE_COLUMNS,
            rate_row(date="2024-09-26"),
            rate_row(date="2024-09-27", rate="-1"),
            rate_row(date="2024-13-45", quote="XYZ"),
        ],
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported: errors in 2 of 3 rows."):
        call_command("import_rates", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "Row 3, rate: -1 must be greater than zero",
        "Row 4, date: 2024-13-45 is not a date (YYYY-MM-DD)",
        "Row 4, quote: XYZ is not an ISO 4217 currency code (three letters such as CNY, USD "
        "or PKR)",
    ]
    assert not ExchangeRate.objects.exists()  # not even the good row 2


def test_command_refuses_other_file_types(tmp_path):
    path = tmp_path / "rates.txt"
    path.write_text("date,base\n")

    with pytest.raises(CommandError, match="give a .csv or .xlsx file"):
        run(path)


def test_reimport_updates_rates_and_never_duplicates_them(tmp_path):
    factories.ExchangeRateFactory(
        date=datetime.date(2024, 9, 26), rate=Decimal("277.00"), source="sbp_interbank"
    )
    rows = [RATE_COLUMNS, rate_row(date="2024-09-26", rate="277.68"), rate_row(date="2024-09-27")]

    first = run(write_file(tmp_path, rows))
    again = run(write_file(tmp_path, rows))
    rows[2] = rate_row(date="2024-09-27", rate="277.70", claim_status="reported")
    changed = run(write_file(tmp_path, rows))

    assert "Imported 2 rows (1 new, 1 updated)" in first
    assert "Imported 2 rows (0 new, 0 updated, 2 unchanged)" in again
    assert "Imported 2 rows (0 new, 1 updated, 1 unchanged)" in changed
    assert dict(ExchangeRate.objects.values_list("date", "rate")) == {
        datetime.date(2024, 9, 26): Decimal("277.68"),
        datetime.date(2024, 9, 27): Decimal("277.70"),
    }
    assert ExchangeRate.objects.get(date="2024-09-27").claim_status == "reported"


def test_reimport_updates_prices_and_never_duplicates_them(tmp_path, su7_max, launch_news):
    rows = [PRICE_COLUMNS, price_row(su7_max, launch_news, amount="215,900")]
    run(write_file(tmp_path, rows, "prices.csv"), "--prices")
    rows[1] = price_row(su7_max, launch_news, model="Xiaomi SU7 Max", amount="209,900")

    output = run(write_file(tmp_path, rows, "prices.csv"), "--prices")

    assert "Imported 1 row (0 new, 1 updated)" in output
    assert PricePoint.objects.get().amount == Decimal("209900")


# --- Export ---------------------------------------------------------------------------------------


def export(client, model, extension):
    """Post the admin's export form with every column ticked; return the file's bytes."""
    resource = admin.site.get_model_admin(model).resource_classes[0]
    columns = {
        f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()
    }
    response = client.post(
        reverse(f"admin:entrants_{model._meta.model_name}_export"),
        {"resource": "0", "format": format_index(model, extension), **columns},
    )
    assert response.status_code == 200
    return response.content


FORMULA_NOTES = [
    '=HYPERLINK("https://evil.example","Click for the rate")',
    "+1 from the open market",
    "-0.5 below yesterday",
    "@SUM(A1:A9)",
]


def test_csv_export_never_emits_a_formula(admin_client):
    for day, note in enumerate(FORMULA_NOTES, start=1):
        factories.ExchangeRateFactory(date=datetime.date(2024, 9, day), notes=note)

    content = export(admin_client, ExchangeRate, "csv").decode("utf-8-sig")

    records = list(csv.DictReader(io.StringIO(content)))
    assert sorted(record["notes"] for record in records) == sorted(
        f"'{note}" for note in FORMULA_NOTES
    )
    cells = [cell for record in records for cell in record.values()]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


def test_xlsx_export_never_emits_a_formula(admin_client):
    factories.ExchangeRateFactory(notes=FORMULA_NOTES[0])

    content = export(admin_client, ExchangeRate, "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert f"'{FORMULA_NOTES[0]}" in [cell.value for cell in cells]


def test_an_export_imports_back_unchanged(admin_client, tmp_path):
    for day, note in enumerate(FORMULA_NOTES, start=1):
        factories.ExchangeRateFactory(date=datetime.date(2024, 9, day), notes=note)
    path = tmp_path / "rates.csv"
    path.write_bytes(export(admin_client, ExchangeRate, "csv"))

    output = run(path)

    assert "Imported 4 rows (0 new, 0 updated, 4 unchanged)" in output
    assert sorted(ExchangeRate.objects.values_list("notes", flat=True)) == sorted(FORMULA_NOTES)


# --- Who may import -------------------------------------------------------------------------------


def staff_in(group_name):
    user = User.objects.create_user(f"{group_name.lower()}-user", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_viewers_cannot_import(client):
    client.force_login(staff_in(VIEWERS))
    import_url = reverse("admin:entrants_exchangerate_import")

    changelist = client.get(reverse("admin:entrants_exchangerate_changelist"))
    page = client.get(import_url)
    posted = preview(client, ExchangeRate, [RATE_COLUMNS, rate_row()])
    confirmed = client.post(
        reverse("admin:entrants_exchangerate_process_import"),
        {"import_file_name": "x", "original_file_name": "rates.csv", "format": "0"},
    )

    assert changelist.status_code == 200
    assert import_url not in changelist.content.decode()
    assert (page.status_code, posted.status_code, confirmed.status_code) == (403, 403, 403)
    assert not ExchangeRate.objects.exists()


def test_editors_can_import(client):
    client.force_login(staff_in(EDITORS))

    page = preview(client, ExchangeRate, [RATE_COLUMNS, rate_row()])
    confirm(client, ExchangeRate, page)

    assert ExchangeRate.objects.count() == 1


def test_a_confirm_that_fails_says_why_and_writes_nothing(admin_client, su7_max, launch_news):
    rows = [PRICE_COLUMNS, price_row(su7_max, launch_news, amount="299900")]
    page = preview(admin_client, PricePoint, rows, name="prices.csv")
    assert "Confirm import" in page.content.decode(), invalid_rows(page)
    launch_news.delete()  # another editor removes the cited news item before the confirm

    response = confirm(admin_client, PricePoint, page)

    assert response.status_code == 302
    assert response["Location"].endswith("/import/")
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert shown and shown[0].startswith("Nothing was imported. Row 2")
    assert not PricePoint.objects.exists()
