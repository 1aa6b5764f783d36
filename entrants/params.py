"""The request parameters that are not filters, parsed by Django forms: a list's ``sort``,
``page`` and ``format``; the currency switch's ``currency``, ``at`` and ``rates`` (a source to
force, ``rates=ecb``); ``/convert/``'s ``amount``, ``from``, ``to``, ``date`` and ``rates``.

A list or page with a parameter it cannot use shows itself with that parameter's default and
says what it ignored (``Params.errors``); ``/convert/`` and the exports answer 400 instead.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms

from entrants.models import ExchangeRate

DISPLAY_CURRENCIES = ("PKR", "USD", "CNY")
DEFAULT_CURRENCY = "PKR"
AT_CHOICES = ("price-date", "latest")
FORMATS = ("html", "csv", "json")


def shown(value):
    """Return a user's value cut short for an error message."""
    return str(value)[:60]


def clean_page_number(value):
    """Return the page number ``value`` gives (1 when empty); refuse anything else."""
    if not value:
        return 1
    # isdecimal, as int() takes some digits ("²") and refuses 4,301 of them.
    if not (value.isdecimal() and len(value) < 10 and int(value) > 0):
        raise forms.ValidationError(
            f"“{shown(value)}” is not a page number, so the first page is shown."
        )
    return int(value)


class ListForm(forms.Form):
    """``sort`` (a sortable column, ``-`` for descending), ``page`` and ``format``."""

    sort = forms.CharField(required=False, strip=True)
    page = forms.CharField(required=False, strip=True)
    format = forms.CharField(required=False, strip=True)

    def __init__(self, *args, sortable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sortable = sorted(sortable)

    def clean_sort(self):
        value = self.cleaned_data["sort"]
        if value and value.removeprefix("-") not in self.sortable:
            raise forms.ValidationError(
                f"“{shown(value)}” is not a column you can sort by, so the list is in its usual "
                f"order. Sortable columns: {', '.join(self.sortable)}."
            )
        return value

    def clean_page(self):
        return clean_page_number(self.cleaned_data["page"])

    def clean_format(self):
        value = (self.cleaned_data["format"] or "html").lower()
        if value not in FORMATS:
            raise forms.ValidationError(
                f"“{shown(value)}” is not a format this list exports; use format=csv or "
                "format=json."
            )
        return value


def clean_rates_source(value):
    """Return a rate source's code ("" for the usual order of sources); refuse others."""
    value = (value or "").strip().lower()
    if value and value not in ExchangeRate.Source.values:
        raise forms.ValidationError(
            f"“{shown(value)}” is not a rate source, so each pair uses its usual order of "
            f"sources. Sources: {', '.join(ExchangeRate.Source.values)}."
        )
    return value


class CurrencyForm(forms.Form):
    """``currency`` to show amounts in, ``at`` (the rates of each price's date, the latest
    rates or those of a date) and ``rates`` (a source to use wherever it has a rate)."""

    currency = forms.CharField(required=False, strip=True)
    at = forms.CharField(required=False, strip=True)
    rates = forms.CharField(required=False, strip=True)

    def clean_rates(self):
        return clean_rates_source(self.cleaned_data["rates"])

    def clean_currency(self):
        value = (self.cleaned_data["currency"] or DEFAULT_CURRENCY).upper()
        if value not in DISPLAY_CURRENCIES:
            raise forms.ValidationError(
                f"“{shown(value)}” is not a currency this tracker converts to; prices are shown "
                f"in {DEFAULT_CURRENCY}. Choose one of {', '.join(DISPLAY_CURRENCIES)}."
            )
        return value

    def clean_at(self):
        value = (self.cleaned_data["at"] or AT_CHOICES[0]).lower()
        if value in AT_CHOICES:
            return value
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(
                f"“{shown(value)}” is not a date (YYYY-MM-DD), “price-date” or “latest”, so "
                "each price is converted at the rate of its own date."
            ) from None


LIST_DEFAULTS = {"sort": "", "page": 1, "format": "html"}
CURRENCY_DEFAULTS = {"currency": DEFAULT_CURRENCY, "at": AT_CHOICES[0], "rates": ""}
#: The choices of the "Rates from" switch: the usual order, or one source forced.
RATE_CHOICES = (("", "the best source of each pair"), *ExchangeRate.Source.choices)


@dataclass
class Params:
    """What a page was asked for, each value valid (the default where the request's was not),
    and the errors in words."""

    sort: str = ""
    page: int = 1
    format: str = "html"
    currency: str = DEFAULT_CURRENCY
    at: object = AT_CHOICES[0]
    rates: str = ""
    errors: list = field(default_factory=list)
    rate_choices = RATE_CHOICES

    @classmethod
    def parse(cls, query, sortable=None, default_sort=""):
        """Parse ``query``: the list parameters when ``sortable`` (the sortable columns) is
        given, and the currency parameters."""
        values, errors = {}, []
        forms_ = [(CurrencyForm(query), CURRENCY_DEFAULTS)]
        if sortable is not None:
            forms_.append((ListForm(query, sortable=sortable), LIST_DEFAULTS))
        for form, defaults in forms_:
            form.is_valid()
            for name, default in defaults.items():
                values[name] = form.cleaned_data.get(name, default)
            errors += [message for messages in form.errors.values() for message in messages]
        params = cls(**values, errors=errors)
        params.sort = params.sort or default_sort
        return params

    @property
    def at_param(self):
        """``at`` as the query string gives it: "price-date", "latest" or "2024-09-28"."""
        return self.at.isoformat() if isinstance(self.at, datetime.date) else self.at

    @property
    def at_label(self):
        if self.at == "latest":
            label = "at the latest rates known"
        elif isinstance(self.at, datetime.date):
            label = f"at the rates of {self.at:%-d %B %Y}"
        else:
            label = "at the rates of each price's own date"
        if self.rates:
            label += f" ({ExchangeRate.Source(self.rates).label} where it has a rate)"
        return label


class CurrencyCodeField(forms.CharField):
    """A three-letter currency code, in capitals."""

    def to_python(self, value):
        return super().to_python(value).upper()

    def validate(self, value):
        if not (len(value) == 3 and value.isalpha() and value.isascii()):
            raise forms.ValidationError(
                f"“{shown(value)}” is not a currency code such as CNY, USD or PKR."
            )


class ConvertForm(forms.Form):
    """``/convert/``: ``amount`` ``from`` one currency ``to`` another at ``date`` (today when
    left out)."""

    amount = forms.CharField(required=False)
    from_ = CurrencyCodeField(required=False)
    to = CurrencyCodeField(required=False)
    date = forms.CharField(required=False, strip=True)
    rates = forms.CharField(required=False, strip=True)

    def __init__(self, data, **kwargs):
        # "from" is a keyword in Python: the field is ``from_`` and reads the parameter "from".
        data = {"amount": data.get("amount", ""), "from_": data.get("from", ""), **data.dict()}
        super().__init__(data, **kwargs)

    def clean_amount(self):
        text = self.cleaned_data["amount"]
        try:
            amount = Decimal(text.replace(",", "").strip())
        except ArithmeticError:
            amount = None
        if amount is None or not amount.is_finite():
            raise forms.ValidationError(f"“{shown(text)}” is not a number.")
        if abs(amount) >= 10**15:  # a larger one overflows the rounding for display
            raise forms.ValidationError(
                f"“{shown(text)}” is too large: amounts below 1,000,000,000,000,000 are converted."
            )
        return amount

    def clean_rates(self):
        return clean_rates_source(self.cleaned_data["rates"])

    def clean_date(self):
        text = self.cleaned_data["date"]
        if not text:
            return datetime.date.today()
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(
                f"“{shown(text)}” is not a date in the form YYYY-MM-DD."
            ) from None

    def error_messages(self):
        """Return the errors as "name: message" sentences."""
        return [
            f"{name.rstrip('_')}: {message}"
            for name, messages in self.errors.items()
            for message in messages
        ]


class ChangesForm(forms.Form):
    """``/changes/``: a ``kind`` of record, the days ``since`` and ``until`` (YYYY-MM-DD, both
    included) and the ``page``. A value it cannot use is ignored, and ``messages()`` says so."""

    kind = forms.ChoiceField(required=False, label="Kind of record")
    since = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label="Since")
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label="Until")
    page = forms.CharField(required=False, strip=True)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Every kind"), *kinds]
        for name in ("since", "until"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
            self.fields[name].error_messages["invalid"] = "Enter a date as YYYY-MM-DD."

    def clean_page(self):
        return clean_page_number(self.cleaned_data["page"])

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(
                f"“Since” ({since.isoformat()}) is after “until” ({until.isoformat()}), so no "
                "change could match: both dates were ignored."
            )
        return cleaned

    def value(self, name, default=None):
        """Return the cleaned value of ``name``, or ``default`` if it was not valid."""
        if not self.errors.get("__all__") or name not in ("since", "until"):
            return self.cleaned_data.get(name) or default
        return default

    def messages(self):
        """Return the errors as sentences that say which parameter was ignored."""
        messages = []
        for name, errors in self.errors.items():
            if name == "__all__":
                messages += errors
                continue
            given = shown(self.data.get(name, ""))
            label = self.fields[name].label or name
            for error in errors:
                if name == "page":
                    messages.append(error)
                else:
                    messages.append(f"{label} (“{given}”): {error} This filter was ignored.")
        return messages
