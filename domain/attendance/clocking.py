"""Clocking in and out (打卡) and the attendance read from it: each planned shift matched on read with the clock-in
that falls in its window, late and early by the property's grace period, missing once a shift began over the grace
period ago with no clock-in and no approved leave. Nothing is stored but the two timestamps, so a rota planned or
changed afterwards reads right, and the lists need no scheduler."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from domain.accounts.roles import Permission, can, require
from domain.attendance.models import Clocking, ShiftAssignment
from domain.attendance.rota import approved_leave_days, grace_minutes
from domain.audit.services import record
from domain.clock import local_date, local_text, local_window, start_of_local_day, utcnow
from domain.errors import Conflict, DomainError, NotAllowed
from extensions import db

#: A clock-in this long before a shift's start still belongs to it (staff arrive early to hand over).
EARLY_WINDOW = timedelta(hours=2)


def _minutes(delta):
    """A duration as whole minutes, rounded down."""
    return int(delta.total_seconds() // 60)


def open_clocking(user_id):
    """The person's clock-in not yet clocked out, or None."""
    return db.session.scalar(select(Clocking).where(Clocking.user_id == user_id, Clocking.out_at.is_(None)))


def clock_in(actor, property_id):
    """Clock the actor in at the server's time; refused (Conflict) while they are clocked in already. Audited."""
    require(actor, Permission.CLOCK_IN)
    if actor.is_system:
        raise NotAllowed(_l("A person clocks in, signed in to the console."))
    current = open_clocking(actor.user_id)
    if current is not None:
        raise Conflict(_l("You are already clocked in since %(time)s.", time=local_text(current.in_at)))
    clocking = Clocking(property_id=property_id, user_id=actor.user_id, in_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(clocking)
            db.session.flush()
    except IntegrityError:  # the same person's second tap at the same moment: the other one won
        raise Conflict(_l("You are already clocked in.")) from None
    record(actor, "attendance.clock_in", clocking, summary=local_text(clocking.in_at))
    return clocking


def clock_out(actor, property_id):
    """Close the actor's open clock-in at the server's time; refused when they are not clocked in. Audited."""
    require(actor, Permission.CLOCK_IN)
    clocking = open_clocking(actor.user_id)
    if clocking is None or clocking.property_id != property_id:
        raise DomainError(_l("You are not clocked in."))
    clocking.out_at = utcnow()
    db.session.flush()
    record(actor, "attendance.clock_out", clocking, summary=local_text(clocking.out_at))
    return clocking


@dataclass
class ShiftRecord:
    """A planned shift as it went: its window, the clock-in matched to it, and what that makes it."""

    assignment: ShiftAssignment
    start: datetime
    end: datetime
    clocking: Clocking | None
    on_leave: bool
    #: Minutes after the start of a clock-in past the grace period (0 when on time).
    late_minutes: int = 0
    #: Minutes before the end of a clock-out earlier than the grace period allows (0 otherwise).
    early_minutes: int = 0
    missing: bool = False

    @property
    def user(self):
        """Whose shift it is."""
        return self.assignment.user


def match(assignments, clockings, leave_days, grace, now):
    """([ShiftRecord] by start, [Clocking] matched to no shift). A clock-in belongs to the person's shift whose window
    (from EARLY_WINDOW before its start to its end) it falls in, each clock-in to one shift. Counted in whole minutes:
    late when more than `grace` minutes after the start, early when out more than `grace` minutes before the end,
    missing once more than `grace` minutes of the shift passed with no clock-in and the day is not an approved leave
    day in `leave_days` {(user id, day)}."""
    by_user = {}
    for clocking in sorted(clockings, key=lambda c: c.in_at):
        by_user.setdefault(clocking.user_id, []).append(clocking)
    used = set()
    records = []
    windows = [(local_window(a.day, a.shift.starts_at, a.shift.ends_at), a) for a in assignments]
    for (start, end), assignment in sorted(windows, key=lambda item: (item[0][0], item[1].user_id)):
        found = next(
            (
                c
                for c in by_user.get(assignment.user_id, ())
                if c.id not in used and start - EARLY_WINDOW <= c.in_at < end
            ),
            None,
        )
        on_leave = (assignment.user_id, assignment.day) in leave_days
        row = ShiftRecord(assignment, start, end, found, on_leave)
        if found is not None:
            used.add(found.id)
            if _minutes(found.in_at - start) > grace:
                row.late_minutes = _minutes(found.in_at - start)
            if found.out_at is not None and _minutes(end - found.out_at) > grace:
                row.early_minutes = _minutes(end - found.out_at)
        elif not on_leave and _minutes(now - start) > grace:
            row.missing = True
        records.append(row)
    unmatched = [c for c in clockings if c.id not in used]
    return records, unmatched


def attendance(property_id, first, last, *, user_id=None, now=None):
    """The shifts planned from the local day `first` to `last` with their clock-ins (see `match`), and the clock-ins of
    those days matched to no shift; everyone's, or `user_id`'s. Four statements whatever the number of days."""
    now = now or utcnow()
    query = (
        select(ShiftAssignment)
        .join(ShiftAssignment.user)
        .where(ShiftAssignment.property_id == property_id, ShiftAssignment.day >= first, ShiftAssignment.day <= last)
    )
    clock_query = select(Clocking).where(
        Clocking.property_id == property_id,
        Clocking.in_at >= start_of_local_day(first) - EARLY_WINDOW,
        Clocking.in_at < start_of_local_day(last + timedelta(days=2)),
    )
    if user_id is not None:
        query = query.where(ShiftAssignment.user_id == user_id)
        clock_query = clock_query.where(Clocking.user_id == user_id)
    assignments = db.session.scalars(query.options(contains_eager(ShiftAssignment.user))).unique().all()
    clockings = db.session.scalars(clock_query).all()
    leave = approved_leave_days(property_id, first, last, None if user_id is None else [user_id])
    records, unmatched = match(assignments, clockings, leave, grace_minutes(property_id), now)
    last_end = start_of_local_day(last + timedelta(days=1))
    unmatched = [c for c in unmatched if c.in_at < last_end]
    return records, unmatched


def exceptions(property_id, first, last, now=None):
    """{"late": [...], "early": [...], "missing": [...]} ShiftRecords of everyone from `first` to `last`, newest
    first."""
    records, _unmatched = attendance(property_id, first, last, now=now)
    records.reverse()
    return {
        "late": [r for r in records if r.late_minutes],
        "early": [r for r in records if r.early_minutes],
        "missing": [r for r in records if r.missing],
    }


def today_shift(property_id, user_id, now=None):
    """The person's ShiftRecord running now or next today (a night shift begun yesterday counts), or None."""
    now = now or utcnow()
    day = local_date(now)
    records, _unmatched = attendance(property_id, day - timedelta(days=1), day, user_id=user_id, now=now)
    current = [r for r in records if r.end > now - timedelta(hours=1)]
    return current[0] if current else None


def require_record_reader(actor, user_id):
    """A person's attendance record is theirs and the manager's: NotAllowed for anyone else."""
    if actor.is_system or actor.user_id == user_id or can(actor.role, Permission.VIEW_ATTENDANCE):
        return
    raise NotAllowed()
