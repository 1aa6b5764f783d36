"""Search results with the best matches first: typing "Xiaomi" lists Xiaomi, then Xiaomi Auto,
then everything else that mentions it, not "Air Link Communication" first because it sorts
first and its description mentions Xiaomi.

How the admin orders search results (Django 5.2): the changelist applies its ordering (the
admin's, or the column the user clicked, ``?o=``) *before* it calls ``get_search_results``,
and does not order again afterwards; the autocomplete view calls ``get_search_results`` on
``get_queryset()`` and keeps the order it gets back. So ranking in ``get_search_results``
serves both, and on the changelist it is skipped when the user chose a column to sort by:
their choice wins.
"""

from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

RANK = "search_rank"


class BestMatchFirst:
    """A ModelAdmin mixin that orders search results by how well they match the search term:
    an exact match (case-insensitive) of one of ``ranked_by`` first, then a field starting
    with the term, then one with a word starting with it, then the rest; within each, a match
    of an earlier field of ``ranked_by`` first; ties in the admin's usual order.

    ``ranked_by`` names fields or paths ("maker__name", "aliases__name"); a path through a
    many-valued relation is matched in a subquery, so that no row is listed twice.
    """

    ranked_by = ("name",)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # No NUL byte: PostgreSQL refuses one in a query (see ReadableFiltersMixin).
        term = search_term.replace("\x00", "").strip()
        if not term or request.GET.get(ORDER_VAR):
            return queryset, may_have_duplicates
        ordering = [*(self.get_ordering(request) or self.model._meta.ordering), "pk"]
        return self.ranked(queryset, term).order_by(RANK, *ordering), may_have_duplicates

    def ranked(self, queryset, term):
        """Return ``queryset`` annotated with the rank of each row for ``term`` (0 best)."""
        # Within a level, the first of ``ranked_by`` counts most: for "mg", the model MG4
        # (a name starting with it) before the HS of MG Motor (a maker starting with it).
        levels = [
            self.matching(path, lookup, pattern)
            for lookup, pattern in (
                ("iexact", term),
                ("istartswith", term),
                ("icontains", f" {term}"),
            )
            for path in self.ranked_by
        ]
        whens = [When(condition, then=Value(rank)) for rank, condition in enumerate(levels)]
        rank = Case(*whens, default=Value(len(levels)), output_field=IntegerField())
        return queryset.annotate(**{RANK: rank})

    def matching(self, path, lookup, term):
        """Return the condition that ``path`` matches ``term`` by ``lookup``: a plain lookup
        along single-valued relations, a subquery through a many-valued one."""
        condition = Q(**{f"{path}__{lookup}": term})
        if not self.many_valued(path):
            return condition
        rows = self.model._meta.default_manager.filter(condition, pk=OuterRef("pk"))
        return Q(Exists(rows))

    def many_valued(self, path):
        """Return whether ``path`` passes through a relation to many rows."""
        opts = self.model._meta
        for name in path.split("__")[:-1]:
            field = opts.get_field(name)
            if field.many_to_many or field.one_to_many:
                return True
            opts = field.related_model._meta
        return False
