"""The manager's view of move-in (SOP 2.3.2): the board's figures, the day's 收楼汇总 and the random spot-checks (抽查)
with the clerk's follow-up. Every figure is one bounded query, whatever the number of cases."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased

from domain.accounts.models import User
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import Bill
from domain.clock import local_date, local_day_bounds, utcnow
from domain.errors import DomainError, NotFound
from domain.movein import workflow
from domain.movein.models import (
    CaseStatus,
    InspectionItem,
    ItemKind,
    ItemResult,
    MoveInCase,
    MoveInItem,
    SpotCheck,
    SpotCheckResult,
    UnitInspection,
)
from domain.property.models import Building, Resident, Unit
from domain.property.units import UNIT_LABEL
from domain.queries import read_rows
from domain.tickets.models import Status, Ticket
from extensions import db

#: An open case without an appointment is waiting long once it is this old.
WAITING_DAYS = 14
#: Each list on the board shows at most this many rows (the counts above it are complete).
BOARD_ROWS = 50
#: At most this many cases are picked for one spot-check.
MAX_PICK = 50
#: A defect's repair is done once its ticket is; until then, past its deadline, it is overdue.
REPAIRED = (Status.DONE, Status.CLOSED)

#: Random, not reproducible: the clerks must not be able to guess which cases will be checked.
_rng = random.SystemRandom()

_clerk = aliased(User)
_follower = aliased(User)


@dataclass(frozen=True)
class Board:
    """The move-in board: cases per status, the two days' appointments, overdue defects and cases waiting long."""

    counts: dict
    today: list
    tomorrow: list
    overdue_defects: list
    waiting: list


@dataclass(frozen=True)
class DaySummary:
    """The day's 收楼汇总: units received, the fees on their bills, keys and cards handed, defects raised."""

    day: date
    received: list
    fees_due_fen: int
    fees_paid_fen: int
    keys: list
    defects: list


def _case_columns():
    """The columns every case row shows: the case, its unit's label and the owner."""
    return (
        MoveInCase.id.label("case_id"),
        MoveInCase.status,
        UNIT_LABEL,
        Resident.name.label("owner_name"),
        Resident.phone.label("owner_phone"),
    )


def _with_unit_and_owner(statement):
    """Join a statement on move-in cases to the case's unit, building and owner."""
    return (
        statement.join(Unit, Unit.id == MoveInCase.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Resident, Resident.id == MoveInCase.owner_id)
    )


def case_counts(property_id):
    """{CaseStatus: number of cases} for every status (0 where there are none)."""
    rows = db.session.execute(
        select(MoveInCase.status, func.count()).where(MoveInCase.property_id == property_id).group_by(MoveInCase.status)
    ).all()
    counts = dict.fromkeys(CaseStatus, 0)
    counts.update({CaseStatus(status): n for status, n in rows})
    return counts


def appointments(property_id, start, end):
    """The cases with an appointment in [start, end) that are not cancelled, earliest first."""
    statement = _with_unit_and_owner(select(*_case_columns(), MoveInCase.appointment_at)).where(
        MoveInCase.property_id == property_id,
        MoveInCase.appointment_at >= start,
        MoveInCase.appointment_at < end,
        MoveInCase.status != CaseStatus.CANCELLED,
    )
    return read_rows(statement.order_by(MoveInCase.appointment_at, MoveInCase.id).limit(BOARD_ROWS * 2))


def overdue_defects(property_id, now, limit=BOARD_ROWS):
    """Defects found in an inspection whose repair ticket is not done and past its deadline, most overdue first."""
    statement = (
        select(
            InspectionItem.id.label("item_id"),
            InspectionItem.area,
            InspectionItem.name,
            InspectionItem.note,
            UnitInspection.id.label("inspection_id"),
            UnitInspection.round,
            UnitInspection.case_id,
            UNIT_LABEL,
            Ticket.id.label("ticket_id"),
            Ticket.status.label("ticket_status"),
            Ticket.resolve_due_at,
        )
        .join(UnitInspection, UnitInspection.id == InspectionItem.inspection_id)
        .join(Ticket, Ticket.id == InspectionItem.ticket_id)
        .join(Unit, Unit.id == UnitInspection.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(
            UnitInspection.property_id == property_id,
            InspectionItem.result == ItemResult.DEFECT,
            Ticket.status.not_in(REPAIRED),
            Ticket.resolve_due_at < now,
        )
        .order_by(Ticket.resolve_due_at, InspectionItem.id)
        .limit(limit)
    )
    return read_rows(statement)


def waiting_cases(property_id, now, limit=BOARD_ROWS):
    """Open cases waiting long: their appointment day has passed, or they have none and are WAITING_DAYS old."""
    day_start, _end = local_day_bounds(local_date(now))
    since = func.coalesce(MoveInCase.appointment_at, MoveInCase.created_at).label("since")
    statement = _with_unit_and_owner(select(*_case_columns(), MoveInCase.appointment_at, since)).where(
        MoveInCase.property_id == property_id,
        MoveInCase.status.in_(workflow.OPEN_CASES),
        or_(
            MoveInCase.appointment_at < day_start,
            (MoveInCase.appointment_at.is_(None)) & (MoveInCase.created_at < now - timedelta(days=WAITING_DAYS)),
        ),
    )
    return read_rows(statement.order_by(since, MoveInCase.id).limit(limit))


def board(property_id, now):
    """The move-in board's figures at `now` (five queries)."""
    today = local_date(now)
    today_start, tomorrow_start = local_day_bounds(today)
    _start, tomorrow_end = local_day_bounds(today + timedelta(days=1))
    rows = appointments(property_id, today_start, tomorrow_end)
    return Board(
        counts=case_counts(property_id),
        today=[row for row in rows if row.appointment_at < tomorrow_start],
        tomorrow=[row for row in rows if row.appointment_at >= tomorrow_start],
        overdue_defects=overdue_defects(property_id, now),
        waiting=waiting_cases(property_id, now),
    )


# The day's summary (收楼汇总) ------------------------------------------------------------------------------------


def day_summary(property_id, day):
    """The 收楼汇总 of a property-local `day` (four queries)."""
    start, end = local_day_bounds(day)
    received = read_rows(
        _with_unit_and_owner(
            select(
                *_case_columns(),
                MoveInCase.completed_at,
                _clerk.display_name.label("clerk_name"),
                MoveInCase.bill_id,
                func.coalesce(Bill.total_fen, 0).label("total_fen"),
                func.coalesce(Bill.paid_fen, 0).label("paid_fen"),
            )
        )
        .outerjoin(_clerk, _clerk.id == MoveInCase.completed_by_id)
        .outerjoin(Bill, Bill.id == MoveInCase.bill_id)
        .where(
            MoveInCase.property_id == property_id,
            MoveInCase.status == CaseStatus.COMPLETED,
            MoveInCase.completed_at >= start,
            MoveInCase.completed_at < end,
        )
        .order_by(MoveInCase.completed_at, MoveInCase.id)
    )
    # As many as were handed over; before the desk counted them, the checklist's number (a card is one at least).
    pieces = func.coalesce(MoveInItem.handed_quantity, case((MoveInItem.quantity > 0, MoveInItem.quantity), else_=1))
    keys = read_rows(
        select(
            MoveInItem.name,
            func.sum(pieces).label("pieces"),
            func.count(MoveInItem.case_id.distinct()).label("cases"),
        )
        .join(MoveInCase, MoveInCase.id == MoveInItem.case_id)
        .where(
            MoveInCase.property_id == property_id,
            MoveInItem.kind == ItemKind.KEY,
            MoveInItem.done_at >= start,
            MoveInItem.done_at < end,
        )
        .group_by(MoveInItem.name)
        .order_by(MoveInItem.name)
    )
    defects = read_rows(
        select(
            InspectionItem.id.label("item_id"),
            InspectionItem.area,
            InspectionItem.name,
            InspectionItem.note,
            InspectionItem.ticket_id,
            UnitInspection.id.label("inspection_id"),
            UnitInspection.round,
            UnitInspection.case_id,
            UNIT_LABEL,
        )
        .join(UnitInspection, UnitInspection.id == InspectionItem.inspection_id)
        .join(Unit, Unit.id == UnitInspection.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(
            UnitInspection.property_id == property_id,
            InspectionItem.result == ItemResult.DEFECT,
            UnitInspection.signed_at >= start,
            UnitInspection.signed_at < end,
        )
        .order_by(UnitInspection.signed_at, UnitInspection.id, InspectionItem.position, InspectionItem.id)
    )
    return DaySummary(
        day=day,
        received=received,
        fees_due_fen=sum(row.total_fen for row in received),
        fees_paid_fen=sum(row.paid_fen for row in received),
        keys=keys,
        defects=defects,
    )


# Spot-checks (抽查) and the clerk's follow-up --------------------------------------------------------------------


def _spot_check_rows(statement):
    """Spot-check rows with their case's unit, owner, completion and the two people, as (check, columns) rows."""
    return db.session.execute(
        _with_unit_and_owner(
            statement.add_columns(
                UNIT_LABEL,
                Resident.name.label("owner_name"),
                MoveInCase.completed_at,
                _clerk.display_name.label("clerk_name"),
                _follower.display_name.label("follow_up_name"),
            ).join(MoveInCase, MoveInCase.id == SpotCheck.case_id)
        )
        .outerjoin(_clerk, _clerk.id == MoveInCase.completed_by_id)
        .outerjoin(_follower, _follower.id == SpotCheck.follow_up_by_id)
    ).all()


def list_spot_checks(property_id, limit=100):
    """The property's spot-checks: those still to check first, then the latest (one query)."""
    pending_first = case((SpotCheck.result == SpotCheckResult.PENDING, 0), else_=1)
    return _spot_check_rows(
        select(SpotCheck)
        .where(SpotCheck.property_id == property_id)
        .order_by(pending_first, SpotCheck.picked_at.desc(), SpotCheck.id.desc())
        .limit(limit)
    )


def list_follow_ups(property_id, user_id=None, limit=100):
    """Follow-ups (checks that found items missing): `user_id`'s own, or everyone's for None; open ones first."""
    statement = select(SpotCheck).where(
        SpotCheck.property_id == property_id, SpotCheck.result == SpotCheckResult.MISSING
    )
    if user_id is not None:
        statement = statement.where(SpotCheck.follow_up_by_id == user_id)
    open_first = case((SpotCheck.follow_up_done_at.is_(None), 0), else_=1)
    statement = statement.order_by(open_first, SpotCheck.checked_at.desc(), SpotCheck.id.desc())
    return _spot_check_rows(statement.limit(limit))


def get_spot_check(check_id, property_id):
    """The spot-check `check_id` of the property, or NotFound."""
    check = db.session.get(SpotCheck, check_id)
    if check is None or check.property_id != property_id:
        raise NotFound()
    return check


def never_checked_count(property_id):
    """How many completed cases have never been picked for a spot-check."""
    return db.session.scalar(
        select(func.count())
        .select_from(MoveInCase)
        .where(
            MoveInCase.property_id == property_id,
            MoveInCase.status == CaseStatus.COMPLETED,
            ~exists().where(SpotCheck.case_id == MoveInCase.id),
        )
    )


def pick_spot_checks(actor, n, *, property_id):
    """Pick `n` completed cases never picked before, at random, for the manager to check; fewer when there are fewer
    (the caller compares the length with `n` and says so). Returns the new SpotChecks, in case order."""
    require(actor, Permission.SUPERVISE_MOVE_IN)
    if not isinstance(n, int) or not 1 <= n <= MAX_PICK:
        raise DomainError(_l("Choose between 1 and %(most)s cases.", most=MAX_PICK), field="count")
    candidates = db.session.scalars(
        select(MoveInCase.id).where(
            MoveInCase.property_id == property_id,
            MoveInCase.status == CaseStatus.COMPLETED,
            ~exists().where(SpotCheck.case_id == MoveInCase.id),
        )
    ).all()
    chosen = sorted(_rng.sample(candidates, min(n, len(candidates))))
    checks = [SpotCheck(property_id=property_id, case_id=case_id, picked_by_id=actor.user_id) for case_id in chosen]
    db.session.add_all(checks)
    db.session.flush()
    for check in checks:
        record(actor, "move_in.spot_check_pick", check, summary=f"case {check.case_id}")
    return checks


def record_spot_check(actor, check, result, note=""):
    """The manager's finding on a picked case: "complete", or "missing" with a note saying what (a follow-up for the
    clerk who completed the case; the manager's own when nobody did)."""
    require(actor, Permission.SUPERVISE_MOVE_IN)
    action = getattr(result, "value", result)
    if action not in (SpotCheckResult.COMPLETE.value, SpotCheckResult.MISSING.value):
        raise DomainError(_l("Choose complete or missing items."), field="result")
    new_result = workflow.check_spot_check(actor, action, check)
    note = (note or "").strip()
    if new_result == SpotCheckResult.MISSING and not note:
        raise DomainError(_l("Say what is missing or wrong, so the clerk can put it right."), field="note")
    check.result = new_result
    check.note = note
    check.checked_at = utcnow()
    if new_result == SpotCheckResult.MISSING:
        completed_by = db.session.scalar(select(MoveInCase.completed_by_id).where(MoveInCase.id == check.case_id))
        check.follow_up_by_id = completed_by or actor.user_id
    db.session.flush()
    record(actor, "move_in.spot_check", check, summary=f"case {check.case_id}: {new_result.value}")
    return check


def finish_follow_up(actor, check, note):
    """The clerk (or the manager) says the missing items are put right, and how."""
    require(actor, Permission.HANDLE_MOVE_IN)
    workflow.check_spot_check(actor, "finish", check)
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Say what was put right."), field="note")
    check.follow_up_done_at = utcnow()
    check.follow_up_note = note
    db.session.flush()
    record(actor, "move_in.follow_up_done", check, summary=f"case {check.case_id}")
    return check
