"""URL configuration: the analyst pages of ``entrants`` and the Django admin."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Pakistan EV market tracker — admin"
admin.site.site_title = "EV tracker admin"
admin.site.index_title = "Enter what the news says"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("entrants.urls")),
]
