"""What every step of a ticket writes besides its change: the timeline entry, the audit line, the resident's
notice, and the manager's flag on a major complaint."""

from blinker import Namespace
from flask_babel import lazy_gettext as _l

from domain.audit.services import record
from domain.notify.services import tell_resident
from domain.tickets.models import TicketEvent
from domain.timeline import add_timeline_entry

_signals = Namespace()
#: Sent when the desk is told about a ticket today (the team cannot come in time: kind "late_notice"; a major
#: complaint escalated: kind "major_complaint"), in the step's transaction, with the ticket as sender, `kind` and
#: `message` (a lazy string). domain/areas/notices.py connects and tells the unit's assistant on duty; tickets do
#: not import areas (areas read tickets for "my area").
desk_told = _signals.signal("ticket-desk-told")


def add_event(ticket, actor, action, body="", *, public=True, data=None, at=None):
    """Add a timeline entry."""
    return add_timeline_entry(TicketEvent, actor, action, body, data=data, at=at, ticket=ticket, public=public)


def audit_step(actor, ticket, action, summary=""):
    """Audit one workflow step."""
    record(actor, f"ticket.{action}", ticket, summary=f"#{ticket.id} {summary}".strip())


def notify_resident(ticket, message):
    """Tell the ticket's resident, in the portal and by e-mail when possible, in their language."""
    if ticket.resident_id is None:
        return None
    return tell_resident(ticket.resident_id, message, _l("Your request #%(id)s", id=ticket.id), ticket_id=ticket.id)


def escalate(ticket, actor, now):
    """A major complaint: flag it for the manager at once (it shows first on the board)."""
    ticket.escalated_at = now
    add_event(ticket, actor, "escalated", public=False, at=now)  # pages label it in the reader's language
    desk_told.send(
        ticket,
        kind="major_complaint",
        message=_l("Major complaint #%(id)s about a unit of your area: the manager has been told.", id=ticket.id),
    )
