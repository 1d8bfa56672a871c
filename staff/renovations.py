"""Renovation applications in the console (SOP 12): the list by status, one application with the steps the
signed-in person may take (the desk's check, engineering's review, the manager's decision, the permit), the
printable permit with its QR code, and the gate check behind that code."""

from io import BytesIO

from flask import flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Permission
from domain.clock import local_text, today
from domain.dates import DateOutOfRange, parse_iso_date
from domain.errors import DomainError, NotFound
from domain.exports import Column
from domain.money import NotAnAmount, yuan_to_fen
from domain.payments.providers import get_provider
from domain.property.units import unit_labels
from domain.renovation import applications, documents, events, inspections, permits, review, workers, workflow
from domain.renovation.applications import SCOPE_LABELS
from domain.renovation.models import RenovationStatus
from domain.tickets.desk import resident_contacts
from extensions import db
from staff import bp
from web.auth import current_actor, staff_permission
from web.downloads import send_document, send_private_file
from web.exports import export_response
from web.forms import amount_refusal
from web.permit_pdf import permit_pdf
from web.refusals import refusal_message

#: The list's filters (see domain.renovation.review.for_staff).
FILTERS = ("open", "overdue", "violations", *(s.value for s in RenovationStatus), "any")


def _after(application_id, change, done_message, typed=None):
    """Run one change of an application and commit; the page again with the message when it is refused (403 and
    404 stay errors), with what was `typed` (the posted form) and the refused field marked."""
    application = _submitted(application_id)
    try:
        change(application)
        db.session.commit()
    except DomainError as error:
        message = refusal_message(error)
        if error.status_code in (403, 404):
            raise
        return _page(_submitted(application_id), error=message, status=422, typed=typed, error_field=error.field)
    flash(done_message, "success")
    return redirect(url_for("staff.show_renovation", application_id=application_id), code=303)


@bp.route("/renovations/")
@staff_permission(Permission.VIEW_RENOVATIONS)
def list_renovations():
    """Applications by status (open ones by default; drafts are the residents' own until submitted)."""
    wanted = _wanted()
    listed = review.for_staff(wanted, today=today())
    return render_template(
        "staff/renovations/index.html",
        applications=listed,
        wanted=wanted,
        filters=FILTERS,
        labels=unit_labels({a.unit_id for a in listed}),
        today=today(),
    )


def _wanted():
    """The list's filter from the query string (the page's and its export's); open applications by default."""
    wanted = request.args.get("status", "open")
    return wanted if wanted in FILTERS else "open"


@bp.route("/renovations/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.VIEW_RENOVATIONS)
def export_renovations(fmt):
    """Every application of the list under its filter, with the page's columns."""
    row_count, rows = review.export_for_staff(_wanted(), today=today())
    statuses = get_template_attribute("portal/renovations/_status.html", "renovation_status")
    return export_response(
        fmt,
        name="renovations",
        title=_l("Renovations"),
        columns=(
            Column("#", "int", 8),
            Column(_l("Unit"), width=10),
            Column(_l("Status"), width=22),
            Column(_l("Planned start"), "date", 12),
            Column(_l("Planned end"), "date", 12),
            Column(_l("Contractor (company)"), width=24),
            Column(_l("Submitted"), "datetime", 17),
        ),
        rows=((id_, label, statuses[status.value], *rest) for id_, label, status, *rest in rows),
        row_count=row_count,
    )


def _submitted(application_id):
    """An application the staff may see: a draft is the resident's own until submitted (404)."""
    application = applications.get_application(application_id)
    if application.status == RenovationStatus.DRAFT:
        raise NotFound()
    return application


def _page(application, *, error=None, status=200, typed=None, error_field=None):
    """One application with the steps the signed-in person may take now (a refused form keeps what was `typed`)."""
    actor = current_actor()
    steps = review.allowed_actions(actor, application)
    return render_template(
        "staff/renovations/show.html",
        application=application,
        steps=steps,
        error=error,
        typed=typed or {},
        error_field=error_field,
        timeline=events.timeline(application),
        scope_labels=SCOPE_LABELS,
        unit_label=unit_labels([application.unit_id]).get(application.unit_id, ""),
        applicant=resident_contacts([application.resident_id]).get(application.resident_id, ("", "")),
        paid=permits.deposit_paid(application) if application.deposit_bill_id else False,
        permit_code=permits.permit_code(application)
        if application.status == RenovationStatus.PERMITTED and application.permit_issued_at
        else None,
        needs_note=workflow.NEEDS_NOTE,
        under_way=application.status in workflow.UNDER_WAY,
        inspector=workflow.is_inspector(actor),
        violations=inspections.violations_of(application),
        inspections=inspections.inspections_of(application),
        fines=inspections.fines_fen(application),
        violation_labels=inspections.VIOLATION_LABELS,
        checklist_labels=inspections.CHECKLIST_LABELS,
        today=today(),
        pass_keeper=workers.may_keep_passes(actor, application),
    ), status


@bp.route("/renovations/<int:application_id>")
@staff_permission(Permission.VIEW_RENOVATIONS)
def show_renovation(application_id):
    """One application: scope, contractor, workers, drawings, timeline, and the next steps."""
    return _page(_submitted(application_id))


@bp.route("/renovations/<int:application_id>/step", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def take_renovation_step(application_id):
    """Take one step of the review (the table in domain/renovation/workflow.py says who may take which)."""
    action, note = request.form.get("action", ""), request.form.get("note", "")

    def step(application):
        if action == "approve":
            review.approve(current_actor(), application, note=note, today=today())
        elif action == "issue_permit":
            permits.issue_permit(current_actor(), application)
        else:
            review.take_step(current_actor(), application, action, note=note)

    return _after(application_id, step, _("Done."))


@bp.route("/renovations/<int:application_id>/documents/<int:document_id>")
@staff_permission(Permission.VIEW_RENOVATIONS)
def renovation_document(application_id, document_id):
    """One of the application's drawings or documents."""
    application = _submitted(application_id)
    return send_document(documents.get_document(application, document_id))


@bp.route("/renovations/<int:application_id>/permit")
@staff_permission(Permission.VIEW_RENOVATIONS)
def renovation_permit(application_id):
    """The printable permit (装修许可证) with the QR code security scans at the gate."""
    application = _submitted(application_id)
    if application.status != RenovationStatus.PERMITTED:
        return _page(application, error=_("No permit has been issued for this application."), status=409)
    code = permits.permit_code(application)
    return render_template(
        "staff/renovations/permit.html",
        application=application,
        scope_labels=SCOPE_LABELS,
        unit_label=unit_labels([application.unit_id]).get(application.unit_id, ""),
        check_url=url_for("staff.check_permit", code=code, _external=True),
    )


@bp.route("/renovations/permit/<code>")
@staff_permission(Permission.CHECK_PERMITS)
def check_permit(code):
    """The gate check: whether the scanned permit is valid today, and who the registered workers are."""
    application, reason = permits.check_permit(code, today())
    return render_template(
        "staff/renovations/gate.html",
        application=application,
        reason=reason,
        today=today(),
        unit_label=unit_labels([application.unit_id]).get(application.unit_id, "") if application else "",
    ), (200 if application else 404)


@bp.route("/renovations/<int:application_id>/revoke-permit", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def revoke_renovation_permit(application_id):
    """Stop a permit working at the gate, with the reason."""
    return _after(
        application_id,
        lambda a: permits.revoke_permit(current_actor(), a, note=request.form.get("note", "")),
        _("The permit no longer works at the gate."),
    )


# During and after the works ------------------------------------------------------------------------


@bp.route("/renovations/<int:application_id>/inspections", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def inspect_renovation(application_id):
    """Record a visit during the works, with photos."""
    return _after(
        application_id,
        lambda a: inspections.record_inspection(
            current_actor(), a, findings=request.form.get("findings", ""), photos=request.files.getlist("photos")
        ),
        _("Inspection recorded."),
    )


@bp.route("/renovations/<int:application_id>/violations", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def record_renovation_violation(application_id):
    """Record a violation: kind, what, the deadline to put it right, and the fine."""

    def change(application):
        inspections.require_inspector(current_actor())  # before reading the form: refusals come first
        try:
            deadline = parse_iso_date(request.form.get("deadline", ""))
        except DateOutOfRange as error:
            error.field = "deadline"
            raise
        except ValueError:
            raise DomainError(_("Give the deadline as a date."), field="deadline") from None
        try:
            fine = yuan_to_fen(request.form.get("fine", "") or "0")
        except NotAnAmount as error:
            raise DomainError(amount_refusal(error, _("Write an amount like 50 or 50.00.")), field="fine") from None
        inspections.record_violation(
            current_actor(),
            application,
            kind=request.form.get("kind", ""),
            description=request.form.get("description", ""),
            deadline=deadline,
            fine_fen=fine,
            today=today(),
        )

    return _after(application_id, change, _("Violation recorded; the resident has been told."), typed=request.form)


@bp.route("/renovations/<int:application_id>/violations/<int:violation_id>", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def resolve_renovation_violation(application_id, violation_id):
    """The follow-up of a violation: rectified, or waived with the reason."""
    return _after(
        application_id,
        lambda a: inspections.resolve_violation(
            current_actor(), a, violation_id, outcome=request.form.get("outcome", ""), note=request.form.get("note", "")
        ),
        _("Saved."),
    )


@bp.route("/renovations/<int:application_id>/acceptance", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def accept_renovation(application_id):
    """The acceptance inspection (验收) with its checklist."""
    return _after(
        application_id,
        lambda a: inspections.accept(
            current_actor(),
            a,
            checklist={key: key in request.form.getlist("checklist") for key in inspections.CHECKLIST},
            findings=request.form.get("findings", ""),
        ),
        _("Acceptance inspection recorded."),
    )


@bp.route("/renovations/<int:application_id>/refund", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def refund_renovation_deposit(application_id):
    """Give the deposit back minus the fines, once, through the payment that paid it."""
    return _after(
        application_id,
        lambda a: inspections.refund_deposit(current_actor(), a, provider=get_provider()),
        _("The deposit refund is on its way."),
    )


def permit_pdf_of(application):
    """The permit's PDF as it reads now (the route prints it; the owner's file keeps it as issued)."""
    code = permits.permit_code(application)
    with force_locale("zh_Hans_CN"):
        scope = "、".join(str(SCOPE_LABELS.get(key, key)) for key in application.scope or ())
    return permit_pdf(
        number=application.id,
        unit_label=unit_labels([application.unit_id]).get(application.unit_id, ""),
        scope=scope,
        dates=f"{application.planned_start or ''} 至 {application.planned_end or ''}",
        hours=application.hours,
        contractor=f"{application.contractor_company}（{application.contractor_licence}）",
        person=f"{application.contractor_person} {application.contractor_phone}",
        workers=[f"{w.name} {w.id_number_masked}" for w in application.workers if w.revoked_at is None],
        issued=local_text(application.permit_issued_at, "%Y-%m-%d") if application.permit_issued_at else "",
        check_url=url_for("staff.check_permit", code=code, _external=True),
    )


@bp.route("/renovations/<int:application_id>/permit.pdf")
@staff_permission(Permission.VIEW_RENOVATIONS)
def renovation_permit_pdf(application_id):
    """The permit as a PDF to print or send (in Chinese, as it hangs on the unit's door)."""
    application = _submitted(application_id)
    if application.status != RenovationStatus.PERMITTED:
        raise NotFound()
    body = permit_pdf_of(application)
    return send_private_file(BytesIO(body), mimetype="application/pdf", download_name=f"permit-{application.id}.pdf")


@bp.route("/renovations/<int:application_id>/workers", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def add_renovation_worker_pass(application_id):
    """Add a worker pass during the works."""
    return _after(
        application_id,
        lambda a: workers.add_worker_pass(
            current_actor(),
            a,
            name=request.form.get("worker_name", ""),
            phone=request.form.get("worker_phone", ""),
            id_number=request.form.get("worker_id", ""),
        ),
        _("The worker's pass is added."),
    )


@bp.route("/renovations/<int:application_id>/workers/<int:worker_id>/revoke", methods=["POST"])
@staff_permission(Permission.VIEW_RENOVATIONS)
def revoke_renovation_worker_pass(application_id, worker_id):
    """Revoke a worker's pass."""
    return _after(
        application_id,
        lambda a: workers.revoke_worker_pass(current_actor(), a, worker_id),
        _("The worker's pass is revoked."),
    )
