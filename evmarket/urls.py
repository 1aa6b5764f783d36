"""URL configuration: the analyst pages of ``entrants`` and the Django admin."""

from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

admin.site.site_header = "Pakistan EV market tracker — admin"
admin.site.site_title = "EV tracker admin"
admin.site.index_title = "Enter what the news says"


def favicon(request):
    """Answer browsers that ask for /favicon.ico on pages that name none (the admin's). The
    hashed name is looked up per request: at import time the manifest may not exist yet."""
    return redirect(static("favicon.svg"), permanent=True)


handler500 = "evmarket.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("api/", include("entrants.api.urls")),
    path("", include("entrants.urls")),
]
