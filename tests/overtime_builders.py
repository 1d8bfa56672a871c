"""Builders for overtime: an application in any state on any day, written straight to the table, and the published
holiday calendar."""

from datetime import timedelta

from domain.accounts.models import Actor
from domain.clock import start_of_local_day, utcnow
from domain.overtime import calendar
from domain.overtime.models import OvertimeApplication, OvertimeStatus
from extensions import db


def load_calendar(prop):
    """The published days of 2026 and 2027 in `prop`'s calendar."""
    calendar.load_published_days(Actor.system("test"), prop.id)
    db.session.commit()


def create_overtime(prop, user, day, start=(18, 0), minutes=120, *, status=OvertimeStatus.APPLIED, worked=None):
    """`user`'s application for `day` from `start` (hour, minute) for `minutes`; a confirmed one worked `worked`
    minutes from the same start (all of them by default), at the rate the calendar gives its day now."""
    start_at = start_of_local_day(day) + timedelta(hours=start[0], minutes=start[1])
    application = OvertimeApplication(
        property_id=prop.id,
        user_id=user.id,
        status=status,
        work_date=day,
        planned_start_at=start_at,
        planned_end_at=start_at + timedelta(minutes=minutes),
        planned_minutes=minutes,
        reason="值班",
        applied_at=utcnow(),
    )
    if status != OvertimeStatus.APPLIED:
        application.decided_at = utcnow()
    if status == OvertimeStatus.CONFIRMED:
        worked = worked or minutes
        application.worked_start_at = start_at
        application.worked_end_at = start_at + timedelta(minutes=worked)
        application.worked_minutes = worked
        application.confirmed_at = utcnow()
        application.day_kind = calendar.day_kind(prop.id, day)  # as confirming keeps it
    db.session.add(application)
    db.session.commit()
    return application
