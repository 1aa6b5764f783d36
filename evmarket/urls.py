"""URL configuration: the analyst pages of ``entrants`` and the Django admin."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Pakistan EV market tracker — admin"
admin.site.site_title = "EV tracker admin"
admin.site.index_title = "Enter what the news says"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name none (the admin's).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("", include("entrants.urls")),
]
