"""Incident mode: the notice to the affected buildings' residents, its updates and all-clear, and residents' tickets
attached to the incident and closed together with one message."""

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.announcements.models import Announcement
from domain.announcements.services import current_announcements
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import DomainError, InvalidTransition, NotAllowed
from domain.incidents import notices
from domain.incidents.models import IncidentEvent, IncidentNotice, IncidentStatus, IncidentTicket
from domain.incidents.notice_demo import load_incident_mode_demo
from domain.notify.models import Notification
from domain.property.models import Occupancy, Property, Relation
from domain.tickets import recording, steps
from domain.tickets.models import Status, TicketEvent
from extensions import db
from tests import builders
from tests.incident_mode_builders import create_incident, two_buildings


@pytest.fixture(autouse=True)
def mail(app, monkeypatch):
    """Mail set up (nothing is sent: these tests do not commit what they queue)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")


def act(user):
    """The domain's Actor for a user."""
    return Actor.for_user(user, "127.0.0.1")


def outbox():
    """The e-mails queued in this transaction: (to, subject, body)."""
    return db.session.info.get("outbox", [])


def actions(incident):
    """The incident's timeline actions, in order."""
    return list(
        db.session.scalars(
            select(IncidentEvent.action).where(IncidentEvent.incident_id == incident.id).order_by(IncidentEvent.id)
        )
    )


@pytest.fixture
def scene(prop):
    """Two buildings with a household each (an e-mail address each), an open water cut, the manager and the desk."""
    homes = two_buildings(prop)
    for _building, _unit, resident in homes.values():
        resident.email = f"r{resident.id}@example.com"
    db.session.commit()
    incident = create_incident(prop, building=homes["2"][0])
    return homes, incident, act(builders.create_staff(Role.MANAGER)), act(builders.create_staff(Role.FRONTDESK))


def switch_on(manager, incident, homes, **values):
    """Incident mode on for building 2."""
    fields = {"title": "停水通知", "body": "今天14:00-18:00 2号楼停水检修。", "building_ids": [homes["2"][0].id]}
    fields.update(values)
    return notices.notice_on(manager, incident, **fields)


def test_switching_on_tells_the_affected_buildings_only_and_publishes_an_announcement(scene):
    homes, incident, manager, _desk = scene
    notice = switch_on(manager, incident, homes)
    db.session.flush()
    announcement = db.session.get(Announcement, notice.announcement_id)
    assert announcement.title == "【2号楼】停水通知"
    assert [row.title for row in current_announcements()] == ["【2号楼】停水通知"]
    affected, other = homes["2"][2], homes["1"][2]
    assert [to for to, _subject, _body in outbox()] == [affected.email]
    messages = db.session.scalars(select(Notification.resident_id)).all()
    assert messages == [affected.id]
    assert actions(incident) == ["notice_on"]
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "incident.notice_on"))
    assert [n.title for n in notices.live_notices_for_resident(affected.id, today())] == ["停水通知"]
    assert notices.live_notices_for_resident(other.id, today()) == []
    [kiosk] = notices.live_notices(incident.property_id)
    assert kiosk.buildings == ["2号楼"]


def test_a_household_is_told_once_and_in_its_language(scene, prop):
    homes, incident, manager, _desk = scene
    building, unit, first = homes["2"]
    second = builders.create_resident(prop, unit=unit)
    second.email, second.user.locale = "en@example.com", "en"
    other_unit = builders.create_unit(building)
    # The first resident owns two flats of the building: one message all the same.
    db.session.add(Occupancy(unit=other_unit, resident=first, relation=Relation.OWNER, start_date=today()))
    db.session.commit()
    switch_on(manager, incident, homes)
    mails = sorted(outbox())
    assert [to for to, _s, _b in mails] == sorted([first.email, "en@example.com"])
    english = next(body for to, _s, body in mails if to == "en@example.com")
    assert english.startswith("【2号楼】停水通知: ")


def test_many_households_are_told_in_a_few_statements(scene, prop, count_queries):
    homes, incident, manager, _desk = scene
    building = homes["2"][0]
    for _ in range(30):
        builders.create_resident(prop, unit=builders.create_unit(building))
    with count_queries() as counter:
        switch_on(manager, incident, homes)
    assert counter.count <= 12, counter.statements
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 31


def test_bad_input_is_refused_and_nothing_is_saved(scene, prop):
    homes, incident, manager, _desk = scene
    stranger = builders.create_building(builders.create_property("别的小区"), code="9")
    cases = [
        ({"title": " "}, "title"),
        ({"title": "停" * 81}, "title"),
        ({"body": ""}, "body"),
        ({"building_ids": []}, "building_ids"),
        ({"building_ids": ["x"]}, "building_ids"),
        ({"building_ids": [stranger.id]}, "building_ids"),
    ]
    for values, field in cases:
        with pytest.raises(DomainError) as refused:
            switch_on(manager, incident, homes, **values)
        assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(IncidentNotice)) == 0
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0
    assert outbox() == []


def test_only_the_manager_switches_and_only_one_notice_is_live(scene):
    homes, incident, manager, desk = scene
    with pytest.raises(NotAllowed):
        switch_on(desk, incident, homes)
    notice = switch_on(manager, incident, homes)
    with pytest.raises(InvalidTransition):
        switch_on(manager, incident, homes)
    with pytest.raises(NotAllowed):
        notices.post_update(desk, notice, body="18:00恢复")
    with pytest.raises(NotAllowed):
        notices.notice_off(desk, notice)


def test_a_closed_incident_takes_no_new_notice_but_its_live_one_can_be_switched_off(scene):
    homes, incident, manager, _desk = scene
    notice = switch_on(manager, incident, homes)
    incident.status = IncidentStatus.CLOSED
    with pytest.raises(InvalidTransition):
        notices.post_update(manager, notice, body="18:00恢复")
    notices.notice_off(manager, notice)
    assert notice.ended_at is not None


def test_updates_reach_the_same_residents_and_the_banner_shows_the_latest(scene, clock):
    homes, incident, manager, _desk = scene
    notice = switch_on(manager, incident, homes)
    db.session.info["outbox"] = []
    clock.advance(hours=1)
    notices.post_update(manager, notice, body="预计18:00恢复供水")
    with pytest.raises(DomainError):
        notices.post_update(manager, notice, body=" ")
    assert [to for to, _s, _b in outbox()] == [homes["2"][2].email]
    [live] = notices.live_notices_for_resident(homes["2"][2].id, today())
    assert live.update_body == "预计18:00恢复供水"
    assert live.latest_at == clock.at
    assert actions(incident) == ["notice_on", "notice_update"]


def test_the_all_clear_ends_the_notice_withdraws_the_announcement_and_tells_the_residents(scene):
    homes, incident, manager, _desk = scene
    notice = switch_on(manager, incident, homes)
    db.session.info["outbox"] = []
    notices.notice_off(manager, notice)
    assert notice.ended_at is not None
    assert current_announcements() == []
    [(to, _subject, body)] = outbox()
    assert to == homes["2"][2].email and "已恢复正常" in body
    assert notices.live_notices_for_resident(homes["2"][2].id, today()) == []
    assert notices.live_notices(incident.property_id) == []
    assert notice.updates[-1].all_clear
    with pytest.raises(InvalidTransition):
        notices.notice_off(manager, notice)
    with pytest.raises(InvalidTransition):
        notices.post_update(manager, notice, body="又停了")
    assert actions(incident) == ["notice_on", "notice_off"]
    # A new notice may go on once the old one is off.
    switch_on(manager, incident, homes, title="再次停水")


def test_a_resident_who_moved_out_sees_no_banner(scene, clock):
    homes, incident, manager, _desk = scene
    resident = homes["2"][2]
    switch_on(manager, incident, homes)
    resident.occupancies[0].end_date = today()
    db.session.flush()
    assert notices.live_notices_for_resident(resident.id, today())
    clock.advance(days=1)
    assert notices.live_notices_for_resident(resident.id, today()) == []


def ticket_of(prop, unit, resident, **values):
    """A resident's repair ticket about the water."""
    ticket = recording.create_ticket(
        Actor.system(),
        property_id=prop.id,
        kind="repair",
        channel="portal",
        description="家里没有水",
        unit_id=unit.id,
        resident_id=resident.id,
        **values,
    )
    db.session.flush()
    return ticket


def test_the_desk_attaches_open_tickets_once_and_closes_them_with_one_message(scene, prop):
    homes, incident, manager, desk = scene
    _b, unit, resident = homes["2"]
    queued, claimed, done = (ticket_of(prop, unit, resident) for _ in range(3))
    steps.dispatch(manager, queued, department="engineering")
    steps.dispatch(manager, claimed, department="engineering")
    steps.claim(manager, claimed)
    steps.dispatch(manager, done, department="engineering")
    steps.claim(manager, done)
    steps.finish(manager, done, summary="已检查")
    new = ticket_of(prop, unit, resident)
    closed_before = ticket_of(prop, unit, resident)
    steps.cancel(manager, closed_before, reason="重复")
    with pytest.raises(DomainError):
        notices.attach_tickets(desk, incident, [new.id, closed_before.id])
    with pytest.raises(DomainError):
        notices.attach_tickets(desk, incident, [])
    attached = notices.attach_tickets(desk, incident, [new.id, queued.id, claimed.id])
    assert [t.id for t in attached] == sorted([new.id, queued.id, claimed.id])
    assert notices.attach_tickets(desk, incident, [new.id]) == []  # idempotent
    with pytest.raises(DomainError):
        notices.attach_tickets(desk, incident, [str(done.id)])  # done: nothing left to settle
    assert db.session.scalar(select(func.count()).select_from(IncidentTicket)) == 3
    note = db.session.scalar(
        select(TicketEvent).where(TicketEvent.ticket_id == new.id, TicketEvent.action == "comment")
    )
    assert not note.public and f"#{incident.id}" in note.body
    with pytest.raises(DomainError):
        notices.close_attached_tickets(desk, incident, message=" ")
    closed = notices.close_attached_tickets(desk, incident, message="水泵已修复，18:00起恢复供水。")
    assert {t.status for t in closed} == {Status.CLOSED}
    for ticket in closed:
        event = db.session.scalar(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "closed")
        )
        assert event.public and event.body == "水泵已修复，18:00起恢复供水。"
    told = db.session.scalars(select(Notification.message).where(Notification.ticket_id == new.id)).all()
    assert any("水泵已修复" in message for message in told)
    with pytest.raises(InvalidTransition):
        notices.close_attached_tickets(desk, incident, message="again")
    assert actions(incident) == ["tickets_attached", "tickets_closed"]
    audited = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("incident.%"))).all()
    assert audited == ["incident.attach_tickets", "incident.close_tickets"]


def test_a_done_ticket_attached_is_just_closed(scene, prop):
    homes, incident, manager, desk = scene
    _b, unit, resident = homes["2"]
    done = ticket_of(prop, unit, resident)
    steps.dispatch(manager, done, department="engineering")
    steps.claim(manager, done)
    db.session.add(IncidentTicket(incident_id=incident.id, ticket_id=done.id))  # attached while it was open
    steps.finish(manager, done, summary="已检查")
    notices.close_attached_tickets(desk, incident, message="已恢复供水")
    assert done.status == Status.CLOSED


def test_tickets_are_attached_by_the_desk_only_and_of_this_property_only(scene, prop):
    homes, incident, manager, desk = scene
    _b, unit, resident = homes["2"]
    ticket = ticket_of(prop, unit, resident)
    for role in (Role.ENGINEERING, Role.SECURITY, Role.CLEANING, Role.FINANCE):
        with pytest.raises(NotAllowed):
            notices.attach_tickets(act(builders.create_staff(role)), incident, [ticket.id])
    other = builders.create_property("别的小区")
    ticket.property_id = other.id
    with pytest.raises(DomainError):
        notices.attach_tickets(desk, incident, [ticket.id])
    assert db.session.scalar(select(func.count()).select_from(IncidentTicket)) == 0


def test_the_demo_switches_incident_mode_on_for_building_2_with_an_update_and_a_ticket(scene):
    homes, incident, _manager, _desk = scene
    builders.create_staff(Role.MANAGER, username="manager")
    notice = load_incident_mode_demo(incident_property(incident), incident.id, today=today())
    assert notice.ended_at is None and notices.notice_building_ids(notice) == [homes["2"][0].id]
    assert len(notice.updates) == 1 and notice.started_at >= incident.occurred_at
    [ticket] = notices.attached_tickets(incident.id)
    assert ticket.resident_id == homes["2"][2].id and ticket.status == Status.NEW
    [live] = notices.live_notices_for_resident(homes["2"][2].id, today())
    assert live.update_body == notice.updates[0].body
    assert notices.live_notices_for_resident(homes["1"][2].id, today()) == []
    assert actions(incident) == ["notice_on", "notice_update", "tickets_attached"]


def incident_property(incident):
    """The incident's property."""
    return db.session.get(Property, incident.property_id)
