"""Scheduled facility checks (1.2.14): when a check is due and overdue as the clock moves, the register's rules
(per-kind defaults, the lift's 15 days), recording a check (a failed item opens one linked ticket) and who may."""

from datetime import timedelta

from domain import clock as domain_clock
from domain.accounts.roles import Role
from domain.facilities import schedule
from domain.facilities.models import FacilityKind
from tests import builders
from tests.facilities_builders import create_check, create_facility


def test_next_due_is_first_due_until_checked_then_last_plus_interval(prop):
    """Never checked: the first due day; afterwards the last check's day plus the interval."""
    today = domain_clock.today()
    lift = create_facility(prop, first_due_on=today + timedelta(days=3))
    assert schedule.next_due(lift, None) == today + timedelta(days=3)
    assert schedule.next_due(lift, today) == today + timedelta(days=15)


def test_due_and_overdue_follow_the_clock(prop, clock):
    """A check is due on its day, overdue the day after, and a check moves it on by the interval."""
    today = domain_clock.today()
    lift = create_facility(prop, first_due_on=today + timedelta(days=1))
    assert schedule.due_checks(prop.id, domain_clock.today()) == []

    clock.advance(days=1)
    day = domain_clock.today()
    [due] = schedule.due_checks(prop.id, day)
    assert (due.facility.id, due.days_overdue, due.is_overdue) == (lift.id, 0, False)
    assert schedule.overdue_checks(prop.id, day) == []

    clock.advance(days=2)
    day = domain_clock.today()
    [late] = schedule.overdue_checks(prop.id, day)
    assert late.days_overdue == 2

    create_check(lift, day)
    assert schedule.due_checks(prop.id, day) == []
    clock.advance(days=15)
    [due] = schedule.due_checks(prop.id, domain_clock.today())
    assert due.last_check_day == day and due.due_on == day + timedelta(days=15)


def test_due_checks_are_the_roles_list_and_the_manager_sees_all(prop):
    """Each checker sees their own facilities; the manager, all; a retired facility is never due."""
    today = domain_clock.today()
    lift = create_facility(prop, first_due_on=today)
    hose = create_facility(
        prop, name="1号楼消防栓", kind=FacilityKind.FIRE, checker_role=Role.SECURITY, first_due_on=today
    )
    create_facility(prop, name="旧水泵", kind=FacilityKind.PUMP, first_due_on=today, is_active=False)
    other = builders.create_property("别的小区")
    create_facility(other, first_due_on=today)

    assert [d.facility.id for d in schedule.due_checks(prop.id, today, Role.ENGINEERING)] == [lift.id]
    assert [d.facility.id for d in schedule.due_checks(prop.id, today, Role.SECURITY)] == [hose.id]
    assert {d.facility.id for d in schedule.due_checks(prop.id, today, Role.MANAGER)} == {lift.id, hose.id}
    assert schedule.due_checks(prop.id, today, Role.CLEANING) == []


def test_due_checks_take_two_statements_whatever_the_number(prop, count_queries):
    """One statement for the facilities, one for their last checks."""
    today = domain_clock.today()
    for n in range(6):
        facility = create_facility(prop, name=f"电梯{n}", first_due_on=today - timedelta(days=40))
        create_check(facility, today - timedelta(days=20 + n))
    property_id = prop.id
    with count_queries() as counter:
        due = schedule.due_checks(property_id, today)
    assert len(due) == 6 and counter.count == 2, counter.statements
