"""Vacant units, their keys and checks: the console routes and who may use them."""

from datetime import timedelta

from domain.accounts.roles import Role
from domain.clock import today
from domain.files.models import FieldPhoto
from domain.property.models import UnitStatus
from extensions import db
from tests import builders
from tests.vacant_builders import create_key, create_vacant, create_vacant_check

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
DESK = frozenset({Role.MANAGER, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})
#: A check is the unit's area assistant's or the manager's: an assistant with no area over the unit is refused too.
CHECKERS = MANAGER

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_vacant_units": ("GET", "/staff/vacant/", KEEPERS),
    "staff.register_vacant_unit": ("GET", "/staff/vacant/new", KEEPERS),
    "staff.show_vacant_unit": ("GET", "/staff/vacant/{vacant}", KEEPERS),
    "staff.edit_vacant_unit": ("GET", "/staff/vacant/{vacant}/edit", KEEPERS),
    "staff.close_vacant_unit": ("POST", "/staff/vacant/{vacant}/close", KEEPERS),
    "staff.add_vacant_key": ("GET", "/staff/vacant/{vacant}/keys/new", DESK),
    "staff.retire_vacant_key": ("POST", "/staff/vacant/{vacant}/keys/{vacant_key_to_retire}/retire", DESK),
    "staff.take_out_vacant_key": ("GET", "/staff/vacant/{vacant}/keys/{vacant_key}/take-out", KEEPERS),
    "staff.return_vacant_key": ("POST", "/staff/vacant/{vacant}/keys/{vacant_key}/return", KEEPERS),
    "staff.list_vacant_keys": ("GET", "/staff/vacant/keys/", KEEPERS),
    "staff.record_vacant_check": ("GET", "/staff/vacant/{vacant}/check", CHECKERS),
    "staff.vacant_check_photo": (
        "GET",
        "/staff/vacant/{vacant}/checks/{vacant_check}/photos/{vacant_photo}",
        KEEPERS,
    ),
    "staff.edit_vacant_checklist": ("GET", "/staff/vacant/checklist", MANAGER),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name: a vacant unit with two key sets and a check with its photo."""
    vacant = create_vacant(prop, builders.create_unit(status=UnitStatus.VACANT))
    key, spare = create_key(vacant), create_key(vacant, tag="K-2")
    check = create_vacant_check(vacant, today() - timedelta(days=2))
    photo = FieldPhoto(
        property_id=prop.id,
        subject_type="vacant_check",
        subject_id=check.id,
        stored_name="missing-vacant-check.jpg",
        content_type="image/jpeg",
        size=1,
    )
    db.session.add(photo)
    db.session.commit()
    return {
        "vacant": vacant.id,
        "vacant_key": key.id,
        "vacant_key_to_retire": spare.id,
        "vacant_check": check.id,
        "vacant_photo": photo.id,
    }
