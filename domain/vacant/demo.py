"""The demo's vacant units for 亿丰时代广场 (SOP 17): ten units the register marks vacant, registered with their
reasons and the keys the office keeps, six weeks of weekly checks so that some are due today and some overdue, one
failed check this morning with its repair ticket, keys out now (one overdue, with an agent who has the owner's
consent) and past take-outs returned."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.areas import lookup
from domain.clock import start_of_local_day, utcnow
from domain.property.models import Building, Unit, UnitStatus
from domain.vacant import checks, keys, register
from domain.vacant.checklist import DEFAULT_ITEMS, split_items
from extensions import db

UNITS = 10
#: How far back the weekly checks go.
HISTORY_WEEKS = 6
REASONS = ("unsold", "unsold", "owner_away", "between_tenants", "unsold", "owner_away", "unsold", "between_tenants")
#: Days since each unit's last check (weekly checks): 2 = not due, 7 = due today, 10 = 3 days overdue, 0 = the failed
#: check this morning, None = registered 3 days ago and never checked (3 days overdue).
LAST_CHECKED = (2, 2, 3, 5, 7, 7, 10, 10, 0, None)


def _vacant_units(prop):
    """The first UNITS units of the property the register marks vacant, by label."""
    return db.session.scalars(
        select(Unit)
        .join(Building, Unit.building_id == Building.id)
        .where(Building.property_id == prop.id, Unit.status == UnitStatus.VACANT)
        .order_by(Building.code, Unit.floor, Unit.number)
        .limit(UNITS)
    ).all()


def _checker(unit_id, system):
    """The actor who checks the unit: its area's assistant, or the system where it is in no area."""
    area = lookup.area_of_unit(unit_id)
    return Actor.for_user(area.assistant, "demo") if area is not None and area.assistant else system


def _desk(system):
    """The demo front desk's actor (the system when the account is missing)."""
    user = db.session.scalar(select(User).where(User.username == "frontdesk"))
    return Actor.for_user(user, "demo") if user else system


def _check(actor, vacant, at, *, meters, fault=None):
    """One check of the default checklist at `at`, every item OK but `fault`, the meters read as `meters` says
    ({meter: reading}, moved on a little for the next check)."""
    items, _meters = split_items(DEFAULT_ITEMS)
    answers = {item: "ok" for item in items}
    if fault:
        answers[fault] = "fault"
    readings = {meter: f"{value:.1f}" for meter, value in meters.items()}
    for meter in meters:
        meters[meter] += 0.3 if "水" in meter else 1.6  # an empty unit's fridge and standby draw
    return checks.record_check(
        actor,
        vacant,
        answers=answers,
        readings=readings,
        note="卫生间吊顶有水渍，疑楼上渗漏。" if fault else "",
        now=at,
    )


def load_vacant_demo(prop, *, rng, today):
    """Register ten vacant units with their keys, checks and key movements (run once, on a fresh demo database, after
    the areas); returns how many units were registered."""
    system = Actor.system("demo")
    desk = _desk(system)
    now = utcnow()
    units = _vacant_units(prop)
    for n, unit in enumerate(units):
        vacant = register.register_vacant_unit(
            system,
            property_id=prop.id,
            unit_id=unit.id,
            reason=REASONS[n % len(REASONS)],
            vacant_since=today - timedelta(days=90 + 30 * n),
            interval_days="7",
            water="off",
            power="on" if n == 2 else "off",
            note="业主出国，冰箱需通电。" if n == 2 else "",
        )
        last = LAST_CHECKED[n % len(LAST_CHECKED)]
        vacant.registered_on = today - timedelta(days=3 if last is None else 7 * HISTORY_WEEKS + last)
        key = keys.add_key(desk, vacant, tag=f"K-{unit.building.code}-{unit.number}", count=str(2 + n % 2))
        if n % 3 == 0:
            keys.add_key(desk, vacant, tag=f"C-{unit.building.code}-{unit.number}", count="1", note="门禁卡")
        checker = _checker(unit.id, system)
        meters = {meter: float(rng.randrange(100, 3000)) for meter in split_items(DEFAULT_ITEMS)[1]}
        if last is not None:
            for week in range(HISTORY_WEEKS, -1, -1):
                day = today - timedelta(days=last + 7 * week)
                at = start_of_local_day(day) + timedelta(hours=9, minutes=rng.randrange(0, 120))
                if day == today:
                    at = min(at, now - timedelta(hours=1))
                _check(checker, vacant, at, meters=meters, fault="无渗漏水" if day == today else None)
        # A past take-out for the check, returned the same morning.
        taken = start_of_local_day(today - timedelta(days=(last or 0) + 7)) + timedelta(hours=8, minutes=40)
        keys.take_out_key(
            desk,
            key,
            taker="staff",
            taker_name=checker.name,
            purpose="例行检查",
            due_back_at=taken + timedelta(hours=3),
            now=taken,
        )
        keys.return_key(desk, key, note="钥匙齐全", now=taken + timedelta(hours=1, minutes=10))
        if n == 3:
            # An agent showing the unit yesterday with the owner's consent by phone; not back yet: overdue.
            out = start_of_local_day(today - timedelta(days=1)) + timedelta(hours=14)
            keys.take_out_key(
                desk,
                key,
                taker="agent",
                taker_name="链家地产 张经纪",
                taker_phone="13904001234",
                purpose="带客看房",
                due_back_at=out + timedelta(hours=4),
                consent_from="业主 刘先生",
                consent_by="phone",
                now=out,
            )
        elif n == 5:
            # Out with the assistant now for today's check: due back later.
            keys.take_out_key(
                desk,
                key,
                taker="staff",
                taker_name=checker.name,
                purpose="例行检查",
                due_back_at=now + timedelta(hours=2),
                now=now - timedelta(minutes=20),
            )
    db.session.flush()
    return len(units)
