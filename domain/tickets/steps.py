"""Moving a ticket through the workflow (domain/tickets/workflow.py): every step checks who may take it, adds a
timeline event, writes the audit log and, where the resident should know, notifies them."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from domain.audit.services import record
from domain.billing.models import Bill, BillLine
from domain.clock import local_date, local_text, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition
from domain.tickets.callbacks import close_if_settled, needs_callback
from domain.tickets.catalogue import service_level
from domain.tickets.complaint_staff import name_about_staff
from domain.tickets.models import (
    Callback,
    CallbackStatus,
    Department,
    Priority,
    Severity,
    Status,
    Ticket,
    TicketKind,
)
from domain.tickets.timeline import add_event, audit_step, desk_told, escalate, notify_resident
from domain.tickets.workflow import QUEUED, check
from extensions import db


def dispatch(actor, ticket, *, department=None, now=None):
    """Forward a new ticket to a department's queue (repairs: the 3-minute rule)."""
    now = now or utcnow()
    check("dispatch", actor, ticket)
    ticket.department = Department(department) if department else ticket.department
    ticket.status, ticket.dispatched_at = Status.DISPATCHED, now
    add_event(ticket, actor, "dispatched", data={"department": ticket.department.value}, at=now)
    audit_step(actor, ticket, "dispatch", ticket.department.value)
    notify_resident(
        ticket, _l("Your request #%(id)s has been received and passed to the team that handles it.", id=ticket.id)
    )
    return ticket


def redirect(actor, ticket, *, department):
    """Move a queued ticket to another department's queue."""
    check("redirect", actor, ticket)
    ticket.department = Department(department)
    add_event(ticket, actor, "dispatched", data={"department": ticket.department.value}, public=False)
    audit_step(actor, ticket, "redirect", ticket.department.value)
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
    add_event(ticket, actor, "claimed", data={"assignee": actor.name}, at=now)
    audit_step(actor, ticket, "claim")
    notify_resident(ticket, _l("%(name)s is handling your request #%(id)s.", name=actor.name, id=ticket.id))
    return ticket


def schedule(actor, ticket, *, when, note=""):
    """Book the visit (an aware datetime)."""
    to = check("schedule", actor, ticket)
    if when <= utcnow() - timedelta(minutes=5):
        raise DomainError(_l("Choose a time in the future."), field="when")
    ticket.status, ticket.scheduled_for = to, when
    add_event(ticket, actor, "scheduled", note, data={"when": when.isoformat()})
    audit_step(actor, ticket, "schedule", when.isoformat())

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
    add_event(ticket, actor, "handed_back", reason.strip(), public=False)
    audit_step(actor, ticket, "hand_back", reason.strip()[:80])
    return ticket


def ask_resident(actor, ticket, *, question):
    """Ask the resident something; the service-level clock pauses until they answer."""
    check("ask_resident", actor, ticket)
    if not (question or "").strip():
        raise DomainError(_l("Write the question for the resident."), field="question")
    ticket.status, ticket.waiting_since = Status.WAITING, utcnow()
    add_event(ticket, actor, "waiting", question.strip())
    audit_step(actor, ticket, "ask_resident")
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
    add_event(ticket, actor, "resumed", public=False, data={"paused_seconds": int(paused.total_seconds())})


def resume(actor, ticket):
    """Staff restart a waiting ticket (the resident answered by phone, say)."""
    check("resume", actor, ticket)
    _resume(actor, ticket)
    audit_step(actor, ticket, "resume")
    return ticket


def record_work(actor, ticket, *, note, materials=""):
    """Record work done and materials used, without finishing."""
    check("record_work", actor, ticket)
    if not (note or "").strip():
        raise DomainError(_l("Describe the work."), field="note")
    add_event(ticket, actor, "work", note.strip(), data={"materials": materials.strip()} if materials.strip() else None)
    return ticket


def cannot_come(actor, ticket, *, reason):
    """The department cannot come in time: the resident and the assistants are told (SOP 7)."""
    check("cannot_come", actor, ticket)
    if not (reason or "").strip():
        raise DomainError(_l("Say why, and when you can come."), field="reason")
    ticket.late_notice_at = utcnow()
    add_event(ticket, actor, "late_notice", reason.strip())
    audit_step(actor, ticket, "cannot_come", reason.strip()[:80])
    notify_resident(
        ticket,
        _l("Sorry: the team cannot come in time for request #%(id)s. %(reason)s", id=ticket.id, reason=reason.strip()),
    )
    desk_told.send(
        ticket,
        kind="late_notice",
        message=_l(
            "The team cannot come in time for request #%(id)s in your area: %(reason)s",
            id=ticket.id,
            reason=reason.strip(),
        ),
    )
    return ticket


def finish(actor, ticket, *, summary, materials="", now=None):
    """Mark the work done; the kinds the manager chose (repairs and complaints by default) get a callback task, paid
    services a bill."""
    now = now or utcnow()
    check("finish", actor, ticket)
    if not (summary or "").strip():
        raise DomainError(_l("Say what was done."), field="summary")
    ticket.status, ticket.done_at = Status.DONE, now
    add_event(
        ticket,
        actor,
        "done",
        summary.strip(),
        data={"materials": materials.strip()} if materials.strip() else None,
        at=now,
    )
    if needs_callback(ticket):
        minutes = service_level(ticket.property_id, ticket.kind, ticket.priority)[3]
        db.session.add(Callback(ticket_id=ticket.id, due_at=now + timedelta(minutes=minutes)))
    if ticket.service_item_id and ticket.service_item.price_fen and ticket.unit_id:
        _bill_service(actor, ticket, now)
    audit_step(actor, ticket, "finish")
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
    add_event(ticket, actor, "billed", item.name, data={"bill_id": bill.id, "amount_fen": item.price_fen})


def close(actor, ticket):
    """Close a done ticket by hand; refused while its callback is open and the resident has not rated it."""
    check("close", actor, ticket)
    callback = db.session.scalar(select(Callback).where(Callback.ticket_id == ticket.id))
    if callback is not None and callback.status == CallbackStatus.OPEN and ticket.rating is None:
        raise InvalidTransition(_l("Call the resident back first (or wait for their rating); then the ticket closes."))
    close_if_settled(actor, ticket)
    audit_step(actor, ticket, "close")
    return ticket


def settle(actor, ticket, *, message, now=None):
    """Close a ticket a wider problem settled (a special incident's), with the one message its resident sees."""
    now = now or utcnow()
    check("settle", actor, ticket)
    message = (message or "").strip()
    if not message:
        raise DomainError(_l("Write the message the residents will see."), field="message")
    ticket.status, ticket.closed_at = Status.CLOSED, now
    add_event(ticket, actor, "closed", message, at=now)
    audit_step(actor, ticket, "settle", message[:80])
    notify_resident(ticket, _l("Request #%(id)s is closed: %(message)s", id=ticket.id, message=message))
    return ticket


def cancel(actor, ticket, *, reason):
    """The desk cancels a ticket (a duplicate, withdrawn by phone), with the reason."""
    check("cancel", actor, ticket)
    if not (reason or "").strip():
        raise DomainError(_l("Give the reason."), field="reason")
    ticket.status, ticket.closed_at = Status.CANCELLED, utcnow()
    add_event(ticket, actor, "cancelled", reason.strip())
    audit_step(actor, ticket, "cancel", reason.strip()[:80])
    notify_resident(ticket, _l("Request #%(id)s was cancelled: %(reason)s", id=ticket.id, reason=reason.strip()))
    return ticket


def resident_cancel(actor, ticket, *, resident_id):
    """The resident withdraws a request while nothing has started."""
    check("resident_cancel", actor, ticket, resident_id=resident_id)
    ticket.status, ticket.closed_at = Status.CANCELLED, utcnow()
    add_event(ticket, actor, "cancelled", data={"by": "resident"})
    audit_step(actor, ticket, "resident_cancel")
    return ticket


def comment(actor, ticket, *, body, public=True, resident_id=None):
    """Add a comment: a resident's answer restarts a waiting ticket; staff notes may stay internal."""
    action = "resident_comment" if resident_id is not None else "staff_comment"
    check(action, actor, ticket, resident_id=resident_id)
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write a comment."), field="body")
    event = add_event(ticket, actor, "comment", body, public=public or resident_id is not None)
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
    add_event(ticket, actor, "rated", ticket.rating_comment, data={"rating": rating})
    callback = db.session.scalar(select(Callback).where(Callback.ticket_id == ticket.id))
    if callback is not None and callback.status == CallbackStatus.OPEN:
        # The resident has told us themselves: the callback is answered by their rating.
        callback.status, callback.satisfaction, callback.done_at = CallbackStatus.DONE, rating, utcnow()
        callback.result = ticket.rating_comment
    close_if_settled(actor, ticket)
    audit_step(actor, ticket, "rate", str(rating))
    return ticket


#: classify(about_staff_id=UNCHANGED) leaves the staff member a complaint is about as it is (None clears it).
UNCHANGED = object()


def classify(actor, ticket, *, category=None, severity=None, priority=None, department=None, about_staff_id=UNCHANGED):
    """Classify a ticket (complaints: category, severity, priority, responsible department and the staff member it
    is about); major -> manager. One internal timeline entry and one audit line for all the changes; a refusal
    changes nothing."""
    check("classify", actor, ticket)
    changes = {}
    if about_staff_id is not UNCHANGED:
        changes.update(name_about_staff(ticket, about_staff_id))  # checked first: a refusal leaves the rest as it was
    if category is not None and category != ticket.category:
        changes["category"], ticket.category = [ticket.category, category], category[:32]
    if severity is not None and Severity(severity) != ticket.severity:
        changes["severity"], ticket.severity = [getattr(ticket.severity, "value", None), severity], Severity(severity)
        if ticket.severity == Severity.MAJOR and ticket.escalated_at is None:
            escalate(ticket, actor, utcnow())
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
        add_event(ticket, actor, "classified", public=False, data=changes)
        record(actor, "ticket.classify", ticket, summary=f"#{ticket.id}", changes=changes)
    return ticket


def record_outcome(actor, ticket, *, outcome, reaction=""):
    """The manager records how a complaint was settled and how the resident took it (SOP 9)."""
    check("record_outcome", actor, ticket)
    if not (outcome or "").strip():
        raise DomainError(_l("Describe the outcome."), field="outcome")
    ticket.outcome, ticket.resident_reaction = outcome.strip(), (reaction or "").strip()
    add_event(ticket, actor, "outcome", ticket.outcome, public=False, data={"reaction": ticket.resident_reaction})
    audit_step(actor, ticket, "outcome")
    return ticket
