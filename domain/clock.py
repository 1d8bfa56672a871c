"""The one source of the current time, so that tests can freeze it, and the property's local time: every
conversion between a stored UTC moment and the property's wall clock or calendar goes through here."""

import functools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _system_now():
    """The machine's clock, as an aware UTC datetime."""
    return datetime.now(UTC)


#: Where utcnow() reads the time; only set_source() (the test suite's frozen clock) changes it.
_source = _system_now


def set_source(source=None):
    """Read the time from `source` (a callable returning an aware UTC datetime), or the system's when None.

    For tests only: code that imported utcnow() keeps working, since it calls through this module.
    """
    global _source
    _source = source or _system_now


def utcnow():
    """Return the current time as an aware UTC datetime."""
    return _source()


def property_zone():
    """The time zone the current property counts its days in (its setting); outside a property's request, the
    installation's PROPERTY_TIMEZONE (Asia/Shanghai unless configured)."""
    from flask import current_app

    from domain.current_property import current_property_id, current_time_zone_name, remember_time_zone_name

    name = current_time_zone_name()
    if name is None and current_property_id() is not None:
        name = _zone_name_of(current_property_id())
        remember_time_zone_name(name)
    return _zone(name or current_app.config.get("PROPERTY_TIMEZONE", "Asia/Shanghai"))


@functools.lru_cache(maxsize=64)
def _zone(name):
    return ZoneInfo(name)


def _zone_name_of(property_id):
    """The time zone name of `property_id` (one statement; the sign-in's own statement reads it for the console
    and the portal, so this runs for kiosks, commands and jobs)."""
    from sqlalchemy import text

    from extensions import db

    return db.session.execute(text("SELECT time_zone FROM properties WHERE id = :id"), {"id": property_id}).scalar()


def local(moment):
    """An aware datetime as the property's wall-clock time (same instant, the property's zone)."""
    return moment.astimezone(property_zone())


def local_date(moment):
    """The date at the property at an aware `moment` (not the server's nor UTC's date)."""
    return local(moment).date()


def local_text(moment, pattern="%Y-%m-%d %H:%M"):
    """An aware `moment` as the property's wall-clock text ("2026-11-03 14:05"), for messages and e-mails that are
    written before they are shown (pages format times with the Jinja filter instead)."""
    return local(moment).strftime(pattern)


def local_now():
    """The current time in the property's zone."""
    return local(utcnow())


def today():
    """Today's date where the property is (not where the server is)."""
    return local_date(utcnow())


def from_local_input(wall_clock):
    """A naive time typed at the property (a datetime-local field) as an aware datetime."""
    return wall_clock.replace(tzinfo=property_zone())


def to_local_input(moment):
    """An aware `moment` as the naive property time, to the minute, that a datetime-local field shows."""
    return local(moment).replace(tzinfo=None, second=0, microsecond=0)


def start_of_local_day(day):
    """The moment `day` begins at the property (local midnight), as aware UTC."""
    return datetime.combine(day, time.min, tzinfo=property_zone()).astimezone(UTC)


def local_day_bounds(day):
    """(start, end) of `day` at the property as aware UTC: a moment is on that day when start <= moment < end."""
    return start_of_local_day(day), start_of_local_day(day + timedelta(days=1))


def local_window(day, start, end):
    """(start, end) as aware UTC of a window of the local `day` given as wall-clock times; an end at or before the
    start is on the next day (a night shift, a night round crossing midnight)."""
    end_day = day + timedelta(days=1) if end <= start else day
    return (
        from_local_input(datetime.combine(day, start)).astimezone(UTC),
        from_local_input(datetime.combine(end_day, end)).astimezone(UTC),
    )
