"""API responses cached by the data version, as the analyst pages are (``entrants.cache``):
an ETag per canonical URL and data version, 304 to a client that holds it, and the response's
data kept in the page cache until the next write. The check runs after authentication,
permission and throttling (DRF's ``initial``), so a cached answer is never given to a client
the API would refuse, and a 304 still counts towards the client's rate."""

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control
from rest_framework import status
from rest_framework.response import Response

from entrants.cache import page_etag, reading_data_version


def stored(key):
    """Return the callback that keeps a rendered answer's data under ``key``, unless it is
    larger than ``PAGE_CACHE_MAX_BYTES`` (as the pages: a 500-row page with its conversions
    could otherwise crowd the cache)."""

    def store(response):
        if len(response.content) <= settings.PAGE_CACHE_MAX_BYTES:
            cache.set(key, response.data, settings.PAGE_CACHE_SECONDS)

    return store


class VersionedResponses:
    """A viewset mixin: ``list`` and ``retrieve`` answered from the cache of their data
    version. Only 200 answers are stored (``initial`` has refused unknown parameters), once
    rendered and if not too large (``stored``)."""

    def list(self, request, *args, **kwargs):
        return self.versioned(super().list, request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self.versioned(super().retrieve, request, *args, **kwargs)

    def versioned(self, handler, request, *args, **kwargs):
        with reading_data_version() as version:
            digest, etag = page_etag(request, version)
            if etag in request.headers.get("If-None-Match", ""):
                response = Response(status=status.HTTP_304_NOT_MODIFIED)
            else:
                key = f"api:{version}:{digest}"
                data = cache.get(key) if settings.PAGE_CACHE_SECONDS else None
                if data is not None:
                    response = Response(data)
                else:
                    response = handler(request, *args, **kwargs)
                    if settings.PAGE_CACHE_SECONDS and response.status_code == status.HTTP_200_OK:
                        response.add_post_render_callback(stored(key))
        response["ETag"] = etag
        patch_cache_control(response, no_cache=True)
        return response
