"""A paginator that never counts a whole table, and reads a deep page as cheaply as the first.

Django's ``Paginator`` counts every filtered row to number the pages; at a million rows that
count is most of a page's cost. ``BoundedPaginator`` takes the bounded count the facets read
(``facets.Total``: the count, or "more than 10,000") and reads one row past the page to know
whether a next page exists.

A page of a QuerySet is read as ``WHERE pk IN (the page's keys)``: the subquery skips the rows
before the page in the index of the filter and sort alone, and only the page's rows are joined
and prefetched. A plain ``LIMIT 26 OFFSET 24975`` joins every row it skips: page 1,000 of the
Karachi sightings at size M took 0.67 s against 0.26 s for page 1 (SQLite, cold, under load);
read by its keys it costs what page 1 does."""

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet


class BoundedPaginator(Paginator):
    """Pages of ``object_list`` (an ordered QuerySet, or a list) with ``total`` rows (a
    ``facets.Total``); past a bounded count, any page number is allowed."""

    def __init__(self, object_list, per_page, total, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.total = total

    @property
    def count(self):
        return self.total.count

    @property
    def num_pages(self):
        """The last page's number, or None when the count was cut short."""
        if self.total.more:
            return None
        return max(1, -(-self.total.count // self.per_page))

    def validate_number(self, number):
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        if self.num_pages is not None and number > self.num_pages:
            raise EmptyPage("That page contains no results")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if isinstance(rows, QuerySet):
            keys = rows.values("pk")[bottom : bottom + self.per_page + 1]
            rows = rows.filter(pk__in=keys)
            bottom = 0
        rows = list(rows[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return BoundedPage(rows[: self.per_page], number, self, len(rows) > self.per_page)

    @property
    def page_range(self):
        return range(1, (self.num_pages or 0) + 1)


class BoundedPage(Page):
    """A page that knows whether a next page exists from the row read past it."""

    def __init__(self, object_list, number, paginator, more):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more

    @property
    def total(self):
        """The list's bounded row count (``facets.Total``)."""
        return self.paginator.total

    def end_index(self):
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)
