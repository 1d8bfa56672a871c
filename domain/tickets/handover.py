"""The shift handover (交接班记录): what is open now, handed over by one shift and acknowledged by the next.

The draft is plain JSON-able values (ids, labels, status values, ISO times), so a handover keeps what was
open at the moment it was made, whatever happens to the tickets afterwards; the page translates the
values when it shows them.
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from domain.accounts.models import User
from domain.accounts.roles import Permission, require
from domain.attendance.rota import shift_at
from domain.audit.services import record
from domain.clock import local_day_bounds, utcnow
from domain.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from domain.parcels.queries import overdue_at_the_counter
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL
from domain.tickets.models import Callback, CallbackStatus, Department, Handover, Status, Ticket
from domain.tickets.workflow import OPEN, QUEUED
from extensions import db

#: Visits booked up to this far ahead are in the handover.
SCHEDULED_AHEAD = timedelta(hours=12)
#: At most this many tickets and callbacks each are copied into a handover; the rest are counted.
DRAFT_LIMIT = 200
SUMMARY_LENGTH = 80
NOTES_MAX = 5000
#: Why a ticket is in the handover, in the order the page groups them (a ticket shows in its first group).
REASONS = ("overdue", "new", "scheduled", "desk")


def _iso(value):
    """An aware datetime as ISO 8601 (UTC), or None."""
    return value.isoformat() if value is not None else None


def _place(row):
    """Where: the unit's label ("1-1203") or the public area."""
    return row.unit_label or row.location or ""


def _summary(text):
    """The first words of a description, on one line."""
    text = " ".join((text or "").split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def _late_conditions(now):
    """The running clocks that are past due, as SQL: the same rules as the manager's board."""
    return {
        "dispatch": and_(Ticket.status == Status.NEW, Ticket.dispatch_due_at < now),
        "response": and_(Ticket.status.in_(list(QUEUED)), Ticket.response_due_at < now),
        "resolve": and_(Ticket.waiting_since.is_(None), Ticket.resolve_due_at < now),
    }


def _late_clocks(row, now):
    """The same rules as _late_conditions, for one row already read."""
    late = []
    if row.status == Status.NEW and row.dispatch_due_at < now:
        late.append("dispatch")
    if row.status in QUEUED and row.response_due_at < now:
        late.append("response")
    if row.waiting_since is None and row.resolve_due_at < now:
        late.append("resolve")
    return late


def _next_due(row):
    """(clock, due time) of the clock that runs now, or (None, None) while the ticket waits for the resident."""
    if row.status == Status.NEW:
        return "dispatch", row.dispatch_due_at
    if row.status == Status.DISPATCHED:
        return "response", row.response_due_at
    if row.status == Status.WAITING:
        return None, None
    return "resolve", row.resolve_due_at


def draft_handover(actor, property_id, now=None):
    """What the next shift must know now: NEW tickets, the desk's open tickets, visits booked for the next
    12 hours, every overdue open ticket, the open callbacks, and what is overdue at the counter.

    Returns {"at", "tickets": [...], "callbacks": [...], "more": {"tickets": n, "callbacks": n}} of plain
    values; each list holds at most DRAFT_LIMIT entries, oldest first, and "more" counts the rest.
    Six statements at most, whatever the number of tickets.
    """
    require(actor, Permission.HAND_OVER)
    now = now or utcnow()
    late = _late_conditions(now)
    scheduled_soon = and_(Ticket.status == Status.SCHEDULED, Ticket.scheduled_for <= now + SCHEDULED_AHEAD)
    wanted = and_(
        Ticket.property_id == property_id,
        Ticket.status.in_(list(OPEN)),
        or_(
            Ticket.status == Status.NEW,
            Ticket.department == Department.CUSTOMER_SERVICE,
            scheduled_soon,
            *late.values(),
        ),
    )
    rows = db.session.execute(
        select(
            Ticket.id,
            Ticket.kind,
            Ticket.category,
            Ticket.description,
            Ticket.status,
            Ticket.priority,
            Ticket.severity,
            Ticket.department,
            Ticket.location,
            Ticket.contact_name,
            Ticket.created_at,
            Ticket.dispatch_due_at,
            Ticket.response_due_at,
            Ticket.resolve_due_at,
            Ticket.scheduled_for,
            Ticket.waiting_since,
            Ticket.escalated_at,
            UNIT_LABEL,
            User.display_name.label("assignee"),
        )
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .outerjoin(User, Ticket.assignee_id == User.id)
        .where(wanted)
        .order_by(Ticket.id)
        .limit(DRAFT_LIMIT + 1)
    ).all()
    tickets = []
    for row in rows[:DRAFT_LIMIT]:
        late_clocks = _late_clocks(row, now)
        reasons = [
            reason
            for reason, applies in (
                ("overdue", bool(late_clocks)),
                ("new", row.status == Status.NEW),
                (
                    "scheduled",
                    row.status == Status.SCHEDULED
                    and row.scheduled_for is not None
                    and row.scheduled_for <= now + SCHEDULED_AHEAD,
                ),
                ("desk", row.department == Department.CUSTOMER_SERVICE),
            )
            if applies
        ]
        clock, due = _next_due(row)
        tickets.append(
            {
                "id": row.id,
                "kind": row.kind.value,
                "category": row.category,
                "status": row.status.value,
                "priority": row.priority.value,
                "severity": row.severity.value if row.severity else None,
                "department": row.department.value if row.department else None,
                "place": _place(row),
                "contact": row.contact_name,
                "summary": _summary(row.description),
                "assignee": row.assignee,
                "created_at": _iso(row.created_at),
                "due": clock,
                "due_at": _iso(due),
                "scheduled_for": _iso(row.scheduled_for),
                "late": late_clocks,
                "escalated": row.escalated_at is not None,
                "reasons": reasons,
            }
        )
    callback_rows = db.session.execute(
        select(
            Callback.id,
            Callback.ticket_id,
            Callback.due_at,
            Ticket.kind,
            Ticket.description,
            Ticket.contact_name,
            Ticket.location,
            UNIT_LABEL,
        )
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .where(Ticket.property_id == property_id, Callback.status == CallbackStatus.OPEN)
        .order_by(Callback.due_at, Callback.id)
        .limit(DRAFT_LIMIT + 1)
    ).all()
    callbacks = [
        {
            "id": row.id,
            "ticket_id": row.ticket_id,
            "kind": row.kind.value,
            "place": _place(row),
            "contact": row.contact_name,
            "summary": _summary(row.description),
            "due_at": _iso(row.due_at),
            "overdue": row.due_at < now,
        }
        for row in callback_rows[:DRAFT_LIMIT]
    ]
    more = {"tickets": 0, "callbacks": 0}
    if len(rows) > DRAFT_LIMIT:
        more["tickets"] = db.session.scalar(select(func.count()).select_from(Ticket).where(wanted)) - DRAFT_LIMIT
    if len(callback_rows) > DRAFT_LIMIT:
        more["callbacks"] = (
            db.session.scalar(
                select(func.count())
                .select_from(Callback)
                .join(Ticket, Callback.ticket_id == Ticket.id)
                .where(Ticket.property_id == property_id, Callback.status == CallbackStatus.OPEN)
            )
            - DRAFT_LIMIT
        )
    return {
        "at": _iso(now),
        "tickets": tickets,
        "callbacks": callbacks,
        "more": more,
        "counter": overdue_at_the_counter(property_id, now),
    }


def sections(items):
    """The tickets of a draft or handover grouped for reading: [(reason, [tickets])] in REASONS order,
    each ticket in its first group only; empty groups are left out."""
    groups = {reason: [] for reason in REASONS}
    for ticket in items.get("tickets", []):
        first = next((reason for reason in REASONS if reason in ticket.get("reasons", [])), "desk")
        groups[first].append(ticket)
    return [(reason, tickets) for reason, tickets in groups.items() if tickets]


def create_handover(actor, *, property_id, notes="", now=None):
    """Hand the shift over: store what is open now (draft_handover), the notes and the writer's planned shift it
    closes (the rota's shift around now, if they have one); audited."""
    require(actor, Permission.HAND_OVER)
    if actor.is_system:
        raise NotAllowed(_l("A handover is made by a person signed in to the console."))
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise DomainError(_l("At most %(max)s characters.", max=NOTES_MAX), field="notes")
    now = now or utcnow()
    items = draft_handover(actor, property_id, now)
    closing = shift_at(actor.user_id, now)
    handover = Handover(
        property_id=property_id,
        from_user_id=actor.user_id,
        created_at=now,
        items=items,
        notes=notes,
        shift_assignment_id=closing.id if closing else None,
    )
    db.session.add(handover)
    db.session.flush()
    record(
        actor,
        "handover.create",
        handover,
        summary=f"{len(items['tickets']) + items['more']['tickets']} tickets, "
        f"{len(items['callbacks']) + items['more']['callbacks']} callbacks",
    )
    return handover


def get_handover(handover_id, property_id=None):
    """One handover with its author and acknowledger, or NotFound (also for another property's)."""
    handover = db.session.get(
        Handover, handover_id, options=[joinedload(Handover.from_user), joinedload(Handover.acknowledged_by)]
    )
    if handover is None or (property_id is not None and handover.property_id != property_id):
        raise NotFound()
    return handover


def acknowledge(actor, handover, now=None):
    """The next shift confirms it has read the handover: someone other than its author, once.

    Two people acknowledging at the same moment: exactly one wins (one conditional UPDATE)."""
    require(actor, Permission.HAND_OVER)
    if actor.is_system:
        raise NotAllowed(_l("A handover is acknowledged by a person signed in to the console."))
    if handover.from_user_id == actor.user_id:
        raise NotAllowed(_l("The next shift acknowledges a handover, not its author."))
    if handover.acknowledged_at is not None:
        raise InvalidTransition(_l("This handover has already been acknowledged."))
    now = now or utcnow()
    won = db.session.execute(
        update(Handover)
        .where(Handover.id == handover.id, Handover.acknowledged_by_id.is_(None))
        .values(acknowledged_by_id=actor.user_id, acknowledged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise InvalidTransition(_l("This handover has already been acknowledged."))
    db.session.refresh(handover)
    record(actor, "handover.acknowledge", handover, summary=f"#{handover.id}")
    return handover


def list_handovers(property_id, day):
    """The handovers made on `day` (a date in property time), in the order they were made."""
    start, end = local_day_bounds(day)
    return db.session.scalars(
        select(Handover)
        .options(
            joinedload(Handover.from_user),
            joinedload(Handover.acknowledged_by),
            joinedload(Handover.shift_assignment),
        )
        .where(Handover.property_id == property_id, Handover.created_at >= start, Handover.created_at < end)
        .order_by(Handover.created_at, Handover.id)
    ).all()


def pending_handover(property_id, actor):
    """The latest handover by someone else that nobody has acknowledged yet, made since the actor's own last
    handover (an older one was for an earlier shift), or None."""
    own_last = (
        select(func.max(Handover.created_at))
        .where(Handover.property_id == property_id, Handover.from_user_id == actor.user_id)
        .scalar_subquery()
    )
    return db.session.scalar(
        select(Handover)
        .options(joinedload(Handover.from_user))
        .where(
            Handover.property_id == property_id,
            Handover.acknowledged_by_id.is_(None),
            Handover.from_user_id != actor.user_id,
            or_(own_last.is_(None), Handover.created_at > own_last),
        )
        .order_by(Handover.created_at.desc(), Handover.id.desc())
        .limit(1)
    )
