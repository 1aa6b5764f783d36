"""/download/: the page that says what the dataset files hold, and the two files themselves
(built by ``entrants.downloads``, served from disk).

Their ETag names the data version of the build they describe, not the current data version
(``versioned_page``'s): while another process builds the current version, they serve the newest
complete build, an older one, and a client holding it is answered 304 until the newer is built.
"""

import logging

from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control

from entrants import downloads
from entrants.cache import page_etag

logger = logging.getLogger(__name__)


def unavailable(error):
    """Return the 503 of files that cannot be served: a build that failed (a full disk, a
    directory the server cannot write: the log says why), or the first build under way in
    another process. The pages still answer."""
    if isinstance(error, downloads.BuildUnderWay):
        logger.info("The downloads are not built yet: %s", error)
        message = "The download files are being built; try again in a minute."
    else:
        logger.error("The downloads could not be built: %s", error)
        message = "The download files cannot be built just now; try again later."
    response = HttpResponse(
        message,
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(error.retry_after)
    return response


def site_url(request):
    """Return the absolute address of /download/ as ``request`` reached it: where the files
    come from, if no public address is configured (``downloads.source_url``)."""
    return request.build_absolute_uri(reverse("entrants:download"))


def build_etag(request, build, says_superseded=False):
    """Return the ETag of what ``build`` answers ``request`` with: by its own data version
    (and, for the page, whether it says a newer one is being built)."""
    _digest, etag = page_etag(request, build.version)
    return etag[:-1] + '-superseded"' if says_superseded else etag


def revalidated(response, etag):
    """Give ``response`` its ETag, to be revalidated each time (a 304 costs one query and a
    small file read)."""
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response


def download_page(request):
    """Show what the files hold (tables, row counts, sizes), their data version and terms."""
    try:
        build = downloads.current(site_url=site_url(request))
    except downloads.Unavailable as error:
        return unavailable(error)

    etag = build_etag(request, build, says_superseded=build.superseded)
    response = get_conditional_response(request, etag=etag)  # a 304 if the client holds it
    if response is None:
        described = downloads.descriptions()
        response = render(
            request,
            "entrants/download.html",
            {
                "build": build,
                "files": [(d, build.sizes[d.key]) for d in downloads.DOWNLOADS.values()],
                "tables": [
                    (table["name"], table["rows"], described.get(table["name"]))
                    for table in build.tables
                ],
            },
        )
    return revalidated(response, etag)


def download_file(download):
    """Return the view that sends ``download`` (a ``downloads.Download``) as an attachment."""

    def view(request):
        try:
            build, handle = downloads.open_download(download, site_url=site_url(request))
        except downloads.Unavailable as error:
            return unavailable(error)
        etag = build_etag(request, build)
        response = get_conditional_response(request, etag=etag)  # a 304 if the client holds it
        if response is None:
            response = FileResponse(
                handle,
                as_attachment=True,
                filename=download.filename,
                content_type=download.content_type,
            )
        else:
            handle.close()
        return revalidated(response, etag)

    view.__name__ = f"download_{download.key}"
    view.__doc__ = f"Send {download.filename} of the current data version."
    return view


sqlite_file = download_file(downloads.SQLITE)
csv_zip = download_file(downloads.CSV_ZIP)
