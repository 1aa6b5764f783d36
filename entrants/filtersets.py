"""One FilterSet per analyst list. Filters live in the query string, so every view is a
permalink. Amount ranges in the chosen currency are applied after conversion (see views)."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from entrants import lookups
from entrants.dates import DatePrecision
from entrants.models import (
    ClaimStatus,
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
from entrants.search import engine
from entrants.widgets import CheckboxList

# Each word of a search joins the searched tables again, and databases cap joins.
SEARCH_WORDS = 10


def at_most_words(limit):
    def validate(value):
        if len(value.split()) > limit:
            raise ValidationError(
                _("Search for at most %(limit)d words at a time."), params={"limit": limit}
            )

    return validate


class SearchFilterSet(django_filters.FilterSet):
    """Base FilterSet with a free-text ``q``, matched by the site's search
    (``entrants.search``) over the documents of ``search_kind``: the same words, the same
    forgiven misspellings as ``/search/``."""

    search_kind = None

    q = django_filters.CharFilter(
        method="search", label=_("Search"), validators=[at_most_words(SEARCH_WORDS)]
    )

    def search(self, queryset, name, value):
        query = engine.parse(value)
        if not query:
            return queryset
        return queryset.filter(pk__in=engine.matching_ids(self.search_kind, query))


class DateRangeMixin(django_filters.FilterSet):
    """``date`` (on that day), ``date_after`` and ``date_before`` (inclusive)."""

    date = django_filters.DateFilter(field_name="date", label=_("On"))
    date_after = django_filters.DateFilter(
        field_name="date",
        lookup_expr="gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_before = django_filters.DateFilter(
        field_name="date",
        lookup_expr="lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def slug_choice_filter(field_name, label, choices, distinct=False, **kwargs):
    """Return a multiple-choice filter that takes slugs (``?maker=xiaomi&maker=byd``).

    ``choices`` is one of the callables below: the list is read once per data version, so the
    form and its validation cost no query per request. ``distinct`` only where the relation
    can repeat a row (many-to-many)."""
    return django_filters.MultipleChoiceFilter(
        field_name=f"{field_name}__slug",
        choices=choices,
        label=label,
        distinct=distinct,
        widget=CheckboxList,
        **kwargs,
    )


def claim_status_filter():
    """Return the filter on a fact's claim status (``?status=reported&status=confirmed``)."""
    return django_filters.MultipleChoiceFilter(
        field_name="claim_status",
        choices=ClaimStatus.choices,
        label=_("Claim status"),
        widget=CheckboxList,
    )


def model_choices():
    return lookups.current().models


def company_choices():
    return lookups.current().companies


def maker_choices():
    return lookups.current().makers


def person_choices():
    return lookups.current().people


def publisher_choices():
    return lookups.current().publishers


def countries_in(model, field):
    """Return a callable giving the (code, name) choices of the countries ``model`` uses, so
    that a filter offers only countries that give rows."""
    return lambda: lookups.current().countries[f"{model._meta.label_lower}.{field}"]


class CaseInsensitiveFilter(django_filters.CharFilter):
    """Equal to the value whatever its case, compared as ``LOWER(field) = LOWER(value)`` so
    that an index on ``Lower(field)`` serves it (``iexact`` is a LIKE that no index serves)."""

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        return qs.alias(**{f"{self.field_name}_lower": Lower(self.field_name)}).filter(
            **{f"{self.field_name}_lower": Lower(Value(value))}
        )


class CurrencyCodeFilter(django_filters.CharFilter):
    """A currency code (``cny`` or ``CNY``), compared exactly: codes are stored in capitals.
    Anything but three letters is refused with a message, not answered with no rows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "validators",
            [
                RegexValidator(
                    r"^\s*[A-Za-z]{3}\s*$",
                    _("Enter a three-letter currency code such as CNY, USD or PKR."),
                )
            ],
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip().upper()
        return qs.filter(**{self.field_name: value}) if value else qs


class CompanyFilterSet(SearchFilterSet):
    search_kind = "company"

    kind = django_filters.MultipleChoiceFilter(choices=Company.Kind.choices, widget=CheckboxList)
    country = django_filters.MultipleChoiceFilter(
        choices=countries_in(Company, "country"), widget=CheckboxList
    )
    active_in_pakistan = django_filters.ChoiceFilter(
        choices=[("true", _("Yes")), ("false", _("No"))],
        method="activity",
        label=_("Active in Pakistan"),
        empty_label=_("Any"),
    )

    class Meta:
        model = Company
        fields = ["q", "kind", "country", "active_in_pakistan"]

    def activity(self, queryset, name, value):
        return queryset.filter(active_in_pakistan=value == "true") if value else queryset


class VehicleModelFilterSet(SearchFilterSet):
    search_kind = "model"

    maker = slug_choice_filter("maker", _("Maker"), maker_choices)
    body_type = django_filters.MultipleChoiceFilter(
        choices=VehicleModel.BodyType.choices, widget=CheckboxList
    )
    powertrain = django_filters.MultipleChoiceFilter(
        choices=VehicleModel.Powertrain.choices, widget=CheckboxList
    )
    stage = django_filters.MultipleChoiceFilter(
        field_name="stage_in_pakistan",
        choices=VehicleModel.Stage.choices,
        label=_("Stage in Pakistan"),
        widget=CheckboxList,
    )
    # Applied after conversion into the chosen currency (see views.ModelListView).
    price_min = django_filters.NumberFilter(method="no_db_filter", label=_("Price from"))
    price_max = django_filters.NumberFilter(method="no_db_filter", label=_("Price up to"))

    class Meta:
        model = VehicleModel
        fields = ["q", "maker", "body_type", "powertrain", "stage"]

    def no_db_filter(self, queryset, name, value):
        return queryset


class PartnershipFilterSet(SearchFilterSet, DateRangeMixin):
    search_kind = "partnership"

    company = django_filters.MultipleChoiceFilter(
        choices=company_choices,
        method="either_side",
        label=_("Company (either side)"),
        widget=CheckboxList,
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Partnership.Kind.choices, widget=CheckboxList
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Partnership.Status.choices, widget=CheckboxList
    )
    claim_status = django_filters.MultipleChoiceFilter(
        choices=ClaimStatus.choices, widget=CheckboxList
    )

    class Meta:
        model = Partnership
        fields = ["q", "company", "kind", "status", "claim_status"]

    def either_side(self, queryset, name, value: list[str]):
        if not value:
            return queryset
        return queryset.filter(Q(company__slug__in=value) | Q(partner__slug__in=value))


class SightingFilterSet(SearchFilterSet, DateRangeMixin):
    search_kind = "sighting"

    model = slug_choice_filter("vehicle_model", _("Model"), model_choices)
    maker = slug_choice_filter("vehicle_model__maker", _("Maker"), maker_choices)
    city = CaseInsensitiveFilter(field_name="city")
    place = django_filters.CharFilter(field_name="place", lookup_expr="icontains")
    kind = django_filters.MultipleChoiceFilter(
        choices=Sighting.Kind.choices, label=_("Sighting or import"), widget=CheckboxList
    )
    importer = slug_choice_filter("importer", _("Importer"), company_choices)
    status = claim_status_filter()

    class Meta:
        model = Sighting
        fields = ["q", "model", "maker", "kind", "importer", "city", "place", "status"]


class PricePointFilterSet(SearchFilterSet, DateRangeMixin):
    search_kind = "price"

    model = slug_choice_filter("vehicle_model", _("Model"), model_choices)
    maker = slug_choice_filter("vehicle_model__maker", _("Maker"), maker_choices)
    market = django_filters.MultipleChoiceFilter(
        choices=countries_in(PricePoint, "market"), widget=CheckboxList
    )
    # ``currency`` in the query string is the display currency; this is the price's own.
    price_currency = CurrencyCodeFilter(field_name="currency", label=_("Quoted in"))
    kind = django_filters.MultipleChoiceFilter(choices=PricePoint.Kind.choices, widget=CheckboxList)
    status = claim_status_filter()
    # Applied after conversion into the chosen currency (see views.PriceListView).
    amount_min = django_filters.NumberFilter(method="no_db_filter", label=_("Amount from"))
    amount_max = django_filters.NumberFilter(method="no_db_filter", label=_("Amount up to"))

    class Meta:
        model = PricePoint
        fields = ["q", "model", "maker", "market", "price_currency", "kind", "status"]

    def no_db_filter(self, queryset, name, value):
        return queryset


class MarketEventFilterSet(SearchFilterSet, DateRangeMixin):
    search_kind = "event"

    kind = django_filters.MultipleChoiceFilter(
        choices=MarketEvent.Kind.choices, widget=CheckboxList
    )
    company = slug_choice_filter("companies", _("Company"), company_choices, distinct=True)
    model = slug_choice_filter("vehicle_models", _("Model"), model_choices, distinct=True)
    status = claim_status_filter()
    precision = django_filters.MultipleChoiceFilter(
        field_name="date_precision",
        choices=DatePrecision.choices,
        label=_("Date known to"),
        widget=CheckboxList,
    )

    class Meta:
        model = MarketEvent
        fields = ["q", "kind", "company", "model", "status", "precision"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).distinct()


class NewsItemFilterSet(SearchFilterSet, DateRangeMixin):
    search_kind = "news"

    publisher = slug_choice_filter("publisher", _("Publisher"), publisher_choices)
    company = slug_choice_filter("companies", _("Mentions company"), company_choices, distinct=True)

    class Meta:
        model = NewsItem
        fields = ["q", "publisher", "company"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).distinct()


class ExchangeRateFilterSet(DateRangeMixin):
    base = CurrencyCodeFilter(field_name="base")
    quote = CurrencyCodeFilter(field_name="quote")
    source = django_filters.MultipleChoiceFilter(
        choices=ExchangeRate.Source.choices, widget=CheckboxList
    )

    class Meta:
        model = ExchangeRate
        fields = ["base", "quote", "source"]


class PersonFilterSet(SearchFilterSet):
    search_kind = "person"

    company = slug_choice_filter("organisation", _("Organisation"), company_choices)

    class Meta:
        model = Person
        fields = ["q", "company"]


class StatementFilterSet(SearchFilterSet, DateRangeMixin):
    search_kind = "statement"

    person = slug_choice_filter("person", _("Person"), person_choices)
    company = django_filters.MultipleChoiceFilter(
        choices=company_choices,
        method="about_company",
        label=_("Company (theirs, or named)"),
        widget=CheckboxList,
    )
    kind = django_filters.MultipleChoiceFilter(choices=Statement.Kind.choices, widget=CheckboxList)
    status = claim_status_filter()

    class Meta:
        model = Statement
        fields = ["q", "person", "company", "kind", "status"]

    def about_company(self, queryset, name, value: list[str]):
        """The statements of the company's people and those naming the company."""
        if not value:
            return queryset
        named = Statement.companies.through.objects.filter(company__slug__in=value)
        return queryset.filter(
            Q(person__organisation__slug__in=value) | Q(pk__in=named.values("statement_id"))
        )
