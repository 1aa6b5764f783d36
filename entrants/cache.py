"""The page cache: analyst pages cached by URL and data version, with ETag / 304.

Every write to the tracker's data (admin, import, fixtures, scripts that save models) bumps
one counter in the database (``DataVersion``), so a page cached before the write is never
served after it, in any process, whatever the cache backend. The counter costs one small query
per request; a page whose ETag the browser already holds costs nothing more.
"""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponseNotModified
from django.utils.cache import patch_cache_control

from entrants.models import DataVersion, SearchDocument, SearchTerm

CACHED_STATUSES = {200}

# The data version the current request read, so that what is computed once per version (the
# rate table, the filters' choices) costs no second query for it.
_request_version = ContextVar("data_version", default=None)
# True while a bulk write (an import) bumps the version once at its end, not at every save.
_bumps_deferred = ContextVar("data_version_bumps_deferred", default=False)
# name -> (data version, value), per process: cheaper than the shared cache for values that
# every request needs (no pickling), and never stale, since it is keyed by the version.
_per_version = {}


def data_version():
    """Return the current data version (0 before the first write)."""
    return DataVersion.objects.values_list("version", flat=True).first() or 0


def bump_data_version():
    """Mark every cached page stale. Saves and deletes of the app's models do it (``changed``);
    call it after bulk writes (``bulk_create``, ``update``) that send no signals."""
    if not DataVersion.objects.update(version=F("version") + 1):
        DataVersion.objects.create(version=1)


def changed(**kwargs):
    """Bump the data version after a save, delete or link change, unless deferred."""
    if not _bumps_deferred.get():
        bump_data_version()


@contextmanager
def data_version_bumps_deferred():
    """Within the block, saves and deletes do not bump the data version: whoever runs the
    block bumps it once at the end if it wrote anything. An import of thousands of rows then
    takes the lock on the version's row once, just before it commits, not at its first save
    (every other editor's save would wait for it until then)."""
    token = _bumps_deferred.set(True)
    try:
        yield
    finally:
        _bumps_deferred.reset(token)


def per_data_version(name, compute):
    """Return ``compute()``, computed once per data version in this process.

    For what many requests need and only a write can change: the exchange-rate table, the
    filters' lists of models and companies. Outside a request it reads the version (one query).
    """
    version = _request_version.get()
    if version is None:
        version = data_version()
    held = _per_version.get(name)
    if held is not None and held[0] == version:
        return held[1]
    value = compute()
    _per_version[name] = (version, value)
    return value


def forget_per_version_values():
    """Drop every value computed by ``per_data_version`` (tests roll the version back)."""
    _per_version.clear()


def connect_signals():
    for model in apps.get_app_config("entrants").get_models():
        if model in (DataVersion, SearchDocument, SearchTerm):  # derived, not the data
            continue
        uid = f"bump-data-version-{model._meta.label_lower}"
        post_save.connect(changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(changed, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}-{field.name}",
            )


def view_parameters(view):
    """Return the query parameters a view reads: a class-based view names them with its
    ``query_parameters()``; other views read none unless ``versioned_page`` is told."""
    view_class = getattr(view, "view_class", None)
    return frozenset(view_class.query_parameters()) if view_class is not None else frozenset()


def storable(request, response, parameters):
    """Return whether ``response`` may go into the page cache.

    Only complete, successful pages (not a stream) of canonical addresses: every query
    parameter one the view reads, none of its input ignored (the view then marks its page
    ``no-store``), and not larger than ``PAGE_CACHE_MAX_BYTES``. So junk parameters cannot
    fill the cache, however many a visitor invents.
    """
    return (
        response.status_code in CACHED_STATUSES
        and not response.streaming
        and set(request.GET) <= parameters
        and "no-store" not in response.get("Cache-Control", "")
        and len(response.content) <= settings.PAGE_CACHE_MAX_BYTES
    )


def canonical_url(request, ordered=frozenset()):
    """Return the absolute URL of the page asked for with its query parameters sorted and
    each given once: ``?b=2&a=1&a=1`` asks for the page ``?a=1&b=2`` does. The values of the
    ``ordered`` parameters are kept as given, in their order and repeated, for a page whose
    answer depends on both (``/compare/?model=a&model=b`` shows ``a`` first, and refuses
    ``?model=a&model=a``)."""
    lists = request.GET.lists()
    pairs = sorted(
        {(name, value) for name, values in lists if name not in ordered for value in values}
    )
    pairs += [(name, value) for name in ordered for value in request.GET.getlist(name)]
    pairs.sort(key=lambda pair: pair[0])  # stable: the ordered values keep their order
    query = f"?{urlencode(pairs)}" if pairs else ""
    return request.build_absolute_uri(request.path) + query


@contextmanager
def reading_data_version():
    """Read the data version once for the block (and yield it): ``per_data_version`` values
    computed within it cost no second query for it."""
    version = data_version()
    token = _request_version.set(version)
    try:
        yield version
    finally:
        _request_version.reset(token)


def page_etag(request, version, ordered=frozenset()):
    """Return (digest, ETag) of the page ``request`` asks for at data version ``version``: by
    its absolute, canonical URL, as an export's links name the host and scheme it was asked
    on."""
    digest = hashlib.sha256(canonical_url(request, ordered).encode()).hexdigest()[:32]
    return digest, f'"v{version}-{digest}"'


def versioned_page(view, parameters=None, ordered=()):
    """Cache a GET view's response by its canonical absolute URL (scheme, host, path and
    query: ``canonical_url``) and the data version, and answer 304 to a browser that already
    holds the page (If-None-Match).

    ``parameters`` names the query parameters the view reads (by default the view's own
    ``query_parameters()``); a request with others is answered but not cached. The cache is
    an optimisation only: the cache backend logs its failures and answers "not cached"
    (``settings.CACHES``), so a cache that is down serves every page uncached. ``ordered``
    names the parameters whose values' order and repetition matter (``canonical_url``).
    """
    parameters = frozenset(parameters) if parameters is not None else view_parameters(view)
    ordered = frozenset(ordered)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with reading_data_version() as version:
            return respond(request, version, *args, **kwargs)

    def respond(request, version, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_SECONDS:
            return view(request, *args, **kwargs)
        digest, etag = page_etag(request, version, ordered)
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
        else:
            key = f"page:{version}:{digest}"
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if storable(request, response, parameters):
                    cache.set(key, response, settings.PAGE_CACHE_SECONDS)
        response["ETag"] = etag
        patch_cache_control(response, no_cache=True)  # revalidate: a 304 costs one query
        return response

    return wrapper
