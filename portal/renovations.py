"""Renovation applications for residents: start one for their unit, fill it in (scope, contractor, workers,
dates, hours, drawings), sign and submit it, answer questions, and follow it through review to the permit."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from domain.clock import today
from domain.errors import DomainError, NotFound
from domain.property.occupancies import resident_unit_ids
from domain.property.residents import resident_for_user
from domain.property.units import unit_labels
from domain.renovation import applications, documents, events, inspections, permits, review, workflow
from domain.renovation.applications import SCOPE_LABELS
from domain.renovation.models import RenovationStatus
from extensions import db
from portal import bp
from portal.renovation_forms import ApplicationForm, DocumentsForm, NoteForm, StartForm, SubmitForm, WorkerForm
from web.auth import current_actor
from web.downloads import send_document
from web.refusals import flash_domain_error, show_domain_error


def _resident():
    """The signed-in resident and the ids of the units they live in now."""
    resident = resident_for_user(current_user)
    return resident, resident_unit_ids(resident.id, today())


def _start_form(units, data=None):
    """The form to start an application, for one of the resident's units."""
    form = StartForm(formdata=data) if data is not None else StartForm()
    form.unit_id.choices = sorted(unit_labels(units).items(), key=lambda pair: pair[1])
    return form


@bp.get("/renovations")
def list_renovations():
    """The resident's applications, newest first, and a button to start one."""
    resident, units = _resident()
    mine = applications.applications_of(resident.id)
    return render_template(
        "portal/renovations/index.html",
        applications=mine,
        form=_start_form(units),
        labels=unit_labels({a.unit_id for a in mine} | units),
    )


@bp.post("/renovations")
def start_renovation():
    """Open a draft for one of the resident's units."""
    resident, units = _resident()
    form = _start_form(units, data=request.form)
    try:
        application = applications.start_application(
            current_actor(),
            property_id=resident.property_id,
            resident_id=resident.id,
            unit_id=form.unit_id.data,
            allowed_units=units,
        )
        db.session.commit()
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("portal.list_renovations"), code=303)
    return redirect(url_for("portal.show_renovation", application_id=application.id), code=303)


def _page(
    application, *, form=None, worker_form=None, documents_form=None, submit_form=None, note_form=None, status=200
):
    """The application with every form the resident may use now (as typed, when a POST is shown again)."""
    editable = application.status in workflow.EDITABLE
    actions = review.allowed_actions(current_actor(), application)
    if form is None:
        form = ApplicationForm(formdata=None, obj=application)
    return render_template(
        "portal/renovations/show.html",
        application=application,
        editable=editable,
        form=form,
        worker_form=worker_form or WorkerForm(formdata=None),
        documents_form=documents_form or DocumentsForm(formdata=None),
        submit_form=submit_form or SubmitForm(formdata=None),
        note_form=note_form or NoteForm(formdata=None),
        timeline=events.timeline(application),
        scope_labels=SCOPE_LABELS,
        unit_label=unit_labels([application.unit_id]).get(application.unit_id, ""),
        may_cancel="cancel" in actions,
        may_report_completion="report_completion" in actions,
        violations=inspections.violations_of(application),
        violation_labels=inspections.VIOLATION_LABELS,
        may_submit="submit" in actions,
    ), status


def _mine(application_id):
    """The signed-in resident and their application (404 for anyone else's)."""
    resident = resident_for_user(current_user)
    return resident, applications.get_resident_application(resident.id, application_id)


def _typed(name):
    """Whether the resident typed something into this field of the page."""
    return bool((request.form.get(name) or "").strip())


#: The session key of a signature typed but not yet submitted, kept for the page shown after another button.
_SIGNATURE = "renovation_signature"
#: Where each action leaves the resident on the page, and what they are told.
_AFTER = {
    "save": ("", _l("Saved.")),
    "add_worker": ("workers", None),
    "remove_worker": ("workers", None),
    "documents": ("drawings", None),
    "comment": ("timeline", None),
    "submit": ("", _l("Sent for review. We will tell you here when there is news.")),
}


def _act(application_id, action, *, worker_id=None):
    """One button of the application's page. While the application is the resident's to edit, the whole page is one
    form: every button sends everything typed (the plan, a worker, drawings, the signature, a message), which is
    saved with the button's own action, all or nothing; a refusal shows the page again with every typed value."""
    resident, application = _mine(application_id)
    forms = {
        "form": ApplicationForm(),
        "worker_form": WorkerForm(),
        "documents_form": DocumentsForm(),
        "submit_form": SubmitForm(),
        "note_form": NoteForm(),
    }
    # The page's one form carries the plan (marked by draft_form); a lone form of one button does not.
    with_plan = action == "save" or "draft_form" in request.form
    if not with_plan:
        forms["form"] = None
    with_worker = action == "add_worker" or (
        with_plan and any(_typed(name) for name in ("worker_name", "worker_phone", "worker_id"))
    )
    with_note = action == "comment" or (with_plan and _typed("body"))
    checked = [
        forms[name]
        for name, wanted in (
            ("form", with_plan),
            ("worker_form", with_worker),
            ("note_form", with_note),
            ("submit_form", action == "submit"),
        )
        if wanted
    ]
    if not all([form.validate() for form in checked]):  # every form checked, so every error shows at once
        return _page(application, **forms, status=422)
    actor, worker = current_actor(), forms["worker_form"]
    try:
        applications.save_typed(
            actor,
            application,
            resident_id=resident.id,
            values=forms["form"].values() if with_plan else None,
            worker=(worker.worker_name.data, worker.worker_phone.data, worker.worker_id.data) if with_worker else None,
            remove_worker_id=worker_id,
            documents=request.files.getlist("documents"),
        )
        if with_note:
            applications.comment(actor, application, body=forms["note_form"].body.data, resident_id=resident.id)
        if action == "submit":
            applications.submit(
                actor,
                application,
                resident_id=resident.id,
                today=today(),
                signed_name=forms["submit_form"].signed_name.data,
                accept_undertakings=forms["submit_form"].accept_undertakings.data,
            )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if error.status_code in (403, 404):
            raise
        if forms["form"] is None:  # a lone form: the plan is shown as saved
            forms["form"] = ApplicationForm(formdata=None, obj=application)
        owner = next((form for form in forms.values() if error.field and hasattr(form, error.field)), None)
        show_domain_error(
            owner
            or forms[
                {
                    "add_worker": "worker_form",
                    "remove_worker": "worker_form",
                    "documents": "documents_form",
                    "comment": "note_form",
                    "submit": "submit_form",
                }.get(action, "form")
            ],
            error,
        )
        if error.field != "documents" and any(f.filename for f in request.files.getlist("documents")):
            # A browser cannot put a chosen file back into the page: say so, next to the field.
            forms["documents_form"].documents.errors = [_("Nothing was saved: choose the file(s) again.")]
        return _page(application, **forms, status=422)
    anchor, message = _AFTER[action]
    signature = forms["submit_form"]
    if action != "submit" and (signature.signed_name.data or signature.accept_undertakings.data):
        # The signature is only kept by submitting: carry what was typed across the redirect, like a flash.
        session[_SIGNATURE] = {
            "application_id": application.id,
            "signed_name": signature.signed_name.data or "",
            "accept_undertakings": bool(signature.accept_undertakings.data),
        }
    if message:
        flash(str(message), "success")
    return redirect(url_for("portal.show_renovation", application_id=application.id, _anchor=anchor or None), code=303)


@bp.route("/renovations/<int:application_id>", methods=["GET", "POST"])
def show_renovation(application_id):
    """One application: its status and timeline; while it is theirs to edit, the form that saves it."""
    if request.method == "GET":
        application = _mine(application_id)[1]
        typed = session.pop(_SIGNATURE, None)
        if typed and typed.get("application_id") == application.id:
            return _page(application, submit_form=SubmitForm(formdata=None, data=typed))
        return _page(application)
    return _act(application_id, "save")


@bp.post("/renovations/<int:application_id>/workers")
def add_renovation_worker(application_id):
    """Register a worker (only the masked ID number is kept), saving what else was typed."""
    return _act(application_id, "add_worker")


@bp.post("/renovations/<int:application_id>/workers/<int:worker_id>/remove")
def remove_renovation_worker(application_id, worker_id):
    """Take a worker off the list, saving what else was typed."""
    return _act(application_id, "remove_worker", worker_id=worker_id)


@bp.post("/renovations/<int:application_id>/documents")
def add_renovation_documents(application_id):
    """Attach drawings or documents, saving what else was typed."""
    return _act(application_id, "documents")


@bp.get("/renovations/<int:application_id>/documents/<int:document_id>")
def renovation_document(application_id, document_id):
    """One of the application's documents (to its applicant only)."""
    _resident_, application = _mine(application_id)
    return send_document(documents.get_document(application, document_id))


@bp.post("/renovations/<int:application_id>/submit")
def submit_renovation(application_id):
    """Sign the undertakings and send the application for review, with what was typed last."""
    return _act(application_id, "submit")


@bp.get("/renovations/<int:application_id>/permit")
def show_renovation_permit(application_id):
    """The resident's permit (装修许可证) with the QR code security scans at the gate, once it is issued."""
    _resident_, application = _mine(application_id)
    if application.status != RenovationStatus.PERMITTED:
        raise NotFound()
    return render_template(
        "portal/renovations/permit.html",
        application=application,
        scope_labels=SCOPE_LABELS,
        unit_label=unit_labels([application.unit_id]).get(application.unit_id, ""),
        check_url=url_for("staff.check_permit", code=permits.permit_code(application), _external=True),
    )


@bp.post("/renovations/<int:application_id>/cancel")
def cancel_renovation(application_id):
    """Withdraw the application while no decision has been taken."""
    resident, application = _mine(application_id)
    applications.cancel(current_actor(), application, resident_id=resident.id)
    db.session.commit()
    flash(_("The application was withdrawn."), "success")
    return redirect(url_for("portal.list_renovations"), code=303)


@bp.post("/renovations/<int:application_id>/comment")
def comment_renovation(application_id):
    """Answer the staff's question, or tell them something (saving the plan typed on a draft's page too)."""
    return _act(application_id, "comment")


@bp.post("/renovations/<int:application_id>/completion")
def report_renovation_completion(application_id):
    """Tell the office the works are finished: engineering's acceptance inspection comes next."""
    resident, application = _mine(application_id)
    inspections.report_completion(current_actor(), application, resident_id=resident.id)
    db.session.commit()
    flash(_("Thank you. Engineering will come for the acceptance inspection."), "success")
    return redirect(url_for("portal.show_renovation", application_id=application.id), code=303)
