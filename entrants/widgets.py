"""Form widgets of the analyst lists' filters."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

CHECKED = mark_safe(" checked")
# A checkbox and its label: {0} the list's id, {1} the choice's index, {2} the name, {3} the
# value, {4} other attributes, {5} checked, {6} the label.
ROW_WITH_ID = (
    '<li><label for="{0}_{1}"><input type="checkbox" id="{0}_{1}" name="{2}" value="{3}"{4}{5}>'
    " {6}</label></li>"
)
ROW = '<li><label><input type="checkbox" name="{2}" value="{3}"{4}{5}> {6}</label></li>'


class CheckboxList(forms.CheckboxSelectMultiple):
    """A scrolling list of checkboxes, the ticked ones first: a choice takes a click (no
    Ctrl-click) and the current selection shows without scrolling. ``static/js/filters.js``
    adds a box that narrows a long list as one types.

    Rendered in Python, not a template per checkbox, so that a thousand choices take a few
    milliseconds instead of about a hundred. Takes flat choices (no groups). Like Django's own
    ``CheckboxSelectMultiple`` it asks for a fieldset (``use_fieldset``): the field's label is
    the legend, and each checkbox has its own label."""

    def value_from_datadict(self, data, files, name):
        # An empty parameter (?maker=) chooses nothing, as it does for a text filter; it is
        # not an invalid choice.
        values = super().value_from_datadict(data, files, name)
        return [v for v in values if v != ""] if isinstance(values, list) else values

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        final = self.build_attrs(self.attrs, attrs)
        id_ = final.pop("id", None)
        others = flatatt(final)
        # Ticked first (a stable sort keeps the choices' order within each part); ids follow
        # the choices' order, so a checkbox keeps its id whatever is ticked.
        options = sorted(
            ((index, str(key), label) for index, (key, label) in enumerate(self.choices)),
            key=lambda option: option[1] not in chosen,
        )
        row = ROW_WITH_ID if id_ else ROW
        items = format_html_join(
            "",
            row,
            (
                (id_, index, name, key, others, CHECKED if key in chosen else "", label)
                for index, key, label in options
            ),
        )
        return format_html(
            '<div class="checklist" data-checklist{}><ul>{}</ul></div>',
            flatatt({"id": id_}) if id_ else "",
            items,
        )
