"""The admin: where editors turn a news article into facts.

The news item's page holds inlines for every kind of fact it is the source for, so one article
is entered in one place. Every changelist has search, filters and a date hierarchy, and selects
its related rows up front so that its query count does not grow with the rows shown.
"""

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from entrants.admin.imports import AllOrNothingImportMixin
from entrants.admin.places import NotInGazetteerFilter, SightingForm
from entrants.admin.ranking import BestMatchFirst
from entrants.admin.tracked import ReadableFiltersMixin, TrackedAdmin, missing_record
from entrants.forms import ConcurrencyCheckedForm, ConcurrencyCheckedInlineFormSet
from entrants.models import (
    Company,
    CompanyAlias,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    PricePoint,
    Sighting,
    StatedConversion,
    Statement,
    VehicleModel,
    VehicleModelAlias,
)
from entrants.newsdesk import apply as accepting
from entrants.newsdesk.conversions import PriceWithConversionsForm
from entrants.newsdesk.duplicates import DuplicateWarningForm
from entrants.newsdesk.forms import build_forms
from entrants.newsdesk.mentions import fill_mentions
from entrants.resources import ExchangeRateResource, PricePointResource

# What accepting suggestions may create (entrants.newsdesk.apply.apply).
SUGGESTIONS_CREATE = (Company, VehicleModel, PricePoint, Sighting, MarketEvent)


@admin.display(description=_("date"), ordering="date")
def date_display(obj):
    """Show a date only as precisely as it is known: "March 2024"."""
    return obj.date_display


# --- Inlines ----------------------------------------------------------------------------------


class FactInline(admin.StackedInline):
    """Base inline for facts entered on their source news item's page."""

    form = ConcurrencyCheckedForm
    formset = ConcurrencyCheckedInlineFormSet
    fk_name = "source"
    extra = 0
    show_change_link = True
    autocomplete_fields = ["other_sources"]


class SightingInline(FactInline):
    model = Sighting
    form = SightingForm
    autocomplete_fields = [
        "vehicle_model",
        "importer",
        "reported_by",
        "location",
        *FactInline.autocomplete_fields,
    ]
    fields = [
        ("vehicle_model", "kind", "claim_status"),
        ("quantity", "importer"),
        ("place", "city", "location"),
        ("date", "date_precision"),
        "reported_by",
        "other_sources",
        "notes",
        "save_duplicate",
        "edit_token",
    ]


class PricePointInline(FactInline):
    """A price with the conversions its article states, entered in one line beside it."""

    model = PricePoint
    form = PriceWithConversionsForm
    autocomplete_fields = ["vehicle_model", *FactInline.autocomplete_fields]
    fields = [
        ("vehicle_model", "claim_status"),
        ("amount", "currency", "market", "kind"),
        "stated",
        ("date", "date_precision"),
        "other_sources",
        "notes",
        "save_duplicate",
        "edit_token",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stated_conversions")


class PartnershipInline(FactInline):
    model = Partnership
    autocomplete_fields = [
        "company",
        "partner",
        "vehicle_models",
        *FactInline.autocomplete_fields,
    ]
    fields = [
        ("company", "partner"),
        ("kind", "status", "claim_status"),
        "scope",
        ("date", "date_precision"),
        ("ended_on", "ended_on_precision"),
        "vehicle_models",
        "other_sources",
        "notes",
        "edit_token",
    ]


class MarketEventInline(FactInline):
    model = MarketEvent
    autocomplete_fields = [
        "companies",
        "vehicle_models",
        "people",
        *FactInline.autocomplete_fields,
    ]
    fields = [
        ("kind", "claim_status"),
        "title",
        ("date", "date_precision"),
        ("place", "city", "country"),
        "companies",
        "vehicle_models",
        "people",
        "description",
        "other_sources",
        "notes",
        "edit_token",
    ]


class StatementInline(FactInline):
    model = Statement
    autocomplete_fields = [
        "person",
        "event",
        "companies",
        "vehicle_models",
        *FactInline.autocomplete_fields,
    ]
    fields = [
        ("person", "kind", "claim_status"),
        "text",
        "context",
        ("date", "date_precision"),
        "event",
        "companies",
        "vehicle_models",
        "other_sources",
        "notes",
        "edit_token",
    ]


class StatedConversionInline(admin.TabularInline):
    model = StatedConversion
    form = ConcurrencyCheckedForm
    formset = ConcurrencyCheckedInlineFormSet
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["amount", "currency", "is_approximate", "source", "edit_token"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            # A conversion is usually stated by the same article as the price.
            formset.form.base_fields["source"].initial = obj.source_id
        return formset


class CompanyAliasInline(admin.TabularInline):
    model = CompanyAlias
    form = ConcurrencyCheckedForm
    formset = ConcurrencyCheckedInlineFormSet
    extra = 1


class VehicleModelAliasInline(admin.TabularInline):
    model = VehicleModelAlias
    form = ConcurrencyCheckedForm
    formset = ConcurrencyCheckedInlineFormSet
    extra = 1


# --- Model admins -----------------------------------------------------------------------------


@admin.register(NewsItem)
class NewsItemAdmin(TrackedAdmin):
    list_display = ["headline", "publisher", date_display, "has_url", "fact_count"]
    list_select_related = ["publisher"]
    list_filter = ["publisher", "date_precision"]
    search_fields = ["headline", "summary", "body", "url", "publisher__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["publisher", "based_on", "companies", "vehicle_models", "people"]
    prepopulated_fields = {"slug": ["headline"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "publisher",
                    "headline",
                    "url",
                    ("date", "date_precision"),
                    "author",
                    "slug",
                    "edit_token",
                ]
            },
        ),
        (_("Text"), {"fields": ["summary", "body", "based_on"]}),
        (_("What it mentions"), {"fields": ["companies", "vehicle_models", "people"]}),
    ]
    inlines = [
        SightingInline,
        PricePointInline,
        PartnershipInline,
        MarketEventInline,
        StatementInline,
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                sighting_count=Count("sightings", distinct=True),
                price_count=Count("pricepoints", distinct=True),
                partnership_count=Count("partnerships", distinct=True),
                event_count=Count("marketevents", distinct=True),
                statement_count=Count("statements", distinct=True),
            )
            .order_by(F("date").desc(nulls_last=True), "headline", "pk")
        )

    def get_urls(self):
        suggest = path(
            "<path:object_id>/suggest/",
            self.admin_site.admin_view(self.suggest_view),
            name="entrants_newsitem_suggest",
        )
        return [suggest, *super().get_urls()]

    def save_related(self, request, form, formsets, change):
        """Save the facts, then link the news item to what they name (``fill_mentions``)."""
        super().save_related(request, form, formsets, change)
        fill_mentions(form.instance)

    def response_add(self, request, obj, post_url_continue=None):
        if "_suggest" in request.POST:
            return redirect("admin:entrants_newsitem_suggest", obj.pk)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_suggest" in request.POST:
            return redirect("admin:entrants_newsitem_suggest", obj.pk)
        return super().response_change(request, obj)

    def suggest_view(self, request, object_id):
        """Show what the article mentions; create the links and drafts the editor accepts."""
        news_item = self.get_object(request, object_id)
        if news_item is None:
            return missing_record(request, self, object_id)
        if not self.has_change_permission(request, news_item):
            raise PermissionDenied
        if request.method == "POST" and not all(
            self.admin_site.get_model_admin(model).has_add_permission(request)
            for model in SUGGESTIONS_CREATE
        ):
            raise PermissionDenied  # accepting may create any of these
        data = request.POST if request.method == "POST" else None
        forms_by_name = build_forms(news_item, data)
        if data is not None:
            bound = [forms_by_name[name] for name in ("links", "prices", "sightings", "events")]
            if all(form.is_valid() for form in bound):
                try:
                    made = accepting.apply(news_item, forms_by_name)
                except accepting.DraftError as error:
                    messages.error(request, f"Nothing was saved. {error}")
                else:
                    summary = accepting.summary(made)
                    messages.success(request, f"Accepted: {summary or 'nothing ticked'}.")
                    return redirect("admin:entrants_newsitem_change", news_item.pk)
            else:
                messages.error(request, "Nothing was saved: correct the errors below.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": news_item,
            "title": f"Suggested links: {news_item.headline}",
            "change_url": reverse("admin:entrants_newsitem_change", args=[news_item.pk]),
            "add_model_url": reverse("admin:entrants_vehiclemodel_add"),
            **forms_by_name,
        }
        return TemplateResponse(request, "admin/entrants/newsitem/suggest.html", context)

    @admin.display(description=_("URL"), boolean=True)
    def has_url(self, obj):
        return bool(obj.url)

    @admin.display(description=_("facts it is the source for"))
    def fact_count(self, obj):
        return (
            obj.sighting_count
            + obj.price_count
            + obj.partnership_count
            + obj.event_count
            + obj.statement_count
        )


@admin.register(Company)
class CompanyAdmin(BestMatchFirst, TrackedAdmin):
    ranked_by = ("name", "aliases__name")
    list_display = ["name", "kind", "country", "parent", "alias_list", "model_count"]
    list_select_related = ["parent"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "aliases__name", "description"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CompanyAliasInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(model_count=Count("vehicle_models", distinct=True))
            .prefetch_related("aliases")
            # Meta.ordering is dropped from GROUP BY queries; paginate in a stable order.
            .order_by("name", "pk")
        )

    @admin.display(description=_("also written"))
    def alias_list(self, obj):
        return ", ".join(alias.name for alias in obj.aliases.all())

    @admin.display(description=_("models"), ordering="model_count")
    def model_count(self, obj):
        return obj.model_count


@admin.register(VehicleModel)
class VehicleModelAdmin(BestMatchFirst, TrackedAdmin):
    ranked_by = ("name", "maker__name", "aliases__name")
    list_display = [
        "__str__",
        "maker",
        "body_type",
        "powertrain",
        "battery_kwh",
        "range_km",
        "stage_in_pakistan",
    ]
    list_select_related = ["maker"]
    list_filter = ["stage_in_pakistan", "powertrain", "body_type", "maker"]
    search_fields = ["name", "variant", "maker__name", "aliases__name"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["maker"]
    inlines = [VehicleModelAliasInline]


@admin.register(Person)
class PersonAdmin(BestMatchFirst, TrackedAdmin):
    ranked_by = ("name",)
    list_display = ["name", "role", "organisation"]
    list_select_related = ["organisation"]
    list_filter = ["organisation"]
    search_fields = ["name", "role", "organisation__name"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["organisation"]
    prepopulated_fields = {"slug": ["name"]}


class FactAdmin(TrackedAdmin):
    """Base admin for facts: status, date precision and sources on every changelist."""

    list_filter = ["claim_status", "date_precision"]
    date_hierarchy = "date"
    autocomplete_fields = ["source", "other_sources"]
    search_fields = ["notes", "source__headline"]

    def save_related(self, request, form, formsets, change):
        """Save the fact's relations, then link its source to what it names."""
        super().save_related(request, form, formsets, change)
        fill_mentions(form.instance.source)


@admin.register(Sighting)
class SightingAdmin(FactAdmin):
    list_display = [
        "vehicle_model",
        "kind",
        "place_display",
        "quantity_display",
        "importer",
        date_display,
        "claim_status",
        "source",
    ]
    list_select_related = ["vehicle_model__maker", "source__publisher", "importer"]
    list_filter = [
        "kind",
        NotInGazetteerFilter,
        "city",
        *FactAdmin.list_filter,
        "vehicle_model__maker",
    ]
    search_fields = [
        "place",
        "city",
        "vehicle_model__name",
        "vehicle_model__variant",
        "importer__name",
        *FactAdmin.search_fields,
    ]
    autocomplete_fields = [
        "vehicle_model",
        "importer",
        "reported_by",
        "location",
        *FactAdmin.autocomplete_fields,
    ]
    form = SightingForm

    @admin.display(description=_("quantity"), ordering="quantity")
    def quantity_display(self, obj):
        return obj.quantity_display

    @admin.display(description=_("where"), ordering="place")
    def place_display(self, obj):
        return obj.place_display


@admin.register(PricePoint)
class PricePointAdmin(AllOrNothingImportMixin, FactAdmin):
    """Price points, also imported in bulk from CSV or XLSX (preview first, then all rows or
    none) and exported in the same columns."""

    resource_classes = [PricePointResource]
    list_display = [
        "vehicle_model",
        "amount",
        "currency",
        "market",
        "kind",
        date_display,
        "claim_status",
        "source",
    ]
    list_select_related = ["vehicle_model__maker", "source__publisher"]
    list_filter = ["currency", "market", "kind", *FactAdmin.list_filter]
    search_fields = [
        "vehicle_model__name",
        "vehicle_model__variant",
        "vehicle_model__maker__name",
        *FactAdmin.search_fields,
    ]
    autocomplete_fields = ["vehicle_model", *FactAdmin.autocomplete_fields]
    inlines = [StatedConversionInline]
    form = DuplicateWarningForm


@admin.register(Partnership)
class PartnershipAdmin(FactAdmin):
    list_display = [
        "company",
        "partner",
        "scope",
        "kind",
        "status",
        date_display,
        "claim_status",
        "source",
    ]
    list_select_related = ["company", "partner", "source__publisher"]
    list_filter = ["kind", "status", *FactAdmin.list_filter]
    search_fields = ["scope", "company__name", "partner__name", *FactAdmin.search_fields]
    autocomplete_fields = [
        "company",
        "partner",
        "vehicle_models",
        *FactAdmin.autocomplete_fields,
    ]


@admin.register(MarketEvent)
class MarketEventAdmin(FactAdmin):
    list_display = ["title", "kind", date_display, "city", "claim_status", "source"]
    list_select_related = ["source__publisher"]
    list_filter = ["kind", *FactAdmin.list_filter]
    search_fields = ["title", "description", "place", "city", *FactAdmin.search_fields]
    autocomplete_fields = [
        "companies",
        "vehicle_models",
        "people",
        *FactAdmin.autocomplete_fields,
    ]


@admin.register(Statement)
class StatementAdmin(FactAdmin):
    list_display = ["__str__", "person", "kind", date_display, "claim_status", "source"]
    list_select_related = ["person", "source__publisher"]
    list_filter = ["kind", *FactAdmin.list_filter, "person"]
    search_fields = ["text", "context", "person__name", *FactAdmin.search_fields]
    autocomplete_fields = [
        "person",
        "event",
        "companies",
        "vehicle_models",
        *FactAdmin.autocomplete_fields,
    ]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(AllOrNothingImportMixin, TrackedAdmin):
    """Exchange rates, also imported in bulk from CSV or XLSX (preview first, then all rows or
    none) and exported in the same columns."""

    resource_classes = [ExchangeRateResource]
    list_display = ["date", "base", "quote", "rate", "source", "claim_status"]
    list_filter = ["base", "quote", "source", "claim_status"]
    search_fields = ["base", "quote", "source_url", "notes"]
    date_hierarchy = "date"


# --- Other apps' admins (users, groups, login attempts) ---------------------------------------
# Registered again with changelists that read hostile filters: the tracker's promise of no
# server error covers every admin page, not only its own.


def readable_filters_everywhere(site):
    """Give every admin registered on ``site`` without it ``ReadableFiltersMixin``."""
    for model in apps.get_models():
        if not site.is_registered(model):
            continue
        model_admin = type(site.get_model_admin(model))
        if issubclass(model_admin, ReadableFiltersMixin):
            continue
        site.unregister(model)
        site.register(model, type(model_admin.__name__, (ReadableFiltersMixin, model_admin), {}))


readable_filters_everywhere(admin.site)
