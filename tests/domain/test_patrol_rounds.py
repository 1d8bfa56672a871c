"""Walking a round: starting in its window (once, by the right person), visits by label code with the checklist
answered, findings kept once per client key, a finding made a ticket (channel patrol, its department, its photos),
and the signed finish that closes the round."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.clock import today, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.files.models import FieldPhoto
from domain.patrols import rounds, rounds_demo
from domain.patrols.models import PatrolFinding, PatrolRound, PatrolVisit, RoundStatus
from domain.patrols.schedule import slots_on, windows_on
from domain.signatures.models import Signature
from domain.tickets.models import Channel, Department, TicketKind, TicketPhoto
from extensions import db
from tests import builders
from tests import patrol_walk_builders as pw


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


def visit(user, patrol_round, point, **changes):
    """Record `point` as scanned, all OK, unless `changes` say otherwise."""
    fields = {"code": point.code, "method": "scan", "answers": pw.all_ok(), **changes}
    return rounds.record_visit(act(user), patrol_round, **fields)


@pytest.fixture
def walk(prop):
    """An assistant with an area, its route (3 points, window open now) and the window's start."""
    assistant = builders.create_staff(Role.ASSISTANT)
    area = pw.create_area(prop, assistant)
    route = pw.create_route(prop, area=area)
    start = windows_on(route, today())[0][0]
    return assistant, route, start


@pytest.fixture
def started(walk):
    """The walk with its round started by the assistant."""
    assistant, route, start = walk
    patrol_round = rounds.start_round(act(assistant), route, start)
    db.session.commit()
    return assistant, route, patrol_round


def test_start_once_per_window(walk):
    assistant, route, start = walk
    first = rounds.start_round(act(assistant), route, start)
    db.session.commit()
    again = rounds.start_round(act(assistant), route, start)
    assert again.id == first.id
    assert first.status == RoundStatus.IN_PROGRESS and first.patroller_id == assistant.id
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "patrol_round.start"))
        == 1
    )


def test_start_refuses_other_roles_and_areas(prop, walk):
    _assistant, route, start = walk
    with pytest.raises(NotAllowed):
        rounds.start_round(act(builders.create_staff(Role.SECURITY)), route, start)
    with pytest.raises(NotAllowed):
        rounds.start_round(act(builders.create_staff(Role.FRONTDESK)), route, start)
    with pytest.raises(NotAllowed):
        rounds.start_round(act(builders.create_staff(Role.ASSISTANT)), route, start)  # not their area
    manager_round = rounds.start_round(act(builders.create_staff(Role.MANAGER)), route, start)
    assert manager_round.id


def test_start_refuses_a_window_not_open(prop, clock):
    manager = builders.create_staff(Role.MANAGER)
    route = pw.create_route(prop, role=Role.SECURITY, windows=[pw.window_around_now(before=-30, after=90)])
    # The window opening in 30 minutes (tomorrow's, when that is after midnight).
    start = min(s for day in (today(), today() + timedelta(days=1)) for s, _e in windows_on(route, day) if s > utcnow())
    with pytest.raises(InvalidTransition):
        rounds.start_round(act(manager), route, start)
    clock.advance(minutes=31)
    assert rounds.start_round(act(manager), route, start).id


def test_late_start_up_to_two_hours_after_the_window(prop, clock):
    guard = builders.create_staff(Role.SECURITY)
    route = pw.create_route(prop, role=Role.SECURITY, windows=[pw.window_around_now(before=60, after=10)])
    start = windows_on(route, today())[0][0]
    clock.advance(minutes=10 + 121)
    with pytest.raises(InvalidTransition):
        rounds.start_round(act(guard), route, start)
    clock.advance(minutes=-2)
    assert rounds.start_round(act(guard), route, start).id


def test_visit_by_code_updates_on_repeat(started, clock):
    assistant, route, patrol_round = started
    point = route.checkpoints[0]
    phone_time = utcnow() - timedelta(hours=3)  # a phone clock far behind: clamped to the round's start
    visit = rounds.record_visit(
        act(assistant), patrol_round, code=point.code.lower(), method="code", answers=pw.all_ok(), scanned_at=phone_time
    )
    db.session.commit()
    assert visit.scanned_at == patrol_round.started_at - rounds.CLOCK_SLACK
    clock.advance(minutes=3)
    answers = {**pw.all_ok(), pw.CHECKLIST[1]: "fault"}
    again = rounds.record_visit(
        act(assistant),
        patrol_round,
        code=f"https://x/staff/patrols/today/scan/{point.code}",
        method="scan",
        answers=answers,
        note="灯坏了",
        scanned_at=utcnow() + timedelta(hours=1),
    )
    db.session.commit()
    assert again.id == visit.id and again.answers[pw.CHECKLIST[1]] == "fault" and again.note == "灯坏了"
    assert db.session.scalar(select(func.count()).select_from(PatrolVisit)) == 1


def test_visit_refuses_bad_input(prop, started):
    assistant, route, patrol_round = started
    other = pw.create_route(prop, role=Role.SECURITY)
    with pytest.raises(NotFound) as refused:
        rounds.record_visit(
            act(assistant), patrol_round, code=other.checkpoints[0].code, method="scan", answers=pw.all_ok()
        )
    with pytest.raises(DomainError) as refused:
        rounds.record_visit(
            act(assistant), patrol_round, code=route.checkpoints[0].code, method="scan", answers={pw.CHECKLIST[0]: "ok"}
        )
    assert refused.value.field == "answers"
    with pytest.raises(DomainError):
        rounds.record_visit(
            act(assistant),
            patrol_round,
            code=route.checkpoints[0].code,
            method="scan",
            answers={q: "maybe" for q in pw.CHECKLIST},
        )
    with pytest.raises(DomainError):
        rounds.record_visit(
            act(assistant), patrol_round, code=route.checkpoints[0].code, method="gps", answers=pw.all_ok()
        )
    assert db.session.scalar(select(func.count()).select_from(PatrolVisit)) == 0


def test_another_patroller_is_refused(started):
    _assistant, route, patrol_round = started
    other = builders.create_staff(Role.ASSISTANT)
    with pytest.raises(NotAllowed):
        rounds.record_visit(
            act(other), patrol_round, code=route.checkpoints[0].code, method="scan", answers=pw.all_ok()
        )
    with pytest.raises(NotAllowed):
        rounds.add_finding(act(other), patrol_round, description="x")
    with pytest.raises(NotAllowed):
        rounds.finish_round(act(other), patrol_round, signature_data_url=pw.signature_url())


def test_finding_resend_is_kept_once(started):
    assistant, route, patrol_round = started
    first = rounds.add_finding(
        act(assistant),
        patrol_round,
        description="楼道灯不亮",
        checkpoint_id=route.checkpoints[1].id,
        files=[pw.photo_upload()],
        client_key="k-1",
    )
    db.session.commit()
    again = rounds.add_finding(
        act(assistant), patrol_round, description="楼道灯不亮", files=[pw.photo_upload()], client_key="k-1"
    )
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(PatrolFinding)) == 1
    assert db.session.scalar(select(func.count()).select_from(FieldPhoto)) == 1


def test_finding_needs_a_description_and_a_known_department(started):
    assistant, _route, patrol_round = started
    with pytest.raises(DomainError) as refused:
        rounds.add_finding(act(assistant), patrol_round, description="  ")
    assert refused.value.field == "description"
    with pytest.raises(DomainError):
        rounds.add_finding(act(assistant), patrol_round, description="x", department="plumbers")
    with pytest.raises(DomainError):
        rounds.add_finding(act(assistant), patrol_round, description="x", kind="service")
    found = rounds.add_finding(act(assistant), patrol_round, description="有人乱停车", kind="help")
    assert found.department == Department.SECURITY


def test_finding_opens_a_ticket_linked_to_its_round(started):
    assistant, route, patrol_round = started
    finding = rounds.add_finding(
        act(assistant),
        patrol_round,
        description="消防栓漏水",
        checkpoint_id=route.checkpoints[0].id,
        department="engineering",
        files=[pw.photo_upload()],
        client_key="k-2",
    )
    db.session.commit()
    ticket = rounds.raise_ticket(act(assistant), finding)
    db.session.commit()
    assert ticket.channel == Channel.PATROL and ticket.kind == TicketKind.REPAIR
    assert ticket.department == Department.ENGINEERING
    assert ticket.location == route.checkpoints[0].place
    assert route.name in ticket.description and route.checkpoints[0].name in ticket.description
    assert finding.ticket_id == ticket.id and finding.round_id == patrol_round.id
    photo = db.session.scalar(select(FieldPhoto))
    assert [p.stored_name for p in db.session.scalars(select(TicketPhoto))] == [photo.stored_name]
    assert rounds.raise_ticket(act(assistant), finding).id == ticket.id  # one ticket per finding
    desk = builders.create_staff(Role.FRONTDESK)
    second = rounds.add_finding(act(assistant), patrol_round, description="门禁坏了", department="security")
    assert rounds.raise_ticket(act(desk), second).department == Department.SECURITY
    with pytest.raises(NotAllowed):
        rounds.raise_ticket(act(builders.create_staff(Role.CLEANING)), second)


def test_finish_signs_and_closes_the_round(started):
    assistant, route, patrol_round = started
    with pytest.raises(DomainError) as refused:
        rounds.finish_round(act(assistant), patrol_round, signature_data_url="")
    assert refused.value.field == "signature"
    rounds.record_visit(
        act(assistant), patrol_round, code=route.checkpoints[0].code, method="scan", answers=pw.all_ok()
    )
    finding = rounds.add_finding(act(assistant), patrol_round, description="垃圾未清")
    rounds.finish_round(act(assistant), patrol_round, signature_data_url=pw.signature_url(), note="一切正常")
    db.session.commit()
    assert patrol_round.status == RoundStatus.FINISHED and patrol_round.finished_at
    signature = db.session.scalar(select(Signature).where(Signature.subject_type == "patrol_round"))
    assert signature.purpose == "patrol_record" and "垃圾未清" in signature.signed_text
    assert "检查点2" in signature.signed_text  # not reached, said so
    with pytest.raises(InvalidTransition):
        rounds.record_visit(
            act(assistant), patrol_round, code=route.checkpoints[1].code, method="scan", answers=pw.all_ok()
        )
    with pytest.raises(InvalidTransition):
        rounds.add_finding(act(assistant), patrol_round, description="x")
    with pytest.raises(InvalidTransition):
        rounds.finish_round(act(assistant), patrol_round, signature_data_url=pw.signature_url())
    assert rounds.raise_ticket(act(assistant), finding).id  # a finding may still become a ticket


def test_finding_key_of_another_round_conflicts(prop, started):
    assistant, _route, patrol_round = started
    rounds.add_finding(act(assistant), patrol_round, description="x", client_key="same")
    guard = builders.create_staff(Role.SECURITY)
    route = pw.create_route(prop, role=Role.SECURITY)
    other = rounds.start_round(act(guard), route, windows_on(route, today())[0][0])
    with pytest.raises(Conflict):
        rounds.add_finding(act(guard), other, description="x", client_key="same")


def test_my_slots_by_role_and_area(prop):
    assistant = builders.create_staff(Role.ASSISTANT)
    deputy = builders.create_staff(Role.ASSISTANT)
    mine = pw.create_route(prop, area=pw.create_area(prop, assistant, deputy=deputy))
    pw.create_route(prop, area=pw.create_area(prop, builders.create_staff(Role.ASSISTANT)))
    night = pw.create_route(prop, role=Role.SECURITY)
    assert [s.route.id for s in rounds.my_slots(act(assistant), prop.id)] == [mine.id]
    assert rounds.my_slots(act(deputy), prop.id) == []  # no cover today
    assert [s.route.id for s in rounds.my_slots(act(builders.create_staff(Role.SECURITY)), prop.id)] == [night.id]
    assert len(rounds.my_slots(act(builders.create_staff(Role.MANAGER)), prop.id)) == 3


def test_scan_target(prop, started):
    assistant, route, patrol_round = started
    point, open_round, startable = rounds.scan_target(act(assistant), prop.id, route.checkpoints[2].code)
    assert point.id == route.checkpoints[2].id and open_round.id == patrol_round.id and startable is None
    guard_route = pw.create_route(prop, role=Role.SECURITY)
    guard = builders.create_staff(Role.SECURITY)
    _point, open_round, startable = rounds.scan_target(act(guard), prop.id, guard_route.checkpoints[0].code)
    assert open_round is None and startable is not None
    with pytest.raises(NotFound):
        rounds.scan_target(act(guard), prop.id, "NOPE")


def test_demo_week_of_rounds(prop):
    builders.create_staff(Role.MANAGER, username="manager")
    guard = builders.create_staff(Role.SECURITY, username="security")
    first = pw.create_route(prop, role=Role.SECURITY, windows=[["08:00", "10:00"], ["20:00", "22:00"]])
    pw.create_route(prop, role=Role.SECURITY, windows=[["14:00", "15:00"]])
    rounds_demo.load_patrol_rounds_demo(prop, rng=random.Random(7), today=today())
    db.session.commit()
    states = {}
    for back in range(1, 8):
        day = today() - timedelta(days=back)
        for slot in slots_on(prop.id, day):
            states.setdefault(slot.state(utcnow()), []).append((back, slot.route.id))
    assert states["missed"] == [(3, first.id)]
    assert states["late"] == [(2, first.id)]
    assert len(states["finished"]) == 7 * 3 - 2
    assert db.session.scalar(select(func.count()).select_from(PatrolFinding)) == 3
    tickets = db.session.scalars(select(PatrolFinding.ticket_id).where(PatrolFinding.ticket_id.is_not(None))).all()
    assert len(tickets) == 2
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 7 * 3 - 1
    assert {r.patroller_id for r in db.session.scalars(select(PatrolRound))} == {guard.id}


def test_a_typed_code_forgives_case_spaces_and_dashes(started):
    assistant, route, patrol_round = started
    code = route.checkpoints[0].code
    typed = f" {code[:3].lower()}- {code[3:]} "
    assert visit(assistant, patrol_round, route.checkpoints[0], code=typed, method="code").checkpoint_id == (
        route.checkpoints[0].id
    )
