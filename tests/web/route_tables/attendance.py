"""Shifts, attendance and leave: the console routes and who may use them."""

from datetime import date, timedelta

from domain.accounts.roles import Role
from domain.attendance.models import LeaveStatus
from domain.clock import today
from tests import builders
from tests.attendance_builders import create_leave, create_shift, plan

ALL = frozenset(Role)
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it). A person's record is theirs and the manager's: the
#: table's record belongs to another staff member, so only the manager reaches it.
TABLE = {
    "staff.my_attendance": ("GET", "/staff/attendance/", ALL),
    "staff.clock_in": ("POST", "/staff/attendance/clock-in", ALL),
    "staff.clock_out": ("POST", "/staff/attendance/clock-out", ALL),
    "staff.show_attendance_record": ("GET", "/staff/attendance/people/{attendance_person}", MANAGER),
    "staff.list_attendance_exceptions": ("GET", "/staff/attendance/exceptions", MANAGER),
    "staff.apply_leave": ("GET", "/staff/attendance/leave/new", ALL),
    "staff.withdraw_leave": ("POST", "/staff/attendance/leave/{leave}/withdraw", frozenset()),
    "staff.list_leave": ("GET", "/staff/attendance/leave/", MANAGER),
    "staff.approve_leave": ("POST", "/staff/attendance/leave/{leave}/approve", MANAGER),
    "staff.refuse_leave": ("POST", "/staff/attendance/leave/{leave}/refuse", MANAGER),
    "staff.show_rota": ("GET", "/staff/rota/", MANAGER),
    "staff.plan_rota": ("GET", "/staff/rota/plan", MANAGER),
    "staff.remove_rota_day": ("POST", "/staff/rota/days/{rota_day}/remove", MANAGER),
    "staff.copy_rota_week": ("POST", "/staff/rota/copy-week", MANAGER),
    "staff.list_shifts": ("GET", "/staff/rota/shifts", MANAGER),
    "staff.retire_shift": ("POST", "/staff/rota/shifts/{shift}/retire", MANAGER),
    "staff.set_grace": ("POST", "/staff/rota/grace", MANAGER),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name: another staff member with a planned day and a leave request."""
    person = builders.create_staff(Role.CLEANING)
    shift = create_shift(prop)
    day = plan(prop, person, shift, today() + timedelta(days=3))
    asked = create_leave(prop, person, today() + timedelta(days=5), status=LeaveStatus.PENDING)
    assert isinstance(day.day, date)
    return {"attendance_person": person.id, "leave": asked.id, "rota_day": day.id, "shift": shift.id}
