"""The staff member a complaint is about: named by staff only, an active staff member or nobody, each change an
internal timeline entry and an audit line, and counted on that person's scorecard for the month it was recorded."""

from datetime import date

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.errors import DomainError
from domain.evaluation import services
from domain.tickets import recording, steps
from domain.tickets.models import Ticket, TicketEvent
from extensions import db
from tests import builders
from tests.evaluation_builders import OCTOBER, complaint_about, october_complaints


def count(model, *where):
    """Rows of `model`."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_complaints_count_on_the_card_of_the_person_they_name_in_the_month_recorded(prop):
    unit = builders.create_unit()
    named, other, nobody = (builders.create_staff(Role.FRONTDESK) for _ in range(3))
    october_complaints(prop, unit, named, other)
    cards = {card.user_id: card for card in services.month_cards(prop.id, OCTOBER)[Role.FRONTDESK]}
    assert cards[named.id].figures["complaints"].value == 2
    assert cards[other.id].figures["complaints"].value == 1
    assert cards[nobody.id].figures["complaints"].value == 0
    # 20 points off each complaint by default.
    assert (cards[named.id].scores["complaints"], cards[nobody.id].scores["complaints"]) == (60, 100)
    september = {card.user_id: card for card in services.month_cards(prop.id, date(2026, 9, 1))[Role.FRONTDESK]}
    assert september[named.id].figures["complaints"].value == 1


@pytest.mark.parametrize("who", ["resident", "former staff", "unknown"])
def test_only_an_active_staff_member_can_be_named_and_a_refusal_saves_nothing(prop, who):
    unit = builders.create_unit()
    if who == "resident":
        person_id = builders.create_resident(prop, unit=unit).user.id
    elif who == "former staff":
        former = builders.create_staff(Role.CLEANING)
        former.is_active = False
        db.session.commit()
        person_id = former.id
    else:
        person_id = 987654
    with pytest.raises(DomainError) as refused:
        recording.create_ticket(
            Actor.system("test"),
            property_id=prop.id,
            kind="complaint",
            channel="phone",
            description="态度差",
            unit_id=unit.id,
            about_staff_id=person_id,
        )
    assert refused.value.field == "about_staff_id"
    db.session.rollback()
    assert count(Ticket) == 0


def test_only_a_complaint_names_a_staff_member(prop):
    unit = builders.create_unit()
    with pytest.raises(DomainError) as refused:
        recording.create_ticket(
            Actor.system("test"),
            property_id=prop.id,
            kind="repair",
            channel="phone",
            description="漏水",
            unit_id=unit.id,
            about_staff_id=builders.create_staff(Role.ENGINEERING).id,
        )
    assert refused.value.field == "about_staff_id"


def test_naming_and_renaming_leave_internal_timeline_entries_and_audit_lines(prop):
    unit = builders.create_unit()
    first, second = builders.create_staff(Role.FRONTDESK), builders.create_staff(Role.SECURITY)
    desk = Actor.for_user(builders.create_staff(Role.ASSISTANT), "test")
    complaint = complaint_about(prop, unit, first)
    steps.classify(desk, complaint, about_staff_id=second.id)
    db.session.commit()
    steps.classify(desk, complaint, category="service")  # the person left as it was
    steps.classify(desk, complaint, about_staff_id=None)
    db.session.commit()
    named = [
        event.data["about_staff"]
        for event in db.session.scalars(select(TicketEvent).where(TicketEvent.action == "classified"))
        if "about_staff" in event.data
    ]
    assert named == [[None, first.display_name], [first.display_name, second.display_name], [second.display_name, None]]
    assert count(TicketEvent, TicketEvent.action == "classified", TicketEvent.public.is_(True)) == 0
    assert db.session.get(Ticket, complaint.id).about_staff_id is None
    assert count(AuditEntry, AuditEntry.action == "ticket.classify") == 3


def test_a_resident_cannot_name_a_staff_member(prop):
    unit = builders.create_unit()
    resident = builders.create_resident(prop, unit=unit)
    ticket = recording.create_ticket(
        Actor.for_user(resident.user, "test"),
        property_id=prop.id,
        kind="complaint",
        channel="portal",
        description="保安态度差",
        unit_id=unit.id,
        resident_id=resident.id,
        about_staff_id=builders.create_staff(Role.SECURITY).id,
    )
    assert ticket.about_staff_id is None
