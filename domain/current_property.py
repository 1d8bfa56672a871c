"""The property the current request works for (set once by the request's hooks, read by the fence of
domain.property.scope and by whatever records it, such as the audit log). A module of its own, importing no
domain package, so that every package may read it."""

from contextlib import contextmanager

from flask import g, has_app_context


def current_property_id():
    """The property the current request works for, or None (no request, or a page above the properties)."""
    if not has_app_context():
        return None
    return g.get("property_id")


def set_current_property(property_id, time_zone=None):
    """Work for `property_id` for the rest of this request (the request's hooks call this once), with its time zone's
    name when the hook read it along (else domain.clock looks it up once when a day is first counted)."""
    g.property_id = property_id
    g.property_time_zone = time_zone


def current_time_zone_name():
    """The current property's time zone as the request's hook read it, or None."""
    if not has_app_context():
        return None
    return g.get("property_time_zone")


def remember_time_zone_name(name):
    """Keep the current property's time zone name for the rest of the request (domain.clock, after its look-up)."""
    g.property_time_zone = name


@contextmanager
def working_for(property_id):
    """Run a block (a command, a job, a test) as a request for `property_id` would."""
    before = g.get("property_id"), g.get("property_time_zone")
    g.property_id, g.property_time_zone = property_id, None
    try:
        yield
    finally:
        g.property_id, g.property_time_zone = before
