"""The demo's overtime for 亿丰时代广场: the published holiday calendar, and two applications of the front desk from
last week: one approved, reported and confirmed (two evening hours handling parcels before a holiday weekend), one
refused with the manager's reason."""

from datetime import time, timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.clock import start_of_local_day
from domain.overtime import applications, calendar
from extensions import db


def _actor(username, system):
    """The demo account's actor (the system when the account is missing)."""
    user = db.session.scalar(select(User).where(User.username == username))
    return Actor.for_user(user, "demo") if user else system


def load_overtime_demo(prop, *, today):
    """Enter the published calendar days and two overtime applications; returns how many applications."""
    system = Actor.system("demo")
    calendar.load_published_days(system, prop.id)
    desk, manager = _actor("frontdesk", system), _actor("manager", system)
    if desk.user_id is None:
        return 0
    day = today - timedelta(days=7)
    applied = start_of_local_day(day - timedelta(days=1)) + timedelta(hours=15)
    worked = applications.apply(
        desk,
        prop.id,
        work_date=day,
        start=time(18, 0),
        end=time(20, 0),
        reason="快递高峰，协助业主取件并整理货架",
        now=applied,
    )
    applications.approve(manager, worked, now=applied + timedelta(hours=1))
    evening = start_of_local_day(day) + timedelta(hours=20, minutes=30)
    applications.report(desk, worked, start=time(18, 0), end=time(20, 15), now=evening)
    applications.confirm(manager, worked, start=time(18, 0), end=time(20, 15), now=evening + timedelta(hours=14))
    refused = applications.apply(
        desk,
        prop.id,
        work_date=day + timedelta(days=1),
        start=time(18, 0),
        end=time(21, 0),
        reason="整理本月收费台账",
        now=applied + timedelta(hours=2),
    )
    applications.refuse(manager, refused, note="台账由财务部统一整理，前台无需加班。", now=applied + timedelta(hours=3))
    return 2
