"""The admin's "Suggest links" step, accepted: the links and draft facts an editor ticked in
the suggestion forms (``entrants.newsdesk.forms``) become links and facts citing the news item,
all of them or none.
"""

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
)

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
    "price points": ngettext_lazy("%(count)d price point", "%(count)d price points", "count"),
    "sightings": ngettext_lazy("%(count)d sighting", "%(count)d sightings", "count"),
    "events": ngettext_lazy("%(count)d event", "%(count)d events", "count"),
}


def summary(made):
    """Return what ``apply`` made, in words: "1 link, 2 new companies" ("" for nothing)."""
    return ", ".join(MADE[what] % {"count": count} for what, count in made.items() if count)


@transaction.atomic
@change_reason(SUGGESTIONS_ACCEPTED)
def apply(news_item, forms_by_name):
    """Create what the editor accepted, all or nothing; return a summary of what was made.
    Each version written has the change reason "Suggest links: accepted"."""
    links = forms_by_name["links"].cleaned_data
    made = {"links": 0, "new companies": 0, "price points": 0, "sightings": 0, "events": 0}
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

    fact_defaults = {"source": news_item, "claim_status": ClaimStatus.REPORTED, "notes": DRAFT_NOTE}
    for form in forms_by_name["prices"]:
        if not form.accepted():
            continue
        data = form.cleaned_data
        price = PricePoint(
            vehicle_model=data["vehicle_model"],
            amount=data["amount"],
            currency=data["currency"],
            market=data["market"].upper(),
            kind=data["kind"],
            date=truncate_date(data["date"], data["date_precision"]),
            date_precision=data["date_precision"],
            **fact_defaults,
        )
        full_clean_or_raise(price, f"Price {data['currency']} {data['amount']}")
        price.save()
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
        made["price points"] += 1
    for form in forms_by_name["sightings"]:
        if not form.accepted():
            continue
        data = form.cleaned_data
        sighting = Sighting(
            vehicle_model=data["vehicle_model"],
            place=data["place"],
            city=data["city"],
            quantity=data["quantity"],
            date=truncate_date(data["date"], data["date_precision"]),
            date_precision=data["date_precision"],
            **fact_defaults,
        )
        full_clean_or_raise(sighting, f"Sighting at {data['place']}")
        sighting.save()
        made["sightings"] += 1
    for form in forms_by_name["events"]:
        if not form.accepted():
            continue
        data = form.cleaned_data
        event = MarketEvent(
            kind=data["kind"],
            title=data["title"],
            date=truncate_date(data["date"], data["date_precision"]),
            date_precision=data["date_precision"],
            **fact_defaults,
        )
        full_clean_or_raise(event, f"Event “{data['title'][:60]}”")
        event.save()
        event.companies.set(data["companies"])
        event.vehicle_models.set(data["vehicle_models"])
        made["events"] += 1
    return made
