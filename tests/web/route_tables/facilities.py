"""The facilities register and its checks: the console routes and who may use them."""

from datetime import timedelta

from domain.accounts.roles import Role
from domain.clock import today
from domain.facilities.models import CheckResult, FacilityKind
from domain.files.models import FieldPhoto
from extensions import db
from tests.facilities_builders import create_check, create_facility

VIEWERS = frozenset(Role) - {Role.CLEANING, Role.FINANCE}
KEEPERS = frozenset({Role.MANAGER, Role.ENGINEERING})
#: A lift is engineering's to check, or the manager's.
LIFT_CHECKERS = frozenset({Role.MANAGER, Role.ENGINEERING})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_facilities": ("GET", "/staff/facilities/", VIEWERS),
    "staff.new_facility": ("GET", "/staff/facilities/new", KEEPERS),
    "staff.show_facility": ("GET", "/staff/facilities/{facility}", VIEWERS),
    "staff.edit_facility": ("GET", "/staff/facilities/{facility}/edit", KEEPERS),
    "staff.record_facility_check": ("GET", "/staff/facilities/{facility}/check", LIFT_CHECKERS),
    "staff.facility_check_photo": (
        "GET",
        "/staff/facilities/{facility}/checks/{facility_check}/photos/{facility_photo}",
        VIEWERS,
    ),
    "staff.retire_facility": ("POST", "/staff/facilities/{facility_to_retire}/retire", KEEPERS),
    "staff.reinstate_facility": ("POST", "/staff/facilities/{retired_facility}/reinstate", KEEPERS),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name: a lift with a failed check and its photo, a pump to retire and a
    retired door."""
    lift = create_facility(prop, first_due_on=today() - timedelta(days=20))
    check = create_check(lift, today() - timedelta(days=16), result=CheckResult.FAILED)
    photo = FieldPhoto(
        property_id=prop.id,
        subject_type="facility_check",
        subject_id=check.id,
        stored_name="missing-facility-check.jpg",
        content_type="image/jpeg",
        size=1,
    )
    db.session.add(photo)
    pump = create_facility(prop, name="2号水泵", kind=FacilityKind.PUMP, first_due_on=today())
    door = create_facility(
        prop, name="北门", kind=FacilityKind.DOOR, checker_role=Role.SECURITY, first_due_on=today(), is_active=False
    )
    db.session.commit()
    return {
        "facility": lift.id,
        "facility_check": check.id,
        "facility_photo": photo.id,
        "facility_to_retire": pump.id,
        "retired_facility": door.id,
    }
