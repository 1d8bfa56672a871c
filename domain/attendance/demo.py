"""The demo's rota and attendance for 亿丰时代广场: the desk's day shift (白班 08:00-20:00) and security's
night shift (夜班 20:00-08:00) on alternate days (some weeks over 40 hours, flagged), the assistants' office hours
on weekdays, three weeks back and a week ahead; clock-ins for the shifts begun, mostly on time, some late, a few
early clock-outs and one shift missed; one approved annual leave and one request waiting for the manager."""

from datetime import time, timedelta

from sqlalchemy import select

from domain.accounts.models import User
from domain.attendance.models import (
    Clocking,
    LeaveKind,
    LeaveRequest,
    LeaveStatus,
    Shift,
    ShiftAssignment,
)
from domain.clock import local_window, utcnow
from extensions import db

WEEKS_BACK = 3
WEEKS_AHEAD = 1
SHIFTS = (("白班", time(8), time(20)), ("夜班", time(20), time(8)), ("行政班", time(9), time(17)))


def _plan(today):
    """[(username, shift name, day)] from WEEKS_BACK weeks ago to WEEKS_AHEAD weeks ahead."""
    first = today - timedelta(days=7 * WEEKS_BACK)
    rows = []
    for n in range(7 * (WEEKS_BACK + WEEKS_AHEAD) + 1):
        day = first + timedelta(days=n)
        if day.toordinal() % 2 == 0:
            rows.append(("frontdesk", "白班", day))
        else:
            rows.append(("security", "夜班", day))
        if day.weekday() < 5:
            rows += [("assistant", "行政班", day), ("assistant2", "行政班", day)]
    return rows


def load_attendance_demo(prop, *, rng, today):
    """Load the shifts, the rota, the clock-ins and the leave; returns how many days were planned."""
    users = dict(db.session.execute(select(User.username, User.id)).all())
    shifts = {}
    for name, start, end in SHIFTS:
        shift = Shift(property_id=prop.id, name=name, starts_at=start, ends_at=end)
        db.session.add(shift)
        shifts[name] = shift
    db.session.flush()
    leave_day = today - timedelta(days=(today.weekday() + 3) % 7 + 1)  # a recent day
    while leave_day.weekday() >= 5:
        leave_day -= timedelta(days=1)
    db.session.add_all(
        [
            LeaveRequest(
                property_id=prop.id,
                user_id=users["assistant2"],
                kind=LeaveKind.ANNUAL,
                first_day=leave_day,
                last_day=leave_day,
                reason="回老家办事",
                status=LeaveStatus.APPROVED,
                decided_by_id=users["manager"],
                decided_at=utcnow() - timedelta(days=10),
            ),
            LeaveRequest(
                property_id=prop.id,
                user_id=users["frontdesk"],
                kind=LeaveKind.PERSONAL,
                first_day=today + timedelta(days=3),
                last_day=today + timedelta(days=3),
                reason="孩子开家长会",
                status=LeaveStatus.PENDING,
            ),
        ]
    )
    now = utcnow()
    #: The one shift nobody clocked in for: the desk's latest day shift before today.
    missed_day = next(d for d in (today - timedelta(days=n) for n in (1, 2)) if d.toordinal() % 2 == 0)
    missed = (missed_day, "白班")
    planned = 0
    for username, name, day in _plan(today):
        if username not in users:
            continue
        shift = shifts[name]
        db.session.add(
            ShiftAssignment(
                property_id=prop.id, user_id=users[username], shift_id=shift.id, day=day, planned_by_id=users["manager"]
            )
        )
        planned += 1
        start, end = local_window(day, shift.starts_at, shift.ends_at)
        if start > now or (day, name) == missed or (username == "assistant2" and day == leave_day):
            continue
        roll = rng.random()
        in_at = start + timedelta(minutes=rng.randint(8, 25) if roll < 0.12 else -rng.randint(1, 12))
        out_at = end + timedelta(minutes=rng.randint(0, 15))
        if 0.12 <= roll < 0.16:
            out_at = end - timedelta(minutes=rng.randint(20, 50))
        db.session.add(
            Clocking(property_id=prop.id, user_id=users[username], in_at=in_at, out_at=out_at if out_at < now else None)
        )
    db.session.flush()
    return planned
