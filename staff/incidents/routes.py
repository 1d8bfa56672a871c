"""Special incidents: reporting one in under a minute, its timeline, closing it, the report and the list."""

from datetime import datetime
from io import BytesIO
from types import SimpleNamespace

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import local_now, utcnow
from domain.dates import parse_month
from domain.errors import DomainError
from domain.files.photos import get_field_photo
from domain.incidents import queries, services
from domain.incidents.models import IncidentKind
from domain.incidents.report_pdf import incident_report_pdf
from domain.property.buildings import get_property, get_property_id
from extensions import db
from staff import bp
from staff.incidents import pages
from staff.incidents.forms import EntryForm, OutcomeForm, ReopenForm, ReportForm
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file, send_stored
from web.htmx import is_fragment_request, render_page
from web.refusals import refuse_fragment, show_domain_error


def _key(text):
    """The `after` key of the list's next page ("<iso time>_<id>"), or None."""
    at, _sep, last = (text or "").rpartition("_")
    try:
        return datetime.fromisoformat(at), int(last)
    except ValueError:
        return None


@bp.get("/incidents/")
@staff_permission(Permission.REPORT_INCIDENTS)
def list_incidents():
    """The open incidents first, then the month's incidents (of one kind when filtered) with the counts by kind."""
    property_id = get_property_id()
    month = request.args.get("month", "")
    month = month if parse_month(month) else local_now().strftime("%Y-%m")
    kind = request.args.get("kind", "")
    kind = kind if kind in {k.value for k in IncidentKind} else ""
    after = _key(request.args.get("after"))
    rows, next_key = queries.list_incidents(property_id, kind=kind or None, month=month, after=after)
    return render_page(
        "staff/incidents/index.html",
        "staff/incidents/_list.html",
        **pages.list_page(property_id, rows=rows, next_key=next_key, month=month, kind=kind),
    )


@bp.route("/incidents/new", methods=["GET", "POST"])
@staff_permission(Permission.REPORT_INCIDENTS)
def new_incident():
    """Report a special incident (phone first): the manager and the kind's departments are told at once."""
    form = ReportForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                incident = services.report_incident(
                    current_actor(),
                    kind=form.kind.data,
                    occurred_at=form.occurred_at.data,
                    place=form.place.data,
                    description=form.description.data,
                    people=form.people.data or "",
                    unit_label=form.unit_label.data or "",
                    files=request.files.getlist("photos"),
                    property_id=get_property_id(),
                )
                db.session.commit()
            except DomainError as error:
                show_domain_error(form, error)
            else:
                flash(_("Incident reported; the manager and the departments concerned have been told."), "success")
                return redirect(url_for("staff.show_incident", incident_id=incident.id), code=303)
        return render_page("staff/incidents/new.html", form=form, **pages.report_page(), status=422)
    return render_page("staff/incidents/new.html", form=form, **pages.report_page())


def _incident(incident_id):
    """The property's incident, or 404."""
    return services.get_incident(incident_id, get_property_id())


def _show(incident, *, status=200, **forms):
    """The incident page, with any form that was refused (and what was typed in it)."""
    return render_page("staff/incidents/show.html", status=status, **pages.incident_page(incident, **forms))


@bp.get("/incidents/<int:incident_id>")
@staff_permission(Permission.REPORT_INCIDENTS)
def show_incident(incident_id):
    """One incident: its timeline, photos, the outcome, and the steps the signed-in person may take."""
    return _show(_incident(incident_id))


@bp.post("/incidents/<int:incident_id>/entries")
@staff_permission(Permission.REPORT_INCIDENTS)
def add_incident_entry(incident_id):
    """Add an entry to the timeline; htmx gets the timeline back (it swaps itself), a normal request the page."""
    incident = _incident(incident_id)
    form = EntryForm()
    back = url_for("staff.show_incident", incident_id=incident_id)
    try:
        services.add_entry(
            current_actor(),
            incident,
            kind=form.kind.data,
            body=form.body.data or "",
            files=request.files.getlist("photos"),
        )
        db.session.commit()
    except DomainError as error:
        if is_fragment_request() or error.status_code in (403, 404, 409):
            return refuse_fragment(error, back=back)
        show_domain_error(form, error)
        return _show(_incident(incident_id), status=422, entry_form=form)
    if is_fragment_request():
        return render_page(
            "staff/incidents/show.html",
            "staff/incidents/_timeline.html",
            trigger="incidentUpdated",
            **pages.incident_page(incident),
        )
    flash(_("Entry added."), "success")
    return redirect(back, code=303)


@bp.post("/incidents/<int:incident_id>/outcome")
@staff_permission(Permission.CLOSE_INCIDENTS)
def record_incident_outcome(incident_id):
    """The manager writes the outcome, the cause analysis and the preventive measures."""
    incident = _incident(incident_id)
    form = OutcomeForm()
    if not form.validate():
        return _show(incident, status=422, outcome_form=form)
    try:
        services.record_outcome(
            current_actor(), incident, outcome=form.outcome.data, cause=form.cause.data, measures=form.measures.data
        )
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        show_domain_error(form, error)
        return _show(_incident(incident_id), status=422, outcome_form=form)
    flash(_("Outcome, cause and measures saved."), "success")
    return redirect(url_for("staff.show_incident", incident_id=incident_id), code=303)


@bp.post("/incidents/<int:incident_id>/close")
@staff_permission(Permission.CLOSE_INCIDENTS)
def close_incident(incident_id):
    """Close the incident; refused, with the missing fields marked, until outcome, cause and measures are written.

    The close button sits in the outcome form: what was typed there is saved with the closing, and kept on a refusal.
    """
    incident = _incident(incident_id)
    form = OutcomeForm()
    typed = any(name in request.form for name in services.CLOSING_FIELDS)
    if typed and not form.validate():
        return _show(incident, status=422, outcome_form=form)
    try:
        values = {name: getattr(form, name).data for name in services.CLOSING_FIELDS}
        if typed and any((value or "").strip() for value in values.values()):
            services.record_outcome(current_actor(), incident, **values)
        services.close_incident(current_actor(), incident)
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        db.session.rollback()
        incident = _incident(incident_id)
        if not typed:
            form = OutcomeForm(obj=incident, formdata=None)
        written = SimpleNamespace(**{name: getattr(form, name).data for name in services.CLOSING_FIELDS})
        for field in services.missing_for_closing(written):
            getattr(form, field).errors = [str(services.CLOSING_FIELDS[field])]
        if not form.errors:
            form.form_errors.append(str(error.message))
        return _show(incident, status=422 if error.status_code == 400 else error.status_code, outcome_form=form)
    flash(_("Incident closed."), "success")
    return redirect(url_for("staff.show_incident", incident_id=incident_id), code=303)


@bp.post("/incidents/<int:incident_id>/reopen")
@staff_permission(Permission.CLOSE_INCIDENTS)
def reopen_incident(incident_id):
    """Reopen a closed incident, saying why."""
    incident = _incident(incident_id)
    form = ReopenForm()
    try:
        services.reopen_incident(current_actor(), incident, reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        show_domain_error(form, error)
        return _show(_incident(incident_id), status=422 if error.status_code == 400 else 409, reopen_form=form)
    flash(_("Incident reopened."), "success")
    return redirect(url_for("staff.show_incident", incident_id=incident_id), code=303)


@bp.get("/incidents/<int:incident_id>/report.pdf")
@staff_permission(Permission.REPORT_INCIDENTS)
def incident_report(incident_id):
    """The 特殊事件报告 as a PDF, for the general manager."""
    incident = _incident(incident_id)
    pdf = BytesIO(incident_report_pdf(incident, get_property(), printed_at=utcnow()))
    return send_private_file(
        pdf, mimetype="application/pdf", download_name=f"incident-{incident.id}.pdf", as_attachment=False
    )


@bp.get("/incidents/<int:incident_id>/photos/<int:photo_id>")
@staff_permission(Permission.REPORT_INCIDENTS)
def incident_photo(incident_id, photo_id):
    """One of the incident's photos (or its small preview with ?preview=1), never cached."""
    incident = _incident(incident_id)
    photo = get_field_photo(services.PHOTO_SUBJECT, incident.id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")
