"""Overtime and the holiday calendar: the console routes and who may use them. The application and the sheet named
here are another staff member's: only the manager reaches them (the applicant's own are tested in
tests/web/test_staff_overtime.py)."""

from datetime import timedelta

from domain.accounts.roles import Role
from domain.clock import today
from domain.overtime.models import CalendarDay, DayKind
from extensions import db
from tests import builders
from tests.overtime_builders import create_overtime

ALL = frozenset(Role)
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_overtime": ("GET", "/staff/overtime/", ALL),
    "staff.apply_overtime": ("GET", "/staff/overtime/new", ALL),
    "staff.show_overtime": ("GET", "/staff/overtime/{overtime}", MANAGER),
    "staff.approve_overtime": ("POST", "/staff/overtime/{overtime}/approve", MANAGER),
    "staff.refuse_overtime": ("POST", "/staff/overtime/{overtime}/refuse", MANAGER),
    "staff.report_overtime": ("POST", "/staff/overtime/{overtime}/report", MANAGER),
    "staff.confirm_overtime": ("POST", "/staff/overtime/{overtime}/confirm", MANAGER),
    "staff.cancel_overtime": ("POST", "/staff/overtime/{overtime}/cancel", MANAGER),
    "staff.overtime_totals": ("GET", "/staff/overtime/totals", MANAGER),
    "staff.overtime_sheet": ("GET", "/staff/overtime/sheets/{overtime_user}/2026-11.pdf", MANAGER),
    "staff.overtime_calendar": ("GET", "/staff/overtime/calendar", ALL),
    "staff.add_calendar_day": ("POST", "/staff/overtime/calendar/days", MANAGER),
    "staff.remove_calendar_day": ("POST", "/staff/overtime/calendar/days/{calendar_day}/remove", MANAGER),
    "staff.load_published_days": ("POST", "/staff/overtime/calendar/published", MANAGER),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name: another staff member's application and a calendar day."""
    user = builders.create_staff(Role.SECURITY)
    application = create_overtime(prop, user, today() + timedelta(days=1))
    day = CalendarDay(property_id=prop.id, day=today() + timedelta(days=400), kind=DayKind.HOLIDAY, name="测试")
    db.session.add(day)
    db.session.commit()
    return {"overtime": application.id, "overtime_user": user.id, "calendar_day": day.id}
