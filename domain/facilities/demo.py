"""The demo facility register for 亿丰时代广场: two lifts per building kept by the lift contractor, fire equipment
per building, lobby lighting, the main gate, the domestic water pumps and CCTV, with two months of checks so that
some are due today, two are overdue, and one failed check has opened its repair ticket."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.accounts.roles import Role
from domain.clock import start_of_local_day, utcnow
from domain.facilities import checks, register
from domain.facilities.models import FacilityKind
from domain.property.models import Building
from extensions import db

LIFT_CONTRACTOR = "沈阳奥的斯电梯维保"
LIFT_ENGINEERS = ("张师傅", "刘师傅")
#: How far back the history goes.
HISTORY_DAYS = 60
#: The demo staff member who checks for each role (domain/demo.py DEMO_STAFF).
CHECKERS = {Role.ENGINEERING: "engineer", Role.SECURITY: "security", Role.ASSISTANT: "assistant"}


def _register(buildings):
    """(name, kind, location, building, days since the last check) for each demo facility; 0 days is the failed
    check recorded this morning; an interval's worth of days is due today; more is overdue."""
    rows = []
    for building, (first, second) in zip(buildings, ((15, 14), (15, 10), (17, 5))):
        rows.append((f"{building.code}号楼1号电梯", FacilityKind.LIFT, f"{building.name}大堂", building, first))
        rows.append((f"{building.code}号楼2号电梯", FacilityKind.LIFT, f"{building.name}大堂", building, second))
    for building, days in zip(buildings, (30, 20, 12)):
        rows.append((f"{building.code}号楼消防设施", FacilityKind.FIRE, f"{building.name}各层消防通道", building, days))
    first = buildings[0]
    rows += [
        ("1号楼大堂照明", FacilityKind.LIGHTING, f"{first.name}大堂", first, 8),
        ("小区正门门禁", FacilityKind.DOOR, "小区正门", None, 3),
        ("生活水泵", FacilityKind.PUMP, "地下一层泵房", None, 25),
        ("监控系统", FacilityKind.CCTV, "监控中心", None, 0),
    ]
    return rows


def _actors():
    """{role: the demo checker's actor}; the system where the demo account is missing."""
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(CHECKERS.values())))}
    return {
        role: Actor.for_user(users[name], "demo") if name in users else Actor.system("demo")
        for role, name in CHECKERS.items()
    }


def load_facilities_demo(prop, *, rng, today):
    """Add the register and its history of checks (run once, on a fresh demo database); returns how many
    facilities."""
    system = Actor.system("demo")
    actors = _actors()
    buildings = db.session.scalars(
        select(Building).where(Building.property_id == prop.id).order_by(Building.code)
    ).all()[:3]
    rows = _register(buildings)
    for name, kind, location, building, days_since in rows:
        defaults = register.DEFAULTS[kind]
        interval = defaults.interval_days
        last = today - timedelta(days=days_since)
        days = [last - timedelta(days=interval * n) for n in range(HISTORY_DAYS // interval + 1)]
        days = sorted(day for day in days if day >= today - timedelta(days=HISTORY_DAYS))
        facility = register.save_facility(
            system,
            property_id=prop.id,
            name=name,
            kind=kind.value,
            location=location,
            building_id=building.id if building else None,
            checker_role="",
            contractor=LIFT_CONTRACTOR if defaults.contractor_asked else "",
            checklist="",
            interval_days=interval,
            first_due_on=days[0],
        )
        actor = actors[defaults.checker_role]
        for day in days:
            failed = day == today
            answers = {item: checks.OK for item in facility.checklist}
            if failed:
                answers[facility.checklist[0]] = checks.FAULT
            at = start_of_local_day(day) + timedelta(hours=9, minutes=rng.randrange(0, 120))
            checks.record_check(
                actor,
                facility,
                answers=answers,
                note="3号楼电梯厅摄像头画面模糊，需更换。" if failed else "",
                done_by=rng.choice(LIFT_ENGINEERS) if facility.contractor else "",
                now=utcnow() - timedelta(hours=2) if failed else at,
            )
    return len(rows)
