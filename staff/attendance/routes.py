"""Shifts, attendance and leave: one's own page with the clock-in button, clocking in and out (the server's time,
never the browser's), a person's record, the manager's late/early/missing lists, leave requests and their decision,
and the manager's rota (the week per person, planning, copying last week, shift templates, the grace period)."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.accounts.services import staff_member
from domain.attendance import clocking, leave, rota
from domain.clock import local_text, today
from domain.dates import parse_iso_date
from domain.errors import DomainError, NotAllowed, NotFound
from domain.property.buildings import get_property_id
from extensions import db
from staff import bp
from staff.attendance import pages
from staff.attendance.forms import DecisionForm, GraceForm, LeaveForm, PlanForm, ShiftForm
from web.auth import current_actor, staff_permission
from web.refusals import flash_refusal, show_domain_error


def _status(posted):
    """422 for a form sent back with a refusal, else 200."""
    return 422 if posted else 200


def _day_arg(name, default):
    """A ?name=YYYY-MM-DD argument, or `default` when absent or not a sensible date."""
    try:
        return parse_iso_date(request.args[name]) if request.args.get(name) else default
    except ValueError:
        return default


# One's own attendance -------------------------------------------------------------------------------------------


@bp.get("/attendance/")
@staff_permission(Permission.CLOCK_IN)
def my_attendance():
    """One's own attendance: the clock-in or clock-out button, today's shift, this week, the record, one's leave."""
    return render_template("staff/attendance/mine.html", **pages.my_context(current_actor(), get_property_id()))


@bp.post("/attendance/clock-in")
@staff_permission(Permission.CLOCK_IN)
def clock_in():
    """Clock in now (the server's time)."""
    with flash_refusal():
        made = clocking.clock_in(current_actor(), get_property_id())
        db.session.commit()
        flash(_("Clocked in at %(time)s.", time=local_text(made.in_at, "%H:%M")), "success")
    return redirect(url_for("staff.my_attendance"), code=303)


@bp.post("/attendance/clock-out")
@staff_permission(Permission.CLOCK_IN)
def clock_out():
    """Clock out now (the server's time)."""
    with flash_refusal():
        made = clocking.clock_out(current_actor(), get_property_id())
        db.session.commit()
        flash(_("Clocked out at %(time)s.", time=local_text(made.out_at, "%H:%M")), "success")
    return redirect(url_for("staff.my_attendance"), code=303)


@bp.get("/attendance/people/<int:user_id>")
@staff_permission(Permission.CLOCK_IN)
def show_attendance_record(user_id):
    """A person's record (theirs and the manager's only): each planned shift with its clock-in, late, early or
    missing, between ?from= and ?to= (the last two weeks by default)."""
    clocking.require_record_reader(current_actor(), user_id)
    person = staff_member(user_id)
    if person is None:
        raise NotFound()
    last = _day_arg("to", today())
    first = _day_arg("from", last - timedelta(days=pages.RECORD_DAYS))
    if first > last or (last - first).days > 62:
        first = last - timedelta(days=pages.RECORD_DAYS)
    context = pages.record_context(get_property_id(), person, first, last)
    return render_template("staff/attendance/record.html", **context)


@bp.get("/attendance/exceptions")
@staff_permission(Permission.VIEW_ATTENDANCE)
def list_attendance_exceptions():
    """The manager's lists: late clock-ins, early clock-outs and missing clock-ins between ?from= and ?to= (the last
    seven days by default), newest first."""
    last = _day_arg("to", today())
    first = _day_arg("from", last - timedelta(days=6))
    if first > last or (last - first).days > 62:
        first = last - timedelta(days=6)
    lists = clocking.exceptions(get_property_id(), first, last)
    return render_template(
        "staff/attendance/exceptions.html", first=first, last=last, grace=rota.grace_minutes(get_property_id()), **lists
    )


# Leave ----------------------------------------------------------------------------------------------------------


@bp.route("/attendance/leave/new", methods=["GET", "POST"])
@staff_permission(Permission.CLOCK_IN)
def apply_leave():
    """Ask for leave: the kind, the day or days, why (at least the day before; sick leave also the same day)."""
    form = LeaveForm()
    if request.method == "GET":
        form.first_day.data = today() + timedelta(days=1)
    if form.validate_on_submit():
        try:
            made = leave.apply_for_leave(
                current_actor(),
                property_id=get_property_id(),
                kind=form.kind.data,
                first_day=form.first_day.data,
                last_day=form.last_day.data,
                reason=form.reason.data,
            )
            db.session.commit()
            flash(_("Asked: the manager decides. %(kind)s.", kind=leave.KIND_LABELS[made.kind]), "success")
            return redirect(url_for("staff.my_attendance"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/attendance/leave_form.html", form=form), _status(request.method == "POST")


@bp.post("/attendance/leave/<int:leave_id>/withdraw")
@staff_permission(Permission.CLOCK_IN)
def withdraw_leave(leave_id):
    """Take back one's own request not decided yet (another person's is refused)."""
    request_ = leave.get_leave(leave_id, get_property_id())
    if request_.user_id != current_actor().user_id:
        raise NotAllowed()
    with flash_refusal():
        leave.withdraw_leave(current_actor(), request_)
        db.session.commit()
        flash(_("Withdrawn."), "success")
    return redirect(url_for("staff.my_attendance"), code=303)


@bp.get("/attendance/leave/")
@staff_permission(Permission.DECIDE_LEAVE)
def list_leave():
    """The requests waiting for a decision, oldest first, each with approve and refuse; the latest decided."""
    waiting, decided = leave.requests_to_decide(get_property_id())
    return render_template(
        "staff/attendance/leave_list.html", waiting=waiting, decided=decided, form=DecisionForm(), **pages.labels()
    )


def _decide(leave_id, action, done):
    """Approve or refuse a request with the note typed beside the buttons."""
    request_ = leave.get_leave(leave_id, get_property_id())
    form = DecisionForm()
    with flash_refusal():
        if not form.validate_on_submit():
            raise DomainError(_("Write at most %(count)s characters.", count=500))
        leave.decide_leave(current_actor(), request_, action, form.note.data)
        db.session.commit()
        flash(done % {"name": request_.user.display_name}, "success")
    return redirect(url_for("staff.list_leave"), code=303)


@bp.post("/attendance/leave/<int:leave_id>/approve")
@staff_permission(Permission.DECIDE_LEAVE)
def approve_leave(leave_id):
    """Approve a request: its days show on the rota and are never a missing clock-in."""
    return _decide(leave_id, "approve", _("Approved: the leave of %(name)s."))


@bp.post("/attendance/leave/<int:leave_id>/refuse")
@staff_permission(Permission.DECIDE_LEAVE)
def refuse_leave(leave_id):
    """Refuse a request (the note says why)."""
    return _decide(leave_id, "refuse", _("Refused: the leave of %(name)s."))


# The rota -------------------------------------------------------------------------------------------------------


@bp.get("/rota/")
@staff_permission(Permission.PLAN_ROTA)
def show_rota():
    """The week's rota (?week= any day of it, this week by default): a line per person, hours planned, over 40 h
    flagged, approved leave shown."""
    monday = rota.monday_of(_day_arg("week", today()))
    return render_template("staff/attendance/rota.html", **pages.rota_context(get_property_id(), monday))


@bp.route("/rota/plan", methods=["GET", "POST"])
@staff_permission(Permission.PLAN_ROTA)
def plan_rota():
    """Plan a person on a shift for a day or every day of a span."""
    property_id = get_property_id()
    form = PlanForm()
    form.user_id.choices = [("", "—")] + [(str(u.id), u.display_name) for u in rota.staff_members()]
    form.shift_id.choices = [("", "—")] + [
        (str(s.id), f"{s.name} {s.starts_at:%H:%M}-{s.ends_at:%H:%M}") for s in rota.shifts(property_id)
    ]
    if request.method == "GET":
        form.user_id.data = request.args.get("user", "")
        form.first_day.data = _day_arg("day", today())
    if form.validate_on_submit():
        try:
            count = rota.plan_shift(
                current_actor(),
                property_id=property_id,
                user_id=int(form.user_id.data) if (form.user_id.data or "").isdigit() else None,
                shift_id=int(form.shift_id.data) if (form.shift_id.data or "").isdigit() else None,
                first_day=form.first_day.data,
                last_day=form.last_day.data,
            )
            db.session.commit()
            flash(_("Planned: %(count)s days.", count=count), "success")
            return redirect(url_for("staff.show_rota", week=form.first_day.data.isoformat()), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/attendance/plan.html", form=form), _status(request.method == "POST")


@bp.post("/rota/days/<int:assignment_id>/remove")
@staff_permission(Permission.PLAN_ROTA)
def remove_rota_day(assignment_id):
    """Take a planned day off the rota (not one already begun)."""
    assignment = rota.get_assignment(assignment_id, get_property_id())
    week = assignment.day.isoformat()
    with flash_refusal():
        rota.remove_assignment(current_actor(), assignment)
        db.session.commit()
        flash(_("Taken off the rota."), "success")
    return redirect(url_for("staff.show_rota", week=week), code=303)


@bp.post("/rota/copy-week")
@staff_permission(Permission.PLAN_ROTA)
def copy_rota_week():
    """Plan the week (?week=) like the week before, for the days not planned yet."""
    monday = rota.monday_of(_day_arg("week", today()))
    with flash_refusal():
        count = rota.copy_previous_week(current_actor(), get_property_id(), monday)
        db.session.commit()
        flash(_("Copied from last week: %(count)s days.", count=count), "success")
    return redirect(url_for("staff.show_rota", week=monday.isoformat()), code=303)


def _shifts_page(shift_form, grace_form, status=200):
    """The shift templates with the form for a new one and the grace period."""
    property_id = get_property_id()
    return render_template(
        "staff/attendance/shifts.html",
        shifts=rota.shifts(property_id, active_only=False),
        minutes=rota.shift_minutes,
        form=shift_form,
        grace_form=grace_form,
    ), status


@bp.route("/rota/shifts", methods=["GET", "POST"])
@staff_permission(Permission.PLAN_ROTA)
def list_shifts():
    """The shift templates; a new one is added with the form below them."""
    form, grace_form = ShiftForm(), GraceForm(prefix="grace")
    if request.method == "GET":
        grace_form.grace_minutes.data = str(rota.grace_minutes(get_property_id()))
        return _shifts_page(form, grace_form)
    grace_form.grace_minutes.data = str(rota.grace_minutes(get_property_id()))
    if form.validate_on_submit():
        try:
            made = rota.create_shift(
                current_actor(),
                property_id=get_property_id(),
                name=form.name.data,
                starts_at=form.starts_at.data,
                ends_at=form.ends_at.data,
            )
            db.session.commit()
            flash(_("Shift added: %(name)s.", name=made.name), "success")
            return redirect(url_for("staff.list_shifts"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _shifts_page(form, grace_form, 422)


@bp.post("/rota/shifts/<int:shift_id>/retire")
@staff_permission(Permission.PLAN_ROTA)
def retire_shift(shift_id):
    """No longer offer a shift template (the days planned with it stay)."""
    shift = rota.get_shift(shift_id, get_property_id())
    with flash_refusal():
        rota.retire_shift(current_actor(), shift)
        db.session.commit()
        flash(_("No longer offered: %(name)s.", name=shift.name), "success")
    return redirect(url_for("staff.list_shifts"), code=303)


@bp.post("/rota/grace")
@staff_permission(Permission.PLAN_ROTA)
def set_grace():
    """Set the property's grace period for late clock-ins and early clock-outs."""
    form, grace_form = ShiftForm(formdata=None), GraceForm(prefix="grace")
    if grace_form.validate_on_submit():
        try:
            rota.set_grace_minutes(current_actor(), get_property_id(), grace_form.grace_minutes.data)
            db.session.commit()
            flash(_("Saved: %(count)s minutes of grace.", count=grace_form.grace_minutes.data.strip()), "success")
            return redirect(url_for("staff.list_shifts"), code=303)
        except DomainError as error:
            show_domain_error(grace_form, error)
    return _shifts_page(form, grace_form, 422)
