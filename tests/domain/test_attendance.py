"""The rota, clocking in and out, late / early / missing read from the timestamps, leave, and the handover's shift.
The suite's clock stands at Tuesday 2026-11-17 10:00 in the property's zone."""

from datetime import date, timedelta

import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.attendance import clocking, leave, rota
from domain.attendance.models import Clocking, LeaveStatus
from domain.errors import Conflict, DomainError, NotAllowed
from domain.tickets.handover import create_handover
from extensions import db
from tests import builders
from tests.attendance_builders import at, clocked, create_leave, create_shift, plan

#: These tests name days of 2026: the clock stands at the suite's Tuesday whatever TEST_NOW says.
pytestmark = pytest.mark.usefixtures("named_days")

DAY = date(2026, 11, 17)


def actor_of(user):
    return Actor.for_user(user, "127.0.0.1")


def one_record(prop, user, first, last=None, now=None):
    records, _unmatched = clocking.attendance(prop.id, first, last or first, user_id=user.id, now=now)
    assert len(records) == 1
    return records[0]


@pytest.fixture
def desk(prop):
    return builders.create_staff(Role.FRONTDESK)


@pytest.mark.parametrize(
    ("clock_in", "late"), [("08:00", 0), ("08:05", 0), ("08:05:59", 0), ("08:06", 6), ("09:30", 90)]
)
def test_a_clock_in_is_late_only_past_the_grace_period(prop, desk, clock, clock_in, late):
    plan(prop, desk, create_shift(prop), DAY)
    clock.set(at(f"2026-11-17 {clock_in}"))
    clocking.clock_in(actor_of(desk), prop.id)
    assert one_record(prop, desk, DAY).late_minutes == late


@pytest.mark.parametrize(
    ("clock_out", "early"), [("20:00", 0), ("19:55", 0), ("19:54:30", 0), ("19:54", 6), ("21:00", 0)]
)
def test_a_clock_out_is_early_only_before_the_grace_period(prop, desk, clock_out, early):
    plan(prop, desk, create_shift(prop), DAY)
    clocked(prop, desk, "2026-11-17 07:58", f"2026-11-17 {clock_out}")
    assert one_record(prop, desk, DAY, now=at("2026-11-17 22:00")).early_minutes == early


def test_a_shift_is_missing_once_the_grace_period_passed_without_a_clock_in(prop, desk):
    plan(prop, desk, create_shift(prop), DAY)
    assert not one_record(prop, desk, DAY, now=at("2026-11-17 08:05:59")).missing
    assert one_record(prop, desk, DAY, now=at("2026-11-17 08:06")).missing
    lists = clocking.exceptions(prop.id, DAY, DAY, now=at("2026-11-17 08:06"))
    assert [r.user.id for r in lists["missing"]] == [desk.id] and not lists["late"]


def test_the_grace_period_is_the_propertys(prop, desk):
    rota.set_grace_minutes(Actor.system(), prop.id, "10")
    plan(prop, desk, create_shift(prop), DAY)
    clocked(prop, desk, "2026-11-17 08:09")
    assert one_record(prop, desk, DAY).late_minutes == 0
    with pytest.raises(DomainError):
        rota.set_grace_minutes(Actor.system(), prop.id, "ten")


def test_a_night_shift_crossing_midnight_matches_its_clock_in_and_out(prop, desk):
    night = create_shift(prop, "夜班", "20:00", "08:00")
    plan(prop, desk, night, date(2026, 11, 16))
    clocked(prop, desk, "2026-11-16 20:10", "2026-11-17 07:50")
    record = one_record(prop, desk, date(2026, 11, 16), DAY)
    assert (record.late_minutes, record.early_minutes, record.missing) == (10, 10, False)
    assert rota.shift_minutes(night) == 12 * 60


def test_a_night_shift_begun_after_midnight_is_missing_and_a_clock_in_before_midnight_is_on_time(prop, desk):
    plan(prop, desk, create_shift(prop, "夜班", "20:00", "08:00"), DAY)
    assert not one_record(prop, desk, DAY, now=at("2026-11-17 20:05")).missing
    assert one_record(prop, desk, DAY, now=at("2026-11-18 00:30")).missing
    clocked(prop, desk, "2026-11-17 19:50", "2026-11-18 08:01")
    record = one_record(prop, desk, DAY, now=at("2026-11-18 09:00"))
    assert (record.late_minutes, record.early_minutes, record.missing) == (0, 0, False)


def test_an_approved_leave_day_is_never_a_missing_clock_in(prop, desk):
    plan(prop, desk, create_shift(prop), DAY)
    create_leave(prop, desk, DAY)
    record = one_record(prop, desk, DAY, now=at("2026-11-17 12:00"))
    assert record.on_leave and not record.missing


def test_clocking_in_twice_is_refused_and_clocking_out_closes_it(prop, desk, clock):
    clocking.clock_in(actor_of(desk), prop.id)
    with pytest.raises(Conflict):
        clocking.clock_in(actor_of(desk), prop.id)
    assert db.session.query(Clocking).count() == 1
    clock.advance(hours=8)
    made = clocking.clock_out(actor_of(desk), prop.id)
    assert made.out_at == clock.at and clocking.open_clocking(desk.id) is None
    with pytest.raises(DomainError):
        clocking.clock_out(actor_of(desk), prop.id)
    clocking.clock_in(actor_of(desk), prop.id)  # a new day's clock-in after the last was closed


def test_leave_must_be_asked_at_least_a_day_ahead_except_sick_leave(prop, desk):
    me = actor_of(desk)
    with pytest.raises(DomainError) as refused:
        leave.apply_for_leave(me, property_id=prop.id, kind="personal", first_day=DAY, reason="办事")
    assert refused.value.field == "first_day"
    assert leave.apply_for_leave(me, property_id=prop.id, kind="sick", first_day=DAY, reason="发烧").status == (
        LeaveStatus.PENDING
    )
    with pytest.raises(DomainError):
        leave.apply_for_leave(me, property_id=prop.id, kind="sick", first_day=DAY - timedelta(days=1), reason="发烧")
    made = leave.apply_for_leave(
        me,
        property_id=prop.id,
        kind="annual",
        first_day=DAY + timedelta(days=1),
        last_day=DAY + timedelta(days=3),
        reason="回老家",
    )
    assert (made.first_day, made.last_day) == (date(2026, 11, 18), date(2026, 11, 20))
    with pytest.raises(Conflict):
        leave.apply_for_leave(me, property_id=prop.id, kind="personal", first_day=DAY + timedelta(days=2), reason="x")


def test_the_manager_decides_leave_but_not_their_own_and_only_the_applicant_withdraws(prop, desk):
    manager = builders.create_staff(Role.MANAGER)
    other = builders.create_staff(Role.SECURITY)
    asked = leave.apply_for_leave(
        actor_of(desk), property_id=prop.id, kind="annual", first_day=DAY + timedelta(days=2), reason="旅游"
    )
    with pytest.raises(NotAllowed):
        leave.decide_leave(actor_of(other), asked, "approve")
    with pytest.raises(NotAllowed):
        leave.withdraw_leave(actor_of(other), asked)
    own = leave.apply_for_leave(
        actor_of(manager), property_id=prop.id, kind="annual", first_day=DAY + timedelta(days=2), reason="休息"
    )
    with pytest.raises(NotAllowed):
        leave.decide_leave(actor_of(manager), own, "approve")
    leave.decide_leave(actor_of(manager), asked, "approve")
    assert asked.status == LeaveStatus.APPROVED
    with pytest.raises(DomainError):
        leave.withdraw_leave(actor_of(desk), asked)


def test_a_person_planned_over_40_hours_in_an_iso_week_is_flagged(prop, desk):
    day_shift = create_shift(prop)
    monday = date(2026, 11, 16)
    guard = builders.create_staff(Role.SECURITY)
    for n in range(4):  # 4 x 12 h = 48 h
        plan(prop, desk, day_shift, monday + timedelta(days=n))
    for n in range(3):  # 36 h
        plan(prop, guard, day_shift, monday + timedelta(days=n))
    plan(prop, guard, day_shift, monday + timedelta(days=7))  # next week's Monday does not count
    days, lines = rota.week_rota(prop.id, DAY)
    assert days[0] == monday and days[-1] == date(2026, 11, 22)
    by_user = {line.user.id: line for line in lines}
    assert (by_user[desk.id].minutes, by_user[desk.id].over_limit) == (48 * 60, True)
    assert (by_user[guard.id].minutes, by_user[guard.id].over_limit) == (36 * 60, False)
    create_leave(prop, desk, monday + timedelta(days=3))  # an approved leave day is not worked
    line = {line.user.id: line for line in rota.week_rota(prop.id, monday)[1]}[desk.id]
    assert (line.minutes, line.over_limit) == (36 * 60, False)


def test_planning_a_span_replaces_the_days_shift_and_last_week_copies_forward(prop, desk):
    manager = Actor.system()
    day_shift, night = create_shift(prop), create_shift(prop, "夜班", "20:00", "08:00")
    assert (
        rota.plan_shift(
            manager,
            property_id=prop.id,
            user_id=desk.id,
            shift_id=day_shift.id,
            first_day=DAY,
            last_day=DAY + timedelta(days=2),
        )
        == 3
    )
    rota.plan_shift(manager, property_id=prop.id, user_id=desk.id, shift_id=night.id, first_day=DAY)
    _days, lines = rota.week_rota(prop.id, DAY, user_ids=[desk.id])
    assert [lines[0].cells[DAY + timedelta(days=n)].shift.name for n in range(3)] == ["夜班", "白班", "白班"]
    with pytest.raises(DomainError) as refused:
        rota.plan_shift(
            manager, property_id=prop.id, user_id=desk.id, shift_id=night.id, first_day=DAY - timedelta(days=1)
        )
    assert refused.value.field == "first_day"
    assert rota.copy_previous_week(manager, prop.id, DAY + timedelta(days=7)) == 3
    with pytest.raises(DomainError):
        rota.copy_previous_week(manager, prop.id, DAY + timedelta(days=7))


def test_a_handover_records_the_shift_its_writer_closes(prop, desk, clock):
    night = create_shift(prop, "夜班", "20:00", "08:00")
    closing = plan(prop, desk, night, date(2026, 11, 16))
    clock.set(at("2026-11-17 07:55"))
    assert create_handover(actor_of(desk), property_id=prop.id, notes="").shift_assignment_id == closing.id
    other = builders.create_staff(Role.FRONTDESK)
    assert create_handover(actor_of(other), property_id=prop.id, notes="").shift_assignment_id is None
