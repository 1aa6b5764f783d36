"""Form widgets of the analyst lists' filters."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: A checkbox list of this many choices or more is folded (``<details>``) until opened.
FOLDED_FROM = 8


class CheckboxList(forms.CheckboxSelectMultiple):
    """A scrolling list of checkboxes, the ticked ones first: a choice takes a click (no
    Ctrl-click) and the current selection shows without scrolling. ``static/js/filters.js``
    adds a box that narrows a long list as one types.

    Each checkbox sits inside its own label (an implicit label: no ``id`` and ``for`` per
    choice). The rows are built in Python, escaping each choice's value and label once, not
    with a template per checkbox: the model filter of a list has a thousand choices, which
    Django's own template per option renders in about 100 ms. Takes flat choices (no groups).
    A list of ``FOLDED_FROM`` choices or more is folded in a ``<details>`` until opened.
    Like Django's ``CheckboxSelectMultiple`` it asks for a fieldset (``use_fieldset``): the
    field's label is the legend."""

    def value_from_datadict(self, data, files, name):
        # An empty parameter (?maker=) chooses nothing, as it does for a text filter; it is
        # not an invalid choice.
        values = super().value_from_datadict(data, files, name)
        return [v for v in values if v != ""] if isinstance(values, list) else values

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        final = self.build_attrs(self.attrs, attrs)
        id_ = final.pop("id", None)
        # What every row shares, escaped once.
        start = format_html('<li><label><input type="checkbox" name="{}"{}', name, flatatt(final))
        ticked, unticked = [], []
        for key, label in self.choices:
            key = str(key)
            checked = key in chosen
            (ticked if checked else unticked).append(
                f'{start} value="{escape(key)}"{" checked" if checked else ""}>'
                f" {conditional_escape(label)}</label></li>"
            )
        checklist = format_html(
            '<div class="checklist" data-checklist{}><ul>{}</ul></div>',
            flatatt({"id": id_}) if id_ else "",
            # Built above from escaped parts only.
            mark_safe("".join(ticked + unticked)),
        )
        if len(ticked) + len(unticked) < FOLDED_FROM:
            return checklist
        # A long list is folded until opened (open while something in it is ticked): one Tab
        # stop for a keyboard on its way to the next filter, not one per choice.
        return format_html(
            '<details class="checklist-fold"{}><summary>{}</summary>{}</details>',
            " open" if ticked else "",
            ngettext("%(count)d chosen", "%(count)d chosen", len(ticked)) % {"count": len(ticked)}
            if ticked
            else _("Any (choose…)"),
            checklist,
        )
