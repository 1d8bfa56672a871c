"""The one source of the current time, so that tests can freeze it."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo


def utcnow():
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


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
