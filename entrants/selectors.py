"""Reads that feed pages, charts and aggregates."""

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

COUNTED_MODELS = [
    Company,
    VehicleModel,
    Partnership,
    Sighting,
    PricePoint,
    MarketEvent,
    Person,
    Statement,
    NewsItem,
    ExchangeRate,
]


def headline_counts():
    """Return (model options, count) for each kind of record the tracker holds."""
    return [(model._meta, model.objects.count()) for model in COUNTED_MODELS]
