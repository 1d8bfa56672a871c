"""Unit inspections (验房): scheduling with the manager's checklist, the walk item by item, the meters at hand-over,
signing by the owner and staff, defects as repair tickets, the PDF in the owner's file and the re-inspection."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from domain.movein import inspections
from domain.movein.models import CaseStatus, InspectionStatus, InspectionTemplateItem, MoveInCase, MoveInEvent
from extensions import db
from tests import builders


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


@pytest.fixture
def case(prop):
    """A move-in case for a new unit, its owner already in the register (no occupancy yet)."""
    unit = builders.create_unit(number="1501", floor=15)
    owner = builders.create_resident(prop, name="李业主")
    case = MoveInCase(property_id=prop.id, unit_id=unit.id, owner_id=owner.id, status=CaseStatus.BOOKED)
    db.session.add(case)
    db.session.commit()
    return case


@pytest.fixture
def engineer():
    """An engineer."""
    return builders.create_staff(Role.ENGINEERING)


@pytest.fixture
def assistant():
    """A property assistant."""
    return builders.create_staff(Role.ASSISTANT)


def tomorrow(clock):
    """Tomorrow at the clock's time."""
    return clock() + timedelta(days=1)


def test_ensure_template_installs_the_default_checklist_once(prop):
    first = inspections.ensure_inspection_template(prop.id)
    again = inspections.ensure_inspection_template(prop.id)
    assert [i.id for i in first] == [i.id for i in again]
    pairs = {(i.area, i.name) for i in first}
    assert ("卫生间", "地面") in pairs and ("表具", "水表") in pairs and ("电气", "配电箱") in pairs


def test_scheduling_copies_the_active_template_items(prop, case, engineer, assistant, clock):
    inspections.ensure_inspection_template(prop.id)
    retired = db.session.scalars(select(InspectionTemplateItem).where(InspectionTemplateItem.name == "天花")).first()
    retired.is_active = False
    at = tomorrow(clock)
    inspection = inspections.schedule_inspection(
        act(builders.create_staff(Role.FRONTDESK)), case, at, engineer_id=engineer.id, assistant_id=assistant.id
    )
    db.session.commit()
    assert inspection.status == InspectionStatus.SCHEDULED and inspection.round == 1
    assert inspection.scheduled_at == at and inspection.engineer_id == engineer.id
    assert inspection.unit_id == case.unit_id and inspection.property_id == prop.id
    names = [(i.area, i.name) for i in inspection.items]
    assert ("客厅", "门窗") in names and ("客厅", "天花") not in names
    assert inspections.inspections_of_case(case.id) == [inspection]
    event = db.session.scalars(select(MoveInEvent).where(MoveInEvent.case_id == case.id)).one()
    assert event.action == "schedule_inspection"


def test_scheduling_is_refused_to_security_and_residents(case, clock):
    with pytest.raises(NotAllowed):
        inspections.schedule_inspection(act(builders.create_staff(Role.SECURITY)), case, tomorrow(clock))
    with pytest.raises(NotAllowed):
        inspections.schedule_inspection(act(case.owner.user), case, tomorrow(clock))


def test_a_cancelled_case_cannot_be_inspected(case, engineer, clock):
    case.status = CaseStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        inspections.schedule_inspection(act(engineer), case, tomorrow(clock))


def test_a_completed_case_can_be_inspected(case, engineer, clock):
    case.status = CaseStatus.COMPLETED
    assert inspections.schedule_inspection(act(engineer), case, tomorrow(clock)).round == 1


def test_scheduling_twice_is_refused(case, engineer, clock):
    inspections.schedule_inspection(act(engineer), case, tomorrow(clock))
    with pytest.raises(Conflict):
        inspections.schedule_inspection(act(engineer), case, tomorrow(clock))


def test_scheduling_checks_time_and_people(case, engineer, clock):
    with pytest.raises(DomainError) as missing:
        inspections.schedule_inspection(act(engineer), case, None)
    assert missing.value.field == "scheduled_at"
    with pytest.raises(DomainError) as past:
        inspections.schedule_inspection(act(engineer), case, datetime(2026, 1, 1, tzinfo=UTC))
    assert past.value.field == "scheduled_at"
    with pytest.raises(DomainError) as wrong:
        inspections.schedule_inspection(act(engineer), case, tomorrow(clock), engineer_id=case.owner.user_id)
    assert wrong.value.field == "engineer_id"
