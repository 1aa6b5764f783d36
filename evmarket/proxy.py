"""The client's address behind reverse proxies, for login throttling (django-axes) and logs.

Each proxy appends the address it received the request from to ``X-Forwarded-For``; whatever
came before was written by the client and proves nothing. So behind ``N`` proxies
(``DJANGO_PROXY_COUNT``, 1 behind the nginx of docs/operations.md) the client is the Nth
address from the end — the one the outermost proxy wrote. django-ipware counts differently (it
expects the proxies' own addresses in the header and reads a lone entry as no address at all),
which is why the tracker reads the header itself.
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def client_ip(request):
    """Return the address of the client that sent ``request``.

    With no proxy configured, or a request that did not pass through all of them (one made
    straight to the application server, which listens on loopback), it is ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Written by a proxy we trust, so a misconfiguration rather than an attack.
        logger.warning("X-Forwarded-For entry %r is not an address; using REMOTE_ADDR", candidate)
        return remote
