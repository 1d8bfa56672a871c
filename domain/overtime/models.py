"""Overtime applications (加班申请表) and the property's holiday calendar. An application belongs to its property and
its applicant; the calendar's days belong to their property."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class DayKind(str, enum.Enum):
    """How a day rates overtime: a working day (150 %), a rest day (200 %) or a statutory public holiday (300 %)."""

    WORKING = "working"
    REST = "rest"
    HOLIDAY = "holiday"


class CalendarDay(PropertyOwned, db.Model):
    """A day the State Council's notice sets apart from the ordinary week: a statutory holiday (法定节假日), a rest day
    of a break that falls on a weekday, or a make-up working day (调休上班) that falls on a weekend. Every other day
    is a working day from Monday to Friday and a rest day on Saturday and Sunday."""

    __tablename__ = "overtime_calendar_days"
    __table_args__ = (UniqueConstraint("property_id", "day", name="uq_overtime_calendar_days_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[DayKind] = mapped_column(value_enum(DayKind))
    #: The holiday or break it belongs to, as the notice names it ("国庆节").
    name: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OvertimeStatus(str, enum.Enum):
    """Where an application stands (domain/overtime/workflow.py)."""

    APPLIED = "applied"
    APPROVED = "approved"
    REFUSED = "refused"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class OvertimeApplication(PropertyOwned, db.Model):
    """One 加班申请表: the day and the planned from–to, applied for before the work and decided by the manager; once
    worked, the from–to the applicant reports and the manager confirms. Minutes are whole numbers; the rate comes
    from the calendar day of `work_date`. Every time lies within `work_date` (an end at midnight is its end)."""

    __tablename__ = "overtime_applications"
    __table_args__ = (
        CheckConstraint("planned_minutes > 0", name="planned_positive"),
        CheckConstraint("worked_minutes IS NULL OR worked_minutes > 0", name="worked_positive"),
        Index("ix_overtime_applications_month", "property_id", "work_date"),
        Index("ix_overtime_applications_user", "user_id", "work_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: The applicant (a staff account).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[OvertimeStatus] = mapped_column(value_enum(OvertimeStatus), default=OvertimeStatus.APPLIED)
    #: The local day of the work; it decides the rate.
    work_date: Mapped[date] = mapped_column(Date)
    planned_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_minutes: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Why the manager refused (required then), or why it was cancelled (optional).
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: What the applicant reported after the work, for the manager to confirm.
    reported_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The from–to the manager confirmed: what payroll counts.
    worked_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worked_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worked_minutes: Mapped[int | None] = mapped_column()
    #: How the work day rated when the time was confirmed: payroll's rate, which a later edit of the calendar does
    #: not change (None until confirmed).
    day_kind: Mapped[DayKind | None] = mapped_column(value_enum(DayKind))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
