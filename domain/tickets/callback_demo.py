"""The demo's callbacks measured (SOP 13): four months of finished repairs and complaints with callbacks around the
80 % target (some residents dissatisfied, one already sent on to engineering), help requests chosen for callbacks
too."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.clock import local_day_bounds
from domain.dates import month_before
from domain.property.models import Building, Occupancy, Unit
from domain.tickets import followups, recording
from domain.tickets.callbacks import save_callback_settings
from domain.tickets.models import Callback, CallbackStatus, Status
from extensions import db

MONTHS = 4
TICKETS_A_MONTH = 10
DESCRIPTIONS = {"repair": ("卫生间漏水", "门锁损坏", "灯不亮"), "complaint": ("夜间噪音", "垃圾未及时清运")}
RESULTS = {5: "已修好，师傅很专业", 4: "已解决，满意", 3: "还行", 2: "问题没完全解决", 1: "上门太晚，很不满意"}


def _user(username):
    """The demo account `username`, or None."""
    return db.session.scalar(select(User).where(User.username == username))


def _households(prop, today, limit):
    """[(unit id, resident id)] of lived-in units, by label (the first `limit`)."""
    return db.session.execute(
        select(Unit.id, Occupancy.resident_id)
        .join(Building, Unit.building_id == Building.id)
        .join(Occupancy, Occupancy.unit_id == Unit.id)
        .where(Building.property_id == prop.id, Occupancy.is_current(today))
        .order_by(Building.code, Unit.floor, Unit.number)
        .limit(limit)
    ).all()


def load_callbacks_demo(prop, *, rng, today):
    """Load the demo's callback settings and months of callbacks; returns how many callbacks it made."""
    system = Actor.system("demo")
    callers = [u for u in (_user("frontdesk"), _user("assistant")) if u is not None]
    save_callback_settings(system, prop.id, kinds=["repair", "complaint", "help"], target_percent=80)
    homes = _households(prop, today, 60)
    made = 0
    first = today.replace(day=1)
    for back in range(MONTHS):
        month = first
        for _ in range(back):
            month = month_before(month)
        for n in range(TICKETS_A_MONTH):
            day = month + timedelta(days=min(n * 2, 26))
            if day >= today:
                break
            kind = "complaint" if n % 4 == 3 else "repair"
            unit_id, resident_id = homes[rng.randrange(len(homes))]
            at = local_day_bounds(day)[0] + timedelta(hours=2 + n % 6)
            ticket = recording.create_ticket(
                system,
                property_id=prop.id,
                kind=kind,
                channel="phone",
                description=rng.choice(DESCRIPTIONS[kind]),
                unit_id=unit_id,
                resident_id=resident_id,
                now=at,
            )
            ticket.status, ticket.done_at = Status.CLOSED, at + timedelta(hours=3)
            callback = Callback(ticket_id=ticket.id, due_at=ticket.done_at + timedelta(days=2))
            # Four callbacks in five made (the 80 % target), the last one of a month sometimes not yet either.
            if n % 5 != 4 and callers:
                satisfaction = rng.choice((5, 5, 5, 4, 4, 4, 3, 2, 1))
                callback.status, callback.satisfaction = CallbackStatus.DONE, satisfaction
                callback.result, callback.done_at = RESULTS[satisfaction], ticket.done_at + timedelta(days=1)
                callback.done_by_id = rng.choice(callers).id
            else:
                ticket.status = Status.DONE
            db.session.add(callback)
            made += 1
    db.session.flush()
    manager = _user("manager")
    if manager is not None:
        unhappy = followups.dissatisfied_callbacks(prop.id, limit=1)
        if unhappy:
            followups.send_callback(
                Actor.for_user(manager, "demo"),
                db.session.get(Callback, unhappy[0].id),
                department="engineering",
                kind="repair",
                note="请安排再次上门",
            )
    db.session.flush()
    return made
