"""Builders for the facilities register: a facility and a past check, written straight to the tables."""

from datetime import timedelta

from domain.accounts.roles import Role
from domain.clock import start_of_local_day
from domain.facilities.models import CheckResult, Facility, FacilityCheck, FacilityKind
from extensions import db


def create_facility(
    prop,
    *,
    first_due_on,
    name="1号楼1号电梯",
    kind=FacilityKind.LIFT,
    checker_role=Role.ENGINEERING,
    interval_days=15,
    building=None,
    contractor="",
    checklist=("运行平稳", "平层准确"),
    is_active=True,
):
    """A facility of `prop`, first due on `first_due_on`."""
    facility = Facility(
        property_id=prop.id,
        name=name,
        kind=FacilityKind(kind),
        location="1号楼大堂",
        building_id=building.id if building else None,
        checker_role=Role(checker_role),
        contractor=contractor,
        checklist=list(checklist),
        interval_days=interval_days,
        first_due_on=first_due_on,
        is_active=is_active,
    )
    db.session.add(facility)
    db.session.commit()
    return facility


def create_check(facility, day, *, result=CheckResult.PASSED):
    """A check of `facility` recorded on the local `day` at 10:00."""
    check = FacilityCheck(
        facility_id=facility.id,
        checked_at=start_of_local_day(day) + timedelta(hours=10),
        checked_on=day,
        answers={item: "ok" for item in facility.checklist},
        result=result,
    )
    db.session.add(check)
    db.session.commit()
    return check
