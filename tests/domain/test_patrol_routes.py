"""The manager's patrol routes and checkpoints: defaults, checks of bad input, ordering, retiring, label codes."""

import random

import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.clock import today, utcnow
from domain.errors import DomainError, NotAllowed
from domain.movein.invitations import CODE_ALPHABET
from domain.patrols import routes
from domain.patrols.demo import load_patrols_demo
from domain.patrols.models import Checkpoint, PatrolFinding, PatrolRoute
from domain.patrols.records import history
from extensions import db
from tests import builders
from tests.patrol_builders import create_area, create_route, manager_actor


def _actions():
    """The audit log's actions, oldest first."""
    return [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]


def test_new_code_is_short_unambiguous_and_unique(prop):
    codes = {routes.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("".join(codes)) & set("0O1IL")


def test_an_assistant_route_gets_one_daily_window_and_security_one_per_shift(prop):
    actor = manager_actor()
    area = create_area(prop)
    daily = routes.save_route(actor, name="一号楼日巡", role="assistant", area_id=area.id, property_id=prop.id)
    night = routes.save_route(actor, name="夜巡", role=Role.SECURITY, windows=[("", "")], property_id=prop.id)
    assert daily.windows == [["08:30", "11:30"]] and daily.area_id == area.id
    assert len(night.windows) == 3 and night.windows[-1] == ["23:00", "01:00"]
    assert _actions() == ["patrol.route_create", "patrol.route_create"]


def test_windows_are_checked_and_sorted(prop):
    actor = manager_actor()
    route = routes.save_route(
        actor, name="夜巡", role="security", windows=[("22:00", "02:00"), ("8:00", "10:00")], property_id=prop.id
    )
    assert route.windows == [["08:00", "10:00"], ["22:00", "02:00"]]
    for windows in ([("8", "10:00")], [("09:00", "09:00")], [("09:00", "10:00"), ("09:00", "11:00")]):
        with pytest.raises(DomainError) as error:
            routes.save_route(actor, route, name="夜巡", role="security", windows=windows)
        assert error.value.field == "windows"
    db.session.rollback()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "长" * 81}, "name"),
        ({"role": "cleaning"}, "role"),
        ({"role": "manager"}, "role"),
        ({"area_id": 999}, "area_id"),
    ],
)
def test_bad_route_input_is_refused_with_its_field(prop, values, field):
    arguments = {"name": "巡视", "role": "assistant", "property_id": prop.id} | values
    with pytest.raises(DomainError) as error:
        routes.save_route(manager_actor(), **arguments)
    assert error.value.field == field
    db.session.rollback()
    assert db.session.query(PatrolRoute).count() == 0


def test_editing_a_route_is_audited_with_its_changes(prop):
    route = create_route(prop, points=0)
    actor = manager_actor()
    routes.save_route(actor, route, name="一号楼早巡", role="assistant", windows=[("07:30", "10:00")])
    entry = db.session.query(AuditEntry).filter_by(action="patrol.route_edit").one()
    assert entry.changes["name"] == ["一号楼日巡", "一号楼早巡"]
    assert route.windows == [["07:30", "10:00"]]
    routes.save_route(actor, route, name="一号楼早巡", role="assistant", windows=[("07:30", "10:00")])
    assert db.session.query(AuditEntry).filter_by(action="patrol.route_edit").count() == 1


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT, Role.SECURITY, Role.ENGINEERING])
def test_only_the_manager_edits_routes(prop, role):
    route = create_route(prop, points=1)
    actor = Actor.for_user(builders.create_staff(role), "127.0.0.1")
    with pytest.raises(NotAllowed):
        routes.save_route(actor, name="x", role="assistant", property_id=prop.id)
    with pytest.raises(NotAllowed):
        routes.save_checkpoint(actor, route, name="x", checklist="y")
    with pytest.raises(NotAllowed):
        routes.move_checkpoint(actor, route.checkpoints[0], "down")
    with pytest.raises(NotAllowed):
        routes.retire_checkpoint(actor, route.checkpoints[0])
    with pytest.raises(NotAllowed):
        routes.retire_route(actor, route)


def test_a_checkpoint_gets_the_next_position_a_code_and_a_clean_checklist(prop):
    route = create_route(prop, points=2)
    point = routes.save_checkpoint(
        manager_actor(), route, name="车库", place="B1", look_for="积水", checklist=" 照明正常 \n\n消防通道  畅通\n"
    )
    assert point.position == 3 and len(point.code) == 6
    assert point.checklist == ["照明正常", "消防通道 畅通"]
    assert routes.checkpoint_by_code(point.code.lower()[:3] + "-" + point.code[3:]) is point
    assert routes.checklist_text(point) == "照明正常\n消防通道 畅通"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"place": "地" * 121}, "place"),
        ({"checklist": " \n "}, "checklist"),
        ({"checklist": "\n".join(f"项目{n}" for n in range(13))}, "checklist"),
        ({"checklist": "长" * 41}, "checklist"),
        ({"checklist": "照明\n照明"}, "checklist"),
    ],
)
def test_bad_checkpoint_input_is_refused_with_its_field(prop, values, field):
    route = create_route(prop, points=0)
    arguments = {"name": "大堂", "place": "", "look_for": "", "checklist": "照明正常"} | values
    with pytest.raises(DomainError) as error:
        routes.save_checkpoint(manager_actor(), route, **arguments)
    assert error.value.field == field
    db.session.rollback()
    assert db.session.query(Checkpoint).count() == 0


def test_editing_a_checkpoint_keeps_its_code(prop):
    route = create_route(prop, points=1)
    point = route.checkpoints[0]
    code = point.code
    routes.save_checkpoint(manager_actor(), route, point, name="新名", place="", look_for="", checklist=["门锁"])
    assert (point.code, point.name, point.checklist) == (code, "新名", ["门锁"])
    assert "patrol.checkpoint_edit" in _actions()


def test_moving_checkpoints_swaps_neighbours_and_stops_at_the_ends(prop):
    route = create_route(prop, points=3)
    first, second, third = route.checkpoints
    actor = manager_actor()
    routes.move_checkpoint(actor, third, "up")
    routes.move_checkpoint(actor, first, "up")  # already first: nothing moves
    db.session.commit()
    db.session.refresh(route)
    assert [c.id for c in route.checkpoints] == [first.id, third.id, second.id]
    routes.move_checkpoint(actor, first, "down")
    db.session.commit()
    db.session.refresh(route)
    assert [c.id for c in route.checkpoints] == [third.id, first.id, second.id]
    assert [c.position for c in route.checkpoints] == [1, 2, 3]
    with pytest.raises(DomainError):
        routes.move_checkpoint(actor, first, "sideways")


def test_retiring_and_reinstating_is_audited_once(prop):
    route = create_route(prop, points=1)
    point = route.checkpoints[0]
    actor = manager_actor()
    routes.retire_checkpoint(actor, point)
    routes.retire_checkpoint(actor, point)
    routes.reinstate_checkpoint(actor, point)
    routes.retire_route(actor, route)
    routes.reinstate_route(actor, route)
    assert point.is_active and route.is_active
    assert _actions()[-4:] == [
        "patrol.checkpoint_retire",
        "patrol.checkpoint_reinstate",
        "patrol.route_retire",
        "patrol.route_reinstate",
    ]


def test_the_demo_has_two_routes_with_labels_and_a_week_of_rounds(prop):
    assistant = builders.create_staff(Role.ASSISTANT, username="assistant")
    builders.create_staff(Role.SECURITY, username="security")
    builders.create_staff(Role.MANAGER, username="manager")
    area = create_area(prop, "1号楼", assistant)
    assert load_patrols_demo(prop, rng=random.Random(7), today=today()) == 2
    db.session.commit()
    daily, night = db.session.query(PatrolRoute).order_by(PatrolRoute.id).all()
    assert (daily.area_id, daily.role, len(daily.checkpoints)) == (area.id, Role.ASSISTANT, 6)
    assert night.role == Role.SECURITY and ["22:00", "00:30"] in night.windows
    assert len({c.code for c in daily.checkpoints + night.checkpoints}) == 11
    days, _older = history(prop.id, before=today())
    states = [slot.state(utcnow()) for _day, slots in days for slot in slots]
    assert states.count("missed") == 1 and "late" in states
    findings = db.session.query(PatrolFinding).all()
    assert findings and any(f.ticket_id for f in findings)
