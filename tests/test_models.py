"""Model behaviour an editor relies on: readable dates, unique slugs, currency codes."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Value

from entrants.dates import DatePrecision, format_partial_date
from entrants.models import Company, PricePoint
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("precision", "shown"),
    [
        (DatePrecision.DAY, "28 September 2024"),
        (DatePrecision.MONTH, "September 2024"),
        (DatePrecision.YEAR, "2024"),
    ],
)
def test_dates_are_shown_only_as_precisely_as_known(precision, shown):
    assert format_partial_date(datetime.date(2024, 9, 28), precision) == shown


def test_unknown_dates_say_so():
    assert format_partial_date(None, DatePrecision.DAY) == "date unknown"


def test_people_with_the_same_name_get_distinct_slugs():
    first = factories.PersonFactory(name="Muhammad Ali", slug="")
    second = factories.PersonFactory(name="Muhammad Ali", slug="")
    assert first.slug == "muhammad-ali"
    assert second.slug == "muhammad-ali-2"


def test_syndicated_headline_from_two_publishers_gets_distinct_slugs():
    first = factories.NewsItemFactory(headline="BYD enters Pakistan", slug="")
    second = factories.NewsItemFactory(headline="BYD enters Pakistan", slug="")
    assert first.slug != second.slug


def test_non_latin_company_name_does_not_block_later_companies():
    urdu = Company(name="پاک سوزوکی", kind=Company.Kind.LOCAL_ASSEMBLER)
    urdu.full_clean()
    urdu.save()
    assert urdu.slug == "پاک-سوزوکی"
    byd = Company(name="BYD", kind=Company.Kind.MANUFACTURER)
    byd.full_clean()  # must not say "Company with this Slug already exists"
    byd.save()
    assert byd.slug == "byd"


@pytest.mark.parametrize("code", ["U1D", "   ", "usd"])
def test_database_refuses_currency_codes_that_are_not_three_capitals(code):
    price = factories.PricePointFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PricePoint.objects.filter(pk=price.pk).update(currency=Value(code))
