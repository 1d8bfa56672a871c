"""Announcements show only within their period and until withdrawn."""

from datetime import timedelta

import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.announcements import services as announcements
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition, NotAllowed
from extensions import db
from tests import builders


def test_current_announcements_respect_the_period_and_withdrawal(prop):
    actor = Actor.for_user(builders.create_staff(Role.ASSISTANT), "x")
    now = utcnow()
    showing = announcements.publish(
        actor, title="停水", body="b", valid_from=now - timedelta(hours=1), valid_until=now + timedelta(days=1)
    )
    announcements.publish(
        actor, title="将来", body="b", valid_from=now + timedelta(days=1), valid_until=now + timedelta(days=2)
    )
    announcements.publish(
        actor, title="过去", body="b", valid_from=now - timedelta(days=3), valid_until=now - timedelta(days=2)
    )
    withdrawn = announcements.publish(
        actor, title="撤回", body="b", valid_from=now - timedelta(hours=1), valid_until=now + timedelta(days=1)
    )
    announcements.withdraw(actor, withdrawn)
    db.session.commit()
    assert [a.id for a in announcements.current_announcements()] == [showing.id]
    with pytest.raises(InvalidTransition):
        announcements.withdraw(actor, withdrawn)


def test_period_must_end_after_it_starts(prop):
    actor = Actor.for_user(builders.create_staff(Role.ASSISTANT), "x")
    now = utcnow()
    with pytest.raises(DomainError) as error:
        announcements.publish(actor, title="t", body="b", valid_from=now, valid_until=now)
    assert error.value.field == "valid_until"


def test_departments_cannot_publish(prop):
    actor = Actor.for_user(builders.create_staff(Role.SECURITY), "x")
    now = utcnow()
    with pytest.raises(NotAllowed):
        announcements.publish(actor, title="t", body="b", valid_from=now, valid_until=now + timedelta(days=1))
