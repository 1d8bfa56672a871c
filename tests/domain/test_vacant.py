"""Vacant units (SOP 17): the register follows Unit.status, keys go out once at a time and agents or contractors
only with the owner's consent, overdue keys and checks as the clock moves, a failed item opens one linked ticket,
the owner is told, and who may do each step."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain import clock as domain_clock
from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.facilities.models import CheckResult
from domain.notify.models import Notification
from domain.property.models import Occupancy, Relation, UnitStatus
from domain.tickets.models import Channel, Department, Status, Ticket
from domain.vacant import checklist, checks, keys, register, schedule
from domain.vacant.demo import load_vacant_demo
from domain.vacant.models import Taker, VacantCheck, VacantUnit
from extensions import db
from tests import builders
from tests.areas_builders import create_area, create_cover
from tests.vacant_builders import all_ok, create_key, create_vacant, create_vacant_check

SYSTEM = Actor.system("test")


def actor(role):
    """A new staff member of `role`, as an Actor."""
    return Actor.for_user(builders.create_staff(role), "test")


@pytest.fixture
def assistant(prop):
    """The assistant whose area is the whole of building 1."""
    user = builders.create_staff(Role.ASSISTANT)
    create_area(prop, assistant=user)
    return Actor.for_user(user, "test")


@pytest.fixture
def vacant(prop):
    """A unit of building 1 standing empty, registered today."""
    return create_vacant(prop)


def later(clock, **delta):
    """Move the clock to 10:00 local of today, then by `delta`: moves made from a safe hour, whatever TEST_NOW is."""
    clock.set(domain_clock.start_of_local_day(domain_clock.today()) + timedelta(hours=10))
    return clock.advance(**delta)


def register_values(**overrides):
    """Good values for registering a vacant unit."""
    values = {
        "reason": "owner_away",
        "vacant_since": domain_clock.today() - timedelta(days=40),
        "interval_days": "",
        "water": "off",
        "power": "on",
        "note": "业主出国，电保留给冰箱",
    }
    values.update(overrides)
    return values


# The register follows Unit.status ------------------------------------------------------------------------------------


def test_only_a_unit_the_register_marks_vacant_is_registered_weekly_by_default(prop):
    empty = builders.create_unit(status=UnitStatus.VACANT)
    lived_in = builders.create_unit(status=UnitStatus.OCCUPIED)
    desk = actor(Role.FRONTDESK)
    with pytest.raises(DomainError) as refused:
        register.register_vacant_unit(desk, property_id=prop.id, unit_id=lived_in.id, **register_values())
    assert refused.value.field == "unit_id"
    vacant = register.register_vacant_unit(desk, property_id=prop.id, unit_id=empty.id, **register_values())
    assert (vacant.interval_days, vacant.registered_on, vacant.is_open) == (7, domain_clock.today(), True)
    with pytest.raises(Conflict):
        register.register_vacant_unit(desk, property_id=prop.id, unit_id=empty.id, **register_values())
    assert [u.unit_id for u in register.unregistered_vacant_units(prop.id)] == []


def test_a_unit_of_another_property_cannot_be_registered(prop):
    other = builders.create_property("别的小区")
    theirs = builders.create_unit(builders.create_building(other, code="9"), status=UnitStatus.VACANT)
    with pytest.raises(DomainError):
        register.register_vacant_unit(SYSTEM, property_id=prop.id, unit_id=theirs.id, **register_values())


@pytest.mark.parametrize(
    "field, value",
    [
        ("reason", "haunted"),
        ("vacant_since", None),
        ("interval_days", "0"),
        ("interval_days", "weekly"),
        ("water", "maybe"),
        ("note", "长" * 501),
    ],
)
def test_bad_register_input_is_refused_on_its_field(prop, field, value):
    empty = builders.create_unit(status=UnitStatus.VACANT)
    with pytest.raises(DomainError) as refused:
        register.register_vacant_unit(
            SYSTEM, property_id=prop.id, unit_id=empty.id, **register_values(**{field: value})
        )
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(VacantUnit.id))) == 0


def test_a_record_closes_only_once_the_register_no_longer_marks_the_unit_vacant_and_its_keys_are_back(prop, vacant):
    desk = actor(Role.FRONTDESK)
    key = create_key(vacant)
    with pytest.raises(DomainError, match="仍为空置"):
        register.close_vacant(desk, vacant)
    keys.take_out_key(desk, key, taker="staff", purpose="检查", due_back_at=domain_clock.utcnow() + timedelta(hours=2))
    vacant.unit.status = UnitStatus.OCCUPIED
    db.session.flush()
    # Lived in again: the lists show it as no longer vacant, with its record still open.
    assert [v.id for v, _label in schedule.vacant_units(prop.id, still_vacant=False)] == [vacant.id]
    with pytest.raises(DomainError, match="钥匙借出未还"):
        register.close_vacant(desk, vacant)
    keys.return_key(desk, key)
    register.close_vacant(desk, vacant)
    assert not vacant.is_open
    with pytest.raises(InvalidTransition):
        register.update_vacant(desk, vacant, **register_values())


def test_the_keys_of_a_closed_record_are_handed_back_not_lent(prop, vacant):
    desk = actor(Role.FRONTDESK)
    key = create_key(vacant)
    vacant.unit.status = UnitStatus.OCCUPIED
    db.session.flush()
    register.close_vacant(desk, vacant)
    due = domain_clock.utcnow() + timedelta(hours=2)
    with pytest.raises(InvalidTransition):
        keys.take_out_key(desk, key, taker="staff", purpose="检查", due_back_at=due)
    keys.retire_key(desk, key)
    assert not key.is_active


def test_a_closed_record_is_reopened_when_the_unit_stands_empty_again(prop, vacant):
    vacant.is_open = False
    db.session.commit()
    [offer] = register.unregistered_vacant_units(prop.id)
    assert offer.closed_record
    again = register.register_vacant_unit(
        SYSTEM, property_id=prop.id, unit_id=vacant.unit_id, **register_values(reason="between_tenants")
    )
    assert again.id == vacant.id and again.is_open and again.reason.value == "between_tenants"


# Keys -----------------------------------------------------------------------------------------------------------------


def test_a_key_taken_out_twice_is_refused_until_it_is_back(prop, vacant):
    desk = actor(Role.FRONTDESK)
    key = create_key(vacant)
    due = domain_clock.utcnow() + timedelta(hours=3)
    first = keys.take_out_key(desk, key, taker="staff", taker_name="李助理", purpose="周检", due_back_at=due)
    with pytest.raises(Conflict, match="李助理"):
        keys.take_out_key(
            desk, key, taker="owner", taker_name="王业主", taker_phone="13800000000", purpose="取物", due_back_at=due
        )
    keys.return_key(desk, key, note="完好")
    assert first.returned_at is not None
    keys.take_out_key(
        desk, key, taker="owner", taker_name="王业主", taker_phone="13800000000", purpose="取物", due_back_at=due
    )


def test_returning_a_key_that_is_in_and_retiring_one_that_is_out_are_refused(prop, vacant):
    desk = actor(Role.FRONTDESK)
    key = create_key(vacant)
    with pytest.raises(InvalidTransition):
        keys.return_key(desk, key)
    keys.take_out_key(desk, key, taker="staff", purpose="周检", due_back_at=domain_clock.utcnow() + timedelta(hours=1))
    with pytest.raises(InvalidTransition):
        keys.retire_key(desk, key)


@pytest.mark.parametrize("taker", ["agent", "contractor"])
def test_an_agent_or_contractor_without_the_owners_consent_is_refused(prop, vacant, taker):
    desk = actor(Role.FRONTDESK)
    key = create_key(vacant)
    values = {
        "taker": taker,
        "taker_name": "链家 张经纪",
        "taker_phone": "13900000000",
        "purpose": "带客看房",
        "due_back_at": domain_clock.utcnow() + timedelta(hours=2),
    }
    with pytest.raises(DomainError) as refused:
        keys.take_out_key(desk, key, **values)
    assert refused.value.field == "consent_from"
    with pytest.raises(DomainError) as refused:
        keys.take_out_key(desk, key, consent_from="王业主", **values)
    assert refused.value.field == "consent_by"
    assert keys.open_movement(key.id) is None
    movement = keys.take_out_key(desk, key, consent_from="王业主", consent_by="phone", **values)
    assert (movement.taker, movement.consent_from, movement.consent_by.value) == (Taker(taker), "王业主", "phone")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "vacant_key.take_out")).one()
    assert "王业主" in entry.summary


def test_a_staff_member_taking_a_key_unnamed_takes_it_themself(prop, vacant, assistant):
    key = create_key(vacant)
    movement = keys.take_out_key(
        assistant, key, taker="staff", purpose="周检", due_back_at=domain_clock.utcnow() + timedelta(hours=1)
    )
    assert (movement.taker_user_id, movement.taker_name) == (assistant.user_id, assistant.name)


@pytest.mark.parametrize(
    "field, values",
    [
        ("purpose", {"purpose": ""}),
        ("due_back_at", {"due_back_at": "past"}),
        ("due_back_at", {"due_back_at": "far"}),
        ("taker", {"taker": "thief"}),
        ("taker_phone", {"taker": "owner", "taker_name": "王业主"}),
    ],
)
def test_bad_take_out_input_is_refused_on_its_field(prop, vacant, field, values):
    key = create_key(vacant)
    now = domain_clock.utcnow()
    times = {"past": now - timedelta(minutes=1), "far": now + timedelta(days=31)}
    given = {"taker": "staff", "purpose": "周检", "due_back_at": now + timedelta(hours=1)}
    given.update({k: times.get(v, v) for k, v in values.items()})
    with pytest.raises(DomainError) as refused:
        keys.take_out_key(actor(Role.FRONTDESK), key, **given)
    assert refused.value.field == field


def test_a_key_is_overdue_from_the_moment_it_should_have_been_back(prop, vacant, clock):
    desk = actor(Role.FRONTDESK)
    key = create_key(vacant)
    start = later(clock)
    keys.take_out_key(desk, key, taker="staff", purpose="周检", due_back_at=start + timedelta(hours=2))
    assert len(keys.keys_out(prop.id)) == 1 and keys.overdue_keys(prop.id) == []
    clock.advance(hours=2)
    assert keys.overdue_keys(prop.id) == []
    clock.advance(minutes=1)
    [late] = keys.overdue_keys(prop.id)
    assert (late.tag, late.vacant_id, late.label) == ("K-1", vacant.id, vacant.unit.label)
    keys.return_key(desk, key)
    assert keys.overdue_keys(prop.id) == []


def test_key_sets_have_unique_tags_per_unit_and_a_sane_count(prop, vacant):
    desk = actor(Role.FRONTDESK)
    keys.add_key(desk, vacant, tag="K-1203", count="3")
    with pytest.raises(DomainError) as refused:
        keys.add_key(desk, vacant, tag="K-1203", count="1")
    assert refused.value.field == "tag"
    with pytest.raises(DomainError) as refused:
        keys.add_key(desk, vacant, tag="门禁卡", count="0")
    assert refused.value.field == "count"


# Checks ---------------------------------------------------------------------------------------------------------------


def test_a_check_is_due_the_day_of_registration_then_every_interval_and_overdue_the_day_after(prop, clock):
    later(clock)
    vacant = create_vacant(prop, interval_days=7)
    day = domain_clock.today()
    [due] = schedule.due_checks(prop.id, day)
    assert (due.vacant.id, due.days_overdue, due.is_overdue) == (vacant.id, 0, False)
    create_vacant_check(vacant, day)
    assert schedule.due_checks(prop.id, day) == []
    clock.advance(days=6)
    assert schedule.due_checks(prop.id, domain_clock.today()) == []
    clock.advance(days=1)
    [due] = schedule.due_checks(prop.id, domain_clock.today())
    assert due.due_on == day + timedelta(days=7) and not due.is_overdue
    clock.advance(days=1)
    [late] = schedule.overdue_checks(prop.id, domain_clock.today())
    assert late.days_overdue == 1


def test_a_unit_lived_in_again_or_closed_is_never_due(prop, vacant):
    vacant.unit.status = UnitStatus.OCCUPIED
    db.session.commit()
    assert schedule.due_checks(prop.id, domain_clock.today()) == []


def test_a_failed_item_opens_one_repair_ticket_for_the_unit_linked_to_the_check(prop, vacant, assistant):
    answers, readings = all_ok({"无渗漏水": "fault"})
    check = checks.record_check(assistant, vacant, answers=answers, readings=readings, note="卫生间顶棚渗水")
    ticket = db.session.get(Ticket, check.ticket_id)
    assert check.result == CheckResult.FAILED
    assert (ticket.unit_id, ticket.channel, ticket.department, ticket.status) == (
        vacant.unit_id,
        Channel.PATROL,
        Department.ENGINEERING,
        Status.NEW,
    )
    assert "无渗漏水" in ticket.description and "卫生间顶棚渗水" in ticket.description
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_a_passed_check_opens_no_ticket_and_keeps_the_readings_and_the_agreement(prop, vacant, assistant):
    answers, readings = all_ok()
    check = checks.record_check(assistant, vacant, answers=answers, readings=readings)
    assert (check.result, check.ticket_id) == (CheckResult.PASSED, None)
    assert check.readings == readings and (check.water.value, check.power.value) == ("off", "on")
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "vacant.check")).all()


@pytest.mark.parametrize("broken", ["answer", "reading", "letters"])
def test_an_unanswered_item_or_a_bad_reading_is_refused(prop, vacant, assistant, broken):
    answers, readings = all_ok()
    if broken == "answer":
        answers.pop("无异味")
    else:
        readings["电表读数"] = "" if broken == "reading" else "一千"
    with pytest.raises(DomainError):
        checks.record_check(assistant, vacant, answers=answers, readings=readings)


def test_the_owner_is_told_the_result_in_the_portal_and_by_email(app, prop, vacant, assistant, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    owner = builders.create_resident(prop, unit=vacant.unit)
    owner.email = "owner@example.com"
    db.session.flush()
    answers, readings = all_ok({"门窗关闭完好": "fault"})
    check = checks.record_check(assistant, vacant, answers=answers, readings=readings)
    [notice] = db.session.scalars(select(Notification).where(Notification.resident_id == owner.id)).all()
    assert vacant.unit.label in notice.message and "门窗关闭完好" in notice.message
    assert f"#{check.ticket_id}" in notice.message
    [(to, subject, _body)] = db.session.info.get("outbox", [])
    assert to == "owner@example.com" and vacant.unit.label in subject


def test_a_resident_sees_the_checks_of_their_unit_since_they_live_there_and_a_neighbour_none(prop, vacant, assistant):
    owner = builders.create_resident(prop, unit=vacant.unit)
    neighbour = builders.create_resident(prop, unit=builders.create_unit())
    before = create_vacant_check(vacant, domain_clock.today() - timedelta(days=3))
    tenant = builders.create_resident(prop, account=False)
    db.session.add(
        Occupancy(
            unit_id=vacant.unit_id, resident_id=tenant.id, relation=Relation.TENANT, start_date=domain_clock.today()
        )
    )
    db.session.commit()
    check = checks.record_check(assistant, vacant, answers=all_ok()[0], readings=all_ok()[1])
    day = domain_clock.today()
    assert [c.id for c, _unit in checks.resident_checks(owner.id, day)] == [check.id, before.id]
    assert [c.id for c, _unit in checks.resident_checks(tenant.id, day)] == [check.id]
    assert checks.resident_checks(neighbour.id, day) == []
    with pytest.raises(NotFound):
        checks.resident_check(neighbour.id, check.id, day)
    with pytest.raises(NotFound):
        checks.resident_check(tenant.id, before.id, day)


def test_a_changed_checklist_asks_its_new_items_and_leaves_old_checks_as_they_were(prop, vacant, assistant):
    old = checks.record_check(assistant, vacant, answers=all_ok()[0], readings=all_ok()[1])
    checklist.save_checklist(actor(Role.MANAGER), prop.id, checks="门窗关闭\n燃气阀关闭", readings="燃气表读数")
    assert checklist.split_items(checklist.checklist_items(prop.id)) == (["门窗关闭", "燃气阀关闭"], ["燃气表读数"])
    with pytest.raises(DomainError):
        checks.record_check(assistant, vacant, answers=all_ok()[0], readings=all_ok()[1])
    new = checks.record_check(
        assistant, vacant, answers={"门窗关闭": "ok", "燃气阀关闭": "ok"}, readings={"燃气表读数": "12.5"}
    )
    db.session.refresh(old)
    assert "无异味" in old.answers and set(new.answers) == {"门窗关闭", "燃气阀关闭"}


def test_the_checklist_refuses_no_items_and_an_item_that_is_also_a_meter(prop):
    manager = actor(Role.MANAGER)
    with pytest.raises(DomainError) as refused:
        checklist.save_checklist(manager, prop.id, checks="\n \n", readings="电表读数")
    assert refused.value.field == "checks"
    with pytest.raises(DomainError) as refused:
        checklist.save_checklist(manager, prop.id, checks="电表读数", readings="电表读数")
    assert refused.value.field == "readings"


# Who may --------------------------------------------------------------------------------------------------------------


def test_only_the_units_area_assistant_or_the_manager_records_a_check(prop, vacant, assistant):
    answers, readings = all_ok()
    for role in (Role.FRONTDESK, Role.ENGINEERING, Role.SECURITY):
        with pytest.raises(NotAllowed):
            checks.record_check(actor(role), vacant, answers=answers, readings=readings)
    elsewhere = actor(Role.ASSISTANT)  # an assistant with no area over this unit
    with pytest.raises(NotAllowed):
        checks.record_check(elsewhere, vacant, answers=answers, readings=readings)
    checks.record_check(actor(Role.MANAGER), vacant, answers=answers, readings=readings)
    checks.record_check(assistant, vacant, answers=answers, readings=readings)
    assert db.session.scalar(select(func.count(VacantCheck.id))) == 2


def test_the_deputy_checks_on_the_days_they_cover(prop, vacant):
    deputy = builders.create_staff(Role.ASSISTANT)
    area = create_area(prop, deputy=deputy)
    answers, readings = all_ok()
    with pytest.raises(NotAllowed):
        checks.record_check(Actor.for_user(deputy, "test"), vacant, answers=answers, readings=readings)
    create_cover(area, domain_clock.today(), domain_clock.today())
    checks.record_check(Actor.for_user(deputy, "test"), vacant, answers=answers, readings=readings)


def test_the_desk_keeps_the_keys_and_assistants_only_take_them_out_and_back(prop, vacant, assistant):
    with pytest.raises(NotAllowed):
        keys.add_key(assistant, vacant, tag="K-2", count="1")
    for role in (Role.ENGINEERING, Role.SECURITY, Role.FINANCE, Role.CLEANING):
        with pytest.raises(NotAllowed):
            keys.add_key(actor(role), vacant, tag="K-2", count="1")
    key = keys.add_key(actor(Role.FRONTDESK), vacant, tag="K-2", count="1")
    with pytest.raises(NotAllowed):
        keys.take_out_key(
            actor(Role.ENGINEERING),
            key,
            taker="staff",
            purpose="维修",
            due_back_at=domain_clock.utcnow() + timedelta(hours=1),
        )
    keys.take_out_key(
        assistant, key, taker="staff", purpose="周检", due_back_at=domain_clock.utcnow() + timedelta(hours=1)
    )
    keys.return_key(assistant, key)
    with pytest.raises(NotAllowed):
        keys.retire_key(assistant, key)


def test_only_the_manager_edits_the_checklist_and_only_the_desk_roles_register(prop):
    for role in (Role.ASSISTANT, Role.FRONTDESK, Role.ENGINEERING):
        with pytest.raises(NotAllowed):
            checklist.save_checklist(actor(role), prop.id, checks="门窗关闭", readings="")
    empty = builders.create_unit(status=UnitStatus.VACANT)
    for role in (Role.ENGINEERING, Role.SECURITY, Role.FINANCE, Role.CLEANING):
        with pytest.raises(NotAllowed):
            register.register_vacant_unit(actor(role), property_id=prop.id, unit_id=empty.id, **register_values())


def test_every_step_is_audited(prop, vacant, assistant):
    desk = actor(Role.FRONTDESK)
    key = keys.add_key(desk, vacant, tag="K-9", count="2")
    keys.take_out_key(desk, key, taker="staff", purpose="周检", due_back_at=domain_clock.utcnow() + timedelta(hours=1))
    keys.return_key(desk, key)
    keys.retire_key(desk, key)
    register.update_vacant(desk, vacant, **register_values(interval_days="14"))
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {
        "vacant_key.add",
        "vacant_key.take_out",
        "vacant_key.return",
        "vacant_key.retire",
        "vacant.update",
    } <= actions


# The demo ---------------------------------------------------------------------------------------------------------


def test_the_demo_has_ten_vacant_units_with_keys_one_overdue_and_checks_done_due_and_overdue(prop):
    builders.create_staff(Role.FRONTDESK, username="frontdesk")
    user = builders.create_staff(Role.ASSISTANT, username="assistant")
    create_area(prop, assistant=user)
    for n in range(12):
        builders.create_unit(number=f"05{n:02d}", floor=5, status=UnitStatus.VACANT)
    builders.create_unit(number="0601", floor=6)  # lived in: never registered
    day = domain_clock.today()
    assert load_vacant_demo(prop, rng=random.Random(7), today=day) == 10
    db.session.commit()
    assert db.session.scalar(select(func.count(VacantUnit.id))) == 10
    [late_key] = keys.overdue_keys(prop.id)
    assert late_key.movement.consent_from and len(keys.keys_out(prop.id)) == 2
    due = schedule.due_checks(prop.id, day)
    assert any(not d.is_overdue for d in due) and len(schedule.overdue_checks(prop.id, day)) == 3
    [failed] = db.session.scalars(select(VacantCheck).where(VacantCheck.result == CheckResult.FAILED)).all()
    assert failed.ticket_id is not None and failed.checker_id == user.id
    assert db.session.scalar(select(func.count(VacantCheck.id))) > 50
