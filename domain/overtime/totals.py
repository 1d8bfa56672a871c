"""Monthly overtime per person, split by the legal rate of each day (150 %, 200 %, 300 %), and the legal monthly
cap (《劳动法》第四十一条: at most 36 hours a month). Minutes are whole numbers throughout; hours are shown with
one decimal, rounded from the minutes only when written. What counts is what the manager confirmed; approved work not
yet confirmed is shown beside it, since approving more would take the month past the cap."""

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from domain.dates import month_after
from domain.overtime.calendar import MULTIPLIER, entries_between, kind_of
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
    """One confirmed overtime on a person's monthly sheet, with how its day rates."""

    application: OvertimeApplication
    kind: DayKind
    multiplier: int


class PersonMonth(NamedTuple):
    """One person's month: confirmed minutes by kind of day, their total, approved minutes not yet confirmed, and
    the lines behind them."""

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
    """[PersonMonth] of the month starting `first`, by name (one person's with `user_id`): three statements, however
    many people and applications."""
    following = month_after(first)
    query = (
        select(OvertimeApplication)
        .where(
            OvertimeApplication.property_id == property_id,
            OvertimeApplication.status.in_((CONFIRMED, APPROVED)),
            OvertimeApplication.work_date >= first,
            OvertimeApplication.work_date < following,
        )
        .options(joinedload(OvertimeApplication.user))
        .order_by(OvertimeApplication.work_date, OvertimeApplication.worked_start_at, OvertimeApplication.id)
    )
    if user_id is not None:
        query = query.where(OvertimeApplication.user_id == user_id)
    entries = entries_between(property_id, first, following - timedelta(days=1))
    people = {}
    for application in db.session.scalars(query):
        person = people.setdefault(
            application.user_id,
            {"user": application.user, "by_kind": dict.fromkeys(DayKind, 0), "planned": 0, "lines": []},
        )
        if application.status == APPROVED:
            person["planned"] += application.planned_minutes
            continue
        kind = kind_of(application.work_date, entries)
        person["by_kind"][kind] += application.worked_minutes
        person["lines"].append(SheetLine(application, kind, MULTIPLIER[kind]))
    months = [
        PersonMonth(p["user"], p["by_kind"], sum(p["by_kind"].values()), p["planned"], p["lines"])
        for p in people.values()
    ]
    return sorted(months, key=lambda m: (m.user.display_name, m.user.id))
