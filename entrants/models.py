"""What the news says about Pakistan's EV market, each fact with its source, status and date
precision.

Every reported fact (sighting, price point, partnership, market event, statement) cites one
news item as its ``source`` (a non-null foreign key, so the database itself refuses a fact with
no source) and may cite more in ``other_sources``.
"""

import uuid

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from entrants import gazetteer, querysets
from entrants.amounts import AmountFormField
from entrants.dates import DatePrecision, format_partial_date, partial_date_error

ISO_CURRENCY_CODES = frozenset(currency.alpha_3 for currency in pycountry.currencies)


def validate_currency_code(value):
    """Reject anything that is not an ISO 4217 currency code such as CNY, USD or PKR."""
    if value not in ISO_CURRENCY_CODES:
        raise ValidationError(
            _(
                "“%(value)s” is not an ISO 4217 currency code; use three capital letters such as "
                "CNY (yuan), USD (US dollar) or PKR (rupee)."
            ),
            params={"value": value},
            code="invalid_currency",
        )


def currency_code_constraint(field, name):
    """Return a constraint that keeps ``field`` three capital letters (A–Z) long."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__regex": r"^[A-Z]{3}$"}),
        name=name,
        violation_error_message=_("A currency is written as three capital letters, e.g. PKR."),
    )


def amount_display(amount, currency):
    """Return ``amount`` as every page shows it, "PKR 8,990,000" (``format_amount``)."""
    # entrants.currency imports the models, so it is imported here, at first use.
    from entrants.currency import format_amount

    return format_amount(amount, currency)


def list_indexes(prefix, dated=(), plain=(), case_insensitive=()):
    """Return the indexes a list needs: the date sort (with the key as tie-breaker); each of
    ``dated`` filters followed by the date sort, so a filtered page reads its rows in order
    from one index; each ``plain`` sort on its own; and ``Lower(field)`` with the date for the
    ``case_insensitive`` filters (``entrants.filtersets.CaseInsensitiveFilter``)."""
    indexes = [models.Index(fields=["date", "id"], name=f"{prefix}_date")]
    indexes += [
        models.Index(fields=[field, "date", "id"], name=f"{prefix}_{field[:12]}_date")
        for field in dated
    ]
    indexes += [
        models.Index(fields=field.split("+"), name=f"{prefix}_{field.replace('+', '_')[:16]}")
        for field in plain
    ]
    indexes += [
        models.Index(Lower(field), F("date"), F("id"), name=f"{prefix}_{field[:10]}_lower")
        for field in case_insensitive
    ]
    return indexes


class CurrencyField(models.CharField):
    """An ISO 4217 currency code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("validators", [validate_currency_code])
        kwargs.setdefault("help_text", _("ISO 4217 code: CNY, USD, PKR…"))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value


class AmountField(models.DecimalField):
    """A Decimal amount or rate (never a float), typed as articles print it: "Rs 8.4m"."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": AmountFormField, **kwargs})


class ClaimStatus(models.TextChoices):
    RUMOURED = "rumoured", _("Rumoured")
    REPORTED = "reported", _("Reported")
    CONFIRMED = "confirmed", _("Confirmed")
    DENIED = "denied", _("Denied")


class TimestampedModel(models.Model):
    """Abstract base: when the record was entered and last changed."""

    created_at = models.DateTimeField(_("entered"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)


class SlugManager(models.Manager):
    """Manager for records known by a unique slug (their natural key in fixtures)."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class SluggedModel(TimestampedModel):
    """Abstract base: a record with a unique, URL-friendly slug made from its name."""

    slug = models.SlugField(
        max_length=120,
        unique=True,
        blank=True,
        allow_unicode=True,
        help_text=_("Used in URLs; made from the name when left empty."),
    )

    objects = SlugManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.unique_slug()
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.slug,)

    def unique_slug(self):
        """Return a slug made from the name, with a number added if another record has it."""
        base = slugify(self.slug_source(), allow_unicode=True)[:110] or self._meta.model_name
        others = type(self)._default_manager.exclude(pk=self.pk)
        candidate, number = base, 1
        while others.filter(slug=candidate).exists():
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    def slug_source(self):
        return str(self)


class Company(SluggedModel):
    """A company or organisation named in the news: carmaker, assembler, partner, publisher…"""

    class Kind(models.TextChoices):
        MANUFACTURER = "manufacturer", _("Manufacturer")
        LOCAL_ASSEMBLER = "local_assembler", _("Local assembler")
        DISTRIBUTOR = "distributor", _("Distributor")
        IMPORTER = "importer", _("Importer")
        TECHNOLOGY_PARTNER = "technology_partner", _("Technology partner")
        RETAIL_PARTNER = "retail_partner", _("Retail partner")
        CONGLOMERATE = "conglomerate", _("Conglomerate or investor")
        PUBLISHER = "publisher", _("Publisher")
        NEWS_AGENCY = "news_agency", _("News agency")
        GOVERNMENT_BODY = "government_body", _("Government body")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind, default=Kind.OTHER)
    country = CountryField(blank=True, help_text=_("Where it is headquartered."))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiaries",
        help_text=_("The group it belongs to, if any (Mega Motor Company → HUBCO)."),
    )
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)

    objects = SlugManager.from_queryset(querysets.CompanyQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="company_name"),
            models.Index(fields=["kind"], name="company_kind"),
            models.Index(fields=["country"], name="company_country"),
        ]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="company_name_unique_ci",
                violation_error_message=_(
                    "A company with this name already exists (names are compared ignoring "
                    "capital letters). Edit that company, or add this spelling as its alias."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="company_not_own_parent",
                violation_error_message=_("A company cannot be its own parent."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("entrants:company_detail", args=[self.slug])


class AliasManager(models.Manager):
    """Manager for aliases, known by their spelling."""

    def get_by_natural_key(self, name):
        return self.get(name=name)


class CompanyAlias(TimestampedModel):
    """Another spelling of a company's name used in the news ("Airlink", "Air Link")."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    objects = AliasManager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "company aliases"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="company_alias_unique_ci",
                violation_error_message=_("This alias already belongs to a company."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    natural_key.dependencies = ["entrants.company"]

    def clean(self):
        clash = Company.objects.filter(name__iexact=self.name)
        if self.company_id:
            clash = clash.exclude(pk=self.company_id)
        if clash.exists():
            raise ValidationError(
                {"name": _("“%(name)s” is the name of another company.") % {"name": self.name}}
            )


class VehicleModel(SluggedModel):
    """A vehicle model or one variant of it (SU7, SU7 Pro, SU7 Max), and its stage in Pakistan."""

    class BodyType(models.TextChoices):
        SEDAN = "sedan", _("Sedan")
        HATCHBACK = "hatchback", _("Hatchback")
        SUV = "suv", _("SUV")
        CROSSOVER = "crossover", _("Crossover")
        MPV = "mpv", _("MPV")
        PICKUP = "pickup", _("Pickup")
        VAN = "van", _("Van")
        COUPE = "coupe", _("Coupé")
        MICROCAR = "microcar", _("Microcar")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    class Powertrain(models.TextChoices):
        BEV = "bev", _("BEV (battery electric)")
        PHEV = "phev", _("PHEV (plug-in hybrid)")
        EREV = "erev", _("EREV (range-extended electric)")
        HEV = "hev", _("HEV (hybrid)")
        FCEV = "fcev", _("FCEV (fuel cell)")
        UNKNOWN = "unknown", _("Unknown")

    class Stage(models.TextChoices):
        NOT_IN_PAKISTAN = "not_in_pakistan", _("Not in Pakistan")
        RUMOURED = "rumoured", _("Rumoured")
        SIGHTED = "sighted", _("Sighted")
        IMPORTED = "imported", _("Imported")
        LAUNCHED = "launched", _("Launched")
        LOCALLY_ASSEMBLED = "locally_assembled", _("Locally assembled")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    maker = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="vehicle_models")
    name = models.CharField(max_length=100, help_text=_("The model name, e.g. SU7."))
    variant = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Trim or variant, e.g. Max; empty for the base model."),
    )
    body_type = models.CharField(max_length=20, choices=BodyType, default=BodyType.UNKNOWN)
    powertrain = models.CharField(max_length=10, choices=Powertrain, default=Powertrain.BEV)
    battery_kwh = models.DecimalField(
        _("battery (kWh)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Leave empty when unknown."),
    )
    range_km = models.PositiveIntegerField(
        _("range (km)"),
        null=True,
        blank=True,
        help_text=_("As the maker or report states it; leave empty when unknown."),
    )
    stage_in_pakistan = models.CharField(
        _("stage in Pakistan"), max_length=20, choices=Stage, default=Stage.RUMOURED
    )
    description = models.TextField(blank=True)

    objects = SlugManager.from_queryset(querysets.VehicleModelQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["maker__name", "name", "variant"]
        indexes = [
            models.Index(fields=["stage_in_pakistan"], name="vmodel_stage"),
            models.Index(fields=["powertrain"], name="vmodel_powertrain"),
            models.Index(fields=["body_type"], name="vmodel_body_type"),
            models.Index(fields=["battery_kwh"], name="vmodel_battery"),
            models.Index(fields=["range_km"], name="vmodel_range"),
            models.Index(fields=["name", "variant"], name="vmodel_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                "maker",
                Lower("name"),
                Lower("variant"),
                name="vehicle_model_unique_ci",
                violation_error_message=_(
                    "This maker already has a model with this name and variant."
                ),
            ),
            models.CheckConstraint(
                condition=Q(battery_kwh__isnull=True) | Q(battery_kwh__gt=0),
                name="vehicle_model_battery_positive",
                violation_error_message=_(
                    "Battery capacity must be greater than zero, or left empty when unknown."
                ),
            ),
            models.CheckConstraint(
                condition=Q(range_km__isnull=True) | Q(range_km__gt=0),
                name="vehicle_model_range_positive",
                violation_error_message=_(
                    "Range must be greater than zero, or left empty when unknown."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.maker} {self.model_name}" if self.maker_id else self.model_name

    def get_absolute_url(self):
        return reverse("entrants:model_detail", args=[self.slug])

    @classmethod
    def stages_before(cls, stage):
        """Return the stages a model passes through before ``stage`` (not "Withdrawn")."""
        order = [
            cls.Stage.NOT_IN_PAKISTAN,
            cls.Stage.RUMOURED,
            cls.Stage.SIGHTED,
            cls.Stage.IMPORTED,
            cls.Stage.LAUNCHED,
            cls.Stage.LOCALLY_ASSEMBLED,
        ]
        return order[: order.index(stage)]

    @property
    def model_name(self):
        """Return the model name with its variant: "SU7 Max"."""
        return f"{self.name} {self.variant}".strip()


class VehicleModelAlias(TimestampedModel):
    """Another name a vehicle model goes by in the news ("Honri VE 0.3" for "Honri 3.0")."""

    vehicle_model = models.ForeignKey(
        VehicleModel, on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(max_length=200)

    objects = AliasManager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "vehicle model aliases"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="vehicle_model_alias_unique_ci",
                violation_error_message=_("This alias already belongs to a vehicle model."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    natural_key.dependencies = ["entrants.vehiclemodel"]


class Person(SluggedModel):
    """A person named in the news, with the role they held when named."""

    name = models.CharField(max_length=200)
    role = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("e.g. CEO; Minister of State for IT and Telecommunication"),
    )
    organisation = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    description = models.TextField(blank=True)

    objects = SlugManager.from_queryset(querysets.PersonQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="person_name"),
            models.Index(fields=["role"], name="person_role"),
        ]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("entrants:person_detail", args=[self.slug])

    @property
    def title(self):
        """Return "CEO, Xiaomi": the role and the organisation, whichever are known."""
        return ", ".join(str(part) for part in (self.role, self.organisation) if part)


class NewsItem(SluggedModel):
    """A news report: the source that every fact in the tracker cites."""

    publisher = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="published_news")
    headline = models.CharField(max_length=300)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    date = models.DateField(
        _("published"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the source gives no date (never guess one)."),
    )
    date_precision = models.CharField(
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text=_("How precisely the publication date is known."),
    )
    author = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True, help_text=_("The article's text, where we may keep it."))
    based_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="cited_by",
        help_text=_("Earlier reports this one quotes (an AFP report, say)."),
    )
    companies = models.ManyToManyField(
        Company,
        blank=True,
        related_name="news_mentions",
        help_text=_("Companies the report mentions."),
    )
    vehicle_models = models.ManyToManyField(
        VehicleModel,
        blank=True,
        related_name="news_mentions",
        help_text=_("Vehicle models the report mentions."),
    )
    people = models.ManyToManyField(
        Person,
        blank=True,
        related_name="news_mentions",
        help_text=_("People the report mentions."),
    )

    objects = SlugManager.from_queryset(querysets.NewsItemQuerySet)()
    history = HistoricalRecords(m2m_fields=["based_on", "companies", "vehicle_models", "people"])

    class Meta:
        ordering = [F("date").desc(nulls_last=True), "headline"]
        indexes = [
            *list_indexes("news", dated=["publisher"]),
            models.Index(fields=["headline"], name="news_headline"),
        ]
        verbose_name = "news item"
        constraints = [
            models.UniqueConstraint(
                "url",
                condition=~Q(url=""),
                name="news_item_url_unique",
                violation_error_message=_("A news item with this URL already exists."),
            ),
        ]

    def __str__(self):
        return f"{self.publisher}: {self.headline} ({self.date_display})"

    def get_absolute_url(self):
        return reverse("entrants:news_detail", args=[self.slug])

    def clean(self):
        error = partial_date_error(self.date, self.date_precision)
        if error:
            raise ValidationError({"date": error})

    def slug_source(self):
        return f"{self.date:%Y-%m-%d} {self.headline}" if self.date else f"undated {self.headline}"

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)


class FactManager(models.Manager):
    """Manager for facts, known by their UUID."""

    def get_by_natural_key(self, key):
        return self.get(uuid=key)


class Fact(TimestampedModel):
    """Abstract base of every reported fact: its source, claim status and partial date."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim_status = models.CharField(
        max_length=10,
        choices=ClaimStatus,
        default=ClaimStatus.REPORTED,
        help_text=_(
            "Rumoured: hearsay. Reported: a report says so, unconfirmed by those "
            "involved. Confirmed: stated by them or shown. Denied: they deny it."
        ),
    )
    date = models.DateField(null=True, blank=True, help_text=_("Leave empty when unknown."))
    date_precision = models.CharField(
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text=_("“Month” for “in March 2024”: enter the 1st of the month."),
    )
    source = models.ForeignKey(
        NewsItem,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        help_text=_("The news item this fact was read in."),
    )
    other_sources = models.ManyToManyField(
        NewsItem,
        blank=True,
        related_name="%(class)s_citations",
        help_text=_("Other news items that report the same fact."),
    )
    notes = models.TextField(blank=True, help_text=_("Doubts, disagreements between sources."))

    objects = FactManager()

    class Meta:
        abstract = True

    def get_absolute_url(self):
        return reverse(f"entrants:{self.url_name}_detail", args=[self.uuid])

    def natural_key(self):
        return (str(self.uuid),)

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)

    def clean(self):
        error = partial_date_error(self.date, self.date_precision)
        if error:
            raise ValidationError({"date": error})


class Partnership(Fact):
    """A tie-up between two companies for some scope, with its status and dates."""

    url_name = "partnership"

    class Kind(models.TextChoices):
        MANUFACTURING = "manufacturing", _("Manufacturing")
        ASSEMBLY = "assembly", _("Local assembly")
        DISTRIBUTION = "distribution", _("Distribution")
        TECHNOLOGY = "technology", _("Technology")
        RETAIL = "retail", _("Retail")
        SUPPLY = "supply", _("Supply or licence")
        JOINT_VENTURE = "joint_venture", _("Joint venture")
        OWNERSHIP = "ownership", _("Ownership or investment")
        MARKET_ENTRY = "market_entry", _("Market entry")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ANNOUNCED = "announced", _("Announced")
        CONFIRMED = "confirmed", _("Confirmed")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        DENIED = "denied", _("Denied")

    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="partnerships",
        help_text=_("The local side, where there is one."),
    )
    partner = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="partnerships_as_partner"
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    scope = models.CharField(
        max_length=300,
        help_text=_("What it covers: “smart TVs at the Lahore facility”."),
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.REPORTED)
    vehicle_models = models.ManyToManyField(
        VehicleModel,
        blank=True,
        related_name="partnerships",
        help_text=_("Vehicle models it covers, if any."),
    )
    ended_on = models.DateField(null=True, blank=True)
    ended_on_precision = models.CharField(
        max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )

    objects = FactManager.from_queryset(querysets.PartnershipQuerySet)()
    history = HistoricalRecords(m2m_fields=["other_sources", "vehicle_models"])

    class Meta:
        ordering = ["-date", "company__name"]
        indexes = list_indexes(
            "partnership",
            dated=["kind", "status", "claim_status"],
            plain=["scope"],
        )
        constraints = [
            models.CheckConstraint(
                condition=~Q(company=F("partner")),
                name="partnership_distinct_companies",
                violation_error_message=_(
                    "A company cannot be in partnership with itself: "
                    "choose two different companies."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(date__isnull=True)
                | Q(ended_on__gte=F("date")),
                name="partnership_ends_after_start",
                violation_error_message=_("A partnership cannot end before it starts."),
            ),
        ]

    def __str__(self):
        if self.company_id and self.partner_id:
            return f"{self.company} – {self.partner}: {self.scope}"
        return self.scope

    @property
    def ended_on_display(self):
        return format_partial_date(self.ended_on, self.ended_on_precision, empty="")

    def clean(self):
        super().clean()
        error = partial_date_error(self.ended_on, self.ended_on_precision)
        if error:
            raise ValidationError({"ended_on": error})


class Place(TimestampedModel):
    """A place on the map: a GeoNames city from the gazetteer, or an extra place it lacks
    (fixtures/places.csv), with its coordinates and where they come from (entrants.gazetteer)."""

    name = models.CharField(max_length=200)
    country = CountryField()
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    geoname_id = models.PositiveIntegerField(
        null=True, blank=True, unique=True, help_text=_("Empty for an extra place.")
    )
    population = models.PositiveBigIntegerField(null=True, blank=True)
    source_url = models.URLField(
        max_length=300, help_text=_("Where the coordinates come from (GeoNames, or a page).")
    )

    class Meta:
        ordering = ["name", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(geoname_id__isnull=True),
                name="place_extra_name_unique",
            ),
            models.CheckConstraint(condition=~Q(source_url=""), name="place_has_source"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="place_coordinates_on_earth",
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.country.name}" if self.country else self.name


class Sighting(Fact):
    """Units of a vehicle model seen in Pakistan (the SU7 Max at Karachi port), or imported
    into it (Air Link imported two SU7s): ``kind`` says which."""

    url_name = "sighting"

    class Kind(models.TextChoices):
        SIGHTED = "sighted", _("Sighting")
        IMPORTED = "imported", _("Import")

    vehicle_model = models.ForeignKey(
        VehicleModel, on_delete=models.PROTECT, related_name="sightings"
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind,
        default=Kind.SIGHTED,
        help_text=_("A sighting: units seen. An import: units brought into Pakistan."),
    )
    importer = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imports",
        help_text=_("For an import: who imported the units, if the report says."),
    )
    place = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("e.g. Karachi port, a showroom; leave empty when the report does not say."),
    )
    city = models.CharField(max_length=100, blank=True)
    location = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sightings",
        verbose_name=_("city on the map"),
        help_text=_("The city in the gazetteer (GeoNames, and the extra places the news names)."),
    )
    quantity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("How many units; leave empty when the report does not say (never 0)."),
    )
    reported_by = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sightings",
        help_text=_("Who reported seeing it, if not simply the source's publisher."),
    )

    objects = FactManager.from_queryset(querysets.SightingQuerySet)()
    history = HistoricalRecords(m2m_fields=["other_sources"])

    class Meta:
        ordering = ["-date", "place"]
        indexes = list_indexes(
            "sighting",
            dated=["claim_status", "vehicle_model"],
            plain=["place", "city", "quantity", "kind"],
            case_insensitive=["city"],
        ) + [
            # The map counts sightings per place from this index alone (entrants.sighting_map).
            models.Index(fields=["location", "kind", "date", "quantity"], name="sighting_map"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="imported") | Q(importer__isnull=True),
                name="sighting_importer_only_on_imports",
                violation_error_message=_(
                    "Only an import has an importer: set the kind to “Import” or clear "
                    "the importer."
                ),
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=1),
                name="sighting_quantity_at_least_one",
                violation_error_message=_(
                    "A sighting is of at least one unit. Leave the "
                    "quantity empty when the report does not say."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.vehicle_model} {self.where} ({self.date_display})"

    def save(self, *args, **kwargs):
        if self.city and self.location_id is None:
            self.locate()
        stored = type(self).objects.filter(pk=self.pk).values_list(*self.STAGE_FIELDS).first()
        super().save(*args, **kwargs)
        if stored != tuple(getattr(self, name) for name in self.STAGE_FIELDS):
            self.advance_model_stage()  # new, or its kind, model or status changed

    def locate(self):
        """Put the sighting on the map: the gazetteer's place of its city, if it has one."""
        entry = gazetteer.match(self.city)
        self.location = gazetteer.place_for(entry, Place) if entry else None

    @property
    def where(self):
        """Return where, in words: "at Karachi port", "imported through Karachi port",
        "imported", "at a place not stated"."""
        known = self.place or self.city
        if self.kind == self.Kind.IMPORTED:
            return f"imported through {self.place_display}" if known else "imported"
        return f"at {self.place_display}" if known else "at a place not stated"

    @property
    def place_display(self):
        """Return where, as the report gives it: "Karachi port", "Lahore", "place not stated"."""
        if self.place and self.city and self.city.lower() not in self.place.lower():
            return f"{self.place}, {self.city}"
        return self.place or self.city or "place not stated"

    @property
    def quantity_display(self):
        return "unknown" if self.quantity is None else str(self.quantity)

    #: What an import's effect on its model's stage depends on: saved again with these
    #: unchanged (its notes edited, say), it does not move a stage an editor has set back.
    STAGE_FIELDS = ("kind", "vehicle_model_id", "claim_status")

    def advance_model_stage(self):
        """An import shows its model has reached Pakistan: move the model's stage up to
        "Imported", unless the import is denied or the model is further on (or withdrawn). The
        model is saved, so its history records the change. (A sighting moves no stage: it may
        be abroad.)"""
        if self.kind != self.Kind.IMPORTED or self.claim_status == ClaimStatus.DENIED:
            return
        imported = VehicleModel.Stage.IMPORTED
        model = VehicleModel.objects.get(pk=self.vehicle_model_id)
        if model.stage_in_pakistan in VehicleModel.stages_before(imported):
            model.stage_in_pakistan = imported
            model.save(update_fields=["stage_in_pakistan", "updated_at"])


class PricePoint(Fact):
    """A price of a vehicle model in some market and currency, with the conversions the source
    stated."""

    url_name = "price"

    class Kind(models.TextChoices):
        LAUNCH = "launch", _("Launch / MSRP")
        EX_FACTORY = "ex_factory", _("Ex-factory")
        ON_ROAD = "on_road", _("On-road")
        BOOKING = "booking", _("Booking / pre-order")
        REPORTED = "reported", _("Reported (other)")

    vehicle_model = models.ForeignKey(VehicleModel, on_delete=models.PROTECT, related_name="prices")
    amount = AmountField(max_digits=16, decimal_places=2)
    currency = CurrencyField()
    market = CountryField(help_text=_("The country where this price applies."))
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.REPORTED)

    objects = FactManager.from_queryset(querysets.PricePointQuerySet)()
    history = HistoricalRecords(m2m_fields=["other_sources"])

    class Meta:
        ordering = ["-date", "vehicle_model__name"]
        indexes = list_indexes(
            "price",
            dated=["currency", "market", "kind", "claim_status", "vehicle_model"],
            plain=["currency+amount"],
        )
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="price_point_amount_positive",
                violation_error_message=_("A price must be greater than zero."),
            ),
            currency_code_constraint("currency", "price_point_currency_iso"),
        ]

    def __str__(self):
        amount = amount_display(self.amount, self.currency)
        return f"{self.vehicle_model}: {amount} ({self.date_display})"


class StatedConversionManager(models.Manager):
    """Manager for stated conversions, known by their price point and currency."""

    def get_by_natural_key(self, price_point_uuid, source_slug, currency):
        return self.get(
            price_point__uuid=price_point_uuid, source__slug=source_slug, currency=currency
        )


class StatedConversion(TimestampedModel):
    """A conversion the source itself gave for a price ("US$30,917 or around PKR8.55 million"),
    kept as stated, never recomputed."""

    price_point = models.ForeignKey(
        PricePoint, on_delete=models.CASCADE, related_name="stated_conversions"
    )
    source = models.ForeignKey(
        NewsItem,
        on_delete=models.PROTECT,
        related_name="stated_conversions",
        help_text=_(
            "The news item that stated this conversion; it is checked against the "
            "rates of that item's publication date."
        ),
    )
    amount = AmountField(max_digits=16, decimal_places=2)
    currency = CurrencyField()
    is_approximate = models.BooleanField(
        default=False,
        help_text=_("The source hedged it: “around”, “about”, “nearly”."),
    )

    objects = StatedConversionManager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="stated_conversion_amount_positive",
                violation_error_message=_("A stated amount must be greater than zero."),
            ),
            models.UniqueConstraint(
                fields=["price_point", "source", "currency"],
                name="stated_conversion_one_per_source_currency",
                violation_error_message=_(
                    "This news item already states a conversion of this price to that currency."
                ),
            ),
            currency_code_constraint("currency", "stated_conversion_currency_iso"),
        ]

    def __str__(self):
        approx = "≈ " if self.is_approximate else ""
        return f"{approx}{amount_display(self.amount, self.currency)}"

    def natural_key(self):
        return (*self.price_point.natural_key(), self.source.slug, self.currency)

    natural_key.dependencies = ["entrants.pricepoint", "entrants.newsitem"]

    def clean(self):
        if self.price_point_id and self.currency == self.price_point.currency:
            raise ValidationError(
                {
                    "currency": _(
                        "A stated conversion must be to another currency than the price's own."
                    )
                }
            )


class ExchangeRateManager(models.Manager):
    """Manager for exchange rates, known by date, pair and source."""

    def get_by_natural_key(self, date, base, quote, source):
        return self.get(date=date, base=base, quote=quote, source=source)


class ExchangeRate(TimestampedModel):
    """One unit of ``base`` costs ``rate`` units of ``quote`` on ``date``, per ``source``."""

    class Source(models.TextChoices):
        SBP_INTERBANK = "sbp_interbank", _("SBP interbank close")
        SBP_M2M = "sbp_m2m", _("SBP mark-to-market")
        SBP_OPEN_MARKET = "open_market", _("Open market (ECAP)")
        PBOC_PARITY = "pboc_parity", _("PBOC central parity")
        ECB = "ecb", _("ECB reference rates (USD/CNY cross)")
        OFFSHORE_CNH = "offshore_cnh", _("Offshore yuan (CNH)")
        OTHER = "other", _("Other")

    date = models.DateField()
    base = CurrencyField(help_text=_("One unit of this currency…"))
    quote = CurrencyField(help_text=_("…costs this many units of this currency."))
    rate = AmountField(max_digits=20, decimal_places=10)
    source = models.CharField(max_length=20, choices=Source)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    claim_status = models.CharField(
        max_length=10,
        choices=ClaimStatus,
        default=ClaimStatus.CONFIRMED,
        help_text=_("“Reported” when the figure is uncertain or sources disagree."),
    )
    notes = models.TextField(blank=True)

    objects = ExchangeRateManager.from_queryset(querysets.ExchangeRateQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "base", "quote"]
        get_latest_by = "date"
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="exchange_rate_positive",
                violation_error_message=_("An exchange rate must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=~Q(base=F("quote")),
                name="exchange_rate_distinct_currencies",
                violation_error_message=_("The two currencies of a rate must differ."),
            ),
            models.UniqueConstraint(
                fields=["date", "base", "quote", "source"],
                name="exchange_rate_one_per_source",
                violation_error_message=_(
                    "This source already has a rate for this pair on this date."
                ),
            ),
            currency_code_constraint("base", "exchange_rate_base_iso"),
            currency_code_constraint("quote", "exchange_rate_quote_iso"),
        ]
        indexes = [
            models.Index(fields=["base", "quote", "date"], name="exchange_rate_lookup"),
            *list_indexes("rate", dated=["quote", "source", "claim_status"]),
            models.Index(fields=["rate"], name="rate_rate"),
        ]

    def __str__(self):
        return (
            f"1 {self.base} = {self.rate.normalize():f} {self.quote} on {self.date} "
            f"({self.get_source_display()})"
        )

    def natural_key(self):
        return (self.date.isoformat(), self.base, self.quote, self.source)

    def clean(self):
        # Also a database constraint; said here too, so that a form or an import can say it
        # without a query.
        if self.base and self.base == self.quote:
            raise ValidationError(_("The two currencies of a rate must differ."))


class MarketEvent(Fact):
    """Something that happened in the market: a launch, an entry, an assembly start, a policy, a
    charging station, a sales figure, an arrival of vehicles of no known model, or a company's
    announcement or claim that names no speaker (a named person's words are a Statement)."""

    url_name = "event"

    class Kind(models.TextChoices):
        LAUNCH = "launch", _("Launch")
        MARKET_ENTRY = "market_entry", _("Market entry")
        UNVEILING = "unveiling", _("Unveiling")
        ASSEMBLY_START = "assembly_start", _("Assembly start")
        AGREEMENT = "agreement", _("Agreement")
        MEETING = "meeting", _("Meeting")
        POLICY = "policy", _("Policy")
        MILESTONE = "milestone", _("Production or sales milestone")
        SALES = "sales", _("Sales or market figure")
        CHARGING = "charging", _("Charging network")
        IMPORT = "import", _("Import or arrival")
        ANNOUNCEMENT = "announcement", _("Announcement or claim")
        OTHER = "other", _("Other")

    kind = models.CharField(max_length=20, choices=Kind)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    place = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = CountryField(blank=True)
    companies = models.ManyToManyField(Company, blank=True, related_name="events")
    vehicle_models = models.ManyToManyField(VehicleModel, blank=True, related_name="events")
    people = models.ManyToManyField(Person, blank=True, related_name="events")

    objects = FactManager.from_queryset(querysets.MarketEventQuerySet)()
    history = HistoricalRecords(
        m2m_fields=["other_sources", "companies", "vehicle_models", "people"]
    )

    class Meta:
        ordering = ["-date", "title"]
        indexes = list_indexes(
            "event",
            dated=["kind", "claim_status", "date_precision"],
            plain=["title", "city"],
        )
        verbose_name = "market event"

    def __str__(self):
        return f"{self.title} ({self.date_display})"


class Statement(Fact):
    """What a person said, attributed and dated."""

    class Kind(models.TextChoices):
        DIRECT_QUOTE = "quote", _("Direct quote")
        PARAPHRASE = "paraphrase", _("Paraphrase")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="statements")
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.DIRECT_QUOTE)
    context = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Where and to whom it was said."),
    )
    event = models.ForeignKey(
        MarketEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        help_text=_("The event at which it was said, if any."),
    )
    companies = models.ManyToManyField(
        Company,
        blank=True,
        related_name="statements",
        help_text=_("Companies the statement is about."),
    )
    vehicle_models = models.ManyToManyField(
        VehicleModel,
        blank=True,
        related_name="statements",
        help_text=_("Vehicle models the statement is about."),
    )

    objects = FactManager.from_queryset(querysets.StatementQuerySet)()
    history = HistoricalRecords(m2m_fields=["other_sources", "companies", "vehicle_models"])

    class Meta:
        ordering = ["-date", "person__name"]
        indexes = list_indexes("statement", dated=("claim_status", "kind"))

    def __str__(self):
        text = self.text if len(self.text) <= 60 else f"{self.text[:57]}…"
        return f"{self.person}: “{text}”" if self.person_id else text

    def get_absolute_url(self):
        return f"{self.person.get_absolute_url()}#statement-{self.uuid}"


class ReferenceDataLoad(models.Model):
    """A record of loading the reference fixtures, so that an unchanged set is not reloaded."""

    checksum = models.CharField(max_length=64)
    object_count = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-loaded_at"]
        get_latest_by = "loaded_at"

    def __str__(self):
        return f"{self.object_count} objects, {self.checksum[:12]}…, {self.loaded_at:%Y-%m-%d}"


class DataVersion(models.Model):
    """A counter that every write to the tracker's data bumps; cached pages and ETags carry it,
    so an editor's change shows at once."""

    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "data version"

    def __str__(self):
        return f"data version {self.version}"


# The search tables live in their own module (entrants/search/models.py); imported here so
# that Django registers them with the app.
from entrants.search.models import SearchDocument, SearchTerm  # noqa: E402, F401
