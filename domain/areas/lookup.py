"""Whose area a unit is in and who looks after it today: the one place the rest of the app asks (the unit page, the
portal's "your property assistant", notices about a unit, patrol routes, collection per area)."""

from typing import NamedTuple

from sqlalchemy import Date, bindparam, func, select
from sqlalchemy.orm import aliased, selectinload

from domain.accounts.models import User
from domain.areas.models import Area, AreaCover, AreaScope
from domain.property.models import Building, Unit
from extensions import db


def scope_covers(scope, building_id, floor):
    """Whether `scope` takes in a unit on `floor` of `building_id`."""
    if scope.building_id != building_id:
        return False
    return scope.floor_from is None or scope.floor_from <= floor <= scope.floor_to


def areas_of_units(unit_ids):
    """{unit id: Area} for the units that are in an area (with its assistant and deputy loaded), in two statements."""
    units = db.session.execute(select(Unit.id, Unit.building_id, Unit.floor).where(Unit.id.in_(list(unit_ids)))).all()
    if not units:
        return {}
    scopes = db.session.scalars(
        select(AreaScope)
        .where(AreaScope.building_id.in_({b for _u, b, _f in units}))
        .options(
            selectinload(AreaScope.area).selectinload(Area.assistant),
            selectinload(AreaScope.area).selectinload(Area.deputy),
        )
    ).all()
    found = {}
    for unit_id, building_id, floor in units:
        for scope in scopes:
            if scope_covers(scope, building_id, floor):
                found[unit_id] = scope.area
                break
    return found


def area_of_unit(unit_id):
    """The Area `unit_id` is in, or None."""
    return areas_of_units([unit_id]).get(unit_id)


def covered_on(area, day):
    """Whether the deputy stands in for the area's assistant on `day`."""
    return (
        area.deputy_id is not None
        and db.session.scalar(
            select(AreaCover.id).where(
                AreaCover.area_id == area.id, AreaCover.starts_on <= day, AreaCover.ends_on >= day
            )
        )
        is not None
    )


def on_duty(area, day):
    """The User who looks after `area` on `day`: the deputy on a covered day, else the assistant (None if neither)."""
    if area is None:
        return None
    if covered_on(area, day):
        return area.deputy
    return area.assistant or area.deputy


def unit_assistant(unit_id, day):
    """(Area, the User on duty for it on `day`) for a unit, or (None, None) when the unit is in no area."""
    area = area_of_unit(unit_id) if unit_id is not None else None
    return area, on_duty(area, day)


def areas_of_user(user_id, day=None):
    """The areas `user_id` looks after: as assistant, and as deputy on `day` when a cover includes it."""
    areas = db.session.scalars(
        select(Area).where((Area.assistant_id == user_id) | (Area.deputy_id == user_id)).order_by(Area.name)
    ).all()
    return [a for a in areas if a.assistant_id == user_id or (day is not None and covered_on(a, day))]


def unit_ids_in_area(area):
    """The ids of the units in `area`, in one statement."""
    clauses = []
    for scope in area.scopes:
        clause = Unit.building_id == scope.building_id
        if scope.floor_from is not None:
            clause = clause & Unit.floor.between(scope.floor_from, scope.floor_to)
        clauses.append(clause)
    if not clauses:
        return []
    condition = clauses[0]
    for clause in clauses[1:]:
        condition = condition | clause
    return db.session.scalars(select(Unit.id).join(Building).where(condition).order_by(Unit.id)).all()


def scope_takes_in_unit():
    """SQL condition, `scope_covers` for a query: an AreaScope row takes in a Unit row."""
    return (AreaScope.building_id == Unit.building_id) & (
        AreaScope.floor_from.is_(None) | Unit.floor.between(AreaScope.floor_from, AreaScope.floor_to)
    )


def unit_counts(property_id):
    """{area id: how many units it takes in} for the property's areas, in one statement."""
    rows = db.session.execute(
        select(AreaScope.area_id, func.count(Unit.id))
        .join(Area, AreaScope.area_id == Area.id)
        .join(Unit, scope_takes_in_unit())
        .where(Area.property_id == property_id)
        .group_by(AreaScope.area_id)
    ).all()
    return dict(rows)


def units_in_no_area(property_id, *, limit=200):
    """(count, [(unit id, building code, number)] of the first `limit`) of the units in no area, by label: two
    statements."""
    no_area = ~select(AreaScope.id).where(scope_takes_in_unit()).exists()
    condition = (Building.property_id == property_id) & no_area
    count = db.session.scalar(select(func.count(Unit.id)).join(Building).where(condition))
    rows = db.session.execute(
        select(Unit.id, Building.code, Unit.number)
        .join(Building)
        .where(condition)
        .order_by(Building.code, Unit.floor, Unit.number)
        .limit(limit)
    ).all()
    return count or 0, rows


class OnDuty(NamedTuple):
    """Who looks after a unit on a day: the area and the person on duty (None when nobody is named)."""

    area_id: int
    area_name: str
    desk_phone: str
    user_id: int | None
    name: str
    #: The deputy stands in today.
    covering: bool


def assistants_of_units(unit_ids, day):
    """{unit id: OnDuty} for the units that are in an area, in one statement (the portal home's budget): `on_duty`'s
    rule, the deputy on a covered day, else the assistant (or the deputy when there is no assistant)."""
    ids = [unit_id for unit_id in unit_ids if unit_id]
    if not ids:
        return {}
    rows = db.session.execute(_ASSISTANTS_OF_UNITS, {"unit_ids": ids, "day": day}).all()
    found = {}
    for unit_id, area_id, area_name, phone, a_id, a_name, d_id, d_name, is_covered in rows:
        covering = d_id is not None and (bool(is_covered) or a_id is None)
        user_id, name = (d_id, d_name) if covering else (a_id, a_name)
        found[unit_id] = OnDuty(area_id, area_name, phone, user_id, name or "", covering)
    return found


def _assistants_of_units_statement():
    """The statement of `assistants_of_units` (the units and the day bound parameters)."""
    assistant, deputy = aliased(User), aliased(User)
    day = bindparam("day", type_=Date)
    covered = (
        select(AreaCover.id)
        .where(AreaCover.area_id == Area.id, AreaCover.starts_on <= day, AreaCover.ends_on >= day)
        .exists()
    )
    return (
        select(
            Unit.id,
            Area.id,
            Area.name,
            Area.desk_phone,
            assistant.id,
            assistant.display_name,
            deputy.id,
            deputy.display_name,
            covered,
        )
        .join(AreaScope, scope_takes_in_unit())
        .join(Area, AreaScope.area_id == Area.id)
        .outerjoin(assistant, Area.assistant_id == assistant.id)
        .outerjoin(deputy, Area.deputy_id == deputy.id)
        .where(Unit.id.in_(bindparam("unit_ids", expanding=True)))
    )


#: Built once: the resident's home asks it on every visit (the fence of domain.property.scope then reuses its
#: fenced copy).
_ASSISTANTS_OF_UNITS = _assistants_of_units_statement()
