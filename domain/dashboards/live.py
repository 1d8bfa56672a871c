"""The console's live figures: the count beside each menu entry and the alarms that cannot wait (a repair not
forwarded within its dispatch deadline, a wrong-code lock-out, a major complaint), worked out from the records and
the clock on every poll (no job), each alarm acknowledged once per person.

The badge poll is the console's hottest request: the counts are one statement and the alarms one more."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, exists, func, insert, literal, select, union_all

from domain.accounts.roles import Permission, Role, can
from domain.alerts.models import AlertAck
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import NotFound
from domain.incidents.models import Incident, IncidentStatus
from domain.parcels.models import Parcel, ParcelStatus
from domain.throttle.models import DeskAlert
from domain.tickets.models import Callback, CallbackStatus, Severity, Status, Ticket, TicketKind
from domain.tickets.queries import late_to_forward
from domain.tickets.workflow import DESK, OPEN, ROLE_DEPARTMENT
from extensions import db

#: The alarms' subjects: "forward" (a repair past its dispatch deadline), "lockout" (an open wrong-code alarm),
#: "complaint" (an open major complaint).
SUBJECTS = ("forward", "lockout", "complaint")
#: How many alarms the banner lists at most.
BANNER_LIMIT = 5


def badge_keys(role):
    """The counts `role` sees beside its menu entries, in a fixed order: the desk's tickets to forward or a
    department's queue, callbacks due, parcels waiting, alarms, open incidents."""
    keys = []
    if role in DESK:
        keys.append("to_forward")
    elif role in ROLE_DEPARTMENT:
        keys.append("queue")
    if can(role, Permission.CALL_BACK):
        keys.append("callbacks_due")
    if can(role, Permission.HANDLE_COUNTER):
        keys += ["parcels_waiting", "alarms"]
    if can(role, Permission.REPORT_INCIDENTS):
        keys.append("incidents")
    return tuple(keys)


def _count(model, *conditions):
    """SELECT count(*) FROM model WHERE conditions, as a scalar subquery."""
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


_PROPERTY, _NOW = bindparam("property_id"), bindparam("now")

#: key -> its count as a scalar subquery, with the parameters property_id, now and (queue) department.
_COUNTS = {
    "to_forward": lambda: _count(Ticket, Ticket.property_id == _PROPERTY, Ticket.status == Status.NEW),
    "queue": lambda: _count(
        Ticket,
        Ticket.property_id == _PROPERTY,
        Ticket.department == bindparam("department"),
        Ticket.status == Status.DISPATCHED,
    ),
    "callbacks_due": lambda: (
        select(func.count())
        .select_from(Callback)
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .where(Ticket.property_id == _PROPERTY, Callback.status == CallbackStatus.OPEN, Callback.due_at <= _NOW)
        .scalar_subquery()
    ),
    "parcels_waiting": lambda: _count(Parcel, Parcel.property_id == _PROPERTY, Parcel.status == ParcelStatus.WAITING),
    # Wrong-code alarms belong to the installation's kiosks and desks (the throttle knows no property).
    "alarms": lambda: _count(DeskAlert, DeskAlert.acknowledged_at.is_(None)),
    "incidents": lambda: _count(Incident, Incident.property_id == _PROPERTY, Incident.status == IncidentStatus.OPEN),
}


@cache  # one statement per set of keys (a handful of roles): built once, the poll only binds its values
def _counts_statement(keys):
    """SELECT (count ...) AS key, ... for `keys`."""
    return select(*(_COUNTS[key]().label(key) for key in keys))


def badge_counts(property_id, role, now=None):
    """{key: count} for badge_keys(role), in one statement whatever the number of records."""
    role = Role(role)
    keys = badge_keys(role)
    if not keys:
        return {}
    params = {"property_id": property_id, "now": now or utcnow()}
    if "queue" in keys:
        params["department"] = ROLE_DEPARTMENT[role]
    row = db.session.execute(_counts_statement(keys), params).one()
    return {key: int(value or 0) for key, value in zip(keys, row)}


@dataclass(frozen=True)
class LiveAlarm:
    """One alarm of the banner: what it is about (`subject`, `subject_id`), since when, and a short detail."""

    subject: str
    subject_id: int
    since: datetime
    detail: str

    @property
    def key(self):
        """The id the browser beeps once for ("forward-12")."""
        return f"{self.subject}-{self.subject_id}"


def alarm_subjects(role):
    """The alarms `role` is shown: the desk its repairs past the dispatch deadline, the counter its wrong-code
    lock-outs, the board's readers the open major complaints."""
    subjects = []
    if role in DESK:
        subjects.append("forward")
    if can(role, Permission.HANDLE_COUNTER):
        subjects.append("lockout")
    if can(role, Permission.VIEW_BOARD):
        subjects.append("complaint")
    return subjects


def _not_acked(user_id, subject, id_column):
    """SQL: `user_id` has not acknowledged the alarm about this row."""
    return ~exists().where(
        AlertAck.user_id == user_id, AlertAck.subject_type == subject, AlertAck.subject_id == id_column
    )


@cache  # one statement per set of subjects (a handful of roles): built once, the poll only binds its values
def _alarms_statement(subjects):
    """The union of the alarms of `subjects` not acknowledged by the user, newest first, with the parameters
    property_id, user_id and now."""
    user = bindparam("user_id")
    parts = []
    if "forward" in subjects:
        parts.append(
            select(
                literal("forward").label("subject"),
                Ticket.id,
                Ticket.dispatch_due_at.label("since"),
                func.substr(Ticket.description, 1, 40).label("detail"),
            ).where(
                Ticket.property_id == _PROPERTY,
                Ticket.kind == TicketKind.REPAIR,
                late_to_forward(_NOW),
                _not_acked(user, "forward", Ticket.id),
            )
        )
    if "lockout" in subjects:
        parts.append(
            select(
                literal("lockout").label("subject"),
                DeskAlert.id,
                DeskAlert.created_at.label("since"),
                func.substr(DeskAlert.message, 1, 40).label("detail"),
            ).where(DeskAlert.acknowledged_at.is_(None), _not_acked(user, "lockout", DeskAlert.id))
        )
    if "complaint" in subjects:
        parts.append(
            select(
                literal("complaint").label("subject"),
                Ticket.id,
                Ticket.created_at.label("since"),
                func.substr(Ticket.description, 1, 40).label("detail"),
            ).where(
                Ticket.property_id == _PROPERTY,
                Ticket.severity == Severity.MAJOR,
                Ticket.status.in_(list(OPEN)),
                _not_acked(user, "complaint", Ticket.id),
            )
        )
    union = union_all(*parts).subquery()
    return select(union).order_by(union.c.since.desc()).limit(BANNER_LIMIT)


def live_alarms(property_id, user_id, role, now=None):
    """The alarms `user_id` has not acknowledged, newest first (at most BANNER_LIMIT): one statement."""
    subjects = tuple(alarm_subjects(Role(role)))
    if not subjects:
        return []
    params = {"property_id": property_id, "user_id": user_id, "now": now or utcnow()}
    rows = db.session.execute(_alarms_statement(subjects), params).all()
    return [LiveAlarm(row.subject, row.id, row.since, row.detail or "") for row in rows]


def acknowledge_alarm(actor, property_id, subject, subject_id, now=None):
    """`actor` has seen the alarm about `subject` `subject_id`: the banner stops showing it to them only (the record
    itself is unchanged). Idempotent. NotFound for a subject their role is not shown."""
    if subject not in alarm_subjects(Role(actor.role)):
        raise NotFound()
    done = db.session.scalar(
        select(AlertAck.id).where(
            AlertAck.user_id == actor.user_id, AlertAck.subject_type == subject, AlertAck.subject_id == subject_id
        )
    )
    if done:
        return False
    db.session.execute(
        insert(AlertAck).values(
            property_id=property_id,
            user_id=actor.user_id,
            subject_type=subject,
            subject_id=subject_id,
            acknowledged_at=now or utcnow(),
        )
    )
    record(actor, "alarm.acknowledge", object_type=subject, object_id=subject_id)
    return True
