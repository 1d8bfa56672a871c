"""The manager's move-in board, summary and spot-checks: the console routes and who may use them."""

from domain.accounts.roles import Role
from domain.movein.models import SpotCheck
from extensions import db
from tests.supervision_builders import create_case

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})
INSPECTORS = frozenset({Role.ENGINEERING, Role.ASSISTANT, Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.move_in_board": ("GET", "/staff/move-in/board", MANAGER),
    "staff.move_in_summary": ("GET", "/staff/move-in/summary", MANAGER),
    "staff.move_in_summary_pdf": ("GET", "/staff/move-in/summary.pdf", MANAGER),
    "staff.list_spot_checks": ("GET", "/staff/move-in/spot-checks", MANAGER),
    "staff.pick_spot_checks": ("POST", "/staff/move-in/spot-checks", MANAGER),
    "staff.record_spot_check": ("POST", "/staff/move-in/spot-checks/{spot_check}", MANAGER),
    "staff.list_follow_ups": ("GET", "/staff/move-in/follow-ups", KEEPERS),
    "staff.finish_follow_up": ("POST", "/staff/move-in/follow-ups/{spot_check}/done", KEEPERS),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test."""
    case = create_case(prop, completed=True)
    check = SpotCheck(property_id=prop.id, case_id=case.id)
    db.session.add(check)
    db.session.commit()
    return {"spot_check": check.id}
