"""The shift handover: the draft of what is open, handing over, acknowledging, and a day's handovers."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.clock import utcnow
from domain.errors import InvalidTransition, NotAllowed
from domain.tickets import handover, recording, steps
from domain.tickets.models import Department, Handover, Priority
from extensions import db
from tests import builders


def actor_for(user):
    """The domain actor of a staff user."""
    return Actor.for_user(user, "test")


@pytest.fixture
def people(prop):
    """A front desk clerk, an assistant, an engineer and a cleaner."""
    return {
        role: actor_for(builders.create_staff(role))
        for role in (Role.FRONTDESK, Role.ASSISTANT, Role.ENGINEERING, Role.CLEANING)
    }


def open_ticket(prop, desk, kind="repair", minutes_ago=1, **values):
    """A ticket recorded at the desk `minutes_ago` minutes ago."""
    values.setdefault("location", "1号楼大堂")
    return recording.create_ticket(
        desk,
        property_id=prop.id,
        kind=kind,
        channel="phone",
        description=f"{kind} 描述",
        now=utcnow() - timedelta(minutes=minutes_ago),
        **values,
    )


@pytest.fixture
def floor(prop, people):
    """One ticket in each situation the handover cares about (or must leave out)."""
    desk, engineer = people[Role.FRONTDESK], people[Role.ENGINEERING]
    t = {}
    t["new"] = open_ticket(prop, desk)  # NEW, not late yet
    t["desk"] = open_ticket(prop, desk, kind="inquiry")  # customer service's own queue
    steps.dispatch(desk, t["desk"])
    t["engineering_fine"] = open_ticket(prop, desk)  # with engineering, on time: not the desk's business
    steps.dispatch(desk, t["engineering_fine"])
    steps.claim(engineer, t["engineering_fine"])
    t["visit_soon"] = open_ticket(prop, desk)
    steps.dispatch(desk, t["visit_soon"])
    steps.claim(engineer, t["visit_soon"])
    steps.schedule(engineer, t["visit_soon"], when=utcnow() + timedelta(hours=3))
    t["visit_later"] = open_ticket(prop, desk)
    steps.dispatch(desk, t["visit_later"])
    steps.claim(engineer, t["visit_later"])
    steps.schedule(engineer, t["visit_later"], when=utcnow() + timedelta(hours=30))
    t["overdue"] = open_ticket(prop, desk, minutes_ago=3 * 24 * 60)  # engineering, past its 24-hour completion
    steps.dispatch(desk, t["overdue"], now=t["overdue"].created_at + timedelta(minutes=1))
    steps.claim(engineer, t["overdue"], now=t["overdue"].created_at + timedelta(minutes=5))
    t["done"] = open_ticket(prop, desk)  # done repair: its callback is open
    steps.dispatch(desk, t["done"])
    steps.claim(engineer, t["done"])
    steps.finish(engineer, t["done"], summary="换了阀门")
    t["closed"] = open_ticket(prop, desk, kind="inquiry")
    steps.dispatch(desk, t["closed"])
    steps.claim(desk, t["closed"])
    steps.finish(desk, t["closed"], summary="已答复")  # inquiries get no callback: closes by hand
    steps.close(desk, t["closed"])
    t["cancelled"] = open_ticket(prop, desk, kind="complaint")
    steps.cancel(desk, t["cancelled"], reason="重复登记")
    db.session.commit()
    return t


def ids_of(draft):
    """{ticket id: reasons} of a draft."""
    return {item["id"]: item["reasons"] for item in draft["tickets"]}


def test_draft_lists_exactly_what_is_open_for_the_next_shift(prop, people, floor):
    draft = handover.draft_handover(people[Role.FRONTDESK], prop.id)
    listed = ids_of(draft)
    assert set(listed) == {floor[k].id for k in ("new", "desk", "visit_soon", "overdue")}
    assert listed[floor["new"].id] == ["new"]
    assert listed[floor["desk"].id] == ["desk"]
    assert listed[floor["visit_soon"].id] == ["scheduled"]
    assert listed[floor["overdue"].id] == ["overdue"]
    assert [c["ticket_id"] for c in draft["callbacks"]] == [floor["done"].id]
    assert draft["more"] == {"tickets": 0, "callbacks": 0}


def test_draft_holds_plain_values_with_iso_times(prop, people, floor):
    draft = handover.draft_handover(people[Role.FRONTDESK], prop.id)
    item = next(i for i in draft["tickets"] if i["id"] == floor["overdue"].id)
    assert item["status"] == "claimed" and item["kind"] == "repair" and item["department"] == "engineering"
    assert item["late"] == ["resolve"] and item["due"] == "resolve"
    assert datetime.fromisoformat(item["due_at"]) == floor["overdue"].resolve_due_at
    assert item["assignee"] and item["place"] == "1号楼大堂"
    visit = next(i for i in draft["tickets"] if i["id"] == floor["visit_soon"].id)
    assert datetime.fromisoformat(visit["scheduled_for"]) == floor["visit_soon"].scheduled_for
    import json

    assert json.loads(json.dumps(draft)) == draft


def test_late_dispatch_shows_as_new_and_overdue(prop, people):
    ticket = open_ticket(prop, people[Role.FRONTDESK], minutes_ago=10)  # repairs: forwarded within 3 minutes
    db.session.commit()
    draft = handover.draft_handover(people[Role.FRONTDESK], prop.id)
    (item,) = draft["tickets"]
    assert item["id"] == ticket.id and item["reasons"] == ["overdue", "new"]
    assert item["late"] == ["dispatch"]
    assert [reason for reason, _tickets in handover.sections(draft)] == ["overdue"]


def test_department_staff_cannot_draft_a_handover(prop, people):
    with pytest.raises(NotAllowed):
        handover.draft_handover(people[Role.ENGINEERING], prop.id)


def test_hand_over_stores_the_draft_and_notes_and_is_audited(prop, people, floor):
    desk = people[Role.FRONTDESK]
    made = handover.create_handover(desk, property_id=prop.id, notes="  3号楼钥匙借给保洁  ")
    db.session.commit()
    stored = db.session.get(Handover, made.id)
    assert stored.notes == "3号楼钥匙借给保洁" and stored.from_user_id == desk.user_id
    assert set(ids_of(stored.items)) == {floor[k].id for k in ("new", "desk", "visit_soon", "overdue")}
    assert db.session.query(AuditEntry).filter_by(action="handover.create", object_id=made.id).count() == 1


def test_someone_else_acknowledges_a_handover_once(prop, people):
    desk, assistant = people[Role.FRONTDESK], people[Role.ASSISTANT]
    made = handover.create_handover(desk, property_id=prop.id, notes="")
    db.session.commit()
    with pytest.raises(NotAllowed):
        handover.acknowledge(desk, made)  # not the author
    with pytest.raises(NotAllowed):
        handover.acknowledge(people[Role.CLEANING], made)  # not a desk role
    handover.acknowledge(assistant, made)
    db.session.commit()
    assert made.acknowledged_by_id == assistant.user_id and made.acknowledged_at is not None
    manager = actor_for(builders.create_staff(Role.MANAGER))
    with pytest.raises(InvalidTransition):
        handover.acknowledge(manager, made)
    assert db.session.get(Handover, made.id).acknowledged_by_id == assistant.user_id
    assert db.session.query(AuditEntry).filter_by(action="handover.acknowledge").count() == 1


def test_acknowledging_a_stale_copy_loses_to_the_first(prop, people):
    made = handover.create_handover(people[Role.FRONTDESK], property_id=prop.id)
    db.session.commit()
    # Someone else acknowledged it a moment ago; this copy of the row does not know yet.
    db.session.execute(
        Handover.__table__.update()
        .where(Handover.id == made.id)
        .values(acknowledged_by_id=people[Role.ASSISTANT].user_id, acknowledged_at=utcnow())
    )
    db.session.commit()
    made.acknowledged_at = None  # what a stale copy would hold
    manager = actor_for(builders.create_staff(Role.MANAGER))
    with pytest.raises(InvalidTransition):
        handover.acknowledge(manager, made)
    assert db.session.get(Handover, made.id).acknowledged_by_id == people[Role.ASSISTANT].user_id


def test_pending_handover_is_the_latest_unacknowledged_one_by_someone_else(prop, people):
    desk, assistant = people[Role.FRONTDESK], people[Role.ASSISTANT]
    now = utcnow()
    first = handover.create_handover(desk, property_id=prop.id, now=now - timedelta(hours=8))
    db.session.commit()
    assert handover.pending_handover(prop.id, desk) is None  # one's own handover is not pending for oneself
    assert handover.pending_handover(prop.id, assistant).id == first.id
    handover.acknowledge(assistant, first)
    db.session.commit()
    assert handover.pending_handover(prop.id, assistant) is None
    mine = handover.create_handover(assistant, property_id=prop.id, now=now - timedelta(hours=1))
    db.session.commit()
    assert handover.pending_handover(prop.id, desk).id == mine.id
    # An older unacknowledged handover is no longer pending once the actor has handed over since.
    handover.create_handover(assistant, property_id=prop.id, now=now - timedelta(minutes=30))
    handover.create_handover(desk, property_id=prop.id, now=now)
    db.session.commit()
    assert handover.pending_handover(prop.id, desk) is None


def test_day_listing_uses_property_time(prop, people):
    desk = people[Role.FRONTDESK]
    # 2026-11-27 23:30 in Shanghai is 15:30 UTC: it belongs to the 27th, not to the 28th.
    late_evening = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    # 2026-11-28 00:30 in Shanghai is 16:30 UTC on the 27th: it belongs to the 28th.
    after_midnight = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    evening_shift = handover.create_handover(desk, property_id=prop.id, now=late_evening)
    night_shift = handover.create_handover(desk, property_id=prop.id, now=after_midnight)
    db.session.commit()
    assert [h.id for h in handover.list_handovers(prop.id, date(2026, 11, 27))] == [evening_shift.id]
    assert [h.id for h in handover.list_handovers(prop.id, date(2026, 11, 28))] == [night_shift.id]
    assert handover.list_handovers(prop.id, date(2026, 11, 29)) == []


def test_notes_too_long_are_refused(prop, people):
    from domain.errors import DomainError

    with pytest.raises(DomainError) as error:
        handover.create_handover(people[Role.FRONTDESK], property_id=prop.id, notes="x" * (handover.NOTES_MAX + 1))
    assert error.value.field == "notes"


def test_draft_counts_what_does_not_fit(prop, people, monkeypatch):
    desk = people[Role.FRONTDESK]
    for _i in range(4):
        open_ticket(prop, desk, kind="inquiry", priority=Priority.NORMAL)
    db.session.commit()
    monkeypatch.setattr(handover, "DRAFT_LIMIT", 3)
    draft = handover.draft_handover(desk, prop.id)
    assert len(draft["tickets"]) == 3 and draft["more"]["tickets"] == 1


def test_catalogue_items_feed_the_desk_department(prop, people):
    """A service request for a customer-service item is in the desk's handover like any desk ticket."""
    from domain.tickets import catalogue

    manager = actor_for(builders.create_staff(Role.MANAGER))
    item = catalogue.create_service_item(
        manager, property_id=prop.id, name="代收快递", price_fen=0, department=Department.CUSTOMER_SERVICE
    )
    ticket = open_ticket(prop, people[Role.FRONTDESK], kind="service", service_item_id=item.id)
    steps.dispatch(people[Role.FRONTDESK], ticket)
    db.session.commit()
    assert ids_of(handover.draft_handover(people[Role.FRONTDESK], prop.id)) == {ticket.id: ["desk"]}
