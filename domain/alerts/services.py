"""Telling staff: every area calls `alert_users` or `alert_roles`, which put an alert in each person's console in
their language and, for an urgent one, e-mail them after the commit when they have an address and mail is set up.
Urgent alerts stay as a banner (with a sound) on every console page until the person acknowledges them."""

from flask_babel import force_locale
from sqlalchemy import bindparam, func, insert, select, update

from domain.accounts.models import User
from domain.accounts.services import staff_roles
from domain.alerts.models import StaffAlert
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import NotFound
from domain.notify.mail import queue_mail
from domain.notify.services import DEFAULT_LOCALE, MAX_NOTICE, MAX_SUBJECT
from extensions import db


def staff_with_roles(roles, property_id=None):
    """The ids of the active staff members who have one of `roles` in `property_id` (else the request's)."""
    return db.session.scalars(staff_roles(roles, property_id=property_id).with_only_columns(User.id)).all()


def alert_users(user_ids, message, *, property_id, kind, subject_type, subject_id=None, urgent=False, now=None):
    """Alert each of `user_ids` once (a person named twice is told once): `message` is a lazy string rendered in each
    person's language. Returns the ids alerted, in order."""
    wanted = list(dict.fromkeys(uid for uid in user_ids if uid is not None))
    if not wanted:
        return []
    people = db.session.execute(
        select(User.id, User.locale, User.email).where(User.id.in_(wanted), User.is_active.is_(True))
    ).all()
    now = now or utcnow()
    rows = []
    for user_id, locale, email in sorted(people, key=lambda p: wanted.index(p[0])):
        with force_locale(locale or DEFAULT_LOCALE):
            text = str(message)
        rows.append(
            {
                "property_id": property_id,
                "user_id": user_id,
                "kind": kind,
                "message": text[:MAX_NOTICE],
                "subject_type": subject_type,
                "subject_id": subject_id,
                "urgent": urgent,
                "created_at": now,
            }
        )
        if urgent:
            queue_mail(email, text[:MAX_SUBJECT], text)
    db.session.execute(insert(StaffAlert), rows)
    return [row["user_id"] for row in rows]


def alert_roles(roles, message, **kwargs):
    """Alert every active staff member with one of `roles` in the alert's property, as `alert_users` does."""
    return alert_users(staff_with_roles(roles, kwargs["property_id"]), message, **kwargs)


def open_urgent(user_id, limit=5):
    """The urgent alerts `user_id` has not acknowledged, newest first: the console's banner."""
    alert = StaffAlert
    return db.session.scalars(
        select(alert)
        .where(alert.user_id == user_id, alert.urgent.is_(True), alert.read_at.is_(None))
        .order_by(alert.id.desc())
        .limit(limit)
    ).all()


def unread_count(user_id):
    """How many alerts `user_id` has not read yet."""
    alert = StaffAlert
    return db.session.scalar(select(func.count()).where(alert.user_id == user_id, alert.read_at.is_(None)))


def latest_alerts(user_id, limit=50):
    """`user_id`'s alerts, newest first."""
    alert = StaffAlert
    return db.session.scalars(
        select(alert).where(alert.user_id == user_id).order_by(alert.id.desc()).limit(limit)
    ).all()


def acknowledge(actor, alert_id, now=None):
    """Mark one of `actor`'s own alerts read (an urgent one then leaves the banner); idempotent, and another
    person's alert is left alone. Returns whether it changed."""
    alert = StaffAlert
    done = db.session.execute(
        update(alert)
        .where(alert.id == alert_id, alert.user_id == actor.user_id, alert.read_at.is_(None))
        .values(read_at=now or utcnow())
    ).rowcount
    if done:
        record(actor, "alert.acknowledge", object_type="staff_alerts", object_id=alert_id)
    return bool(done)


def mark_all_read(actor, now=None):
    """Mark every alert of `actor` read; returns how many."""
    alert = StaffAlert
    done = db.session.execute(
        update(alert).where(alert.user_id == actor.user_id, alert.read_at.is_(None)).values(read_at=now or utcnow())
    ).rowcount
    if done:
        record(actor, "alert.read_all", object_type="staff_alerts", summary=str(done))
    return done


def console_alerts(user_id, limit=5):
    """(the urgent alerts `user_id` has not acknowledged, newest first, how many alerts they have not read): the
    console's banner and its sidebar count, in one statement."""
    statement = _CONSOLE_ALERTS if limit == 5 else _console_alerts_statement(limit)
    rows = db.session.execute(statement, {"user_id": user_id}).all()
    return [row[0] for row in rows if row[0].urgent], (rows[0][1] if rows else 0)


def _console_alerts_statement(limit):
    """The statement of `console_alerts` (the user a bound parameter)."""
    alert = StaffAlert
    return (
        select(alert, func.count().over())
        .where(alert.user_id == bindparam("user_id"), alert.read_at.is_(None))
        .order_by(alert.urgent.desc(), alert.id.desc())
        .limit(limit)
    )


#: Built once: every console page runs it (the fence of domain.property.scope then reuses its fenced copy).
_CONSOLE_ALERTS = _console_alerts_statement(5)


def get_own_alert(actor, alert_id):
    """One of `actor`'s own alerts; NotFound for another person's or a missing one."""
    alert = db.session.get(StaffAlert, alert_id)
    if alert is None or alert.user_id != actor.user_id:
        raise NotFound()
    return alert
