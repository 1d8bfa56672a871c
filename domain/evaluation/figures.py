"""The measured figures of a month's scorecards, for every staff member at once: one statement (or one existing query)
per family of figures, grouped by person, so a month of 50 cards costs what a month of 3 does.

Complaints about a staff member count the complaints recorded in the month that the desk named them in
(Ticket.about_staff_id, domain/tickets/complaint_staff.py), whatever became of the complaint since. A card signed
before this figure existed keeps the figures it was signed with."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from domain.accounts.models import StaffRole, User
from domain.accounts.roles import Role
from domain.accounts.services import staff_roles
from domain.attendance import clocking
from domain.clock import local_day_bounds, today
from domain.dates import month_after
from domain.patrols.models import PatrolRound, RoundStatus
from domain.payments.collection import collection_by_assistant
from domain.standards.services import person_summary
from domain.tickets import callback_rates
from domain.tickets.callbacks import SATISFIED_FROM
from domain.tickets.models import Callback, CallbackStatus, Ticket, TicketKind
from extensions import db

#: How a figure scores. RATE and COUNT: 100 at the target or above, in proportion below it. FAULTS: 100 with none,
#: `target` points off each. MANAGER: the manager's own score as given.
RATE, COUNT, FAULTS, MANAGER = "rate", "count", "faults", "manager"


@dataclass(frozen=True)
class FigureKind:
    """One figure a scorecard may count: its key, its name, how it scores and its default target."""

    key: str
    label: object
    scoring: str
    target: int

    @property
    def target_range(self):
        """(least, most) a manager may set as the target (points off each for FAULTS)."""
        return {RATE: (1, 100), COUNT: (1, 1000), FAULTS: (0, 100), MANAGER: (100, 100)}[self.scoring]


FIGURES = (
    FigureKind("handled", _l("Tickets finished"), COUNT, 20),
    FigureKind("response_kept", _l("First response within the service level"), RATE, 95),
    FigureKind("resolve_kept", _l("Finished within the service level"), RATE, 90),
    FigureKind("satisfied", _l("Residents satisfied (4-5 of 5)"), RATE, 90),
    FigureKind("callbacks_done", _l("Callbacks done"), COUNT, 20),
    FigureKind("callback_rate", _l("The office's callback rate"), RATE, 80),
    FigureKind("collection", _l("Collection rate of their area"), RATE, 90),
    FigureKind("patrols", _l("Patrol rounds finished"), COUNT, 22),
    FigureKind("late", _l("Late clock-ins"), FAULTS, 10),
    FigureKind("missing", _l("Missing clock-ins"), FAULTS, 20),
    FigureKind("spot_check_faults", _l("Spot-check items failed"), FAULTS, 10),
    FigureKind("complaints", _l("Complaints about them"), FAULTS, 20),
    FigureKind("manager", _l("The manager's own items"), MANAGER, 100),
)
BY_KEY = {figure.key: figure for figure in FIGURES}

#: The roles evaluated: everyone the manager supervises (1.1.5), not the manager.
EVALUATED_ROLES = tuple(role for role in Role if role != Role.MANAGER)

_WORK = {"handled": 10, "response_kept": 10, "resolve_kept": 15, "satisfied": 15}
#: Conduct, for every role: attendance, spot-checks, complaints naming the person and the manager's own items.
_ATTENDANCE = {"late": 5, "missing": 10, "spot_check_faults": 10, "complaints": 10, "manager": 20}
#: The weights until the manager saves a role's own (SOP 16: SLA kept, satisfaction, callbacks, collection).
DEFAULT_WEIGHTS = {
    Role.ASSISTANT: _WORK | {"callbacks_done": 5, "collection": 20, "patrols": 10} | _ATTENDANCE,
    Role.FRONTDESK: _WORK | {"callbacks_done": 15, "callback_rate": 10} | _ATTENDANCE,
    Role.SECURITY: _WORK | {"patrols": 15} | _ATTENDANCE,
    Role.ENGINEERING: _WORK | _ATTENDANCE,
    Role.CLEANING: _WORK | _ATTENDANCE,
    Role.FINANCE: {"collection": 0} | _ATTENDANCE | {"manager": 40},
}


@dataclass(frozen=True)
class Value:
    """A measured figure: its value (a whole percent for a rate, else a count; None when nothing was measured) and
    the counts behind it (`count` of `base` for a rate)."""

    value: int | None
    count: int = 0
    base: int = 0

    def as_list(self):
        """The value as stored in a signed card's snapshot."""
        return [self.value, self.count, self.base]


def _rate(count, base):
    """A Value of `count` out of `base` in whole percent (rounded down), None without a base."""
    return Value(count * 100 // base if base else None, count, base)


def evaluated_staff():
    """[(user id, name, Role)] of the active staff evaluated, by role then name (one statement)."""
    rows = db.session.execute(staff_roles(EVALUATED_ROLES).order_by(StaffRole.role, User.display_name, User.id)).all()
    return [(user_id, name, Role(role)) for user_id, name, role in rows]


def _ticket_figures(property_id, start, end):
    """{user id: (finished, response kept, finished in time, callbacks answered, satisfied)} of the tickets each
    assignee finished in [start, end) (one statement)."""
    answered = and_(Callback.status == CallbackStatus.DONE, Callback.satisfaction.is_not(None))
    rows = db.session.execute(
        select(
            Ticket.assignee_id,
            func.count(Ticket.id),
            func.sum(case((func.coalesce(Ticket.claimed_at, Ticket.done_at) <= Ticket.response_due_at, 1), else_=0)),
            func.sum(case((Ticket.done_at <= Ticket.resolve_due_at, 1), else_=0)),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((and_(answered, Callback.satisfaction >= SATISFIED_FROM), 1), else_=0)),
        )
        .outerjoin(Callback, Callback.ticket_id == Ticket.id)
        .where(
            Ticket.property_id == property_id,
            Ticket.assignee_id.is_not(None),
            Ticket.done_at >= start,
            Ticket.done_at < end,
        )
        .group_by(Ticket.assignee_id)
    ).all()
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in rows}


def _complaints(property_id, start, end):
    """{user id: complaints recorded in [start, end) that name them} (one statement)."""
    rows = db.session.execute(
        select(Ticket.about_staff_id, func.count(Ticket.id))
        .where(
            Ticket.property_id == property_id,
            Ticket.kind == TicketKind.COMPLAINT,
            Ticket.about_staff_id.is_not(None),
            Ticket.created_at >= start,
            Ticket.created_at < end,
        )
        .group_by(Ticket.about_staff_id)
    ).all()
    return dict(rows)


def _patrols(property_id, first, following):
    """{user id: rounds finished} of the rounds of the month's days (one statement)."""
    rows = db.session.execute(
        select(PatrolRound.patroller_id, func.count(PatrolRound.id))
        .where(
            PatrolRound.property_id == property_id,
            PatrolRound.status == RoundStatus.FINISHED,
            PatrolRound.day >= first,
            PatrolRound.day < following,
        )
        .group_by(PatrolRound.patroller_id)
    ).all()
    return dict(rows)


def _attendance(property_id, first, last):
    """{user id: (shifts planned, late, missing)} up to `last`, read by domain/attendance (a few statements for
    everyone; a day of approved leave is neither late nor missing)."""
    counts = {}
    if last < first:
        return counts
    records, _unmatched = clocking.attendance(property_id, first, last)
    for record in records:
        planned, late, missing = counts.get(record.assignment.user_id, (0, 0, 0))
        counts[record.assignment.user_id] = (
            planned + 1,
            late + (1 if record.late_minutes else 0),
            missing + (1 if record.missing else 0),
        )
    return counts


def month_values(property_id, first, staff=None):
    """{user id: {figure key: Value}} of every evaluated staff member for the local month starting on `first`, the
    manager's own item left out (it is on the scorecard row). A figure nobody measured is Value(None). Attendance and
    spot-checks count up to today in the current month. `staff`: evaluated_staff() when the caller has it already."""
    following = month_after(first)
    start, end = local_day_bounds(first)[0], local_day_bounds(following)[0]
    last = min(following - timedelta(days=1), today())
    tickets = _ticket_figures(property_id, start, end)
    callbacks = {user_id: figure.done for user_id, _name, figure in callback_rates.by_person(property_id, first)}
    office = callback_rates.by_kind(property_id, first).values()
    office_rate = _rate(sum(f.done for f in office), sum(f.needing for f in office))
    collection = collection_by_assistant(property_id, first)
    patrols = _patrols(property_id, first, following)
    complaints = _complaints(property_id, start, end)
    attendance = _attendance(property_id, first, last)
    spot_checks = {row[0]: (row[2], row[3]) for row in person_summary(property_id, since=first, until=last)}
    values = {}
    for user_id, _name, _role in evaluated_staff() if staff is None else staff:
        handled, response, resolve, answered, satisfied = tickets.get(user_id, (0, 0, 0, 0, 0))
        planned, late, missing = attendance.get(user_id, (0, 0, 0))
        checks, failed = spot_checks.get(user_id, (0, 0))
        billed, collected = collection.get(user_id, (0, 0))
        values[user_id] = {
            "handled": Value(handled, handled),
            "response_kept": _rate(response, handled),
            "resolve_kept": _rate(resolve, handled),
            "satisfied": _rate(satisfied, answered),
            "callbacks_done": Value(callbacks.get(user_id, 0), callbacks.get(user_id, 0)),
            "callback_rate": office_rate,
            "collection": _rate(collected, billed),
            "patrols": Value(patrols.get(user_id, 0), patrols.get(user_id, 0)),
            "late": Value(late if planned else None, late, planned),
            "missing": Value(missing if planned else None, missing, planned),
            "spot_check_faults": Value(int(failed) if checks else None, int(failed), checks),
            "complaints": Value(complaints.get(user_id, 0), complaints.get(user_id, 0)),
        }
    return values


def figure_score(kind, value, target):
    """The 0-100 score of a measured `value` against `target` (see RATE, COUNT, FAULTS), None when not measured."""
    if value is None:
        return None
    if kind.scoring in (RATE, COUNT):
        return min(100, value * 100 // target) if target else 100
    if kind.scoring == FAULTS:
        return max(0, 100 - target * value)
    return max(0, min(100, value))


def total_score(scores, weights):
    """The weighted average of the figures' scores (weights {key: (weight, target)}), over the figures measured and
    weighted; None when none is."""
    counted = [(weights[key][0], score) for key, score in scores.items() if score is not None and weights[key][0]]
    total_weight = sum(weight for weight, _score in counted)
    if not total_weight:
        return None
    return round(sum(weight * score for weight, score in counted) / total_weight)
