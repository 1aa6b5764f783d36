"""One serializer per kind, read-only. Exact decimals are strings (``COERCE_DECIMAL_TO_STRING``,
DRF's default), every date carries its precision, every fact its claim status and sources, and
every record its API address and its page on the tracker."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from entrants.api.fields import (
    LinkField,
    PartialDateField,
    SourceSerializer,
    api_url,
    page_url,
)
from entrants.conversions import conversion
from entrants.currency import check_stated, to_minor_unit
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


class Addresses(serializers.Serializer):
    """``api_url`` and ``page_url`` of the record itself."""

    api_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    def get_api_url(self, record) -> str:
        return api_url(record, self.context.get("request"))

    def get_page_url(self, record) -> str | None:
        return page_url(record, self.context.get("request"))


class CompanySerializer(Addresses, serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", allow_null=True)
    parent = LinkField()
    aliases = serializers.SerializerMethodField()
    active_in_pakistan = serializers.BooleanField(
        read_only=True, help_text="Pakistani, with a model present in Pakistan, or a partner here."
    )

    class Meta:
        model = Company
        fields = [
            "slug",
            "name",
            "kind",
            "country",
            "parent",
            "aliases",
            "website",
            "description",
            "active_in_pakistan",
            "api_url",
            "page_url",
        ]

    def get_aliases(self, company) -> list[str]:
        return [alias.name for alias in company.aliases.all()]


class VehicleModelSerializer(Addresses, serializers.ModelSerializer):
    maker = LinkField()
    aliases = serializers.SerializerMethodField()

    class Meta:
        model = VehicleModel
        fields = [
            "slug",
            "name",
            "variant",
            "maker",
            "aliases",
            "body_type",
            "powertrain",
            "battery_kwh",
            "range_km",
            "stage_in_pakistan",
            "description",
            "api_url",
            "page_url",
        ]

    def get_aliases(self, vehicle_model) -> list[str]:
        return [alias.name for alias in vehicle_model.aliases.all()]


class PersonSerializer(Addresses, serializers.ModelSerializer):
    organisation = LinkField()

    class Meta:
        model = Person
        fields = ["slug", "name", "role", "organisation", "description", "api_url", "page_url"]


class NewsItemSerializer(Addresses, serializers.ModelSerializer):
    title = serializers.CharField(source="headline")
    publisher = LinkField()
    url = serializers.SerializerMethodField(help_text="The article's own URL, or null.")
    date = PartialDateField()
    companies = LinkField(many=True)
    vehicle_models = LinkField(many=True)
    people = LinkField(many=True)

    class Meta:
        model = NewsItem
        fields = [
            "slug",
            "title",
            "publisher",
            "author",
            "url",
            "date",
            "summary",
            "companies",
            "vehicle_models",
            "people",
            "api_url",
            "page_url",
        ]

    def get_url(self, news) -> str | None:
        return news.url or None


class NewsItemDetailSerializer(NewsItemSerializer):
    """A news item with its text (where the tracker may keep it)."""

    class Meta(NewsItemSerializer.Meta):
        fields = [*NewsItemSerializer.Meta.fields, "body"]


class FactSerializer(Addresses, serializers.ModelSerializer):
    """What every fact has: its UUID, claim status, date with precision, sources and notes."""

    date = PartialDateField()
    source = SourceSerializer()
    other_sources = SourceSerializer(many=True, source="cited_sources")

    fact_fields = ["uuid", "claim_status", "date", "source", "other_sources", "notes"]
    addresses = ["api_url", "page_url"]


class PartnershipSerializer(FactSerializer):
    company = LinkField()
    partner = LinkField()
    vehicle_models = LinkField(many=True)
    ended_on = PartialDateField("ended_on", "ended_on_precision")

    class Meta:
        model = Partnership
        fields = [
            *FactSerializer.fact_fields,
            "company",
            "partner",
            "kind",
            "scope",
            "status",
            "vehicle_models",
            "ended_on",
            *FactSerializer.addresses,
        ]


class SightingSerializer(FactSerializer):
    vehicle_model = LinkField()
    importer = LinkField()
    reported_by = LinkField()

    class Meta:
        model = Sighting
        fields = [
            *FactSerializer.fact_fields,
            "kind",
            "vehicle_model",
            "quantity",
            "importer",
            "place",
            "city",
            "reported_by",
            *FactSerializer.addresses,
        ]


class RateUsedSchema(serializers.Serializer):
    pair = serializers.CharField(help_text="The stored pair: USD/PKR means 1 USD costs rate PKR.")
    rate = serializers.CharField()
    date = serializers.DateField()
    source = serializers.CharField()
    source_code = serializers.CharField()
    source_url = serializers.CharField()
    claim_status = serializers.CharField()
    inverted = serializers.BooleanField(help_text="Used as 1/rate.")


class ConversionSchema(serializers.Serializer):
    amount = serializers.CharField(
        allow_null=True, help_text="Rounded to the currency's minor unit; null when no rate exists."
    )
    display = serializers.CharField()
    original_amount = serializers.CharField(allow_null=True)
    from_currency = serializers.CharField()
    to_currency = serializers.CharField()
    on = serializers.DateField(allow_null=True, help_text="The day whose rates converted.")
    missing = serializers.BooleanField()
    stale = serializers.BooleanField()
    age_days = serializers.IntegerField(allow_null=True)
    oldest_rate_date = serializers.DateField(allow_null=True)
    rates = RateUsedSchema(many=True)
    basis = serializers.CharField()


def rounded(conversion):
    """Return ``conversion`` as data, its amount rounded to the currency's minor unit (as the
    exports give it; the rates it used are exact)."""
    data = conversion.as_dict()
    if conversion.amount is not None:
        data["amount"] = format(to_minor_unit(conversion.amount, conversion.to_currency), "f")
    return data


class StatedConversionSerializer(serializers.Serializer):
    """A conversion the source printed beside the price, with what the rates of the source's
    date compute (``computed``) and whether the two agree within rounding (``agrees``: null
    when no rate allows the check)."""

    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    is_approximate = serializers.BooleanField()
    source = SourceSerializer()
    computed = serializers.SerializerMethodField()
    agrees = serializers.SerializerMethodField()

    def check(self, stated):
        """Return the check of ``stated`` against the rates, made once for both fields."""
        if getattr(stated, "rates_check", None) is None:
            price = stated.price_point
            stated.rates_check = check_stated(
                stated.amount,
                stated.currency,
                price.amount,
                price.currency,
                stated.source.date,
                self.context["rates"],
            )
        return stated.rates_check

    @extend_schema_field(ConversionSchema)
    def get_computed(self, stated):
        return rounded(self.check(stated).computed)

    def get_agrees(self, stated) -> bool | None:
        check = self.check(stated)
        return None if not check.checked else not check.flagged


class PricePointSerializer(FactSerializer):
    """A price as quoted, and converted into the ``currency`` asked for at ``at``."""

    vehicle_model = LinkField()
    market = serializers.CharField(source="market.code")
    converted = serializers.SerializerMethodField()
    stated_conversions = serializers.SerializerMethodField()

    class Meta:
        model = PricePoint
        fields = [
            *FactSerializer.fact_fields,
            "vehicle_model",
            "amount",
            "currency",
            "market",
            "kind",
            "converted",
            "stated_conversions",
            *FactSerializer.addresses,
        ]

    @extend_schema_field(ConversionSchema)
    def get_converted(self, price):
        params, rates = self.context["params"], self.context["rates"]
        return rounded(conversion(price, rates, params.currency, params.at))

    @extend_schema_field(StatedConversionSerializer(many=True))
    def get_stated_conversions(self, price):
        stated = price.stated_conversions.all()
        for item in stated:
            item.price_point = price  # the price read already, not once more per item
        return StatedConversionSerializer(stated, many=True, context=self.context).data


class MarketEventSerializer(FactSerializer):
    country = serializers.CharField(source="country.code", allow_null=True)
    companies = LinkField(many=True)
    vehicle_models = LinkField(many=True)
    people = LinkField(many=True)

    class Meta:
        model = MarketEvent
        fields = [
            *FactSerializer.fact_fields,
            "kind",
            "title",
            "description",
            "place",
            "city",
            "country",
            "companies",
            "vehicle_models",
            "people",
            *FactSerializer.addresses,
        ]


class StatementSerializer(FactSerializer):
    person = LinkField()
    event = serializers.SerializerMethodField()
    companies = LinkField(many=True)
    vehicle_models = LinkField(many=True)

    class Meta:
        model = Statement
        fields = [
            *FactSerializer.fact_fields,
            "person",
            "kind",
            "text",
            "context",
            "event",
            "companies",
            "vehicle_models",
            *FactSerializer.addresses,
        ]

    def get_event(self, statement) -> str | None:
        """The API address of the event at which it was said, or null."""
        if statement.event is None:
            return None
        return api_url(statement.event, self.context.get("request"))


class ExchangeRateSerializer(Addresses, serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ExchangeRate
        fields = [
            "id",
            "date",
            "base",
            "quote",
            "rate",
            "source",
            "source_url",
            "claim_status",
            "notes",
            "api_url",
            "page_url",
        ]
