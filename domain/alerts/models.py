"""Alerts to one staff member in the console, in their language, until they read (or acknowledge) them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class StaffAlert(PropertyOwned, db.Model):
    """Something one staff member must know: urgent ones (an incident) show as a banner with a sound on every
    console page until acknowledged; the others wait in their list of alerts."""

    __tablename__ = "staff_alerts"
    __table_args__ = (Index("ix_staff_alerts_user", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: "incident", "late_notice", "major_complaint", ...: what the web layer links it to.
    kind: Mapped[str] = mapped_column(String(24))
    #: Written in the recipient's language when the alert is made.
    message: Mapped[str] = mapped_column(Text)
    #: The record it is about ("incident", "ticket", ...) and its id.
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int | None]
    urgent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertAck(PropertyOwned, db.Model):
    """One person has acknowledged the live alarm about one record (a repair not forwarded in time, a wrong-code
    lock-out, a major complaint): the banner stops for them only; the others still see it."""

    __tablename__ = "alert_acks"
    __table_args__ = (UniqueConstraint("user_id", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: "forward" (a ticket), "lockout" (a desk alarm), "complaint" (a ticket): what the alarm is about.
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int]
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
