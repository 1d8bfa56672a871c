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


def set_current_property(property_id):
    """Work for `property_id` for the rest of this request (the request's hooks call this once)."""
    g.property_id = property_id


@contextmanager
def working_for(property_id):
    """Run a block (a command, a job, a test) as a request for `property_id` would."""
    before = g.get("property_id")
    g.property_id = property_id
    try:
        yield
    finally:
        g.property_id = before
