"""A pytest plugin (loaded by ``-p evmarket.testing`` in pyproject.toml) that sets what the
test suite needs before the settings are read: production settings (``manage.py`` would choose
development), a secret key (production refuses to start without one) and plain HTTP (the test
client and the live server do not speak HTTPS).

Tests that check the production behaviour turn it back on with pytest-django's ``settings``.
"""

import os

# The suite tests what is deployed: production settings, whatever the developer's shell says.
os.environ["DJANGO_ENV"] = "production"
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
