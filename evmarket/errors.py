"""Error pages. A database that does not answer (down, restarting, unreachable) is a 503 with
``Retry-After`` on every page, the admin's included — wherever the failure comes from (a view,
or the session lookup before it) — never a traceback or a bare 500."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

# Connection refused or lost, the server shutting down, a statement cancelled: try again later.
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def unavailable(title, message):
    """Return the 503 page (rendered without the request: its context would ask the
    database for the user)."""
    response = HttpResponse(
        render_to_string("503.html", {"title": title, "message": message}), status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """The handler of uncaught exceptions (``handler500``): 503 when the database is
    unavailable, Django's 500 page otherwise. It runs while the exception is being handled, so
    ``sys.exc_info()`` names it."""
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        return unavailable(
            "The tracker's database is not answering",
            "Nothing could be read or saved just now. The database may be restarting: try "
            f"again in {RETRY_AFTER_SECONDS} seconds.",
        )
    return defaults.server_error(request, template_name)
