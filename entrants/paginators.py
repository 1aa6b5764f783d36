"""A paginator that never counts a whole table.

Django's ``Paginator`` counts every filtered row to number the pages; at a million rows that
count is most of a page's cost. ``BoundedPaginator`` takes the bounded count the facets read
(``facets.Total``: the count, or "more than 10,000") and reads one row past the page to know
whether a next page exists, so page 1,000 costs what page 1 costs plus the rows it skips."""

from django.core.paginator import EmptyPage, Page, Paginator


class BoundedPaginator(Paginator):
    """Pages of ``object_list`` (a django-tables2 ``BoundRows`` or a list) with ``total`` rows
    (a ``facets.Total``); past a bounded count, any page number is allowed."""

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
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
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
