"""How pages read their rows: one named QuerySet method per page, built from ``select_related``,
``prefetch_related`` and ``Prefetch`` (sliced for "the latest 50"), attached to the models as
their managers (``PricePoint.objects.for_list()``, ``VehicleModel.objects.for_detail()``…).

The models are looked up through the relations (``self.model``, a field's ``related_model``), so
this module does not import ``entrants.models``, which imports it.
"""

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower

# A detail page lists the latest DETAIL_ROWS facts of each kind (one more is read to know
# whether the list has more; the lists have the rest).
DETAIL_ROWS = 50
# A feed carries the latest FEED_ROWS records entered.
FEED_ROWS = 50


def count_of(queryset, field):
    """Return a subquery counting the rows of ``queryset`` whose ``field`` is the outer row:
    computed for the rows a page shows, where a JOIN and GROUP BY would count every row."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def related_model(model, name):
    return model._meta.get_field(name).related_model


# Columns no list shows or exports: the bookkeeping timestamps and the long texts of the rows a
# fact's list joins (a news item's body and summary, a company's or a model's description).
UNSHOWN = ("created_at", "updated_at", "body", "summary", "description")


def unshown(model, paths):
    """Return the ``UNSHOWN`` columns of the rows that ``paths`` (``select_related`` paths
    from ``model``) join, to ``defer()``: reading a 100,000-row export, converting timestamps
    and copying article bodies that nobody sees was a third of its time."""
    names, seen = [], set()
    for path in paths:
        current, prefix = model, ""
        for part in path.split("__"):
            current, prefix = related_model(current, part), f"{prefix}{part}__"
            if prefix in seen:
                continue
            seen.add(prefix)
            fields = {field.name for field in current._meta.concrete_fields}
            names += [f"{prefix}{name}" for name in UNSHOWN if name in fields]
    return names


def models_with_makers(model):
    """Prefetch ``model``'s vehicle models with their makers (a model is named with its
    maker's name)."""
    vehicle_model = related_model(model, "vehicle_models")
    return Prefetch("vehicle_models", queryset=vehicle_model.objects.select_related("maker"))


class NewestFirstQuerySet(QuerySet):
    """Rows with a ``date`` that may be unknown, listed newest first on a detail page."""

    def newest(self, limit=DETAIL_ROWS + 1):
        """Return the latest ``limit`` rows as a list, undated ones last.

        Two plain ``LIMIT`` queries: the dated rows newest first, then, only if there are fewer
        than ``limit``, the undated ones. Each reads backwards along a ``(…, date, id)`` index on
        both databases. One query ordered ``date DESC NULLS LAST`` cannot: PostgreSQL keeps NULLs
        at the end of an ascending index, so a backward walk meets them first, and it sorted all
        13,063 prices of the most-priced model at size M for each page (20 ms a list, against
        under 1 ms). Not a sliced ``Prefetch`` either: for one record's page it numbers every row
        of the relation with a window function before it keeps 51 (0.27 s a list on SQLite)."""
        rows = list(self.filter(date__isnull=False).order_by("-date", "-pk")[:limit])
        if len(rows) < limit:
            rows += self.filter(date__isnull=True).order_by("-pk")[: limit - len(rows)]
        return rows


class FactQuerySet(NewestFirstQuerySet):
    """Facts (sightings, prices, partnerships, events, statements): each with its source, its
    other sources and the rows its list and page show (``list_related``)."""

    list_related = ()

    def with_sources(self):
        """Select the source with its publisher and prefetch the other sources, as the list
        ``cited_sources`` (a list, not the relation's cache: Django then builds no manager and
        queryset per row, a fifth of what an export of 45,000 sightings cost).

        The other sources are ordered by the join table's key first: ordered by date alone,
        SQLite read every news item by its date index for each chunk of an export (3.4 s per
        2,000 sightings at size M, against 0.1 s)."""
        news = related_model(self.model, "source")
        citations = f"{self.model._meta.model_name}_citations__pk"
        other_sources = (
            news.objects.select_related("publisher")
            .defer(*UNSHOWN[:4], *unshown(news, ["publisher"]))
            .order_by(citations, "-date")
        )
        return self.select_related("source__publisher").prefetch_related(
            Prefetch("other_sources", queryset=other_sources, to_attr="cited_sources")
        )

    def for_list(self):
        related = ("source__publisher", *self.list_related)
        return (
            self.select_related(*self.list_related)
            .with_sources()
            .defer("created_at", "updated_at", *unshown(self.model, related))
        )

    def for_detail(self):
        return self.for_list()

    def for_feed(self, limit=FEED_ROWS):
        """Return the latest ``limit`` facts entered, newest first, as the list shows them,
        with when each was entered and last changed (the dates of a feed's entries)."""
        related = ("source__publisher", *self.list_related)
        rows = self.for_list().defer(None).defer(*unshown(self.model, related))
        return list(rows.order_by("-created_at", "-pk")[:limit])

    def citing(self, news):
        """Return the facts whose source or other source is ``news`` (each once)."""
        through = self.model.other_sources.through.objects.filter(newsitem=news)
        return self.filter(
            Q(source=news) | Q(pk__in=through.values(f"{self.model._meta.model_name}_id"))
        )

    def cited_news(self):
        """Return the keys of the news items these facts cite, as their source or as another
        source: two one-column queries, for ``union(all=True)`` with others
        (``selectors.news_citing``)."""
        facts = self.order_by()
        through = self.model.other_sources.through.objects.filter(
            **{f"{self.model._meta.model_name}__in": facts.values("pk")}
        )
        return [facts.values_list("source", flat=True), through.values_list("newsitem", flat=True)]


class PartnershipQuerySet(FactQuerySet):
    list_related = ("company", "partner")

    def for_list(self):
        return super().for_list().prefetch_related(models_with_makers(self.model))


class SightingQuerySet(FactQuerySet):
    list_related = ("vehicle_model__maker", "reported_by", "importer")


class PricePointQuerySet(FactQuerySet):
    list_related = ("vehicle_model__maker",)

    def for_list(self):
        stated = related_model(self.model, "stated_conversions")
        return (
            super()
            .for_list()
            .prefetch_related(
                Prefetch(
                    "stated_conversions",
                    queryset=stated.objects.select_related("source__publisher"),
                )
            )
        )


class MarketEventQuerySet(FactQuerySet):
    def for_list(self):
        return (
            super()
            .for_list()
            .prefetch_related("companies", models_with_makers(self.model), "people")
        )


class StatementQuerySet(FactQuerySet):
    list_related = ("person__organisation", "event")

    def for_list(self):
        return super().for_list().prefetch_related("companies", models_with_makers(self.model))


class CompanyQuerySet(QuerySet):
    """Companies, with whether each is active in Pakistan and how many models it makes."""

    def with_activity(self):
        """Annotate ``active_in_pakistan``: the company is Pakistani, has a model present in
        Pakistan, or partners with a Pakistani company (other than a denied partnership)."""
        vehicle_model = related_model(self.model, "vehicle_models")
        partnership = related_model(self.model, "partnerships")
        stage = vehicle_model.Stage
        models_here = vehicle_model.objects.filter(
            maker=OuterRef("pk"),
            stage_in_pakistan__in=[
                stage.SIGHTED,
                stage.IMPORTED,
                stage.LAUNCHED,
                stage.LOCALLY_ASSEMBLED,
            ],
        )
        partners_here = partnership.objects.filter(
            Q(company=OuterRef("pk"), partner__country="PK")
            | Q(partner=OuterRef("pk"), company__country="PK")
        ).exclude(status=partnership.Status.DENIED)
        return self.annotate(
            active_in_pakistan=ExpressionWrapper(
                Q(country="PK") | Exists(models_here) | Exists(partners_here),
                output_field=BooleanField(),
            )
        )

    def for_list(self):
        vehicle_model = related_model(self.model, "vehicle_models")
        return (
            self.with_activity()
            .annotate(model_count=count_of(vehicle_model.objects.all(), "maker"))
            .select_related("parent")
            .prefetch_related("aliases")
        )

    def for_detail(self):
        """The company with its models, aliases, people and subsidiaries, and the latest
        ``DETAIL_ROWS`` (and one) of its sightings; the other timelines, which select by more
        than one relation, come from ``facts_about``."""
        vehicle_model = related_model(self.model, "vehicle_models")
        return self.select_related("parent").prefetch_related(
            Prefetch("vehicle_models", queryset=vehicle_model.objects.select_related("maker")),
            "aliases",
            "people",
            "subsidiaries",
        )


class VehicleModelQuerySet(QuerySet):
    """Vehicle models with their makers."""

    def for_list(self):
        return self.select_related("maker").prefetch_related("prices")

    def with_price_count(self):
        price = related_model(self.model, "prices")
        return self.select_related("maker").annotate(
            price_count=count_of(price.objects.all(), "vehicle_model")
        )

    def for_detail(self):
        """The model with its maker, price count, aliases and partnerships (each with its
        sources); its latest prices, sightings and events are read with ``newest()``."""
        partnership = related_model(self.model, "partnerships")
        return self.with_price_count().prefetch_related(
            Prefetch(
                "partnerships",
                queryset=partnership.objects.for_list().order_by(*partnership._meta.ordering, "pk"),
            ),
            "aliases",
        )

    def for_compare(self):
        """The models with what the comparison shows: maker and price count, how many
        sightings and imports each has, and, one prefetch each whatever their number, the
        latest price in each market (``latest_prices``), the latest sighting and the latest
        import (``latest_sightings``) and the partnerships (``compared_partnerships``), each
        with its sources. Undated rows count as older than every dated one."""
        price = related_model(self.model, "prices")
        sighting = related_model(self.model, "sightings")
        partnership = related_model(self.model, "partnerships")
        newest = (F("date").desc(nulls_last=True), "-pk")
        latest_price = (
            price.objects.filter(vehicle_model=OuterRef("vehicle_model"), market=OuterRef("market"))
            .order_by(*newest)
            .values("pk")[:1]
        )
        latest_sighting = (
            sighting.objects.filter(vehicle_model=OuterRef("vehicle_model"), kind=OuterRef("kind"))
            .order_by(*newest)
            .values("pk")[:1]
        )
        kind = sighting.Kind
        return (
            self.with_price_count()
            .annotate(
                sighting_count=count_of(
                    sighting.objects.filter(kind=kind.SIGHTED), "vehicle_model"
                ),
                import_count=count_of(sighting.objects.filter(kind=kind.IMPORTED), "vehicle_model"),
            )
            .prefetch_related(
                Prefetch(
                    "prices",
                    queryset=price.objects.for_list()
                    .filter(pk=Subquery(latest_price))
                    .order_by("market", "pk"),
                    to_attr="latest_prices",
                ),
                Prefetch(
                    "sightings",
                    queryset=sighting.objects.for_list()
                    .filter(pk=Subquery(latest_sighting))
                    .order_by("kind", "pk"),
                    to_attr="latest_sightings",
                ),
                Prefetch(
                    "partnerships",
                    queryset=partnership.objects.for_list().order_by(
                        *partnership._meta.ordering, "pk"
                    ),
                    to_attr="compared_partnerships",
                ),
            )
        )

    def variants_of(self, vehicle_model):
        """Return the maker's other models of the same name (its variants)."""
        return (
            self.select_related("maker")
            .alias(lowered=Lower("name"))
            .filter(maker=vehicle_model.maker_id, lowered=vehicle_model.name.lower())
            .exclude(pk=vehicle_model.pk)
        )


class PersonQuerySet(QuerySet):
    def for_list(self):
        statement = related_model(self.model, "statements")
        return self.select_related("organisation").annotate(
            statement_count=count_of(statement.objects.all(), "person")
        )

    def for_detail(self):
        return self.select_related("organisation")


class NewsItemQuerySet(NewestFirstQuerySet):
    def for_list(self, fact_models=()):
        """News items with their publishers and how many facts of ``fact_models`` cite each as
        their source."""
        return self.select_related("publisher").annotate(
            fact_count=sum(
                (count_of(model.objects.all(), "source") for model in fact_models),
                start=Value(0),
            )
        )

    def newest(self, limit=DETAIL_ROWS + 1):
        """The latest news items with their publishers, for a list of headlines (see
        ``NewestFirstQuerySet.newest``)."""
        headlines = self.select_related("publisher").defer(
            *UNSHOWN[:4], *unshown(self.model, ["publisher"])
        )
        return NewestFirstQuerySet.newest(headlines, limit)

    def for_feed(self, limit=FEED_ROWS):
        """Return the latest ``limit`` news items entered, newest first, with their
        publishers."""
        headlines = self.select_related("publisher").defer(
            "body", *unshown(self.model, ["publisher"])
        )
        return list(headlines.order_by("-created_at", "-pk")[:limit])

    def for_detail(self):
        news = self.model
        return self.select_related("publisher").prefetch_related(
            Prefetch("based_on", queryset=news.objects.select_related("publisher")),
            Prefetch("cited_by", queryset=news.objects.select_related("publisher")),
            "companies",
            Prefetch(
                "vehicle_models",
                queryset=related_model(news, "vehicle_models").objects.select_related("maker"),
            ),
            "people",
        )


class ExchangeRateQuerySet(QuerySet):
    def for_list(self):
        return self.order_by("date", "base", "quote")
