"""Move-in cases at the desk before the day (SOP 2.4.1-2.4.2): the list, a case typed or imported from the developer's
handover list, the case page (its actions from the workflow, the registration form's people, the timeline), the
printed invitation, the appointment and the manager's cancellation."""

from datetime import UTC, datetime, timedelta
from io import BytesIO

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import today
from domain.dates import parse_iso_date
from domain.errors import DomainError, InvalidTransition
from domain.movein import appointments, cases, importing, invitations, registration
from domain.property.buildings import get_property, get_property_id, list_buildings
from domain.property.units import find_unit
from extensions import db
from staff import bp
from staff.movein.forms import CancelForm, CaseForm, ImportForm, PersonForm
from staff.movein.pages import FILTERS, STATUS_BADGES, STATUS_LABELS, case_context, people_context
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file
from web.guards import id_arg
from web.htmx import is_fragment_request, render_page
from web.refusals import flash_refusal, refusal_message, refuse_fragment, show_domain_error

#: How many days ahead the desk's slot picker offers.
BOOKING_DAYS = 14


def _case(case_id):
    """A case of this property, or 404."""
    return cases.get_case(case_id, get_property_id())


def _day_arg(name):
    """A ?day=YYYY-MM-DD argument, or None when absent or not a sensible date."""
    try:
        return parse_iso_date(request.args.get(name, "")) if request.args.get(name) else None
    except ValueError:
        return None


@bp.get("/move-in/")
@staff_permission(Permission.HANDLE_MOVE_IN)
def list_move_ins():
    """The cases: open ones by default, filtered by status, building, planned day and a search; paged by key. htmx
    asks for the rows alone as the filters change."""
    property_id = get_property_id()
    status = request.args.get("status", "open")
    status = status if status in FILTERS else "open"
    building_id = id_arg("building")
    planned_on = _day_arg("day")
    q = request.args.get("q", "").strip()[:60]
    page = cases.list_cases(
        property_id,
        status=None if status == "any" else status,
        building_id=building_id,
        planned_on=planned_on,
        q=q,
        after=id_arg("after"),
    )
    return render_page(
        "staff/movein/index.html",
        "staff/movein/_rows.html",
        page=page,
        wanted=status,
        filters=FILTERS,
        buildings=list_buildings(),
        building_id=building_id,
        planned_on=planned_on,
        q=q,
        status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES,
        counts=cases.status_counts(property_id),
    )


@bp.route("/move-in/new", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_MOVE_IN)
def create_move_in():
    """Type one case from the developer's handover notice (入住通知书)."""
    form = CaseForm()
    if form.validate_on_submit():
        try:
            unit = find_unit(form.unit_label.data)
            case = cases.create_case(
                current_actor(),
                unit_id=unit.id,
                owner_name=form.owner_name.data,
                owner_phone=form.owner_phone.data,
                owner_email=form.owner_email.data,
                planned_on=form.planned_on.data,
                notice_number=form.notice_number.data,
            )
            db.session.commit()
        except DomainError as error:
            if error.field == "unit":
                error.field = "unit_label"
            show_domain_error(form, error)
        else:
            flash(_("The move-in case of %(unit)s is open.", unit=unit.label), "success")
            return redirect(url_for("staff.show_move_in", case_id=case.id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("staff/movein/new.html", form=form), status


@bp.route("/move-in/import", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_MOVE_IN)
def import_move_ins():
    """Upload the developer's handover list; either every row becomes a case, or none does and the bad lines are
    listed by number."""
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        result = importing.import_handover_list(current_actor(), form.file.data.read(), get_property_id())
        if result.ok:
            db.session.commit()
            flash(_("Imported %(n)s move-in cases.", n=result.created), "success")
            return redirect(url_for("staff.list_move_ins"), code=303)
        db.session.rollback()
    status = 422 if form.errors or (result and not result.ok) else 200
    return (
        render_template("staff/movein/import.html", form=form, result=result, template_csv=importing.TEMPLATE_CSV),
        status,
    )


@bp.get("/move-in/import/template.csv")
@staff_permission(Permission.HANDLE_MOVE_IN)
def move_in_import_template():
    """The handover list's CSV template, with a UTF-8 BOM so that Excel opens the Chinese header correctly."""
    data = BytesIO(("\ufeff" + importing.TEMPLATE_CSV).encode("utf-8"))
    response = send_private_file(data, mimetype="text/csv", download_name="move-in-list.csv", as_attachment=True)
    response.headers["Cache-Control"] = "no-store"  # as every console page
    return response


def _case_page(case, *, status=200, **context):
    """The case page with the actions the signed-in person may take."""
    return render_template("staff/movein/case.html", **case_context(case, current_actor(), **context)), status


@bp.get("/move-in/<int:case_id>")
@staff_permission(Permission.HANDLE_MOVE_IN)
def show_move_in(case_id):
    """One case: unit, owner, status, appointment, the steps one may take, the form's people, the timeline."""
    return _case_page(_case(case_id))


def _portal_invitation_url():
    """Where the owner redeems the code (the portal's invitation page), as a full address."""
    return url_for("portal.redeem_invitation", _external=True)


@bp.post("/move-in/<int:case_id>/invite")
@staff_permission(Permission.HANDLE_MOVE_IN)
def invite_move_in(case_id):
    """Issue the owner a new one-time code and show the printable invitation (the code is shown this once)."""
    case = _case(case_id)
    portal_url = _portal_invitation_url()
    try:
        code = invitations.issue_invitation(current_actor(), case, portal_url=portal_url)
        db.session.commit()
    except DomainError as error:
        if error.status_code == 403:
            raise
        return _case_page(_case(case_id), status=error.status_code, error=refusal_message(error))
    response = make_response(
        render_template(
            "staff/movein/invitation.html",
            case=case,
            code=invitations.grouped(code),
            portal_url=portal_url,
            expires_at=case.invitation_expires_at,
            prop=get_property(),
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the code must not stay in a cache or the history
    return response


@bp.post("/move-in/<int:case_id>/receive")
@staff_permission(Permission.HANDLE_MOVE_IN)
def receive_move_in(case_id):
    """The owner (or their proxy) is at the desk."""
    case = _case(case_id)
    with flash_refusal():
        cases.receive(current_actor(), case)
        db.session.commit()
        flash(_("%(unit)s is at the desk.", unit=case.unit.label), "success")
    return redirect(url_for("staff.show_move_in", case_id=case_id), code=303)


@bp.post("/move-in/<int:case_id>/cancel")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def cancel_move_in(case_id):
    """The manager cancels a case, with a reason; a refusal shows the case page again with the reason kept."""
    case = _case(case_id)
    form = CancelForm()
    try:
        cases.cancel(current_actor(), case, form.reason.data)
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        show_domain_error(form, error)
        return _case_page(_case(case_id), status=422, cancel_form=form)
    flash(_("The case is cancelled."), "success")
    return redirect(url_for("staff.show_move_in", case_id=case_id), code=303)


# The appointment ----------------------------------------------------------------------------------------------------


def _slot_page(case, day, *, error=None, status=200):
    """The slot picker for `day`: the next BOOKING_DAYS days and that day's open slots."""
    first = today()
    days = [first + timedelta(days=n) for n in range(BOOKING_DAYS)]
    return render_template(
        "staff/movein/book.html",
        case=case,
        day=day,
        days=days,
        slots=appointments.open_slots(case.property_id, day),
        error=error,
        status_labels=STATUS_LABELS,
    ), status


@bp.route("/move-in/<int:case_id>/book", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_MOVE_IN)
def book_move_in(case_id):
    """Book the case into a slot at the desk (?day= chooses the day)."""
    case = _case(case_id)
    day = _day_arg("day") or today()
    if request.method == "GET":
        return _slot_page(case, day)
    try:
        at = datetime.fromisoformat(request.form.get("slot", "")).astimezone(UTC)
    except ValueError:
        return _slot_page(case, day, error=_("Choose one of the offered times."), status=422)
    try:
        appointments.book_appointment(current_actor(), case, at)
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        return _slot_page(_case(case_id), day, error=refusal_message(error), status=422)
    flash(_("The appointment is booked."), "success")
    return redirect(url_for("staff.show_move_in", case_id=case_id), code=303)


# The registration form's people --------------------------------------------------------------------------------------


def _people_answer(case, *, form=None, editing=None, status=200, changed=False):
    """The people region alone for htmx (announcing a change), else the whole case page."""
    if is_fragment_request():
        return render_page(
            "staff/movein/case.html",
            "staff/movein/_people.html",
            status=status,
            trigger="moveInPeopleChanged" if changed else None,
            **people_context(case, current_actor(), form=form, editing=editing),
        )
    return _case_page(case, status=status, person_form=form, editing=editing)


def _save(case_id, person_id=None):
    """Add or change a person; a refusal shows the form again with what was typed."""
    case = _case(case_id)
    form = PersonForm()
    editing = person_id
    if form.validate_on_submit():
        try:
            registration.save_person(current_actor(), case, person_id, **form.values())
            db.session.commit()
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            if isinstance(error, InvalidTransition):
                form.form_errors.append(refusal_message(error))
            else:
                show_domain_error(form, error)
        else:
            if not is_fragment_request():
                flash(_("The registration form is saved."), "success")
                return redirect(url_for("staff.show_move_in", case_id=case_id, _anchor="people"), code=303)
            return _people_answer(_case(case_id), changed=True)
    return _people_answer(_case(case_id), form=form, editing=editing, status=422)


@bp.post("/move-in/<int:case_id>/people")
@staff_permission(Permission.HANDLE_MOVE_IN)
def add_move_in_person(case_id):
    """Add a household member to the registration form."""
    return _save(case_id)


@bp.route("/move-in/<int:case_id>/people/<int:person_id>", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_MOVE_IN)
def edit_move_in_person(case_id, person_id):
    """Change a person on the form: GET opens the form filled in (the people region for htmx), POST saves."""
    if request.method == "POST":
        return _save(case_id, person_id)
    case = _case(case_id)
    person = next((p for p in registration.people_of(case) if p.id == person_id), None)
    if person is None:
        return _case_page(case, status=404, error=_("Not found."))
    form = PersonForm(formdata=None, obj=person)
    form.id_number.data = ""
    return _people_answer(case, form=form, editing=person_id)


@bp.post("/move-in/<int:case_id>/people/<int:person_id>/remove")
@staff_permission(Permission.HANDLE_MOVE_IN)
def remove_move_in_person(case_id, person_id):
    """Take a household member off the form."""
    case = _case(case_id)
    try:
        registration.remove_person(current_actor(), case, person_id)
        db.session.commit()
    except DomainError as error:
        return refuse_fragment(error, back=url_for("staff.show_move_in", case_id=case_id, _anchor="people"))
    if is_fragment_request():
        return _people_answer(_case(case_id), changed=True)
    flash(_("Removed from the form."), "success")
    return redirect(url_for("staff.show_move_in", case_id=case_id, _anchor="people"), code=303)
