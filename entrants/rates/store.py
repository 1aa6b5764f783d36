"""Write fetched rates into the tracker, all or nothing, and say what changed.

A rate is matched to a stored one by its natural key (date, base, quote, source): a new key is
created, a stored one with another figure, URL, status or note is updated, an identical one is
left alone, so a second run of the same fetch changes nothing. Every row is checked before
anything is written (a bad one refuses the whole batch); the writes are bulk ones, each with its
history record (django-simple-history's ``bulk_create_with_history``), in one transaction that
bumps the data version once.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from entrants.cache import bump_data_version
from entrants.models import ExchangeRate
from entrants.rates import RateSourceError

UPDATED_FIELDS = ("rate", "source_url", "claim_status", "notes")
BATCH_SIZE = 500


@dataclass
class Summary:
    """What a store did: how many rates were new, changed and already there."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self):
        return self.new + self.changed + self.unchanged

    def __str__(self):
        return (
            f"{self.total:,} rate{'s' if self.total != 1 else ''}: {self.new:,} new, "
            f"{self.changed:,} changed, {self.unchanged:,} unchanged"
        )


def checked(rates):
    """Return ``rates`` as unsaved ``ExchangeRate``s, each validated as a form would (field by
    field, and the model's check constraints in Python); raise ``RateSourceError`` listing
    every bad one."""
    records, problems = [], []
    for rate in rates:
        record = ExchangeRate(
            date=rate.date,
            base=rate.base,
            quote=rate.quote,
            rate=rate.rate,
            source=rate.source,
            source_url=rate.source_url,
            claim_status=rate.claim_status,
            notes=rate.notes,
        )
        try:
            # The database checks the constraints again; uniqueness is the upsert's own.
            record.clean_fields()
            if record.rate <= 0 or record.base == record.quote:
                raise ValidationError("a rate is above zero, between two different currencies")
        except ValidationError as error:
            words = "; ".join(
                f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
                for name, messages in getattr(
                    error, "message_dict", {"__all__": error.messages}
                ).items()
            )
            problems.append(f"{rate.where or rate.date}: {words}")
        else:
            records.append(record)
    if problems:
        raise RateSourceError.listing(problems, "rate")
    return records


def store(rates, reason, progress=None):
    """Write ``rates`` (``FetchedRate``s) as exchange rates; return a ``Summary``.
    ``progress(count)`` is called as batches are written."""
    records = checked(rates)
    if not records:
        return Summary()
    dates = [record.date for record in records]
    sources = {record.source for record in records}
    stored = {
        (rate.date, rate.base, rate.quote, rate.source): rate
        for rate in ExchangeRate.objects.filter(
            date__range=(min(dates), max(dates)), source__in=sources
        )
    }
    new, changed, summary = [], [], Summary()
    for record in records:
        existing = stored.get((record.date, record.base, record.quote, record.source))
        if existing is None:
            new.append(record)
        elif all(getattr(existing, name) == getattr(record, name) for name in UPDATED_FIELDS):
            summary.unchanged += 1
        else:
            for name in UPDATED_FIELDS:
                setattr(existing, name, getattr(record, name))
            changed.append(existing)
    if progress and summary.unchanged:
        progress(summary.unchanged)
    with transaction.atomic():
        for start in range(0, len(new), BATCH_SIZE):
            batch = new[start : start + BATCH_SIZE]
            bulk_create_with_history(batch, ExchangeRate, default_change_reason=reason)
            if progress:
                progress(len(batch))
        for start in range(0, len(changed), BATCH_SIZE):
            batch = changed[start : start + BATCH_SIZE]
            bulk_update_with_history(
                batch, ExchangeRate, UPDATED_FIELDS, default_change_reason=reason
            )
            if progress:
                progress(len(batch))
        if new or changed:
            bump_data_version()
    summary.new, summary.changed = len(new), len(changed)
    return summary
