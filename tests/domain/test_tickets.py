"""The ticket workflow: the state machine table, who may take each step, the service-level clocks,
concurrent claims, callbacks before closing, pauses, paid services, major complaints, and the desk's log
and visits."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor, User
from domain.accounts.roles import PERMISSIONS, Permission, Role
from domain.audit.models import AuditEntry
from domain.billing.models import Bill
from domain.clock import local_date, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from domain.notify.models import Notification
from domain.tickets import callbacks, desk, queries, recording, steps, workflow
from domain.tickets.models import (
    Callback,
    CallbackStatus,
    ContactLog,
    Department,
    Priority,
    ResidentVisit,
    ServiceItem,
    Status,
    Ticket,
    TicketEvent,
)
from extensions import db
from tests import builders

SYSTEM = Actor.system("test")
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def act(user):
    """The domain's Actor for a user."""
    return Actor.for_user(user, "127.0.0.1")


def new_ticket(prop, *, actor=SYSTEM, kind="repair", unit=None, resident=None, now=None, **values):
    """A ticket recorded by phone, for `unit` (or the lobby)."""
    ticket = recording.create_ticket(
        actor,
        property_id=prop.id,
        kind=kind,
        channel="phone",
        description="厨房水龙头漏水",
        unit_id=unit.id if unit else None,
        location="" if unit else "1号楼大堂",
        resident_id=resident.id if resident else None,
        now=now,
        **values,
    )
    db.session.commit()
    return ticket


def events(ticket, action=None):
    """How many timeline events the ticket has (of one action)."""
    query = select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    if action:
        query = query.where(TicketEvent.action == action)
    return db.session.scalar(query)


def snapshot(ticket):
    """Every column of the ticket, and how many events and notifications it has."""
    columns = {c.key: getattr(ticket, c.key) for c in Ticket.__table__.columns}
    notices = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.ticket_id == ticket.id)
    )
    return columns, events(ticket), notices


@pytest.fixture
def people(prop):
    """A unit with its owner, and one staff member of each role."""
    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit, phone="13800138000")
    staff = {role: builders.create_staff(role) for role in Role}
    return unit, owner, staff


# The queue -------------------------------------------------------------------------------------------


def test_a_queue_of_several_statuses_pages_newest_first_like_one_filter(prop, people):
    """Each status is read as its own index range and merged: the pages are exactly the plain filter's."""
    _unit, _owner, staff = people
    mix = [Status.DISPATCHED, Status.CLAIMED, Status.WAITING, Status.CLOSED, Status.SCHEDULED, Status.NEW]
    tickets = [new_ticket(prop) for _ in range(23)]
    for n, ticket in enumerate(tickets):
        _force(ticket, mix[n % len(mix)], staff[Role.ENGINEERING])
    wanted = [Status.DISPATCHED, Status.CLAIMED, Status.SCHEDULED, Status.WAITING]
    expected = [t.id for t in sorted(tickets, key=lambda t: -t.id) if t.status in wanted]
    seen, after = [], None
    while True:
        rows, after = queries.queue(
            prop.id, department="engineering", statuses=[s.value for s in wanted], after=after, limit=4
        )
        seen += [row.id for row in rows]
        if after is None:
            break
    assert seen == expected and len(expected) == 16
    rows, _after = queries.queue(prop.id, statuses=["closed"], limit=50)
    assert [row.id for row in rows] == [t.id for t in reversed(tickets) if t.status == Status.CLOSED]


def test_the_queues_late_flags_agree_with_the_clocks_in_every_state():
    """late_clocks() is clocks() reduced for the queue: same answer for every status, wait and met/unmet clock."""
    from itertools import product
    from types import SimpleNamespace

    due, now = datetime(2026, 5, 1, 9, tzinfo=UTC), datetime(2026, 5, 1, 10, tzinfo=UTC)
    met_times = (None, due - timedelta(minutes=1), due + timedelta(minutes=1))
    for status, waiting, dispatched, claimed, done in product(Status, (None, due), met_times, met_times, met_times):
        row = SimpleNamespace(
            status=status,
            waiting_since=waiting,
            dispatch_due_at=due,
            response_due_at=due,
            resolve_due_at=due,
            dispatched_at=dispatched,
            claimed_at=claimed,
            done_at=done,
        )
        is_open = status in workflow.OPEN
        expected = [key for key, clock in queries.clocks(row, now).items() if clock.late and (is_open or clock.met)]
        assert queries.late_clocks(row, now) == expected, (status, waiting, dispatched, claimed, done)


# The state machine -----------------------------------------------------------------------------------


def _force(ticket, status, assignee):
    """Put a ticket straight into `status` (as the steps would have left it), bypassing the workflow."""
    ticket.status, ticket.department = status, Department.ENGINEERING
    if status not in (Status.NEW, Status.DISPATCHED):
        ticket.assignee_id, ticket.claimed_at, ticket.dispatched_at = assignee.id, utcnow(), utcnow()
    if status == Status.SCHEDULED:
        ticket.scheduled_for = utcnow() + timedelta(days=1)
    if status == Status.WAITING:
        ticket.waiting_since = utcnow()
    if status in (Status.DONE, Status.CLOSED):
        ticket.done_at = utcnow()
    db.session.commit()


#: Each workflow action as a call: (staff actor, ticket, resident id) -> service call.
CALLS = {
    "dispatch": lambda a, t, r: steps.dispatch(a, t),
    "redirect": lambda a, t, r: steps.redirect(a, t, department="security"),
    "claim": lambda a, t, r: steps.claim(a, t),
    "schedule": lambda a, t, r: steps.schedule(a, t, when=utcnow() + timedelta(hours=3)),
    "hand_back": lambda a, t, r: steps.hand_back(a, t, reason="需要配件"),
    "ask_resident": lambda a, t, r: steps.ask_resident(a, t, question="几点在家？"),
    "resume": lambda a, t, r: steps.resume(a, t),
    "record_work": lambda a, t, r: steps.record_work(a, t, note="更换阀芯"),
    "cannot_come": lambda a, t, r: steps.cannot_come(a, t, reason="今天人手不够，明早九点到"),
    "finish": lambda a, t, r: steps.finish(a, t, summary="已修好"),
    "close": lambda a, t, r: steps.close(a, t),
    "cancel": lambda a, t, r: steps.cancel(a, t, reason="重复登记"),
    "resident_cancel": lambda a, t, r: steps.resident_cancel(r[0], t, resident_id=r[1]),
    "resident_comment": lambda a, t, r: steps.comment(r[0], t, body="下午在家", resident_id=r[1]),
    "staff_comment": lambda a, t, r: steps.comment(a, t, body="已电话联系", public=False),
    "rate": lambda a, t, r: steps.rate(r[0], t, resident_id=r[1], rating=5),
    "classify": lambda a, t, r: steps.classify(a, t, category="water"),
    "record_outcome": lambda a, t, r: steps.record_outcome(a, t, outcome="已道歉并赔偿"),
    "settle": lambda a, t, r: steps.settle(a, t, message="停水已恢复"),
}


def test_every_workflow_action_has_a_test_call():
    assert set(CALLS) == set(workflow.TRANSITIONS)


@pytest.mark.parametrize("action", sorted(workflow.TRANSITIONS))
def test_each_action_is_refused_from_every_status_it_does_not_start_from(prop, people, action):
    unit, owner, staff = people
    manager = staff[Role.MANAGER]  # the manager counts as desk, any department and any assignee
    starts, leads_to, _who = workflow.TRANSITIONS[action]
    for status in Status:
        ticket = new_ticket(prop, unit=unit, resident=owner)
        _force(ticket, status, manager)
        before = snapshot(ticket)
        if status in starts:
            CALLS[action](act(manager), ticket, (act(owner.user), owner.id))
            db.session.flush()
            if leads_to is not None:
                assert ticket.status == leads_to, (action, status)
        else:
            with pytest.raises(InvalidTransition):
                CALLS[action](act(manager), ticket, (act(owner.user), owner.id))
            assert snapshot(ticket) == before, (action, status)
        db.session.rollback()


@pytest.mark.parametrize(
    "case",
    [
        "cleaning_dispatches",
        "frontdesk_claims_for_engineering",
        "security_claims_for_engineering",
        "other_engineer_finishes",
        "frontdesk_records_outcome",
        "engineering_closes",
        "engineering_cancels",
        "neighbour_rates",
        "engineering_records_callback",
    ],
)
def test_the_wrong_people_are_refused_and_nothing_changes(prop, people, case):
    unit, owner, staff = people
    engineer = staff[Role.ENGINEERING]
    ticket = new_ticket(prop, unit=unit, resident=owner)
    neighbour = builders.create_resident(prop, unit=builders.create_unit())
    if case == "cleaning_dispatches":
        call = lambda: steps.dispatch(act(staff[Role.CLEANING]), ticket)  # noqa: E731
    else:
        steps.dispatch(SYSTEM, ticket)
        if case in (
            "other_engineer_finishes",
            "frontdesk_records_outcome",
            "engineering_closes",
            "engineering_cancels",
            "neighbour_rates",
            "engineering_records_callback",
        ):
            steps.claim(act(engineer), ticket)
        if case in ("engineering_closes", "neighbour_rates", "engineering_records_callback"):
            steps.finish(act(engineer), ticket, summary="已修好")
        db.session.commit()
        call = {
            "frontdesk_claims_for_engineering": lambda: steps.claim(act(staff[Role.FRONTDESK]), ticket),
            "security_claims_for_engineering": lambda: steps.claim(act(staff[Role.SECURITY]), ticket),
            "other_engineer_finishes": lambda: steps.finish(
                act(builders.create_staff(Role.ENGINEERING)), ticket, summary="x"
            ),
            "frontdesk_records_outcome": lambda: steps.record_outcome(act(staff[Role.FRONTDESK]), ticket, outcome="x"),
            "engineering_closes": lambda: steps.close(act(engineer), ticket),
            "engineering_cancels": lambda: steps.cancel(act(engineer), ticket, reason="x"),
            "neighbour_rates": lambda: steps.rate(act(neighbour.user), ticket, resident_id=neighbour.id, rating=1),
            "engineering_records_callback": lambda: callbacks.record_callback(
                act(engineer), desk.callback_for(ticket.id), result="x", satisfaction=5
            ),
        }[case]
    before = snapshot(ticket)
    with pytest.raises(NotAllowed):
        call()
    assert snapshot(ticket) == before


def test_finance_cannot_record_a_ticket_but_a_cleaner_on_patrol_can(prop, people):
    unit, _owner, staff = people
    with pytest.raises(NotAllowed):
        new_ticket(prop, actor=act(staff[Role.FINANCE]), unit=unit)
    assert new_ticket(prop, actor=act(staff[Role.CLEANING])).created_by_id == staff[Role.CLEANING].id


def test_who_may_record_a_ticket_is_the_permission_table(prop, people):
    unit, _owner, staff = people
    for role, user in staff.items():
        if role in PERMISSIONS[Permission.RECORD_TICKETS]:
            assert new_ticket(prop, actor=act(user), unit=unit).status == Status.NEW, role
        else:
            with pytest.raises(NotAllowed):
                new_ticket(prop, actor=act(user), unit=unit)


@pytest.mark.parametrize("status", list(Status))
def test_the_actions_allowed_now_are_the_ones_the_services_accept(prop, people, status):
    """allowed_actions() agrees with check() for every action, status and kind of actor."""
    unit, owner, staff = people
    ticket = new_ticket(prop, unit=unit, resident=owner)
    _force(ticket, status, staff[Role.ENGINEERING])
    actors = [(act(user), None) for user in staff.values()] + [(SYSTEM, None), (act(owner.user), owner.id)]
    for actor, resident_id in actors:
        allowed = workflow.allowed_actions(actor, ticket, resident_id=resident_id)
        for action in workflow.TRANSITIONS:
            try:
                workflow.check(action, actor, ticket, resident_id=resident_id)
                accepted = True
            except (InvalidTransition, NotAllowed):
                accepted = False
            if action == "record_outcome":
                accepted = False  # a repair has no outcome to record
            assert (action in allowed) == accepted, (status, actor.role, action)


def test_a_resident_is_offered_their_own_steps_only_and_a_rating_once(prop, people):
    unit, owner, staff = people
    neighbour = builders.create_resident(prop, unit=builders.create_unit())
    ticket = new_ticket(prop, unit=unit, resident=owner)
    resident = act(owner.user)
    assert workflow.allowed_actions(resident, ticket, resident_id=owner.id) == ("resident_cancel", "resident_comment")
    assert workflow.allowed_actions(act(neighbour.user), ticket, resident_id=neighbour.id) == ()
    desk_steps = workflow.allowed_actions(act(staff[Role.FRONTDESK]), ticket)
    assert desk_steps == ("dispatch", "cancel", "staff_comment", "classify", "settle")
    _force(ticket, Status.DONE, staff[Role.ENGINEERING])
    assert workflow.allowed_actions(resident, ticket, resident_id=owner.id) == ("resident_comment", "rate")
    steps.rate(resident, ticket, resident_id=owner.id, rating=5)
    assert "rate" not in workflow.allowed_actions(resident, ticket, resident_id=owner.id)


def test_the_manager_is_offered_an_outcome_for_complaints_only(prop, people):
    unit, _owner, staff = people
    manager = act(staff[Role.MANAGER])
    repair, complaint = new_ticket(prop, unit=unit), new_ticket(prop, unit=unit, kind="complaint")
    for ticket in (repair, complaint):
        _force(ticket, Status.CLAIMED, staff[Role.MANAGER])
    assert "record_outcome" not in workflow.allowed_actions(manager, repair)
    assert "record_outcome" in workflow.allowed_actions(manager, complaint)


def test_claiming_a_ticket_someone_else_holds_is_a_conflict(prop, people):
    unit, _owner, staff = people
    ticket = new_ticket(prop, unit=unit)
    steps.dispatch(SYSTEM, ticket)
    steps.claim(act(staff[Role.ENGINEERING]), ticket)
    db.session.commit()
    with pytest.raises(Conflict):
        steps.claim(act(builders.create_staff(Role.ENGINEERING)), ticket)
    with pytest.raises(InvalidTransition):
        steps.claim(act(staff[Role.ENGINEERING]), ticket)  # one's own ticket: not in the queue any more
    with pytest.raises(NotAllowed):
        steps.claim(act(staff[Role.CLEANING]), ticket)  # not the department's: refused before the race


def test_a_resident_sees_the_public_timeline_and_its_photos_only(prop, people):
    from types import SimpleNamespace

    shown, hidden = SimpleNamespace(id=1, public=True), SimpleNamespace(id=2, public=False)
    photos = [SimpleNamespace(event_id=1), SimpleNamespace(event_id=2), SimpleNamespace(event_id=None)]
    ticket = SimpleNamespace(events=[shown, hidden], photos=photos)
    assert queries.resident_events(ticket) == [shown]
    assert queries.resident_photos(ticket) == [photos[0], photos[2]]


# Service levels --------------------------------------------------------------------------------------


def test_a_repair_must_be_forwarded_within_three_minutes(prop, people):
    unit, _owner, staff = people
    ticket = new_ticket(prop, unit=unit, now=T0)
    assert ticket.dispatch_due_at == T0 + timedelta(minutes=3)
    assert not queries.clocks(ticket, now=T0 + timedelta(minutes=2))["dispatch"].late
    assert queries.clocks(ticket, now=T0 + timedelta(minutes=4))["dispatch"].late
    [(row, seconds_left)] = queries.undispatched(prop.id, now=T0 + timedelta(minutes=2))
    assert row.id == ticket.id and seconds_left == 60
    [(_row, seconds_left)] = queries.undispatched(prop.id, now=T0 + timedelta(minutes=4))
    assert seconds_left == -60

    steps.dispatch(act(staff[Role.FRONTDESK]), ticket, now=T0 + timedelta(minutes=2))
    db.session.commit()
    clock = queries.clocks(ticket, now=T0 + timedelta(minutes=30))["dispatch"]
    assert clock.met == T0 + timedelta(minutes=2) and not clock.late
    assert queries.undispatched(prop.id, now=T0 + timedelta(minutes=30)) == []


def test_a_late_dispatch_stays_late_once_met(prop, people):
    unit, _owner, staff = people
    ticket = new_ticket(prop, unit=unit, now=T0)
    steps.dispatch(act(staff[Role.ASSISTANT]), ticket, now=T0 + timedelta(minutes=5))
    assert queries.clocks(ticket, now=T0 + timedelta(hours=1))["dispatch"].late


def test_waiting_for_the_resident_moves_the_deadlines_on_by_the_wait(prop, people, clock):
    unit, owner, staff = people
    clock.set(T0)
    engineer = act(staff[Role.ENGINEERING])
    ticket = new_ticket(prop, unit=unit, resident=owner, now=T0)
    steps.dispatch(SYSTEM, ticket, now=T0)
    steps.claim(engineer, ticket, now=T0 + timedelta(minutes=1))
    response_due, resolve_due = ticket.response_due_at, ticket.resolve_due_at
    clock.set(T0 + timedelta(minutes=10))
    steps.ask_resident(engineer, ticket, question="阀门型号是什么？")
    assert ticket.status == Status.WAITING
    assert not queries.clocks(ticket, now=T0 + timedelta(days=3))["resolve"].late  # paused
    clock.set(T0 + timedelta(minutes=70))
    steps.comment(act(owner.user), ticket, body="型号是DN15", resident_id=owner.id)
    db.session.commit()
    assert ticket.status == Status.CLAIMED and ticket.waiting_since is None
    assert ticket.resolve_due_at == resolve_due + timedelta(hours=1)
    assert ticket.response_due_at == response_due + timedelta(hours=1)
    assert events(ticket, "resumed") == 1


# Concurrency -----------------------------------------------------------------------------------------


def test_fifty_people_claiming_at_once_make_one_winner_and_49_conflicts(app, prop):
    ticket = new_ticket(prop)
    steps.dispatch(SYSTEM, ticket)
    db.session.commit()
    ticket_id = ticket.id
    user_ids = [builders.create_staff(Role.ENGINEERING).id for _ in range(50)]
    db.session.commit()  # the test's own session holds nothing while the threads run
    ready = threading.Barrier(len(user_ids), timeout=60)
    results = []

    def attempt(user_id):
        with app.app_context():
            actor = act(db.session.get(User, user_id))
            loaded = db.session.get(Ticket, ticket_id)
            db.session.expunge(loaded)
            db.session.rollback()  # give the connection back: 50 threads share a pool of 15
            ready.wait()  # everyone saw the ticket in the queue before anyone claims it
            mine = db.session.merge(loaded, load=False)
            try:
                steps.claim(actor, mine)
                db.session.commit()
                results.append(("won", user_id))
            except Conflict as error:
                results.append(("conflict", str(error.message)))
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                results.append(("error", repr(error)))

    threads = [threading.Thread(target=attempt, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    outcomes = [r[0] for r in results]
    assert outcomes.count("won") == 1 and outcomes.count("conflict") == 49, results
    assert {r[1] for r in results if r[0] == "conflict"} == {"该工单刚刚已被他人接单。"}  # the default language
    db.session.expire_all()
    winner = next(r[1] for r in results if r[0] == "won")
    claimed = db.session.get(Ticket, ticket_id)
    assert claimed.assignee_id == winner and claimed.status == Status.CLAIMED
    assert events(claimed, "claimed") == 1
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "ticket.claim")) == 1
    )


# Closing ---------------------------------------------------------------------------------------------


def _finished_repair(prop, unit, owner, staff):
    """A repair forwarded, taken and finished by engineering."""
    ticket = new_ticket(prop, unit=unit, resident=owner)
    engineer = act(staff[Role.ENGINEERING])
    steps.dispatch(act(staff[Role.FRONTDESK]), ticket)
    steps.claim(engineer, ticket)
    steps.finish(engineer, ticket, summary="已更换水龙头", materials="水龙头×1")
    db.session.commit()
    return ticket


def test_a_finished_repair_cannot_close_before_its_callback(prop, people):
    unit, owner, staff = people
    ticket = _finished_repair(prop, unit, owner, staff)
    callback = desk.callback_for(ticket.id)
    assert ticket.status == Status.DONE and callback.status == CallbackStatus.OPEN
    with pytest.raises(InvalidTransition):
        steps.close(act(staff[Role.FRONTDESK]), ticket)
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).status == Status.DONE

    callbacks.record_callback(act(staff[Role.ASSISTANT]), callback, result="已修好，很满意", satisfaction=5)
    db.session.commit()
    assert ticket.status == Status.CLOSED and callback.satisfaction == 5
    with pytest.raises(InvalidTransition):
        callbacks.record_callback(act(staff[Role.ASSISTANT]), callback, result="again", satisfaction=4)


def test_the_residents_rating_closes_a_finished_repair_too(prop, people):
    unit, owner, staff = people
    ticket = _finished_repair(prop, unit, owner, staff)
    steps.rate(act(owner.user), ticket, resident_id=owner.id, rating=4, comment_text="师傅很专业")
    db.session.commit()
    assert ticket.status == Status.CLOSED and ticket.rating == 4


@pytest.mark.parametrize(
    "result, satisfaction, field", [("", 5, "result"), ("好", 0, "satisfaction"), ("好", 6, "satisfaction")]
)
def test_a_callback_needs_a_result_and_a_satisfaction_from_1_to_5(prop, people, result, satisfaction, field):
    unit, owner, staff = people
    ticket = _finished_repair(prop, unit, owner, staff)
    with pytest.raises(DomainError) as refused:
        callbacks.record_callback(
            act(staff[Role.FRONTDESK]), desk.callback_for(ticket.id), result=result, satisfaction=satisfaction
        )
    assert refused.value.field == field
    assert ticket.status == Status.DONE


def test_a_paid_service_bills_the_unit_when_done(prop, people):
    unit, owner, staff = people
    item = ServiceItem(property_id=prop.id, name="疏通下水道", price_fen=5000, department=Department.ENGINEERING)
    db.session.add(item)
    db.session.commit()
    ticket = new_ticket(prop, kind="service", unit=unit, resident=owner, service_item_id=item.id)
    assert ticket.department == Department.ENGINEERING
    engineer = act(staff[Role.ENGINEERING])
    steps.dispatch(SYSTEM, ticket)
    steps.claim(engineer, ticket)
    assert db.session.scalar(select(func.count()).select_from(Bill)) == 0
    steps.finish(engineer, ticket, summary="已疏通")
    db.session.commit()
    bill = db.session.scalars(select(Bill)).one()
    assert bill.unit_id == unit.id and bill.total_fen == 5000 and ticket.billed_line_id == bill.lines[0].id
    assert desk.callback_for(ticket.id) is None  # services get no callback


def test_a_major_complaint_goes_to_the_manager_at_creation(prop, people):
    unit, owner, _staff = people
    ticket = new_ticket(prop, kind="complaint", unit=unit, resident=owner, severity="major", category="service", now=T0)
    assert ticket.escalated_at == T0 and ticket.priority == Priority.URGENT
    escalation = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "escalated")
    ).one()
    assert escalation.public is False
    assert new_ticket(prop, kind="complaint", unit=unit, severity="serious").escalated_at is None


# The desk's log and visits -----------------------------------------------------------------------------


def test_a_call_logged_with_a_ticket_links_the_owner_by_phone(prop, people):
    unit, owner, staff = people
    entry = desk.log_contact(
        act(staff[Role.FRONTDESK]),
        property_id=prop.id,
        channel="phone",
        summary="卫生间漏水",
        caller_name="王先生",
        caller_phone="138 0013 8000",
        unit_id=unit.id,
        ticket_kind="repair",
    )
    db.session.commit()
    ticket = db.session.get(Ticket, entry.ticket_id)
    assert ticket.resident_id == owner.id and ticket.channel.value == "phone" and ticket.unit_id == unit.id
    assert ticket.contact_phone == "138 0013 8000"


def test_a_call_from_an_unknown_phone_is_not_linked_to_the_owner(prop, people):
    unit, _owner, staff = people
    entry = desk.log_contact(
        act(staff[Role.FRONTDESK]),
        property_id=prop.id,
        channel="visit",
        summary="门禁卡坏了",
        caller_phone="13900000000",
        unit_id=unit.id,
        ticket_kind="repair",
    )
    assert db.session.get(Ticket, entry.ticket_id).resident_id is None


def test_two_owners_with_the_same_phone_link_nobody(prop, people):
    unit, _owner, _staff = people
    builders.create_resident(prop, unit=unit, phone="13800138000")
    assert desk.matching_owner(unit.id, "13800138000", utcnow().date()) is None


def test_the_log_shows_only_todays_entries_newest_first(prop, people):
    _unit, _owner, staff = people
    actor = act(staff[Role.FRONTDESK])
    desk.log_contact(
        actor, property_id=prop.id, channel="phone", summary="昨天的电话", now=utcnow() - timedelta(days=1)
    )
    for n in range(3):
        desk.log_contact(actor, property_id=prop.id, channel="phone", summary=f"电话{n}")
    db.session.commit()
    day = local_date(utcnow())
    rows, next_after = desk.list_contacts(prop.id, day=day, limit=2)
    assert [r.summary for r in rows] == ["电话2", "电话1"] and next_after == rows[-1].id
    rows, next_after = desk.list_contacts(prop.id, day=day, after=next_after, limit=2)
    assert [r.summary for r in rows] == ["电话0"] and next_after is None


def test_the_log_refuses_an_empty_summary_and_the_portal_channel(prop, people):
    _unit, _owner, staff = people
    for channel, summary, field in (("phone", " ", "summary"), ("portal", "x", "channel")):
        with pytest.raises(DomainError) as refused:
            desk.log_contact(act(staff[Role.FRONTDESK]), property_id=prop.id, channel=channel, summary=summary)
        assert refused.value.field == field
    with pytest.raises(NotAllowed):
        desk.log_contact(act(staff[Role.FINANCE]), property_id=prop.id, channel="phone", summary="x")
    assert db.session.scalar(select(func.count()).select_from(ContactLog)) == 0


def test_a_planned_visit_is_for_the_owner_and_is_recorded_once(prop, people):
    unit, owner, staff = people
    assistant = act(staff[Role.ASSISTANT])
    visit = desk.plan_visit(
        assistant,
        property_id=prop.id,
        unit_id=unit.id,
        planned_for=utcnow() + timedelta(days=2),
        purpose="VIP业主节日走访",
    )
    owner.is_vip = True  # the VIP mark is the resident's: the visit list shows it
    db.session.commit()
    assert visit.resident_id == owner.id
    assert [(v.id, v.is_vip) for v in desk.list_visits(prop.id)] == [(visit.id, True)]
    with pytest.raises(NotAllowed):
        desk.finish_visit(act(staff[Role.CLEANING]), visit, "x")
    with pytest.raises(DomainError):
        desk.finish_visit(assistant, visit, " ")
    desk.finish_visit(assistant, visit, "业主对绿化提了建议")
    db.session.commit()
    assert desk.list_visits(prop.id) == [] and [v.id for v in desk.list_visits(prop.id, done=True)] == [visit.id]
    with pytest.raises(InvalidTransition):
        desk.finish_visit(assistant, visit, "again")


def test_only_the_desk_plans_visits(prop, people):
    unit, _owner, staff = people
    with pytest.raises(NotAllowed):
        desk.plan_visit(
            act(staff[Role.ENGINEERING]),
            property_id=prop.id,
            unit_id=unit.id,
            planned_for=utcnow() + timedelta(days=1),
            purpose="x",
        )
    assert db.session.scalar(select(func.count()).select_from(ResidentVisit)) == 0


def test_callbacks_list_the_most_overdue_first(prop, people):
    unit, owner, staff = people
    first = _finished_repair(prop, unit, owner, staff)
    second = _finished_repair(prop, unit, owner, staff)
    db.session.get(Callback, desk.callback_for(second.id).id).due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert [c.ticket_id for c in queries.open_callbacks(prop.id)] == [second.id, first.id]


def test_complaint_reply_deadline_depends_on_severity(prop):
    system = Actor.system("test")
    minor = recording.create_ticket(
        system,
        property_id=prop.id,
        kind="complaint",
        channel="phone",
        description="a",
        location="大堂",
        severity="minor",
    )
    serious = recording.create_ticket(
        system,
        property_id=prop.id,
        kind="complaint",
        channel="phone",
        description="b",
        location="大堂",
        severity="serious",
    )
    assert serious.resolve_due_at - serious.created_at < minor.resolve_due_at - minor.created_at
    steps.classify(Actor.system("test"), minor, severity="serious")
    assert (
        minor.priority == Priority.URGENT
        and minor.resolve_due_at - minor.created_at == serious.resolve_due_at - serious.created_at
    )
