"""Creating tickets and moving them through the workflow: every step checks who may take it, adds a
timeline event, writes the audit log and, where the resident should know, notifies them."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from domain.accounts.models import AccountKind
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import Bill, BillLine
from domain.clock import local_date, local_text, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.notify.services import tell_resident
from domain.property.occupancies import resident_unit_ids
from domain.tickets.models import (
    Callback,
    CallbackStatus,
    Channel,
    Department,
    Priority,
    ServiceItem,
    ServiceLevel,
    Severity,
    Status,
    Ticket,
    TicketEvent,
    TicketKind,
)
from domain.tickets.workflow import QUEUED, can_see, check
from extensions import db

#: Service levels in minutes when the console has not set them: (dispatch, first response, done, callback).
#: Repairs: forwarded to engineering within 3 minutes (the source), emergency on site in 45 minutes and
#: fixed within 12-24 hours; complaints answered within 24 hours and resolved within 7 days (48 hours
#: when urgent); inquiries answered within 4 hours and fully within 48; callbacks within 2 days.
DEFAULT_LEVELS = {
    (TicketKind.REPAIR, Priority.NORMAL): (3, 30, 24 * 60, 48 * 60),
    (TicketKind.REPAIR, Priority.URGENT): (3, 15, 12 * 60, 24 * 60),
    (TicketKind.COMPLAINT, Priority.NORMAL): (30, 24 * 60, 7 * 24 * 60, 48 * 60),
    (TicketKind.COMPLAINT, Priority.URGENT): (10, 2 * 60, 48 * 60, 24 * 60),
    (TicketKind.HELP, Priority.NORMAL): (5, 15, 4 * 60, 48 * 60),
    (TicketKind.HELP, Priority.URGENT): (3, 5, 60, 24 * 60),
    (TicketKind.INQUIRY, Priority.NORMAL): (30, 4 * 60, 48 * 60, 48 * 60),
    (TicketKind.INQUIRY, Priority.URGENT): (10, 60, 24 * 60, 48 * 60),
    (TicketKind.SERVICE, Priority.NORMAL): (30, 4 * 60, 3 * 24 * 60, 48 * 60),
    (TicketKind.SERVICE, Priority.URGENT): (10, 60, 24 * 60, 48 * 60),
}
#: Where a new ticket goes unless the desk forwards it elsewhere.
DEFAULT_DEPARTMENT = {
    TicketKind.REPAIR: Department.ENGINEERING,
    TicketKind.COMPLAINT: Department.CUSTOMER_SERVICE,
    TicketKind.HELP: Department.SECURITY,
    TicketKind.INQUIRY: Department.CUSTOMER_SERVICE,
    TicketKind.SERVICE: Department.CUSTOMER_SERVICE,
}
#: Kinds whose finished work gets a callback (回访) before the ticket closes.
CALLBACK_KINDS = frozenset({TicketKind.REPAIR, TicketKind.COMPLAINT})
#: Repair categories a resident can choose (stored as these keys; labels live in the web layer).
REPAIR_CATEGORIES = ("water", "electricity", "doors_locks", "elevator", "public_area", "gas_heating", "other")
COMPLAINT_CATEGORIES = ("service", "noise", "environment", "security", "charges", "neighbour", "other")


def service_level(property_id, kind, priority):
    """(dispatch, response, resolve, callback) minutes for a kind and priority: the console's, or the defaults."""
    row = db.session.scalar(
        select(ServiceLevel).where(
            ServiceLevel.property_id == property_id, ServiceLevel.kind == kind, ServiceLevel.priority == priority
        )
    )
    if row is not None:
        return row.dispatch_minutes, row.response_minutes, row.resolve_minutes, row.callback_minutes
    return DEFAULT_LEVELS[(kind, priority)]


def _event(ticket, actor, action, body="", *, public=True, data=None, at=None):
    """Add a timeline entry."""
    event = TicketEvent(
        ticket=ticket,
        at=at or utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        body=body or "",
        public=public,
        data=data,
    )
    db.session.add(event)
    return event


def notify_resident(ticket, message):
    """Tell the ticket's resident, in the portal and by e-mail when possible, in their language."""
    if ticket.resident_id is None:
        return None
    return tell_resident(ticket.resident_id, message, _l("Your request #%(id)s", id=ticket.id), ticket_id=ticket.id)


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
    now=None,
):
    """Open a ticket of any kind with its service-level deadlines; a major complaint goes to the manager at once.

    Residents may only name a unit they live in; the desk may record tickets for anyone (by phone or visit).
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
    elif actor.role is not None:
        require(actor, Permission.RECORD_TICKETS)
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
    db.session.add(ticket)
    db.session.flush()
    _event(ticket, actor, "created", description, data={"channel": channel.value}, at=now)
    if severity == Severity.MAJOR:
        _escalate(ticket, actor, now)
    record(actor, "ticket.create", ticket, summary=f"#{ticket.id} {kind.value} via {channel.value}")
    return ticket


def _escalate(ticket, actor, now):
    """A major complaint: flag it for the manager at once (it shows first on the board)."""
    ticket.escalated_at = now
    _event(ticket, actor, "escalated", public=False, at=now)  # pages label it in the reader's language


def get_ticket(ticket_id):
    """A ticket with its events and photos, or NotFound."""
    ticket = db.session.get(Ticket, ticket_id, options=[selectinload(Ticket.events), selectinload(Ticket.photos)])
    if ticket is None:
        raise NotFound()
    return ticket


def get_staff_ticket(actor, ticket_id):
    """A ticket the staff member may see (workflow.can_see), or NotFound, so other departments' tickets do not leak."""
    ticket = get_ticket(ticket_id)
    if not can_see(actor, ticket):
        raise NotFound()
    return ticket


def get_resident_ticket(resident_id, ticket_id):
    """One of the resident's own tickets, or NotFound (also for a neighbour's)."""
    ticket = get_ticket(ticket_id)
    if ticket.resident_id != resident_id:
        raise NotFound()
    return ticket


def _audit(actor, ticket, action, summary=""):
    """Audit one workflow step."""
    record(actor, f"ticket.{action}", ticket, summary=f"#{ticket.id} {summary}".strip())


def dispatch(actor, ticket, *, department=None, now=None):
    """Forward a new ticket to a department's queue (repairs: the 3-minute rule)."""
    now = now or utcnow()
    check("dispatch", actor, ticket)
    ticket.department = Department(department) if department else ticket.department
    ticket.status, ticket.dispatched_at = Status.DISPATCHED, now
    _event(ticket, actor, "dispatched", data={"department": ticket.department.value}, at=now)
    _audit(actor, ticket, "dispatch", ticket.department.value)
    notify_resident(
        ticket, _l("Your request #%(id)s has been received and passed to the team that handles it.", id=ticket.id)
    )
    return ticket


def redirect(actor, ticket, *, department):
    """Move a queued ticket to another department's queue."""
    check("redirect", actor, ticket)
    ticket.department = Department(department)
    _event(ticket, actor, "dispatched", data={"department": ticket.department.value}, public=False)
    _audit(actor, ticket, "redirect", ticket.department.value)
    return ticket


def claim(actor, ticket, *, now=None):
    """Take a queued ticket. Two people claiming at once: exactly one wins (one conditional UPDATE), the other
    gets a Conflict, as does anyone claiming a ticket someone else already holds."""
    now = now or utcnow()
    try:
        check("claim", actor, ticket)
    except InvalidTransition:
        if ticket.assignee_id not in (None, actor.user_id):
            raise Conflict(_l("Someone else took this ticket a moment ago.")) from None
        raise
    won = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == Status.DISPATCHED, Ticket.assignee_id.is_(None))
        .values(status=Status.CLAIMED, assignee_id=actor.user_id, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise Conflict(_l("Someone else took this ticket a moment ago."))
    db.session.refresh(ticket)
    _event(ticket, actor, "claimed", data={"assignee": actor.name}, at=now)
    _audit(actor, ticket, "claim")
    notify_resident(ticket, _l("%(name)s is handling your request #%(id)s.", name=actor.name, id=ticket.id))
    return ticket


def schedule(actor, ticket, *, when, note=""):
    """Book the visit (an aware datetime)."""
    to = check("schedule", actor, ticket)
    if when <= utcnow() - timedelta(minutes=5):
        raise DomainError(_l("Choose a time in the future."), field="when")
    ticket.status, ticket.scheduled_for = to, when
    _event(ticket, actor, "scheduled", note, data={"when": when.isoformat()})
    _audit(actor, ticket, "schedule", when.isoformat())

    notify_resident(
        ticket, _l("The visit for your request #%(id)s is booked for %(when)s.", id=ticket.id, when=local_text(when))
    )
    return ticket


def hand_back(actor, ticket, *, reason):
    """Give a ticket back to its queue, with the reason (it is on the timeline for the next person)."""
    check("hand_back", actor, ticket)
    if not (reason or "").strip():
        raise DomainError(_l("Say why you hand it back."), field="reason")
    ticket.status, ticket.assignee_id, ticket.scheduled_for = Status.DISPATCHED, None, None
    _event(ticket, actor, "handed_back", reason.strip(), public=False)
    _audit(actor, ticket, "hand_back", reason.strip()[:80])
    return ticket


def ask_resident(actor, ticket, *, question):
    """Ask the resident something; the service-level clock pauses until they answer."""
    check("ask_resident", actor, ticket)
    if not (question or "").strip():
        raise DomainError(_l("Write the question for the resident."), field="question")
    ticket.status, ticket.waiting_since = Status.WAITING, utcnow()
    _event(ticket, actor, "waiting", question.strip())
    _audit(actor, ticket, "ask_resident")
    notify_resident(
        ticket, _l("We need your answer on request #%(id)s: %(question)s", id=ticket.id, question=question.strip())
    )
    return ticket


def _resume(actor, ticket):
    """Restart the clock after a wait: the deadlines move on by the time spent waiting."""
    paused = utcnow() - ticket.waiting_since
    ticket.response_due_at += paused
    ticket.resolve_due_at += paused
    ticket.waiting_since = None
    ticket.status = Status.CLAIMED if ticket.scheduled_for is None else Status.SCHEDULED
    _event(ticket, actor, "resumed", public=False, data={"paused_seconds": int(paused.total_seconds())})


def resume(actor, ticket):
    """Staff restart a waiting ticket (the resident answered by phone, say)."""
    check("resume", actor, ticket)
    _resume(actor, ticket)
    _audit(actor, ticket, "resume")
    return ticket


def record_work(actor, ticket, *, note, materials=""):
    """Record work done and materials used, without finishing."""
    check("record_work", actor, ticket)
    if not (note or "").strip():
        raise DomainError(_l("Describe the work."), field="note")
    _event(ticket, actor, "work", note.strip(), data={"materials": materials.strip()} if materials.strip() else None)
    return ticket


def cannot_come(actor, ticket, *, reason):
    """The department cannot come in time: the resident and the assistants are told (SOP 7)."""
    check("cannot_come", actor, ticket)
    if not (reason or "").strip():
        raise DomainError(_l("Say why, and when you can come."), field="reason")
    ticket.late_notice_at = utcnow()
    _event(ticket, actor, "late_notice", reason.strip())
    _audit(actor, ticket, "cannot_come", reason.strip()[:80])
    notify_resident(
        ticket,
        _l("Sorry: the team cannot come in time for request #%(id)s. %(reason)s", id=ticket.id, reason=reason.strip()),
    )
    return ticket


def finish(actor, ticket, *, summary, materials="", now=None):
    """Mark the work done; repairs and complaints get a callback task, paid services a bill."""
    now = now or utcnow()
    check("finish", actor, ticket)
    if not (summary or "").strip():
        raise DomainError(_l("Say what was done."), field="summary")
    ticket.status, ticket.done_at = Status.DONE, now
    _event(
        ticket,
        actor,
        "done",
        summary.strip(),
        data={"materials": materials.strip()} if materials.strip() else None,
        at=now,
    )
    if ticket.kind in CALLBACK_KINDS:
        minutes = service_level(ticket.property_id, ticket.kind, ticket.priority)[3]
        db.session.add(Callback(ticket_id=ticket.id, due_at=now + timedelta(minutes=minutes)))
    if ticket.service_item_id and ticket.service_item.price_fen and ticket.unit_id:
        _bill_service(actor, ticket, now)
    _audit(actor, ticket, "finish")
    notify_resident(
        ticket,
        _l("Request #%(id)s is done: %(summary)s Please rate it in the portal.", id=ticket.id, summary=summary.strip()),
    )
    return ticket


def _bill_service(actor, ticket, now):
    """A paid service: a bill of its own for the unit, due in 30 days (its line names the ticket)."""
    item = ticket.service_item
    today = local_date(now)
    bill = Bill(
        property_id=ticket.property_id,
        unit_id=ticket.unit_id,
        period=None,
        title=item.name,
        issued_on=today,
        due_date=today + timedelta(days=30),
        total_fen=item.price_fen,
        created_at=now,
    )
    line = BillLine(description=item.name, detail=f"#{ticket.id}", amount_fen=item.price_fen)
    bill.lines.append(line)
    db.session.add(bill)
    db.session.flush()
    ticket.billed_line_id = line.id
    _event(ticket, actor, "billed", item.name, data={"bill_id": bill.id, "amount_fen": item.price_fen})


def _close_if_settled(actor, ticket):
    """Close a done ticket once its callback is recorded or the resident has rated it."""
    if ticket.status != Status.DONE:
        return
    callback = db.session.scalar(select(Callback).where(Callback.ticket_id == ticket.id))
    if ticket.rating is not None or callback is None or callback.status == CallbackStatus.DONE:
        ticket.status, ticket.closed_at = Status.CLOSED, utcnow()
        _event(ticket, actor, "closed")


def close(actor, ticket):
    """Close a done ticket by hand; refused while its callback is open and the resident has not rated it."""
    check("close", actor, ticket)
    callback = db.session.scalar(select(Callback).where(Callback.ticket_id == ticket.id))
    if callback is not None and callback.status == CallbackStatus.OPEN and ticket.rating is None:
        raise InvalidTransition(_l("Call the resident back first (or wait for their rating); then the ticket closes."))
    _close_if_settled(actor, ticket)
    _audit(actor, ticket, "close")
    return ticket


def cancel(actor, ticket, *, reason):
    """The desk cancels a ticket (a duplicate, withdrawn by phone), with the reason."""
    check("cancel", actor, ticket)
    if not (reason or "").strip():
        raise DomainError(_l("Give the reason."), field="reason")
    ticket.status, ticket.closed_at = Status.CANCELLED, utcnow()
    _event(ticket, actor, "cancelled", reason.strip())
    _audit(actor, ticket, "cancel", reason.strip()[:80])
    notify_resident(ticket, _l("Request #%(id)s was cancelled: %(reason)s", id=ticket.id, reason=reason.strip()))
    return ticket


def resident_cancel(actor, ticket, *, resident_id):
    """The resident withdraws a request while nothing has started."""
    check("resident_cancel", actor, ticket, resident_id=resident_id)
    ticket.status, ticket.closed_at = Status.CANCELLED, utcnow()
    _event(ticket, actor, "cancelled", data={"by": "resident"})
    _audit(actor, ticket, "resident_cancel")
    return ticket


def comment(actor, ticket, *, body, public=True, resident_id=None):
    """Add a comment: a resident's answer restarts a waiting ticket; staff notes may stay internal."""
    action = "resident_comment" if resident_id is not None else "staff_comment"
    check(action, actor, ticket, resident_id=resident_id)
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write a comment."), field="body")
    event = _event(ticket, actor, "comment", body, public=public or resident_id is not None)
    if resident_id is not None and ticket.status == Status.WAITING:
        _resume(actor, ticket)
    return event


def rate(actor, ticket, *, resident_id, rating, comment_text=""):
    """The resident rates the result (1-5); a done ticket then closes."""
    check("rate", actor, ticket, resident_id=resident_id)
    if ticket.rating is not None:
        raise InvalidTransition(_l("You have already rated this request. Thank you!"))
    if rating not in (1, 2, 3, 4, 5):
        raise DomainError(_l("Choose 1 to 5 stars."), field="rating")
    ticket.rating, ticket.rating_comment = rating, (comment_text or "").strip()
    _event(ticket, actor, "rated", ticket.rating_comment, data={"rating": rating})
    callback = db.session.scalar(select(Callback).where(Callback.ticket_id == ticket.id))
    if callback is not None and callback.status == CallbackStatus.OPEN:
        # The resident has told us themselves: the callback is answered by their rating.
        callback.status, callback.satisfaction, callback.done_at = CallbackStatus.DONE, rating, utcnow()
        callback.result = ticket.rating_comment
    _close_if_settled(actor, ticket)
    _audit(actor, ticket, "rate", str(rating))
    return ticket


def classify(actor, ticket, *, category=None, severity=None, priority=None, department=None):
    """Classify a ticket (complaints: category, severity, priority, responsible department); major -> manager."""
    check("classify", actor, ticket)
    changes = {}
    if category is not None and category != ticket.category:
        changes["category"], ticket.category = [ticket.category, category], category[:32]
    if severity is not None and Severity(severity) != ticket.severity:
        changes["severity"], ticket.severity = [getattr(ticket.severity, "value", None), severity], Severity(severity)
        if ticket.severity == Severity.MAJOR and ticket.escalated_at is None:
            _escalate(ticket, actor, utcnow())
        if ticket.kind == TicketKind.COMPLAINT and priority is None:
            priority = (
                Priority.URGENT if ticket.severity in (Severity.SERIOUS, Severity.MAJOR) else Priority.NORMAL
            ).value
    if priority is not None and Priority(priority) != ticket.priority:
        changes["priority"], ticket.priority = [ticket.priority.value, priority], Priority(priority)
        _, response, resolve, _cb = service_level(ticket.property_id, ticket.kind, ticket.priority)
        ticket.response_due_at = ticket.created_at + timedelta(minutes=response)
        ticket.resolve_due_at = ticket.created_at + timedelta(minutes=resolve)
    if department is not None and ticket.status in QUEUED and Department(department) != ticket.department:
        changes["department"], ticket.department = (
            [getattr(ticket.department, "value", None), department],
            Department(department),
        )
    if changes:
        _event(ticket, actor, "classified", public=False, data=changes)
        record(actor, "ticket.classify", ticket, summary=f"#{ticket.id}", changes=changes)
    return ticket


def record_outcome(actor, ticket, *, outcome, reaction=""):
    """The manager records how a complaint was settled and how the resident took it (SOP 9)."""
    check("record_outcome", actor, ticket)
    if not (outcome or "").strip():
        raise DomainError(_l("Describe the outcome."), field="outcome")
    ticket.outcome, ticket.resident_reaction = outcome.strip(), (reaction or "").strip()
    _event(ticket, actor, "outcome", ticket.outcome, public=False, data={"reaction": ticket.resident_reaction})
    _audit(actor, ticket, "outcome")
    return ticket


def record_callback(actor, callback, *, result, satisfaction):
    """Record a callback (回访): what the resident said and how satisfied (1-5); the ticket then closes."""
    require(actor, Permission.CALL_BACK)
    if callback.status == CallbackStatus.DONE:
        raise InvalidTransition(_l("This callback has already been recorded."))
    if not (result or "").strip():
        raise DomainError(_l("Write what the resident said."), field="result")
    if satisfaction not in (1, 2, 3, 4, 5):
        raise DomainError(_l("Choose 1 to 5."), field="satisfaction")
    callback.status, callback.result, callback.satisfaction = CallbackStatus.DONE, result.strip(), satisfaction
    callback.done_by_id, callback.done_at = actor.user_id, utcnow()
    ticket = callback.ticket
    _event(ticket, actor, "callback", result.strip(), public=False, data={"satisfaction": satisfaction})
    _close_if_settled(actor, ticket)
    record(actor, "ticket.callback", ticket, summary=f"#{ticket.id} {satisfaction}/5")
    return callback
