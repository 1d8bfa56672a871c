"""Monthly overtime per person, split by the legal rate of each day (150 %, 200 %, 300 %), and the legal monthly
cap (《劳动法》第四十一条: at most 36 hours a month). Minutes are whole numbers throughout; hours are shown with
one decimal, rounded from the minutes only when written. What counts is what the manager confirmed, at the rate its
day had when confirmed (a later edit of the calendar does not change a month paid); approved work not yet confirmed
is shown beside it, since approving more would take the month past the cap."""

from typing import NamedTuple

from sqlalchemy import case, func, select

from domain.accounts.models import User
from domain.dates import month_after
from domain.overtime.calendar import MULTIPLIER
from domain.overtime.models import DayKind, OvertimeApplication
from domain.overtime.workflow import APPROVED, CONFIRMED
from extensions import db

#: The legal cap: 36 hours of overtime a month.
CAP_MINUTES = 36 * 60


def hours_text(minutes):
    """Minutes as hours with one decimal, rounded half up ("2.5", "0.0"); never through a float."""
    tenths = ((minutes or 0) * 10 + 30) // 60
    return f"{tenths // 10}.{tenths % 10}"


def month_load(user_id, first):
    """The minutes of `user_id`'s month starting `first` that count towards the cap: worked in confirmed overtime and
    planned in approved overtime (one statement)."""
    minutes = case(
        (OvertimeApplication.status == CONFIRMED, OvertimeApplication.worked_minutes),
        else_=OvertimeApplication.planned_minutes,
    )
    total = db.session.scalar(
        select(func.coalesce(func.sum(minutes), 0)).where(
            OvertimeApplication.user_id == user_id,
            OvertimeApplication.status.in_((CONFIRMED, APPROVED)),
            OvertimeApplication.work_date >= first,
            OvertimeApplication.work_date < month_after(first),
        )
    )
    return int(total)


class CapWarning(NamedTuple):
    """What approving an application would bring its applicant's month to, when that passes the cap."""

    minutes: int
    month: object


def approval_warning(application):
    """A CapWarning when approving `application` would take its applicant's month past CAP_MINUTES, else None."""
    first = application.work_date.replace(day=1)
    after = month_load(application.user_id, first) + application.planned_minutes
    return CapWarning(after, first) if after > CAP_MINUTES else None


class SheetLine(NamedTuple):
    """One confirmed overtime on a person's monthly sheet, with how its day rated when it was confirmed."""

    application: OvertimeApplication
    kind: DayKind
    multiplier: int


class PersonMonth(NamedTuple):
    """One person's month: confirmed minutes by kind of day, their total, approved minutes not yet confirmed, and
    the lines behind them (only for one person's sheet)."""

    user: object
    by_kind: dict
    confirmed: int
    planned: int
    lines: list

    @property
    def over_cap(self):
        """Whether the confirmed overtime passes the monthly cap."""
        return self.confirmed > CAP_MINUTES

    @property
    def would_pass_cap(self):
        """Whether the confirmed and the approved overtime together pass it."""
        return self.confirmed + self.planned > CAP_MINUTES


def month_totals(property_id, first, *, user_id=None):
    """[PersonMonth] of the month starting `first`, by name (one person's with `user_id`, with the lines of their
    sheet). The minutes are summed by the database, grouped by person and by the rate each day had when it was
    confirmed: three statements however many people and applications, a fourth for one person's lines."""
    in_month = [
        OvertimeApplication.property_id == property_id,
        OvertimeApplication.work_date >= first,
        OvertimeApplication.work_date < month_after(first),
    ]
    if user_id is not None:
        in_month.append(OvertimeApplication.user_id == user_id)
    people = {}

    def person(uid):
        """The running totals of `uid`."""
        return people.setdefault(uid, {"by_kind": dict.fromkeys(DayKind, 0), "planned": 0})

    confirmed = db.session.execute(
        select(OvertimeApplication.user_id, OvertimeApplication.day_kind, func.sum(OvertimeApplication.worked_minutes))
        .where(*in_month, OvertimeApplication.status == CONFIRMED)
        .group_by(OvertimeApplication.user_id, OvertimeApplication.day_kind)
    )
    for uid, kind, minutes in confirmed:
        person(uid)["by_kind"][DayKind(kind)] += int(minutes or 0)
    approved = db.session.execute(
        select(OvertimeApplication.user_id, func.sum(OvertimeApplication.planned_minutes))
        .where(*in_month, OvertimeApplication.status == APPROVED)
        .group_by(OvertimeApplication.user_id)
    )
    for uid, minutes in approved:
        person(uid)["planned"] += int(minutes or 0)
    if not people:
        return []
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(people)))}
    lines = []
    if user_id is not None:
        rows = db.session.scalars(
            select(OvertimeApplication)
            .where(*in_month, OvertimeApplication.status == CONFIRMED)
            .order_by(OvertimeApplication.work_date, OvertimeApplication.worked_start_at, OvertimeApplication.id)
        )
        lines = [SheetLine(row, row.day_kind, MULTIPLIER[row.day_kind]) for row in rows]
    months = [
        PersonMonth(users[uid], p["by_kind"], sum(p["by_kind"].values()), p["planned"], lines)
        for uid, p in people.items()
    ]
    return sorted(months, key=lambda m: (m.user.display_name, m.user.id))
