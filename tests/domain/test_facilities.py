"""Scheduled facility checks (1.2.14): when a check is due and overdue as the clock moves, the register's rules
(per-kind defaults, the lift's 15 days), recording a check (a failed item opens one linked ticket) and who may."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain import clock as domain_clock
from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.errors import DomainError, InvalidTransition, NotAllowed
from domain.facilities import checks, register, schedule
from domain.facilities.demo import load_facilities_demo
from domain.facilities.models import CheckResult, Facility, FacilityCheck, FacilityKind
from domain.tickets.models import Channel, Department, Status, Ticket
from extensions import db
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


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


def values(**changes):
    """A lift as the manager types it."""
    return {
        "name": "1号楼1号电梯",
        "kind": "lift",
        "location": "1号楼大堂",
        "building_id": None,
        "checker_role": "",
        "contractor": "沈阳奥的斯电梯维保",
        "checklist": "",
        "interval_days": "",
        "first_due_on": domain_clock.today(),
        **changes,
    }


def test_a_new_facility_takes_its_kinds_defaults_and_is_audited(prop):
    """Blank checker, interval and checklist come from the kind; typed ones are kept (one a line)."""
    manager = builders.create_staff(Role.MANAGER)
    lift = register.save_facility(act(manager), property_id=prop.id, **values())
    hose = register.save_facility(
        act(manager),
        property_id=prop.id,
        **values(
            name="消火栓", kind="fire", contractor="", checklist="压力正常\n\n 箱门完好 \n压力正常", interval_days="90"
        ),
    )
    db.session.commit()
    assert (lift.checker_role, lift.interval_days) == (Role.ENGINEERING, 15)
    assert lift.checklist == ["运行平稳", "平层准确", "轿厢照明通风", "紧急呼叫对讲", "维保记录签字"]
    assert (hose.checker_role, hose.interval_days, hose.checklist) == (Role.SECURITY, 90, ["压力正常", "箱门完好"])
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "facility.create")) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"kind": "rocket"}, "kind"),
        ({"interval_days": "30"}, "interval_days"),
        ({"interval_days": "0"}, "interval_days"),
        ({"interval_days": "400", "kind": "pump"}, "interval_days"),
        ({"interval_days": "weekly"}, "interval_days"),
        ({"contractor": ""}, "contractor"),
        ({"checker_role": "finance"}, "checker_role"),
        ({"building_id": 999999}, "building_id"),
        ({"checklist": "x" * 61}, "checklist"),
        ({"first_due_on": None}, "first_due_on"),
    ],
)
def test_bad_register_input_is_refused_on_its_field(prop, changes, field):
    """Each bad value is refused with its field named, and nothing is saved (a lift over 15 days among them)."""
    manager = builders.create_staff(Role.MANAGER)
    with pytest.raises(DomainError) as refused:
        register.save_facility(act(manager), property_id=prop.id, **values(**changes))
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(Facility.id))) == 0


def test_the_lift_rule_names_the_national_rule(prop):
    """A lift every 30 days is refused with the 15-day rule as the reason."""
    with pytest.raises(DomainError) as refused:
        register.save_facility(
            act(builders.create_staff(Role.MANAGER)), property_id=prop.id, **values(interval_days="30")
        )
    assert "15" in str(refused.value.message) and "TSG T5002" in str(refused.value.message)


def test_only_the_manager_and_engineering_keep_the_register(prop):
    """Security may not add; engineering edits, retires and reinstates; a retired facility cannot be edited."""
    with pytest.raises(NotAllowed):
        register.save_facility(act(builders.create_staff(Role.SECURITY)), property_id=prop.id, **values())
    engineer = act(builders.create_staff(Role.ENGINEERING))
    lift = register.save_facility(engineer, property_id=prop.id, **values())
    register.save_facility(engineer, lift, **values(name="1号楼2号电梯"))
    register.retire_facility(engineer, lift)
    db.session.commit()
    assert lift.name == "1号楼2号电梯" and not lift.is_active
    with pytest.raises(InvalidTransition):
        register.save_facility(engineer, lift, **values())
    with pytest.raises(InvalidTransition):
        register.retire_facility(engineer, lift)
    register.reinstate_facility(engineer, lift)
    db.session.commit()
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == lift.id)).all()
    assert actions == ["facility.create", "facility.update", "facility.retire", "facility.reinstate"]


def test_a_failed_item_opens_one_linked_repair_ticket_for_the_desk(prop):
    """A fault makes the check failed and opens one new patrol-channel repair ticket for security (fire)."""
    guard = builders.create_staff(Role.SECURITY)
    hose = create_facility(
        prop, name="1号楼消防栓", kind=FacilityKind.FIRE, checker_role=Role.SECURITY, first_due_on=domain_clock.today()
    )
    check = checks.record_check(act(guard), hose, answers={"运行平稳": "ok", "平层准确": "fault"}, note="箱门脱落")
    db.session.commit()
    assert check.result == CheckResult.FAILED and check.checked_on == domain_clock.today()
    [ticket] = db.session.scalars(select(Ticket)).all()
    assert check.ticket_id == ticket.id
    assert (ticket.channel, ticket.status, ticket.department) == (Channel.PATROL, Status.NEW, Department.SECURITY)
    assert (
        "平层准确" in ticket.description and "箱门脱落" in ticket.description and "运行平稳" not in ticket.description
    )
    assert ticket.location == "1号楼大堂"
    assert schedule.due_checks(prop.id, domain_clock.today()) == []


def test_a_passed_check_opens_no_ticket_and_a_lift_check_needs_the_contractors_name(prop):
    """All OK: passed, no ticket; a contractor's facility needs who did it; every item must be answered."""
    engineer = act(builders.create_staff(Role.ENGINEERING))
    lift = create_facility(prop, contractor="沈阳奥的斯电梯维保", first_due_on=domain_clock.today())
    ok = {"运行平稳": "ok", "平层准确": "ok"}
    with pytest.raises(DomainError) as refused:
        checks.record_check(engineer, lift, answers=ok)
    assert refused.value.field == "done_by"
    with pytest.raises(DomainError) as refused:
        checks.record_check(engineer, lift, answers={"运行平稳": "ok"}, done_by="张工")
    assert refused.value.field == "answers"
    check = checks.record_check(engineer, lift, answers=ok, done_by="张工")
    db.session.commit()
    assert check.result == CheckResult.PASSED and check.ticket_id is None
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


@pytest.mark.parametrize("role", [Role.SECURITY, Role.ASSISTANT, Role.CLEANING, Role.FINANCE, Role.FRONTDESK])
def test_only_the_named_checker_or_the_manager_records_a_check(prop, role):
    """A lift is engineering's: security (or anyone else) is refused; the manager may."""
    lift = create_facility(prop, first_due_on=domain_clock.today())
    with pytest.raises(NotAllowed):
        checks.record_check(act(builders.create_staff(role)), lift, answers={"运行平稳": "ok", "平层准确": "ok"})
    checks.record_check(act(builders.create_staff(Role.MANAGER)), lift, answers={"运行平稳": "ok", "平层准确": "ok"})


def test_a_retired_facility_takes_no_check(prop):
    """Recording a check on a retired facility is an illegal step."""
    lift = create_facility(prop, first_due_on=domain_clock.today(), is_active=False)
    with pytest.raises(InvalidTransition):
        checks.record_check(act(builders.create_staff(Role.ENGINEERING)), lift, answers={})


def test_history_pages_by_key_newest_first(prop):
    """Twenty-five checks: a page of twenty, then the five older ones."""
    lift = create_facility(prop, first_due_on=domain_clock.today())
    made = [create_check(lift, domain_clock.today() - timedelta(days=100 - n)) for n in range(25)]
    first, after = checks.history(lift.id)
    assert [c.id for c in first] == [c.id for c in reversed(made)][:20]
    rest, more = checks.history(lift.id, after=after)
    assert [c.id for c in rest] == [c.id for c in reversed(made)][20:] and more is None
    assert db.session.scalar(select(func.count(FacilityCheck.id))) == 25


def test_the_demo_register_has_checks_due_today_two_overdue_and_one_failed_with_its_ticket(prop):
    """Thirteen facilities over three buildings, two months of checks, lifts done by the contractor."""
    for code in ("2", "3"):
        builders.create_building(prop, code=code, name=f"{code}号楼")
    for username, role in (("engineer", Role.ENGINEERING), ("security", Role.SECURITY), ("assistant", Role.ASSISTANT)):
        builders.create_staff(role, username=username)
    today = domain_clock.today()
    count = load_facilities_demo(prop, rng=random.Random(7), today=today)
    db.session.commit()
    assert count == db.session.scalar(select(func.count(Facility.id))) == 13
    due = schedule.due_checks(prop.id, today)
    assert {d.facility.name for d in due if not d.is_overdue} >= {"1号楼1号电梯", "1号楼消防设施"}
    assert sorted(d.facility.name for d in schedule.overdue_checks(prop.id, today)) == ["1号楼大堂照明", "3号楼1号电梯"]
    [failed] = db.session.scalars(select(FacilityCheck).where(FacilityCheck.result == CheckResult.FAILED)).all()
    assert failed.ticket_id == db.session.scalar(select(Ticket.id))
    lift_checks = db.session.scalars(
        select(FacilityCheck).join(Facility).where(Facility.kind == FacilityKind.LIFT)
    ).all()
    assert lift_checks and all(check.done_by for check in lift_checks)
    assert db.session.scalar(select(func.count(FacilityCheck.id))) > 30
