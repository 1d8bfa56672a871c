"""The console's live figures: the count beside each menu entry and the alarms that cannot wait (a repair not
forwarded within its dispatch deadline, a wrong-code lock-out, a major complaint), worked out from the records and
the clock on every poll (no job), each alarm acknowledged once per person.

The badge poll is the console's hottest request: the counts are one statement and the alarms one more."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, insert, literal, select, union_all

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


def badge_counts(property_id, role, now=None):
    """{key: count} for badge_keys(role), in one statement whatever the number of records."""
    now = now or utcnow()
    columns = {
        "to_forward": lambda: _count(Ticket, Ticket.property_id == property_id, Ticket.status == Status.NEW),
        "queue": lambda: _count(
            Ticket,
            Ticket.property_id == property_id,
            Ticket.department == ROLE_DEPARTMENT[Role(role)],
            Ticket.status == Status.DISPATCHED,
        ),
        "callbacks_due": lambda: (
            select(func.count())
            .select_from(Callback)
            .join(Ticket, Callback.ticket_id == Ticket.id)
            .where(Ticket.property_id == property_id, Callback.status == CallbackStatus.OPEN, Callback.due_at <= now)
            .scalar_subquery()
        ),
        "parcels_waiting": lambda: _count(
            Parcel, Parcel.property_id == property_id, Parcel.status == ParcelStatus.WAITING
        ),
        # Wrong-code alarms belong to the installation's kiosks and desks (the throttle knows no property).
        "alarms": lambda: _count(DeskAlert, DeskAlert.acknowledged_at.is_(None)),
        "incidents": lambda: _count(
            Incident, Incident.property_id == property_id, Incident.status == IncidentStatus.OPEN
        ),
    }
    keys = badge_keys(Role(role))
    if not keys:
        return {}
    row = db.session.execute(select(*(columns[key]().label(key) for key in keys))).one()
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


def live_alarms(property_id, user_id, role, now=None):
    """The alarms `user_id` has not acknowledged, newest first (at most BANNER_LIMIT): one statement."""
    now = now or utcnow()
    parts = []
    subjects = alarm_subjects(Role(role))
    if "forward" in subjects:
        parts.append(
            select(
                literal("forward").label("subject"),
                Ticket.id,
                Ticket.dispatch_due_at.label("since"),
                func.substr(Ticket.description, 1, 40).label("detail"),
            ).where(
                Ticket.property_id == property_id,
                Ticket.kind == TicketKind.REPAIR,
                late_to_forward(now),
                _not_acked(user_id, "forward", Ticket.id),
            )
        )
    if "lockout" in subjects:
        parts.append(
            select(
                literal("lockout").label("subject"),
                DeskAlert.id,
                DeskAlert.created_at.label("since"),
                func.substr(DeskAlert.message, 1, 40).label("detail"),
            ).where(DeskAlert.acknowledged_at.is_(None), _not_acked(user_id, "lockout", DeskAlert.id))
        )
    if "complaint" in subjects:
        parts.append(
            select(
                literal("complaint").label("subject"),
                Ticket.id,
                Ticket.created_at.label("since"),
                func.substr(Ticket.description, 1, 40).label("detail"),
            ).where(
                Ticket.property_id == property_id,
                Ticket.severity == Severity.MAJOR,
                Ticket.status.in_(list(OPEN)),
                _not_acked(user_id, "complaint", Ticket.id),
            )
        )
    if not parts:
        return []
    union = union_all(*parts).subquery()
    rows = db.session.execute(select(union).order_by(union.c.since.desc()).limit(BANNER_LIMIT)).all()
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
