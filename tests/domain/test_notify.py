"""Telling residents: one notice in the portal and one e-mail queued for the commit, each in the resident's
language, whichever area tells them."""

from datetime import date

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.notify.models import Notification
from domain.notify.services import MAX_NOTICE, Addressee, mail_resident, tell_household, tell_resident
from domain.property.models import Occupancy
from extensions import db
from tests import builders


@pytest.fixture(autouse=True)
def mail(app, monkeypatch):
    """Mail set up (nothing is sent: these tests do not commit what they queue)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")


def outbox():
    """The e-mails queued in this transaction: (to, subject, body)."""
    return db.session.info.get("outbox", [])


def test_a_resident_is_told_in_their_own_language_in_the_portal_and_by_email(prop):
    unit = builders.create_unit()
    chinese, english = builders.create_resident(prop, unit=unit), builders.create_resident(prop, unit=unit)
    chinese.email, english.email, english.user.locale = "wang@example.com", "li@example.com", "en"
    db.session.flush()
    assert tell_resident(chinese.id, _l("A payment is being refunded")) == "一笔付款正在原路退回"
    assert tell_resident(english.id, _l("A payment is being refunded"), "Subject") == "A payment is being refunded"
    notices = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [(n.resident_id, n.message) for n in notices] == [
        (chinese.id, "一笔付款正在原路退回"),
        (english.id, "A payment is being refunded"),
    ]
    assert outbox() == [
        ("wang@example.com", "一笔付款正在原路退回", "一笔付款正在原路退回"),
        ("li@example.com", "Subject", "A payment is being refunded"),
    ]


def test_a_long_notice_is_cut_in_the_portal_and_whole_by_email(prop):
    resident = builders.create_resident(prop, unit=builders.create_unit())
    resident.email = "wang@example.com"
    tell_resident(resident.id, "长" * (MAX_NOTICE + 10), ticket_id=None)
    assert len(db.session.scalars(select(Notification.message)).one()) == MAX_NOTICE
    [(_to, subject, body)] = outbox()
    assert len(body) == MAX_NOTICE + 10 and subject == "长" * 60


def test_a_household_is_its_current_residents_only(prop):
    unit = builders.create_unit()
    owner = builders.create_resident(prop, unit=unit)
    moved_out = builders.create_resident(prop, unit=unit)
    db.session.scalars(select(Occupancy).where(Occupancy.resident_id == moved_out.id)).one().end_date = date(2021, 1, 1)
    builders.create_resident(prop, unit=builders.create_unit())  # a neighbour
    assert tell_household(unit.id, _l("A payment is being refunded"), "退款", today=date(2026, 1, 1)) == 1
    assert db.session.scalars(select(Notification.resident_id)).all() == [owner.id]
    assert outbox() == []  # nobody has an address


def test_mailing_a_resident_leaves_no_notice_in_the_portal(prop):
    english = Addressee(builders.create_resident(prop).id, "li@example.com", "en")
    assert mail_resident(english, _l("A payment is being refunded")) == ("A payment is being refunded", True)
    assert mail_resident(english._replace(email=None), "x") == ("x", False)
    assert outbox() == [("li@example.com", "A payment is being refunded", "A payment is being refunded")]
    assert db.session.scalars(select(Notification)).all() == []
