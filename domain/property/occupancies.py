"""Who lives where: occupancies, the units a resident lives in, and the households the portal shows."""

from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, or_, select, true
from sqlalchemy.orm import aliased

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.errors import Conflict, DomainError, NotFound
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus
from domain.property.units import set_unit_status
from domain.queries import read
from extensions import db

#: Owners first, then tenants, then family members, wherever occupants are listed.
RELATION_ORDER = case({Relation.OWNER.value: 0, Relation.TENANT.value: 1}, value=Occupancy.relation, else_=2)

_RESIDENT_UNITS = select(Occupancy.unit_id).where(
    Occupancy.resident_id == bindparam("resident_id"), Occupancy.is_current(bindparam("today"))
)


def resident_unit_ids(resident_id, today):
    """The units the resident lives in on `today` (owner, tenant or family): the bills, payments, tickets and
    parcels they may see."""
    return set(db.session.scalars(_RESIDENT_UNITS, {"resident_id": resident_id, "today": today}))


def resident_units_since(resident_id, today):
    """{unit id: the first day of the resident's current occupancy of it} for the units they live in on `today`: what
    happened in a unit before that day (a previous occupant's notices) is not theirs to see."""
    rows = db.session.execute(
        select(Occupancy.unit_id, func.min(Occupancy.start_date))
        .where(Occupancy.resident_id == resident_id, Occupancy.is_current(today))
        .group_by(Occupancy.unit_id)
    )
    return dict(rows.all())


def add_occupancy(actor, *, unit, resident, relation, start_date, end_date=None):
    """Record that `resident` lives in `unit` from `start_date`; a vacant unit becomes occupied."""
    require(actor, Permission.EDIT_REGISTER)
    if end_date is not None and end_date < start_date:
        raise DomainError(_l("The end date must not be before the start date."), field="end_date")
    overlap = db.session.scalar(
        select(Occupancy.id).where(
            Occupancy.unit_id == unit.id,
            Occupancy.resident_id == resident.id,
            or_(Occupancy.end_date.is_(None), Occupancy.end_date >= start_date),
            *([Occupancy.start_date <= end_date] if end_date else []),
        )
    )
    if overlap:
        raise Conflict(_l("This resident is already registered in this unit for these dates."))
    occupancy = Occupancy(
        unit=unit, resident=resident, relation=Relation(relation), start_date=start_date, end_date=end_date
    )
    db.session.add(occupancy)
    if unit.status == UnitStatus.VACANT and end_date is None:
        set_unit_status(unit, UnitStatus.OCCUPIED, start_date, actor=actor)
    db.session.flush()
    record(
        actor,
        "occupancy.create",
        occupancy,
        summary=f"{resident.name} @ {unit.label} ({Relation(relation).value}) {start_date}",
    )
    return occupancy


def get_occupancy(occupancy_id):
    """Return an occupancy of the current property or raise NotFound (the join lets the fence see its resident)."""
    occupancy = db.session.scalar(select(Occupancy).join(Occupancy.resident).where(Occupancy.id == occupancy_id))
    if occupancy is None:
        raise NotFound()
    return occupancy


def end_occupancy(actor, occupancy, *, end_date, today):
    """Record the last day of an occupancy; a unit nobody lives in any more becomes vacant."""
    require(actor, Permission.EDIT_REGISTER)
    if occupancy.end_date is not None:
        raise DomainError(_l("This occupancy has already ended."))
    if end_date < occupancy.start_date:
        raise DomainError(_l("The end date must not be before the start date."), field="end_date")
    occupancy.end_date = end_date
    unit = occupancy.unit
    db.session.flush()
    still_living = db.session.scalar(
        select(func.count(Occupancy.id)).where(
            Occupancy.unit_id == unit.id, or_(Occupancy.end_date.is_(None), Occupancy.end_date > end_date)
        )
    )
    if not still_living and unit.status == UnitStatus.OCCUPIED:  # vacant from the day after the last day lived
        set_unit_status(unit, UnitStatus.VACANT, end_date + timedelta(days=1), actor=actor)
    record(actor, "occupancy.end", occupancy, summary=f"{occupancy.resident.name} @ {unit.label} until {end_date}")
    return occupancy


@dataclass
class Household:
    """A unit a resident lives in, with everybody who currently lives there.

    `unit` is a row (id, number, floor, area_x100, building_name); `members` are rows
    (resident_id, name, relation), owners first.
    """

    unit: object
    relation: Relation
    members: list


@dataclass
class ResidentHome:
    """What the resident's home page shows about them: who, which property, which households."""

    resident: object
    property: object
    households: list


_MEMBER = aliased(Resident)
#: An occupant's name, looked up per occupancy rather than joined: joined, the occupants' register (kept to the
#: property by the fence) is what SQLite reads first, every resident of the property, to find a unit's two or three.
#: No name (a resident the fence keeps out) leaves the occupancy out, as the join did.
_MEMBER_NAME = select(_MEMBER.name).where(_MEMBER.id == Occupancy.resident_id).scalar_subquery()


def _households_of(units):
    """Every current occupant of `units` (a select of unit ids), with their unit: the rows _grouped() reads."""
    return (
        select(
            Occupancy.unit_id,
            Occupancy.resident_id,
            Occupancy.relation,
            _MEMBER_NAME.label("member_name"),
            Unit.number,
            Unit.floor,
            Unit.area_x100,
            Building.name.label("building_name"),
            RELATION_ORDER.label("relation_order"),
            Occupancy.id.label("occupancy_id"),
        )
        .join(Unit, Unit.id == Occupancy.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Occupancy.unit_id.in_(units), Occupancy.is_current(bindparam("today")), _MEMBER_NAME.is_not(None))
    )


_HOUSEHOLDS = _households_of(
    select(Occupancy.unit_id).where(
        Occupancy.resident_id == bindparam("resident_id"), Occupancy.is_current(bindparam("today"))
    )
).order_by(Occupancy.unit_id, RELATION_ORDER, Occupancy.id)
#: The resident home in one statement: the account's resident and property, joined (left, "on true") with the
#: households of the units the resident lives in today; no unit gives one row without household columns.
_HOME_HOUSEHOLDS = _households_of(
    select(Occupancy.unit_id)
    .join(Resident, Resident.id == Occupancy.resident_id)
    .where(Resident.user_id == bindparam("user_id"), Occupancy.is_current(bindparam("today")))
).subquery()
_RESIDENT_HOME = (
    select(
        Resident.id,
        Resident.name,
        Property.name.label("property_name"),
        Property.service_phone,
        Property.desk_hours,
        *(column for column in _HOME_HOUSEHOLDS.c if column.name not in ("relation_order", "occupancy_id")),
    )
    .join(Property, Property.id == Resident.property_id)
    .outerjoin(_HOME_HOUSEHOLDS, true())
    .where(Resident.user_id == bindparam("user_id"))
    .order_by(_HOME_HOUSEHOLDS.c.unit_id, _HOME_HOUSEHOLDS.c.relation_order, _HOME_HOUSEHOLDS.c.occupancy_id)
)


class Member(NamedTuple):
    """Someone who lives in a household, as the pages list them."""

    resident_id: int
    name: str
    relation: Relation


def _grouped(rows, resident_id):
    """Household rows (ordered by unit) as Households, each with `resident_id`'s relation to it; rows without a
    unit (the resident home's row for someone with no current unit) are skipped."""
    households = {}
    for row in rows:
        if row.unit_id is None:
            continue
        household = households.get(row.unit_id)
        if household is None:
            unit = UnitSummary(row.unit_id, row.number, row.floor, row.area_x100, row.building_name)
            household = households[row.unit_id] = Household(unit, None, [])
        household.members.append(Member(row.resident_id, row.member_name, row.relation))
        if row.resident_id == resident_id:
            household.relation = row.relation
    return list(households.values())


def resident_home(user, today):
    """The resident behind `user` with their property and households, in one statement.

    Raises NotFound when the account is not linked to a register record.
    """
    rows = read(_RESIDENT_HOME, {"user_id": user.id, "today": today}).all()
    if not rows:
        raise NotFound(_l("Your account is not linked to a resident record. Please contact the service desk."))
    me = rows[0]
    return ResidentHome(resident=me, property=me, households=_grouped(rows, me.id))


def households_for(resident_id, today):
    """The resident's current units, each with its current occupants (one statement)."""
    return _grouped(read(_HOUSEHOLDS, {"resident_id": resident_id, "today": today}), resident_id)


@dataclass(frozen=True)
class UnitSummary:
    """The few facts about a unit that a list or a card shows."""

    id: int
    number: str
    floor: int
    area_x100: int
    building_name: str
