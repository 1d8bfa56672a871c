"""Callback rates and settings, visit plans, the VIP mark and service standards: the console routes and who may use
them."""

from datetime import date

from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.tickets.models import Callback, Department
from domain.visits import plans as visit_plans
from extensions import db
from tests.callback_builders import finished_ticket, made_visit

ALL = frozenset(Role)
KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
RATES = frozenset({Role.MANAGER, Role.ASSISTANT})
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.callback_rates_page": ("GET", "/staff/callbacks/rates", RATES),
    "staff.list_callback_records": ("GET", "/staff/callbacks/records?month=2026-11&which=done", RATES),
    "staff.edit_callback_settings": ("GET", "/staff/callbacks/settings", MANAGER),
    "staff.callback_analysis": ("GET", "/staff/callbacks/analysis", MANAGER),
    "staff.send_callback": ("POST", "/staff/callbacks/{unhappy_callback}/send", MANAGER),
    "staff.send_visit": ("POST", "/staff/visits/{remark_visit}/send", MANAGER),
    "staff.visit_plans_page": ("GET", "/staff/visits/plans", KEEPERS),
    "staff.add_visit_rule": ("POST", "/staff/visits/plans/new", MANAGER),
    "staff.end_visit_rule": ("POST", "/staff/visits/plans/{visit_rule}/end", MANAGER),
    "staff.visits_due": ("GET", "/staff/visits/due", KEEPERS),
    "staff.mark_resident_vip": ("POST", "/staff/residents/{resident}/vip", RATES),
    "staff.list_standards": ("GET", "/staff/standards/", MANAGER),
    "staff.record_service_spot_check": ("POST", "/staff/standards/checks", MANAGER),
    "staff.edit_service_checklist": ("GET", "/staff/standards/checklist", MANAGER),
    "staff.my_spot_checks": ("GET", "/staff/standards/mine", ALL - MANAGER),
    # A person's list is refused to all but the manager and the person (domain/standards/services.py).
    "staff.show_spot_checks": ("GET", "/staff/standards/people/{staff}", MANAGER),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name: a dissatisfied callback, a visit with a remark, a visit rule."""
    ticket = finished_ticket(prop, unit, utcnow(), callback="done", satisfaction=1)
    visit = made_visit(prop, unit, utcnow(), remark="绿化差", remark_department=Department.CLEANING)
    rule = visit_plans.create_rule(
        Actor.system("test"), prop.id, scope="all", interval_months=12, starts_on=date(2026, 1, 1)
    )
    db.session.commit()
    callback_id = db.session.scalar(select(Callback.id).where(Callback.ticket_id == ticket.id))
    return {"unhappy_callback": callback_id, "remark_visit": visit.id, "visit_rule": rule.id}
