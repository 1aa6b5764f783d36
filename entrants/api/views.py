"""The endpoints: one read-only viewset per kind, filtered by the FilterSets of the HTML lists
(``entrants.filtersets``), ordered by ``ordering``, paged by cursor, cached by data version.

A query parameter the endpoint does not read is refused (400, naming the ones it reads), not
ignored: a misspelt filter would otherwise answer every row. Amount ranges in a converted
currency (``amount_min``, ``price_min``…) are the HTML lists' only filters the API lacks: they
filter after converting every row in Python, which a cursor page cannot do."""

import re

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Coalesce, Concat, LPad
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import APIException, ValidationError

from entrants import filtersets, lookups
from entrants.access import MAX_QUERY_STRING
from entrants.api import serializers
from entrants.api.caching import VersionedResponses
from entrants.models import (
    Company,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    PricePoint,
    Sighting,
    Statement,
    VehicleModel,
)
from entrants.params import CURRENCY_DEFAULTS, DISPLAY_CURRENCIES, CurrencyForm, Params

# Parameters every list reads besides its filters: DRF's format suffix, the cursor pagination's.
COMMON_PARAMETERS = frozenset({"format", "cursor", "page_size", "ordering"})


def sort_date():
    """Return the ``sort_date`` ordering key: the date ("YYYY-MM-DD", an undated row as
    "0001-01-01": the oldest, so last when newest come first) followed by the row's key,
    zero-padded. Unique, so the cursor never meets two rows of one position (see
    ``entrants.api.pagination``); every part has a fixed width, so it sorts as the date, then
    the key, whatever the database's collation."""
    return Concat(
        Coalesce(Cast("date", CharField()), Value("0001-01-01")),
        LPad(Cast("pk", CharField()), 12, Value("0")),
        output_field=CharField(),
    )


class QueryTooLong(APIException):
    status_code = 414
    default_detail = (
        f"The query string is longer than {MAX_QUERY_STRING:,} characters: shorten the search "
        "or the filters."
    )
    default_code = "query_too_long"


class TrackerViewSet(VersionedResponses, viewsets.ReadOnlyModelViewSet):
    """A read-only kind: list and detail, its HTML list's filters, ``ordering`` among
    ``ordering_fields`` (the primary key breaks ties), cursor pages."""

    extra_parameters = frozenset()
    # Any key up to the next slash: one that names no record is a JSON 404 from the viewset,
    # not the site's HTML one.
    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            raise QueryTooLong()
        known = self.known_parameters()
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {
                    name: [
                        f"“{name[:60]}” is not a parameter of this endpoint. It reads: "
                        f"{', '.join(sorted(known))}."
                    ]
                    for name in unknown[:10]
                }
            )

        self.check_ordering(request)

    def check_ordering(self, request):
        """Refuse an ``ordering`` by a field the endpoint does not sort by (DRF's
        OrderingFilter would drop it silently)."""
        terms = [term.strip() for term in request.query_params.get("ordering", "").split(",")]
        wrong = [term for term in terms if term and term.lstrip("-") not in self.ordering_fields]
        if wrong:
            raise ValidationError(
                {
                    "ordering": [
                        f"“{wrong[0][:60]}” is not a field this list is ordered by. Fields: "
                        f"{', '.join(self.ordering_fields)} (with - for descending)."
                    ]
                }
            )

    def known_parameters(self):
        if self.action == "list":
            filters = self.filterset_class.base_filters if self.filterset_class else {}
            return COMMON_PARAMETERS | set(filters) | self.extra_parameters
        return {"format"} | self.extra_parameters


class FactViewSet(TrackerViewSet):
    """A kind of fact: by UUID, newest entered first unless ``ordering`` says otherwise;
    ``sort_date`` orders by the fact's date, undated facts as the oldest."""

    lookup_field = "uuid"
    ordering_fields = ["sort_date"]

    def get_queryset(self):
        return self.model.objects.for_list().annotate(sort_date=sort_date())


class VehicleModelFilterSet(filtersets.VehicleModelFilterSet):
    price_min = price_max = None  # filters after conversion: not offered (see module doc)


class PricePointFilterSet(filtersets.PricePointFilterSet):
    amount_min = amount_max = None  # filters after conversion: not offered (see module doc)


class CompanyViewSet(TrackerViewSet):
    """Companies: carmakers, assemblers, partners, importers, publishers…"""

    queryset = Company.objects.for_list()
    serializer_class = serializers.CompanySerializer
    filterset_class = filtersets.CompanyFilterSet
    lookup_field = "slug"
    ordering_fields = ["name"]


class VehicleModelViewSet(TrackerViewSet):
    """Vehicle models with their makers and stage in Pakistan."""

    queryset = VehicleModel.objects.select_related("maker").prefetch_related("aliases")
    serializer_class = serializers.VehicleModelSerializer
    filterset_class = VehicleModelFilterSet
    lookup_field = "slug"
    ordering_fields = ["name"]


class PersonViewSet(TrackerViewSet):
    """People quoted in the news."""

    queryset = Person.objects.select_related("organisation")
    serializer_class = serializers.PersonSerializer
    filterset_class = filtersets.PersonFilterSet
    lookup_field = "slug"
    ordering_fields = ["name"]


class NewsItemViewSet(TrackerViewSet):
    """News items as entered, with what they mention; the detail carries the text."""

    serializer_class = serializers.NewsItemSerializer
    filterset_class = filtersets.NewsItemFilterSet
    lookup_field = "slug"
    ordering_fields = ["sort_date"]

    def get_queryset(self):
        return (
            NewsItem.objects.select_related("publisher")
            .prefetch_related("companies", "vehicle_models__maker", "people")
            .annotate(sort_date=sort_date())
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.NewsItemDetailSerializer
        return self.serializer_class


class PartnershipViewSet(FactViewSet):
    """Partnerships between companies (either side), with their models."""

    model = Partnership
    serializer_class = serializers.PartnershipSerializer
    filterset_class = filtersets.PartnershipFilterSet


class SightingViewSet(FactViewSet):
    """Sightings of models (seen in Pakistan) and imports (units brought in)."""

    model = Sighting
    serializer_class = serializers.SightingSerializer
    filterset_class = filtersets.SightingFilterSet


CURRENCY_PARAMETERS = [
    OpenApiParameter(
        "currency",
        OpenApiTypes.STR,
        enum=list(DISPLAY_CURRENCIES),
        description="The currency to convert into (PKR unless given).",
    ),
    OpenApiParameter(
        "at",
        OpenApiTypes.STR,
        description="The rates of each price's own date (price-date, the default), the "
        "latest rates (latest) or a day's (YYYY-MM-DD).",
    ),
    OpenApiParameter(
        "rates",
        OpenApiTypes.STR,
        enum=["", *ExchangeRate.Source.values],
        description="A rate source to use wherever it has a rate (each pair's usual order "
        "unless given).",
    ),
]


@extend_schema_view(
    list=extend_schema(parameters=CURRENCY_PARAMETERS),
    retrieve=extend_schema(parameters=CURRENCY_PARAMETERS),
)
class PricePointViewSet(FactViewSet):
    """Prices as quoted, each converted with the rates it used, and the conversions their
    sources stated, checked."""

    model = PricePoint
    serializer_class = serializers.PricePointSerializer
    filterset_class = PricePointFilterSet
    extra_parameters = frozenset({"currency", "at", "rates"})

    def get_serializer_context(self):
        context = super().get_serializer_context()
        form = CurrencyForm(self.request.query_params if self.request is not None else {})
        if not form.is_valid():
            # The pages' messages end by saying what they show instead ("…, so prices are
            # shown in PKR"); the API shows nothing instead: it refuses.
            raise ValidationError(
                {
                    name: [re.sub(r"(, so |; prices are )[^.]*\.", ".", m) for m in messages]
                    for name, messages in form.errors.items()
                }
            )
        params = Params(**{**CURRENCY_DEFAULTS, **form.cleaned_data})
        return {**context, "params": params, "rates": lookups.rate_table(params.rates)}


class MarketEventViewSet(FactViewSet):
    """Launches, market entries, assembly starts, meetings, policy and more."""

    model = MarketEvent
    serializer_class = serializers.MarketEventSerializer
    filterset_class = filtersets.MarketEventFilterSet


class StatementViewSet(FactViewSet):
    """What people said, attributed and dated."""

    model = Statement
    serializer_class = serializers.StatementSerializer
    filterset_class = filtersets.StatementFilterSet


class ExchangeRateViewSet(TrackerViewSet):
    """Exchange rates as reported, each with its source, by id."""

    queryset = ExchangeRate.objects.all()
    serializer_class = serializers.ExchangeRateSerializer
    filterset_class = filtersets.ExchangeRateFilterSet
    ordering_fields = ["date"]
