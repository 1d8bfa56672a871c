"""The register's list pages: units by number, label, building, status or occupant; residents by name or phone."""

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, select, tuple_

from domain import exports
from domain.property.models import Building, Occupancy, Resident, Unit, UnitStatus
from domain.property.occupancies import RELATION_ORDER
from domain.property.units import UNIT_LABEL
from domain.queries import read
from extensions import db


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

    @property
    def label(self):
        """The unit's label ("1-1203")."""
        return Unit.label_of(self.building_code, self.number)


@dataclass
class UnitPage:
    """One page of a unit search: UnitRows, the total count, the next page's key, and who lives where."""

    units: list
    total: int
    next_after: int | None
    #: unit id -> its current occupants' names, owners first, joined with ", " ("" for nobody; only when asked for).
    occupants: dict


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
                match,
                Unit.id.in_(
                    select(Occupancy.unit_id).join(Resident).where(Occupancy.is_current(bindparam("today")), field)
                ),
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


#: The name looked up per occupancy rather than joined: joined, the register (kept to the property by the fence) is
#: what SQLite reads first, every resident of the property, to find the page's fifty units' occupants. No name (a
#: resident the fence keeps out) leaves the occupancy out, as the join did.
_OCCUPANT_NAME = select(Resident.name).where(Resident.id == Occupancy.resident_id).scalar_subquery()
_UNIT_OCCUPANTS = (
    select(Occupancy.unit_id, _OCCUPANT_NAME)
    .where(
        Occupancy.unit_id.in_(bindparam("unit_ids", expanding=True)),
        Occupancy.is_current(bindparam("today")),
        _OCCUPANT_NAME.is_not(None),
    )
    .order_by(RELATION_ORDER, Occupancy.id)
)


def search_units(*, today, q="", building_id=None, status=None, after=None, limit=50, with_occupants=False):
    """Search units by number, label ("1-1203"), building, status, or (with_occupants) a resident's name or phone.

    Pages by key: pass the last unit id of a page as `after`. At most four statements whatever
    the size of the register (anchor, page, count, and the occupants when asked for).
    """
    q = (q or "").strip()
    kind = _search_kind(q, with_occupants) if q else None
    params = {**_unit_search_params(q, building_id, status, today), "limit": limit + 1}
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
    select(Occupancy.resident_id, UNIT_LABEL, Occupancy.relation)
    .join(Occupancy.unit)
    .join(Unit.building)
    .where(
        Occupancy.resident_id.in_(bindparam("resident_ids", expanding=True)), Occupancy.is_current(bindparam("today"))
    )
    .order_by(Occupancy.id)
)


def search_residents(*, today, q="", after=None, limit=50):
    """Search residents by name or phone, each with the units they live in `today`; pages by id. Two statements
    whatever the register's size."""
    q = (q or "").strip()
    field = ("phone" if q.isdigit() else "name") if q else None
    statement = _resident_search_statement(field, bool(after))
    rows = read(statement, {"q": q, "after": after, "limit": limit + 1}).all()
    next_after = rows[limit - 1].id if len(rows) > limit else None
    rows = rows[:limit]
    units = {}
    if rows:
        for resident_id, label, relation in read(
            _RESIDENT_UNITS, {"resident_ids": [r.id for r in rows], "today": today}
        ):
            units.setdefault(resident_id, []).append((label, relation.value))
    return ResidentPage(rows, next_after, units)


def register_counts(today):
    """Counts for the console home: units by status and residents."""
    by_status = {status.value: 0 for status in UnitStatus}
    for status, count in db.session.execute(select(Unit.status, func.count()).group_by(Unit.status)):
        by_status[status.value] = count
    residents = db.session.scalar(select(func.count()).select_from(Resident))
    return {"units": sum(by_status.values()), "residents": residents, **by_status}


#: An export reads every row of a search: the page's statement with no page limit.
_NO_LIMIT = 2**31 - 1


def _unit_search_params(q, building_id, status, today):
    """The bind parameters of a unit search (also its export's)."""
    code, _, number = q.partition("-")
    return {
        "building_id": building_id,
        "status": UnitStatus(status) if status else None,
        "q": q,
        "code": code,
        "number": number,
        "today": today,
        "limit": _NO_LIMIT,
    }


def export_units(*, today, q="", building_id=None, status=None, with_occupants=False):
    """(row count, rows) of every unit the search finds, in the page's order: (building, number, floor, area in
    m² x 100, status value, who lives there now or None). One statement per thousand units for the occupants."""
    q = (q or "").strip()
    kind = _search_kind(q, with_occupants) if q else None
    params = _unit_search_params(q, building_id, status, today)
    page_stmt, count_stmt, _anchor = _unit_search_statements(bool(building_id), bool(status), kind, False)

    def rows():
        for chunk in exports.in_chunks(exports.stream(page_stmt, params)):
            names = {}
            if with_occupants:
                for unit_id, name in read(_UNIT_OCCUPANTS, {"unit_ids": [u.id for u in chunk], "today": today}):
                    names.setdefault(unit_id, []).append(name)
            for u in chunk:
                people = ", ".join(names.get(u.id, ())) if with_occupants else None
                yield (u.building_name, u.number, u.floor, u.area_x100, u.status.value, people)

    return read(count_stmt, params).scalar(), rows()


def export_residents(*, today, q=""):
    """(row count, rows) of every resident the search finds, in the page's order: (name, phone, [(unit label,
    relation value)], has a portal account). One statement per thousand residents for their units."""
    q = (q or "").strip()
    field = ("phone" if q.isdigit() else "name") if q else None
    statement = _resident_search_statement(field, False)
    params = {"q": q, "limit": _NO_LIMIT}

    def rows():
        for chunk in exports.in_chunks(exports.stream(statement, params)):
            units = {}
            for resident_id, label, relation in read(
                _RESIDENT_UNITS, {"resident_ids": [r.id for r in chunk], "today": today}
            ):
                units.setdefault(resident_id, []).append((label, relation.value))
            for r in chunk:
                yield (r.name, r.phone, units.get(r.id, []), r.user_id is not None)

    return exports.count(statement, params), rows()
