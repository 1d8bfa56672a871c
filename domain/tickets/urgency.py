"""The resident's urgent mark (repairs and help requests) and the suggestions and praise that go to the manager.

A resident marks a request urgent when reporting it or afterwards while it is open, with a short reason: the
ticket's priority becomes urgent (the tighter service level, from its creation) and the console shows the badge
with the reason. Suggestions (建议) and praise (表扬) alert the manager as soon as they are recorded."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Role
from domain.alerts.services import alert_roles
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.tickets.catalogue import service_level
from domain.tickets.models import Priority, TicketKind
from domain.tickets.timeline import add_event

#: The kinds a resident may mark urgent.
URGENT_KINDS = frozenset({TicketKind.REPAIR, TicketKind.HELP})
#: The longest reason, in characters.
MAX_REASON = 120
#: The form field a refusal of the reason is shown on.
FIELD = "urgent_reason"


def check_reason(reason):
    """The reason stripped, or a DomainError on FIELD when it is empty or too long."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say in a few words why it is urgent."), field=FIELD)
    if len(reason) > MAX_REASON:
        raise DomainError(_l("Keep the reason to %(n)s characters.", n=MAX_REASON), field=FIELD)
    return reason


def apply_urgent(ticket, reason, now):
    """Set the mark on `ticket` (reason already checked): urgent priority and its tighter service level, counted
    from the ticket's creation, for the clocks not yet met."""
    ticket.urgent_marked_at, ticket.urgent_reason = now, reason
    if ticket.priority == Priority.URGENT:
        return
    ticket.priority = Priority.URGENT
    dispatch, response, resolve, _callback = service_level(ticket.property_id, ticket.kind, Priority.URGENT)
    created = ticket.created_at
    if ticket.dispatched_at is None:
        ticket.dispatch_due_at = min(ticket.dispatch_due_at, created + timedelta(minutes=dispatch))
    if ticket.claimed_at is None:
        ticket.response_due_at = min(ticket.response_due_at, created + timedelta(minutes=response))
    if ticket.done_at is None:
        ticket.resolve_due_at = min(ticket.resolve_due_at, created + timedelta(minutes=resolve))


def mark_urgent(actor, ticket, *, resident_id, reason, now=None):
    """The resident marks their own open repair or help request urgent, once. NotFound for anyone else's request;
    InvalidTransition for another kind, a finished request or one already marked; a DomainError on FIELD for a
    missing or long reason, changing nothing."""
    if resident_id is None or ticket.resident_id != resident_id:
        raise NotFound()
    if ticket.kind not in URGENT_KINDS:
        raise InvalidTransition(_l("Only a repair or a help request can be marked urgent."))
    if not ticket.is_open:
        raise InvalidTransition(_l("This request is finished: it can no longer be marked urgent."))
    if ticket.urgent_marked_at is not None:
        raise InvalidTransition(_l("This request is already marked urgent."))
    reason = check_reason(reason)
    now = now or utcnow()
    apply_urgent(ticket, reason, now)
    add_event(ticket, actor, "marked_urgent", reason, at=now)
    record(actor, "ticket.mark_urgent", ticket, summary=f"#{ticket.id}")
    alert_roles(
        (Role.FRONTDESK, Role.MANAGER),
        _l("Request #%(id)s was marked urgent by the resident: %(reason)s", id=ticket.id, reason=reason),
        property_id=ticket.property_id,
        kind="ticket_urgent",
        subject_type="ticket",
        subject_id=ticket.id,
        now=now,
    )
    return ticket


def _manager_message(ticket):
    """The manager's alert of a new suggestion or praise (None for the other kinds), lazy."""
    text = ticket.description if len(ticket.description) <= 60 else ticket.description[:59] + "…"
    if ticket.kind == TicketKind.SUGGESTION:
        return _l("New suggestion #%(id)s from a resident: %(text)s", id=ticket.id, text=text)
    if ticket.kind == TicketKind.PRAISE:
        return _l("New praise #%(id)s from a resident: %(text)s", id=ticket.id, text=text)
    return None


def tell_manager(ticket, now=None):
    """Alert the manager of a new suggestion or praise. Returns the ids alerted, or None for the other kinds."""
    message = _manager_message(ticket)
    if message is None:
        return None
    return alert_roles(
        (Role.MANAGER,),
        message,
        property_id=ticket.property_id,
        kind=f"ticket_{ticket.kind.value}",
        subject_type="ticket",
        subject_id=ticket.id,
        now=now,
    )
