"""Dates as the news gives them: to the day, to the month ("in April") or to the year."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


def truncate_date(value, precision):
    """Return ``value`` cut down to the first day of its month or year, as ``precision`` says."""
    if value is None:
        return None
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    return value


def middle_of_period(value, precision):
    """Return the day a date known only to ``precision`` stands for when a rate is needed: the
    15th of its month, 1 July of its year, the day itself when known to the day."""
    if value is None:
        return None
    if precision == DatePrecision.MONTH:
        return value.replace(day=15)
    if precision == DatePrecision.YEAR:
        return value.replace(month=7, day=1)
    return value


def format_partial_date(value, precision, empty="date unknown"):
    """Return ``value`` written only as precisely as it is known: "28 September 2024",
    "March 2024" or "2024"."""
    if value is None:
        return empty
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return f"{value:%B} {value.year}"
    return f"{value.day} {value:%B} {value.year}"


def partial_date_iso(value, precision):
    """Return ``value`` in ISO form only as precisely as it is known: "2024-10-01", "2024-10"
    or "2024" ("" when unknown), as exports carry it beside its precision."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def partial_date_error(value, precision):
    """Return an editor-facing message if ``value`` claims more precision than ``precision``."""
    if value is None:
        return None
    if precision == DatePrecision.MONTH and value.day != 1:
        return _(
            "This date is known only to the month, so enter the first day of the month "
            "(%(suggestion)s for %(label)s), or set the precision to “Day”."
        ) % {
            "suggestion": truncate_date(value, precision).isoformat(),
            "label": format_partial_date(value, precision),
        }
    if precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        return _(
            "This date is known only to the year, so enter 1 January (%(suggestion)s), "
            "or choose a finer precision."
        ) % {"suggestion": truncate_date(value, precision).isoformat()}
    return None
