"""Service standards (SOP 8): the manager's checklist, spot-checks of staff against it, and each person's list, seen
by the manager and by that person only."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.accounts.roles import Permission
from domain.clock import today
from domain.errors import DomainError
from domain.property import buildings
from domain.routine_checks import FAULT, OK
from domain.standards import services
from extensions import db
from staff import bp
from staff.standards.forms import ServiceChecklistForm, SpotCheckForm
from web.auth import current_actor, staff_permission
from web.refusals import show_domain_error


def _typed_answers(items):
    """{item: "ok" | "fault"} as ticked on the form (item-0, item-1...), unanswered items left out."""
    answers = {}
    for n, item in enumerate(items):
        value = request.form.get(f"item-{n}")
        if value in (OK, FAULT):
            answers[item] = value
    return answers


def _standards_page(form, *, answers=None, status=200):
    """The people spot-checked with their counts, and the spot-check form against the checklist."""
    prop = buildings.get_property()
    form.staff_id.choices = [("", "—")] + [(uid, name) for uid, name in services.staff_choices()]
    return render_template(
        "staff/standards/index.html",
        form=form,
        items=services.checklist_items(prop.id),
        answers=answers or {},
        people=services.person_summary(prop.id),
    ), status


@bp.get("/standards/")
@staff_permission(Permission.MANAGE_STANDARDS)
def list_standards():
    """The service-standards spot-checks by person, and the form to record one."""
    return _standards_page(SpotCheckForm(formdata=None, data={"checked_on": today()}))


@bp.post("/standards/checks")
@staff_permission(Permission.MANAGE_STANDARDS)
def record_service_spot_check():
    """Record a spot-check of a staff member: every item passed or failed, and notes."""
    prop = buildings.get_property()
    form = SpotCheckForm()
    form.staff_id.choices = [("", "—")] + [(uid, name) for uid, name in services.staff_choices()]
    answers = _typed_answers(services.checklist_items(prop.id))
    if form.validate_on_submit():
        try:
            check = services.record_spot_check(
                current_actor(),
                prop.id,
                staff_id=form.staff_id.data,
                checked_on=form.checked_on.data,
                answers=answers,
                notes=form.notes.data,
            )
            staff_id = check.staff_id
            db.session.commit()
            flash(_("Spot-check recorded."), "success")
            return redirect(url_for("staff.show_spot_checks", user_id=staff_id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _standards_page(form, answers=answers, status=422)


@bp.route("/standards/checklist", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_STANDARDS)
def edit_service_checklist():
    """The service-standards checklist, one item a line."""
    prop = buildings.get_property()
    form = ServiceChecklistForm(formdata=None, data={"items": "\n".join(services.checklist_items(prop.id))})
    if request.method == "POST":
        form = ServiceChecklistForm()
        if form.validate_on_submit():
            try:
                services.save_checklist(current_actor(), prop.id, form.items.data)
                db.session.commit()
                flash(_("Checklist saved."), "success")
                return redirect(url_for("staff.list_standards"), code=303)
            except DomainError as error:
                show_domain_error(form, error)
    return render_template("staff/standards/checklist.html", form=form), 422 if request.method == "POST" else 200


@bp.get("/standards/people/<int:user_id>")
def show_spot_checks(user_id):
    """A person's spot-checks, newest first: for the manager and that person only (anyone else: not found)."""
    person, checks = services.spot_checks_of(current_actor(), buildings.get_property().id, user_id)
    return render_template(
        "staff/standards/person.html", person=person, checks=checks, own=person.id == current_user.id
    )


@bp.get("/standards/mine")
@staff_permission(Permission.SEE_OWN_SPOT_CHECKS)
def my_spot_checks():
    """The signed-in staff member's own spot-checks."""
    return show_spot_checks(current_user.id)
