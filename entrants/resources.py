"""Bulk import of exchange rates and price points from CSV or XLSX files (django-import-export),
in the admin and with ``manage.py import_rates``; the admin exports the same columns back.

An import is all or nothing. Every row is read and checked with the model's ``full_clean`` (so
its validators and database constraints apply), and one bad row means nothing is written. Each
bad row gets a message in words naming its row, numbered as a spreadsheet shows it (the header
is row 1), and its column: "Row 3, rate: -1 must be greater than zero".

Number cells may be typed as articles print them: "¥1,234", "1,234.50", "RMB 245,900",
"PKR 85,50,000" or " 277.63 ". The currency sign or code and the thousands separators are
dropped and the number is read as a ``Decimal``; a number cell of a spreadsheet (a float) is
read through its shortest decimal form, so 277.63 stays 277.63.

An import is bounded: at most ``IMPORT_MAX_ROWS`` rows and ``IMPORT_TIME_LIMIT_SECONDS`` (checked
between rows, and on PostgreSQL as the statement timeout of its transaction); one that runs out
of time, or whose database session is cancelled or lost, stops at once and writes nothing. The
data version is bumped once, as it commits (``entrants.cache.data_version_bumps_deferred``), so
a preview (which checks every row but writes none) takes no lock at all.
"""

import datetime
import re
import time
from contextlib import nullcontext
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, router, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Trim
from django.utils.functional import cached_property
from django_countries import countries
from import_export import widgets
from import_export.fields import Field
from import_export.resources import ModelResource
from import_export.results import Error, Result, RowResult

from entrants.cache import bump_data_version, data_version_bumps_deferred
from entrants.dates import DatePrecision
from entrants.exports import FORMULA_PREFIXES, spreadsheet_safe
from entrants.history import change_reason, import_reason
from entrants.import_files import overlong_cells, too_many_rows
from entrants.models import (
    ISO_CURRENCY_CODES,
    ClaimStatus,
    ExchangeRate,
    NewsItem,
    PricePoint,
    VehicleModel,
)
from entrants.search import index as search_index
from evmarket.errors import UNAVAILABLE

HEADER_ROWS = 1  # the column names; the first data row is row 2, as a spreadsheet shows it
REQUIRED = "required, but the cell is empty"

CURRENCY_MARK = r"(?:US\$|CN¥|RMB|Rs\.?|[A-Z]{3}|[$¥€£₨₹元])"
NUMBER = re.compile(
    rf"""
    (?P<sign>[-+])?\s*
    (?:{CURRENCY_MARK}\s*)?
    (?P<inner_sign>[-+])?\s*
    (?P<whole>
        \d{{1,3}}(?:,\d{{3}})+         # 1,234,567
        | \d{{1,2}}(?:,\d{{2}})*,\d{{3}}  # 85,50,000 (lakh and crore)
        | \d*
    )
    (?P<fraction>\.\d+)?
    \s*(?:{CURRENCY_MARK})?
    """,
    re.VERBOSE | re.IGNORECASE,
)


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value):
    """Return a cell as stripped text, without the apostrophe an export put before a formula
    sign."""
    if value is None:
        return ""
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text


def parse_number(value):
    """Return the ``Decimal`` in a cell, dropping a currency sign or code and thousands
    separators; raise ``ValueError`` ("abc is not a number") if there is none."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        # repr() is the shortest text that reads back as this float: 277.63, not 277.6299…
        return Decimal(repr(value))
    text = " ".join(str(value).replace("\u2212", "-").split())  # also NBSP and thin spaces
    match = NUMBER.fullmatch(text)
    if (
        not match
        or not (match["whole"] or match["fraction"])
        or (match["sign"] and match["inner_sign"])
    ):
        raise ValueError(f"{text} is not a number")
    sign = match["sign"] or match["inner_sign"] or ""
    return Decimal(sign + (match["whole"] or "0").replace(",", "") + (match["fraction"] or ""))


class TextWidget(widgets.Widget):
    """Text, stripped; an empty cell is the empty string."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class AmountWidget(widgets.Widget):
    """A Decimal greater than zero, as articles print it ("¥1,234", "RMB 245,900")."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            raise ValueError(REQUIRED)
        number = parse_number(value)
        if number <= 0:
            shown = cell_text(value) if isinstance(value, str) else str(number)
            raise ValueError(f"{shown} must be greater than zero")
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        plain = format(value.normalize(), "f")  # 278.5, not 278.5000000000
        return Decimal(plain) if kwargs.get("force_native_type") else plain


class CurrencyWidget(widgets.Widget):
    """An ISO 4217 currency code, in any case."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(REQUIRED)
        if text.upper() not in ISO_CURRENCY_CODES:
            raise ValueError(
                f"{text} is not an ISO 4217 currency code (three letters such as CNY, USD or PKR)"
            )
        return text.upper()

    def render(self, value, obj=None, **kwargs):
        return value or ""


class DateWidget(widgets.Widget):
    """A date written YYYY-MM-DD, or a spreadsheet date cell."""

    PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")

    def __init__(self, required=True):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            if self.required:
                raise ValueError(REQUIRED)
            return None
        if isinstance(value, datetime.datetime):
            if value.time() == datetime.time():
                return value.date()
            raise ValueError(f"{value:%Y-%m-%d %H:%M} is not a date (YYYY-MM-DD)")
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if self.PATTERN.fullmatch(text):
            try:
                return datetime.datetime.strptime(text, "%Y-%m-%d").date()
            except ValueError:
                pass
        raise ValueError(f"{text} is not a date (YYYY-MM-DD)")

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class ChoiceWidget(widgets.Widget):
    """One of a model's choices, given by its value or its label, in any case."""

    def __init__(self, choices, noun, default=None):
        super().__init__()
        self.choices = choices
        self.noun = noun
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            if self.default is None:
                raise ValueError(REQUIRED)
            return self.default
        wanted = " ".join(text.split()).casefold()
        for choice in self.choices:
            if wanted in (choice.value.casefold(), str(choice.label).casefold()):
                return choice.value
        options = ", ".join(f"{choice.value} ({choice.label})" for choice in self.choices)
        raise ValueError(f"{text} is not a {self.noun}; use one of: {options}")

    def render(self, value, obj=None, **kwargs):
        return value or ""


class CountryWidget(widgets.Widget):
    """A country, given by its ISO code (PK, PAK) or its English name."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(REQUIRED)
        code = countries.alpha2(text) or countries.by_name(text)
        if not code:
            raise ValueError(
                f"{text} is not a country; give its ISO code (PK, CN) or its English name"
            )
        return code

    def render(self, value, obj=None, **kwargs):
        return getattr(value, "code", value) or ""


class LookUpOnceWidget(widgets.Widget):
    """A widget that looks up each distinct cell value once per import (a resource's fields,
    widgets included, are its own copies, so the answers last as long as the import)."""

    answers = None

    def clean(self, value, row=None, **kwargs):
        if self.answers is None:
            self.answers = {}
        answers = self.answers
        key = cell_text(value)
        if key not in answers:
            try:
                answers[key] = self.look_up(key)
            except ValueError as error:
                answers[key] = error
        if isinstance(answers[key], ValueError):
            raise answers[key]
        return answers[key]

    def look_up(self, text):
        raise NotImplementedError


class VehicleModelWidget(LookUpOnceWidget):
    """A vehicle model, given by its slug ("xiaomi-su7-max"), its full name ("Xiaomi SU7 Max")
    or one of its aliases."""

    def look_up(self, text):
        text = " ".join(text.split())
        if not text:
            raise ValueError(REQUIRED)
        models = VehicleModel.objects.select_related("maker")  # its name is the row's name
        by_slug = models.filter(slug=text).first()
        if by_slug:
            return by_slug
        full_name = Trim(Concat("maker__name", Value(" "), "name", Value(" "), "variant"))
        named = list(
            models.alias(full_name=full_name)
            .filter(Q(full_name__iexact=text) | Q(aliases__name__iexact=text))
            .distinct()[:2]
        )
        if len(named) > 1:
            raise ValueError(f"{text} names more than one vehicle model; give the model's slug")
        if not named:
            raise ValueError(
                f"{text} is not a vehicle model in the tracker; give its slug "
                "(xiaomi-su7-max) or its maker, name and variant (Xiaomi SU7 Max), "
                "or add it in the admin first"
            )
        return named[0]

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class NewsItemWidget(LookUpOnceWidget):
    """A news item, given by its slug or its URL."""

    def look_up(self, text):
        if not text:
            raise ValueError(f"{REQUIRED} (every price cites the news item it was read in)")
        urls = {text, text.rstrip("/"), text.rstrip("/") + "/"}
        news_item = NewsItem.objects.filter(Q(slug=text) | Q(url__in=urls)).first()
        if not news_item:
            raise ValueError(
                f"{text} is not the slug or URL of a news item in the tracker; "
                "add the news item first"
            )
        return news_item

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class ColumnsError(ValueError):
    """The file does not hold what the import reads: its columns, or too many rows, or a cell
    too long."""


class ImportAborted(Exception):
    """An import that stopped before its end (out of time, or its database session cancelled
    or lost): nothing of it is written."""


class ImportProblem(Error):
    """An error that stops an import; one said in words is shown without a traceback."""

    @cached_property
    def traceback(self):
        words = isinstance(self.error, ColumnsError | ImportAborted)
        return "" if words else super().traceback


class SpreadsheetResult(Result):
    """An import result whose rows are numbered as a spreadsheet shows them."""

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(number + HEADER_ROWS, row, validation_error)

    def append_error_row(self, number, row, errors):
        super().append_error_row(number + HEADER_ROWS, row, errors)

    def row_errors(self):
        return [(row.number, row.errors) for row in self.error_rows]


class SpreadsheetResource(ModelResource):
    """Base of the import resources: column checks, blank rows skipped, rows matched on their
    natural key, duplicates within a file refused, errors keyed by column, all or nothing."""

    #: Columns a file must have; the others of ``Meta.fields`` may be left out.
    required_columns = ()
    #: The columns that identify a row, in words, for the duplicate message.
    match_description = ""

    class Meta:
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True  # a re-import adds no history entries for unchanged rows
        report_skipped = True

    @classmethod
    def get_result_class(cls):
        return SpreadsheetResult

    @classmethod
    def get_error_result_class(cls):
        return ImportProblem

    def import_data(self, dataset, dry_run=False, time_limit=None, **kwargs):
        """Import ``dataset``, writing nothing at all if any row is bad, within ``time_limit``
        seconds (``IMPORT_TIME_LIMIT_SECONDS`` by default; 0 for none). Each version it
        writes has the change reason "Import of <file_name>"."""
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        file_name = kwargs.get("file_name")
        reason = change_reason(import_reason(file_name)) if file_name else nullcontext()
        self.time_limit = settings.IMPORT_TIME_LIMIT_SECONDS if time_limit is None else time_limit
        self.deadline = time.monotonic() + self.time_limit if self.time_limit else None
        using = router.db_for_write(self._meta.model)
        try:
            with transaction.atomic(using=using):
                self.limit_statements(using)
                with data_version_bumps_deferred(), search_index.deferred(), reason:
                    result = super().import_data(dataset, dry_run=dry_run, **kwargs)
                if not dry_run and wrote_rows(result):
                    bump_data_version()
        except ImportAborted as error:
            result = self.get_result_class()()
            result.append_base_error(self.get_error_result_class()(error))
            return result
        if not dry_run and (result.has_errors() or result.has_validation_errors()):
            # The transaction was rolled back: no row was created or updated after all.
            result.rows = [row for row in result.rows if not row.is_valid()]
            for import_type in RowResult.valid_import_types:
                result.totals[import_type] = 0
        return result

    def limit_statements(self, using):
        """On PostgreSQL, end any statement of the import's transaction that runs past the
        time limit (the limit between rows cannot stop one that hangs)."""
        connection = connections[using]
        if self.time_limit and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [f"{int(self.time_limit * 1000)}ms"],
                )

    def before_import(self, dataset, **kwargs):
        self.first_row_by_key = {}
        self.blank_rows = 0
        self.header_problem = None
        headers = [
            " ".join(str(h or "").split()).lower().replace(" ", "_") for h in dataset.headers or []
        ]
        dataset.headers = headers
        columns = ", ".join(self.get_import_order())
        problems = [
            f"The file has no “{column}” column."
            for column in self.required_columns
            if column not in headers
        ]
        problems += [
            f"The column “{header}” appears more than once."
            for header in sorted({h for h in headers if h and headers.count(h) > 1})
        ]
        problems += [
            f"“{header}” is not a column of this import."
            for header in headers
            if header and header not in self.fields
        ]
        if problems:
            self.header_problem = " ".join([*problems, f"The columns are: {columns}."])
            raise ColumnsError(self.header_problem)
        self.header_problem = too_many_rows(dataset) or overlong_cells(dataset, HEADER_ROWS)
        if self.header_problem:
            raise ColumnsError(self.header_problem)

    def import_row(self, row, instance_loader, **kwargs):
        if self.header_problem or all(is_blank(value) for value in row.values()):
            if not self.header_problem:
                self.blank_rows += 1
            skipped = self.get_row_result_class()()
            skipped.import_type = RowResult.IMPORT_TYPE_SKIP
            return skipped
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ImportAborted(
                f"The import took longer than {self.time_limit:g} seconds (it had reached row "
                f"{kwargs['row_number'] + HEADER_ROWS:,}): split the file into smaller ones."
            )
        result = super().import_row(row, instance_loader, **kwargs)
        for error in result.errors:
            if isinstance(error.error, UNAVAILABLE):
                raise ImportAborted(
                    f"The database stopped the import ({str(error.error).strip()[:200]})."
                ) from error.error
        return result

    def get_instance(self, instance_loader, row):
        """Return the record this row updates: the one with the same natural key."""
        try:
            lookup = {
                self.fields[name].attribute: self.fields[name].clean(row)
                for name in self.get_import_id_fields()
            }
        except ValueError:
            return None  # the row's own errors are reported when its cells are read
        matches = list(self.get_queryset().filter(**lookup)[:2])
        if len(matches) > 1:
            raise ValidationError(
                f"matches more than one {self._meta.model._meta.verbose_name} already in the "
                f"tracker (same {self.match_description}); merge them in the admin first"
            )
        return matches[0] if matches else None

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        key_attributes = [self.fields[name].attribute for name in self.get_import_id_fields()]
        if not any(attribute in errors for attribute in key_attributes):
            key = tuple(getattr(instance, attribute) for attribute in key_attributes)
            row_number = kwargs["row_number"] + HEADER_ROWS
            first = self.first_row_by_key.setdefault(key, row_number)
            if first != row_number:
                errors.setdefault(NON_FIELD_ERRORS, []).append(
                    ValidationError(f"duplicate of row {first} (same {self.match_description})")
                )
        if errors:
            raise ValidationError(errors)

    #: Fields whose widgets have checked all that ``full_clean`` would (a foreign key found, a
    #: choice or an ISO code recognised), or that cannot clash (a new UUID): it skips them.
    checked_by_widgets = ()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Check the row with the model's ``full_clean``, but not its database constraints:
        the widgets check what those say (amounts above zero, ISO codes; the model's
        ``clean()`` the rest), and validating them costs a query each, per row. The database
        still enforces every one when the row is written."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors, *self.checked_by_widgets],
                validate_unique=validate_unique,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(self.errors_by_column(errors))

    def errors_by_column(self, error_dict):
        """Return ``error_dict`` keyed by column name, in column order, row-wide errors last."""
        column_of = {field.attribute: name for name, field in self.fields.items()}
        order = [*self.get_import_order(), NON_FIELD_ERRORS]
        by_column = {}
        for attribute, errors in error_dict.items():
            by_column.setdefault(column_of.get(attribute, attribute), []).extend(errors)
        return dict(
            sorted(
                by_column.items(),
                key=lambda item: order.index(item[0]) if item[0] in order else len(order),
            )
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        """Write the row, unless this is a preview (a dry run): a preview checks every row in
        Python and writes none, so it takes no lock and has nothing to roll back. The confirm
        writes them all in one transaction, and the database refuses what it must."""
        if kwargs.get("dry_run"):
            return
        super().save_instance(instance, is_create, row, **kwargs)

    def export_field(self, field, instance, **kwargs):
        return spreadsheet_safe(super().export_field(field, instance, **kwargs))


class ExchangeRateResource(SpreadsheetResource):
    """Exchange rates, one a row. Columns:

    date          YYYY-MM-DD (or a spreadsheet date cell)
    base          ISO 4217 code of the currency one unit of which…
    quote         …costs ``rate`` units of this one
    rate          a number greater than zero: 277.63, " 277.63 ", "PKR 277.63"
    source        an ExchangeRate.Source value or its label: sbp_interbank or
                  "SBP interbank close", open_market, pboc_parity, offshore_cnh, other
    source_url    the page that states the rate (the cell may be empty, as in the admin)
    claim_status  optional: rumoured, reported, confirmed (the default) or denied
    notes         optional

    A row is matched on (date, base, quote, source): importing a file again updates those rates,
    never duplicates them; the same (date, base, quote, source) twice in one file is an error.
    """

    date = Field(attribute="date", column_name="date", widget=DateWidget())
    base = Field(attribute="base", column_name="base", widget=CurrencyWidget())
    quote = Field(attribute="quote", column_name="quote", widget=CurrencyWidget())
    rate = Field(attribute="rate", column_name="rate", widget=AmountWidget())
    source = Field(
        attribute="source",
        column_name="source",
        widget=ChoiceWidget(ExchangeRate.Source, "rate source"),
    )
    source_url = Field(attribute="source_url", column_name="source_url", widget=TextWidget())
    claim_status = Field(
        attribute="claim_status",
        column_name="claim_status",
        widget=ChoiceWidget(ClaimStatus, "claim status", default=ClaimStatus.CONFIRMED),
    )
    notes = Field(attribute="notes", column_name="notes", widget=TextWidget())

    required_columns = ("date", "base", "quote", "rate", "source", "source_url")
    match_description = "date, base, quote and source"
    checked_by_widgets = ("base", "quote", "source", "claim_status")

    class Meta:
        model = ExchangeRate
        name = "Exchange rates"
        fields = (
            "date",
            "base",
            "quote",
            "rate",
            "source",
            "source_url",
            "claim_status",
            "notes",
        )
        import_id_fields = ("date", "base", "quote", "source")


class PricePointResource(SpreadsheetResource):
    """Price points, one a row. Columns:

    model           the vehicle model's slug (xiaomi-su7-max) or its maker, name and variant
                    ("Xiaomi SU7 Max"), or one of its aliases
    amount          a number greater than zero: "¥215,900", "RMB 245,900", "PKR 85,50,000"
    currency        ISO 4217 code: CNY, USD, PKR…
    market          the country where the price applies: ISO code (CN, PK) or English name
    kind            launch, ex_factory, on_road, booking or reported (or their labels)
    date            YYYY-MM-DD, or empty when unknown
    date_precision  optional: day (the default), month or year; a month-precise date is the 1st
    claim_status    optional: rumoured, reported (the default), confirmed or denied
    source          the news item it was read in, by slug or URL (required: every fact cites one)
    notes           optional

    A row is matched on (model, source, market, currency, kind, date): importing a file again
    updates those prices (their amount, status and notes), never duplicates them.
    """

    model = Field(attribute="vehicle_model", column_name="model", widget=VehicleModelWidget())
    amount = Field(attribute="amount", column_name="amount", widget=AmountWidget())
    currency = Field(attribute="currency", column_name="currency", widget=CurrencyWidget())
    market = Field(attribute="market", column_name="market", widget=CountryWidget())
    kind = Field(
        attribute="kind", column_name="kind", widget=ChoiceWidget(PricePoint.Kind, "kind of price")
    )
    date = Field(attribute="date", column_name="date", widget=DateWidget(required=False))
    date_precision = Field(
        attribute="date_precision",
        column_name="date_precision",
        widget=ChoiceWidget(DatePrecision, "date precision", default=DatePrecision.DAY),
    )
    claim_status = Field(
        attribute="claim_status",
        column_name="claim_status",
        widget=ChoiceWidget(ClaimStatus, "claim status", default=ClaimStatus.REPORTED),
    )
    source = Field(attribute="source", column_name="source", widget=NewsItemWidget())
    notes = Field(attribute="notes", column_name="notes", widget=TextWidget())

    required_columns = ("model", "amount", "currency", "market", "kind", "date", "source")
    match_description = "model, source, market, currency, kind and date"
    checked_by_widgets = (
        "vehicle_model",
        "source",
        "uuid",
        "currency",
        "market",
        "kind",
        "claim_status",
        "date_precision",
    )

    class Meta:
        model = PricePoint
        name = "Price points"
        fields = (
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
        )
        import_id_fields = ("model", "source", "market", "currency", "kind", "date")


def wrote_rows(result):
    """Return whether an import result wrote anything (it has no errors and changed rows)."""
    if result.has_errors() or result.has_validation_errors():
        return False
    changed = (
        RowResult.IMPORT_TYPE_NEW,
        RowResult.IMPORT_TYPE_UPDATE,
        RowResult.IMPORT_TYPE_DELETE,
    )
    return any(result.totals[import_type] for import_type in changed)


def error_lines(result):
    """Return every problem of an import result as a line in words, in row order:
    "Row 3, rate: -1 must be greater than zero"."""
    lines = [(0, str(error.error)) for error in result.base_errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            where = (
                f"Row {row.number}" if column == NON_FIELD_ERRORS else f"Row {row.number}, {column}"
            )
            lines += [(row.number, f"{where}: {message}") for message in messages]
    for row in result.error_rows:
        lines += [(row.number, f"Row {row.number}: {error.error}") for error in row.errors]
    return [line for _, line in sorted(lines, key=lambda item: item[0])]
