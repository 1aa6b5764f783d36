"""Keeping the search documents in step with the records.

A save, delete or many-to-many change re-indexes the record's own document and the documents
that name it (``documents.dependents``), at once, in a fixed number of queries. Inside
``deferred()`` (an import of thousands of rows) the changes are noted and re-indexed once, at
the end of the block. ``bulk_create`` and ``update`` send no signals: whoever uses them calls
``reindex`` or ``rebuild`` (the demo generator does).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_delete

from entrants.search import documents
from entrants.search.engine import WORD
from entrants.search.models import SearchDocument, SearchTerm

MAX_WORD_LENGTH = 100

_pending = ContextVar("search_index_pending", default=None)
# Documents a delete makes stale, found before the row goes (pre_delete), re-indexed after.
_stale_on_delete = {}


def vector():
    """The weighted tsvector of a document (PostgreSQL), with the ``simple`` configuration:
    no stemming, like SQLite's FTS5 tokenizer, so both match the same words."""
    return (
        SearchVector("title", weight="A", config="simple")
        + SearchVector("names", weight="B", config="simple")
        + SearchVector("body", weight="C", config="simple")
    )


def words_of(text):
    return {word for word in WORD.findall(text.lower()) if len(word) <= MAX_WORD_LENGTH}


def name_words(kind, document):
    words = words_of(document.title)
    if kind.names_are_words:
        words |= words_of(document.names)
    return words


def write(kind, pks, replace=True):
    """Write the documents of ``kind``'s records ``pks``: dropped for a record that is gone."""
    pks = list(pks)
    if not pks:
        return 0
    built = documents.build(kind, pks)
    if replace:
        SearchDocument.objects.filter(kind=kind.name, object_id__in=pks).delete()
    SearchDocument.objects.bulk_create(built)
    if connection.vendor == "postgresql":
        SearchDocument.objects.filter(kind=kind.name, object_id__in=pks).update(vector=vector())
    words = set().union(*(name_words(kind, document) for document in built)) if built else ()
    SearchTerm.objects.bulk_create(
        [SearchTerm(word=word) for word in sorted(words)], ignore_conflicts=True
    )
    return len(built)


def reindex(changes):
    """Re-index ``{kind name: keys}`` now, in batches."""
    for name, pks in changes.items():
        pks = sorted(pks)
        for start in range(0, len(pks), documents.BATCH):
            write(documents.BY_NAME[name], pks[start : start + documents.BATCH])


def changed(model, pks):
    """Re-index what shows these records of ``model``, now or at the end of ``deferred()``."""
    pending = _pending.get()
    if pending is not None:
        pending.setdefault(model, set()).update(pks)
    else:
        reindex(affected(model, pks))


@contextmanager
def deferred():
    """Within the block, changed records are noted, and what shows them re-indexed once as
    the block ends (in a few queries per model, not a few per row)."""
    if _pending.get() is not None:  # already deferred by an outer block
        yield
        return
    pending = {}
    token = _pending.set(pending)
    try:
        yield
    finally:  # after an error in the block nothing is re-indexed: it propagates from here
        _pending.reset(token)
    merged = {}
    for model, pks in pending.items():
        for name, found in affected(model, pks).items():
            merged.setdefault(name, set()).update(found)
    reindex(merged)


def rebuild(progress=None):
    """Index every record afresh; ``progress(kind, done, total)`` is told as it goes."""
    SearchDocument.objects.all().delete()
    SearchTerm.objects.all().delete()
    written = 0
    for kind in documents.KINDS:
        pks = list(kind.model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), documents.BATCH):
            written += write(kind, pks[start : start + documents.BATCH], replace=False)
            if progress:
                progress(kind, min(start + documents.BATCH, len(pks)), len(pks))
    return written


def affected(model, pks, own=True):
    """Return ``{kind name: keys}`` whose documents show these records of ``model``."""
    changes = {}
    if own:
        for kind in documents.KINDS:
            if kind.model is model:
                changes.setdefault(kind.name, set()).update(pks)
    for kind, prefix in documents.dependents().get(model, ()):
        found = kind.model.objects.filter(**{f"{prefix}__in": pks}).values_list("pk", flat=True)
        changes.setdefault(kind.name, set()).update(found)
    return {name: found for name, found in changes.items() if found}


def saved(sender, instance, **kwargs):
    changed(sender, {instance.pk})


def deleting(sender, instance, **kwargs):
    _stale_on_delete[(sender, instance.pk)] = affected(sender, {instance.pk}, own=False)


def deleted(sender, instance, **kwargs):
    for kind in documents.KINDS:
        if kind.model is sender:
            SearchDocument.objects.filter(kind=kind.name, object_id=instance.pk).delete()
    stale = _stale_on_delete.pop((sender, instance.pk), {})
    for name, pks in stale.items():
        changed(documents.BY_NAME[name].model, pks)


def links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    changed(type(instance), {instance.pk})
    if pk_set:
        changed(model, pk_set)


def fill_if_empty(verbosity=1, stdout=None, **kwargs):
    """After ``migrate``: index the records of a database that has some but no documents
    (one migrated from before the search existed)."""
    if SearchDocument.objects.exists():
        return
    if not any(kind.model.objects.exists() for kind in documents.KINDS):
        return
    if verbosity:
        print("Building the search index…", flush=True)
    count = rebuild()
    if verbosity:
        print(f"Search index built: {count} documents.", flush=True)


def watched_models():
    kinds = {kind.model for kind in documents.KINDS}
    return kinds | set(documents.dependents())


def connect_signals(app_config):
    for model in watched_models():
        uid = f"search-index-{model._meta.label_lower}"
        post_save.connect(saved, sender=model, dispatch_uid=f"{uid}-save")
        pre_delete.connect(deleting, sender=model, dispatch_uid=f"{uid}-deleting")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"{uid}-delete")
    for model in apps.get_app_config("entrants").get_models():
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                links_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"search-index-{model._meta.label_lower}-{field.name}",
            )
    post_migrate.connect(fill_if_empty, sender=app_config, dispatch_uid="search-index-fill")
