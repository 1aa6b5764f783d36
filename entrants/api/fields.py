"""How the API writes what every kind shares: a date as precisely as it is known, a link to a
related record (its name, slug or UUID, API address and page) and a fact's sources."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from entrants.dates import format_partial_date, partial_date_iso


class PartialDateSchema(serializers.Serializer):
    """The shape of a partial date, for the schema."""

    value = serializers.DateField(help_text="The stored day: the first of its month or year.")
    precision = serializers.ChoiceField(choices=["day", "month", "year"])
    iso = serializers.CharField(help_text="As precisely as known: 2024-09-28, 2024-10 or 2024.")
    display = serializers.CharField(help_text="In words: 28 September 2024, October 2024, 2024.")


@extend_schema_field(PartialDateSchema(allow_null=True))
class PartialDateField(serializers.Field):
    """A date with its precision (``null`` when unknown): read from the record's ``date`` and
    ``date_precision`` (or the attributes named)."""

    def __init__(self, date_attr="date", precision_attr="date_precision", **kwargs):
        self.date_attr, self.precision_attr = date_attr, precision_attr
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        value = getattr(record, self.date_attr)
        if value is None:
            return None
        precision = getattr(record, self.precision_attr)
        return {
            "value": value.isoformat(),
            "precision": precision,
            "iso": partial_date_iso(value, precision),
            "display": format_partial_date(value, precision),
        }


def api_url(record, request):
    """Return the API address of ``record`` (by slug, else UUID, else id)."""
    name = f"api:{record._meta.model_name}-detail"
    key = getattr(record, "slug", None) or getattr(record, "uuid", None) or record.pk
    return reverse(name, args=[key], request=request)


def page_url(record, request):
    """Return the absolute address of ``record``'s page on the tracker, or None."""
    if not hasattr(record, "get_absolute_url"):
        return None
    url = record.get_absolute_url()
    return request.build_absolute_uri(url) if request is not None else url


class LinkSchema(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    api_url = serializers.URLField()
    page_url = serializers.URLField()


@extend_schema_field(LinkSchema(allow_null=True))
class LinkField(serializers.RelatedField):
    """A related company, model, person or news item: its name, slug and addresses (``null``
    when there is none)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, record):
        request = self.context.get("request")
        return {
            "name": str(record),
            "slug": record.slug,
            "api_url": api_url(record, request),
            "page_url": page_url(record, request),
        }


class SourceSerializer(serializers.Serializer):
    """A news item as a source of a fact: title, publisher, URL and date."""

    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(source="headline", read_only=True)
    publisher = serializers.CharField(source="publisher.name", read_only=True)
    url = serializers.SerializerMethodField(help_text="The article's own URL, or null.")
    date = PartialDateField()
    api_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    def get_url(self, news) -> str | None:
        return news.url or None

    def get_api_url(self, news) -> str:
        return api_url(news, self.context.get("request"))

    def get_page_url(self, news) -> str:
        return page_url(news, self.context.get("request"))
