"""When each facility's check is due: the first check on `first_due_on`, each next one `interval_days` after the
last check's day. Computed on read from the checks themselves (no scheduler), in two statements per list: the
facilities, and the last check day of each (GROUP BY)."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from domain.accounts.roles import Role
from domain.facilities.models import Facility, FacilityCheck
from domain.routine_checks import last_check_days
from extensions import db


@dataclass(frozen=True)
class DueCheck:
    """A facility with the day of its last check and the day its next one is due."""

    facility: Facility
    last_check_day: date | None
    due_on: date
    #: Days past `due_on` on the day asked about; 0 when due that day, negative when not yet due.
    days_overdue: int

    @property
    def is_overdue(self):
        """Whether the check was due before the day asked about."""
        return self.days_overdue > 0


def next_due(facility, last_check_day):
    """The day the facility's next check is due: `first_due_on` when never checked, else the last check's day plus
    the interval."""
    if last_check_day is None:
        return facility.first_due_on
    return last_check_day + timedelta(days=facility.interval_days)


def schedule(facilities, day):
    """A DueCheck for each of `facilities` as of `day`, in the order given."""
    last = last_check_days(FacilityCheck.facility_id, FacilityCheck.checked_on, [f.id for f in facilities])
    out = []
    for facility in facilities:
        due_on = next_due(facility, last.get(facility.id))
        out.append(DueCheck(facility, last.get(facility.id), due_on, (day - due_on).days))
    return out


def _active(property_id, role=None):
    """The property's facilities in service, those `role` checks when a role other than the manager is given, as
    rows of the columns the due lists read (id, name, kind, the schedule's two): the board asks every 20 seconds and
    needs no Facility objects."""
    query = select(Facility.id, Facility.name, Facility.kind, Facility.interval_days, Facility.first_due_on).where(
        Facility.property_id == property_id, Facility.is_active.is_(True)
    )
    if role is not None and Role(role) != Role.MANAGER:
        query = query.where(Facility.checker_role == Role(role))
    return db.session.execute(query.order_by(Facility.name, Facility.id)).all()


def due_checks(property_id, day, role=None):
    """The checks due on or before `day` (the oldest first) in `role`'s list; the manager, or no role, sees all. Each
    DueCheck's `facility` is a row of its id, name, kind, interval_days and first_due_on."""
    due = [d for d in schedule(_active(property_id, role), day) if d.due_on <= day]
    return sorted(due, key=lambda d: (d.due_on, d.facility.name, d.facility.id))


def overdue_checks(property_id, day):
    """The property's checks that were due before `day`, the most overdue first."""
    return [d for d in due_checks(property_id, day) if d.due_on < day]
