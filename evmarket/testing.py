"""A pytest plugin (loaded by ``-p evmarket.testing`` in pyproject.toml) that sets what the
test suite needs before the settings are read: production settings (``manage.py`` would choose
development), a secret key (production refuses to start without one) and plain HTTP (the test
client and the live server do not speak HTTPS).

Tests that check the production behaviour turn it back on with pytest-django's ``settings``.

Under pytest-xdist (``make test`` runs one worker per core) each worker gets a test database
of its own from pytest-django; this plugin gives each its own Redis database too, so that one
worker's ``cache.clear()`` does not empty another's cache mid-test.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def own_redis_database(url, worker):
    """Return ``url`` pointing at the Redis database of xdist ``worker`` (``gw0``, ``gw1``…):
    ``gw0`` takes the database after the one ``url`` names, ``gw1`` the next, and so on."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    database = int(path.strip("/") or 0) + 1 + int(worker.removeprefix("gw"))
    return urlunsplit((scheme, netloc, f"/{database}", query, fragment))


# The suite tests what is deployed: production settings, whatever the developer's shell says.
os.environ["DJANGO_ENV"] = "production"
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = own_redis_database(os.environ["REDIS_URL"], WORKER)
