"""The models the admin site registers, read through its public API."""

from django.apps import apps
from django.contrib import admin


def registered_models():
    """Return every model registered with the admin site, in the apps' order."""
    return [model for model in apps.get_models() if admin.site.is_registered(model)]
