"""Throttling wrong codes: after MAX_FAILURES wrong codes within WINDOW from one place, that place is locked
out of that check for LOCKOUT, and the desk gets an alarm. Counted in the database, so every worker process
sees the same count."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError
from domain.throttle.models import DeskAlert, FailedAttempt
from extensions import db

MAX_FAILURES = 5
WINDOW = timedelta(minutes=5)
LOCKOUT = timedelta(minutes=5)


class Throttled(DomainError):
    """Too many wrong codes from this place: wait before trying again."""

    status_code = 429
    default_message = _l("Too many wrong codes. Wait five minutes and try again; the desk has been told.")


class WrongCode(DomainError):
    """The code does not match; the attempt has been counted (commit it)."""

    status_code = 400
    default_message = _l("That code is not right for this unit, or it has been used or has expired.")


def place_of(actor):
    """Where an actor's guesses come from: the person and the address they use."""
    return f"{actor.user_id or actor.source}@{actor.source}"[:80]


def _recent_failures(scope, place, since):
    """How many wrong codes `place` typed for `scope` since `since`."""
    return db.session.scalar(select(func.count(FailedAttempt.id)).where(
        FailedAttempt.scope == scope, FailedAttempt.place == place, FailedAttempt.at >= since))


def check_not_locked(scope, place, now=None):
    """Raise Throttled while `place` is locked out of `scope` (MAX_FAILURES within WINDOW, for LOCKOUT)."""
    now = now or utcnow()
    times = db.session.scalars(
        select(FailedAttempt.at).where(FailedAttempt.scope == scope, FailedAttempt.place == place,
                                       FailedAttempt.at >= now - WINDOW - LOCKOUT)
        .order_by(FailedAttempt.at.desc()).limit(MAX_FAILURES)
    ).all()
    # Locked when the last MAX_FAILURES wrong codes fell within one window and the lockout since the last runs.
    if len(times) == MAX_FAILURES and times[0] - times[-1] <= WINDOW and now < times[0] + LOCKOUT:
        raise Throttled()


def count_failure(actor, scope, place, detail="", now=None):
    """Record a wrong code; the MAX_FAILURES-th within WINDOW raises a desk alert. The caller commits."""
    now = now or utcnow()
    db.session.add(FailedAttempt(scope=scope, place=place, at=now))
    db.session.flush()
    count = _recent_failures(scope, place, now - WINDOW)
    if count == MAX_FAILURES:
        alert = DeskAlert(scope=scope, place=place, message=detail[:200], created_at=now)
        db.session.add(alert)
        record(actor, "throttle.alarm", object_type="desk_alerts", summary=f"{scope} {place} {detail}"[:200])
    return count


def open_alerts(limit=20):
    """Alarms nobody has acknowledged yet, newest first."""
    return db.session.scalars(select(DeskAlert).where(DeskAlert.acknowledged_at.is_(None))
                              .order_by(DeskAlert.id.desc()).limit(limit)).all()


def acknowledge_alert(actor, alert_id, now=None):
    """Mark an alarm as seen by `actor`; acknowledging twice changes nothing."""
    done = db.session.execute(
        update(DeskAlert).where(DeskAlert.id == alert_id, DeskAlert.acknowledged_at.is_(None))
        .values(acknowledged_at=now or utcnow(), acknowledged_by_id=actor.user_id)
    ).rowcount
    if done:
        record(actor, "throttle.acknowledge", object_type="desk_alerts", object_id=alert_id)
    return bool(done)
