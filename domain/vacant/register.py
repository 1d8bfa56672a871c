"""The register of vacant units (SOP 17). Unit.status in the property register says whether a unit is vacant; this
register says why, since when, how often it is checked and what was agreed about its water and power. So a unit is
registered here only while the property register marks it vacant, and its record is closed only once the register no
longer does: the two never disagree for long, and the lists show any unit where they do (vacant but not registered
here, registered here but lived in again). Every change is audited."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.clock import today, utcnow
from domain.errors import Conflict, DomainError, NotFound
from domain.property.models import Building, Unit, UnitStatus
from domain.property.units import UNIT_LABEL
from domain.vacant.models import KeyMovement, Supply, VacancyReason, VacantKey, VacantUnit
from domain.vacant.workflow import check_vacant
from extensions import db

#: Weekly by default; any whole number of days in INTERVAL_RANGE.
DEFAULT_INTERVAL = 7
INTERVAL_RANGE = (1, 90)
MAX_NOTE = 500

REASON_LABELS = {
    VacancyReason.UNSOLD: _l("Unsold"),
    VacancyReason.OWNER_AWAY: _l("Owner away"),
    VacancyReason.BETWEEN_TENANTS: _l("Between tenants"),
}
SUPPLY_LABELS = {Supply.OFF: lazy_pgettext("supply", "off"), Supply.ON: lazy_pgettext("supply", "on")}


def get_vacant(vacant_id, property_id):
    """One vacant-unit record of the property, or NotFound."""
    vacant = db.session.get(VacantUnit, vacant_id)
    if vacant is None or vacant.property_id != property_id:
        raise NotFound()
    return vacant


def vacant_of_unit(unit_id):
    """The unit's record, open or closed, or None."""
    return db.session.scalar(select(VacantUnit).where(VacantUnit.unit_id == unit_id))


def _unit(property_id, unit_id):
    """The property's unit, or a DomainError on the unit field."""
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or db.session.get(Building, unit.building_id).property_id != property_id:
        raise DomainError(_l("Choose a unit from the list."), field="unit_id")
    return unit


def _clean(*, reason, vacant_since, interval_days, water, power, note):
    """The typed values checked and normalised into the record's columns, or a DomainError on the first bad one."""
    try:
        reason = VacancyReason(reason)
    except ValueError:
        raise DomainError(_l("Choose why the unit is vacant."), field="reason") from None
    if not isinstance(vacant_since, date):
        raise DomainError(_l("Give the day the unit became vacant."), field="vacant_since")
    if vacant_since > today():
        raise DomainError(_l("The day the unit became vacant cannot be in the future."), field="vacant_since")
    if interval_days in (None, ""):
        days = DEFAULT_INTERVAL
    else:
        try:
            days = int(str(interval_days).strip())
        except ValueError:
            raise DomainError(_l("Type the interval as a whole number of days."), field="interval_days") from None
    low, high = INTERVAL_RANGE
    if not low <= days <= high:
        raise DomainError(_l("The interval is %(low)s to %(high)s days.", low=low, high=high), field="interval_days")
    supplies = {}
    for name, value in (("water", water), ("power", power)):
        try:
            supplies[name] = Supply(value)
        except ValueError:
            raise DomainError(_l("Say whether it stays off or on."), field=name) from None
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_l("Write at most %(count)s characters.", count=MAX_NOTE), field="note")
    return {"reason": reason, "vacant_since": vacant_since, "interval_days": days, "note": note, **supplies}


def register_vacant_unit(actor, *, property_id, unit_id, **values):
    """Register a unit the property register marks vacant: why (reason), since when (vacant_since), the interval of
    its checks in days (blank: weekly), the water and power agreed (off/on) and a note. A unit registered before and
    closed since is reopened with the new values (its keys and history stay); one still open is a Conflict; a unit
    the register does not mark vacant is refused. The first check is due today. Audited; the caller commits."""
    require(actor, Permission.REGISTER_VACANT_UNITS)
    unit = _unit(property_id, unit_id)
    if unit.status != UnitStatus.VACANT:
        raise DomainError(
            _l("The register does not mark this unit vacant: change its status under Units first."), field="unit_id"
        )
    clean = _clean(**values)
    vacant = vacant_of_unit(unit.id)
    if vacant is not None and vacant.is_open:
        raise Conflict(_l("This unit is already registered as vacant."))
    if vacant is None:
        vacant = VacantUnit(property_id=property_id, unit_id=unit.id, registered_on=today(), **clean)
        db.session.add(vacant)
        db.session.flush()
        record(actor, "vacant.register", vacant, summary=f"{unit.label}: {clean['reason'].value}")
        return vacant
    check_vacant(actor, "reopen", vacant)
    diff(vacant, clean)
    vacant.is_open, vacant.closed_at, vacant.registered_on = True, None, today()
    db.session.flush()
    record(actor, "vacant.reopen", vacant, summary=f"{unit.label}: {clean['reason'].value}")
    return vacant


def update_vacant(actor, vacant, **values):
    """Change an open record's reason, since, interval, agreed water and power or note; DomainError(field=...) on bad
    input, nothing saved then. Audited with what changed."""
    require(actor, Permission.REGISTER_VACANT_UNITS)
    check_vacant(actor, "edit", vacant)
    changes = diff(vacant, _clean(**values))
    if changes:
        db.session.flush()
        record(actor, "vacant.update", vacant, summary=vacant.unit.label, changes=changes)
    return vacant


def keys_out_of(vacant_id):
    """How many of the record's key sets are out now (one statement)."""
    return len(
        db.session.scalars(
            select(KeyMovement.id)
            .join(VacantKey, KeyMovement.key_id == VacantKey.id)
            .where(VacantKey.vacant_unit_id == vacant_id, KeyMovement.returned_at.is_(None))
        ).all()
    )


def close_vacant(actor, vacant):
    """Close the record of a unit that is lived in again: its checks stop being due, its history stays. Refused while
    the register still marks the unit vacant (change the status there first) and while one of its keys is out."""
    require(actor, Permission.REGISTER_VACANT_UNITS)
    check_vacant(actor, "close", vacant)
    if vacant.unit.status == UnitStatus.VACANT:
        raise DomainError(_l("The register still marks this unit vacant: change its status under Units first."))
    if keys_out_of(vacant.id):
        raise DomainError(_l("A key of this unit is out: record its return first."))
    vacant.is_open, vacant.closed_at = False, utcnow()
    db.session.flush()
    record(actor, "vacant.close", vacant, summary=vacant.unit.label)
    return vacant


@dataclass(frozen=True)
class Unregistered:
    """A unit the register marks vacant that has no open record here."""

    unit_id: int
    label: str
    #: It was registered before (and closed): registering it again reopens that record.
    closed_record: bool


def unregistered_vacant_units(property_id, *, limit=200):
    """The property's units the register marks vacant without an open record here, by label (one statement)."""
    rows = db.session.execute(
        select(Unit.id, UNIT_LABEL, VacantUnit.id)
        .join(Building, Unit.building_id == Building.id)
        .outerjoin(VacantUnit, VacantUnit.unit_id == Unit.id)
        .where(
            Building.property_id == property_id,
            Unit.status == UnitStatus.VACANT,
            (VacantUnit.id.is_(None)) | (VacantUnit.is_open.is_(False)),
        )
        .order_by(Building.code, Unit.floor, Unit.number)
        .limit(limit)
    ).all()
    return [Unregistered(unit_id, label, record_id is not None) for unit_id, label, record_id in rows]
