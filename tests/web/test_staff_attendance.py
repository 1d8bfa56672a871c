"""The attendance console: the clock-in button, one's record and nobody else's, the manager's lists, the rota, the
forms' refusals keeping what was typed, and list pages whose statements do not grow with the data."""

from datetime import date, timedelta

import pytest

from domain.accounts.roles import Role
from domain.attendance.models import Clocking, LeaveRequest, LeaveStatus, Shift, ShiftAssignment
from extensions import db
from tests import builders
from tests.attendance_builders import at, clocked, create_leave, create_shift, plan

#: These tests name days of 2026: the clock stands at the suite's Tuesday whatever TEST_NOW says.
pytestmark = pytest.mark.usefixtures("named_days")

DAY = date(2026, 11, 17)


def test_a_staff_member_clocks_in_once_and_out_with_the_servers_time(client, auth, prop, clock):
    desk = builders.create_staff(Role.FRONTDESK)
    plan(prop, desk, create_shift(prop), DAY)
    auth.login_staff(desk)
    page = client.get("/staff/attendance/").get_data(as_text=True)
    assert "白班" in page and "/staff/attendance/clock-in" in page
    response = client.post("/staff/attendance/clock-in", data={"in_at": "2020-01-01T08:00"}, follow_redirects=True)
    assert "/staff/attendance/clock-out" in response.get_data(as_text=True)
    again = client.post("/staff/attendance/clock-in", follow_redirects=True).get_data(as_text=True)
    assert "已签到" in again or "already clocked in" in again
    assert db.session.query(Clocking).count() == 1 and db.session.query(Clocking).one().in_at == clock.at
    clock.advance(minutes=20)  # within the console's idle time
    out = client.post("/staff/attendance/clock-out", follow_redirects=True).get_data(as_text=True)
    assert "10:20" in out
    assert db.session.query(Clocking).one().out_at == clock.at


def test_a_persons_record_is_theirs_and_the_managers_and_refused_to_another_staff_member(client, auth, prop):
    desk, other = builders.create_staff(Role.FRONTDESK), builders.create_staff(Role.FRONTDESK)
    plan(prop, desk, create_shift(prop), DAY)
    clocked(prop, desk, "2026-11-17 08:20")
    auth.login_staff(other)
    assert client.get(f"/staff/attendance/people/{desk.id}").status_code == 403
    assert client.get("/staff/attendance/exceptions").status_code == 403
    auth.logout("staff")
    auth.login_staff(desk)
    own = client.get(f"/staff/attendance/people/{desk.id}")
    assert own.status_code == 200 and "20" in own.get_data(as_text=True)
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.MANAGER))
    assert client.get(f"/staff/attendance/people/{desk.id}").status_code == 200
    assert desk.display_name in client.get("/staff/attendance/exceptions").get_data(as_text=True)


def test_another_staff_members_leave_cannot_be_withdrawn(client, auth, prop):
    desk = builders.create_staff(Role.FRONTDESK)
    asked = create_leave(prop, desk, DAY + timedelta(days=3), status=LeaveStatus.PENDING)
    auth.login_staff(builders.create_staff(Role.SECURITY))
    assert client.post(f"/staff/attendance/leave/{asked.id}/withdraw").status_code == 403
    assert db.session.get(LeaveRequest, asked.id).status == LeaveStatus.PENDING


def test_leave_asked_for_today_is_refused_with_what_was_typed_kept(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    response = client.post(
        "/staff/attendance/leave/new", data={"kind": "personal", "first_day": DAY.isoformat(), "reason": "去银行办事"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "去银行办事" in page and DAY.isoformat() in page
    assert "前一天" in page or "the day before" in page
    assert db.session.query(LeaveRequest).count() == 0
    client.post("/staff/attendance/leave/new", data={"kind": "sick", "first_day": DAY.isoformat(), "reason": "发烧"})
    assert db.session.query(LeaveRequest).count() == 1


def test_the_manager_approves_leave_and_the_day_shows_on_the_rota(client, auth, prop):
    desk = builders.create_staff(Role.FRONTDESK)
    plan(prop, desk, create_shift(prop), DAY + timedelta(days=2))
    asked = create_leave(prop, desk, DAY + timedelta(days=2), status=LeaveStatus.PENDING)
    auth.login_staff(builders.create_staff(Role.MANAGER))
    assert desk.display_name in client.get("/staff/attendance/leave/").get_data(as_text=True)
    client.post(f"/staff/attendance/leave/{asked.id}/approve", data={"note": "同意"})
    assert db.session.get(LeaveRequest, asked.id).status == LeaveStatus.APPROVED
    assert "假" in client.get("/staff/rota/").get_data(as_text=True) or "leave" in client.get("/staff/rota/").text


def test_a_bad_shift_and_grace_period_are_refused_with_what_was_typed_kept(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.post("/staff/rota/shifts", data={"name": "夜班", "starts_at": "20:00", "ends_at": "25:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "25:00" in page and "夜班" in page and "HH:MM" in page
    assert db.session.query(Shift).count() == 0
    response = client.post("/staff/rota/grace", data={"grace-grace_minutes": "五"})
    assert response.status_code == 422 and 'value="五"' in response.get_data(as_text=True)
    client.post("/staff/rota/shifts", data={"name": "夜班", "starts_at": "20:00", "ends_at": "08:00"})
    assert db.session.query(Shift).one().ends_at.hour == 8


def test_planning_without_a_person_is_refused_with_the_days_kept(client, auth, prop):
    shift = create_shift(prop)
    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.post(
        "/staff/rota/plan",
        data={"user_id": "", "shift_id": str(shift.id), "first_day": "2026-11-20", "last_day": "2026-11-26"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "2026-11-26" in page
    assert db.session.query(ShiftAssignment).count() == 0


def test_the_rota_flags_a_person_over_40_hours(client, auth, prop):
    desk = builders.create_staff(Role.FRONTDESK)
    shift = create_shift(prop)
    for n in range(4):
        plan(prop, desk, shift, date(2026, 11, 16) + timedelta(days=n))
    auth.login_staff(builders.create_staff(Role.MANAGER))
    page = client.get("/staff/rota/?week=2026-11-18").get_data(as_text=True)
    assert "48.0" in page and ("超过 40" in page or "over 40 h" in page)


def _people_with_a_week(prop, shift, count):
    for _ in range(count):
        person = builders.create_staff(Role.SECURITY)
        for n in range(7):
            plan(prop, person, shift, date(2026, 11, 10) + timedelta(days=n))
        clocked(prop, person, "2026-11-10 08:20", "2026-11-10 19:00")
        create_leave(prop, person, date(2026, 11, 12))


def test_the_lists_statements_do_not_grow_with_people_and_days(client, auth, prop, count_queries):
    shift = create_shift(prop)
    auth.login_staff(builders.create_staff(Role.MANAGER))
    urls = ("/staff/attendance/exceptions?from=2026-11-10&to=2026-11-17", "/staff/rota/?week=2026-11-10")
    _people_with_a_week(prop, shift, 2)
    counts = []
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    _people_with_a_week(prop, shift, 5)
    for url, before in zip(urls, counts, strict=True):
        with count_queries() as counter:
            page = client.get(url)
        assert page.status_code == 200 and counter.count == before, url
    assert at("2026-11-10 08:00") < at("2026-11-10 08:20")
