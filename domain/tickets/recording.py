"""Opening a ticket of any kind (a resident in the portal or at a kiosk, the desk by phone or visit), with its
department and service-level deadlines."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from domain.accounts.models import AccountKind
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_date, utcnow
from domain.errors import DomainError, NotFound
from domain.property.occupancies import resident_unit_ids
from domain.tickets.catalogue import service_level
from domain.tickets.complaint_staff import name_about_staff
from domain.tickets.models import (
    Channel,
    Department,
    Priority,
    ServiceItem,
    Severity,
    Status,
    Ticket,
    TicketKind,
)
from domain.tickets.timeline import add_event, escalate
from domain.tickets.urgency import URGENT_KINDS, apply_urgent, check_reason, tell_manager
from extensions import db

#: Where a new ticket goes unless the desk forwards it elsewhere.
DEFAULT_DEPARTMENT = {
    TicketKind.REPAIR: Department.ENGINEERING,
    TicketKind.COMPLAINT: Department.CUSTOMER_SERVICE,
    TicketKind.HELP: Department.SECURITY,
    TicketKind.INQUIRY: Department.CUSTOMER_SERVICE,
    TicketKind.SERVICE: Department.CUSTOMER_SERVICE,
    TicketKind.SUGGESTION: Department.CUSTOMER_SERVICE,
    TicketKind.PRAISE: Department.CUSTOMER_SERVICE,
}
#: Repair categories a resident can choose (stored as these keys; labels live in the web layer).
REPAIR_CATEGORIES = ("water", "electricity", "doors_locks", "elevator", "public_area", "gas_heating", "other")
COMPLAINT_CATEGORIES = ("service", "noise", "environment", "security", "charges", "neighbour", "other")
#: Every category once: the repair ones, then the complaint ones not already there.
ALL_CATEGORIES = REPAIR_CATEGORIES + tuple(c for c in COMPLAINT_CATEGORIES if c not in REPAIR_CATEGORIES)
#: The categories each kind files under (the other kinds have none).
KIND_CATEGORIES = {"repair": REPAIR_CATEGORIES, "complaint": COMPLAINT_CATEGORIES}


def _is_resident(actor):
    """Whether the actor is a resident using the portal."""
    return actor.kind == AccountKind.RESIDENT


def create_ticket(
    actor,
    *,
    property_id,
    kind,
    channel,
    description,
    category="",
    unit_id=None,
    location="",
    resident_id=None,
    contact_name="",
    contact_phone="",
    preferred_time="",
    service_item_id=None,
    priority=Priority.NORMAL,
    severity=None,
    about_staff_id=None,
    urgent_reason=None,
    now=None,
):
    """Open a ticket of any kind with its service-level deadlines; a major complaint goes to the manager at once.

    Residents may only name a unit they live in; the desk may record tickets for anyone (by phone or visit). Only
    staff may name the staff member a complaint is about (`about_staff_id`, an internal entry on the timeline).
    A resident reporting a repair or help request may mark it urgent by giving `urgent_reason`; suggestions and
    praise alert the manager and go straight to the service desk's queue (nothing to forward).
    """
    kind, channel, priority = TicketKind(kind), Channel(channel), Priority(priority)
    severity = Severity(severity) if severity else None
    description = (description or "").strip()
    location, contact_name = (location or "").strip(), (contact_name or "").strip()
    contact_phone, preferred_time = (contact_phone or "").strip(), (preferred_time or "").strip()
    if not description:
        raise DomainError(_l("Describe what is wrong or what you need."), field="description")
    now = now or utcnow()
    if _is_resident(actor):
        if channel not in (Channel.PORTAL, Channel.KIOSK):
            raise DomainError(_l("Choose how the request arrived."), field="channel")

        if unit_id is not None and unit_id not in resident_unit_ids(resident_id, local_date(now)):
            raise NotFound()
        about_staff_id = None  # whom a complaint is about is the office's judgement, never the resident's
    elif actor.role is not None:
        require(actor, Permission.RECORD_TICKETS)
    if urgent_reason is not None:
        if kind not in URGENT_KINDS:
            raise DomainError(_l("Only a repair or a help request can be marked urgent."), field="urgent_reason")
        urgent_reason = check_reason(urgent_reason)
    if unit_id is None and not location:
        raise DomainError(_l("Say where: your unit or a public area."), field="location")
    item = None
    if kind == TicketKind.SERVICE:
        item = db.session.get(ServiceItem, service_item_id) if service_item_id else None
        if item is None or not item.is_active or item.property_id != property_id:
            raise DomainError(_l("Choose a service from the list."), field="service_item_id")
    if kind == TicketKind.COMPLAINT and severity in (Severity.SERIOUS, Severity.MAJOR):
        priority = Priority.URGENT  # the reply deadline depends on severity: serious and major ones get 48 hours
    dispatch, response, resolve, _callback = service_level(property_id, kind, priority)
    ticket = Ticket(
        property_id=property_id,
        kind=kind,
        channel=channel,
        category=(category or "")[:32],
        description=description,
        unit_id=unit_id,
        location=location[:120],
        resident_id=resident_id,
        contact_name=contact_name[:80],
        contact_phone=contact_phone[:20],
        preferred_time=preferred_time[:80],
        service_item_id=item.id if item else None,
        priority=priority,
        severity=severity,
        department=item.department if item else DEFAULT_DEPARTMENT[kind],
        status=Status.NEW,
        created_by_id=actor.user_id,
        created_at=now,
        dispatch_due_at=now + timedelta(minutes=dispatch),
        response_due_at=now + timedelta(minutes=response),
        resolve_due_at=now + timedelta(minutes=resolve),
    )
    named = name_about_staff(ticket, about_staff_id)  # refused before anything is saved
    if urgent_reason is not None:
        apply_urgent(ticket, urgent_reason, now)
    db.session.add(ticket)
    db.session.flush()
    add_event(ticket, actor, "created", description, data={"channel": channel.value}, at=now)
    if urgent_reason is not None:
        add_event(ticket, actor, "marked_urgent", urgent_reason, at=now)
    if tell_manager(ticket, now) is not None:  # a suggestion or praise: in the service desk's queue at once
        ticket.status, ticket.dispatched_at = Status.DISPATCHED, now
        add_event(ticket, actor, "dispatched", data={"department": ticket.department.value}, at=now)
    if named:
        add_event(ticket, actor, "classified", public=False, data=named, at=now)
    if severity == Severity.MAJOR:
        escalate(ticket, actor, now)
    record(
        actor,
        "ticket.create",
        ticket,
        summary=f"#{ticket.id} {kind.value} via {channel.value}",
        changes=named or None,
    )
    return ticket


def open_failed_check_ticket(
    actor, *, property_id, heading, note="", category, department, location="", unit_id=None, now=None
):
    """One repair ticket for a scheduled check that found faults (a facility's, a vacant unit's): channel patrol
    (staff found it on the spot), status new for the desk to forward, meant for `department`. Its text is `heading`
    (what was checked and which items failed, in the actor's language) and the checker's note; it names `unit_id`
    when the check was of a unit (its residents then follow it like any repair of theirs), else `location`. The
    caller links the ticket to its check."""
    text = str(heading)
    ticket = create_ticket(
        actor,
        property_id=property_id,
        kind=TicketKind.REPAIR,
        channel=Channel.PATROL,
        category=category,
        description=f"{text}\n{note}" if note else text,
        unit_id=unit_id,
        location=location,
        now=now,
    )
    ticket.department = department
    db.session.flush()
    return ticket
