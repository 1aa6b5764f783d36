"""WSGI entry point, used by gunicorn and other WSGI servers: production settings unless
DJANGO_ENV says otherwise (evmarket/settings.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evmarket.settings")
os.environ.setdefault("DJANGO_ENV", "production")

application = get_wsgi_application()
