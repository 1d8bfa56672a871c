"""Notices about a unit that go to "the desk" also go to the unit's assistant on duty (the deputy on a covered day):
`tell_unit_assistant` is the one way, and tickets' `desk_told` (the team cannot come in time, a major complaint)
is connected here."""

from domain.alerts.services import alert_users
from domain.areas.lookup import unit_assistant
from domain.clock import local_date, today
from domain.tickets.timeline import desk_told


def tell_unit_assistant(unit_id, lazy_message, *, property_id, kind, subject_type, subject_id, now=None):
    """Alert the assistant on duty today for the unit's area (non-urgent); returns the ids alerted (none when the
    unit is in no area or nobody looks after it)."""
    if unit_id is None:
        return []
    day = local_date(now) if now is not None else today()
    _area, person = unit_assistant(unit_id, day)
    if person is None:
        return []
    return alert_users(
        [person.id],
        lazy_message,
        property_id=property_id,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        now=now,
    )


@desk_told.connect
def _ticket_told_desk(ticket, *, kind, message, **_extra):
    """A ticket step told the desk about the ticket's unit: its assistant on duty hears too."""
    tell_unit_assistant(
        ticket.unit_id,
        message,
        property_id=ticket.property_id,
        kind=kind,
        subject_type="ticket",
        subject_id=ticket.id,
    )
