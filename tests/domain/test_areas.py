"""Areas: the manager's assignment (a unit in one area at most, floors within the building, assistants and deputies
checked, covers' days), deleting an area with routes, and who is told about a unit: assignment changes it."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.alerts.models import StaffAlert
from domain.areas import lookup, services
from domain.areas.demo import load_areas_demo
from domain.areas.models import Area, AreaCover, AreaScope
from domain.areas.notices import tell_unit_assistant
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, DomainError, NotAllowed
from domain.patrols.models import PatrolRoute
from domain.tickets import recording, steps
from domain.tickets.models import Department, Status
from extensions import db
from tests import builders
from tests.areas_builders import SYSTEM, create_area, create_cover


def act(user):
    """The domain's Actor for a user."""
    return Actor.for_user(user, "127.0.0.1")


@pytest.fixture
def manager():
    """The customer-service manager."""
    return builders.create_staff(Role.MANAGER)


def alerts_of(user, kind=None):
    """The alerts `user` has (of one kind), oldest first."""
    query = select(StaffAlert).where(StaffAlert.user_id == user.id).order_by(StaffAlert.id)
    if kind:
        query = query.where(StaffAlert.kind == kind)
    return db.session.scalars(query).all()


# Assignment -------------------------------------------------------------------------------------------


def test_the_manager_creates_an_area_and_it_is_audited(prop, manager):
    """An area with an assistant, a deputy and a desk phone; the log has it."""
    li, wu = builders.create_staff(Role.ASSISTANT), builders.create_staff(Role.ASSISTANT)
    area = services.create_area(
        act(manager), property_id=prop.id, name="一号楼", assistant_id=li.id, deputy_id=wu.id, desk_phone="801"
    )
    services.set_scopes(act(manager), area, [(prop.buildings[0].id, "", "")])
    db.session.commit()
    assert (area.assistant_id, area.deputy_id, area.desk_phone) == (li.id, wu.id, "801")
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "areas")).all()
    assert actions == ["area.create", "area.scopes"]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.MANAGER])
def test_only_the_manager_assigns_areas(prop, role):
    """Every other role is refused, and nothing is saved."""
    user = builders.create_staff(role)
    with pytest.raises(NotAllowed):
        services.create_area(act(user), property_id=prop.id, name="一号楼")
    area = create_area(prop)
    for call in (
        lambda: services.edit_area(act(user), area, name="改名"),
        lambda: services.set_scopes(act(user), area, []),
        lambda: services.add_cover(act(user), area, starts_on=today(), ends_on=today()),
        lambda: services.delete_area(act(user), area),
    ):
        with pytest.raises(NotAllowed):
            call()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Area)) == 1


def test_the_assistant_and_deputy_must_be_active_assistants_or_the_manager_himself(prop, manager):
    """A desk clerk, an inactive assistant or another manager is refused; the manager may be their own deputy."""
    clerk, other_manager = builders.create_staff(Role.FRONTDESK), builders.create_staff(Role.MANAGER)
    gone = builders.create_staff(Role.ASSISTANT)
    gone.is_active = False
    db.session.commit()
    li = builders.create_staff(Role.ASSISTANT)
    for field, values in (
        ("assistant_id", {"assistant_id": clerk.id}),
        ("assistant_id", {"assistant_id": gone.id}),
        ("assistant_id", {"assistant_id": manager.id}),
        ("deputy_id", {"assistant_id": li.id, "deputy_id": other_manager.id}),
        ("deputy_id", {"assistant_id": li.id, "deputy_id": li.id}),
    ):
        with pytest.raises(DomainError) as refused:
            services.create_area(act(manager), property_id=prop.id, name="一号楼", **values)
        assert refused.value.field == field
    area = services.create_area(
        act(manager), property_id=prop.id, name="一号楼", assistant_id=li.id, deputy_id=manager.id
    )
    assert area.deputy_id == manager.id


@pytest.mark.parametrize("phone", ["024-2345 6789 转 801", "801", "(024) 23456789", "024-23456789 ext 12"])
def test_a_desk_phone_looks_like_a_line_or_extension(prop, manager, phone):
    """Lines and extensions are taken as typed."""
    area = services.create_area(act(manager), property_id=prop.id, name="一号楼", desk_phone=phone)
    assert area.desk_phone == phone


@pytest.mark.parametrize("phone", ["李助理", "12", "call me", "024-2345 6789 转 801 转 9"])
def test_a_desk_phone_that_is_not_one_is_refused(prop, manager, phone):
    """Words or a too-short number: refused on the field."""
    with pytest.raises(DomainError) as refused:
        services.create_area(act(manager), property_id=prop.id, name="一号楼", desk_phone=phone)
    assert refused.value.field == "desk_phone"


def test_two_areas_cannot_share_a_name(prop, manager):
    """The name says which area: a second of the same name is refused."""
    create_area(prop, name="一号楼")
    with pytest.raises(Conflict):
        services.create_area(act(manager), property_id=prop.id, name="一号楼")


def test_a_unit_is_in_one_area_only_overlaps_are_refused_naming_the_other_area(prop, manager):
    """Floors 1-9 in one area: the whole building or floors 9-18 elsewhere are refused; 10-18 is fine."""
    building = builders.create_building(prop, code="2", floors=18)
    low = create_area(prop, name="二号楼低区", scopes=[(building.id, 1, 9)])
    high = create_area(prop, name="二号楼高区", scopes=[])
    for rows in ([(building.id, None, None)], [(building.id, 9, 18)]):
        with pytest.raises(Conflict) as refused:
            services.set_scopes(act(manager), high, rows)
        assert "二号楼低区" in refused.value.message
    services.set_scopes(act(manager), high, [(building.id, 10, 18)])
    db.session.commit()
    upper = builders.create_unit(building, number="1501", floor=15)
    lower = builders.create_unit(building, number="0301", floor=3)
    assert lookup.areas_of_units([upper.id, lower.id]) == {upper.id: high, lower.id: low}


def test_floors_stay_within_the_building_and_rows_do_not_overlap(prop, manager):
    """A floor beyond the building, one floor given, letters, or two rows sharing floors: refused."""
    building = builders.create_building(prop, code="2", floors=18)
    area = create_area(prop, scopes=[])
    for rows in (
        [(building.id, 1, 19)],
        [(building.id, 0, 3)],
        [(building.id, 5, 3)],
        [(building.id, 3, None)],
        [(building.id, "三", "5")],
        [(None, None, None)],
        [(building.id, 1, 9), (building.id, 9, 12)],
    ):
        with pytest.raises(DomainError):
            services.set_scopes(act(manager), area, rows)
    assert db.session.scalar(select(func.count()).select_from(AreaScope)) == 0


def test_a_building_of_another_property_is_refused(prop, manager):
    """Only the area's own property's buildings."""
    other = builders.create_property("别的小区")
    area = create_area(prop, scopes=[])
    with pytest.raises(DomainError):
        services.set_scopes(act(manager), area, [(other.buildings[0].id, None, None)])


def test_covers_are_not_in_the_past_and_end_after_they_start(prop, manager):
    """Yesterday or an end before the start are refused; today is fine; an area without a deputy has no covers."""
    day = today()
    area = create_area(prop, deputy=builders.create_staff(Role.ASSISTANT))
    for start, end, field in (
        (day - timedelta(days=1), day, "starts_on"),
        (day + timedelta(days=2), day + timedelta(days=1), "ends_on"),
        ("明天", day, "starts_on"),
    ):
        with pytest.raises(DomainError) as refused:
            services.add_cover(act(manager), area, starts_on=start, ends_on=end)
        assert refused.value.field == field
    cover = services.add_cover(act(manager), area, starts_on=day.isoformat(), ends_on=day.isoformat())
    db.session.commit()
    assert cover.starts_on == day
    services.remove_cover(act(manager), area, cover.id)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AreaCover)) == 0
    alone = create_area(prop, scopes=[])
    with pytest.raises(DomainError):
        services.add_cover(act(manager), alone, starts_on=day, ends_on=day)


def test_an_area_with_routes_is_deleted_only_when_they_are_detached(prop, manager):
    """The refusal names the route; detaching keeps the route without an area."""
    area = create_area(prop, deputy=builders.create_staff(Role.ASSISTANT))
    create_cover(area, today(), today())
    route = PatrolRoute(property_id=prop.id, name="一号楼日巡", area_id=area.id, role=Role.ASSISTANT, windows=[])
    db.session.add(route)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        services.delete_area(act(manager), area)
    assert "一号楼日巡" in refused.value.message
    assert services.delete_area(act(manager), area, detach_routes=True) == ["一号楼日巡"]
    db.session.commit()
    assert db.session.get(PatrolRoute, route.id).area_id is None
    assert db.session.scalar(select(func.count()).select_from(Area)) == 0


# Who is told -----------------------------------------------------------------------------------------


def _repair(prop, unit):
    """A repair of `unit`, dispatched to engineering."""
    ticket = recording.create_ticket(
        SYSTEM, property_id=prop.id, kind="repair", channel="phone", description="漏水", unit_id=unit.id
    )
    ticket.status, ticket.department = Status.DISPATCHED, Department.ENGINEERING
    db.session.commit()
    return ticket


def test_assignment_changes_who_is_told_that_the_team_cannot_come(prop, manager):
    """The assistant hears of a cannot-come; after a cover for today the deputy does; after a change of assistant
    the new one does. A unit in no area tells nobody."""
    li, wu, zhao = (builders.create_staff(Role.ASSISTANT) for _ in range(3))
    engineer = builders.create_staff(Role.ENGINEERING)
    unit = builders.create_unit(number="1203")
    area = create_area(prop, assistant=li, deputy=wu)
    steps.cannot_come(act(engineer), _repair(prop, unit), reason="人手不够，明早到")
    db.session.commit()
    told = alerts_of(li, "late_notice")
    assert len(told) == 1 and told[0].subject_type == "ticket" and not told[0].urgent
    create_cover(area, today(), today())
    steps.cannot_come(act(engineer), _repair(prop, unit), reason="人手不够")
    db.session.commit()
    assert (len(alerts_of(li)), len(alerts_of(wu))) == (1, 1)
    db.session.execute(AreaCover.__table__.delete())
    services.edit_area(act(manager), area, name=area.name, assistant_id=zhao.id, deputy_id=wu.id)
    steps.cannot_come(act(engineer), _repair(prop, unit), reason="人手不够")
    db.session.commit()
    assert (len(alerts_of(li)), len(alerts_of(wu)), len(alerts_of(zhao))) == (1, 1, 1)
    other_building = builders.create_building(prop, code="9")
    lonely = builders.create_unit(other_building, number="0101", floor=1)
    before = db.session.scalar(select(func.count()).select_from(StaffAlert))
    steps.cannot_come(act(engineer), _repair(prop, lonely), reason="人手不够")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(StaffAlert)) == before


def test_a_major_complaint_tells_the_units_assistant(prop, manager):
    """Recorded as major, or classified major later: the assistant on duty is told once, not urgently."""
    li = builders.create_staff(Role.ASSISTANT)
    unit = builders.create_unit(number="0802", floor=8)
    create_area(prop, assistant=li)
    recording.create_ticket(
        SYSTEM,
        property_id=prop.id,
        kind="complaint",
        channel="phone",
        description="噪音",
        unit_id=unit.id,
        severity="major",
    )
    ticket = recording.create_ticket(
        SYSTEM, property_id=prop.id, kind="complaint", channel="phone", description="态度", unit_id=unit.id
    )
    steps.classify(act(manager), ticket, severity="major")
    steps.classify(act(manager), ticket, severity="major")
    db.session.commit()
    told = alerts_of(li, "major_complaint")
    assert len(told) == 2 and told[1].subject_id == ticket.id and not told[1].urgent


def test_tell_unit_assistant_is_the_one_way_to_tell_the_assistant(prop):
    """Other areas call it directly: the deputy on a covered day, nobody for a unit in no area."""
    li, wu = builders.create_staff(Role.ASSISTANT), builders.create_staff(Role.ASSISTANT)
    unit = builders.create_unit(number="0505", floor=5)
    area = create_area(prop, assistant=li, deputy=wu)
    create_cover(area, today(), today() + timedelta(days=1))
    told = tell_unit_assistant(
        unit.id, "水管爆裂", property_id=prop.id, kind="incident", subject_type="incident", subject_id=1
    )
    assert told == [wu.id]
    assert tell_unit_assistant(None, "x", property_id=prop.id, kind="k", subject_type="s", subject_id=None) == []


def test_the_demo_areas_cover_every_unit_with_a_cover_next_week(prop):
    """Building 1 -> 李助理, buildings 2 and 3 -> 吴助理, each the other's deputy; a cover next week."""
    li = builders.create_staff(Role.ASSISTANT, username="assistant")
    wu = builders.create_staff(Role.ASSISTANT, username="assistant2")
    for code in ("2", "3"):
        builders.create_building(prop, code=code, floors=18)
    assert load_areas_demo(prop, rng=random.Random(1), today=today()) == 2
    db.session.commit()
    first, second = services.list_areas(prop.id)
    assert (first.assistant_id, first.deputy_id, second.assistant_id, second.deputy_id) == (li.id, wu.id, wu.id, li.id)
    assert lookup.units_in_no_area(prop.id)[0] == 0
    [cover] = services.covers_of(first)
    assert 0 < (cover.starts_on - today()).days <= 7
