"""The admin's "Suggest links" step, accepted: the links and draft facts an editor ticked in
the suggestion forms (``entrants.newsdesk.forms``) become links and facts citing the news item,
all of them or none.
"""

from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import ngettext_lazy

from entrants.dates import truncate_date
from entrants.history import SUGGESTIONS_ACCEPTED, change_reason
from entrants.models import (
    ClaimStatus,
    Company,
    MarketEvent,
    PricePoint,
    Sighting,
    StatedConversion,
    VehicleModel,
)
from entrants.newsdesk.duplicates import SAME, existing_match
from entrants.newsdesk.mentions import fill_mentions

DRAFT_NOTE = "Suggested from the article text and accepted by an editor; check before relying."


class DraftError(Exception):
    """A draft failed the model's own validation; the message says which and why."""


def full_clean_or_raise(instance, label, exclude=()):
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        messages = "; ".join(
            f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
            for name, errors in error.message_dict.items()
        )
        raise DraftError(f"{label}: {messages}") from error


#: How ``summary`` says each count that ``apply`` returns: "1 link", "2 new companies".
MADE = {
    "links": ngettext_lazy("%(count)d link", "%(count)d links", "count"),
    "new companies": ngettext_lazy("%(count)d new company", "%(count)d new companies", "count"),
    "new models": ngettext_lazy("%(count)d new model", "%(count)d new models", "count"),
    "price points": ngettext_lazy("%(count)d price point", "%(count)d price points", "count"),
    "sightings": ngettext_lazy("%(count)d sighting", "%(count)d sightings", "count"),
    "events": ngettext_lazy("%(count)d event", "%(count)d events", "count"),
}


def summary(made):
    """Return what ``apply`` made, in words: "1 link, 2 new companies" ("" for nothing)."""
    return ", ".join(MADE[what] % {"count": count} for what, count in made.items() if count)


def fact_defaults(news_item):
    """Return the fields every accepted draft fact shares: it cites the news item, reported."""
    return {"source": news_item, "claim_status": ClaimStatus.REPORTED, "notes": DRAFT_NOTE}


def dated(data):
    """Return a draft's date fields, the date cut to its precision (a month's is its first day)."""
    return {
        "date": truncate_date(data["date"], data["date_precision"]),
        "date_precision": data["date_precision"],
    }


def build_price(data, news_item):
    """Return an unsaved price point from a price draft, and its label."""
    price = PricePoint(
        vehicle_model=data["vehicle_model"],
        amount=data["amount"],
        currency=data["currency"],
        market=data["market"].upper(),
        kind=data["kind"],
        **dated(data),
        **fact_defaults(news_item),
    )
    return price, f"Price {data['currency']} {data['amount']}"


def save_stated_conversions(price, data, news_item):
    """Save the conversions the source states of a saved price ("about $34,600")."""
    for currency, amount, approximate in data["stated"]:
        conversion = StatedConversion(
            price_point=price,
            source=news_item,
            amount=amount,
            currency=currency,
            is_approximate=approximate,
        )
        full_clean_or_raise(conversion, f"Stated conversion {currency} {amount}")
        conversion.save()


def build_sighting(data, news_item):
    """Return an unsaved sighting from a sighting draft, and its label."""
    sighting = Sighting(
        vehicle_model=data["vehicle_model"],
        kind=data["kind"],
        importer=data["importer"],
        place=data["place"],
        city=data["city"],
        quantity=data["quantity"],
        **dated(data),
        **fact_defaults(news_item),
    )
    return sighting, f"{sighting.get_kind_display()} of {sighting}"


def build_event(data, news_item):
    """Return an unsaved market event from an event draft, and its label."""
    event = MarketEvent(
        kind=data["kind"],
        title=data["title"],
        **dated(data),
        **fact_defaults(news_item),
    )
    return event, f"Event “{data['title'][:60]}”"


def link_event(event, data, news_item):
    """Set the companies and models of a saved event (many-to-many: they need its id)."""
    event.companies.set(data["companies"])
    event.vehicle_models.set(data["vehicle_models"])


class DraftKind(NamedTuple):
    """One kind of draft: its formset, the count ``apply`` returns for it, how a form becomes an
    unsaved instance and its label, and what is saved once the instance is (or None)."""

    formset: str
    made: str
    build: Callable
    after_save: Callable | None = None


#: The drafts ``apply`` creates, in this order.
DRAFT_KINDS = (
    DraftKind("prices", "price points", build_price, save_stated_conversions),
    DraftKind("sightings", "sightings", build_sighting),
    DraftKind("events", "events", build_event, link_event),
)


@transaction.atomic
@change_reason(SUGGESTIONS_ACCEPTED)
def apply(news_item, forms_by_name):
    """Create what the editor accepted, all or nothing; return a summary of what was made.
    Each version written has the change reason "Suggest links: accepted"."""
    links = forms_by_name["links"].cleaned_data
    made = {"links": 0, "new companies": 0, "new models": 0} | {k.made: 0 for k in DRAFT_KINDS}
    news_item.companies.add(*links["companies"])
    news_item.vehicle_models.add(*links["vehicle_models"])
    news_item.people.add(*links["people"])
    made["links"] = len(links["companies"]) + len(links["vehicle_models"]) + len(links["people"])
    for name in links["new_companies"]:
        company = Company(
            name=name, kind=Company.Kind.OTHER, description=f"Added from “{news_item.headline}”."
        )
        full_clean_or_raise(company, f"New company “{name}”", exclude=["slug"])
        company.save()
        news_item.companies.add(company)
        made["new companies"] += 1
    new_models = {}
    for name in links["new_models"]:
        new_models[name] = add_new_model(forms_by_name["links"].new_models[name], news_item)
        made["new models"] += 1

    for kind in DRAFT_KINDS:
        for form in forms_by_name[kind.formset]:
            if not form.accepted():
                continue
            data = on_new_model(form.cleaned_data, new_models)
            instance, label = kind.build(data, news_item)
            full_clean_or_raise(instance, label)
            refuse_duplicate(instance, label)
            instance.save()
            if kind.after_save is not None:
                kind.after_save(instance, data, news_item)
            made[kind.made] += 1
    fill_mentions(news_item)
    return made


def refuse_duplicate(fact, label):
    """Refuse a draft that its news item already holds as a fact (accepted twice, say), in
    words. (A match from another source is another report of it: the admin's forms warn.)"""
    model = type(fact)
    if model not in SAME:
        return
    values = {name: getattr(fact, name) for name in {*SAME[model], "source"}}
    match = existing_match(model, values)
    if match is not None:
        raise DraftError(f"{label}: already recorded ({match}); untick it.")


def add_new_model(mention, news_item):
    """Create and link the vehicle model an editor ticked among the new names ("BYD Seagull"),
    on its maker: a known company, or one of that name added in the same step ("GuGo", or the
    only company whose name starts with it: "GuGo Motors")."""
    maker = Company.objects.filter(pk=mention.maker_id).first() if mention.maker_id else None
    maker = maker or Company.objects.filter(name__iexact=mention.maker).first()
    if maker is None:
        named = Company.objects.filter(name__istartswith=f"{mention.maker} ")[:2]
        maker = named[0] if len(named) == 1 else None
    if maker is None:
        raise DraftError(
            f"New model “{mention.name}”: its maker “{mention.maker}” is not in the tracker; "
            "tick it among the new companies too, or add it first."
        )
    model = VehicleModel(
        maker=maker,
        name=mention.model,
        variant=mention.variant,
        description=f"Added from “{news_item.headline}”.",
    )
    full_clean_or_raise(model, f"New model “{mention.name}”", exclude=["slug"])
    model.save()
    news_item.vehicle_models.add(model)
    return model


def on_new_model(data, new_models):
    """Return a draft's data with its vehicle model: the one chosen, else the new model it is
    about if the editor ticked that one; refused in words otherwise."""
    if data.get("vehicle_model") or not data.get("new_model_name"):
        return data
    name = data["new_model_name"]
    if name not in new_models:
        raise DraftError(
            f"“{name}” is not a vehicle model yet: tick it among the new models, or choose "
            "a model for this draft."
        )
    return {**data, "vehicle_model": new_models[name]}
