"""What many pages need and only a write can change, read in five queries once per data
version: the filters' lists of models, companies and countries, and the exchange rates.

The first page after a write costs those queries more than the next, whichever lists it
filters by and however many prices it converts."""

from dataclasses import dataclass

from django.db.models import Exists, Min, OuterRef
from django_countries import countries as all_countries

from entrants.cache import per_data_version
from entrants.currency import RateTable
from entrants.models import Company, ExchangeRate, NewsItem, Person, PricePoint, VehicleModel


@dataclass(frozen=True)
class Lookups:
    """The (slug, label) choices of the filters, the countries that give rows, and the rates."""

    models: list
    companies: list
    makers: list
    publishers: list
    people: list
    countries: dict  # "entrants.company.country" -> [(code, name)]
    rates: list  # ExchangeRate instances by date, base and quote
    rate_table: RateTable


def current():
    """Return the lookups, read once per data version in this process."""
    return per_data_version("lookups", read)


def rate_table(prefer=""):
    """Return every exchange rate, indexed for conversion (see ``RateTable``), with the source
    ``prefer`` forced wherever it has a rate ("" for each pair's usual order)."""
    return current().rate_table.preferring(prefer)


def read():
    """Read the lookups: five queries, once per data version."""
    first_per_market = PricePoint.objects.order_by().values("market").annotate(first=Min("pk"))
    rows = {
        "models": VehicleModel.objects.select_related("maker").order_by(
            "maker__name", "name", "variant"
        ),
        "companies": Company.objects.order_by("name").annotate(
            makes_models=Exists(VehicleModel.objects.filter(maker=OuterRef("pk"))),
            publishes_news=Exists(NewsItem.objects.filter(publisher=OuterRef("pk"))),
        ),
        "markets": PricePoint.objects.filter(pk__in=first_per_market.values("first")).only(
            "market"
        ),
        "rates": list(ExchangeRate.objects.for_list()),
        "people": Person.objects.order_by("name").values_list("slug", "name"),
    }
    companies = rows["companies"]
    return Lookups(
        models=[(model.slug, str(model)) for model in rows["models"]],
        companies=[(company.slug, company.name) for company in companies],
        makers=[(company.slug, company.name) for company in companies if company.makes_models],
        publishers=[(c.slug, c.name) for c in companies if c.publishes_news],
        people=list(rows["people"]),
        countries={
            "entrants.company.country": country_choices(c.country.code for c in companies),
            "entrants.pricepoint.market": country_choices(p.market.code for p in rows["markets"]),
        },
        rates=rows["rates"],
        rate_table=RateTable(
            {name: getattr(rate, name) for name in RateTable.FIELDS} for rate in rows["rates"]
        ),
    )


def country_choices(codes):
    """Return (code, name) for each country in ``codes``, by name, once each."""
    names = dict(all_countries)
    return sorted(
        ((code, names.get(code, code)) for code in set(codes) if code),
        key=lambda choice: choice[1],
    )
