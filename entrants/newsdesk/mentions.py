"""What a news item mentions, filled from the facts that cite it: the companies, models and
people its facts name are linked to it on save, so the editor need not tick them by hand (and
may still add more; nothing is ever unlinked here)."""

from entrants.models import (
    MarketEvent,
    Partnership,
    PricePoint,
    Sighting,
    Statement,
    VehicleModel,
)

# Where each fact of a news item names a model, a company or a person: (fact model, field).
MODELS_NAMED = (
    (PricePoint, "vehicle_model"),
    (Sighting, "vehicle_model"),
    (Partnership, "vehicle_models"),
    (MarketEvent, "vehicle_models"),
    (Statement, "vehicle_models"),
)
COMPANIES_NAMED = (
    (Sighting, "importer"),
    (Sighting, "reported_by"),
    (Partnership, "company"),
    (Partnership, "partner"),
    (MarketEvent, "companies"),
    (Statement, "companies"),
    (Statement, "person__organisation"),
)
PEOPLE_NAMED = ((MarketEvent, "people"), (Statement, "person"))


def named(news, fields):
    """Return the keys that the facts citing ``news`` hold in ``fields``, as a set."""
    keys = set()
    for fact_model, field in fields:
        found = fact_model.objects.filter(source=news, **{f"{field}__isnull": False})
        keys.update(found.values_list(field, flat=True))
    return keys


def fill_mentions(news):
    """Link ``news`` to every company, model and person named by the facts it is the source of:
    each fact's models and their makers, a sighting's importer and reporter, a partnership's two
    companies, an event's or a statement's companies, models and people (and the speaker's
    organisation). Return how many links were added."""
    models = named(news, MODELS_NAMED)
    makers = VehicleModel.objects.filter(pk__in=models).values_list("maker", flat=True)
    companies = named(news, COMPANIES_NAMED) | set(makers)
    added = 0
    for relation, keys in (
        (news.vehicle_models, models),
        (news.companies, companies),
        (news.people, named(news, PEOPLE_NAMED)),
    ):
        new = keys - set(relation.values_list("pk", flat=True))
        relation.add(*new)
        added += len(new)
    return added
