"""Telling residents: every area (requests, parcels, renovation, payments) calls `tell_resident` or
`tell_household`, which put a notice in the portal and queue an e-mail where the resident has an address, both in
the resident's language. The e-mail leaves only after the commit (see `domain.notify.mail`).
"""

from collections import defaultdict
from contextlib import contextmanager
from typing import NamedTuple

from flask_babel import force_locale
from sqlalchemy import bindparam, insert, select, update

from domain.accounts.models import User
from domain.clock import utcnow
from domain.notify.mail import queue_mail
from domain.notify.models import Notification
from domain.property.models import Occupancy, Resident
from extensions import db

#: The language of a resident who has not chosen one.
DEFAULT_LOCALE = "zh_Hans_CN"
#: The longest notice the portal shows; the e-mail carries the whole text.
MAX_NOTICE = 1000
#: The longest subject made from the text when the caller gives none.
MAX_SUBJECT = 60


class Addressee(NamedTuple):
    """Whom a notice goes to: the resident, their e-mail address (may be empty) and language (None: Chinese)."""

    resident_id: int
    email: str | None
    locale: str | None


def addressee(resident_id):
    """The Addressee of one resident."""
    resident = db.session.get(Resident, resident_id)
    locale = db.session.scalar(select(User.locale).where(User.id == resident.user_id)) if resident.user_id else None
    return Addressee(resident.id, resident.email, locale)


def households(unit_ids, today):
    """{unit id: [Addressee]} of the units' current residents, in one statement."""
    rows = db.session.execute(
        select(Occupancy.unit_id, Resident.id, Resident.email, User.locale)
        .join(Resident, Resident.id == Occupancy.resident_id)
        .outerjoin(User, User.id == Resident.user_id)
        .where(
            Occupancy.unit_id.in_(unit_ids),
            Occupancy.is_current(today),
        )
    ).all()
    found = defaultdict(list)
    for unit_id, resident_id, email, locale in rows:
        found[unit_id].append(Addressee(resident_id, email, locale))
    return found


def mail_resident(to, message, subject=None, *, mail_body=None):
    """E-mail a resident (an Addressee) in their language, after the commit, when they have an address and mail is
    set up; no notice in the portal (for a caller that keeps its own record, as a payment reminder does).

    `message`, `subject` and `mail_body` are lazy strings rendered in the resident's language. The subject defaults
    to the start of the message and the e-mail's text to the message (a mail may say more than the portal, such as
    a pickup code). Returns (the message's text, whether an e-mail was queued).
    """
    with force_locale(to.locale or DEFAULT_LOCALE):
        text = str(message)
        subject = str(subject) if subject is not None else text[:MAX_SUBJECT]
        body = str(mail_body) if mail_body is not None else text
    return text, queue_mail(to.email, subject, body)


@contextmanager
def notice_batch(now=None):
    """Tell many residents at once: `with notice_batch(now) as tell: tell(to, message, subject, ...)` takes the same
    arguments as `tell_resident` (less `now`) and returns the notice's text; the portal notices are inserted in one
    statement when the block ends (a sweep over hundreds of households stays a few statements, and the request
    threads of the same process are not held up by one ORM object per notice)."""
    now = now or utcnow()
    rows = []

    def tell(to, message, subject=None, *, mail_body=None, ticket_id=None):
        to = to if isinstance(to, Addressee) else addressee(to)
        text, _mailed = mail_resident(to, message, subject, mail_body=mail_body)
        rows.append(
            {"resident_id": to.resident_id, "ticket_id": ticket_id, "message": text[:MAX_NOTICE], "created_at": now}
        )
        return text

    yield tell
    if rows:
        db.session.execute(insert(Notification), rows)


def tell_resident(to, message, subject=None, *, mail_body=None, ticket_id=None, now=None):
    """Tell a resident (a resident id or an Addressee) something, in their language: a notice in the portal and,
    as `mail_resident` does, an e-mail after the commit. Returns the notice's text."""
    with notice_batch(now) as tell:
        return tell(to, message, subject, mail_body=mail_body, ticket_id=ticket_id)


def tell_household(unit_id, message, subject, *, mail_body=None, today, now=None):
    """Tell each current resident of a unit, as `tell_resident` does; returns how many were told."""
    household = households([unit_id], today).get(unit_id, [])
    with notice_batch(now) as tell:
        for to in household:
            tell(to, message, subject, mail_body=mail_body)
    return len(household)


def latest_notices(resident_id, limit=5):
    """The resident's newest notices, newest first."""
    return db.session.scalars(
        select(Notification)
        .where(Notification.resident_id == resident_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()


def unread_notices(resident_id, limit=3):
    """The resident's newest notices not read yet, newest first (one statement)."""
    statement = _UNREAD_NOTICES if limit == 3 else _unread_notices_statement(limit)
    return db.session.scalars(statement, {"resident_id": resident_id}).all()


def _unread_notices_statement(limit):
    """The statement of `unread_notices` (the resident a bound parameter)."""
    return (
        select(Notification)
        .where(Notification.resident_id == bindparam("resident_id"), Notification.read_at.is_(None))
        .order_by(Notification.id.desc())
        .limit(limit)
    )


#: Built once: the resident's home asks it on every visit with unread notices.
_UNREAD_NOTICES = _unread_notices_statement(3)


def mark_notices_read(notice_ids):
    """Mark notices as read (shown once as new); the caller commits."""
    if notice_ids:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(notice_ids), Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
