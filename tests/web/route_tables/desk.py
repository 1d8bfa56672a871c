"""The day at the desk and the manager's checklist template: the console routes and who may use them."""

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.movein.cases import create_case
from domain.movein.models import MoveInTemplateItem
from extensions import db

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.move_in_desk": ("GET", "/staff/move-in/{desk_case}/desk", KEEPERS),
    "staff.move_in_signing": ("GET", "/staff/move-in/{desk_case}/signing", KEEPERS),
    "staff.tick_move_in_item": ("POST", "/staff/move-in/{desk_case}/items/{desk_item}/tick", KEEPERS),
    "staff.untick_move_in_item": ("POST", "/staff/move-in/{desk_case}/items/{desk_item}/untick", KEEPERS),
    "staff.file_move_in_copy": ("POST", "/staff/move-in/{desk_case}/items/{desk_item}/copy", KEEPERS),
    "staff.record_move_in_proxy": ("POST", "/staff/move-in/{desk_case}/proxy", KEEPERS),
    "staff.clear_move_in_proxy": ("POST", "/staff/move-in/{desk_case}/proxy/clear", KEEPERS),
    "staff.bill_move_in": ("POST", "/staff/move-in/{desk_case}/bill", KEEPERS),
    "staff.sign_move_in_paper": ("POST", "/staff/move-in/{desk_case}/sign/fire_agreement", KEEPERS),
    "staff.complete_move_in": ("POST", "/staff/move-in/{desk_case}/complete", KEEPERS),
    "staff.list_move_in_template": ("GET", "/staff/move-in/template", MANAGER),
    "staff.add_move_in_template_item": ("POST", "/staff/move-in/template", MANAGER),
    "staff.edit_move_in_template_item": ("GET", "/staff/move-in/template/{desk_template_item}", MANAGER),
    "staff.move_move_in_template_item": ("POST", "/staff/move-in/template/{desk_template_item}/move", MANAGER),
    "staff.toggle_move_in_template_item": ("POST", "/staff/move-in/template/{desk_template_item}/active", MANAGER),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test: a case for the unit (its checklist copied from the
    default template)."""
    case = create_case(Actor.system("test"), unit_id=unit.id, owner_name="王业主", owner_phone="13900000001")
    db.session.commit()
    template_id = db.session.scalar(
        db.select(MoveInTemplateItem.id).where(MoveInTemplateItem.property_id == case.property_id).limit(1)
    )
    return {"desk_case": case.id, "desk_item": case.items[0].id, "desk_template_item": template_id}
