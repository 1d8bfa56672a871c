"""Vacant units (空置房, SOP 17): why a unit stands empty and what was agreed about it, the keys the office keeps for
it with every take-out and return, and its scheduled checks. A record belongs to its property (and its unit); keys,
movements and checks belong to it."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.facilities.models import CheckResult
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class VacancyReason(str, enum.Enum):
    """Why the unit stands empty."""

    UNSOLD = "unsold"
    OWNER_AWAY = "owner_away"
    BETWEEN_TENANTS = "between_tenants"


class Supply(str, enum.Enum):
    """What was agreed about the water or the power while the unit is empty: shut off, or left on."""

    OFF = "off"
    ON = "on"


class VacantUnit(PropertyOwned, db.Model):
    """A unit the register marks vacant (Unit.status), registered here with why and since when, how often it is
    checked and what was agreed about its water and power. One record per unit: it is closed when the unit is lived
    in again and reopened when it stands empty again, so its keys and history stay together."""

    __tablename__ = "vacant_units"
    __table_args__ = (
        CheckConstraint("interval_days > 0", name="interval_positive"),
        Index("ix_vacant_units_property", "property_id", "is_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    reason: Mapped[VacancyReason] = mapped_column(value_enum(VacancyReason, length=20))
    #: The first day the unit stood empty as the office knows it (the form proposes the day of the register's status
    #: history; the vacancy fee counts from that history, not from this).
    vacant_since: Mapped[date] = mapped_column(Date)
    #: Days between checks; weekly by default.
    interval_days: Mapped[int] = mapped_column(default=7)
    #: What was agreed with the owner about the water and the power (a check compares them).
    water: Mapped[Supply] = mapped_column(value_enum(Supply), default=Supply.OFF)
    power: Mapped[Supply] = mapped_column(value_enum(Supply), default=Supply.OFF)
    note: Mapped[str] = mapped_column(Text, default="")
    #: Closed when the unit is lived in again; checks are due only while open.
    is_open: Mapped[bool] = mapped_column(default=True)
    #: The local day it was registered (or last reopened): the first check is due that day.
    registered_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit")
    keys: Mapped[list["VacantKey"]] = relationship(
        back_populates="vacant_unit", order_by="VacantKey.id", lazy="raise_on_sql"
    )


class VacantKey(db.Model):
    """A set of keys (or cards) of a vacant unit the office keeps: how many, and the tag on the ring."""

    __tablename__ = "vacant_keys"
    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacant_unit_id: Mapped[int] = mapped_column(ForeignKey("vacant_units.id"), index=True)
    #: The tag on the ring, as the key cabinet reads it ("K-1-1203").
    tag: Mapped[str] = mapped_column(String(40))
    #: How many keys (or cards) are on it.
    count: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(String(200), default="")
    #: Handed back to the owner or lost: no longer kept, its movements stay.
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vacant_unit: Mapped[VacantUnit] = relationship(back_populates="keys")


class Taker(str, enum.Enum):
    """Who takes a key out: staff of the office, the owner, or someone the owner sent (these need consent)."""

    STAFF = "staff"
    OWNER = "owner"
    AGENT = "agent"
    CONTRACTOR = "contractor"


class ConsentBy(str, enum.Enum):
    """How the owner's consent for an agent or contractor was given."""

    WRITTEN = "written"
    PHONE = "phone"
    MESSAGE = "message"
    IN_PERSON = "in_person"


class KeyMovement(db.Model):
    """One take-out of a key set and its return: who took it, why, when, when it is due back, the owner's consent for
    an agent or contractor, and who took it back. A set is out at most once at a time (the partial unique index)."""

    __tablename__ = "vacant_key_movements"
    __table_args__ = (
        Index(
            "uq_vacant_key_movements_out",
            "key_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        CheckConstraint("due_back_at > taken_at", name="due_after_taken"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("vacant_keys.id"), index=True)
    taker: Mapped[Taker] = mapped_column(value_enum(Taker))
    #: The staff member who took it, when staff did.
    taker_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who took it, as written (the staff member's name copied, or the agent's, the contractor's firm and person).
    taker_name: Mapped[str] = mapped_column(String(80))
    taker_phone: Mapped[str] = mapped_column(String(20), default="")
    purpose: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_back_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: For an agent or a contractor: the owner who consented and how; empty otherwise.
    consent_from: Mapped[str] = mapped_column(String(80), default="")
    consent_by: Mapped[ConsentBy | None] = mapped_column(value_enum(ConsentBy))
    handed_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_note: Mapped[str] = mapped_column(String(200), default="")

    key: Mapped[VacantKey] = relationship()
    handed_out_by = relationship("User", foreign_keys=[handed_out_by_id])
    taken_back_by = relationship("User", foreign_keys=[taken_back_by_id])


class VacantChecklist(PropertyOwned, db.Model):
    """The property's checklist for vacant units, kept by the manager: [{"text": "门窗关闭", "kind": "check"},
    {"text": "电表读数", "kind": "reading"}]. A check keeps the items as they were asked."""

    __tablename__ = "vacant_checklists"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), unique=True)
    items: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class VacantCheck(db.Model):
    """One check of a vacant unit: the answers and meter readings, who did it, and the ticket a failed item opened."""

    __tablename__ = "vacant_checks"
    __table_args__ = (Index("ix_vacant_checks_unit", "vacant_unit_id", "checked_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacant_unit_id: Mapped[int] = mapped_column(ForeignKey("vacant_units.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The local day of the check, from which the next one is due.
    checked_on: Mapped[date] = mapped_column(Date)
    checker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: {"门窗关闭": "ok" | "fault"}, the checklist's items as asked.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    #: {"电表读数": "1234.5"}, the meter readings as typed.
    readings: Mapped[dict] = mapped_column(JSON, default=dict)
    #: What had been agreed on the day ("off"/"on"), so an old check reads the same after the agreement changes.
    water: Mapped[Supply] = mapped_column(value_enum(Supply))
    power: Mapped[Supply] = mapped_column(value_enum(Supply))
    result: Mapped[CheckResult] = mapped_column(value_enum(CheckResult))
    note: Mapped[str] = mapped_column(Text, default="")
    #: The repair ticket the failed items opened.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    vacant_unit: Mapped[VacantUnit] = relationship()
    checker = relationship("User")
    ticket = relationship("Ticket")
