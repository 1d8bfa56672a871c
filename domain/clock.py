"""The one source of the current time, so that tests can freeze it."""

from datetime import UTC, datetime
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
    """The property's time zone (Asia/Shanghai unless configured)."""
    from flask import current_app

    return ZoneInfo(current_app.config.get("PROPERTY_TIMEZONE", "Asia/Shanghai"))


def local_now():
    """The current time in the property's zone."""
    return utcnow().astimezone(property_zone())


def today():
    """Today's date where the property is (not where the server is)."""
    return local_now().date()
