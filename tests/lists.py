"""The analyst lists, read off the URL configuration: every path served by a ``ListPage``, so
that a test going through every list also goes through the next one added."""

from entrants import urls
from entrants.views import ListPage

LISTS = [
    str(pattern.pattern).strip("/")
    for pattern in urls.urlpatterns
    if issubclass(getattr(pattern.callback, "view_class", object), ListPage)
]
