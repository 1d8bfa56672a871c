"""One person's short errand at a kiosk (paying by phone, answering a survey): a row known by the SHA-256 of a
random token the kiosk's page carries, bound to its kiosk and its flow, deleted at its end, at the kiosk's start
screen or idle reset, or when it times out."""

import hashlib
import secrets

from sqlalchemy import delete, select

from domain.clock import utcnow
from domain.errors import NotFound
from domain.kiosk.models import KioskSession
from extensions import db


def _sha(token):
    """SHA-256 of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def forget(kiosk, now=None):
    """Delete this kiosk's errands (the start screen and the idle reset) and everyone's expired ones."""
    now = now or utcnow()
    db.session.execute(
        delete(KioskSession).where((KioskSession.kiosk_id == kiosk.id) | (KioskSession.expires_at < now))
    )


def open_session(kiosk, flow, data, lifetime, now=None):
    """A new errand of `flow` on the kiosk for `lifetime`; returns (session, token). The token is never stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    session = KioskSession(
        kiosk_id=kiosk.id, token_hash=_sha(token), flow=flow, created_at=now, expires_at=now + lifetime, data=data
    )
    db.session.add(session)
    return session, token


def live_session(kiosk, token, flow, now=None):
    """The kiosk's own live errand of `flow` for `token`, or NotFound (another kiosk's or flow's, ended or timed
    out)."""
    now = now or utcnow()
    session = db.session.scalar(select(KioskSession).where(KioskSession.token_hash == _sha(token or "")))
    if session is None or session.kiosk_id != kiosk.id or session.flow != flow or session.expires_at <= now:
        raise NotFound()
    return session


def end_session(kiosk, token, flow, now=None):
    """End the kiosk's live errand of `flow` for `token`: True if this call ended it, False if there was none (or
    another request ended it first: the DELETE decides, so two requests sent at once cannot both end it)."""
    now = now or utcnow()
    ended = db.session.execute(
        delete(KioskSession).where(
            KioskSession.token_hash == _sha(token or ""),
            KioskSession.kiosk_id == kiosk.id,
            KioskSession.flow == flow,
            KioskSession.expires_at > now,
        )
    )
    return ended.rowcount == 1
