"""Move-in cases at the desk: the console routes and who may use them."""

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.movein import cases, registration
from extensions import db
from tests import builders

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})
INSPECTORS = frozenset({Role.ENGINEERING, Role.ASSISTANT, Role.MANAGER})
CASE = "/staff/move-in/{move_in_case}"

#: endpoint -> (method, URL template, roles that may use it); the case's steps come last (cancel ends it).
TABLE = {
    "staff.list_move_ins": ("GET", "/staff/move-in/", KEEPERS),
    "staff.create_move_in": ("GET", "/staff/move-in/new", KEEPERS),
    "staff.import_move_ins": ("GET", "/staff/move-in/import", KEEPERS),
    "staff.move_in_import_template": ("GET", "/staff/move-in/import/template.csv", KEEPERS),
    "staff.show_move_in": ("GET", CASE, KEEPERS),
    "staff.edit_move_in_person": ("GET", CASE + "/people/{move_in_person}", KEEPERS),
    "staff.add_move_in_person": ("POST", CASE + "/people", KEEPERS),
    "staff.remove_move_in_person": ("POST", CASE + "/people/{move_in_person}/remove", KEEPERS),
    "staff.book_move_in": ("GET", CASE + "/book", KEEPERS),
    "staff.invite_move_in": ("POST", CASE + "/invite", KEEPERS),
    "staff.receive_move_in": ("POST", CASE + "/receive", KEEPERS),
    "staff.cancel_move_in": ("POST", CASE + "/cancel", MANAGER),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test: a case of its own unit with a household member."""
    actor = Actor.system("test")
    case = cases.create_case(actor, unit_id=builders.create_unit().id, owner_name="王业主", owner_phone="13911112222")
    person = registration.save_person(actor, case, name="王小明", kinship="子女")
    db.session.commit()
    return {"move_in_case": case.id, "move_in_person": person.id}
