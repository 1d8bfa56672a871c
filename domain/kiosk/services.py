"""Enrolling a kiosk: the kiosk shows a 6-digit pairing code (10 minutes), the manager enters it in the console,
and the kiosk's browser then collects a long random device credential, kept in a cookie. A revoked kiosk is
refused at its next request. Nothing here ever stores a credential in clear."""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.kiosk.models import Kiosk, KioskPairing
from domain.parcels import codes
from extensions import db

PAIRING_TIME = timedelta(minutes=10)
#: Most pairings waiting for a manager at once: anyone may open the pairing screen, so its rows are bounded.
MAX_PENDING_PAIRINGS = 20
#: How often a kiosk's last-seen time is written (every request would be a write per touch).
SEEN_EVERY = timedelta(minutes=1)


def _sha(text):
    """SHA-256 hex of a high-entropy secret (credentials, browser secrets)."""
    return hashlib.sha256(text.encode()).hexdigest()


class TooManyPairings(DomainError):
    """MAX_PENDING_PAIRINGS screens already wait for a manager: no new pairing until some are used or expire."""

    status_code = 429
    default_message = _l(
        "Too many screens are waiting to be enrolled. Try again in a few minutes, or ask the "
        "manager to enter the codes already shown."
    )


def _pending(pairing_id, browser_secret, now):
    """The browser's own pairing still waiting for the manager, or None."""
    pairing = db.session.get(KioskPairing, pairing_id) if pairing_id else None
    if (
        pairing is None
        or pairing.kiosk_id is not None
        or pairing.expires_at <= now
        or pairing.browser_hash != _sha(browser_secret or "")
    ):
        return None
    return pairing


def start_pairing(pairing_id=None, browser_secret=None, now=None):
    """A pairing code for an unenrolled browser: returns (pairing, code to show, browser secret for its cookie).

    A browser that already has a pending pairing (its cookie: `pairing_id`, `browser_secret`) keeps that row and
    gets a fresh code for it, so reloading the screen inserts nothing. Otherwise a new row, unless
    MAX_PENDING_PAIRINGS are already pending (TooManyPairings). Expired pairings are deleted on the way.
    """
    now = now or utcnow()
    db.session.execute(delete(KioskPairing).where(KioskPairing.expires_at <= now))
    pairing = _pending(pairing_id, browser_secret, now)
    if (
        pairing is None
        and db.session.scalar(select(func.count(KioskPairing.id)).where(KioskPairing.kiosk_id.is_(None)))
        >= MAX_PENDING_PAIRINGS
    ):
        raise TooManyPairings()
    for _attempt in range(10):  # the code must be unique among live pairings
        code = codes.new_code()
        code_hash = codes.code_hash("kiosk-pairing", 0, code)
        if not db.session.scalar(
            select(KioskPairing.id).where(KioskPairing.code_hash == code_hash, KioskPairing.expires_at > now)
        ):
            break
    if pairing is None:
        browser_secret = secrets.token_urlsafe(32)
        pairing = KioskPairing(browser_hash=_sha(browser_secret), created_at=now)
        db.session.add(pairing)
    pairing.code_hash, pairing.expires_at = code_hash, now + PAIRING_TIME
    db.session.flush()
    return pairing, code, browser_secret


def enrol(actor, *, property_id, code, name, now=None):
    """The manager enters the code a kiosk shows and names the kiosk; its browser collects the credential next."""
    require(actor, Permission.MANAGE_KIOSKS)
    now = now or utcnow()
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Name the kiosk (where it stands)."), field="name")
    pairing = None
    if codes.is_code(code):
        pairing = db.session.scalar(
            select(KioskPairing).where(
                KioskPairing.code_hash == codes.code_hash("kiosk-pairing", 0, code),
                KioskPairing.expires_at > now,
                KioskPairing.kiosk_id.is_(None),
            )
        )
    if pairing is None:
        raise DomainError(
            _l("No kiosk shows this code, or it has expired: look at the kiosk's screen again."), field="code"
        )
    kiosk = Kiosk(property_id=property_id, name=name[:60], enrolled_at=now, enrolled_by_id=actor.user_id)
    db.session.add(kiosk)
    db.session.flush()
    pairing.kiosk_id = kiosk.id
    record(actor, "kiosk.enrol", kiosk, summary=kiosk.name)
    return kiosk


def collect_credential(pairing_id, browser_secret, now=None):
    """The paired browser collects its device credential (once); None while the manager has not entered the code.

    Raises NotFound for an unknown or expired pairing, or a browser that is not the one that asked for it.
    """
    now = now or utcnow()
    pairing = db.session.get(KioskPairing, pairing_id)
    if pairing is None or pairing.expires_at <= now or pairing.browser_hash != _sha(browser_secret or ""):
        raise NotFound()
    if pairing.kiosk_id is None:
        return None
    kiosk = db.session.get(Kiosk, pairing.kiosk_id)
    credential = secrets.token_urlsafe(48)
    kiosk.credential_hash, kiosk.last_seen_at = _sha(credential), now
    db.session.delete(pairing)
    return credential


def device(credential, now=None):
    """The enrolled, unrevoked kiosk a credential belongs to, or None; notes when it was last seen."""
    if not credential:
        return None
    kiosk = db.session.scalar(select(Kiosk).where(Kiosk.credential_hash == _sha(credential)))
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    now = now or utcnow()
    if kiosk.last_seen_at is None or now - kiosk.last_seen_at >= SEEN_EVERY:
        kiosk.last_seen_at = now
    return kiosk


def revoke(actor, kiosk_id, now=None):
    """Revoke a kiosk: it is refused at its next request."""
    require(actor, Permission.MANAGE_KIOSKS)
    kiosk = db.session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound()
    if kiosk.revoked_at is not None:
        raise InvalidTransition(_l("This kiosk is already revoked."))
    kiosk.revoked_at, kiosk.revoked_by_id = now or utcnow(), actor.user_id
    record(actor, "kiosk.revoke", kiosk, summary=kiosk.name)
    return kiosk


def kiosks(property_id):
    """The property's kiosks, the enrolled ones first, newest first."""
    return db.session.scalars(
        select(Kiosk).where(Kiosk.property_id == property_id).order_by(Kiosk.revoked_at.is_not(None), Kiosk.id.desc())
    ).all()
