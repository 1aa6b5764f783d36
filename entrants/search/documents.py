"""What each kind of record puts in its search document, in search order.

A kind names its fields as lookup paths (``vehicle_model__maker__name``) in three weights:
``title`` (A: what it is called), ``names`` (B: the names around it) and ``body`` (C: long
text). The same paths tell which documents a change elsewhere makes stale: renaming a company
re-indexes its models, their sightings and prices (``dependents``).
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from entrants.search.models import SearchDocument

BATCH = 2000


@dataclass(frozen=True)
class Kind:
    """One kind of searchable record: its model, its text by weight, its list page."""

    name: str
    model_name: str
    label: str
    list_url: str
    title: tuple = ()
    names: tuple = ()
    body: tuple = ()
    #: Whether the ``names`` words may correct a misspelt query word (not a news summary's).
    names_are_words: bool = True

    @property
    def model(self):
        return apps.get_model("entrants", self.model_name)

    @property
    def paths(self):
        return self.title + self.names + self.body

    def list_page(self, query_text):
        from urllib.parse import urlencode

        return f"{reverse(self.list_url)}?{urlencode({'q': query_text})}"


MODEL_PATHS = ("vehicle_model__maker__name", "vehicle_model__name", "vehicle_model__variant")

KINDS = (
    Kind("company", "Company", _("Companies"), "entrants:company_list",
         title=("name",), names=("aliases__name",), body=("description",)),
    Kind("model", "VehicleModel", _("Models"), "entrants:model_list",
         title=("maker__name", "name", "variant"), names=("aliases__name",)),
    Kind("person", "Person", _("People"), "entrants:person_list",
         title=("name",), names=("role", "organisation__name")),
    Kind("partnership", "Partnership", _("Partnerships"), "entrants:partnership_list",
         title=("company__name", "partner__name"), names=("scope",), body=("notes",)),
    Kind("sighting", "Sighting", _("Sightings and imports"), "entrants:sighting_list",
         title=MODEL_PATHS, names=("place", "city", "importer__name"), body=("notes",)),
    Kind("price", "PricePoint", _("Prices"), "entrants:price_list",
         title=MODEL_PATHS, names=("vehicle_model__aliases__name",), body=("notes",)),
    Kind("event", "MarketEvent", _("Market events"), "entrants:event_list",
         title=("title",), names=("companies__name", "place", "city"),
         body=("description", "notes")),
    Kind("news", "NewsItem", _("News"), "entrants:news_list",
         title=("headline",), names=("summary", "publisher__name"), body=("body",),
         names_are_words=False),
    Kind("statement", "Statement", _("Statements"), "entrants:statement_list",
         title=("person__name",), names=("person__organisation__name", "context"),
         body=("text", "notes"), names_are_words=False),
)  # fmt: skip
BY_NAME = {kind.name: kind for kind in KINDS}


def resolve(model, path):
    """Return ``[(prefix, related model, many)]`` for each relation a lookup path crosses."""
    steps, prefix = [], []
    for part in path.split("__")[:-1]:
        field = model._meta.get_field(part)
        prefix.append(part)
        model = field.related_model
        steps.append(("__".join(prefix), model, field.many_to_many or field.one_to_many))
    return steps


def is_many(model, path):
    return any(many for _, _, many in resolve(model, path))


@cache
def dependents():
    """Return ``{model: [(kind, lookup prefix)]}``: whose documents name a record of
    ``model``, and how to find them (``Sighting.objects.filter(vehicle_model__maker=pk)``)."""
    found = {}
    for kind in KINDS:
        for path in kind.paths:
            for prefix, model, _many in resolve(kind.model, path):
                pairs = found.setdefault(model, [])
                if (kind, prefix) not in pairs:
                    pairs.append((kind, prefix))
    return found


def single_paths(kind):
    return [path for path in kind.paths if not is_many(kind.model, path)]


def related_names(kind):
    """The ``select_related`` a kind's records need for their single-valued paths and label."""
    relations = set()
    for path in single_paths(kind):
        relations.update(prefix for prefix, _model, _many in resolve(kind.model, path))
    return sorted(relations)


def read(record, path):
    value = record
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def url_of(record):
    try:
        return record.get_absolute_url()
    except (AttributeError, NoReverseMatch):  # a statement with no person has no page
        return ""


def build(kind, pks):
    """Return the unsaved documents of ``kind``'s records with these keys (those that exist),
    in a fixed number of queries: the records, then one per many-valued path."""
    model = kind.model
    records = model.objects.filter(pk__in=pks).select_related(*related_names(kind))
    many = {}
    for path in kind.paths:
        if is_many(model, path):
            values = many.setdefault(path, {})
            for pk, value in model.objects.filter(pk__in=pks).values_list("pk", path):
                if value:
                    values.setdefault(pk, []).append(str(value))

    def text(record, paths):
        parts = []
        for path in paths:
            if path in many:
                parts.extend(sorted(set(many[path].get(record.pk, []))))
            else:
                parts.append(read(record, path))
        return " ".join(part for part in parts if part)

    documents = []
    for record in records:
        date_display = getattr(record, "date_display", "") if getattr(record, "date", None) else ""
        documents.append(
            SearchDocument(
                kind=kind.name,
                object_id=record.pk,
                label=str(record)[:300],
                url=url_of(record)[:300],
                date_display=str(date_display or "")[:40],
                title=text(record, kind.title),
                names=text(record, kind.names),
                body=text(record, kind.body),
            )
        )
    return documents
