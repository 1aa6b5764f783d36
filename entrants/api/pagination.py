"""Cursor pagination: each page is found by the position of the last row of the one before
(an opaque ``cursor``), not by counting rows, so page 1,000 costs what page 1 does and a row
added meanwhile neither repeats nor skips one. ``next`` and ``previous`` are full URLs."""

from rest_framework.pagination import CursorPagination


class TrackerCursorPagination(CursorPagination):
    """50 rows a page (``page_size`` up to 500), in the view's ordering with the primary key as
    the tie-breaker, so that rows of equal value keep one order from page to page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"

    def get_ordering(self, request, queryset, view):
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(name.lstrip("-") in ("pk", "id") for name in ordering):
            ordering += ("-pk" if ordering[0].startswith("-") else "pk",)
        return ordering
