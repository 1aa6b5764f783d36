"""Recent changes: what was added, changed, withdrawn or deleted in the public records, read
from the versions django-simple-history keeps (``history = HistoricalRecords()`` on the models).

Each version becomes a plain ``Change``: the kind of record, what it is (a label), the action,
when, the link to its page while the record exists, and, for a change of status, the old and
the new status. A record that no longer exists is shown by its kind alone, in every one of its
versions ("A person was deleted", "A person, since deleted"): what it said or whom it named
(a person's name, a statement's text) is not published again once it has been deleted, which
may have been done for a legal or a privacy reason. Who made the change is never read: not the
version's user, not its change reason (which may name a person or a file of theirs). Those stay
in the admin's history.

A page of changes costs the same few queries however long the history: one bounded count, one
``UNION ALL`` of every kind's (date, kind, key) read along each history table's date index,
ordered and sliced to the page, and then, per kind on the page, its versions by key with their
related rows, the previous version's status and the record's current slug or UUID.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from entrants.facets import COUNT_LIMIT, Total
from entrants.models import (
    ClaimStatus,
    Company,
    CompanyAlias,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    PricePoint,
    Sighting,
    StatedConversion,
    Statement,
    VehicleModel,
    VehicleModelAlias,
)

ADDED, CHANGED, WITHDRAWN, DELETED = "added", "changed", "withdrawn", "deleted"
ACTIONS = {"+": ADDED, "~": CHANGED, "-": DELETED}


@dataclass(frozen=True)
class Kind:
    """A kind of public record whose history is listed: its model, the relations its label
    names (``select_related`` paths), the fields whose change is a change of status (with the
    values that withdraw it), how its page is found and, where its ``__str__`` says too little
    out of context, how it is ``described``."""

    name: str
    model: type
    label: str  # "Price"
    plural: str  # "Prices", as the menu names the list
    related: tuple = ()
    statuses: tuple = ()
    withdrawn: frozenset = frozenset()
    link_field: str = "uuid"  # read from the live record; gone with it
    url_name: str = ""
    described: object = str  # record -> its label

    def history(self):
        return self.model.history.all()

    def url(self, live, row):
        """Return the path of the record's page (``live``: its slug or UUID now)."""
        if live is None:
            return ""
        if self.model is Statement:
            return reverse("entrants:person_detail", args=[live]) + f"#statement-{row.uuid}"
        if self.model is ExchangeRate:
            # Rates have no page of their own: the list, on the rate's day, pair and source
            # as this version holds them.
            query = {"date": row.date.isoformat(), "base": row.base, "quote": row.quote}
            return reverse("entrants:rate_list") + "?" + urlencode({**query, "source": row.source})
        return reverse(f"entrants:{self.url_name}_detail", args=[live])

    def deleted(self, kind_label, action):
        """Return what a record that no longer exists is shown as: its kind alone."""
        article = "An" if kind_label[0] in "AEIOU" else "A"
        what = f"{article} {kind_label.lower()}"
        return f"{what} was deleted" if action == DELETED else f"{what}, since deleted"


def company_alias(alias):
    return f"{alias.name} (another name of {alias.company.name})"


def model_alias(alias):
    return f"{alias.name} (another name of {alias.vehicle_model})"


def stated_conversion(conversion):
    return f"{conversion.price_point}, stated as {conversion}"


DENIED = frozenset({ClaimStatus.DENIED})
FACT_STATUS = ("claim_status",)

KINDS = {
    kind.name: kind
    for kind in (
        Kind("company", Company, "Company", "Companies", link_field="slug", url_name="company"),
        Kind(
            "model",
            VehicleModel,
            "Model",
            "Models",
            related=("maker",),
            statuses=("stage_in_pakistan",),
            withdrawn=frozenset({VehicleModel.Stage.WITHDRAWN}),
            link_field="slug",
            url_name="model",
        ),
        Kind(
            "partnership",
            Partnership,
            "Partnership",
            "Partnerships",
            related=("company", "partner"),
            statuses=("claim_status", "status"),
            withdrawn=frozenset({ClaimStatus.DENIED, Partnership.Status.DENIED}),
            url_name="partnership",
        ),
        Kind(
            "sighting",
            Sighting,
            "Sighting",
            "Sightings and imports",
            related=("vehicle_model__maker",),
            statuses=FACT_STATUS,
            withdrawn=DENIED,
            url_name="sighting",
        ),
        Kind(
            "price",
            PricePoint,
            "Price",
            "Prices",
            related=("vehicle_model__maker",),
            statuses=FACT_STATUS,
            withdrawn=DENIED,
            url_name="price",
        ),
        Kind(
            "event",
            MarketEvent,
            "Event",
            "Events",
            statuses=FACT_STATUS,
            withdrawn=DENIED,
            url_name="event",
        ),
        Kind(
            "news",
            NewsItem,
            "News item",
            "News",
            related=("publisher",),
            link_field="slug",
            url_name="news",
        ),
        Kind("person", Person, "Person", "People", link_field="slug", url_name="person"),
        Kind(
            "statement",
            Statement,
            "Statement",
            "Statements",
            related=("person",),
            statuses=FACT_STATUS,
            withdrawn=DENIED,
            link_field="person__slug",
        ),
        Kind(
            "rate",
            ExchangeRate,
            "Exchange rate",
            "Exchange rates",
            statuses=FACT_STATUS,
            withdrawn=DENIED,
            link_field="pk",
        ),
        Kind(
            "stated_conversion",
            StatedConversion,
            "Stated conversion",
            "Stated conversions",
            related=("price_point__vehicle_model__maker",),
            link_field="price_point__uuid",
            url_name="price",
            described=stated_conversion,
        ),
        Kind(
            "company_alias",
            CompanyAlias,
            "Company alias",
            "Company aliases",
            related=("company",),
            link_field="company__slug",
            url_name="company",
            described=company_alias,
        ),
        Kind(
            "model_alias",
            VehicleModelAlias,
            "Model alias",
            "Model aliases",
            related=("vehicle_model__maker",),
            link_field="vehicle_model__slug",
            url_name="model",
            described=model_alias,
        ),
    )
}
KIND_CHOICES = [(kind.name, kind.plural) for kind in KINDS.values()]
KIND_INDEX = {name: index for index, name in enumerate(KINDS)}


@dataclass(frozen=True)
class StatusChange:
    """A status field's value before and after a change, in words."""

    field: str
    old: str
    new: str

    def __str__(self):
        return f"{self.field}: {self.old} → {self.new}"


@dataclass
class Change:
    """One version of a public record, in words, without who wrote it."""

    kind: str  # a key of KINDS
    kind_label: str  # "Price", "Import"…
    what: str
    action: str  # added, changed, withdrawn or deleted
    when: datetime.datetime
    url: str  # the record's page, "" when it no longer exists
    key: str  # unique among changes: "price-123"
    status: str = ""  # the statuses in words after the change: "Claim status: Reported"
    status_changes: list = field(default_factory=list)
    withheld: bool = False  # the record is gone: ``what`` names its kind only


def start_of(day):
    """Return the first moment of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# Dates outside these bounds exclude no version (and past them a moment in the site's time
# zone may not fit a datetime in UTC).
EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(9998, 12, 31)


class ChangeLog:
    """The changes of ``kinds`` (names in ``KINDS``; every kind when empty) made on or after
    the day ``since`` and on or before the day ``until``, newest first: a sequence to slice
    (``log[0:50]``) and to page with ``BoundedPaginator`` (``total()``)."""

    def __init__(self, kinds=(), since=None, until=None):
        self.kinds = [KINDS[name] for name in kinds] if kinds else list(KINDS.values())
        self.window = {}
        if since is not None and since > EARLIEST:
            self.window["history_date__gte"] = start_of(since)
        if until is not None and until < LATEST:
            self.window["history_date__lt"] = start_of(until + datetime.timedelta(days=1))

    def keys(self, latest=None):
        """Return the changes' (date, kind index, version key) as one ``UNION ALL``: every
        change, or only the ``latest`` of each kind (each kind's newest read along its date
        index, so that the union sorts no more than ``latest`` rows of each)."""
        parts = []
        for kind in self.kinds:
            versions = kind.history().filter(**self.window).order_by()
            if latest is not None:
                newest = versions.order_by("-history_date", "-history_id")[:latest]
                versions = versions.filter(history_id__in=newest.values("history_id"))
            parts.append(
                versions.annotate(kind_index=Value(KIND_INDEX[kind.name])).values_list(
                    "history_date", "kind_index", "history_id"
                )
            )
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    def total(self):
        """Return how many changes there are, counting no further than ``COUNT_LIMIT``."""
        found = self.keys()[: COUNT_LIMIT + 1].count()
        return Total(min(found, COUNT_LIMIT), found > COUNT_LIMIT)

    def count(self):
        return self.total().count

    def __getitem__(self, window):
        if not isinstance(window, slice):
            raise TypeError("ChangeLog takes a slice: log[start:stop]")
        if window.step is not None or (window.start or 0) < 0 or window.stop is None:
            raise TypeError("ChangeLog takes a slice from a start to a stop, with no step")
        newest = self.keys(latest=window.stop)
        keys = list(newest.order_by("-history_date", "kind_index", "-history_id")[window])
        by_kind = {}
        for _date, index, history_id in keys:
            by_kind.setdefault(index, []).append(history_id)
        kinds = list(KINDS.values())
        found = {
            (index, history_id): change
            for index, history_ids in by_kind.items()
            for history_id, change in versions(kinds[index], history_ids)
        }
        return [found[(index, history_id)] for _date, index, history_id in keys]


def versions(kind, history_ids):
    """Yield (version key, ``Change``) for the versions ``history_ids`` of ``kind``: one query,
    with their related rows, each status's value in the version before, whether the record
    still exists and its current slug or UUID."""
    history = kind.history()
    pk = kind.model._meta.pk.name
    earlier = history.filter(**{pk: OuterRef(pk), "history_id__lt": OuterRef("history_id")})
    record = kind.model.objects.filter(pk=OuterRef(pk))
    rows = (
        history.filter(history_id__in=history_ids)
        .select_related(*kind.related)
        .annotate(
            exists=Exists(record),
            live_link=Subquery(record.values(kind.link_field)[:1]),
            **{
                f"before_{name}": Subquery(earlier.order_by("-history_id").values(name)[:1])
                for name in kind.statuses
            },
        )
    )
    for row in rows:
        yield row.history_id, change_of(kind, row)


def change_of(kind, row):
    """Return the ``Change`` a version ``row`` (annotated by ``versions``) stands for."""
    record = record_as_it_was(kind, row)
    action = ACTIONS[row.history_type]
    status_changes = []
    if action == CHANGED:
        for name in kind.statuses:
            before, after = getattr(row, f"before_{name}"), getattr(row, name)
            if before is not None and before != after:
                status_changes.append(status_change(kind, name, before, after))
                if after in kind.withdrawn:
                    action = WITHDRAWN
    kind_label = record.get_kind_display() if kind.model is Sighting else kind.label
    return Change(
        kind=kind.name,
        kind_label=kind_label,
        what=label_of(kind, record) if row.exists else kind.deleted(kind_label, action),
        action=action,
        when=row.history_date,
        url=kind.url(row.live_link, row) if row.exists and action != DELETED else "",
        key=f"{kind.name}-{row.history_id}",
        status="; ".join(
            f"{field_label(kind, name)}: {value_label(kind, name, getattr(row, name))}"
            for name in kind.statuses
        ),
        status_changes=status_changes,
        withheld=not row.exists,
    )


def record_as_it_was(kind, row):
    """Return the record as the version ``row`` holds it (simple-history's ``instance``),
    with the related rows the version's query selected."""
    record = row.instance
    for path in kind.related:
        name = path.split("__")[0]
        related = getattr(row, name)
        if related is not None:
            setattr(record, name, related)
    return record


def label_of(kind, record):
    """Return what the record is, in words: its own ``__str__`` ("Xiaomi SU7: CNY 215,900
    (28 September 2024)") or its kind's description, or its kind alone if a record it names has
    since been deleted."""
    try:
        return kind.described(record)
    except ObjectDoesNotExist:
        return f"{kind.label} (a record it names has since been deleted)"


def value_label(kind, name, value):
    field_ = kind.model._meta.get_field(name)
    return str(dict(field_.choices).get(value, value)) if value else ""


def field_label(kind, name):
    return capfirst(kind.model._meta.get_field(name).verbose_name)


def status_change(kind, name, before, after):
    return StatusChange(
        field_label(kind, name), value_label(kind, name, before), value_label(kind, name, after)
    )
