"""Who may read the API: anyone, as the analyst pages, unless they require a signed-in user
(``settings.ANALYST_LOGIN_REQUIRED``); then a session (signed in to the site) or a token (made
in the admin, sent as ``Authorization: Token <key>``)."""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission


class AnalystAccess(BasePermission):
    """Read-only; public unless the analyst pages require a login."""

    message = "The tracker requires a login: send a token (Authorization: Token <key>) or sign in."

    def has_permission(self, request, view):
        if request.method not in SAFE_METHODS:
            # Refused: 405 from the viewset, which has no handler for it (read-only), or 403.
            return not hasattr(view, request.method.lower())
        return not settings.ANALYST_LOGIN_REQUIRED or bool(
            request.user and request.user.is_authenticated
        )
