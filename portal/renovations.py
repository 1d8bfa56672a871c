"""Renovation applications for residents: start one for their unit, fill it in (scope, contractor, workers,
dates, hours, drawings), sign and submit it, answer questions, and follow it through review to the permit."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.billing.services import resident_unit_ids
from domain.clock import today
from domain.errors import DomainError
from domain.property.services import resident_for_user
from domain.renovation import services as renovations
from domain.renovation.services import SCOPE_LABELS
from domain.renovation import inspections, workflow
from domain.tickets.desk import unit_labels
from extensions import db
from portal import bp
from portal.renovation_forms import (ApplicationForm, DocumentsForm, NoteForm, StartForm, SubmitForm,
                                     WorkerForm)
from web.auth import current_actor
from web.downloads import send_document
from web.forms import flash_domain_error, show_domain_error


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
    applications = renovations.applications_of(resident.id)
    return render_template("portal/renovations/index.html", applications=applications, form=_start_form(units),
                           labels=unit_labels({a.unit_id for a in applications} | units))


@bp.post("/renovations")
def start_renovation():
    """Open a draft for one of the resident's units."""
    resident, units = _resident()
    form = _start_form(units, data=request.form)
    try:
        application = renovations.start_application(current_actor(), property_id=resident.property_id,
                                                    resident_id=resident.id, unit_id=form.unit_id.data,
                                                    allowed_units=units)
        db.session.commit()
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("portal.list_renovations"), code=303)
    return redirect(url_for("portal.show_renovation", application_id=application.id), code=303)


def _page(application, *, form=None, worker_form=None, documents_form=None, submit_form=None, note_form=None,
          status=200):
    """The application with every form the resident may use now."""
    editable = application.status in workflow.EDITABLE
    if form is None:
        form = ApplicationForm(formdata=None, obj=application)
    return render_template(
        "portal/renovations/show.html", application=application, editable=editable, form=form,
        worker_form=worker_form or WorkerForm(formdata=None), documents_form=documents_form or DocumentsForm(formdata=None),
        submit_form=submit_form or SubmitForm(formdata=None), note_form=note_form or NoteForm(formdata=None),
        timeline=renovations.timeline(application), scope_labels=SCOPE_LABELS,
        unit_label=unit_labels([application.unit_id]).get(application.unit_id, ""),
        may_cancel=workflow.may(current_actor(), "cancel", application.status),
        may_report_completion=workflow.may(current_actor(), "report_completion", application.status),
        violations=inspections.violations_of(application), violation_labels=inspections.VIOLATION_LABELS,
        may_submit=workflow.may(current_actor(), "submit", application.status)), status


def _mine(application_id):
    """The signed-in resident and their application (404 for anyone else's)."""
    resident = resident_for_user(current_user)
    return resident, renovations.get_resident_application(resident.id, application_id)


@bp.route("/renovations/<int:application_id>", methods=["GET", "POST"])
def show_renovation(application_id):
    """One application: its status and timeline; while it is theirs to edit, the form that saves it."""
    resident, application = _mine(application_id)
    if request.method == "GET":
        return _page(application)
    form = ApplicationForm()
    if form.validate():
        try:
            renovations.update_application(current_actor(), application, resident_id=resident.id, **form.values())
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("portal.show_renovation", application_id=application.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _page(application, form=form, status=422)


@bp.post("/renovations/<int:application_id>/workers")
def add_renovation_worker(application_id):
    """Register a worker (only the masked ID number is kept)."""
    resident, application = _mine(application_id)
    form = WorkerForm()
    if form.validate():
        try:
            renovations.add_worker(current_actor(), application, resident_id=resident.id, name=form.worker_name.data,
                                   phone=form.worker_phone.data, id_number=form.worker_id.data)
            db.session.commit()
            return redirect(url_for("portal.show_renovation", application_id=application.id, _anchor="workers"),
                            code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _page(application, worker_form=form, status=422)


@bp.post("/renovations/<int:application_id>/workers/<int:worker_id>/remove")
def remove_renovation_worker(application_id, worker_id):
    """Take a worker off the list."""
    resident, application = _mine(application_id)
    renovations.remove_worker(current_actor(), application, worker_id, resident_id=resident.id)
    db.session.commit()
    return redirect(url_for("portal.show_renovation", application_id=application.id, _anchor="workers"), code=303)


@bp.post("/renovations/<int:application_id>/documents")
def add_renovation_documents(application_id):
    """Attach drawings or documents."""
    resident, application = _mine(application_id)
    form = DocumentsForm()
    try:
        renovations.add_documents(current_actor(), application, request.files.getlist("documents"),
                                  resident_id=resident.id)
        db.session.commit()
        return redirect(url_for("portal.show_renovation", application_id=application.id, _anchor="drawings"),
                        code=303)
    except DomainError as error:
        show_domain_error(form, error)
    return _page(application, documents_form=form, status=422)


@bp.get("/renovations/<int:application_id>/documents/<int:document_id>")
def renovation_document(application_id, document_id):
    """One of the application's documents (to its applicant only)."""
    _resident_, application = _mine(application_id)
    return send_document(renovations.get_document(application, document_id))


@bp.post("/renovations/<int:application_id>/submit")
def submit_renovation(application_id):
    """Sign the undertakings and send the application for review."""
    resident, application = _mine(application_id)
    form = SubmitForm()
    try:
        renovations.submit(current_actor(), application, resident_id=resident.id, signed_name=form.signed_name.data,
                           accept_undertakings=form.accept_undertakings.data, today=today())
        db.session.commit()
        flash(_("Sent for review. We will tell you here when there is news."), "success")
        return redirect(url_for("portal.show_renovation", application_id=application.id), code=303)
    except DomainError as error:
        db.session.rollback()
        if error.field and error.field not in ("signed_name", "accept_undertakings"):
            # A field of the application itself: show the message next to it.
            edit = ApplicationForm(formdata=None, obj=application)
            show_domain_error(edit, error)
            return _page(application, form=edit, submit_form=form, status=422)
        show_domain_error(form, error)
    return _page(application, submit_form=form, status=422)


@bp.post("/renovations/<int:application_id>/cancel")
def cancel_renovation(application_id):
    """Withdraw the application while no decision has been taken."""
    resident, application = _mine(application_id)
    renovations.cancel(current_actor(), application, resident_id=resident.id)
    db.session.commit()
    flash(_("The application was withdrawn."), "success")
    return redirect(url_for("portal.list_renovations"), code=303)


@bp.post("/renovations/<int:application_id>/comment")
def comment_renovation(application_id):
    """Answer the staff's question, or tell them something."""
    resident, application = _mine(application_id)
    form = NoteForm()
    if form.validate():
        renovations.comment(current_actor(), application, body=form.body.data, resident_id=resident.id)
        db.session.commit()
        return redirect(url_for("portal.show_renovation", application_id=application.id, _anchor="timeline"),
                        code=303)
    return _page(application, note_form=form, status=422)


@bp.post("/renovations/<int:application_id>/completion")
def report_renovation_completion(application_id):
    """Tell the office the works are finished: engineering's acceptance inspection comes next."""
    resident, application = _mine(application_id)
    inspections.report_completion(current_actor(), application, resident_id=resident.id)
    db.session.commit()
    flash(_("Thank you. Engineering will come for the acceptance inspection."), "success")
    return redirect(url_for("portal.show_renovation", application_id=application.id), code=303)
