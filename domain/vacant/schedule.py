"""When each vacant unit's check is due: the first on the day it was registered (or reopened), each next one
`interval_days` after the last check's day. Computed on read from the checks themselves (no scheduler): the open
records of units the register marks vacant, and the last check day of each (GROUP BY), two statements a list."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from domain.property.models import Building, Unit, UnitStatus
from domain.property.units import UNIT_LABEL
from domain.routine_checks import last_check_days
from domain.vacant.models import VacantCheck, VacantUnit
from extensions import db


@dataclass(frozen=True)
class DueCheck:
    """A vacant unit with its label, the day of its last check and the day its next one is due."""

    vacant: VacantUnit
    label: str
    last_check_day: date | None
    due_on: date
    #: Days past `due_on` on the day asked about; 0 when due that day, negative when not yet due.
    days_overdue: int

    @property
    def is_overdue(self):
        """Whether the check was due before the day asked about."""
        return self.days_overdue > 0

    @property
    def is_due(self):
        """Whether the check is due on or before the day asked about."""
        return self.days_overdue >= 0


def next_due(vacant, last_check_day):
    """The day the unit's next check is due: the day it was registered when not checked since, else the last check's
    day plus the interval."""
    if last_check_day is None or last_check_day < vacant.registered_on:
        return vacant.registered_on
    return last_check_day + timedelta(days=vacant.interval_days)


def vacant_units(property_id, *, unit_ids=None, still_vacant=True):
    """[(VacantUnit, label)] of the property's open records by label: those whose unit the register still marks
    vacant (still_vacant=True), or those whose unit it no longer does (False); only `unit_ids` when given."""
    status = Unit.status == UnitStatus.VACANT if still_vacant else Unit.status != UnitStatus.VACANT
    query = (
        select(VacantUnit, UNIT_LABEL)
        .join(Unit, VacantUnit.unit_id == Unit.id)
        .join(Building, Unit.building_id == Building.id)
        .where(VacantUnit.property_id == property_id, VacantUnit.is_open.is_(True), status)
        .order_by(Building.code, Unit.floor, Unit.number)
    )
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(VacantUnit.unit_id.in_(list(unit_ids)))
    return db.session.execute(query).all()


def schedule(rows, day):
    """A DueCheck for each (VacantUnit, label) of `rows` as of `day`, in the order given."""
    last = last_check_days(VacantCheck.vacant_unit_id, VacantCheck.checked_on, [vacant.id for vacant, _label in rows])
    out = []
    for vacant, label in rows:
        due_on = next_due(vacant, last.get(vacant.id))
        out.append(DueCheck(vacant, label, last.get(vacant.id), due_on, (day - due_on).days))
    return out


def due_checks(property_id, day, *, unit_ids=None):
    """The checks of vacant units due on or before `day`, the most overdue first; only `unit_ids` when given (an
    assistant's area)."""
    due = [d for d in schedule(vacant_units(property_id, unit_ids=unit_ids), day) if d.is_due]
    return sorted(due, key=lambda d: (d.due_on, d.label))


def overdue_checks(property_id, day, *, unit_ids=None):
    """The checks that were due before `day`, the most overdue first."""
    return [d for d in due_checks(property_id, day, unit_ids=unit_ids) if d.is_overdue]
