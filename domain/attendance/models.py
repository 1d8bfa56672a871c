"""The rota (shift templates and who works which on which day), clock-ins and clock-outs, leave requests, and the
property's grace period. Every row belongs to its property; times are stored UTC, a shift's hours as local wall-clock
times (a night shift ends before it starts: it crosses midnight)."""

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class Shift(PropertyOwned, db.Model):
    """A shift template of the rota (白班 08:00-20:00, 夜班 20:00-08:00): its name and local start and end times."""

    __tablename__ = "shifts"
    __table_args__ = (CheckConstraint("starts_at <> ends_at", name="not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    #: Local wall-clock times; an end before the start means the shift ends the next morning.
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    #: A retired shift is no longer offered; the days planned with it keep it.
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShiftAssignment(PropertyOwned, db.Model):
    """One person planned on one shift on one day (the day the shift starts). One shift a person a day."""

    __tablename__ = "shift_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "day"),
        Index("ix_shift_assignments_property_day", "property_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"))
    #: The local day the shift starts on.
    day: Mapped[date] = mapped_column(Date)
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shift: Mapped[Shift] = relationship(lazy="joined")
    user = relationship("User", foreign_keys=[user_id])


class Clocking(PropertyOwned, db.Model):
    """A clock-in and, once the person clocks out, its clock-out; both the server's time. At most one open (not yet
    clocked out) per person (the partial unique index). Which shift it belongs to is read from the times."""

    __tablename__ = "clockings"
    __table_args__ = (
        Index(
            "uq_clockings_open",
            "user_id",
            unique=True,
            sqlite_where=text("out_at IS NULL"),
            postgresql_where=text("out_at IS NULL"),
        ),
        Index("ix_clockings_property_in", "property_id", "in_at"),
        CheckConstraint("out_at IS NULL OR out_at >= in_at", name="out_after_in"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LeaveKind(str, enum.Enum):
    """事假, 病假, 年假, 调休."""

    PERSONAL = "personal"
    SICK = "sick"
    ANNUAL = "annual"
    TIME_OFF = "time_off"


class LeaveStatus(str, enum.Enum):
    """Where a leave request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class LeaveRequest(PropertyOwned, db.Model):
    """A staff member's request for leave (请假) from one day to another, and the manager's decision."""

    __tablename__ = "leave_requests"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="days_in_order"),
        Index("ix_leave_requests_property_days", "property_id", "first_day", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[LeaveKind] = mapped_column(value_enum(LeaveKind))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[LeaveStatus] = mapped_column(value_enum(LeaveStatus), default=LeaveStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The manager's word with the decision (why refused), may be empty.
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class AttendanceSettings(PropertyOwned, db.Model):
    """The property's attendance settings: how many minutes after a shift's start a clock-in is still on time (and
    before its end a clock-out); 5 unless the manager says otherwise."""

    __tablename__ = "attendance_settings"
    __table_args__ = (CheckConstraint("grace_minutes >= 0", name="grace_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), unique=True)
    grace_minutes: Mapped[int] = mapped_column(default=5)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
