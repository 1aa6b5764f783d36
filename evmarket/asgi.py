"""ASGI entry point: production settings unless DJANGO_ENV says otherwise
(evmarket/settings.py)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evmarket.settings")
os.environ.setdefault("DJANGO_ENV", "production")

application = get_asgi_application()
