"""Leave requests (请假): a staff member asks at least the day before (the SOP: 如需请假,需在当班前一天提出), for
one day or several, saying the kind and why; sick leave may also be asked for the same day, since nobody falls ill a day
ahead. The manager approves or refuses; an approved day shows on the rota and is never a missing clock-in."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from domain.accounts.roles import Permission, require
from domain.attendance.models import LeaveKind, LeaveRequest, LeaveStatus
from domain.attendance.workflow import check_leave
from domain.audit.services import record
from domain.clock import today, utcnow
from domain.errors import Conflict, DomainError, NotAllowed, NotFound
from extensions import db

#: At most this many days in one request.
MAX_DAYS = 30
MAX_TEXT = 500

KIND_LABELS = {
    LeaveKind.PERSONAL: _l("Personal leave"),
    LeaveKind.SICK: _l("Sick leave"),
    LeaveKind.ANNUAL: _l("Annual leave"),
    LeaveKind.TIME_OFF: _l("Time off in lieu"),
}


def apply_for_leave(actor, *, property_id, kind, first_day, last_day=None, reason):
    """Ask for leave from `first_day` to `last_day` (that day alone when None): the first day at least tomorrow, or
    today for sick leave; at most MAX_DAYS days; a reason; not overlapping one's own leave asked or approved.
    DomainError(field=...) on bad input, nothing saved then. Audited."""
    require(actor, Permission.CLOCK_IN)
    if actor.is_system:
        raise NotAllowed(_l("Leave is asked for by a person signed in to the console."))
    try:
        kind = LeaveKind(kind)
    except ValueError:
        raise DomainError(_l("Choose the kind of leave."), field="kind") from None
    if not isinstance(first_day, date):
        raise DomainError(_l("Give the first day of leave."), field="first_day")
    last_day = last_day or first_day
    earliest = today() if kind == LeaveKind.SICK else today() + timedelta(days=1)
    if first_day < earliest:
        message = (
            _l("Sick leave cannot start before today.")
            if kind == LeaveKind.SICK
            else _l("Ask for leave at least the day before: the first day can be tomorrow at the earliest.")
        )
        raise DomainError(message, field="first_day")
    if last_day < first_day:
        raise DomainError(_l("The last day cannot be before the first."), field="last_day")
    if (last_day - first_day).days >= MAX_DAYS:
        raise DomainError(_l("Ask for at most %(count)s days at once.", count=MAX_DAYS), field="last_day")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why."), field="reason")
    if len(reason) > MAX_TEXT:
        raise DomainError(_l("Write at most %(count)s characters.", count=MAX_TEXT), field="reason")
    overlap = db.session.scalar(
        select(LeaveRequest.id).where(
            LeaveRequest.user_id == actor.user_id,
            LeaveRequest.status.in_([LeaveStatus.PENDING, LeaveStatus.APPROVED]),
            LeaveRequest.first_day <= last_day,
            LeaveRequest.last_day >= first_day,
        )
    )
    if overlap is not None:
        raise Conflict(_l("You have already asked for leave on some of these days."), field="first_day")
    leave = LeaveRequest(
        property_id=property_id,
        user_id=actor.user_id,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        status=LeaveStatus.PENDING,
    )
    db.session.add(leave)
    db.session.flush()
    record(actor, "leave.apply", leave, summary=f"{kind.value} {first_day}..{last_day}")
    return leave


def get_leave(leave_id, property_id):
    """One leave request of the property, or NotFound."""
    leave = db.session.get(LeaveRequest, leave_id, options=[joinedload(LeaveRequest.user)])
    if leave is None or leave.property_id != property_id:
        raise NotFound()
    return leave


def decide_leave(actor, leave, action, note=""):
    """Approve or refuse a request (`action` "approve" / "refuse"), with an optional note; the manager's, never on
    their own request. Audited."""
    require(actor, Permission.DECIDE_LEAVE)
    if action not in ("approve", "refuse"):
        raise DomainError()
    leave.status = check_leave(actor, action, leave)
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise DomainError(_l("Write at most %(count)s characters.", count=MAX_TEXT), field="note")
    leave.decided_by_id, leave.decided_at, leave.decision_note = actor.user_id, utcnow(), note
    db.session.flush()
    record(actor, f"leave.{action}", leave, summary=f"{leave.user.display_name} {leave.first_day}..{leave.last_day}")
    return leave


def withdraw_leave(actor, leave):
    """The applicant takes back a request not decided yet. Audited."""
    require(actor, Permission.CLOCK_IN)
    leave.status = check_leave(actor, "withdraw", leave)
    db.session.flush()
    record(actor, "leave.withdraw", leave, summary=f"{leave.first_day}..{leave.last_day}")
    return leave


def leave_of(user_id, limit=20):
    """The person's latest requests, newest first."""
    return db.session.scalars(
        select(LeaveRequest)
        .where(LeaveRequest.user_id == user_id)
        .order_by(LeaveRequest.first_day.desc(), LeaveRequest.id.desc())
        .limit(limit)
    ).all()


def requests_to_decide(property_id, limit=50):
    """(the requests waiting for a decision, oldest first; the latest decided or withdrawn), with their people (two
    statements)."""
    base = select(LeaveRequest).options(joinedload(LeaveRequest.user)).where(LeaveRequest.property_id == property_id)
    waiting = db.session.scalars(
        base.where(LeaveRequest.status == LeaveStatus.PENDING).order_by(LeaveRequest.first_day, LeaveRequest.id)
    ).all()
    decided = db.session.scalars(
        base.where(LeaveRequest.status != LeaveStatus.PENDING)
        .order_by(LeaveRequest.first_day.desc(), LeaveRequest.id.desc())
        .limit(limit)
    ).all()
    return waiting, decided
