"""Throttling of the API, per client: an anonymous client by its address — the one
``evmarket.proxy.client_ip`` gives, so that behind a proxy each client has its own allowance
and a forged X-Forwarded-For buys none — and a signed-in one by its user. Over the rate, a
request is answered 429 with ``Retry-After``. The counts live in the default cache: a cache that
is down throttles nobody (the API keeps answering)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from evmarket.proxy import client_ip


class CurrentRates:
    """Read the rate from the settings at each request (DRF reads them once, at import)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonymousClientThrottle(CurrentRates, AnonRateThrottle):
    """``anon`` rate (``DJANGO_API_ANON_RATE``) for clients that are not signed in."""

    def get_ident(self, request):
        return client_ip(request)


class SignedInClientThrottle(CurrentRates, UserRateThrottle):
    """``user`` rate (``DJANGO_API_USER_RATE``) for signed-in clients (session or token)."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # the anonymous throttle counts them
        return super().get_cache_key(request, view)
