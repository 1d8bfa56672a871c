"""The property register: buildings, units, residents and occupancies."""

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, or_, select, true, tuple_
from sqlalchemy.orm import aliased, joinedload, selectinload

from domain.accounts.models import AccountKind, User
from domain.accounts.roles import Permission, require
from domain.accounts.services import (
    _check_username_free,
    assign_login_phone,
    check_password_rules,
    hash_password,
    move_login_phone,
    normalise_username,
)
from domain.audit.services import diff, record
from domain.errors import Conflict, DomainError, NotFound
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus
from domain.queries import read
from extensions import db


def get_property():
    """Return the property this installation manages (the first one)."""
    prop = db.session.scalar(select(Property).order_by(Property.id).limit(1))
    if prop is None:
        raise NotFound(_l("No property has been set up yet."))
    return prop


_PROPERTY_ID = select(Property.id).order_by(Property.id).limit(1)


def get_property_id():
    """The id of the property this installation manages, for the list pages that need nothing else of it
    (a column read: loading the ORM entity costs a list page several per cent)."""
    property_id = read(_PROPERTY_ID).scalar()
    if property_id is None:
        raise NotFound(_l("No property has been set up yet."))
    return property_id


# Buildings ---------------------------------------------------------------------------------------


_BUILDINGS = select(Building.id, Building.code, Building.name, Building.floors).order_by(Building.code)


def list_buildings():
    """All buildings by code, as rows (id, code, name, floors); the unit search shows them on every page."""
    return read(_BUILDINGS).all()


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
        select(Building.id).where(
            Building.property_id == building.property_id, Building.code == code, Building.id != building.id
        )
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


#: Owners first, then tenants, then family members, wherever occupants are listed.
_RELATION_ORDER = case({Relation.OWNER.value: 0, Relation.TENANT.value: 1}, value=Occupancy.relation, else_=2)


class UnitRow(NamedTuple):
    """A unit as a list shows it: plain values, no ORM identity map or lazy loading behind it (a named tuple:
    made from a result row in one call, its fields read from a template at C speed)."""

    id: int
    number: str
    floor: int
    area_x100: int
    status: UnitStatus
    building_code: str
    building_name: str


@dataclass
class UnitPage:
    """One page of a unit search: UnitRows, the total count, the next page's key, and who lives where."""

    units: list
    total: int
    next_after: int | None
    #: unit id -> its current occupants' names, owners first, joined with ", " ("" for nobody; only when asked for).
    occupants: dict


def _current(today):
    """SQL condition: an occupancy that covers `today` (a date or a bindparam)."""
    return (Occupancy.start_date <= today) & or_(Occupancy.end_date.is_(None), Occupancy.end_date >= today)


# Hot pages run statements built once and reused with new values: building a select() with its
# joins and computing its cache key costs about 0.5 ms of Python per statement, more than the
# query itself takes in the database.


def _search_kind(q, with_occupants):
    """How a typed search is matched: (is a "building-number" label, which resident field or None)."""
    code, _, number = q.partition("-")
    is_label = bool(code and number)
    people = None
    if with_occupants:
        # One to three digits are a unit number; a name or 4+ digits of a phone find residents.
        people = "name" if not q.isdigit() else ("phone" if len(q) >= 4 else None)
    return is_label, people


@lru_cache(maxsize=64)
def _unit_search_statements(by_building, by_status, kind, paged):
    """The (page, count, anchor) statements of one shape of unit search, with bind parameters."""
    conditions = []
    if by_building:
        conditions.append(Unit.building_id == bindparam("building_id"))
    if by_status:
        conditions.append(Unit.status == bindparam("status"))
    if kind is not None:
        is_label, people = kind
        match = Unit.number.startswith(bindparam("q"))
        if is_label:
            match = or_(
                match,
                Unit.building.has(Building.code == bindparam("code")) & Unit.number.startswith(bindparam("number")),
            )
        if people:
            field = (
                Resident.name.contains(bindparam("q"))
                if people == "name"
                else Resident.phone.startswith(bindparam("q"))
            )
            match = or_(
                match, Unit.id.in_(select(Occupancy.unit_id).join(Resident).where(_current(bindparam("today")), field))
            )
        conditions.append(match)
    order = (Unit.building_id, Unit.floor, Unit.number, Unit.id)
    page = (
        select(
            Unit.id,
            Unit.number,
            Unit.floor,
            Unit.area_x100,
            Unit.status,
            Building.code.label("building_code"),
            Building.name.label("building_name"),
        )
        .join(Unit.building)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("limit"))
    )
    if paged:
        page = page.where(tuple_(*order) > tuple_(*(bindparam(f"after_{i}") for i in range(4))))
    count = select(func.count()).select_from(Unit).where(*conditions)  # count(*): SQLite counts from an index
    anchor = select(*order).where(Unit.id == bindparam("after"))
    return page, count, anchor


_UNIT_OCCUPANTS = (
    select(Occupancy.unit_id, Resident.name)
    .join(Occupancy.resident)
    .where(Occupancy.unit_id.in_(bindparam("unit_ids", expanding=True)), _current(bindparam("today")))
    .order_by(_RELATION_ORDER, Occupancy.id)
)


def search_units(*, today, q="", building_id=None, status=None, after=None, limit=50, with_occupants=False):
    """Search units by number, label ("1-1203"), building, status, or (with_occupants) a resident's name or phone.

    Pages by key: pass the last unit id of a page as `after`. At most four statements whatever
    the size of the register (anchor, page, count, and the occupants when asked for).
    """
    q = (q or "").strip()
    kind = _search_kind(q, with_occupants) if q else None
    code, _, number = q.partition("-")
    params = {
        "building_id": building_id,
        "status": UnitStatus(status) if status else None,
        "q": q,
        "code": code,
        "number": number,
        "today": today,
        "limit": limit + 1,
    }
    anchor_row = None
    page_stmt, count_stmt, anchor_stmt = _unit_search_statements(bool(building_id), bool(status), kind, False)
    if after:
        anchor_row = read(anchor_stmt, {"after": after}).first()
    if anchor_row is not None:
        page_stmt = _unit_search_statements(bool(building_id), bool(status), kind, True)[0]
        params.update({f"after_{i}": value for i, value in enumerate(anchor_row)})
    units = list(map(UnitRow._make, read(page_stmt, params).tuples()))
    next_after = units[limit - 1].id if len(units) > limit else None
    units = units[:limit]
    total = read(count_stmt, params).scalar()
    names = {}
    if with_occupants and units:
        names = {unit.id: [] for unit in units}
        for unit_id, name in read(_UNIT_OCCUPANTS, {"unit_ids": list(names), "today": today}):
            names[unit_id].append(name)
    # Joined here, once per unit: a join filter per row is a measurable share of the list page.
    return UnitPage(units, total, next_after, {unit_id: ", ".join(n) for unit_id, n in names.items()})


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
    unit = Unit(
        building=building, number=number, floor=floor, area_x100=area_x100, status=UnitStatus(status), note=note
    )
    db.session.add(unit)
    db.session.flush()
    record(actor, "unit.create", unit, summary=unit.label)
    return unit


def update_unit(actor, unit, *, number, floor, area_x100, status, note=""):
    """Change a unit's number, floor, area, status or note."""
    require(actor, Permission.EDIT_REGISTER)
    _check_unit_free(unit.building_id, number, exclude_id=unit.id)
    changes = diff(
        unit, {"number": number, "floor": floor, "area_x100": area_x100, "status": UnitStatus(status), "note": note}
    )
    if changes:
        record(actor, "unit.update", unit, summary=unit.label, changes=changes)
    return unit


# Residents ---------------------------------------------------------------------------------------


@dataclass
class ResidentPage:
    """One page of a resident search: rows (id, name, phone, user_id), the next key, and their units."""

    residents: list
    next_after: int | None
    #: resident id -> [(unit label, relation value)] of the units they live in now.
    units: dict


@lru_cache(maxsize=8)
def _resident_search_statement(field, paged):
    """The resident search of one shape (by "name", "phone" or None; paged or not), with bind parameters."""
    query = (
        select(Resident.id, Resident.name, Resident.phone, Resident.user_id)
        .order_by(Resident.id)
        .limit(bindparam("limit"))
    )
    if field == "phone":
        query = query.where(Resident.phone.startswith(bindparam("q")))
    elif field == "name":
        query = query.where(Resident.name.contains(bindparam("q")))
    if paged:
        query = query.where(Resident.id > bindparam("after"))
    return query


_RESIDENT_UNITS = (
    select(Occupancy.resident_id, Building.code, Unit.number, Occupancy.relation)
    .join(Occupancy.unit)
    .join(Unit.building)
    .where(Occupancy.resident_id.in_(bindparam("resident_ids", expanding=True)), Occupancy.end_date.is_(None))
    .order_by(Occupancy.id)
)


def search_residents(*, q="", after=None, limit=50):
    """Search residents by name or phone; pages by id. Two statements whatever the register's size."""
    q = (q or "").strip()
    field = ("phone" if q.isdigit() else "name") if q else None
    statement = _resident_search_statement(field, bool(after))
    rows = read(statement, {"q": q, "after": after, "limit": limit + 1}).all()
    next_after = rows[limit - 1].id if len(rows) > limit else None
    rows = rows[:limit]
    units = {}
    if rows:
        for resident_id, code, number, relation in read(_RESIDENT_UNITS, {"resident_ids": [r.id for r in rows]}):
            units.setdefault(resident_id, []).append((f"{code}-{number}", relation.value))
    return ResidentPage(rows, next_after, units)


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


def create_resident(actor, *, name, phone, email=None, id_number_masked=None, note=""):
    """Register a person (业主登记表); the ID number arrives already masked."""
    require(actor, Permission.EDIT_REGISTER)
    resident = Resident(
        property_id=get_property().id,
        name=name.strip(),
        phone=phone,
        email=email or None,
        id_number_masked=id_number_masked or "",
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
    move_login_phone(resident.user, phone)  # Conflict when another account signs in with the number
    changes = diff(resident, values)
    if changes:
        record(actor, "resident.update", resident, summary=resident.name, changes=changes)
    return resident


def update_own_contact(actor, user, *, phone, email):
    """A resident changes their own phone number and e-mail address."""
    resident = resident_for_user(user)
    move_login_phone(resident.user, phone)  # Conflict when another account signs in with the number
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
    check_password_rules(password, username=username, phone=resident.phone)
    user = User(
        username=username,
        display_name=resident.name,
        kind=AccountKind.RESIDENT,
        password_hash=hash_password(password),
    )
    assign_login_phone(user, resident.phone)  # unless another account already signs in with the number
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
    occupancy = Occupancy(
        unit=unit, resident=resident, relation=Relation(relation), start_date=start_date, end_date=end_date
    )
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


def get_occupancy(occupancy_id):
    """Return an occupancy or raise NotFound."""
    occupancy = db.session.get(Occupancy, occupancy_id)
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
    if not still_living and unit.status == UnitStatus.OCCUPIED:
        unit.status = UnitStatus.VACANT
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


def _households_of(units):
    """Every current occupant of `units` (a select of unit ids), with their unit: the rows _grouped() reads."""
    return (
        select(
            Occupancy.unit_id,
            Occupancy.resident_id,
            Occupancy.relation,
            _MEMBER.name.label("member_name"),
            Unit.number,
            Unit.floor,
            Unit.area_x100,
            Building.name.label("building_name"),
            _RELATION_ORDER.label("relation_order"),
            Occupancy.id.label("occupancy_id"),
        )
        .join(_MEMBER, _MEMBER.id == Occupancy.resident_id)
        .join(Unit, Unit.id == Occupancy.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Occupancy.unit_id.in_(units), _current(bindparam("today")))
    )


_HOUSEHOLDS = _households_of(
    select(Occupancy.unit_id).where(Occupancy.resident_id == bindparam("resident_id"), _current(bindparam("today")))
).order_by(Occupancy.unit_id, _RELATION_ORDER, Occupancy.id)
#: The resident home in one statement: the account's resident and property, joined (left, "on true") with the
#: households of the units the resident lives in today; no unit gives one row without household columns.
_HOME_HOUSEHOLDS = _households_of(
    select(Occupancy.unit_id)
    .join(Resident, Resident.id == Occupancy.resident_id)
    .where(Resident.user_id == bindparam("user_id"), _current(bindparam("today")))
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


def register_counts(today):
    """Counts for the console home: units by status and residents."""
    by_status = {status.value: 0 for status in UnitStatus}
    for status, count in db.session.execute(select(Unit.status, func.count()).group_by(Unit.status)):
        by_status[status.value] = count
    residents = db.session.scalar(select(func.count()).select_from(Resident))
    return {"units": sum(by_status.values()), "residents": residents, **by_status}


def find_unit_by_label(label):
    """Find a unit by "building code-number" ("1-1203"); raise DomainError on the unit_label field."""
    code, _, number = (label or "").strip().partition("-")
    unit = None
    if code and number:
        unit = db.session.scalar(
            select(Unit)
            .where(Unit.building_id.in_(select(Building.id).where(Building.code == code)), Unit.number == number)
            .options(joinedload(Unit.building))
        )
    if unit is None:
        raise DomainError(
            _l("No unit %(label)s in the register. Write it as building-number, e.g. 1-1203.", label=label),
            field="unit_label",
        )
    return unit
