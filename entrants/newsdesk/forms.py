"""The admin's "Suggest links" step: the links and draft facts (``entrants.newsdesk.drafts``)
as forms that an editor ticks, corrects and accepts. Nothing is written until they accept
(``entrants.newsdesk.apply``).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from entrants.amounts import TypedCurrencyCheck
from entrants.dates import DatePrecision
from entrants.models import (
    AmountFormField,
    Company,
    MarketEvent,
    Person,
    PricePoint,
    Sighting,
    VehicleModel,
    validate_currency_code,
)
from entrants.newsdesk.conversions import StatedConversionsField
from entrants.newsdesk.drafts import suggest


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
    new_models = forms.MultipleChoiceField(
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Add as new vehicle models and link them"),
        help_text=_(
            "Drafts on a ticked model are created on it. A maker that is new too must be "
            "ticked under new companies."
        ),
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
        self.new_models = {m.name: m for m in extraction.models if m.new and m.maker}
        # A new model's maker that the tracker does not know is offered as a new company too
        # ("Nevo Q05": Nevo), so that both can be added in one step.
        new_names = [c.name for c in extraction.companies if c.new]
        new_names += [m.maker for m in self.new_models.values() if not m.maker_id]
        self.fields["new_companies"].choices = [(name, name) for name in dict.fromkeys(new_names)]
        self.fields["new_models"].choices = [
            (name, f"{name} (maker: {m.maker}{'' if m.maker_id else ', new'})")
            for name, m in self.new_models.items()
        ]


class DraftForm(forms.Form):
    """Base of a draft fact: accepted or not, and the sentence it came from."""

    accept = forms.BooleanField(required=False, label=_("Create"))
    sentence = forms.CharField(widget=forms.HiddenInput, required=False)
    # The new model the draft is about ("BYD Seagull"), created on accepting if it is ticked.
    new_model_name = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("accept"):
            for name in self.required_when_accepted:
                if name == "vehicle_model" and cleaned_data.get("new_model_name"):
                    continue  # on a new model, if it is ticked (checked on accepting)
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


class DraftPriceForm(TypedCurrencyCheck, DraftForm):
    required_when_accepted = ("vehicle_model", "amount", "currency", "market")

    vehicle_model = model_choice()
    amount = AmountFormField(max_digits=16, decimal_places=2, required=False)
    currency = forms.CharField(max_length=3, required=False)
    market = forms.CharField(max_length=2, required=False, help_text=_("ISO country: CN, PK"))
    kind = forms.ChoiceField(choices=PricePoint.Kind.choices)
    date, date_precision = date_fields()
    stated = StatedConversionsField()

    def clean_currency(self):
        code = (self.cleaned_data.get("currency") or "").strip().upper()
        if code:
            validate_currency_code(code)
        return code


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
