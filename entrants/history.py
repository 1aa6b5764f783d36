"""The versions django-simple-history keeps: their change reasons, and the first version of
the records a fixture load writes.

``with change_reason("Import of rates.csv"):`` writes that reason on every version saved inside
the block, in this thread or task only, through simple-history's documented
``pre_create_historical_record`` signal. (Its other ways need a private attribute,
``instance._change_reason``, or ``update_change_reason``, two more queries a row that still
miss the versions many-to-many changes write.) A version saved outside such a block has no
reason, never the text "None".
"""

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import pre_save
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.signals import pre_create_historical_record
from simple_history.utils import (
    get_app_model_primary_key_name,
    get_history_manager_for_model,
    get_m2m_field_name,
)

REFERENCE_DATA = "Loaded from reference data"
SUGGESTIONS_ACCEPTED = "Suggest links: accepted"
# history_change_reason's max_length: PostgreSQL refuses a longer one.
MAX_LENGTH = 100

_reason = ContextVar("history_change_reason", default=None)


def import_reason(file_name):
    """Return the change reason of the versions an import of ``file_name`` writes."""
    return f"Import of {file_name}"[:MAX_LENGTH]


@contextmanager
def change_reason(reason):
    """Write ``reason`` on every version saved inside the block (unless one is set already)."""
    token = _reason.set(reason[:MAX_LENGTH])
    try:
        yield
    finally:
        _reason.reset(token)


def write_change_reason(sender, history_instance, **kwargs):
    """Give a version about to be saved the reason of the enclosing ``change_reason`` block."""
    reason = _reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


def connect_signals():
    pre_create_historical_record.connect(
        write_change_reason, dispatch_uid="entrants-history-change-reason"
    )


class FirstVersions:
    """Give each record a fixture load writes that has no history yet one first version, as
    loaded, written in bulk with its many-to-many links.

    ``loaddata`` saves raw, so simple-history records no version of the record itself, yet one
    for each many-to-many ``set()``, as a change of a record it never saw created. Inside the
    block such records are noted and kept out of history (simple-history's documented
    ``skip_history_when_saving``); ``write()`` then writes their first versions. Records that
    already have history are left to simple-history: loading again adds no version.
    """

    def __enter__(self):
        self.with_history = {}  # model -> primary keys that had history before the load
        self.loaded = defaultdict(list)  # model -> instances saved without history
        pre_save.connect(self.note, weak=False)
        return self

    def __exit__(self, *exc_info):
        pre_save.disconnect(self.note)

    def note(self, sender, instance, raw=False, **kwargs):
        """Note a record loaded from a fixture that has no history yet."""
        if not raw:
            return
        try:
            history = get_history_manager_for_model(sender)
        except NotHistoricalModelError:
            return
        if sender not in self.with_history:
            key = get_app_model_primary_key_name(sender)
            self.with_history[sender] = set(history.values_list(key, flat=True).distinct())
        if instance.pk not in self.with_history[sender]:
            instance.skip_history_when_saving = True
            self.loaded[sender].append(instance)

    def write(self, reason):
        """Write the first version of each noted record; return how many were written."""
        date = timezone.now()
        written = 0
        for model, instances in self.loaded.items():
            # A record saved twice (once more for its forward references) has one version.
            records = {instance.pk: instance for instance in instances}
            history = get_history_manager_for_model(model)
            history.bulk_history_create(
                list(records.values()), default_change_reason=reason, default_date=date
            )
            self.write_links(model, history.model, list(records))
            written += len(records)
        return written

    def write_links(self, model, history_model, keys):
        """Copy the many-to-many links of the records ``keys`` into their first versions."""
        versions = None
        for field in model._meta.many_to_many:
            links_history = getattr(history_model, field.name, None)
            if links_history is None:  # a field whose changes are not tracked
                continue
            if versions is None:
                key = get_app_model_primary_key_name(model)
                versions = dict(
                    history_model.objects.filter(**{f"{key}__in": keys}).values_list(
                        key, "history_id"
                    )
                )
            through = field.remote_field.through
            own = through._meta.get_field(get_m2m_field_name(field))
            columns = [column.attname for column in through._meta.fields]
            links = through._default_manager.filter(**{f"{own.name}__in": keys})
            links_history.model.objects.bulk_create(
                links_history.model(
                    history_id=versions[getattr(link, own.attname)],
                    **{column: getattr(link, column) for column in columns},
                )
                for link in links
            )
