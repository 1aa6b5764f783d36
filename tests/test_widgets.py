"""The filters' checkbox lists (entrants.widgets): a click per choice, the selection first and
ticked, every checkbox inside its own label, values and labels escaped."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.http import QueryDict

from entrants.filtersets import SightingFilterSet
from entrants.widgets import CheckboxList
from tests import factories

pytestmark = pytest.mark.django_db


class Checkboxes(HTMLParser):
    """Collect the checkboxes of some HTML in order, and the labels with the text they show
    and the checkboxes inside them (a label names what it holds, or what its ``for`` names)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.boxes, self.labels, self.label = [], [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "checkbox":
            self.boxes.append(attrs)
            if self.label is not None:
                self.label["boxes"].append(attrs)
        elif tag == "label":
            self.label = {"for": attrs.get("for"), "text": "", "boxes": []}

    def handle_data(self, data):
        if self.label is not None:
            self.label["text"] += data

    def handle_endtag(self, tag):
        if tag == "label" and self.label is not None:
            self.label["text"] = self.label["text"].strip()
            self.labels.append(self.label)
            self.label = None

    def label_of(self, box):
        """The text of the one label of ``box``: the label around it, or the one for its id."""
        found = [
            label["text"]
            for label in self.labels
            if any(inner is box for inner in label["boxes"])
            or (label["for"] and label["for"] == box.get("id"))
        ]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def models():
    maker = factories.CompanyFactory(name="BYD", slug="byd")
    return [
        factories.VehicleModelFactory(maker=maker, name=name, slug=f"byd-{name.lower()}")
        for name in ("Atto", "Dolphin", "Seal", "Sealion")
    ]


def model_field_html(data):
    return str(SightingFilterSet(data).form["model"])


def test_the_selection_comes_first_and_ticked(models):
    parsed = Checkboxes(model_field_html({"model": ["byd-sealion", "byd-dolphin"]}))
    shown = [(box["value"], "checked" in box) for box in parsed.boxes]
    assert shown == [
        ("byd-dolphin", True),
        ("byd-sealion", True),
        ("byd-atto", False),
        ("byd-seal", False),
    ]
    assert {box["name"] for box in parsed.boxes} == {"model"}


def test_every_checkbox_has_its_own_label(models):
    parsed = Checkboxes(model_field_html({"model": ["byd-seal"]}))
    assert len(parsed.labels) == len(parsed.boxes) == 4
    assert [parsed.label_of(box) for box in parsed.boxes] == [
        "BYD Seal",
        "BYD Atto",
        "BYD Dolphin",
        "BYD Sealion",
    ]


def test_the_field_asks_for_a_fieldset_and_legend(models):
    field = SightingFilterSet({}).form["model"]
    assert field.use_fieldset
    assert field.legend_tag() == "<legend>Model:</legend>"


def test_labels_and_values_are_escaped(db):
    factories.VehicleModelFactory(name="<b>Bold</b>", slug="bold")
    html = model_field_html({})
    assert "<b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_an_empty_parameter_chooses_nothing(models):
    filterset = SightingFilterSet(QueryDict("model=&model=byd-seal&maker="))
    assert filterset.is_valid(), filterset.errors
    assert filterset.form.cleaned_data["model"] == ["byd-seal"]
    assert filterset.form.cleaned_data["maker"] == []


def test_attributes_and_ticks_reach_every_row_of_a_long_list():
    choices = [(f"model-{n}", f"Model {n}") for n in range(1000)]

    class Form(forms.Form):
        ours = forms.MultipleChoiceField(
            choices=choices, widget=CheckboxList(attrs={"form": "filters"})
        )

    parsed = Checkboxes(str(Form({"ours": ["model-5", "model-999"]})["ours"]))
    assert len(parsed.boxes) == 1000
    assert [box["value"] for box in parsed.boxes[:3]] == ["model-5", "model-999", "model-0"]
    assert [("checked" in box) for box in parsed.boxes[:3]] == [True, True, False]
    assert sum("checked" in box for box in parsed.boxes) == 2
    assert {(box["name"], box["form"]) for box in parsed.boxes} == {("ours", "filters")}
    assert parsed.label_of(parsed.boxes[1]) == "Model 999"
