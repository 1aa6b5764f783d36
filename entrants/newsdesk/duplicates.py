"""A warning before a fact that is already recorded is saved again: the same price (model,
amount, currency, date and source) or the same sighting (model, place and date). The editor
sees the existing fact and saves anyway only by ticking "Save it anyway" — two reports of one
fact may be right (two imports on one day), but a double entry usually is not."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from entrants.forms import ConcurrencyCheckedForm
from entrants.models import PricePoint, Sighting

#: What makes two facts of a kind "the same" here.
SAME = {
    PricePoint: ("vehicle_model", "amount", "currency", "date", "source"),
    Sighting: ("vehicle_model", "kind", "place", "date"),
}


def existing_match(model, values, exclude_pk=None):
    """Return the first recorded fact of ``model`` with the same values as ``values`` (a dict
    of field name to the value to be saved: at least the ``SAME`` fields), or None."""
    lookup = {name: values[name] for name in {*SAME[model], *values}}
    if isinstance(lookup.get("currency"), str):
        lookup["currency"] = lookup["currency"].upper()
    matches = model.objects.filter(**lookup)
    if exclude_pk is not None:
        matches = matches.exclude(pk=exclude_pk)
    return matches.order_by("pk").first()


class DuplicateWarningForm(ConcurrencyCheckedForm):
    """An admin form for facts that refuses, once, to save a copy of an existing fact."""

    save_duplicate = forms.BooleanField(
        label=_("Save it anyway"),
        required=False,
        help_text=_("Tick only if this really is another fact than the one it matches."),
    )

    def value_of(self, name):
        """The value ``name`` will be saved with: as typed, or as the inline's parent set it
        (the news item's key; None while that news item is itself being added)."""
        if name in self.cleaned_data:
            return self.cleaned_data[name]
        return getattr(self.instance, self.instance._meta.get_field(name).attname)

    def clean(self):
        cleaned = super().clean()
        if self.errors or cleaned.get("save_duplicate"):
            return cleaned
        model = type(self.instance)
        if self.instance.pk is not None and not set(SAME[model]) & set(self.changed_data):
            return cleaned  # a stored fact saved again unchanged: confirmed (or never matched)
        lookup = {name: self.value_of(name) for name in SAME[model]}
        source = lookup.get("source", False)
        if source is None or getattr(source, "pk", False) is None:
            return cleaned  # a fact of a news item being added: it has no facts to match yet
        match = existing_match(model, lookup, exclude_pk=self.instance.pk)
        if match is not None:
            opts = model._meta
            raise ValidationError(
                format_html(
                    'This matches a fact already recorded: <a href="{}">{}</a>, from {}. Tick '
                    "“Save it anyway” to save it too.",
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[match.pk]),
                    match,
                    match.source,
                ),
                code="duplicate",
            )
        return cleaned
