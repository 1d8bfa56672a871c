"""Units and the words the whole register uses for them: the label people say ("1-1203") as an SQL column and
for a set of ids, the one parser of a typed label, and adding or changing a unit."""

from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, bindparam, func, insert, or_, select
from sqlalchemy.orm import joinedload, selectinload

from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.clock import today, utcnow
from domain.dates import month_after
from domain.errors import Conflict, DomainError, NotFound
from domain.property.buildings import get_building
from domain.property.models import Building, Occupancy, Unit, UnitStatus, UnitStatusChange
from domain.queries import read
from extensions import db

#: The unit's label ("1-1203") as an SQL column named unit_label, for a select that joins Unit and Building; the
#: same text as Unit.label.
UNIT_LABEL = (Building.code + "-" + Unit.number).label("unit_label")

_LABELS = select(Unit.id, UNIT_LABEL).join(Unit.building).where(Unit.id.in_(bindparam("unit_ids", expanding=True)))


def unit_labels(unit_ids):
    """{unit id: "1-1203"} for the given units (None and repeats skipped), in one statement."""
    ids = {unit_id for unit_id in unit_ids if unit_id}
    if not ids:
        return {}
    return {unit_id: label for unit_id, label in db.session.execute(_LABELS, {"unit_ids": list(ids)})}


def unit_label(unit_id):
    """ "1-1203" for a unit id ("" for none)."""
    return unit_labels([unit_id]).get(unit_id, "")


# Reading a typed label -----------------------------------------------------------------------------


class FoundUnit(NamedTuple):
    """A unit found by its typed label: what the pages that take a label need, without loading the entity."""

    id: int
    property_id: int
    number: str
    label: str


#: The building is found first, then the unit by (building, number): the unique index's order. Written as a join,
#: SQLite without statistics reads every unit of the property instead (half a millisecond per parcel intake).
_UNIT_BY_LABEL = (
    select(Unit.id, Building.property_id, Unit.number, UNIT_LABEL)
    .join(Building)
    .where(
        Unit.building_id.in_(select(Building.id).where(Building.code == bindparam("code"))),
        Unit.number == bindparam("number"),
    )
)
#: The same by the unit number alone (taken when only one building has that number).
_UNIT_BY_NUMBER = (
    select(Unit.id, Building.property_id, Unit.number, UNIT_LABEL)
    .join(Building)
    .where(Unit.number == bindparam("number"))
    .limit(2)
)


def split_label(text):
    """(building code, number) of a label typed as "1-1203" (spaces around either part ignored), or None."""
    code, dash, number = (text or "").strip().partition("-")
    code, number = code.strip(), number.strip()
    return (code, number) if dash and code and number else None


def find_unit(label, *, number_alone=False):
    """The FoundUnit typed as building-number ("1-1203"), or with `number_alone` as a number only one building has
    ("1203"); one statement. Raises DomainError on the unit_label field."""
    parts = split_label(label)
    typed = (label or "").strip()
    if parts:
        rows = read(_UNIT_BY_LABEL, {"code": parts[0], "number": parts[1]}).all()
    elif number_alone and typed and "-" not in typed:
        rows = read(_UNIT_BY_NUMBER, {"number": typed}).all()
    else:
        rows = []
    if len(rows) != 1:
        message = (
            _l("Several buildings have a unit %(label)s: write it as building-number, e.g. 1-%(label)s.", label=label)
            if len(rows) > 1
            else _l("No unit %(label)s in the register. Write it as building-number, e.g. 1-1203.", label=label)
        )
        raise DomainError(message, field="unit_label")
    return FoundUnit(*rows[0])


def unit_ids_by_label(labels):
    """{label: unit id} for those of `labels` ("1-1203") that are in the register, in one statement."""
    wanted = {}
    for label in labels:
        parts = split_label(label)
        if parts:
            wanted.setdefault(parts, []).append(label)
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Unit.id, Building.code, Unit.number)
        .join(Unit.building)
        .where(Building.code.in_({code for code, _number in wanted}))
    )
    return {label: unit_id for unit_id, code, number in rows for label in wanted.get((code, number), ())}


# Units -------------------------------------------------------------------------------------------


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
    unit = Unit(building=building, number=number, floor=floor, area_x100=area_x100, note=note)
    set_unit_status(unit, status, today(), actor=actor)
    db.session.add(unit)
    db.session.flush()
    record(actor, "unit.create", unit, summary=unit.label)
    return unit


def update_unit(actor, unit, *, number, floor, area_x100, status, note="", status_from=None):
    """Change a unit's number, floor, area, status (from `status_from`, today by default) or note."""
    require(actor, Permission.EDIT_REGISTER)
    _check_unit_free(unit.building_id, number, exclude_id=unit.id)
    old_status = unit.status
    changes = diff(unit, {"number": number, "floor": floor, "area_x100": area_x100, "note": note})
    if set_unit_status(unit, status, status_from or today(), actor=actor, strict=status_from is not None):
        changes["status"] = [old_status.value, unit.status.value]
    if changes:
        record(actor, "unit.update", unit, summary=unit.label, changes=changes)
    return unit


# Status and its history ----------------------------------------------------------------------------


def _last_effective(unit):
    """The day the unit's latest status change took effect, None for a unit without history (one statement)."""
    if unit.id is None:
        return None
    return db.session.scalar(select(func.max(UnitStatusChange.effective_on)).where(UnitStatusChange.unit_id == unit.id))


def set_unit_status(unit, status, effective, *, actor=None, strict=False):
    """The one way a unit's status changes: set it and write a row of its history (from, to, the day it takes
    effect, when and by whom it was recorded). A new unit (no status yet) gets its first row. Nothing is written
    when the status does not change; returns the UnitStatusChange, or None then. Callers audit their own action.

    The history only moves forward, so that its last row is always the unit's status: a change dated before the
    latest row's day is refused when a person typed that day (`strict`), else it takes effect on that day."""
    status = UnitStatus(status)
    if unit.status == status:
        return None
    last = _last_effective(unit)
    if last is not None and effective < last:
        if strict:
            raise DomainError(
                _l("The unit's status last changed on %(day)s: a new status can only hold from that day on.", day=last),
                field="status_from",
            )
        effective = last  # a move-in dated before the register knew the unit: its history starts where it does
    change = UnitStatusChange(
        unit=unit,
        from_status=unit.status,
        to_status=status,
        effective_on=effective,
        recorded_by_id=actor.user_id if actor is not None else None,
    )
    unit.status = status
    db.session.add(change)
    return change


def start_status_history(units, effective, *, actor=None):
    """The first history row of many units inserted in bulk at once ([(unit id, status)]), in one statement: for
    loaders that insert units without the ORM (set_unit_status is the rule for one unit)."""
    rows = [
        {
            "unit_id": unit_id,
            "from_status": None,
            "to_status": UnitStatus(status).value,
            "effective_on": effective,
            "recorded_at": utcnow(),
            "recorded_by_id": actor.user_id if actor is not None else None,
        }
        for unit_id, status in units
    ]
    if rows:
        db.session.execute(insert(UnitStatusChange), rows)


def vacant_since(unit_id):
    """The day the unit's latest change to vacant took effect in its history, None when it never stood vacant (one
    statement): what the vacancy fee counts from, and what a vacant unit's record proposes as its first empty day."""
    return db.session.scalar(
        select(func.max(UnitStatusChange.effective_on)).where(
            UnitStatusChange.unit_id == unit_id, UnitStatusChange.to_status == UnitStatus.VACANT
        )
    )


def status_history(unit_id, limit=None):
    """A unit's status changes, newest first (by the day they take effect), each with who recorded it."""
    return db.session.scalars(
        select(UnitStatusChange)
        .where(UnitStatusChange.unit_id == unit_id)
        .options(joinedload(UnitStatusChange.recorded_by))
        .order_by(UnitStatusChange.effective_on.desc(), UnitStatusChange.id.desc())
        .limit(limit)
    ).all()


def vacant_days(unit_ids, period):
    """{unit id: days of the month starting `period` the unit was vacant} from the status history, for many units
    in one statement (units never vacant that month are left out).

    Each history row holds from its effective day until the next row's (rows on the same day: the later one
    wins); the statement reads each vacant span that overlaps the month, and the days are counted here.
    """
    ids = list(set(unit_ids))
    if not ids:
        return {}
    after = month_after(period)
    change = UnitStatusChange
    until = func.lead(change.effective_on, type_=Date).over(
        partition_by=change.unit_id, order_by=(change.effective_on, change.id)
    )
    spans = (
        select(change.unit_id, change.to_status, change.effective_on.label("start"), until.label("until"))
        .where(change.unit_id.in_(ids), change.effective_on < after)
        .subquery()
    )
    rows = db.session.execute(
        select(spans.c.unit_id, spans.c.start, spans.c.until).where(
            spans.c.to_status == UnitStatus.VACANT, or_(spans.c.until.is_(None), spans.c.until > period)
        )
    )
    days = {}
    for unit_id, start, until in rows:
        span = (min(until or after, after) - max(start, period)).days
        if span > 0:
            days[unit_id] = days.get(unit_id, 0) + span
    return days


def days_in_month(period):
    """How many days the month starting `period` has."""
    return (month_after(period) - period).days
