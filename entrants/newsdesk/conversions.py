"""Stated conversions entered with their price, in one line as the source gave them
("USD 30,917; ~PKR 8,550,000", ~ for "around"): on the news item's page (the price inline) and
on the suggestion page's price drafts. The line is read into (currency, amount, approximate)
triples; saving the price replaces the conversions its own news item states."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from entrants.models import AmountFormField, StatedConversion, validate_currency_code
from entrants.newsdesk.duplicates import DuplicateWarningForm

CONVERSION = re.compile(r"(~?)\s*([A-Za-z]{3})\s*([\d,]+(?:\.\d+)?)")


class StatedConversionsField(forms.CharField):
    """A line of conversions, "USD 30917; ~PKR 8550000", read into a list of
    ``(currency, Decimal amount, approximate)``; refused in words when a part is not one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Stated conversions"))
        kwargs.setdefault(
            "help_text",
            _("As the source gave them: “USD 30917; ~PKR 8550000” (~ = “around”)."),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        conversions, seen = [], set()
        for part in filter(None, (p.strip() for p in super().to_python(value).split(";"))):
            match = CONVERSION.fullmatch(part)
            if not match:
                raise ValidationError(
                    _("“%(part)s” is not a currency and amount such as “USD 30917”."),
                    params={"part": part},
                )
            approximate, code, amount = match.groups()
            code = code.upper()
            validate_currency_code(code)
            if code in seen:
                raise ValidationError(
                    _("%(code)s is given twice: a source states one conversion per currency."),
                    params={"code": code},
                )
            seen.add(code)
            amount = AmountFormField(max_digits=16, decimal_places=2).clean(amount)
            conversions.append((code, amount, bool(approximate)))
        return conversions

    def has_changed(self, initial, data):
        """Compare what the line says, not how it is written ("USD 30917" is "usd 30,917")."""
        try:
            return self.to_python(initial or "") != self.to_python(data or "")
        except ValidationError:
            return True


def written(conversions):
    """Return ``conversions`` (StatedConversion rows) as the field's line."""
    return "; ".join(
        f"{'~' if c.is_approximate else ''}{c.currency} {c.amount.normalize():f}"
        for c in conversions
    )


def save_conversions(price, conversions):
    """Make the conversions ``price``'s own source states exactly ``conversions``: update or add
    each, delete the ones no longer given (conversions other sources state are left alone)."""
    kept = []
    for currency, amount, approximate in conversions:
        stated = StatedConversion.objects.filter(
            price_point=price, source=price.source, currency=currency
        ).first() or StatedConversion(price_point=price, source=price.source, currency=currency)
        if stated.pk is None or (stated.amount, stated.is_approximate) != (amount, approximate):
            stated.amount, stated.is_approximate = amount, approximate
            stated.full_clean()
            stated.save()
        kept.append(stated.pk)
    for gone in price.stated_conversions.filter(source=price.source).exclude(pk__in=kept):
        gone.delete()  # one by one, so that the history records each


class PriceWithConversionsForm(DuplicateWarningForm):
    """The news item page's price form: the price, and the conversions its article states."""

    stated = StatedConversionsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            own = [
                c
                for c in self.instance.stated_conversions.all()
                if c.source_id == self.instance.source_id
            ]
            self.initial.setdefault("stated", written(own))

    def clean(self):
        cleaned = super().clean()
        currency = (cleaned.get("currency") or "").upper()
        for code, amount, _approximate in cleaned.get("stated") or ():
            if code == currency:
                self.add_error(
                    "stated",
                    _("%(code)s is the price's own currency: a conversion is to another one.")
                    % {"code": code},
                )
            elif amount <= 0:
                self.add_error("stated", _("A stated amount must be greater than zero."))
        return cleaned

    def save(self, commit=True):
        price = super().save(commit)
        if "stated" not in self.changed_data:
            return price
        if commit:
            save_conversions(price, self.cleaned_data["stated"])
        else:
            save_m2m = self.save_m2m

            def save_m2m_and_conversions():
                save_m2m()
                save_conversions(price, self.cleaned_data["stated"])

            self.save_m2m = save_m2m_and_conversions
        return price
