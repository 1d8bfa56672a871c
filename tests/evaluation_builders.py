"""Builders for the staff-evaluation tests: a ticket an assignee finished in October 2026 with its service levels
kept or not, written straight to the tables, and complaints naming a staff member."""

from datetime import date, timedelta

from domain.clock import local_day_bounds
from domain.tickets import recording
from extensions import db
from tests.callback_builders import SYSTEM, finished_ticket

OCTOBER = date(2026, 10, 1)


def october_noon(day=10):
    """Noon of an October 2026 day, as aware UTC."""
    return local_day_bounds(date(2026, 10, day))[0] + timedelta(hours=12)


def handled_ticket(prop, unit, assignee, *, responded_in_time=True, finished_in_time=True, satisfaction=None, day=10):
    """A repair `assignee` claimed and finished on an October day: first response and finish within their service
    levels or not, and its callback answered `satisfaction` (1-5) or left open."""
    done = october_noon(day)
    ticket = finished_ticket(prop, unit, done, callback="done" if satisfaction else "open", satisfaction=satisfaction)
    ticket.assignee_id = assignee.id
    ticket.created_at = done - timedelta(hours=6)
    ticket.response_due_at = done - timedelta(hours=5)
    ticket.claimed_at = done - timedelta(hours=5, minutes=-1 if not responded_in_time else 1)
    ticket.resolve_due_at = done + (timedelta(minutes=1) if finished_in_time else -timedelta(minutes=1))
    db.session.commit()
    return ticket


def complaint_about(prop, unit, person, *, day=date(2026, 10, 10), resident=None):
    """A complaint about `person` (None: nobody) recorded by phone at noon of `day`, for `unit` and its `resident`."""
    ticket = recording.create_ticket(
        SYSTEM,
        property_id=prop.id,
        kind="complaint",
        channel="phone",
        description="前台态度不好",
        unit_id=unit.id,
        resident_id=resident.id if resident else None,
        about_staff_id=person.id if person else None,
        now=local_day_bounds(day)[0] + timedelta(hours=12),
    )
    db.session.commit()
    return ticket


def october_complaints(prop, unit, named, other):
    """The hand-counted complaints: 2 about `named` in October, 1 about them in September, 1 about `other` in
    October, and 1 October complaint naming nobody. Returns the two October complaints about `named`."""
    counted = [complaint_about(prop, unit, named, day=date(2026, 10, d)) for d in (1, 31)]
    complaint_about(prop, unit, named, day=date(2026, 9, 30))
    complaint_about(prop, unit, other, day=date(2026, 10, 15))
    complaint_about(prop, unit, None, day=date(2026, 10, 16))
    return counted
