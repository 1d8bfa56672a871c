"""Publishing and reading announcements."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from domain.accounts.roles import Permission, require
from domain.announcements.models import Announcement
from domain.audit.services import diff, record
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.property.buildings import get_property
from domain.queries import read
from extensions import db


def _check_window(valid_from, valid_until):
    """The validity period must end after it starts."""
    if valid_until <= valid_from:
        raise DomainError(_l("The end must be after the start."), field="valid_until")


def publish(actor, *, title, body, valid_from, valid_until):
    """Publish an announcement for a validity period."""
    require(actor, Permission.PUBLISH_ANNOUNCEMENTS)
    _check_window(valid_from, valid_until)
    announcement = Announcement(
        property_id=get_property().id,
        title=title.strip(),
        body=body.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        created_by_id=actor.user_id,
    )
    db.session.add(announcement)
    db.session.flush()
    record(actor, "announcement.publish", announcement, summary=announcement.title)
    return announcement


def update(actor, announcement, *, title, body, valid_from, valid_until):
    """Correct an announcement's text or period."""
    require(actor, Permission.PUBLISH_ANNOUNCEMENTS)
    if announcement.withdrawn_at is not None:
        raise InvalidTransition(_l("A withdrawn announcement cannot be edited."))
    _check_window(valid_from, valid_until)
    changes = diff(
        announcement,
        {"title": title.strip(), "body": body.strip(), "valid_from": valid_from, "valid_until": valid_until},
    )
    if changes:
        record(actor, "announcement.update", announcement, summary=announcement.title, changes=changes)
    return announcement


def withdraw(actor, announcement):
    """Take an announcement down before its period ends."""
    require(actor, Permission.PUBLISH_ANNOUNCEMENTS)
    if announcement.withdrawn_at is not None:
        raise InvalidTransition(_l("This announcement has already been withdrawn."))
    announcement.withdrawn_at = utcnow()
    record(actor, "announcement.withdraw", announcement, summary=announcement.title)
    return announcement


def get_announcement(announcement_id):
    """Return an announcement or raise NotFound."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound()
    return announcement


#: Built once: the portal home and the kiosk run it on every request.
_CURRENT = (
    select(Announcement.id, Announcement.title, Announcement.body, Announcement.valid_from)
    .where(
        Announcement.withdrawn_at.is_(None),
        Announcement.valid_from <= bindparam("now"),
        Announcement.valid_until > bindparam("now"),
    )
    .order_by(Announcement.valid_from.desc(), Announcement.id.desc())
    .limit(bindparam("limit"))
)


def current_announcements(now=None, limit=5):
    """The announcements showing now, newest first, as rows (id, title, body, valid_from)."""
    return read(_CURRENT, {"now": now or utcnow(), "limit": limit}).all()


def list_announcements(limit=100):
    """Every announcement for the console, newest first."""
    return db.session.scalars(select(Announcement).order_by(Announcement.id.desc()).limit(limit)).all()
