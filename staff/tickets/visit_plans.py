"""Recurring visit plans (SOP 13): the manager's rules with each rule's coverage, the visits due (an assistant's own
area). The VIP mark itself is on the resident's page (staff/residents.py)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.accounts.roles import Permission, can
from domain.areas.services import list_areas
from domain.clock import today
from domain.errors import DomainError
from domain.property import buildings
from domain.visits import plans as visit_plans
from extensions import db
from staff import bp
from staff.tickets.forms import SCOPE_LABELS, VisitRuleForm
from web.auth import current_actor, staff_permission
from web.refusals import flash_refusal, show_domain_error


def _rule_form(formdata=None):
    """The new rule's form with the property's areas to choose from."""
    form = VisitRuleForm() if formdata else VisitRuleForm(formdata=None, data={"scope": "area", "interval_months": 12})
    form.area_id.choices = [("", "—")] + [(area.id, area.name) for area in list_areas(buildings.get_property().id)]
    return form


def _plans_page(form, status=200):
    """The rules in force with their coverage, and the form to add one."""
    prop = buildings.get_property()
    return render_template(
        "staff/tickets/visit_plans.html",
        coverage=visit_plans.coverage(prop.id, today()),
        form=form,
        scope_labels={key: str(label) for key, label in SCOPE_LABELS.items()},
    ), status


@bp.get("/visits/plans")
@staff_permission(Permission.CALL_BACK)
def visit_plans_page():
    """The visit rules (every household of an area once a year, VIPs every quarter...) and how much of each is
    covered."""
    return _plans_page(_rule_form())


@bp.post("/visits/plans/new")
@staff_permission(Permission.MANAGE_CALLBACKS)
def add_visit_rule():
    """Add a visit rule; households never visited are due from today."""
    form = _rule_form(formdata=True)
    if form.validate_on_submit():
        try:
            visit_plans.create_rule(
                current_actor(),
                buildings.get_property().id,
                scope=form.scope.data,
                area_id=form.area_id.data,
                interval_months=form.interval_months.data,
                starts_on=today(),
            )
            db.session.commit()
            flash(_("Visit plan added."), "success")
            return redirect(url_for("staff.visit_plans_page"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _plans_page(form, status=422)


@bp.post("/visits/plans/<int:rule_id>/end")
@staff_permission(Permission.MANAGE_CALLBACKS)
def end_visit_rule(rule_id):
    """Stop a visit rule."""
    rule = visit_plans.get_rule(rule_id, buildings.get_property().id)
    with flash_refusal():
        visit_plans.end_rule(current_actor(), rule)
        db.session.commit()
        flash(_("Visit plan stopped."), "success")
    return redirect(url_for("staff.visit_plans_page"), code=303)


@bp.get("/visits/due")
@staff_permission(Permission.CALL_BACK)
def visits_due():
    """The households whose visit is due (or falls due within two weeks), the most overdue first: an assistant's own
    area, everyone's for the desk and the manager."""
    day = today()
    unit_ids = None
    if can(current_user.role, Permission.OWN_AREA):
        unit_ids = visit_plans.area_unit_ids(current_user.id, day) or set()
    return render_template(
        "staff/tickets/visits_due.html",
        due=visit_plans.due_visits(buildings.get_property().id, day, unit_ids=unit_ids),
        own_area=unit_ids is not None,
        today=day,
        ahead_days=visit_plans.DUE_AHEAD_DAYS,
        scope_labels={key: str(label) for key, label in SCOPE_LABELS.items()},
    )
