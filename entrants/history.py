"""Change reasons on the versions django-simple-history keeps.

``with change_reason("Import of rates.csv"):`` writes that reason on every version saved inside
the block, in this thread or task only, through simple-history's documented
``pre_create_historical_record`` signal. (Its other ways need a private attribute,
``instance._change_reason``, or ``update_change_reason``, two more queries a row that still
miss the versions many-to-many changes write.) A version saved outside such a block has no
reason, never the text "None".
"""

from contextlib import contextmanager
from contextvars import ContextVar

from simple_history.signals import pre_create_historical_record

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
