"""/download/: the page that says what the dataset files hold, and the two files themselves
(built by ``entrants.downloads``, served from disk)."""

import logging

from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from entrants import downloads

logger = logging.getLogger(__name__)


def unavailable(error):
    """Return the 503 of a build that failed (a full disk, a directory the server cannot
    write): the pages still answer, and the log says why."""
    logger.error("The downloads could not be built: %s", error)
    response = HttpResponse(
        "The download files cannot be built just now; try again later.",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "300"
    return response


def download_page(request):
    """Show what the files hold (tables, row counts, sizes), their data version and terms."""
    try:
        build = downloads.current()
    except OSError as error:
        return unavailable(error)
    files = [
        (download, build.sizes[download.key]) for download in (downloads.SQLITE, downloads.CSV_ZIP)
    ]
    described = downloads.descriptions()
    tables = [
        (table["name"], table["rows"], described.get(table["name"])) for table in build.tables
    ]
    return render(
        request,
        "entrants/download.html",
        {"build": build, "files": files, "tables": tables},
    )


def download_file(download):
    """Return the view that sends ``download`` (a ``downloads.Download``) as an attachment."""

    def view(request):
        try:
            _build, handle = downloads.open_download(download)
        except OSError as error:
            return unavailable(error)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=download.filename,
            content_type=download.content_type,
        )

    view.__name__ = f"download_{download.key}"
    view.__doc__ = f"Send {download.filename} of the current data version."
    return view


sqlite_file = download_file(downloads.SQLITE)
csv_zip = download_file(downloads.CSV_ZIP)
