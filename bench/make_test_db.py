"""Make a synthetic SQLite database for trying the benchmark harness (not used by `make bench`).

    .venv/bin/python bench/make_test_db.py /tmp/bench.sqlite3 --sightings 60000 --history 10000

It migrates a new database, loads the reference data (so every fact cites a real news item),
then adds daily exchange rates, sightings across five cities and one model with a long price
history: enough rows for page 1,000 of the Karachi sightings and a 10,000-point chart. The
numbers are made up; use `manage.py generate_demo_data` for the project's own demo data.
"""

import argparse
import datetime
import os
import random
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CITIES = ("Karachi", "Lahore", "Islamabad", "Rawalpindi", "Faisalabad")
PLACES = ("port", "showroom", "motorway", "dealership", "expo centre", "service station")
FIRST_DAY = datetime.date(2022, 1, 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="the SQLite file to create")
    parser.add_argument("--sightings", type=int, default=60_000)
    parser.add_argument(
        "--karachi-share", type=float, default=0.45, help="share of sightings in Karachi"
    )
    parser.add_argument("--history", type=int, default=10_000, help="prices of the chart's model")
    parser.add_argument("--prices", type=int, default=500, help="prices of the other models")
    parser.add_argument(
        "--days", type=int, default=4 * 365, help="days of sightings, prices and daily rates"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)

    path = args.path.resolve()
    if path.exists():
        if not args.force:
            parser.error(f"{path} exists; pass --force to replace it")
        path.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evmarket.settings")
    sys.path.insert(0, str(BASE_DIR))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=StringIO())
    fill(args, random.Random(args.seed))
    print(f"Wrote {path}")


def fill(args, rng):
    from entrants.models import (
        ClaimStatus,
        ExchangeRate,
        NewsItem,
        PricePoint,
        Sighting,
        VehicleModel,
    )

    models = list(VehicleModel.objects.order_by("slug"))
    sources = list(NewsItem.objects.order_by("slug"))
    days = [FIRST_DAY + datetime.timedelta(days=n) for n in range(args.days)]

    rates = []
    for day in days:
        drift = Decimal(rng.randint(-300, 300)) / 100
        rates.append((day, "USD", "PKR", Decimal("278.50") + drift))
        rates.append((day, "USD", "CNY", Decimal("7.1000") + drift / 100))
    ExchangeRate.objects.bulk_create(
        [
            ExchangeRate(
                date=day,
                base=base,
                quote=quote,
                rate=rate,
                source=ExchangeRate.Source.OTHER,
                claim_status=ClaimStatus.REPORTED,
                notes="Synthetic benchmark rate",
            )
            for day, base, quote, rate in rates
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )

    statuses = [ClaimStatus.REPORTED, ClaimStatus.CONFIRMED, ClaimStatus.RUMOURED]
    karachi = round(args.sightings * args.karachi_share)
    cities = ["Karachi"] * karachi + [
        rng.choice(CITIES[1:]) for _ in range(args.sightings - karachi)
    ]
    rng.shuffle(cities)
    Sighting.objects.bulk_create(
        (
            Sighting(
                vehicle_model=rng.choice(models),
                place=f"{city} {rng.choice(PLACES)}",
                city=city,
                quantity=rng.choice([None, 1, 2, 3, 5]),
                date=rng.choice(days),
                claim_status=rng.choice(statuses),
                source=rng.choice(sources),
            )
            for city in cities
        ),
        batch_size=2000,
    )

    charted = next((m for m in models if m.slug == "xiaomi-su7"), models[0])
    currencies = [("CNY", 215_900), ("USD", 30_000), ("PKR", 8_550_000)]
    prices = []
    for n in range(args.history + args.prices):
        model = charted if n < args.history else rng.choice(models)
        currency, base = rng.choice(currencies)
        prices.append(
            PricePoint(
                vehicle_model=model,
                amount=Decimal(base) * Decimal(rng.randint(90, 110)) / 100,
                currency=currency,
                market=rng.choice(["CN", "PK"]),
                kind=rng.choice(PricePoint.Kind.values),
                date=rng.choice(days),
                claim_status=rng.choice(statuses),
                source=rng.choice(sources),
            )
        )
    PricePoint.objects.bulk_create(prices, batch_size=2000)


if __name__ == "__main__":
    main()
