"""Overtime: how the calendar rates a day (a working day 150 %, a weekend 200 %, a statutory holiday 300 %, the rest
day of a break 200 %, a make-up working day 150 %), the published days, the calendar's own checks, applying before the
work, the state machine and who may take each step, the monthly totals by rate and the 36-hour warning, hours from
whole minutes, and the printed sheet."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pypdfium2
import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from domain.overtime import applications, calendar, totals
from domain.overtime.calendar import MULTIPLIER, PUBLISHED, day_kind
from domain.overtime.models import CalendarDay, DayKind, OvertimeStatus
from domain.overtime.sheet_pdf import overtime_sheet_pdf
from extensions import db
from tests import builders
from tests.overtime_builders import create_overtime, load_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


#: These tests name days of 2026 and 2027.
pytestmark = pytest.mark.usefixtures("named_days")


@pytest.fixture
def cal(prop):
    """The property with the published calendar."""
    load_calendar(prop)
    return prop


def actor(user):
    """The actor for a staff account."""
    return Actor.for_user(user, "test")


# The calendar ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "kind", "rate"),
    [
        (date(2026, 11, 18), DayKind.WORKING, 150),  # an ordinary Wednesday
        (date(2026, 11, 21), DayKind.REST, 200),  # an ordinary Saturday
        (date(2026, 10, 1), DayKind.HOLIDAY, 300),  # 国庆节
        (date(2026, 10, 3), DayKind.HOLIDAY, 300),  # 国庆节 on a Saturday is still a statutory day
        (date(2026, 10, 5), DayKind.REST, 200),  # a Monday of the 国庆 break: a rest day, not a holiday
        (date(2026, 10, 4), DayKind.REST, 200),  # the Sunday of the break
        (date(2026, 10, 10), DayKind.WORKING, 150),  # the Saturday worked to make up for it (调休上班)
        (date(2026, 2, 16), DayKind.HOLIDAY, 300),  # 除夕
        (date(2026, 2, 20), DayKind.REST, 200),  # the Friday of the 春节 break
        (date(2026, 4, 6), DayKind.REST, 200),  # the Monday of 清明 (清明 itself fell on Sunday)
        (date(2027, 2, 5), DayKind.HOLIDAY, 300),  # 除夕 2027
    ],
)
def test_each_day_rates_by_the_calendar_and_the_week(cal, day, kind, rate):
    assert day_kind(cal.id, day) == kind and MULTIPLIER[kind] == rate


def test_the_published_years_each_have_the_13_statutory_days():
    for year in (2026, 2027):
        assert len([1 for day, kind, _name in PUBLISHED if day.year == year and kind == DayKind.HOLIDAY]) == 13
    # A make-up working day falls on a weekend and a rest day of a break on a weekday, or the entry changes nothing.
    assert all(day.weekday() >= 5 for day, kind, _n in PUBLISHED if kind == DayKind.WORKING)
    assert all(day.weekday() < 5 for day, kind, _n in PUBLISHED if kind == DayKind.REST)


def test_the_manager_adds_and_removes_days_and_the_rate_follows(prop):
    manager = actor(builders.create_staff(Role.MANAGER))
    friday = date(2027, 10, 8)
    assert day_kind(prop.id, friday) == DayKind.WORKING
    entry = calendar.add_day(manager, prop.id, day=friday, kind="rest", name="国庆节")
    assert day_kind(prop.id, friday) == DayKind.REST
    with pytest.raises(Conflict):
        calendar.add_day(manager, prop.id, day=friday, kind="holiday", name="国庆节")
    with pytest.raises(DomainError) as refused:
        calendar.add_day(manager, prop.id, day=date(2027, 10, 11), kind="working", name="国庆节调休")  # a Monday
    assert refused.value.field == "kind"
    calendar.remove_day(manager, prop.id, entry.id)
    assert day_kind(prop.id, friday) == DayKind.WORKING
    with pytest.raises(NotAllowed):
        calendar.add_day(actor(builders.create_staff(Role.FRONTDESK)), prop.id, day=friday, kind="rest", name="x")


def test_entering_the_published_days_is_idempotent_and_keeps_the_managers_own(prop):
    manager = actor(builders.create_staff(Role.MANAGER))
    calendar.add_day(manager, prop.id, day=date(2026, 10, 1), kind="holiday", name="国庆")
    assert calendar.load_published_days(manager, prop.id) == len(PUBLISHED) - 1
    assert calendar.load_published_days(manager, prop.id) == 0
    assert calendar.entries_between(prop.id, date(2026, 10, 1), date(2026, 10, 1))[date(2026, 10, 1)].name == "国庆"


# Applying and deciding ---------------------------------------------------------------------------------------------


def test_an_application_whose_start_has_passed_is_refused(cal):
    staff = actor(builders.create_staff(Role.FRONTDESK))
    with pytest.raises(DomainError) as refused:
        applications.apply(
            staff, cal.id, work_date=date(2026, 11, 17), start=time(9, 30), end=time(11, 0), reason="盘点"
        )
    assert refused.value.field == "start" and "2026-11-17 09:30" in str(refused.value.message)
    assert (
        applications.apply(
            staff, cal.id, work_date=date(2026, 11, 17), start=time(18, 0), end=time(0, 0), reason="盘点"
        ).planned_minutes
        == 6 * 60
    )  # until midnight


def test_an_end_before_the_start_and_an_overlap_are_refused(cal):
    staff = actor(builders.create_staff(Role.FRONTDESK))
    with pytest.raises(DomainError) as refused:
        applications.apply(staff, cal.id, work_date=date(2026, 11, 18), start=time(20, 0), end=time(18, 0), reason="x")
    assert refused.value.field == "end"
    applications.apply(staff, cal.id, work_date=date(2026, 11, 18), start=time(18, 0), end=time(20, 0), reason="x")
    with pytest.raises(Conflict):
        applications.apply(staff, cal.id, work_date=date(2026, 11, 18), start=time(19, 0), end=time(21, 0), reason="y")


def test_the_manager_approves_before_the_work_and_the_applicant_reports_then_the_manager_confirms(cal, clock):
    user = builders.create_staff(Role.FRONTDESK)
    staff, manager = actor(user), actor(builders.create_staff(Role.MANAGER))
    application = applications.apply(
        staff, cal.id, work_date=date(2026, 11, 18), start=time(18, 0), end=time(21, 0), reason="消防检查"
    )
    with pytest.raises(NotAllowed):
        applications.approve(staff, application)  # not one's own to approve
    applications.approve(manager, application)
    with pytest.raises(DomainError):  # the work is not over yet
        applications.report(staff, application, start=time(18, 0), end=time(21, 30))
    clock.set(datetime(2026, 11, 18, 22, 0, tzinfo=SHANGHAI))
    applications.report(staff, application, start=time(18, 0), end=time(21, 30))
    with pytest.raises(NotAllowed):
        applications.confirm(staff, application, start=time(18, 0), end=time(21, 30))
    applications.confirm(manager, application, start=time(18, 0), end=time(21, 30))
    assert (application.status, application.worked_minutes) == (OvertimeStatus.CONFIRMED, 210)
    with pytest.raises(InvalidTransition):
        applications.cancel(staff, application)


def test_approving_after_the_start_is_refused_and_refusing_needs_a_reason(cal, clock):
    user = builders.create_staff(Role.FRONTDESK)
    manager = actor(builders.create_staff(Role.MANAGER))
    application = create_overtime(cal, user, date(2026, 11, 17), start=(18, 0))
    clock.set(datetime(2026, 11, 17, 18, 5, tzinfo=SHANGHAI))
    with pytest.raises(DomainError) as late:
        applications.approve(manager, application)
    assert "2026-11-17 18:00" in str(late.value.message)
    with pytest.raises(DomainError) as bare:
        applications.refuse(manager, application, note="  ")
    assert bare.value.field == "note"
    applications.refuse(manager, application, note="人手已够")
    assert (application.status, application.decision_note) == (OvertimeStatus.REFUSED, "人手已够")


def test_another_staff_member_cannot_see_an_application_the_manager_can(cal):
    owner, other = builders.create_staff(Role.FRONTDESK), builders.create_staff(Role.ASSISTANT)
    application = create_overtime(cal, owner, date(2026, 11, 18))
    with pytest.raises(NotAllowed):
        applications.get_application(actor(other), application.id, cal.id)
    with pytest.raises(NotAllowed):  # nor cancel it, whatever its state allows
        applications.cancel(actor(other), application)
    manager = actor(builders.create_staff(Role.MANAGER))
    assert applications.get_application(manager, application.id, cal.id) == application
    with pytest.raises(NotAllowed):  # the manager cancels only what was approved
        applications.cancel(manager, application)
    applications.cancel(actor(owner), application, note="不需要了")
    assert application.status == OvertimeStatus.CANCELLED


# Totals ------------------------------------------------------------------------------------------------------------


def test_the_month_splits_confirmed_hours_by_the_rate_of_each_day(cal):
    user = builders.create_staff(Role.FRONTDESK)
    confirmed = OvertimeStatus.CONFIRMED
    create_overtime(cal, user, date(2026, 10, 1), start=(9, 0), minutes=180, status=confirmed)  # 国庆节: 300 %
    create_overtime(cal, user, date(2026, 10, 5), start=(9, 0), minutes=120, status=confirmed)  # break: 200 %
    create_overtime(cal, user, date(2026, 10, 10), start=(18, 0), minutes=90, status=confirmed)  # make-up: 150 %
    create_overtime(cal, user, date(2026, 10, 14), start=(18, 0), minutes=60, status=confirmed)  # Wednesday: 150 %
    create_overtime(cal, user, date(2026, 10, 17), start=(9, 0), minutes=240, worked=200, status=confirmed)  # Sat
    create_overtime(cal, user, date(2026, 10, 20), minutes=60, status=OvertimeStatus.APPROVED)
    create_overtime(cal, user, date(2026, 10, 21), minutes=60, status=OvertimeStatus.REFUSED)
    (month,) = totals.month_totals(cal.id, date(2026, 10, 1), user_id=user.id)
    assert month.by_kind == {DayKind.WORKING: 150, DayKind.REST: 320, DayKind.HOLIDAY: 180}
    assert (month.confirmed, month.planned, month.over_cap) == (650, 60, False)
    assert [(line.application.work_date.day, line.multiplier) for line in month.lines] == [
        (1, 300),
        (5, 200),
        (10, 150),
        (14, 150),
        (17, 200),
    ]


def test_approving_past_36_hours_in_the_month_is_warned(cal):
    user = builders.create_staff(Role.FRONTDESK)
    for day in range(2, 14):  # 12 evenings of 3 hours: 36 h confirmed in November
        create_overtime(cal, user, date(2026, 11, day), start=(18, 0), minutes=180, status=OvertimeStatus.CONFIRMED)
    first = create_overtime(cal, user, date(2026, 12, 1), minutes=120)
    assert totals.approval_warning(first) is None  # another month
    application = create_overtime(cal, user, date(2026, 11, 20), minutes=90)
    warning = totals.approval_warning(application)
    assert warning.minutes == 36 * 60 + 90 and totals.hours_text(warning.minutes) == "37.5"
    (month,) = totals.month_totals(cal.id, date(2026, 11, 1))
    assert not month.over_cap and not month.would_pass_cap  # exactly 36 h is within the cap
    applications.approve(actor(builders.create_staff(Role.MANAGER)), application)
    (month,) = totals.month_totals(cal.id, date(2026, 11, 1))
    assert month.would_pass_cap and not month.over_cap


@pytest.mark.parametrize(("minutes", "text"), [(0, "0.0"), (90, "1.5"), (135, "2.3"), (134, "2.2"), (2161, "36.0")])
def test_hours_are_shown_with_one_decimal_from_whole_minutes(minutes, text):
    assert totals.hours_text(minutes) == text


def test_the_sheet_lists_each_confirmed_overtime_with_its_rate_and_the_totals(cal):
    user = builders.create_staff(Role.FRONTDESK)
    user.display_name = "张前台"
    db.session.commit()
    create_overtime(cal, user, date(2026, 10, 1), start=(9, 0), minutes=180, status=OvertimeStatus.CONFIRMED)
    create_overtime(cal, user, date(2026, 10, 14), start=(18, 0), minutes=90, status=OvertimeStatus.CONFIRMED)
    create_overtime(cal, user, date(2026, 10, 20), minutes=60, status=OvertimeStatus.APPROVED)
    (month,) = totals.month_totals(cal.id, date(2026, 10, 1), user_id=user.id)
    body = overtime_sheet_pdf(
        cal.id, user, date(2026, 10, 1), month, printed_at=datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)
    )
    pdf = pypdfium2.PdfDocument(body)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()
    for expected in (
        "2026年10月加班统计表",
        "张前台",
        "2026-10-01",
        "法定节假日",
        "300%",
        "09:00–12:00",
        "18:00–19:30",
    ):
        assert expected in text, expected
    assert "3.0" in text and "1.5" in text and "4.5" in text  # the lines and the total
    assert "2026-10-20" not in text  # approved, not confirmed: payroll does not count it
    assert "超过" not in text


def test_a_calendar_edit_after_confirming_leaves_the_month_as_paid(cal):
    """The rate is the one the day had when the time was confirmed: a holiday entered afterwards (or removed) does
    not change the month's totals or sheet; overtime confirmed after the edit is rated by the new calendar."""
    user = builders.create_staff(Role.FRONTDESK)
    manager = actor(builders.create_staff(Role.MANAGER))
    application = create_overtime(cal, user, date(2026, 11, 11), minutes=120, status=OvertimeStatus.APPROVED)
    applications.confirm(
        manager, application, start=time(18, 0), end=time(20, 0), now=datetime(2026, 11, 12, 9, tzinfo=SHANGHAI)
    )
    assert application.day_kind == DayKind.WORKING
    db.session.add(CalendarDay(property_id=cal.id, day=date(2026, 11, 11), kind=DayKind.HOLIDAY, name="测试"))
    db.session.commit()
    (month,) = totals.month_totals(cal.id, date(2026, 11, 1), user_id=user.id)
    assert month.by_kind[DayKind.WORKING] == 120 and month.by_kind[DayKind.HOLIDAY] == 0
    assert [line.multiplier for line in month.lines] == [150]
    later = create_overtime(cal, user, date(2026, 11, 11), start=(20, 0), minutes=60, status=OvertimeStatus.APPROVED)
    applications.confirm(
        manager, later, start=time(20, 0), end=time(21, 0), now=datetime(2026, 11, 12, 9, tzinfo=SHANGHAI)
    )
    (month,) = totals.month_totals(cal.id, date(2026, 11, 1))
    assert (month.by_kind[DayKind.WORKING], month.by_kind[DayKind.HOLIDAY]) == (120, 60)
