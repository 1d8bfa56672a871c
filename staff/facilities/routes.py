"""The facilities register and its scheduled checks: the list (due for the reader, overdue, the register), a
facility with its history, adding and editing, retiring and reinstating, and recording a check on a phone."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import today
from domain.errors import DomainError
from domain.facilities import checks, register
from domain.facilities.models import FacilityCheck
from domain.facilities.workflow import check_facility
from domain.files.photos import get_field_photo
from domain.property import buildings
from domain.tickets.workflow import STATUS_LABELS as TICKET_STATUS_LABELS
from extensions import db
from staff import bp
from staff.facilities import pages
from staff.facilities.forms import CheckForm, FacilityForm
from web.auth import current_actor, staff_permission
from web.downloads import send_stored
from web.guards import id_arg
from web.htmx import render_page
from web.refusals import flash_refusal, show_domain_error


def _facility(facility_id):
    """The property's facility, or 404."""
    return register.get_facility(facility_id, buildings.get_property_id())


def _int_arg(name):
    """A whole-number query argument, or None."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/facilities/")
@staff_permission(Permission.VIEW_FACILITIES)
def list_facilities():
    """Checks due today for the reader's role, the overdue ones, and a page of the register filtered by kind and
    building."""
    kind = request.args.get("kind", "")
    kind = kind if kind in {k.value for k in register.KIND_LABELS} else ""
    context = pages.list_context(
        current_actor(),
        buildings.get_property_id(),
        kind=kind,
        building_id=_int_arg("building"),
        page=id_arg("page") or 1,
    )
    return render_page("staff/facilities/index.html", "staff/facilities/_register.html", **context)


def _facility_form(data=None, obj=None):
    """The facility form with the buildings to choose from."""
    form = FacilityForm(formdata=data, obj=obj) if data is not None else FacilityForm(obj=obj)
    form.building_id.choices = [("", _("Not in one building"))] + [
        (str(b.id), b.name) for b in buildings.list_buildings()
    ]
    return form


def _save(form, facility=None):
    """Save the form through the register (None on a refusal, shown on the form)."""
    if not form.validate_on_submit():
        return None
    try:
        saved = register.save_facility(
            current_actor(), facility, property_id=buildings.get_property_id(), **form.values()
        )
        db.session.commit()
        return saved
    except DomainError as error:
        show_domain_error(form, error)
        return None


@bp.route("/facilities/new", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_FACILITIES)
def new_facility():
    """Add a facility to the register."""
    form = _facility_form()
    if request.method == "GET":
        form.first_due_on.data = today()
    facility = _save(form)
    if facility is not None:
        flash(_("Added: %(name)s.", name=facility.name), "success")
        return redirect(url_for("staff.show_facility", facility_id=facility.id), code=303)
    return render_template(
        "staff/facilities/edit.html", form=form, facility=None, defaults=register.DEFAULTS, kinds=register.KIND_LABELS
    ), (422 if request.method == "POST" else 200)


@bp.route("/facilities/<int:facility_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_FACILITIES)
def edit_facility(facility_id):
    """Change a facility's details, checker, interval or checklist."""
    facility = _facility(facility_id)
    check_facility(current_actor(), "edit", facility)
    form = _facility_form(obj=facility)
    if request.method == "GET":
        form.kind.data = facility.kind.value
        form.checker_role.data = facility.checker_role.value
        form.building_id.data = str(facility.building_id or "")
        form.checklist.data = "\n".join(facility.checklist)
        form.interval_days.data = str(facility.interval_days)
    if _save(form, facility) is not None:
        flash(_("Saved."), "success")
        return redirect(url_for("staff.show_facility", facility_id=facility.id), code=303)
    return render_template(
        "staff/facilities/edit.html",
        form=form,
        facility=facility,
        defaults=register.DEFAULTS,
        kinds=register.KIND_LABELS,
    ), (422 if request.method == "POST" else 200)


@bp.get("/facilities/<int:facility_id>")
@staff_permission(Permission.VIEW_FACILITIES)
def show_facility(facility_id):
    """A facility: details, next due, its checks with results and tickets (paged), and the actions open."""
    facility = _facility(facility_id)
    context = pages.facility_context(current_actor(), facility, _int_arg("after"))
    return render_page(
        "staff/facilities/show.html",
        "staff/facilities/_history.html",
        ticket_statuses=TICKET_STATUS_LABELS,
        **context,
    )


@bp.post("/facilities/<int:facility_id>/retire")
@staff_permission(Permission.MANAGE_FACILITIES)
def retire_facility(facility_id):
    """Take the facility out of service."""
    facility = _facility(facility_id)
    with flash_refusal():
        register.retire_facility(current_actor(), facility)
        db.session.commit()
        flash(_("Retired: its checks are no longer due."), "success")
    return redirect(url_for("staff.show_facility", facility_id=facility_id), code=303)


@bp.post("/facilities/<int:facility_id>/reinstate")
@staff_permission(Permission.MANAGE_FACILITIES)
def reinstate_facility(facility_id):
    """Put a retired facility back in service."""
    facility = _facility(facility_id)
    with flash_refusal():
        register.reinstate_facility(current_actor(), facility)
        db.session.commit()
        flash(_("Back in service."), "success")
    return redirect(url_for("staff.show_facility", facility_id=facility_id), code=303)


def _typed_answers(facility):
    """{item: "ok" | "fault"} as posted, one radio pair per checklist item (named by its place in the list, with the
    item's text beside it); None when the manager changed the checklist after the form was opened, so no answer is
    filed against an item it was not given for."""
    answers = {}
    for n, item in enumerate(facility.checklist):
        shown = request.form.get(f"item-{n}-text")
        if shown is not None and shown != item:
            return None
        answers[item] = request.form.get(f"item-{n}", "")
    if request.form.get(f"item-{len(facility.checklist)}-text") is not None:
        return None
    return answers


@bp.route("/facilities/<int:facility_id>/check", methods=["GET", "POST"])
@staff_permission(Permission.CHECK_FACILITIES)
def record_facility_check(facility_id):
    """The check form on a phone: ok or fault per item, a note, who did it, photos; a fault opens a repair ticket."""
    facility = _facility(facility_id)
    actor = current_actor()
    check_facility(actor, "record_check", facility)
    form = CheckForm()
    answers = _typed_answers(facility) if request.method == "POST" else {}
    if answers is None:
        form.validate()
        form.form_errors.append(
            _("The checklist was changed while you were checking: answer its items as they are now.")
        )
        answers = {}
    elif form.validate_on_submit():
        try:
            check = checks.record_check(
                actor,
                facility,
                answers=answers,
                note=form.note.data,
                done_by=form.done_by.data,
                files=request.files.getlist("photos"),
            )
            db.session.commit()
            if check.ticket_id:
                flash(_("Recorded. Repair ticket #%(id)s is waiting for the desk.", id=check.ticket_id), "success")
            else:
                flash(_("Recorded: all items OK."), "success")
            return redirect(url_for("staff.show_facility", facility_id=facility.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template(
        "staff/facilities/check.html",
        form=form,
        facility=facility,
        answers=answers,
        missing=request.method == "POST" and any(v not in (checks.OK, checks.FAULT) for v in answers.values()),
    ), (422 if request.method == "POST" else 200)


@bp.get("/facilities/<int:facility_id>/checks/<int:check_id>/photos/<int:photo_id>")
@staff_permission(Permission.VIEW_FACILITIES)
def facility_check_photo(facility_id, check_id, photo_id):
    """A check's photo (its preview with ?preview=1)."""
    facility = _facility(facility_id)
    check = db.session.get(FacilityCheck, check_id)
    if check is None or check.facility_id != facility.id:
        abort(404)
    photo = get_field_photo(checks.PHOTO_SUBJECT, check.id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")
