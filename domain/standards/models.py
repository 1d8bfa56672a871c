"""The service-standards checklist and the manager's spot-checks of a staff member against it."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class ServiceChecklist(PropertyOwned, db.Model):
    """The property's service-standards checklist, kept by the manager: ["仪容仪表整洁，着装规范", ...]. A spot-check
    keeps the items as they were asked, so editing never rewrites one."""

    __tablename__ = "service_checklists"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), unique=True)
    items: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SpotCheck(PropertyOwned, db.Model):
    """One spot-check (抽查) of a staff member against the checklist: each item passed or failed, and notes."""

    __tablename__ = "spot_checks"
    __table_args__ = (Index("ix_spot_checks_staff", "property_id", "staff_id", "checked_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: The staff member checked.
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_on: Mapped[date]
    #: {item text: "ok" | "fault"} for every item of the checklist as it was then.
    answers: Mapped[dict] = mapped_column(JSON)
    #: How many items failed (kept beside the answers so that lists count without reading them).
    failed: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("User", foreign_keys=[staff_id])
    checked_by = relationship("User", foreign_keys=[checked_by_id])
