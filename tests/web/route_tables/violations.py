"""Violations: the console routes and who may use them (each step's roles are domain/violations/workflow.py's)."""

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.violations import kinds, services
from extensions import db

RECORDERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK, Role.SECURITY})
CHECKERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.SECURITY})
FOLLOWERS = frozenset({Role.MANAGER, Role.ASSISTANT})
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_violations": ("GET", "/staff/violations/", RECORDERS),
    "staff.new_violation": ("GET", "/staff/violations/new", RECORDERS),
    "staff.show_violation": ("GET", "/staff/violations/{violation}", RECORDERS),
    "staff.check_violation": ("POST", "/staff/violations/{violation}/check", CHECKERS),
    # The table's violation is at the verbal reminder: its next step is the written notice.
    "staff.advance_violation": ("POST", "/staff/violations/{violation}/advance", FOLLOWERS),
    "staff.refer_violation": ("POST", "/staff/violations/{violation}/refer", MANAGER),
    "staff.extend_violation": ("POST", "/staff/violations/{violation}/extend", FOLLOWERS),
    "staff.fine_violation": ("POST", "/staff/violations/{violation}/fine", MANAGER),
    "staff.withdraw_violation": ("POST", "/staff/violations/{violation}/withdraw", MANAGER),
    "staff.violation_notice": ("GET", "/staff/violations/{violation}/notices/{violation_notice}.pdf", RECORDERS),
    "staff.violation_photo": ("GET", "/staff/violations/{violation}/photos/1", RECORDERS),
    "staff.violation_reply_photo": ("GET", "/staff/violations/{violation}/replies/1/photos/1", RECORDERS),
    "staff.repeat_offenders": ("GET", "/staff/violations/repeat", RECORDERS),
    "staff.violation_counts": ("GET", "/staff/violations/monthly", MANAGER),
    "staff.list_violation_kinds": ("GET", "/staff/violations/kinds/", MANAGER),
    "staff.new_violation_kind": ("GET", "/staff/violations/kinds/new", MANAGER),
    "staff.edit_violation_kind": ("GET", "/staff/violations/kinds/{violation_kind}", MANAGER),
    "staff.edit_violation_template": ("GET", "/staff/violations/kinds/{violation_kind}/templates/noticed", MANAGER),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test: a violation at the unit, at the verbal reminder."""
    system = Actor.system()
    kind = kinds.create_kind(
        system,
        property_id=prop.id,
        name="楼道堆放杂物",
        rule="《管理规约》",
        first_stage="reminded",
        reminder_days=1,
        notice_days=3,
        order_days=7,
        authority="fire",
        fine_allowed=False,
        fine_max_fen=None,
        fine_charge_type_id=None,
    )
    violation = services.record_violation(
        system, kind_id=kind.id, unit_label=f"{unit.building.code}-{unit.number}", seen="纸箱", property_id=prop.id
    )
    db.session.commit()
    return {"violation": violation.id, "violation_notice": violation.notices[0].id, "violation_kind": kind.id}
