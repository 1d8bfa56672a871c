"""Overtime (加班申请表): applying before the work, one's own applications (the manager's view: everyone's and what
waits), an application with its steps (approve or refuse, report and confirm the time worked, cancel), the monthly
totals and each person's printable sheet, and the holiday calendar that rates the days."""

from io import BytesIO

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.accounts.services import staff_member
from domain.clock import today, utcnow
from domain.errors import DomainError, NotAllowed, NotFound
from domain.incidents.queries import parse_month
from domain.overtime import applications, calendar, totals
from domain.overtime.sheet_pdf import overtime_sheet_pdf
from domain.property.buildings import get_property_id
from extensions import db
from staff import bp
from staff.overtime import pages
from staff.overtime.forms import ApplyForm, CalendarDayForm, CancelForm, RefuseForm, TimesForm
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file
from web.guards import id_arg
from web.htmx import render_page
from web.refusals import flash_refusal, show_domain_error


def _month(text):
    """The first day of the month "YYYY-MM" in `text`, else of this month."""
    bounds = parse_month(text) if text else None
    return bounds[0] if bounds else today().replace(day=1)


def _application(application_id):
    """The property's application the signed-in staff member may see (their own; the manager: any), or 404/403."""
    return applications.get_application(current_actor(), application_id, get_property_id())


def _show(application, *, status=200, **forms):
    """The application page, with the forms of its steps (those given keep what was typed)."""
    forms.setdefault("refuse_form", RefuseForm(formdata=None))
    forms.setdefault("cancel_form", CancelForm(formdata=None))
    if "times_form" not in forms:
        forms["times_form"] = TimesForm(formdata=None)
        pages.prefill_times(forms["times_form"], application)
    context = pages.show_context(current_actor(), application, **forms)
    return render_page("staff/overtime/show.html", status=status, **context)


def _back(application_id):
    """Back to the application page (post/redirect/get)."""
    return redirect(url_for("staff.show_overtime", application_id=application_id), code=303)


@bp.get("/overtime/")
@staff_permission(Permission.APPLY_OVERTIME)
def list_overtime():
    """A month of one's own overtime applications; the manager's view: everyone's, and what waits to be decided or
    confirmed."""
    first = _month(request.args.get("month", ""))
    return render_template(
        "staff/overtime/index.html", **pages.index_context(current_actor(), get_property_id(), first)
    )


@bp.route("/overtime/new", methods=["GET", "POST"])
@staff_permission(Permission.APPLY_OVERTIME)
def apply_overtime():
    """The 加班申请表: apply before the work, with the day, the from–to and why."""
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            application = applications.apply(
                current_actor(),
                get_property_id(),
                work_date=form.work_date.data,
                start=form.start.data,
                end=form.end.data,
                reason=form.reason.data,
            )
            db.session.commit()
            flash(_("Applied. The manager decides before the work starts."), "success")
            return _back(application.id)
        except DomainError as error:
            show_domain_error(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/overtime/apply.html", form=form), status


@bp.get("/overtime/<int:application_id>")
@staff_permission(Permission.APPLY_OVERTIME)
def show_overtime(application_id):
    """One application: its state, how its day rates, and the steps open to the viewer."""
    return _show(_application(application_id))


@bp.post("/overtime/<int:application_id>/approve")
@staff_permission(Permission.MANAGE_OVERTIME)
def approve_overtime(application_id):
    """The manager approves, before the work starts."""
    application = _application(application_id)
    with flash_refusal():
        applications.approve(current_actor(), application)
        db.session.commit()
        flash(_("Approved."), "success")
    return _back(application_id)


@bp.post("/overtime/<int:application_id>/refuse")
@staff_permission(Permission.MANAGE_OVERTIME)
def refuse_overtime(application_id):
    """The manager refuses, saying why."""
    application = _application(application_id)
    form = RefuseForm()
    if form.validate_on_submit():
        try:
            applications.refuse(current_actor(), application, note=form.note.data)
            db.session.commit()
            flash(_("Refused."), "success")
            return _back(application_id)
        except DomainError as error:
            show_domain_error(form, error)
    return _show(application, status=422, refuse_form=form)


def _times(application_id, step, done):
    """Report or confirm the from–to worked: `step` is the service, `done` the message."""
    application = _application(application_id)
    form = TimesForm()
    if form.validate_on_submit():
        try:
            step(current_actor(), application, start=form.start.data, end=form.end.data)
            db.session.commit()
            flash(done, "success")
            return _back(application_id)
        except DomainError as error:
            show_domain_error(form, error)
    return _show(application, status=422, times_form=form)


@bp.post("/overtime/<int:application_id>/report")
@staff_permission(Permission.APPLY_OVERTIME)
def report_overtime(application_id):
    """The applicant reports the from–to worked, for the manager to confirm."""
    return _times(application_id, applications.report, _("Reported. The manager confirms it."))


@bp.post("/overtime/<int:application_id>/confirm")
@staff_permission(Permission.MANAGE_OVERTIME)
def confirm_overtime(application_id):
    """The manager confirms the from–to worked: payroll counts it."""
    return _times(application_id, applications.confirm, _("Confirmed."))


@bp.post("/overtime/<int:application_id>/cancel")
@staff_permission(Permission.APPLY_OVERTIME)
def cancel_overtime(application_id):
    """Cancel the application (the applicant; the manager once approved)."""
    application = _application(application_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            applications.cancel(current_actor(), application, note=form.note.data)
            db.session.commit()
            flash(_("Cancelled."), "success")
            return _back(application_id)
        except DomainError as error:
            show_domain_error(form, error)
    return _show(application, status=422, cancel_form=form)


@bp.get("/overtime/totals")
@staff_permission(Permission.MANAGE_OVERTIME)
def overtime_totals():
    """Everyone's month: confirmed hours at 150 %, 200 % and 300 %, and the 36-hour warnings."""
    first = _month(request.args.get("month", ""))
    return render_template("staff/overtime/totals.html", **pages.totals_context(get_property_id(), first))


@bp.get("/overtime/sheets/<int:user_id>/<month>.pdf")
@staff_permission(Permission.APPLY_OVERTIME)
def overtime_sheet(user_id, month):
    """A person's monthly sheet for payroll, as a PDF in Chinese: one's own, or anyone's for the manager."""
    bounds = parse_month(month)
    user = staff_member(user_id)
    if bounds is None or user is None:
        raise NotFound()
    actor = current_actor()
    if user.id != actor.user_id and not applications.may_see_all(actor):
        raise NotAllowed()
    property_id = get_property_id()
    found = totals.month_totals(property_id, bounds[0], user_id=user.id)
    pdf = overtime_sheet_pdf(property_id, user, bounds[0], found[0] if found else None, printed_at=utcnow())
    return send_private_file(
        BytesIO(pdf), mimetype="application/pdf", download_name=f"overtime-{user.username}-{month}.pdf"
    )


def _year():
    """The year in ?year=, else this one (within the years a calendar can hold)."""
    year = id_arg("year") or today().year
    return year if today().year - 5 <= year <= today().year + 2 else today().year


def _calendar_page(form, *, year=None, status=200):
    """The calendar page of `year`."""
    context = pages.calendar_context(get_property_id(), year or _year(), form)
    return render_template("staff/overtime/calendar.html", **context), status


@bp.get("/overtime/calendar")
@staff_permission(Permission.APPLY_OVERTIME)
def overtime_calendar():
    """The holiday calendar of a year: the statutory holidays, the rest days of breaks and the make-up working
    days; the manager enters each year's State Council notice here."""
    return _calendar_page(CalendarDayForm(formdata=None))


@bp.post("/overtime/calendar/days")
@staff_permission(Permission.MANAGE_OVERTIME)
def add_calendar_day():
    """Enter a day of the notice."""
    form = CalendarDayForm()
    if form.validate_on_submit():
        try:
            entry = calendar.add_day(
                current_actor(), get_property_id(), day=form.day.data, kind=form.kind.data, name=form.name.data
            )
            db.session.commit()
            flash(_("Added: %(day)s %(name)s.", day=entry.day.isoformat(), name=entry.name), "success")
            return redirect(url_for("staff.overtime_calendar", year=entry.day.year), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    year = form.day.data.year if form.day.data else None
    return _calendar_page(form, year=year, status=422)


@bp.post("/overtime/calendar/days/<int:entry_id>/remove")
@staff_permission(Permission.MANAGE_OVERTIME)
def remove_calendar_day(entry_id):
    """Take a day out of the calendar."""
    year = None
    with flash_refusal():
        entry = calendar.remove_day(current_actor(), get_property_id(), entry_id)
        year = entry.day.year
        db.session.commit()
        flash(_("Removed: %(day)s %(name)s.", day=entry.day.isoformat(), name=entry.name), "success")
    return redirect(url_for("staff.overtime_calendar", year=year), code=303)


@bp.post("/overtime/calendar/published")
@staff_permission(Permission.MANAGE_OVERTIME)
def load_published_days():
    """Enter the published days of 2026 and 2027 the calendar lacks."""
    with flash_refusal():
        count = calendar.load_published_days(current_actor(), get_property_id())
        db.session.commit()
        flash(_("%(count)s days entered.", count=count), "success")
    return redirect(url_for("staff.overtime_calendar"), code=303)
