"""Who may read the analyst pages, and how: read-only always, public unless the settings ask
for a signed-in user (``DJANGO_ANALYST_LOGIN_REQUIRED=1``). Then a browser signs in (the login
page); a script or a feed reader sends an API token (``Authorization: Token <key>``, made in the
admin) and, without one, is answered 401, not sent to a login form it cannot fill."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# Longer query strings are refused in words: every facet and sort link of a list repeats the
# query, so a huge one would make a huge page. gunicorn and nginx read request lines of up to
# 8,190 bytes (evmarket/gunicorn.conf.py), so this limit is the one a visitor meets.
MAX_QUERY_STRING = 8_000


def token_user(request):
    """Return the user whose API token the request sends, or None (no token, or a bad one)."""
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def login_needed(request, machine):
    """Return the answer to a visitor who is not signed in when the pages require it: a 401
    for a script (``machine`` views — feeds, files — or a request that sent credentials), else
    the login page."""
    if machine or "HTTP_AUTHORIZATION" in request.META:
        response = HttpResponse(
            "This tracker requires a login: send an API token (Authorization: Token <key>, "
            "made in the admin) or sign in.",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = "Token"
        return response
    return redirect_to_login(request.get_full_path(), reverse("admin:login"))


def analyst_page(view, machine=False):
    """Wrap an analyst view: any method but GET and HEAD is refused (405), and when
    ``settings.ANALYST_LOGIN_REQUIRED`` is on, a visitor who is not signed in (nor sends an
    API token) is sent to the login page first, or answered 401 if ``machine`` (a feed or a
    file, read by programs) — before the page cache, so a cached page is never shown to them.

    The pages change nothing, so they need no CSRF token: a POST is answered 405 whether or
    not it carries one (the CSRF check would otherwise answer 403 first, for some clients).
    """

    @csrf_exempt
    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            return HttpResponse(
                f"The query string is longer than {MAX_QUERY_STRING:,} characters: shorten "
                "the search or the filters.",
                status=414,
                content_type="text/plain; charset=utf-8",
            )
        if settings.ANALYST_LOGIN_REQUIRED and not request.user.is_authenticated:
            user = token_user(request)
            if user is None:
                return login_needed(request, machine)
            request.user = user
        return view(request, *args, **kwargs)

    return wrapper
