"""The admin's "Suggest links" step: the links and draft facts (``entrants.newsdesk.drafts``)
as forms that an editor ticks, corrects and accepts. Nothing is written until they accept.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from entrants.dates import DatePrecision, truncate_date
from entrants.history import SUGGESTIONS_ACCEPTED, change_reason
from entrants.models import (
    AmountFormField,
    ClaimStatus,
    Company,
    MarketEvent,
    Person,
    PricePoint,
    Sighting,
    StatedConversion,
    VehicleModel,
    validate_currency_code,
)
from entrants.newsdesk.drafts import suggest

DRAFT_NOTE = "Suggested from the article text and accepted by an editor; check before relying."


# --- Forms ---------------------------------------------------------------------------------


class LinksForm(forms.Form):
    """Which of the known records the article mentions to link, and which new names to add."""

    companies = forms.ModelMultipleChoiceField(
        queryset=Company.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Link companies"),
    )
    vehicle_models = forms.ModelMultipleChoiceField(
        queryset=VehicleModel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Link vehicle models"),
    )
    people = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Link people"),
    )
    new_companies = forms.MultipleChoiceField(
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Add as new companies and link them"),
    )

    def __init__(self, *args, extraction, **kwargs):
        super().__init__(*args, **kwargs)
        known = {c.id for c in extraction.companies if not c.new}
        self.fields["companies"].queryset = Company.objects.filter(pk__in=known)
        self.fields["vehicle_models"].queryset = VehicleModel.objects.filter(
            pk__in={m.id for m in extraction.models if not m.new}
        ).select_related("maker")
        self.fields["people"].queryset = Person.objects.filter(
            pk__in={p.id for p in extraction.people if not p.new}
        )
        self.fields["new_companies"].choices = [
            (c.name, c.name) for c in extraction.companies if c.new
        ]
        self.new_models = [m for m in extraction.models if m.new]


class DraftForm(forms.Form):
    """Base of a draft fact: accepted or not, and the sentence it came from."""

    accept = forms.BooleanField(required=False, label=_("Create"))
    sentence = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("accept"):
            for name in self.required_when_accepted:
                if cleaned_data.get(name) in (None, ""):
                    self.add_error(name, _("Needed to create this draft."))
        return cleaned_data

    def accepted(self):
        return self.cleaned_data.get("accept")


def date_fields():
    return (
        forms.DateField(
            required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        ),
        forms.ChoiceField(choices=DatePrecision.choices, initial=DatePrecision.DAY),
    )


def model_choice():
    return forms.ModelChoiceField(
        queryset=VehicleModel.objects.select_related("maker"), required=False
    )


class DraftPriceForm(DraftForm):
    required_when_accepted = ("vehicle_model", "amount", "currency", "market")

    vehicle_model = model_choice()
    amount = AmountFormField(max_digits=16, decimal_places=2, required=False)
    currency = forms.CharField(max_length=3, required=False)
    market = forms.CharField(max_length=2, required=False, help_text=_("ISO country: CN, PK"))
    kind = forms.ChoiceField(choices=PricePoint.Kind.choices)
    date, date_precision = date_fields()
    stated = forms.CharField(
        required=False,
        label=_("Stated conversions"),
        help_text=_("As the source gave them: “USD 30917; ~PKR 8550000” (~ = “around”)."),
    )

    def clean_currency(self):
        code = (self.cleaned_data.get("currency") or "").strip().upper()
        if code:
            validate_currency_code(code)
        return code

    def clean_stated(self):
        conversions = []
        for part in filter(None, (p.strip() for p in self.cleaned_data["stated"].split(";"))):
            match = re.fullmatch(r"(~?)\s*([A-Za-z]{3})\s*([\d,]+(?:\.\d+)?)", part)
            if not match:
                raise ValidationError(
                    _("“%(part)s” is not a currency and amount such as “USD 30917”."),
                    params={"part": part},
                )
            approximate, code, amount = match.groups()
            validate_currency_code(code.upper())
            conversions.append(
                (code.upper(), AmountFormField().to_python(amount), bool(approximate))
            )
        return conversions


class DraftSightingForm(DraftForm):
    required_when_accepted = ("vehicle_model",)

    vehicle_model = model_choice()
    kind = forms.ChoiceField(choices=Sighting.Kind.choices, initial=Sighting.Kind.SIGHTED)
    importer = forms.ModelChoiceField(
        queryset=Company.objects.all(),
        required=False,
        help_text=_("For an import: who imported the units, if the article says."),
    )
    place = forms.CharField(
        max_length=200, required=False, help_text=_("Empty when the article does not say.")
    )
    city = forms.CharField(max_length=100, required=False)
    quantity = forms.IntegerField(
        min_value=1, required=False, help_text=_("Empty when the article does not say.")
    )
    date, date_precision = date_fields()


class DraftEventForm(DraftForm):
    required_when_accepted = ("title", "kind")

    kind = forms.ChoiceField(choices=MarketEvent.Kind.choices)
    title = forms.CharField(max_length=300, required=False)
    date, date_precision = date_fields()
    companies = forms.ModelMultipleChoiceField(
        queryset=Company.objects.all(), required=False, widget=forms.SelectMultiple
    )
    vehicle_models = forms.ModelMultipleChoiceField(
        queryset=VehicleModel.objects.select_related("maker"), required=False
    )


PriceDrafts = forms.formset_factory(DraftPriceForm, extra=0)
SightingDrafts = forms.formset_factory(DraftSightingForm, extra=0)
EventDrafts = forms.formset_factory(DraftEventForm, extra=0)


def build_forms(news_item, data=None):
    """Return the links form and the three draft formsets, filled from the article's text."""
    suggestions = suggest(news_item)
    return {
        "links": LinksForm(data, extraction=suggestions.extraction, prefix="links"),
        "prices": PriceDrafts(data, initial=suggestions.prices, prefix="prices"),
        "sightings": SightingDrafts(data, initial=suggestions.sightings, prefix="sightings"),
        "events": EventDrafts(data, initial=suggestions.events, prefix="events"),
        "suggestions": suggestions,
    }


class DraftError(Exception):
    """A draft failed the model's own validation; the message says which and why."""


def full_clean_or_raise(instance, label, exclude=()):
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        messages = "; ".join(
            f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
            for name, errors in error.message_dict.items()
        )
        raise DraftError(f"{label}: {messages}") from error


#: How ``summary`` says each count that ``apply`` returns: "1 link", "2 new companies".
MADE = {
    "links": ngettext_lazy("%(count)d link", "%(count)d links", "count"),
    "new companies": ngettext_lazy("%(count)d new company", "%(count)d new companies", "count"),
    "price points": ngettext_lazy("%(count)d price point", "%(count)d price points", "count"),
    "sightings": ngettext_lazy("%(count)d sighting", "%(count)d sightings", "count"),
    "events": ngettext_lazy("%(count)d event", "%(count)d events", "count"),
}


def summary(made):
    """Return what ``apply`` made, in words: "1 link, 2 new companies" ("" for nothing)."""
    return ", ".join(MADE[what] % {"count": count} for what, count in made.items() if count)


@transaction.atomic
@change_reason(SUGGESTIONS_ACCEPTED)
def apply(news_item, forms_by_name):
    """Create what the editor accepted, all or nothing; return a summary of what was made.
    Each version written has the change reason "Suggest links: accepted"."""
    links = forms_by_name["links"].cleaned_data
    made = {"links": 0, "new companies": 0, "price points": 0, "sightings": 0, "events": 0}
    news_item.companies.add(*links["companies"])
    news_item.vehicle_models.add(*links["vehicle_models"])
    news_item.people.add(*links["people"])
    made["links"] = len(links["companies"]) + len(links["vehicle_models"]) + len(links["people"])
    for name in links["new_companies"]:
        company = Company(
            name=name, kind=Company.Kind.OTHER, description=f"Added from “{news_item.headline}”."
        )
        full_clean_or_raise(company, f"New company “{name}”", exclude=["slug"])
        company.save()
        news_item.companies.add(company)
        made["new companies"] += 1

    fact_defaults = {"source": news_item, "claim_status": ClaimStatus.REPORTED, "notes": DRAFT_NOTE}
    for form in forms_by_name["prices"]:
        if not form.accepted():
            continue
        data = form.cleaned_data
        price = PricePoint(
            vehicle_model=data["vehicle_model"],
            amount=data["amount"],
            currency=data["currency"],
            market=data["market"].upper(),
            kind=data["kind"],
            date=truncate_date(data["date"], data["date_precision"]),
            date_precision=data["date_precision"],
            **fact_defaults,
        )
        full_clean_or_raise(price, f"Price {data['currency']} {data['amount']}")
        price.save()
        for currency, amount, approximate in data["stated"]:
            conversion = StatedConversion(
                price_point=price,
                source=news_item,
                amount=amount,
                currency=currency,
                is_approximate=approximate,
            )
            full_clean_or_raise(conversion, f"Stated conversion {currency} {amount}")
            conversion.save()
        made["price points"] += 1
    for form in forms_by_name["sightings"]:
        if not form.accepted():
            continue
        data = form.cleaned_data
        sighting = Sighting(
            vehicle_model=data["vehicle_model"],
            kind=data["kind"],
            importer=data["importer"],
            place=data["place"],
            city=data["city"],
            quantity=data["quantity"],
            date=truncate_date(data["date"], data["date_precision"]),
            date_precision=data["date_precision"],
            **fact_defaults,
        )
        full_clean_or_raise(sighting, f"{sighting.get_kind_display()} of {sighting}")
        sighting.save()
        made["sightings"] += 1
    for form in forms_by_name["events"]:
        if not form.accepted():
            continue
        data = form.cleaned_data
        event = MarketEvent(
            kind=data["kind"],
            title=data["title"],
            date=truncate_date(data["date"], data["date_precision"]),
            date_precision=data["date_precision"],
            **fact_defaults,
        )
        full_clean_or_raise(event, f"Event “{data['title'][:60]}”")
        event.save()
        event.companies.set(data["companies"])
        event.vehicle_models.set(data["vehicle_models"])
        made["events"] += 1
    return made
