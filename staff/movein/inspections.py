"""Unit inspections (验房, SOP 2.4.3) in the console: engineering's list, the inspection page built for a phone (one
column, big OK/defect toggles per item through htmx, the camera for defects, the meters, the owner's requests, the
two signatures), the re-inspection, the PDF, and the manager's checklist. Each route calls one service."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from domain.accounts.models import User
from domain.accounts.roles import Permission, Role, can
from domain.accounts.services import staff_roles
from domain.archives.documents import open_document
from domain.archives.inspection_records import file_inspection_record
from domain.clock import from_local_input, local_date, today
from domain.dates import check_date
from domain.errors import DomainError
from domain.movein import inspections
from domain.movein.cases import get_case
from domain.movein.models import InspectionStatus
from domain.movein.workflow import inspection_actions, may_take_inspection_step
from domain.property.buildings import get_property_id
from domain.property.units import unit_labels
from domain.tickets.workflow import STATUS_LABELS as TICKET_STATUS_LABELS
from extensions import db
from staff import bp
from staff.movein.inspection_forms import (
    RESULT_LABELS,
    CancelInspectionForm,
    ItemForm,
    ReadingsForm,
    RequestsForm,
    ScheduleInspectionForm,
    SignForm,
    TemplateItemForm,
)
from web.auth import current_actor, staff_permission
from web.downloads import send_document, send_stored
from web.htmx import is_fragment_request, render_page
from web.refusals import flash_refusal, refuse_fragment, show_domain_error

#: The list's status filter: "open" is scheduled or under way.
STATUS_FILTERS = ("open", "scheduled", "in_progress", "signed", "cancelled")


def status_labels():
    """An inspection's status as people say it (for badges and the filter)."""
    return {
        "scheduled": pgettext("inspection status", "Scheduled"),
        "in_progress": pgettext("inspection status", "Under way"),
        "signed": pgettext("inspection status", "Signed"),
        "cancelled": pgettext("inspection status", "Cancelled"),
    }


def may_view():
    """Whether the signed-in person may see inspections: the inspectors, and the desk that runs the case."""
    return can(current_user.role, Permission.INSPECT_UNITS) or can(current_user.role, Permission.HANDLE_MOVE_IN)


def _require_viewer():
    """403 for staff who neither inspect nor run move-in cases."""
    if not may_view():
        abort(403)


def staff_choices(roles):
    """The choices "—" (0) and each of the active staff with one of `roles`, by name."""
    statement = staff_roles(roles).with_only_columns(User.id, User.display_name)
    users = db.session.execute(statement.order_by(User.display_name)).all()
    return [SelectChoice(0, "—"), *[SelectChoice(user_id, name) for user_id, name in users]]


def schedule_form(data=None, **defaults):
    """The scheduling form with the engineers and assistants to choose from."""
    form = ScheduleInspectionForm(data, **defaults) if data is not None else ScheduleInspectionForm(**defaults)
    form.engineer_id.choices = staff_choices({Role.ENGINEERING, Role.MANAGER})
    form.assistant_id.choices = staff_choices({Role.ASSISTANT, Role.MANAGER})
    return form


def may_schedule(actor):
    """Whether `actor` may put an inspection in the calendar (the inspectors and the desk)."""
    return actor.role is not None and Role(actor.role) in inspections.SCHEDULERS


def case_inspections(case):
    """What the case page's inspection panel shows: the case's inspections, and a scheduling form when one may be
    scheduled by the signed-in person (the case is open or completed and has no round-1 inspection in play)."""
    rows = inspections.inspections_of_case(case.id)
    in_play = any(i.round == 1 and i.status != InspectionStatus.CANCELLED for i in rows)
    allowed = may_schedule(current_actor()) and case.status in inspections.SCHEDULABLE_CASES and not in_play
    return {
        "inspections": rows,
        "form": schedule_form(formdata=None) if allowed else None,
        "labels": status_labels(),
        "can_open": may_view(),
    }


bp.add_app_template_global(case_inspections, "case_inspections")
# The ticket page links a defect's repair back to its inspection (patrol tickets only ask: see tickets/show.html).
bp.add_app_template_global(inspections.inspection_of_ticket, "inspection_of_ticket")


# Engineering's list ------------------------------------------------------------------------------------------------


def _list_filters():
    """The list's filters from the query string."""
    status = request.args.get("status", "open")
    day = request.args.get("day", "")
    try:
        chosen = check_date(date.fromisoformat(day)) if day else None
    except ValueError:  # not a date, or one outside the years that make sense (DateOutOfRange)
        chosen = None
    return {
        "status": status if status in STATUS_FILTERS else "open",
        "mine": request.args.get("mine") == "1",
        "day": day if chosen else "",
        "chosen": chosen,
    }


@bp.get("/move-in/inspections/")
@staff_permission(Permission.INSPECT_UNITS)
def list_inspections():
    """Engineering's inspections: today's and tomorrow's first, then the later ones (and any overdue); filters by
    status, day and "mine". htmx requests (a filter changed) get only the results."""
    filters = _list_filters()
    rows = inspections.list_inspections(
        get_property_id(),
        status=None if filters["status"] == "open" else filters["status"],
        engineer_id=current_user.id if filters["mine"] else None,
        day=filters["chosen"],
    )
    groups = _grouped(rows) if filters["status"] in ("open", "scheduled", "in_progress") else [("", rows)]
    return render_page(
        "staff/movein/inspections/index.html",
        "staff/movein/inspections/_results.html",
        groups=[(title, items) for title, items in groups if items],
        filters=filters,
        labels=status_labels(),
        units=unit_labels(r.unit_id for r in rows),
        people=_names({r.engineer_id for r in rows} | {r.assistant_id for r in rows}),
    )


def _grouped(rows):
    """Today's, tomorrow's, later and overdue inspections, in that order (the walk of the next two days first)."""
    now_day = today()
    groups = {"today": [], "tomorrow": [], "later": [], "overdue": []}
    for row in rows:
        day = local_date(row.scheduled_at) if row.scheduled_at else now_day
        if day == now_day or row.status == InspectionStatus.IN_PROGRESS:
            groups["today"].append(row)
        elif day == now_day + timedelta(days=1):
            groups["tomorrow"].append(row)
        elif day > now_day:
            groups["later"].append(row)
        else:
            groups["overdue"].append(row)
    return [
        (_("Today"), groups["today"]),
        (_("Tomorrow"), groups["tomorrow"]),
        (_("Later"), groups["later"]),
        (_("Overdue: not started on the day"), groups["overdue"]),
    ]


def _names(user_ids):
    """{user id: display name} for the given staff ids."""
    ids = [i for i in user_ids if i]
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


# One inspection ----------------------------------------------------------------------------------------------------


def _inspection(inspection_id):
    """The inspection of this property, or 404."""
    return inspections.get_inspection(inspection_id, get_property_id())


def _page_url(inspection, anchor=""):
    """The inspection page (at `anchor`)."""
    return url_for("staff.show_inspection", inspection_id=inspection.id) + (f"#{anchor}" if anchor else "")


def inspection_page(inspection, **forms):
    """Everything the inspection page renders; `forms` replaces the blank ones (a refused form keeps its input)."""
    actor = current_actor()
    actions = inspection_actions(actor, inspection)
    offered = inspections.reinspection_offered(inspection)
    water, electricity = inspection.water_reading_x100, inspection.electricity_reading_x100
    context = {
        "inspection": inspection,
        "case": inspection.case,
        "case_url": case_page_url(inspection.case),
        "unit": unit_labels([inspection.unit_id]).get(inspection.unit_id, ""),
        "actions": actions,
        "editable": "record" in actions,
        "labels": status_labels(),
        "results": RESULT_LABELS,
        "people": _names({inspection.engineer_id, inspection.assistant_id}),
        "tickets": dict((item.id, ticket) for item, ticket in inspections.defect_tickets(inspection)),
        "missing": inspections.missing_before_signing(inspection) if "sign" in actions else [],
        "signatures": inspections.inspection_signatures(inspection),
        "offered": offered and "reinspect" in actions,
        "next_round": inspections.next_round(inspection) if inspection.status == InspectionStatus.SIGNED else None,
        "previous": inspections.get_inspection(inspection.previous_id) if inspection.previous_id else None,
        "readings_form": ReadingsForm(water=_meter_input(water), electricity=_meter_input(electricity), formdata=None),
        "requests_form": RequestsForm(owner_requests=inspection.owner_requests, formdata=None),
        "sign_form": SignForm(owner_name=inspection.case.owner.name, formdata=None),
        "cancel_form": CancelInspectionForm(formdata=None),
        "reinspect_form": schedule_form(formdata=None) if offered else None,
        "ticket_statuses": TICKET_STATUS_LABELS,
    }
    context.update(forms)
    return context


def _meter_input(value):
    """A meter value (x 100) as the field shows it ("123.45"), or ""."""
    return "" if value is None else f"{value // 100}.{value % 100:02d}"


@bp.get("/move-in/inspections/<int:inspection_id>")
def show_inspection(inspection_id):
    """One inspection, for a phone: the checklist with big toggles, the meters, the owner's requests, signing."""
    _require_viewer()
    inspection = _inspection(inspection_id)
    return render_template("staff/movein/inspections/show.html", **inspection_page(inspection))


def _step(inspection, step, message, anchor=""):
    """Run a button's step (a service call), commit, flash, and go back to the page; refusals are flashed."""
    with flash_refusal():
        step()
        db.session.commit()
        flash(message, "success")
    return redirect(_page_url(inspection, anchor), code=303)


@bp.post("/move-in/inspections/<int:inspection_id>/start")
@staff_permission(Permission.INSPECT_UNITS)
def start_inspection(inspection_id):
    """Begin the walk."""
    inspection = _inspection(inspection_id)
    return _step(
        inspection, lambda: inspections.start_inspection(current_actor(), inspection), _("The inspection has begun.")
    )


def _submit(inspection, form, perform, done, *, form_name="", anchor="", refused=None, back=None):
    """Run a form's step: `perform(actor)` calls the service (it may return the inspection to go to next), then
    commit, flash `done` (a message, or a function giving one once the step is done) and go back to the page.
    A refusal of the step itself (not allowed, gone, wrong state) is flashed or toasted; bad input shows the
    inspection page again with the form as typed (or `refused()`, the page the form is on)."""
    try:
        target = perform(current_actor())
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404, 409):
            return refuse_fragment(error, back=back or _page_url(inspection, anchor))
        show_domain_error(form, error)
        if refused is not None:
            return refused(), 422
        page = inspection_page(inspection, **{form_name: form})
        return render_template("staff/movein/inspections/show.html", **page), 422
    flash(done() if callable(done) else done, "success")
    return redirect(_page_url(target or inspection, anchor), code=303)


@bp.post("/move-in/inspections/<int:inspection_id>/cancel")
@staff_permission(Permission.INSPECT_UNITS)
def cancel_inspection(inspection_id):
    """Call off a scheduled inspection, with a reason (a new one can then be scheduled)."""
    if not may_take_inspection_step(current_actor(), "cancel"):
        abort(403)
    inspection = _inspection(inspection_id)
    form = CancelInspectionForm()

    def perform(actor):
        inspections.cancel_inspection(actor, inspection, form.reason.data if form.validate() else "")

    return _submit(inspection, form, perform, _("The inspection is cancelled."), form_name="cancel_form")


@bp.post("/move-in/inspections/<int:inspection_id>/items/<int:item_id>")
@staff_permission(Permission.INSPECT_UNITS)
def record_inspection_item(inspection_id, item_id):
    """Record one item (OK, defect with a note and photos, N/A). htmx gets the item back, refused input kept in it."""
    inspection = _inspection(inspection_id)
    form = ItemForm()
    error_message = None
    try:
        inspections.record_item(
            current_actor(),
            inspection,
            item_id,
            result=form.result.data if form.validate() else "",
            note=form.note.data or "",
            photos=request.files.getlist("photos"),
        )
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404, 409):
            return refuse_fragment(error, back=_page_url(inspection, f"item-{item_id}"))
        db.session.rollback()
        error_message = str(error.message)
    item = next((i for i in inspection.items if i.id == item_id), None)
    if item is None:
        abort(404)
    if not is_fragment_request():
        if error_message:
            flash(error_message, "error")
        return redirect(_page_url(inspection, f"item-{item_id}"), code=303)
    return render_page(
        "staff/movein/inspections/_item.html",
        item=item,
        inspection=inspection,
        editable=True,
        results=RESULT_LABELS,
        tickets={},
        ticket_statuses=TICKET_STATUS_LABELS,
        error=error_message,
        typed={"result": form.result.data, "note": form.note.data} if error_message else None,
        trigger="inspectionUpdated" if not error_message else None,
    )


@bp.post("/move-in/inspections/<int:inspection_id>/readings")
@staff_permission(Permission.INSPECT_UNITS)
def record_inspection_readings(inspection_id):
    """The water and electricity meters at hand-over; bad input is shown next to the field, as typed."""
    inspection = _inspection(inspection_id)
    form = ReadingsForm()

    def perform(actor):
        if not form.validate():
            raise DomainError(_("Check the meter readings."), field="readings")
        inspections.record_readings(
            actor,
            inspection,
            water_x100=getattr(form.water, "x100", None),  # a blank field stops before TwoDecimals sets it
            electricity_x100=getattr(form.electricity, "x100", None),
        )

    return _submit(inspection, form, perform, _("Meter readings saved."), form_name="readings_form", anchor="readings")


@bp.post("/move-in/inspections/<int:inspection_id>/requests")
@staff_permission(Permission.INSPECT_UNITS)
def record_owner_requests(inspection_id):
    """What the owner asked for on the spot."""
    inspection = _inspection(inspection_id)
    form = RequestsForm()

    def perform(actor):
        if not form.validate():
            raise DomainError(_("Keep it under %(count)s characters.", count=4000), field="owner_requests")
        inspections.record_requests(actor, inspection, form.owner_requests.data or "")

    done = _("The owner's requests are saved.")
    return _submit(inspection, form, perform, done, form_name="requests_form", anchor="requests")


@bp.post("/move-in/inspections/<int:inspection_id>/sign")
@staff_permission(Permission.INSPECT_UNITS)
def sign_inspection(inspection_id):
    """Owner and staff sign: the record is final, defects go to engineering as repairs, the PDF is filed."""
    inspection = _inspection(inspection_id)
    form = SignForm()

    def perform(actor):
        try:
            inspections.sign_inspection(
                actor,
                inspection,
                owner_name=form.owner_name.data if form.validate() else "",
                owner_signature=request.form.get("owner_signature", ""),
                staff_signature=request.form.get("staff_signature", ""),
            )
        except DomainError as error:
            if error.field in ("signature", "staff_signature", "items"):
                form.form_errors.append(str(error.message))
            raise
        file_inspection_record(actor, inspection)

    def done():
        defects = sum(1 for item in inspection.items if item.ticket_id)
        if defects:
            return _("Signed and filed. %(count)s repair ticket(s) sent to engineering.", count=defects)
        return _("Signed and filed: everything was in order.")

    return _submit(inspection, form, perform, done, form_name="sign_form", anchor="sign")


@bp.post("/move-in/inspections/<int:inspection_id>/reinspection")
def schedule_reinspection(inspection_id):
    """The second inspection of the defects, once every repair is done."""
    _require_viewer()
    inspection = _inspection(inspection_id)
    form = schedule_form()

    def perform(actor):
        if not form.validate():
            raise DomainError(_("Enter a date and time."), field="scheduled_at")
        again = inspections.schedule_reinspection(
            actor,
            inspection,
            from_local_input(form.scheduled_at.data),
            engineer_id=form.engineer_id.data or None,
            assistant_id=form.assistant_id.data or None,
        )
        return again

    return _submit(inspection, form, perform, _("The re-inspection is scheduled."), form_name="reinspect_form")


@bp.post("/move-in/cases/<int:case_id>/inspections")
def schedule_inspection(case_id):
    """Put the case's inspection in the calendar (from the case page); a refused form is shown on this page."""
    _require_viewer()
    case = get_case(case_id, get_property_id())
    form = schedule_form()

    def perform(actor):
        if not form.validate():
            raise DomainError(_("Enter a date and time."), field="scheduled_at")
        inspection = inspections.schedule_inspection(
            actor,
            case,
            from_local_input(form.scheduled_at.data),
            engineer_id=form.engineer_id.data or None,
            assistant_id=form.assistant_id.data or None,
        )
        return inspection

    def refused():
        return render_template("staff/movein/inspections/schedule.html", case=case, form=form, unit=case.unit.label)

    done = _("The inspection is scheduled.")
    return _submit(None, form, perform, done, refused=refused, back=case_page_url(case))


def case_page_url(case):
    """The move-in case page."""
    return url_for("staff.show_move_in", case_id=case.id)


@bp.get("/move-in/inspections/<int:inspection_id>/record.pdf")
def download_inspection_record(inspection_id):
    """The signed 验房记录表 (PDF), to who may see it; the owner's file logs the download."""
    _require_viewer()
    inspection = _inspection(inspection_id)
    if inspection.document_id is None:
        abort(404)
    document = open_document(current_actor(), inspection.document_id, "download")
    db.session.commit()
    return send_document(document)


@bp.get("/move-in/inspections/<int:inspection_id>/photos/<int:photo_id>")
def show_inspection_photo(inspection_id, photo_id):
    """A defect's photo (its preview with ?preview=1)."""
    _require_viewer()
    inspection = _inspection(inspection_id)
    photo = inspections.get_photo(inspection.id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")


# The manager's checklist -------------------------------------------------------------------------------------------


def _template_page(add_form=None, edit_forms=None, status=200):
    """The checklist editor: every line (retired ones too) with its own form, and a form to add one."""
    property_id = get_property_id()
    items = inspections.template_items(property_id, active_only=False)
    if not items:
        inspections.ensure_inspection_template(property_id)
        db.session.commit()
        items = inspections.template_items(property_id, active_only=False)
    edit_forms = edit_forms or {}
    forms = [
        (
            item,
            edit_forms.get(item.id)
            or TemplateItemForm(
                area=item.area, name=item.name, position=item.position, is_active=item.is_active, formdata=None
            ),
        )
        for item in items
    ]
    return render_template(
        "staff/movein/inspections/template.html", forms=forms, add_form=add_form or TemplateItemForm(formdata=None)
    ), status


@bp.get("/move-in/inspections/template")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def edit_inspection_template():
    """The manager's inspection checklist (per room and system); inspections already scheduled keep theirs."""
    return _template_page()


@bp.post("/move-in/inspections/template")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def add_inspection_template_item():
    """Add a line at the end of the checklist."""
    form = TemplateItemForm()
    try:
        if not form.validate():
            raise DomainError(_("Check the line."), field="")
        inspections.add_template_item(current_actor(), get_property_id(), area=form.area.data, name=form.name.data)
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)
        return _template_page(add_form=form, status=422)
    flash(_("Line added to the checklist."), "success")
    return redirect(url_for("staff.edit_inspection_template"), code=303)


@bp.post("/move-in/inspections/template/<int:item_id>")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def update_inspection_template_item(item_id):
    """Change a line of the checklist (text, order, in use or retired)."""
    form = TemplateItemForm()
    try:
        if not form.validate():
            raise DomainError(_("Check the line."), field="")
        inspections.update_template_item(
            current_actor(),
            get_property_id(),
            item_id,
            area=form.area.data,
            name=form.name.data,
            position=form.position.data if form.position.data is not None else 0,
            is_active=form.is_active.data,
        )
        db.session.commit()
    except DomainError as error:
        if error.status_code == 404:
            abort(404)
        show_domain_error(form, error)
        return _template_page(edit_forms={item_id: form}, status=422)
    flash(_("Checklist line saved."), "success")
    return redirect(url_for("staff.edit_inspection_template") + f"#line-{item_id}", code=303)
