"""The register of public facilities and their scheduled checks (1.2.14; fire equipment monthly, lifts every 15 days
by the lift contractor)."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class FacilityKind(str, enum.Enum):
    """What sort of facility; each kind suggests a checklist, an interval and a checker."""

    LIFT = "lift"
    FIRE = "fire"
    LIGHTING = "lighting"
    DOOR = "door"
    PUMP = "pump"
    CCTV = "cctv"
    OTHER = "other"


class Facility(PropertyOwned, db.Model):
    """A public facility checked on a schedule: where it is, who checks it, what they look at and how often."""

    __tablename__ = "facilities"
    __table_args__ = (
        CheckConstraint("interval_days > 0", name="interval_positive"),
        Index("ix_facilities_property", "property_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[FacilityKind] = mapped_column(value_enum(FacilityKind))
    location: Mapped[str] = mapped_column(String(120), default="")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    #: Whose list the check appears in (engineering, security, the assistants).
    checker_role: Mapped[Role] = mapped_column(value_enum(Role))
    #: An outside firm that does the check (the lift contractor), recorded by the office; "" when staff check.
    contractor: Mapped[str] = mapped_column(String(80), default="")
    #: The questions of each check, ["运行平稳", ...].
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    interval_days: Mapped[int]
    #: The first check is due on this day; each next one `interval_days` after the last check.
    first_due_on: Mapped[date] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building = relationship("Building")
    checks: Mapped[list["FacilityCheck"]] = relationship(
        back_populates="facility", order_by="FacilityCheck.checked_at.desc()", lazy="raise_on_sql"
    )


class CheckResult(str, enum.Enum):
    """A check passed, or at least one item failed (then a ticket is opened)."""

    PASSED = "passed"
    FAILED = "failed"


class FacilityCheck(db.Model):
    """One check of one facility: the answers, who did it, and the ticket a failed item opened."""

    __tablename__ = "facility_checks"
    __table_args__ = (Index("ix_facility_checks_facility", "facility_id", "checked_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The local day of the check, from which the next one is due.
    checked_on: Mapped[date] = mapped_column(Date)
    checker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The contractor's engineer who did it, when an outside firm did.
    done_by: Mapped[str] = mapped_column(String(80), default="")
    #: {"运行平稳": "ok" | "fault"}.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[CheckResult] = mapped_column(value_enum(CheckResult))
    note: Mapped[str] = mapped_column(Text, default="")
    #: The repair ticket the failed items opened (the desk forwards it, as the 维修单 of 1.2.14).
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    facility: Mapped[Facility] = relationship(back_populates="checks")
    checker = relationship("User")
    ticket = relationship("Ticket")
