"""Throttling wrong codes, counted in the database so that every worker process sees the same count:

- per place: after MAX_FAILURES wrong codes within WINDOW from one place the desk gets an alarm. A desk clerk's
  place is then locked out of that check for LOCKOUT. A kiosk (a public screen: `kiosk_place`) is never locked
  for everyone by one passer-by: from its FREE_TRIES-th wrong code on, each next try waits a growing delay
  (DELAY_BASE, doubled per wrong code, at most DELAY_MAX), so a resident behind them waits seconds, not minutes;
- per unit: after UNIT_MAX_FAILURES wrong codes for one unit within UNIT_WINDOW, from any kiosks and the desk
  together, that unit's check is locked everywhere for UNIT_LOCKOUT and the desk gets an alarm, so spreading
  guesses over several kiosks gains nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from domain.audit.services import record
from domain.clock import utcnow
from domain.current_property import current_property_id
from domain.errors import DomainError
from domain.throttle.models import DeskAlert, FailedAttempt
from extensions import db

MAX_FAILURES = 5
WINDOW = timedelta(minutes=5)
LOCKOUT = timedelta(minutes=5)
#: A kiosk's wrong codes that cost nothing; the next waits DELAY_BASE, then twice as long each time, up to DELAY_MAX.
FREE_TRIES = 3
DELAY_BASE = timedelta(seconds=5)
DELAY_MAX = timedelta(seconds=60)
#: Wrong codes older than this no longer lengthen a kiosk's delay.
DELAY_WINDOW = timedelta(minutes=15)
#: Ten wrong codes an hour for one unit at most, wherever typed: guessing a 6-digit code stays hopeless.
UNIT_MAX_FAILURES = 10
UNIT_WINDOW = timedelta(hours=1)
UNIT_LOCKOUT = timedelta(hours=1)
_KIOSK_PREFIX = "kiosk:"


class Throttled(DomainError):
    """Too many wrong codes from this place: wait before trying again."""

    status_code = 429
    default_message = _l("Too many wrong codes. Wait five minutes and try again; the desk has been told.")


class SlowDown(Throttled):
    """A kiosk after several wrong codes: the next try must wait a little (`seconds`)."""

    def __init__(self, seconds):
        super().__init__(
            _l("Several wrong codes were typed here. Please wait %(seconds)s seconds and try again.", seconds=seconds)
        )
        self.seconds = seconds


class UnitLocked(Throttled):
    """Too many wrong codes for one unit, wherever they were typed: its check is locked for a while."""

    default_message = _l(
        "Too many wrong codes for this unit. The check is locked for an hour; please come to the "
        "service desk, which has been told."
    )


class WrongCode(DomainError):
    """The code does not match; the attempt has been counted (commit it)."""

    status_code = 400
    default_message = _l("That code is not right for this unit, or it has been used or has expired.")


def place_of(actor):
    """Where an actor's guesses come from: the person and the address they use."""
    return f"{actor.user_id or actor.source}@{actor.source}"[:80]


def kiosk_place(kiosk_id):
    """Where a kiosk's guesses come from (a public screen: slowed down, never locked)."""
    return f"{_KIOSK_PREFIX}{kiosk_id}"


def _recent_failures(scope, since, *, place=None, unit_id=None):
    """How many wrong codes for `scope` since `since`, from `place` or for `unit_id`."""
    where = FailedAttempt.place == place if unit_id is None else FailedAttempt.unit_id == unit_id
    return db.session.scalar(
        select(func.count(FailedAttempt.id)).where(FailedAttempt.scope == scope, where, FailedAttempt.at >= since)
    )


def _locked(where, now, *, most, window, lockout):
    """Whether the last `most` wrong codes matching `where` fell within `window` and `lockout` since the last runs."""
    times = db.session.scalars(
        select(FailedAttempt.at)
        .where(*where, FailedAttempt.at >= now - window - lockout)
        .order_by(FailedAttempt.at.desc())
        .limit(most)
    ).all()
    return len(times) == most and times[0] - times[-1] <= window and now < times[0] + lockout


def _delay_left(scope, place, now):
    """How long a kiosk must still wait before its next try (a timedelta, zero when it may try now)."""
    count, last = db.session.execute(
        select(func.count(FailedAttempt.id), func.max(FailedAttempt.at)).where(
            FailedAttempt.scope == scope, FailedAttempt.place == place, FailedAttempt.at >= now - DELAY_WINDOW
        )
    ).one()
    if count < FREE_TRIES or last is None:
        return timedelta(0)
    delay = min(DELAY_BASE * 2 ** (count - FREE_TRIES), DELAY_MAX)
    return max(last + delay - now, timedelta(0))


def check_not_locked(scope, place, now=None):
    """Raise Throttled while `place` may not try `scope`: a desk clerk locked out (MAX_FAILURES within WINDOW, for
    LOCKOUT), or SlowDown while a kiosk's growing delay runs."""
    now = now or utcnow()
    if place.startswith(_KIOSK_PREFIX):
        left = _delay_left(scope, place, now)
        if left > timedelta(0):
            raise SlowDown(int(left.total_seconds()) + (1 if left.total_seconds() % 1 else 0))
        return
    if _locked(
        (FailedAttempt.scope == scope, FailedAttempt.place == place),
        now,
        most=MAX_FAILURES,
        window=WINDOW,
        lockout=LOCKOUT,
    ):
        raise Throttled()


def check_unit_not_locked(scope, unit_id, now=None):
    """Raise UnitLocked while the unit's check is locked: UNIT_MAX_FAILURES wrong codes for it within UNIT_WINDOW,
    from any kiosks and the desk, lock it everywhere for UNIT_LOCKOUT after the last."""
    if unit_id is None:
        return
    if _locked(
        (FailedAttempt.scope == scope, FailedAttempt.unit_id == unit_id),
        now or utcnow(),
        most=UNIT_MAX_FAILURES,
        window=UNIT_WINDOW,
        lockout=UNIT_LOCKOUT,
    ):
        raise UnitLocked()


def count_failure(actor, scope, place, detail="", now=None, alarm=True, *, unit_id=None):
    """Record a wrong code (for `unit_id` when the unit exists). The UNIT_MAX_FAILURES-th for the unit within
    UNIT_WINDOW raises a desk alert about the unit; otherwise the MAX_FAILURES-th from the place within WINDOW
    raises one about the place (unless `alarm` is False: a lock-out of a sign-in, which the desk cannot see to, is
    audited by its caller instead). One wrong code raises at most one alert. The caller commits."""
    now = now or utcnow()
    db.session.add(FailedAttempt(scope=scope, place=place, unit_id=unit_id, at=now))
    db.session.flush()
    count = _recent_failures(scope, now - WINDOW, place=place)
    unit_count = _recent_failures(scope, now - UNIT_WINDOW, unit_id=unit_id) if unit_id is not None else 0
    if alarm and (unit_count == UNIT_MAX_FAILURES or count == MAX_FAILURES):
        alert = DeskAlert(
            property_id=current_property_id(),
            scope=scope,
            place=place,
            message=detail[:200],
            created_at=now,
            unit_id=unit_id if unit_count == UNIT_MAX_FAILURES else None,
        )
        db.session.add(alert)
        what = "unit locked" if alert.unit_id else "place"
        record(actor, "throttle.alarm", object_type="desk_alerts", summary=f"{scope} {place} {detail} ({what})"[:200])
    return count


def open_alerts(limit=20):
    """Alarms nobody has acknowledged yet, newest first."""
    return db.session.scalars(
        select(DeskAlert).where(DeskAlert.acknowledged_at.is_(None)).order_by(DeskAlert.id.desc()).limit(limit)
    ).all()


@dataclass(frozen=True)
class AlertNotice:
    """What an open alarm means for the desk: its `kind`, where the wrong codes came from, and when the lock ends.

    kind is "unit" (the unit's check locked everywhere, from any kiosks and the desk, until `until`), "kiosk" (a
    kiosk slowed down by a growing delay: never locked, so `until` is None) or "desk" (a desk clerk's place locked
    out of the check until `until`). `where` is the kiosk's name or the clerk's name (else the place itself).
    """

    alert: DeskAlert
    kind: str
    where: str
    until: datetime | None


def _kiosk_id(place):
    """The kiosk id in a kiosk's place ("kiosk:7" -> 7), else None."""
    rest = place[len(_KIOSK_PREFIX) :] if place.startswith(_KIOSK_PREFIX) else ""
    return int(rest) if rest.isdigit() else None


def _user_id(place):
    """The user id in a desk clerk's place ("12@10.0.0.5" -> 12), else None."""
    first = place.split("@", 1)[0]
    return int(first) if first.isdigit() else None


def named_places(alerts):
    """The kiosk ids and the clerks' user ids the alarms' places name, for whoever shows the alarms to look up their
    names (this package sits below the kiosks and the accounts and does not read them)."""
    kiosk_ids = {_kiosk_id(a.place) for a in alerts} - {None}
    user_ids = {_user_id(a.place) for a in alerts if _kiosk_id(a.place) is None} - {None}
    return kiosk_ids, user_ids


def alert_notices(alerts, *, kiosk_names, clerk_names):
    """AlertNotice for each alarm, in order. `kiosk_names` and `clerk_names` map the ids named_places gives to the
    kiosk's name and the clerk's name; a place without a name is shown as it is."""
    notices = []
    for alert in alerts:
        kiosk_id = _kiosk_id(alert.place)
        where = kiosk_names.get(kiosk_id) if kiosk_id is not None else clerk_names.get(_user_id(alert.place))
        if alert.unit_id is not None:
            kind, until = "unit", alert.created_at + UNIT_LOCKOUT  # no wrong code counts while the unit is locked
        elif alert.place.startswith(_KIOSK_PREFIX):
            kind, until = "kiosk", None
        else:
            kind, until = "desk", alert.created_at + LOCKOUT  # the place is refused before it can type another
        notices.append(AlertNotice(alert, kind, where or alert.place, until))
    return notices


def acknowledge_alert(actor, alert_id, now=None):
    """Mark an alarm as seen by `actor`; acknowledging twice changes nothing."""
    done = db.session.execute(
        update(DeskAlert)
        .where(DeskAlert.id == alert_id, DeskAlert.acknowledged_at.is_(None))
        .values(acknowledged_at=now or utcnow(), acknowledged_by_id=actor.user_id)
    ).rowcount
    if done:
        record(actor, "throttle.acknowledge", object_type="desk_alerts", object_id=alert_id)
    return bool(done)
