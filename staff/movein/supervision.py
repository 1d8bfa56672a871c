"""The manager's view of move-in (SOP 2.3.2): the board, the day's summary (收楼汇总) as a page and a PDF, the random
spot-checks (抽查), and the clerk's own follow-ups of the checks that found items missing."""

from io import BytesIO

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from domain.accounts.roles import Permission, Role
from domain.clock import today, utcnow
from domain.dates import parse_iso_date
from domain.errors import DomainError
from domain.movein import supervision, workflow
from domain.movein.summary_pdf import render_summary_pdf
from domain.property.buildings import get_property
from extensions import db
from staff import bp
from staff.movein.supervision_forms import FollowUpForm, PickSpotChecksForm, SpotCheckForm
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file
from web.htmx import render_page
from web.refusals import show_domain_error


def _labels():
    """The statuses and results of these pages in the user's language, once per page."""
    return {
        "case": {status: str(label) for status, label in workflow.CASE_STATUS_LABELS.items()},
        "check": {result: str(label) for result, label in workflow.SPOT_CHECK_LABELS.items()},
    }


@bp.get("/move-in/board")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def move_in_board():
    """The move-in board: cases by status, today's and tomorrow's appointments, overdue defects and cases waiting
    long. htmx asks for it again every minute and gets only the board."""
    now = utcnow()
    return render_page(
        "staff/movein/supervision/board.html",
        "staff/movein/supervision/_board.html",
        board=supervision.board(get_property().id, now),
        now=now,
        labels=_labels(),
        waiting_days=supervision.WAITING_DAYS,
    )


def _summary_day():
    """(the day asked for by ?day=YYYY-MM-DD, else today; the message when it could not be read)."""
    text = request.args.get("day", "").strip()
    if not text:
        return today(), None
    try:
        return parse_iso_date(text), None
    except ValueError:
        return today(), _("Choose a date such as %(example)s.", example=today().isoformat())


@bp.get("/move-in/summary")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def move_in_summary():
    """The day's 收楼汇总: units received, fees collected on their bills, keys and cards handed, defects raised."""
    day, day_error = _summary_day()
    return render_template(
        "staff/movein/supervision/summary.html",
        summary=supervision.day_summary(get_property().id, day),
        day_error=day_error,
        typed_day=request.args.get("day", "") if day_error else day.isoformat(),
        labels=_labels(),
    ), (422 if day_error else 200)


@bp.get("/move-in/summary.pdf")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def move_in_summary_pdf():
    """The day's 收楼汇总 as a PDF in Chinese, to print or file."""
    day, day_error = _summary_day()
    if day_error:
        flash(day_error, "error")
        return redirect(url_for("staff.move_in_summary"), code=303)
    prop = get_property()
    pdf = render_summary_pdf(supervision.day_summary(prop.id, day), property_name=prop.name, printed_at=utcnow())
    return send_private_file(
        BytesIO(pdf), mimetype="application/pdf", as_attachment=False, download_name=f"move-in-summary-{day}.pdf"
    )


# Spot-checks ----------------------------------------------------------------------------------------------------


def _spot_checks_page(*, pick_form=None, failed=None, status=200):
    """The spot-check page: the pick form, then every check with a finding form on those still to check; `failed`
    is (check id, form) of a finding the page shows again with what was typed."""
    prop = get_property()
    rows = supervision.list_spot_checks(prop.id)
    forms = {}
    for row in rows:
        check = row[0]
        if failed is not None and failed[0] == check.id:
            forms[check.id] = failed[1]
        elif "complete" in workflow.spot_check_actions(current_actor(), check):
            forms[check.id] = SpotCheckForm(prefix=f"check{check.id}", formdata=None)
    return render_template(
        "staff/movein/supervision/spot_checks.html",
        pick_form=pick_form or PickSpotChecksForm(formdata=None),
        rows=rows,
        forms=forms,
        never_checked=supervision.never_checked_count(prop.id),
        labels=_labels(),
    ), status


@bp.get("/move-in/spot-checks")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def list_spot_checks():
    """The spot-checks: pick N completed cases at random, and record a finding for each."""
    return _spot_checks_page()


@bp.post("/move-in/spot-checks")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def pick_spot_checks():
    """Pick the asked number of completed cases never checked before; say so when there are fewer."""
    form = PickSpotChecksForm()
    if form.validate_on_submit():
        try:
            checks = supervision.pick_spot_checks(current_actor(), form.count.data, property_id=get_property().id)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            if not checks:
                flash(_("Every completed case has been checked already: there is nothing to pick."), "info")
            elif len(checks) < form.count.data:
                flash(
                    ngettext(
                        "Only %(num)s completed case had never been checked: it was picked.",
                        "Only %(num)s completed cases had never been checked: all were picked.",
                        len(checks),
                    ),
                    "info",
                )
            else:
                flash(ngettext("%(num)s case picked.", "%(num)s cases picked.", len(checks)), "success")
            return redirect(url_for("staff.list_spot_checks"), code=303)
    return _spot_checks_page(pick_form=form, status=422)


@bp.post("/move-in/spot-checks/<int:check_id>")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def record_spot_check(check_id):
    """Record the finding on one picked case: complete, or missing items with a note (the clerk's follow-up)."""
    check = supervision.get_spot_check(check_id, get_property().id)
    form = SpotCheckForm(prefix=f"check{check.id}")
    if form.validate_on_submit():
        try:
            supervision.record_spot_check(current_actor(), check, form.result.data, form.note.data)
            db.session.commit()
            flash(_("Finding recorded."), "success")
            return redirect(url_for("staff.list_spot_checks"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _spot_checks_page(failed=(check.id, form), status=422)


# The clerk's follow-ups -----------------------------------------------------------------------------------------


def _follow_ups_page(*, failed=None, status=200):
    """The follow-ups page: the signed-in clerk's own (the manager sees everyone's), open ones with a done form."""
    actor = current_actor()
    everyone = current_user.role == Role.MANAGER
    rows = supervision.list_follow_ups(get_property().id, None if everyone else actor.user_id)
    forms = {}
    for row in rows:
        check = row[0]
        if failed is not None and failed[0] == check.id:
            forms[check.id] = failed[1]
        elif "finish" in workflow.spot_check_actions(actor, check):
            forms[check.id] = FollowUpForm(prefix=f"follow{check.id}", formdata=None)
    return render_template(
        "staff/movein/supervision/follow_ups.html", rows=rows, forms=forms, everyone=everyone, labels=_labels()
    ), status


@bp.get("/move-in/follow-ups")
@staff_permission(Permission.HANDLE_MOVE_IN)
def list_follow_ups():
    """The spot-check follow-ups of the signed-in clerk: what the manager found missing in their cases."""
    return _follow_ups_page()


@bp.post("/move-in/follow-ups/<int:check_id>/done")
@staff_permission(Permission.HANDLE_MOVE_IN)
def finish_follow_up(check_id):
    """The clerk says the missing items of a checked case are put right."""
    check = supervision.get_spot_check(check_id, get_property().id)
    form = FollowUpForm(prefix=f"follow{check.id}")
    if form.validate_on_submit():
        try:
            supervision.finish_follow_up(current_actor(), check, form.note.data)
            db.session.commit()
            flash(_("Follow-up done."), "success")
            return redirect(url_for("staff.list_follow_ups"), code=303)
        except DomainError as error:
            if error.status_code == 403:
                raise
            show_domain_error(form, error)
    return _follow_ups_page(failed=(check.id, form), status=422)
