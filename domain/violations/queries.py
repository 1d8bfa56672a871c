"""What the violation pages read: the open violations by kind, stage and deadline (overdue first), repeat
offenders, the month's count by kind, and the notices a resident may see. Every query is scoped to the property
(the portal's through the resident's own units)."""

from datetime import timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from domain.clock import local_date, local_day_bounds
from domain.dates import parse_month
from domain.property.occupancies import resident_units_since
from domain.violations.models import OPEN_STAGES, TIMED_STAGES, Stage, Violation, ViolationKind, ViolationNotice
from extensions import db

#: The deadline filters of the open list.
DUE_FILTERS = ("overdue", "today", "week")
#: Repeat offenders are counted over this many days back from today.
YEAR_DAYS = 365


def _open_filter(property_id, *, today, kind_id=None, stage=None, due=None):
    """The WHERE clauses of the open list: the property's open violations, of one kind, stage and deadline filter
    when given ("overdue": past the deadline; "today": due today or overdue; "week": due within 7 days or overdue)."""
    clauses = [Violation.property_id == property_id, Violation.stage.in_(OPEN_STAGES)]
    if kind_id:
        clauses.append(Violation.kind_id == kind_id)
    if stage:
        clauses.append(Violation.stage == stage)
    if due in DUE_FILTERS:
        last = {"overdue": today - timedelta(days=1), "today": today, "week": today + timedelta(days=7)}[due]
        clauses += [Violation.stage.in_(TIMED_STAGES), Violation.deadline <= last]
    return clauses


def open_violations(property_id, *, today, kind_id=None, stage=None, due=None, limit=None, offset=0):
    """The property's open violations as filtered by _open_filter, the earliest deadline first so that the overdue
    come first (referred ones, whose deadline no longer runs, last); `limit` of them from `offset` when given. Kind
    and recorder are loaded."""
    timed = Violation.stage.in_(TIMED_STAGES)
    query = (
        select(Violation)
        .where(*_open_filter(property_id, today=today, kind_id=kind_id, stage=stage, due=due))
        .options(selectinload(Violation.kind), selectinload(Violation.recorded_by))
        .order_by(timed.desc(), Violation.deadline.asc(), Violation.id.asc())
        .offset(offset)
        .limit(limit)
    )
    return db.session.scalars(query).all()


def open_counts(property_id, *, today, kind_id=None, stage=None, due=None):
    """(how many, how many past their deadline) of the open violations as filtered by _open_filter (one
    statement)."""
    overdue = case((and_(Violation.stage.in_(TIMED_STAGES), Violation.deadline < today), 1), else_=0)
    total, late = db.session.execute(
        select(func.count(Violation.id), func.coalesce(func.sum(overdue), 0)).where(
            *_open_filter(property_id, today=today, kind_id=kind_id, stage=stage, due=due)
        )
    ).one()
    return total, late


def repeat_offenders(property_id, *, today, more_than=2):
    """[(unit id, count, last recorded)] of the units with more than `more_than` violations recorded in the year up
    to `today` (withdrawn ones not counted), the most first."""
    since = local_day_bounds(today - timedelta(days=YEAR_DAYS - 1))[0]
    count = func.count(Violation.id)
    return db.session.execute(
        select(Violation.unit_id, count, func.max(Violation.recorded_at))
        .where(
            Violation.property_id == property_id,
            Violation.unit_id.is_not(None),
            Violation.stage != Stage.WITHDRAWN,
            Violation.recorded_at >= since,
        )
        .group_by(Violation.unit_id)
        .having(count > more_than)
        .order_by(count.desc(), Violation.unit_id)
    ).all()


def month_counts(property_id, month):
    """[(kind name, recorded, still open, rectified)] of the violations recorded in the local month "YYYY-MM", by
    kind (kinds with none left out), or [] for a month that is not one."""
    days = parse_month(month)
    if days is None:
        return []
    start, end = local_day_bounds(days[0])[0], local_day_bounds(days[1])[0]
    still_open = func.sum(case((Violation.stage.in_(OPEN_STAGES), 1), else_=0))
    rectified = func.sum(case((Violation.stage == Stage.RECTIFIED, 1), else_=0))
    return db.session.execute(
        select(ViolationKind.name, func.count(Violation.id), still_open, rectified)
        .join(ViolationKind, ViolationKind.id == Violation.kind_id)
        .where(Violation.property_id == property_id, Violation.recorded_at >= start, Violation.recorded_at < end)
        .group_by(ViolationKind.name)
        .order_by(func.count(Violation.id).desc(), ViolationKind.name)
    ).all()


def resident_violations(resident_id, today):
    """The violations of the units the resident lives in on `today`, recorded since they live there and sent a notice,
    newest first, with their kind, notices and answers loaded. A violation without a unit is never among them, nor a
    previous occupant's."""
    since = resident_units_since(resident_id, today)
    if not since:
        return []
    rows = db.session.scalars(
        select(Violation)
        .where(
            Violation.unit_id.in_(list(since)),
            Violation.id.in_(select(ViolationNotice.violation_id)),
        )
        .options(selectinload(Violation.kind), selectinload(Violation.notices), selectinload(Violation.replies))
        .order_by(Violation.recorded_at.desc(), Violation.id.desc())
    ).all()
    return [v for v in rows if local_date(v.recorded_at) >= since[v.unit_id]]
