"""The violation notices about the resident's own units: each stage's notice as sent (and as a PDF), and the
resident's answer with photos. A neighbour's violation, or one without a unit, answers 404 on every route."""

from io import BytesIO

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.clock import today, utcnow
from domain.errors import DomainError, NotFound
from domain.files.photos import get_field_photo, photos_of
from domain.property.residents import resident_for_user
from domain.property.units import unit_labels
from domain.violations import queries, replies
from domain.violations.models import OPEN_STAGES
from domain.violations.notice_pdf import violation_notice_pdf
from domain.violations.workflow import STAGE_LABELS
from extensions import db
from portal import bp
from portal.notices.forms import ReplyForm
from web.auth import current_actor
from web.downloads import send_private_file, send_stored
from web.htmx import render_page
from web.refusals import show_domain_error


def violations_section(resident):
    """The violation section of the notices page: the violations of the resident's units that were sent a notice."""
    rows = queries.resident_violations(resident.id, today())
    return {
        "violations": rows,
        "violation_units": unit_labels([v.unit_id for v in rows]),
        "stage_labels": STAGE_LABELS,
        "open_stages": OPEN_STAGES,
    }


def _violation(violation_id):
    """The signed-in resident and their violation, or 404."""
    resident = resident_for_user(current_user)
    return resident, replies.resident_violation(resident.id, violation_id)


def _show(violation, form, *, status=200):
    """The violation's page: its notices, the answers, the answer form."""
    return render_page(
        "portal/notices/violation.html",
        status=status,
        violation=violation,
        unit=unit_labels([violation.unit_id]).get(violation.unit_id, ""),
        stage_label=STAGE_LABELS[violation.stage],
        is_open=violation.stage in OPEN_STAGES,
        reply_photos=photos_of(replies.REPLY_PHOTO_SUBJECT, [r.id for r in violation.replies]),
        form=form,
    )


@bp.get("/notices/violations/<int:violation_id>")
def show_violation_notice(violation_id):
    """One violation of the resident's unit: every notice as it was sent, the answers given, and a form to answer."""
    _resident, violation = _violation(violation_id)
    return _show(violation, ReplyForm(formdata=None))


@bp.post("/notices/violations/<int:violation_id>/reply")
def reply_violation_notice(violation_id):
    """The resident's answer, with photos; the unit's assistant is told."""
    resident, violation = _violation(violation_id)
    form = ReplyForm()
    if not form.validate():
        return _show(violation, form, status=422)
    try:
        replies.reply(
            current_actor(), resident.id, violation, body=form.body.data, files=request.files.getlist("photos")
        )
        db.session.commit()
    except DomainError as error:
        if error.status_code == 404:
            raise
        show_domain_error(form, error)
        return _show(_violation(violation_id)[1], form, status=422 if error.status_code == 400 else error.status_code)
    flash(_("Your answer has been sent to the service centre."), "success")
    return redirect(url_for("portal.show_violation_notice", violation_id=violation_id), code=303)


@bp.get("/notices/violations/<int:violation_id>/notices/<int:notice_id>.pdf")
def violation_notice_file(violation_id, notice_id):
    """One notice as it was sent, as a PDF."""
    _resident, violation = _violation(violation_id)
    notice = next((n for n in violation.notices if n.id == notice_id), None)
    if notice is None:
        raise NotFound()
    pdf = BytesIO(violation_notice_pdf(notice, violation, printed_at=utcnow()))
    return send_private_file(
        pdf, mimetype="application/pdf", download_name=f"notice-{violation.id}-{notice.id}.pdf", as_attachment=False
    )


@bp.get("/notices/violations/<int:violation_id>/replies/<int:reply_id>/photos/<int:photo_id>")
def violation_reply_photo(violation_id, reply_id, photo_id):
    """A photo of an answer to the resident's own unit's violation."""
    _resident, violation = _violation(violation_id)
    if not any(reply.id == reply_id for reply in violation.replies):
        raise NotFound()
    photo = get_field_photo(replies.REPLY_PHOTO_SUBJECT, reply_id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")
