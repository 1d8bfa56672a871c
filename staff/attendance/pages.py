"""What the attendance pages show: one's own page (the clock button, today's shift, this week, the last two weeks'
record, one's leave), a person's record, the manager's late/early/missing lists and the week's rota. Each is a fixed
number of statements whatever the number of people, days and clock-ins."""

from datetime import timedelta

from domain.attendance import clocking, leave, rota
from domain.attendance.workflow import LEAVE_STATUS_LABELS, leave_actions
from domain.clock import today, utcnow

#: How far back one's own page and a person's record go by default.
RECORD_DAYS = 14


def labels():
    """The labels every attendance page may show."""
    return {"kinds": leave.KIND_LABELS, "leave_statuses": LEAVE_STATUS_LABELS}


def my_context(actor, property_id):
    """One's own attendance page."""
    now, day = utcnow(), today()
    records, unmatched = clocking.attendance(property_id, day - timedelta(days=RECORD_DAYS), day, user_id=actor.user_id)
    requests = leave.leave_of(actor.user_id)
    days, lines = rota.week_rota(property_id, day, user_ids=[actor.user_id])
    return {
        "now": now,
        "day": day,
        "open": clocking.open_clocking(actor.user_id),
        "current": clocking.today_shift(property_id, actor.user_id, now),
        "records": list(reversed(records)),
        "unmatched": unmatched,
        "requests": requests,
        "actions": {r.id: leave_actions(actor, r) for r in requests},
        "days": days,
        "week": lines[0] if lines else None,
        "grace": rota.grace_minutes(property_id),
        **labels(),
    }


def record_context(property_id, user, first, last):
    """A person's record between two days: each planned shift as it went, clock-ins with no shift, their leave."""
    records, unmatched = clocking.attendance(property_id, first, last, user_id=user.id)
    return {
        "person": user,
        "first": first,
        "last": last,
        "records": list(reversed(records)),
        "unmatched": unmatched,
        "requests": leave.leave_of(user.id),
        "grace": rota.grace_minutes(property_id),
        **labels(),
    }


def rota_context(property_id, monday):
    """The week's rota: a line per person with their shift each day, leave, hours planned and the 40 h flag."""
    days, lines = rota.week_rota(property_id, monday)
    return {
        "days": days,
        "lines": lines,
        "today": today(),
        "monday": days[0],
        "previous": days[0] - timedelta(days=7),
        "following": days[0] + timedelta(days=7),
        "limit_hours": rota.WEEK_LIMIT_MINUTES // 60,
        "shifts": rota.shifts(property_id),
    }
