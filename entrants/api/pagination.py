"""Cursor pagination: each page is found by the position of the last row of the one before
(an opaque ``cursor``), not by counting rows, so page 1,000 costs what page 1 does and a row
added meanwhile neither repeats nor skips one. ``next`` and ``previous`` are full URLs.

DRF's cursor keeps the position of the first ordering field only and steps over rows of equal
value with an offset, which it caps at 1,000: past that many equal values it would page in a
circle. So every ordering offered starts with a field that is unique or as good as
(``pk``; ``sort_date``, the fact's date followed by its key: ``views.sort_date``) — or one
whose ties are few (a name, a rate's date). A cursor or page size the API cannot use is
refused (400), never answered with a server error or a silently different page."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class TrackerCursorPagination(CursorPagination):
    """10 rows a page unless ``page_size`` asks for 1 to 500 (small, as Stripe's: a person
    reading it sees the shape, a script asks for more), in the view's ordering with the primary
    key as the tie-breaker, so that rows of equal value keep one order from page to page."""

    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"
    invalid_cursor_message = (
        "This cursor is not one the API gave for this list and ordering: start again from the "
        "list's first page and follow its next and previous links."
    )

    def get_ordering(self, request, queryset, view):
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(name.lstrip("-") in ("pk", "id") for name in ordering):
            ordering += ("-pk" if ordering[0].startswith("-") else "pk",)
        return ordering

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isdecimal() and 0 < int(value) <= self.max_page_size):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"“{value[:20]}” is not a page size: give a whole number from 1 to "
                        f"{self.max_page_size}."
                    ]
                }
            )
        return int(value)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise self.invalid_cursor() from None

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DjangoValidationError):
            # A position that does not fit the ordering's field (a cursor of another
            # ordering, or one made by hand).
            raise self.invalid_cursor() from None

    def invalid_cursor(self):
        return ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
