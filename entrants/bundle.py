"""Read a page's many small lists in one query.

A detail page shows several kinds of rows: a model's latest prices, sightings, events and news,
each with its sources. With ``select_related`` and ``prefetch_related`` that costs a query per
kind and one or two per prefetched relation (18 for a model page). ``read`` asks for all of
them in one ``UNION ALL`` query instead: each row comes back as a JSON object holding its own
fields and those of the rows it selects, and is built back into a model instance with its
related rows cached, just as ``select_related`` and ``prefetch_related`` would have left it, so
that templates and model methods work unchanged and cost no further query.

Each part is ordered by the database (a ``ROW_NUMBER()`` over the part's ordering), so a part
comes back in the order its queryset names, on SQLite and PostgreSQL alike.
"""

import datetime
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.db.models import F, JSONField, Value, Window
from django.db.models.functions import JSONObject, RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Columns a page never shows and that can be long: left deferred (reading one would query).
HEAVY_FIELDS = {"body"}


class DecimalDecoder(json.JSONDecoder):
    """Decode JSON numbers with a fraction as ``Decimal``: money and rates never pass a float."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, parse_float=Decimal, **kwargs)


class Payload(JSONObject):
    output_field = JSONField(decoder=DecimalDecoder)


@dataclass(frozen=True)
class Children:
    """A to-many relation of a part's rows to read with them (``prefetch_related``):
    ``relation`` is the accessor on the row (``"other_sources"``), ``related`` the foreign keys
    of each child to read with it (``select_related``)."""

    relation: str
    related: tuple = ()


@dataclass(frozen=True)
class Part:
    """One list of a page: the rows of ``queryset`` in its order (``limit`` of them from
    ``offset``, if given), with the foreign keys in ``related`` and the to-many relations in
    ``children``.

    ``keep`` names fields to read even when they are in ``HEAVY_FIELDS``; ``extra`` maps names
    to expressions (annotations) to read and set on each row. A part made by ``Part.of`` reads
    its rows from ``queryset`` itself, with the queryset's own annotations."""

    queryset: models.QuerySet
    related: tuple = ()
    children: tuple = ()
    limit: int | None = None
    offset: int = 0
    keep: tuple = ()
    extra: dict | None = None
    annotated: bool = False

    @classmethod
    def of(cls, queryset, limit=None, offset=0):
        """Return a part that reads ``queryset`` as iterating it would: with its
        ``select_related``, ``prefetch_related`` and annotations."""
        return cls(
            queryset,
            related=related_paths(queryset.query.select_related),
            children=children_of_lookups(queryset._prefetch_related_lookups),
            limit=limit,
            offset=offset,
            annotated=True,
        )


def related_paths(selected, prefix=""):
    """Return the paths of a query's ``select_related`` (a nested dict) as strings."""
    if selected is True:
        raise ValueError("name the relations: select_related() without arguments is not read")
    paths = []
    for name, nested in (selected or {}).items():
        paths.append(f"{prefix}{name}")
        paths.extend(related_paths(nested, f"{prefix}{name}__"))
    return tuple(paths)


def children_of_lookups(lookups):
    """Return ``Children`` for ``prefetch_related`` lookups: a relation, then foreign keys."""
    children = {}
    for lookup in lookups:
        if isinstance(lookup, str):
            relation, _, rest = lookup.partition("__")
            related = (rest,) if rest else ()
        else:
            relation, _, rest = lookup.prefetch_through.partition("__")
            if rest or lookup.prefetch_to != lookup.prefetch_through:
                raise ValueError(f"{lookup.prefetch_to}: only one level of Prefetch is read")
            query = lookup.queryset.query if lookup.queryset is not None else None
            if query is not None and (query.where or query.order_by or query.annotations):
                raise ValueError(f"{lookup.prefetch_to}: a Prefetch queryset may only select")
            related = related_paths(query.select_related) if query is not None else ()
        children[relation] = (*children.get(relation, ()), *related)
    return tuple(Children(relation, related) for relation, related in children.items())


def read(**parts):
    """Return ``{name: [rows]}`` for the ``Part``\\ s given by name, read in one query."""
    selects = []
    plans = {}
    for name, part in parts.items():
        model = part.queryset.model
        query = part.queryset.query
        ordering = query.order_by or (model._meta.ordering if query.default_ordering else ())
        keys = part.queryset.values("pk")
        if part.limit is not None:
            keys = keys[part.offset : part.offset + part.limit]
        elif part.offset:
            keys = keys[part.offset :]
        if part.annotated:
            rows = part.queryset.filter(pk__in=keys)
            annotations = part.queryset.query.annotation_select
            extra = {name: F(name) for name in annotations}
            kinds = {name: output_field(annotations[name]) for name in annotations}
        else:
            rows = model._base_manager.filter(pk__in=keys)
            extra = part.extra or {}
            kinds = {name: output_field(expression) for name, expression in extra.items()}
        db = part.queryset.db
        plan = RowPlan(db, model, "", part.related, part.keep, extra, extra_fields=kinds)
        selects.append(tagged(rows, name, ordering, plan.payload()))
        plans[name] = (plan, [])
        for child in part.children:
            child_rows, child_plan, child_ordering = children_of(db, model, child, keys)
            if f"{name}.{child.relation}" in plans:
                raise ValueError(f"{name}: {child.relation} is named twice")
            selects.append(
                tagged(child_rows, f"{name}.{child.relation}", child_ordering, child_plan.payload())
            )
            plans[f"{name}.{child.relation}"] = (child_plan, [])
    if not selects:
        return {}
    union = selects[0].union(*selects[1:], all=True) if len(selects) > 1 else selects[0]
    for kind, rank, payload in union.values_list("bundle_part", "bundle_rank", "bundle_row"):
        plans[kind][1].append((rank, payload))
    built = {}
    for kind, (plan, found) in plans.items():
        found.sort(key=lambda pair: pair[0])
        built[kind] = [plan.build(payload) for _, payload in found]
    result = {}
    for name, part in parts.items():
        # A filter across a to-many relation can repeat a row: keep its first (best-ranked).
        seen = set()
        rows = [row for row in built[name] if not (row.pk in seen or seen.add(row.pk))]
        for child in part.children:
            attach(rows, child, built[f"{name}.{child.relation}"])
        result[name] = rows
    return result


def tagged(queryset, kind, ordering, payload):
    """Return ``queryset`` as (kind, rank, payload) rows: the shape every part of the union has."""
    return queryset.order_by().values(
        bundle_part=Value(kind, output_field=models.CharField()),
        bundle_rank=Window(RowNumber(), order_by=list(ordering) or ["pk"]),
        bundle_row=payload,
    )


class RowPlan:
    """How to read a model's rows as JSON, and to build them back into instances."""

    def __init__(self, db, model, prefix, related, keep, extra, parent_key=None, extra_fields=None):
        self.db = db
        self.model = model
        self.prefix = prefix
        self.extra = extra
        self.extra_fields = extra_fields or {}
        self.parent_key = parent_key
        # Each related path ("vehicle_model__maker") with the model it reaches, a path's
        # parent before it ("source__publisher" reads the source too, as select_related does).
        self.related = {}
        for path in related:
            target = model
            steps = path.split("__")
            for depth, name in enumerate(steps, start=1):
                target = target._meta.get_field(name).related_model
                self.related["__".join(steps[:depth])] = target
        # The fields read of each model, worked out once rather than for every row.
        self.fields = {
            target: [
                field
                for field in target._meta.concrete_fields
                if field.name not in HEAVY_FIELDS or (target is model and field.name in keep)
            ]
            for target in {model, *self.related.values()}
        }

    def payload(self):
        # One JSON object per model: PostgreSQL's JSONB_BUILD_OBJECT takes at most 100 arguments.
        def columns(model, path):
            prefix = f"{self.prefix}{path}__" if path else self.prefix
            return JSONObject(**{f.attname: F(prefix + f.attname) for f in self.fields[model]})

        objects = {"": columns(self.model, "")}
        objects.update((path, columns(target, path)) for path, target in self.related.items())
        if self.extra:
            objects["+"] = JSONObject(**self.extra)
        if self.parent_key:
            objects["^"] = F(self.parent_key)
        return Payload(**objects)

    def build(self, payload):
        row = instance(self.db, self.model, self.fields[self.model], payload[""])
        for path, target in self.related.items():
            *through, name = path.split("__")
            holder = row
            for step in through:
                holder = getattr(holder, step) if holder is not None else None
            if holder is None:  # below an empty foreign key, as select_related leaves it
                continue
            field = holder._meta.get_field(name)
            values = payload[path]
            related = (
                instance(self.db, target, self.fields[target], values)
                if values[target._meta.pk.attname]
                else None
            )
            field.set_cached_value(holder, related)
        for name, value in (payload.get("+") or {}).items():
            field = self.extra_fields.get(name)
            setattr(row, name, decode(field, value) if field is not None else value)
        if self.parent_key:
            row._bundle_parent = payload["^"]
        return row


def children_of(db, model, child, keys):
    """Return the rows of ``child`` for the parent rows ``keys``, how to build them, and their
    ordering: through the join table for a many-to-many, directly for a reverse foreign key."""
    field = model._meta.get_field(child.relation)
    if field.many_to_many and not field.auto_created:
        through = field.remote_field.through._meta
        own = through.get_field(field.m2m_field_name())
        target = through.get_field(field.m2m_reverse_field_name())
        rows = through.model._base_manager.filter(**{f"{own.name}__in": keys})
        plan = RowPlan(
            db, field.related_model, f"{target.name}__", child.related, (), {}, own.attname
        )
        ordering = [
            prefixed(order, f"{target.name}__") for order in field.related_model._meta.ordering
        ]
        return rows, plan, ordering
    if field.one_to_many:
        related = field.related_model
        rows = related._base_manager.filter(**{f"{field.field.name}__in": keys})
        plan = RowPlan(db, related, "", child.related, (), {}, field.field.attname)
        return rows, plan, related._meta.ordering
    raise ValueError(
        f"{model.__name__}.{child.relation}: only forward many-to-many and reverse foreign keys"
    )


def prefixed(order, prefix):
    return f"-{prefix}{order[1:]}" if order.startswith("-") else f"{prefix}{order}"


def attach(rows, child, children):
    """Cache ``children`` on their parent rows, as ``prefetch_related`` would."""
    by_parent = {}
    for row in children:
        by_parent.setdefault(row._bundle_parent, []).append(row)
    for row in rows:
        manager = getattr(row, child.relation)
        cache_name = getattr(manager, "prefetch_cache_name", None) or (
            manager.field.remote_field.cache_name
        )
        found = by_parent.get(row.pk, [])
        if not getattr(manager, "prefetch_cache_name", None):
            for item in found:
                manager.field.set_cached_value(item, row)
        queryset = manager.all()
        queryset._result_cache = found
        queryset._prefetch_done = True
        row.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset


def output_field(expression):
    """Return the field an annotation's values have, or None where it cannot say."""
    try:
        return expression.output_field
    except FieldError:
        return None


def instance(db, model, fields, values):
    """Build a ``model`` instance from its JSON ``values``, as the database's own rows would be."""
    return model.from_db(
        db, [f.attname for f in fields], [decode(f, values[f.attname]) for f in fields]
    )


def decode(field, value):
    """Return ``value`` (from JSON) as ``field`` holds it in Python."""
    if value is None:
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        moment = parse_datetime(value)
        if settings.USE_TZ and timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.timezone.utc)
        return moment
    if kind == "DateField":
        return datetime.date.fromisoformat(value[:10])
    if kind == "DecimalField":
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
        return amount.quantize(Decimal(1).scaleb(-field.decimal_places))
    if kind == "BooleanField":
        return bool(value)
    if kind == "UUIDField":
        return uuid.UUID(str(value))
    return value
