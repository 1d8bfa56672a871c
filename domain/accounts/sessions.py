"""Sign-ins kept on the server: one row per sign-in, found from the random token in the cookies.

What callers may rely on: a token is refused once its sign-in is revoked, idle too long or past its absolute end
(all read from domain.clock); checking a token is one indexed statement, plus a write at most once a minute.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import String, and_, bindparam, column, delete, select, table, update

from domain.accounts.models import AccountKind, SignedInUser, SignIn, StaffRole, User
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import NotFound
from domain.queries import read
from extensions import db

#: last_seen_at is written when it is at least this old: idle timeouts are exact to a minute, and a busy
#: session costs one write a minute, not one per request.
TOUCH_EVERY = timedelta(minutes=1)

#: How long a sign-in past its absolute end is kept before the user's next sign-in deletes it.
KEEP_ENDED = timedelta(days=30)

#: The property's name for the console's header (the accounts package sits below domain.property, so the table
#: is named here rather than imported).
_PROPERTIES = table("properties", column("id"), column("name", String), column("time_zone", String))

#: Built once: it runs on every signed-in request.
_LOAD = (
    select(
        User.id,
        User.username,
        User.display_name,
        User.kind,
        StaffRole.role,
        User.company_role,
        User.locale,
        User.is_active,
        SignIn.id.label("sign_in_id"),
        SignIn.property_id,
        _PROPERTIES.c.name.label("property_name"),
        _PROPERTIES.c.time_zone.label("property_time_zone"),
        SignIn.last_seen_at,
        SignIn.expires_at,
        SignIn.idle_seconds,
    )
    .join(User, User.id == SignIn.user_id)
    .outerjoin(StaffRole, and_(StaffRole.user_id == SignIn.user_id, StaffRole.property_id == SignIn.property_id))
    .outerjoin(_PROPERTIES, _PROPERTIES.c.id == SignIn.property_id)
    .where(SignIn.token_hash == bindparam("token_hash"), SignIn.revoked_at.is_(None))
)
_TOUCH = (
    update(SignIn.__table__)
    .where(SignIn.__table__.c.id == bindparam("sign_in_id"))
    .values(last_seen_at=bindparam("now"))
)


def token_hash(token):
    """What is stored for a token: its SHA-256 in hex (a token is 256 random bits, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def lifetimes(kind, remember):
    """(idle, absolute) limits of a new sign-in of `kind`, from the configuration.

    A resident's "keep me signed in" lasts RESIDENT_REMEMBER_DAYS whatever the gaps; a staff member's only
    survives closing the browser, within the shift's STAFF_SESSION_HOURS and STAFF_IDLE_MINUTES.
    """
    config = current_app.config
    if kind == AccountKind.STAFF:
        return timedelta(minutes=config["STAFF_IDLE_MINUTES"]), timedelta(hours=config["STAFF_SESSION_HOURS"])
    if remember:
        days = timedelta(days=config["RESIDENT_REMEMBER_DAYS"])
        return days, days
    return timedelta(minutes=config["RESIDENT_IDLE_MINUTES"]), timedelta(hours=config["RESIDENT_SESSION_HOURS"])


def start_sign_in(user, *, remember, user_agent="", address="", actor=None, property_id=None):
    """Open a sign-in for `user` and return (token, SignedInUser); the token goes into the cookies only.

    `property_id` is the property it works for when the person has only one (domain.property.scope); with
    several, None until they choose. Writes the "account.sign_in" audit entry when `actor` is given. The caller
    commits.
    """
    now = utcnow()
    idle, absolute = lifetimes(user.kind, remember)
    token = secrets.token_urlsafe(32)
    sign_in = SignIn(
        user_id=user.id,
        property_id=property_id,
        token_hash=token_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + absolute,
        idle_seconds=int(idle.total_seconds()),
        remember=bool(remember),
        user_agent=(user_agent or "")[:200],
        address=(address or "")[:64],
    )
    db.session.add(sign_in)
    # The user's sign-ins that ended long ago go (the audit log keeps the events), so the table stays small.
    db.session.execute(
        delete(SignIn)
        .where(SignIn.user_id == user.id, SignIn.expires_at < now - KEEP_ENDED)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    user.last_login_at = now
    if actor is not None:
        record(actor, "account.sign_in", user, summary=f"{user.username}{' (remember)' if remember else ''}")
    return SignedInUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        kind=user.kind,
        role=_role_in(user.id, property_id) if user.kind == AccountKind.STAFF else None,
        locale=user.locale,
        sign_in_id=sign_in.id,
        token=token,
        property_id=property_id,
        company_role=user.company_role,
    )


def _role_in(user_id, property_id):
    if property_id is None:
        return None
    return db.session.scalar(
        select(StaffRole.role).where(StaffRole.user_id == user_id, StaffRole.property_id == property_id)
    )


@dataclass(frozen=True)
class Lapsed:
    """A token whose sign-in ran out (idle or absolute): the person is asked to sign in again."""

    reason: str


def load_signed_in(token):
    """The SignedInUser for a cookie's token; a Lapsed for a sign-in that timed out; None if unknown or revoked.

    Refreshes last_seen_at when it is TOUCH_EVERY old, in its own short transaction, so that a page that reads
    nothing else never holds a write and a rolled-back request still counts as activity.
    """
    if not token or len(token) > 128:
        return None
    row = read(_LOAD, {"token_hash": token_hash(token)}).first()
    if row is None or not row.is_active:
        return None
    now = utcnow()
    if now >= row.expires_at:
        return Lapsed("absolute")
    if now >= row.last_seen_at + timedelta(seconds=row.idle_seconds):
        return Lapsed("idle")
    if now - row.last_seen_at >= TOUCH_EVERY:
        with db.engine.begin() as connection:
            connection.execute(_TOUCH, {"sign_in_id": row.sign_in_id, "now": now})
    return SignedInUser(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        kind=row.kind,
        role=row.role,
        locale=row.locale,
        sign_in_id=row.sign_in_id,
        token=token,
        property_id=row.property_id,
        property_name=row.property_name,
        property_time_zone=row.property_time_zone,
        company_role=row.company_role,
    )


def _revoke(*conditions, now=None):
    """Revoke the open sign-ins matching `conditions`; returns how many."""
    return db.session.execute(
        update(SignIn)
        .where(SignIn.revoked_at.is_(None), *conditions)
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def end_sign_in(actor, sign_in_id):
    """Sign out: revoke this sign-in, so its cookies are refused from now on. Audited; the caller commits."""
    if _revoke(SignIn.id == sign_in_id, SignIn.user_id == actor.user_id):
        record(actor, "account.sign_out", object_type="sign_ins", object_id=sign_in_id)


def revoke_device(actor, sign_in_id):
    """Sign one of one's own devices out ("signed-in devices"); another person's sign-in is NotFound."""
    if not _revoke(SignIn.id == sign_in_id, SignIn.user_id == actor.user_id):
        raise NotFound()
    record(actor, "account.sign_out_device", object_type="sign_ins", object_id=sign_in_id)


def revoke_all(actor, user_id, *, keep=None, action="account.sign_out_everywhere"):
    """Revoke every open sign-in of `user_id` (but `keep`, the current one, when given); audited with `action`
    when any was open. Used by "sign out everywhere", password changes and resets, and role or state changes."""
    conditions = [SignIn.user_id == user_id] + ([SignIn.id != keep] if keep else [])
    count = _revoke(*conditions)
    if count and action:
        record(actor, action, object_type="users", object_id=user_id, summary=str(count))
    return count


def open_sign_ins(user_id):
    """The user's sign-ins still usable now, the most recently used first."""
    now = utcnow()
    rows = db.session.scalars(
        select(SignIn)
        .where(SignIn.user_id == user_id, SignIn.revoked_at.is_(None), SignIn.expires_at > now)
        .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
    ).all()
    return [row for row in rows if now < row.last_seen_at + timedelta(seconds=row.idle_seconds)]


_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent):
    """A short name for a browser's User-Agent ("Chrome · Windows"), for the list of signed-in devices."""
    user_agent = user_agent or ""
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    return " · ".join(part for part in (browser, system) if part) or user_agent[:40]
