"""The property register: buildings, units, residents and occupancies."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from domain.accounts.models import AccountKind, User
from domain.accounts.roles import Permission, require
from domain.accounts.services import _check_username_free, check_password_rules, hash_password, normalise_username
from domain.audit.services import diff, record
from domain.errors import Conflict, DomainError, NotFound
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus
from extensions import db


def get_property():
    """Return the property this installation manages (the first one)."""
    prop = db.session.scalar(select(Property).order_by(Property.id).limit(1))
    if prop is None:
        raise NotFound(_l("No property has been set up yet."))
    return prop


# Buildings ---------------------------------------------------------------------------------------


def list_buildings():
    """All buildings, by code."""
    return db.session.scalars(select(Building).order_by(Building.code)).all()


def create_building(actor, *, code, name, floors):
    """Add a building to the property."""
    require(actor, Permission.EDIT_REGISTER)
    prop = get_property()
    code = code.strip()
    if db.session.scalar(select(Building.id).where(Building.property_id == prop.id, Building.code == code)):
        raise Conflict(_l("A building with this code exists."), field="code")
    building = Building(property_id=prop.id, code=code, name=name.strip(), floors=floors)
    db.session.add(building)
    db.session.flush()
    record(actor, "building.create", building, summary=f"{code} {building.name}")
    return building


def update_building(actor, building, *, code, name, floors):
    """Rename or renumber a building."""
    require(actor, Permission.EDIT_REGISTER)
    code = code.strip()
    clash = db.session.scalar(
        select(Building.id).where(Building.property_id == building.property_id, Building.code == code, Building.id != building.id)
    )
    if clash:
        raise Conflict(_l("A building with this code exists."), field="code")
    changes = diff(building, {"code": code, "name": name.strip(), "floors": floors})
    if changes:
        record(actor, "building.update", building, summary=building.name, changes=changes)
    return building


def get_building(building_id):
    """Return a building or raise NotFound."""
    building = db.session.get(Building, building_id)
    if building is None:
        raise NotFound()
    return building


# Units -------------------------------------------------------------------------------------------


@dataclass
class UnitPage:
    """One page of a unit search: the rows, the total count, and the key of the next page."""

    units: list
    total: int
    next_after: int | None


#: Owners first, then tenants, then family members, wherever occupants are listed.
_RELATION_ORDER = case({Relation.OWNER.value: 0, Relation.TENANT.value: 1}, value=Occupancy.relation, else_=2)


def _current(today):
    """SQL condition: an occupancy that covers `today`."""
    return (Occupancy.start_date <= today) & or_(Occupancy.end_date.is_(None), Occupancy.end_date >= today)


def search_units(*, today, q="", building_id=None, status=None, after=None, limit=50, with_occupants=False):
    """Search units by number, building, status, or (with_occupants) a resident's name or phone.

    Pages by key: pass the last unit id of a page as `after`. Statements per call are fixed
    (count, page, and one for the occupants when asked), whatever the size of the register.
    """
    conditions = []
    q = (q or "").strip()
    if building_id:
        conditions.append(Unit.building_id == building_id)
    if status:
        conditions.append(Unit.status == UnitStatus(status))
    if q:
        label_parts = q.split("-", 1)
        match_number = Unit.number.startswith(q)
        if len(label_parts) == 2 and all(label_parts):
            building_code, number = label_parts
            match_number = or_(
                match_number,
                Unit.building.has(Building.code == building_code) & Unit.number.startswith(number),
            )
        if with_occupants:
            occupant_match = (
                select(Occupancy.unit_id)
                .join(Resident)
                .where(_current(today), or_(Resident.name.contains(q), Resident.phone.startswith(q)))
            )
            match_number = or_(match_number, Unit.id.in_(occupant_match))
        conditions.append(match_number)
    order = (Unit.building_id, Unit.floor, Unit.number, Unit.id)
    query = select(Unit).where(*conditions).options(joinedload(Unit.building)).order_by(*order).limit(limit + 1)
    if after:
        anchor = db.session.get(Unit, after)
        if anchor is not None:
            query = query.where(tuple_(*order) > tuple_(anchor.building_id, anchor.floor, anchor.number, anchor.id))
    units = db.session.scalars(query).unique().all()
    next_after = units[limit - 1].id if len(units) > limit else None
    units = units[:limit]
    total = db.session.scalar(select(func.count(Unit.id)).where(*conditions))
    occupants = {}
    if with_occupants and units:
        rows = db.session.scalars(
            select(Occupancy)
            .where(Occupancy.unit_id.in_([u.id for u in units]), _current(today))
            .options(joinedload(Occupancy.resident))
            .order_by(_RELATION_ORDER, Occupancy.id)
        ).all()
        for occ in rows:
            occupants.setdefault(occ.unit_id, []).append(occ)
    for unit in units:
        unit.current_occupancies = occupants.get(unit.id, [])
    return UnitPage(units, total, next_after)


def get_unit(unit_id):
    """Return a unit with its building and occupancy history, or raise NotFound."""
    unit = db.session.scalar(
        select(Unit)
        .where(Unit.id == unit_id)
        .options(joinedload(Unit.building), selectinload(Unit.occupancies).joinedload(Occupancy.resident))
    )
    if unit is None:
        raise NotFound()
    return unit


def _check_unit_free(building_id, number, exclude_id=None):
    """Raise Conflict if the building already has a unit with this number."""
    query = select(Unit.id).where(Unit.building_id == building_id, Unit.number == number)
    if exclude_id:
        query = query.where(Unit.id != exclude_id)
    if db.session.scalar(query):
        raise Conflict(_l("This building already has a unit with this number."), field="number")


def create_unit(actor, *, building_id, number, floor, area_x100, status, note=""):
    """Add a unit to a building."""
    require(actor, Permission.EDIT_REGISTER)
    building = get_building(building_id)
    _check_unit_free(building.id, number)
    unit = Unit(building=building, number=number, floor=floor, area_x100=area_x100, status=UnitStatus(status), note=note)
    db.session.add(unit)
    db.session.flush()
    record(actor, "unit.create", unit, summary=unit.label)
    return unit


def update_unit(actor, unit, *, number, floor, area_x100, status, note=""):
    """Change a unit's number, floor, area, status or note."""
    require(actor, Permission.EDIT_REGISTER)
    _check_unit_free(unit.building_id, number, exclude_id=unit.id)
    changes = diff(unit, {"number": number, "floor": floor, "area_x100": area_x100, "status": UnitStatus(status), "note": note})
    if changes:
        record(actor, "unit.update", unit, summary=unit.label, changes=changes)
    return unit


# Residents ---------------------------------------------------------------------------------------


@dataclass
class ResidentPage:
    """One page of a resident search."""

    residents: list
    next_after: int | None


def search_residents(*, q="", after=None, limit=50):
    """Search residents by name, phone or unit label, newest key last; pages by id."""
    query = select(Resident).order_by(Resident.id).limit(limit + 1)
    q = (q or "").strip()
    if q:
        query = query.where(or_(Resident.name.contains(q), Resident.phone.startswith(q)))
    if after:
        query = query.where(Resident.id > after)
    rows = db.session.scalars(query.options(selectinload(Resident.occupancies).joinedload(Occupancy.unit).joinedload(Unit.building))).all()
    next_after = rows[limit - 1].id if len(rows) > limit else None
    return ResidentPage(rows[:limit], next_after)


def get_resident(resident_id):
    """Return a resident with their occupancies and account, or raise NotFound."""
    resident = db.session.scalar(
        select(Resident)
        .where(Resident.id == resident_id)
        .options(
            selectinload(Resident.occupancies).joinedload(Occupancy.unit).joinedload(Unit.building),
            joinedload(Resident.user),
        )
    )
    if resident is None:
        raise NotFound()
    return resident


def create_resident(actor, *, name, phone, email=None, id_number_masked="", note=""):
    """Register a person (业主登记表); the ID number arrives already masked."""
    require(actor, Permission.EDIT_REGISTER)
    resident = Resident(
        property_id=get_property().id,
        name=name.strip(),
        phone=phone,
        email=email or None,
        id_number_masked=id_number_masked,
        note=note,
    )
    db.session.add(resident)
    db.session.flush()
    record(actor, "resident.create", resident, summary=resident.name)
    return resident


def update_resident(actor, resident, *, name, phone, email=None, id_number_masked=None, note=""):
    """Change a resident's details; the ID number changes only when a new one is given."""
    require(actor, Permission.EDIT_REGISTER)
    values = {"name": name.strip(), "phone": phone, "email": email or None, "note": note}
    if id_number_masked:
        values["id_number_masked"] = id_number_masked
    changes = diff(resident, values)
    if changes:
        record(actor, "resident.update", resident, summary=resident.name, changes=changes)
    return resident


def update_own_contact(actor, user, *, phone, email):
    """A resident changes their own phone number and e-mail address."""
    resident = resident_for_user(user)
    changes = diff(resident, {"phone": phone, "email": email or None})
    if changes:
        record(actor, "resident.contact_update", resident, summary=resident.name, changes=changes)
    return resident


def create_resident_account(actor, resident, *, username, password):
    """Give a registered resident a portal account."""
    require(actor, Permission.EDIT_REGISTER)
    if resident.user_id is not None:
        raise Conflict(_l("This resident already has an account."))
    username = normalise_username(username)
    _check_username_free(username)
    check_password_rules(password)
    user = User(
        username=username,
        display_name=resident.name,
        kind=AccountKind.RESIDENT,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    resident.user_id = user.id
    record(actor, "resident.account_create", resident, summary=f"{resident.name} → {username}")
    return user


def resident_for_user(user):
    """Return the Resident record behind a portal account, or raise NotFound."""
    resident = db.session.scalar(select(Resident).where(Resident.user_id == user.id))
    if resident is None:
        raise NotFound(_l("Your account is not linked to a resident record. Please contact the service desk."))
    return resident


# Occupancies -------------------------------------------------------------------------------------


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
    occupancy = Occupancy(unit=unit, resident=resident, relation=Relation(relation), start_date=start_date, end_date=end_date)
    db.session.add(occupancy)
    if unit.status == UnitStatus.VACANT and end_date is None:
        unit.status = UnitStatus.OCCUPIED
    db.session.flush()
    record(
        actor,
        "occupancy.create",
        occupancy,
        summary=f"{resident.name} @ {unit.label} ({Relation(relation).value}) {start_date}",
    )
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
        select(func.count(Occupancy.id)).where(Occupancy.unit_id == unit.id, or_(Occupancy.end_date.is_(None), Occupancy.end_date > end_date))
    )
    if not still_living and unit.status == UnitStatus.OCCUPIED:
        unit.status = UnitStatus.VACANT
    record(actor, "occupancy.end", occupancy, summary=f"{occupancy.resident.name} @ {unit.label} until {end_date}")
    return occupancy


@dataclass
class Household:
    """A unit a resident lives in, with everybody who currently lives there."""

    unit: Unit
    relation: Relation
    members: list


def households_for(resident, today):
    """The resident's current units, each with its current occupants (two statements)."""
    own = db.session.scalars(
        select(Occupancy)
        .where(Occupancy.resident_id == resident.id, _current(today))
        .options(joinedload(Occupancy.unit).joinedload(Unit.building))
        .order_by(Occupancy.id)
    ).all()
    if not own:
        return []
    unit_ids = [o.unit_id for o in own]
    members = db.session.scalars(
        select(Occupancy)
        .where(Occupancy.unit_id.in_(unit_ids), _current(today))
        .options(joinedload(Occupancy.resident))
        .order_by(_RELATION_ORDER, Occupancy.id)
    ).all()
    by_unit = {}
    for occ in members:
        by_unit.setdefault(occ.unit_id, []).append(occ)
    return [Household(o.unit, o.relation, by_unit.get(o.unit_id, [])) for o in own]


def register_counts(today):
    """Counts for the console home: units by status and residents."""
    by_status = {status.value: 0 for status in UnitStatus}
    for status, count in db.session.execute(select(Unit.status, func.count(Unit.id)).group_by(Unit.status)):
        by_status[status.value] = count
    residents = db.session.scalar(select(func.count(Resident.id)))
    return {"units": sum(by_status.values()), "residents": residents, **by_status}


def find_unit_by_label(label):
    """Find a unit by "building code-number" ("1-1203"); raise DomainError on the unit_label field."""
    code, _, number = (label or "").strip().partition("-")
    unit = None
    if code and number:
        unit = db.session.scalar(
            select(Unit).join(Unit.building).where(Building.code == code, Unit.number == number).options(joinedload(Unit.building))
        )
    if unit is None:
        raise DomainError(_l("No unit %(label)s in the register. Write it as building-number, e.g. 1-1203.", label=label), field="unit_label")
    return unit
