"""Unit inspections: the console routes and who may use them."""

from datetime import timedelta

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.movein.cases import create_case
from domain.movein.inspections import schedule_inspection
from extensions import db
from tests import builders

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})
INSPECTORS = frozenset({Role.ENGINEERING, Role.ASSISTANT, Role.MANAGER})
#: Who sees an inspection: the inspectors and the desk that runs the case.
VIEWERS = INSPECTORS | KEEPERS

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_inspections": ("GET", "/staff/move-in/inspections/", INSPECTORS),
    "staff.show_inspection": ("GET", "/staff/move-in/inspections/{inspection}", VIEWERS),
    "staff.start_inspection": ("POST", "/staff/move-in/inspections/{inspection}/start", INSPECTORS),
    "staff.cancel_inspection": (
        "POST",
        "/staff/move-in/inspections/{inspection}/cancel",
        frozenset({Role.MANAGER, Role.ENGINEERING}),
    ),
    "staff.record_inspection_item": (
        "POST",
        "/staff/move-in/inspections/{inspection}/items/{inspection_item}",
        INSPECTORS,
    ),
    "staff.record_inspection_readings": ("POST", "/staff/move-in/inspections/{inspection}/readings", INSPECTORS),
    "staff.record_owner_requests": ("POST", "/staff/move-in/inspections/{inspection}/requests", INSPECTORS),
    "staff.sign_inspection": ("POST", "/staff/move-in/inspections/{inspection}/sign", INSPECTORS),
    "staff.schedule_reinspection": ("POST", "/staff/move-in/inspections/{inspection}/reinspection", VIEWERS),
    "staff.schedule_inspection": ("POST", "/staff/move-in/cases/{inspected_case}/inspections", VIEWERS),
    "staff.download_inspection_record": ("GET", "/staff/move-in/inspections/{inspection}/record.pdf", VIEWERS),
    "staff.show_inspection_photo": ("GET", "/staff/move-in/inspections/{inspection}/photos/1", VIEWERS),
    "staff.edit_inspection_template": ("GET", "/staff/move-in/inspections/template", MANAGER),
    "staff.add_inspection_template_item": ("POST", "/staff/move-in/inspections/template", MANAGER),
    "staff.update_inspection_template_item": ("POST", "/staff/move-in/inspections/template/1", MANAGER),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name: a case with a scheduled inspection."""
    own_unit = builders.create_unit(number="2208", floor=22)  # the shared unit has the desk's case already
    case = create_case(Actor.system("test"), unit_id=own_unit.id, owner_name="验房业主", owner_phone="13912340000")
    inspection = schedule_inspection(Actor.system("test"), case, utcnow() + timedelta(days=1))
    db.session.commit()
    return {"inspection": inspection.id, "inspection_item": inspection.items[0].id, "inspected_case": case.id}
