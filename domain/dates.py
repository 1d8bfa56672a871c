"""Which typed dates make sense: the one rule every date a person types goes through (form fields, ?day= and
?period= in URLs, dates in imported CSV files), so that 0001-01-01 or 9999-12-31 is refused with a clear message
instead of overflowing date arithmetic or the database; and the months around a day (a billing period is the first
day of its month)."""

from datetime import date

from flask_babel import lazy_gettext as _l

from domain.clock import today as property_today
from domain.errors import DomainError

#: How far back a typed date may go by default: a resident who moved in decades ago, an old contract.
PAST_YEARS = 100
#: How far ahead: a due date, a planned end, an announcement's last day.
FUTURE_YEARS = 10


class DateOutOfRange(DomainError, ValueError):
    """A typed date outside the years that make sense (a ValueError too, so parsers' callers catch it as one)."""


def date_bounds(*, past_years=PAST_YEARS, future_years=FUTURE_YEARS, today=None):
    """(earliest, latest) date a person may type, counted in whole years from today (property time)."""
    today = today or property_today()
    return date(today.year - past_years, 1, 1), date(today.year + future_years, 12, 31)


def check_date(value, *, past_years=PAST_YEARS, future_years=FUTURE_YEARS, field=None, today=None):
    """Return `value` (a date or datetime) if it lies within date_bounds, else raise DateOutOfRange."""
    earliest, latest = date_bounds(past_years=past_years, future_years=future_years, today=today)
    day = value.date() if hasattr(value, "date") else value
    if not earliest <= day <= latest:
        raise DateOutOfRange(
            _l(
                "Enter a date between %(earliest)s and %(latest)s.",
                earliest=earliest.isoformat(),
                latest=latest.isoformat(),
            ),
            field=field,
        )
    return value


def parse_iso_date(text, *, past_years=PAST_YEARS, future_years=FUTURE_YEARS):
    """A date typed as YYYY-MM-DD within date_bounds; raises ValueError (DateOutOfRange when out of range)."""
    return check_date(date.fromisoformat((text or "").strip()), past_years=past_years, future_years=future_years)


def month_after(period):
    """The first day of the following month."""
    return date(period.year + (period.month == 12), period.month % 12 + 1, 1)


def month_before(period):
    """The first day of the previous month."""
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def months_later(day, months):
    """The same day `months` months later (earlier when negative), the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
    return date(year, month, min(day.day, last))


def parse_month(text):
    """(first day, first day of the next month) of a "YYYY-MM" text within the years that make sense
    (domain.dates), or None when it is not one."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        first = check_date(date(year, month, 1))
    except ValueError:
        return None
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following
