"""Violations: recording one on a phone in under a minute, its page with the steps allowed now, the notices as PDF,
the photos, the open list, repeat offenders and the month's count."""

from io import BytesIO

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import local_now, utcnow
from domain.dates import parse_month
from domain.errors import DomainError, NotFound
from domain.files.photos import get_field_photo
from domain.property.buildings import get_property_id
from domain.violations import services
from domain.violations.models import OPEN_STAGES
from domain.violations.notice_pdf import violation_notice_pdf
from domain.violations.queries import DUE_FILTERS
from domain.violations.replies import REPLY_PHOTO_SUBJECT
from domain.violations.workflow import NEXT_STEP
from extensions import db
from staff import bp
from staff.violations import pages
from staff.violations.forms import AdvanceForm, CheckForm, ExtendForm, FineForm, ReferForm, WithdrawForm
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file, send_stored
from web.guards import id_arg
from web.htmx import render_page
from web.refusals import show_domain_error

#: The most "more than N" the repeat-offender list takes.
MAX_REPEATS = 50


@bp.get("/violations/")
@staff_permission(Permission.RECORD_VIOLATIONS)
def list_violations():
    """The open violations, filterable by kind, stage and deadline, overdue first."""
    stage = request.args.get("stage", "")
    stage = stage if stage in {s.value for s in OPEN_STAGES} else ""
    due = request.args.get("due", "")
    due = due if due in DUE_FILTERS else ""
    return render_page(
        "staff/violations/index.html",
        "staff/violations/_list.html",
        **pages.list_page(
            get_property_id(), kind_id=id_arg("kind"), stage=stage or None, due=due or None, page=id_arg("page") or 1
        ),
    )


@bp.route("/violations/new", methods=["GET", "POST"])
@staff_permission(Permission.RECORD_VIOLATIONS)
def new_violation():
    """Record a violation (phone first): kind, where, what was seen, photos."""
    property_id = get_property_id()
    form = pages.record_form(property_id, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                violation = services.record_violation(
                    current_actor(),
                    kind_id=form.kind_id.data,
                    unit_label=form.unit_label.data or "",
                    place=form.place.data or "",
                    seen=form.seen.data,
                    files=request.files.getlist("photos"),
                    property_id=property_id,
                )
                db.session.commit()
            except DomainError as error:
                show_domain_error(form, error)
            else:
                flash(_("Violation recorded."), "success")
                return redirect(url_for("staff.show_violation", violation_id=violation.id), code=303)
        return render_page("staff/violations/new.html", form=form, status=422)
    return render_page("staff/violations/new.html", form=form)


def _violation(violation_id):
    """The property's violation, or 404."""
    return services.get_violation(violation_id, get_property_id())


def _show(violation, *, status=200, **forms):
    """The violation page, with any form that was refused (and what was typed in it)."""
    return render_page("staff/violations/show.html", status=status, **pages.violation_page(violation, **forms))


def _refused(violation_id, error, form_name, form):
    """A step's form refused: 403/404/409 go to the error handler; bad input shows the page again with the form.
    Either way nothing of the step stays (a check recorded before its next step was refused is rolled back)."""
    db.session.rollback()
    if error.status_code in (403, 404, 409):
        raise error
    show_domain_error(form, error)
    return _show(_violation(violation_id), status=422, **{form_name: form})


def _moved_on(violation):
    """Whether the step's form was made for another stage than the violation's now (sent twice, or by two people):
    the page then shows the violation as it stands instead of taking the step again."""
    posted = request.form.get("stage")
    if posted is None or posted == violation.stage.value:
        return False
    flash(_("This violation had already moved on; here it is as it stands now."), "info")
    return True


def _done(violation_id, message):
    """Post/redirect/get back to the violation's page."""
    flash(message, "success")
    return redirect(url_for("staff.show_violation", violation_id=violation_id), code=303)


@bp.get("/violations/<int:violation_id>")
@staff_permission(Permission.RECORD_VIOLATIONS)
def show_violation(violation_id):
    """One violation: where, what, its notices and timeline, the residents' answers, the steps allowed now."""
    return _show(_violation(violation_id))


@bp.post("/violations/<int:violation_id>/check")
@staff_permission(Permission.RECORD_VIOLATIONS)
def check_violation(violation_id):
    """The follow-up check with photos: rectified closes it; not rectified stays, goes on to the next notice, or gets
    a later deadline with a reason, in one step."""
    violation = _violation(violation_id)
    if _moved_on(violation):
        return redirect(url_for("staff.show_violation", violation_id=violation_id), code=303)
    services.require_step(current_actor(), "check_not_rectified")
    form = CheckForm()
    form.outcome.choices = list(pages.CHECK_OUTCOMES.items())
    if not form.validate():
        return _show(violation, status=422, check_form=form)
    actor, outcome = current_actor(), form.outcome.data
    try:
        stage = violation.stage
        services.record_check(
            actor,
            violation,
            rectified=outcome == "rectified",
            note=form.note.data or "",
            files=request.files.getlist("photos"),
        )
        if outcome == "next":
            if NEXT_STEP.get(stage) == "issue_notice":
                services.issue_notice(actor, violation, days=form.days.data)
            elif NEXT_STEP.get(stage) == "issue_order":
                services.issue_order(actor, violation, days=form.days.data)
            else:
                raise DomainError(_("Use the referral form to refer it to the authorities."), field="outcome")
        elif outcome == "extend":
            services.extend_deadline(actor, violation, days=form.days.data, reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        return _refused(violation_id, error, "check_form", form)
    return _done(violation_id, _("Check recorded."))


@bp.post("/violations/<int:violation_id>/advance")
@staff_permission(Permission.RECORD_VIOLATIONS)
def advance_violation(violation_id):
    """Send the next written notice (违章通知书 or 整改通知) with its deadline."""
    violation = _violation(violation_id)
    if _moved_on(violation):
        return redirect(url_for("staff.show_violation", violation_id=violation_id), code=303)
    services.require_step(current_actor(), NEXT_STEP.get(violation.stage) or "issue_notice")
    form = AdvanceForm()
    if not form.validate():
        return _show(violation, status=422, advance_form=form)
    try:
        action = NEXT_STEP.get(violation.stage)
        if action == "issue_order":
            services.issue_order(current_actor(), violation, days=form.days.data)
        else:
            services.issue_notice(current_actor(), violation, days=form.days.data)
        db.session.commit()
    except DomainError as error:
        return _refused(violation_id, error, "advance_form", form)
    return _done(violation_id, _("Notice sent."))


@bp.post("/violations/<int:violation_id>/refer")
@staff_permission(Permission.RECORD_VIOLATIONS)
def refer_violation(violation_id):
    """Refer it to the authorities: whom, who took it, when."""
    violation = _violation(violation_id)
    services.require_step(current_actor(), "refer")
    form = ReferForm()
    if not form.validate():
        return _show(violation, status=422, refer_form=form)
    try:
        services.refer(
            current_actor(),
            violation,
            authority=form.authority.data,
            referred_to=form.referred_to.data,
            referred_at=form.referred_at.data,
        )
        db.session.commit()
    except DomainError as error:
        return _refused(violation_id, error, "refer_form", form)
    return _done(violation_id, _("Referral recorded."))


@bp.post("/violations/<int:violation_id>/extend")
@staff_permission(Permission.RECORD_VIOLATIONS)
def extend_violation(violation_id):
    """A later deadline at the same stage, with the reason."""
    violation = _violation(violation_id)
    services.require_step(current_actor(), "extend")
    form = ExtendForm()
    if not form.validate():
        return _show(violation, status=422, extend_form=form)
    try:
        services.extend_deadline(current_actor(), violation, days=form.days.data, reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        return _refused(violation_id, error, "extend_form", form)
    return _done(violation_id, _("Deadline extended."))


@bp.post("/violations/<int:violation_id>/fine")
@staff_permission(Permission.MANAGE_VIOLATIONS)
def fine_violation(violation_id):
    """Fine it, where the kind allows: the fine becomes the unit's bill."""
    violation = _violation(violation_id)
    form = FineForm()
    if not form.validate():
        return _show(violation, status=422, fine_form=form)
    try:
        services.record_fine(current_actor(), violation, amount_fen=form.amount.fen, note=form.note.data or "")
        db.session.commit()
    except DomainError as error:
        return _refused(violation_id, error, "fine_form", form)
    return _done(violation_id, _("Fine billed to the unit."))


@bp.post("/violations/<int:violation_id>/withdraw")
@staff_permission(Permission.RECORD_VIOLATIONS)
def withdraw_violation(violation_id):
    """Withdraw a violation recorded in error, saying why (the manager; a renovation's violation is waived by its
    inspectors too: the violation's table says who)."""
    violation = _violation(violation_id)
    services.require_step(current_actor(), "withdraw", violation)
    form = WithdrawForm()
    if not form.validate():
        return _show(violation, status=422, withdraw_form=form)
    try:
        services.withdraw(current_actor(), violation, reason=form.reason.data)
        db.session.commit()
    except DomainError as error:
        return _refused(violation_id, error, "withdraw_form", form)
    return _done(violation_id, _("Violation withdrawn."))


@bp.get("/violations/<int:violation_id>/notices/<int:notice_id>.pdf")
@staff_permission(Permission.RECORD_VIOLATIONS)
def violation_notice(violation_id, notice_id):
    """One notice as it was sent, as a PDF to print for the door."""
    violation = _violation(violation_id)
    notice = next((n for n in violation.notices if n.id == notice_id), None)
    if notice is None:
        raise NotFound()
    pdf = BytesIO(violation_notice_pdf(notice, violation, printed_at=utcnow()))
    return send_private_file(
        pdf, mimetype="application/pdf", download_name=f"violation-{violation.id}-{notice.id}.pdf", as_attachment=False
    )


@bp.get("/violations/<int:violation_id>/photos/<int:photo_id>")
@staff_permission(Permission.RECORD_VIOLATIONS)
def violation_photo(violation_id, photo_id):
    """One of the violation's photos (or its small preview with ?preview=1), never cached."""
    violation = _violation(violation_id)
    photo = get_field_photo(services.PHOTO_SUBJECT, violation.id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")


@bp.get("/violations/<int:violation_id>/replies/<int:reply_id>/photos/<int:photo_id>")
@staff_permission(Permission.RECORD_VIOLATIONS)
def violation_reply_photo(violation_id, reply_id, photo_id):
    """A photo of a resident's answer."""
    violation = _violation(violation_id)
    if not any(reply.id == reply_id for reply in violation.replies):
        raise NotFound()
    photo = get_field_photo(REPLY_PHOTO_SUBJECT, reply_id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")


@bp.get("/violations/repeat")
@staff_permission(Permission.RECORD_VIOLATIONS)
def repeat_offenders():
    """Units with more than N violations in the year (N from ?more_than=, 2 by default)."""
    more_than = id_arg("more_than", positive=False)
    more_than = 2 if more_than is None or not 0 <= more_than <= MAX_REPEATS else more_than
    return render_page("staff/violations/repeat.html", **pages.offenders_page(get_property_id(), more_than))


@bp.get("/violations/monthly")
@staff_permission(Permission.MANAGE_VIOLATIONS)
def violation_counts():
    """The month's violations by kind, for the manager."""
    month = request.args.get("month", "")
    month = month if parse_month(month) else local_now().strftime("%Y-%m")
    return render_page("staff/violations/monthly.html", **pages.month_page(get_property_id(), month))
