"""Atom feeds (``django.contrib.syndication``): the news as entered, the facts as entered
(site-wide, per company and per model) and the recent changes.

Entries are dated by the tracker: ``published`` is when the record was entered, ``updated``
when it last changed. The date a fact or a report carries, known only to the day, month or
year, is written in words in the entry's summary, with its claim status and its sources. Who
entered or changed a record is never in a feed: every feed's author (RFC 4287 requires one) is
the tracker itself; a news entry's is the report's author or publisher.
"""

import heapq
import uuid
from itertools import islice

from django.contrib.syndication.views import Feed
from django.core.exceptions import BadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from entrants import changes, selectors
from entrants.currency import format_amount
from entrants.models import (
    Company,
    MarketEvent,
    NewsItem,
    Partnership,
    PricePoint,
    Sighting,
    VehicleModel,
)
from entrants.querysets import FEED_ROWS

SITE = "Pakistan EV tracker"
# The feeds' author: the tracker, by its full name (the feed's entries are its own summaries).
AUTHOR = "Pakistan EV market tracker"
# The facts a facts feed carries (statements are what people said: see /statements/).
FEED_KINDS = ("sightings", "prices", "partnerships", "events")
EVERY_FACT = {
    "sightings": Sighting.objects.all(),
    "prices": PricePoint.objects.all(),
    "partnerships": Partnership.objects.all(),
    "events": MarketEvent.objects.all(),
}
# The namespace of the entry ids of changes (``urn:uuid:``, the same on every host).
CHANGES_NAMESPACE = uuid.UUID("a4316c66-50fb-4ce1-b128-2135fe06e084")  # random, made once


def latest_facts(facts, limit=FEED_ROWS):
    """Return the latest ``limit`` facts entered of the querysets ``facts`` (by kind; those of
    ``FEED_KINDS``), newest entered first: ``limit`` of each kind read, then merged."""
    rows = [facts[name].for_feed(limit) for name in FEED_KINDS]
    merged = heapq.merge(*rows, key=lambda fact: (fact.created_at, fact.pk), reverse=True)
    return list(islice(merged, limit))


def fact_kind(fact):
    """Return what the fact is, in a word: "Sighting", "Import", "Price"…"""
    if isinstance(fact, Sighting):
        return fact.get_kind_display()
    return {PricePoint: "Price", Partnership: "Partnership", MarketEvent: "Event"}[type(fact)]


def fact_title(fact):
    """Return the entry title of a fact: "Price: Xiaomi SU7 at CNY 215,900 in China
    (confirmed)", "Import: Xiaomi SU7 imported through Karachi port (reported)"."""
    status = fact.get_claim_status_display().lower()
    if isinstance(fact, Sighting):
        what = f"{fact.vehicle_model} {fact.where}"
    elif isinstance(fact, PricePoint):
        amount = format_amount(fact.amount, fact.currency)
        what = f"{fact.vehicle_model} at {amount} in {fact.market.name}"
    elif isinstance(fact, Partnership):
        what = str(fact)
    else:
        what = fact.title
    return f"{fact_kind(fact)}: {what} ({status})"


class TrackerFeed(Feed):
    """An Atom feed of the tracker: its entries' summaries are rendered from a template
    (escaped, as every page is), with the site's address for absolute links."""

    feed_type = Atom1Feed
    author_name = AUTHOR

    def get_context_data(self, **kwargs):
        request = kwargs["request"]
        return {
            "obj": kwargs["item"],
            "site_url": f"{request.scheme}://{request.get_host()}",
        }

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at


class NewsFeed(TrackerFeed):
    """``/feeds/news/``: the latest news items entered, newest first."""

    title = f"{SITE}: news"
    subtitle = "The latest news reports entered in the tracker, newest first."
    description_template = "entrants/_feed_news.html"

    def link(self):
        return reverse("entrants:news_list")

    def items(self):
        return NewsItem.objects.for_feed()

    def item_title(self, news):
        return news.headline

    def item_author_name(self, news):
        return news.author or news.publisher.name

    def item_categories(self, news):
        return [news.publisher.name]


class FactsFeed(TrackerFeed):
    """``/feeds/facts/``: the latest sightings, imports, prices, partnerships and events
    entered, newest first, each with its claim status, date and sources."""

    title = f"{SITE}: new facts"
    subtitle = (
        "The latest sightings, imports, prices, partnerships and market events entered, "
        "each with its claim status, its date as precisely as it is known, and its sources."
    )
    description_template = "entrants/_feed_fact.html"

    def link(self):
        return reverse("entrants:home")

    def items(self):
        return latest_facts(EVERY_FACT)

    def item_title(self, fact):
        return fact_title(fact)

    def item_guid(self, fact):
        return f"urn:uuid:{fact.uuid}"

    def item_guid_is_permalink(self, fact):
        return False

    def item_categories(self, fact):
        return [fact_kind(fact), fact.get_claim_status_display()]


class CompanyFeed(FactsFeed):
    """``/companies/<slug>/feed/``: the latest facts about one company."""

    def get_object(self, request, slug):
        return get_object_or_404(Company, slug=slug)

    def title(self, company):
        return f"{SITE}: {company.name}"

    def subtitle(self, company):
        return (
            f"The latest sightings, imports, prices, partnerships and events about "
            f"{company.name} and its models entered in the tracker."
        )

    def link(self, company):
        return company.get_absolute_url()

    def items(self, company):
        return latest_facts(selectors.facts_about_company(company))


class ModelFeed(FactsFeed):
    """``/models/<slug>/feed/``: the latest facts about one vehicle model."""

    def get_object(self, request, slug):
        return get_object_or_404(VehicleModel.objects.select_related("maker"), slug=slug)

    def title(self, vehicle_model):
        return f"{SITE}: {vehicle_model}"

    def subtitle(self, vehicle_model):
        return (
            f"The latest sightings, imports, prices, partnerships and events about "
            f"{vehicle_model} entered in the tracker."
        )

    def link(self, vehicle_model):
        return vehicle_model.get_absolute_url()

    def items(self, vehicle_model):
        return latest_facts(selectors.facts_about_model(vehicle_model))


class ChangesFeed(TrackerFeed):
    """``/changes/feed/``: the latest changes (``?kind=price`` for one kind), newest first."""

    description_template = "entrants/_feed_change.html"

    def get_object(self, request):
        kind = request.GET.get("kind", "")
        if kind and kind not in changes.KINDS:
            raise BadRequest(f"No such kind of record; kinds: {', '.join(changes.KINDS)}.")
        return kind

    def title(self, kind):
        return f"{SITE}: recent changes" + (
            f" to {changes.KINDS[kind].plural.lower()}" if kind else ""
        )

    def subtitle(self, kind):
        return "What was added, changed, withdrawn or deleted in the tracker, newest first."

    def link(self, kind):
        path = reverse("entrants:changes")
        return f"{path}?kind={kind}" if kind else path

    def feed_url(self, kind):
        # The feed's own address with its kind: rel="self" (by default the path alone).
        path = reverse("entrants:changes_feed")
        return f"{path}?kind={kind}" if kind else path

    def items(self, kind):
        return changes.ChangeLog([kind] if kind else ())[:FEED_ROWS]

    def item_title(self, change):
        if change.withheld:  # "Person deleted", "Person added (since deleted)"
            gone = "" if change.action == changes.DELETED else " (since deleted)"
            return f"{change.kind_label} {change.action}{gone}"
        return f"{change.kind_label} {change.action}: {change.what}"

    def item_link(self, change):
        return change.url or f"{reverse('entrants:changes')}#{change.key}"

    def item_guid(self, change):
        return f"urn:uuid:{uuid.uuid5(CHANGES_NAMESPACE, change.key)}"

    def item_guid_is_permalink(self, change):
        return False

    def item_pubdate(self, change):
        return change.when

    def item_updateddate(self, change):
        return change.when

    def item_categories(self, change):
        return [change.kind_label, change.action]
