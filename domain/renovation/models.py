"""Renovation applications (业主装修, SOP 12): what the resident plans, who does the work, and the review that
leads to approval or rejection; every step on a timeline."""

import enum
from datetime import date, datetime, time

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.timeline import TimelineEntry
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class RenovationStatus(str, enum.Enum):
    """Where an application stands; the moves are the table in domain/renovation/workflow.py."""

    DRAFT = "draft"  # the resident is still writing it
    SUBMITTED = "submitted"  # waiting for the desk's completeness check
    CHECKED = "checked"  # complete: waiting for engineering's technical review
    REVIEWED = "reviewed"  # technically sound: waiting for the manager
    CHANGES_REQUESTED = "changes_requested"  # back with the resident, with the staff's question
    APPROVED = "approved"  # the deposit and fees are billed; the permit waits for the payment
    PERMITTED = "permitted"  # paid: the permit (装修许可证) is issued and the works may go on
    COMPLETION_REPORTED = "completion_reported"  # the resident says the works are done: acceptance inspection next
    ACCEPTED = "accepted"  # passed the acceptance inspection (验收): the deposit is refunded minus fines
    CLOSED = "closed"  # the deposit is refunded (minus fines): nothing left to do
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class RenovationApplication(PropertyOwned, db.Model):
    """One renovation of one unit, as applied for."""

    __tablename__ = "renovation_applications"
    __table_args__ = (Index("ix_renovations_property_status", "property_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    #: The resident who applies (and alone may edit it while it is theirs to edit).
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[RenovationStatus] = mapped_column(value_enum(RenovationStatus, 24), default=RenovationStatus.DRAFT)
    #: Keys of domain.renovation.applications.SCOPES ("walls", "plumbing", ...).
    scope: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    contractor_company: Mapped[str] = mapped_column(String(120), default="")
    contractor_licence: Mapped[str] = mapped_column(String(60), default="")
    contractor_person: Mapped[str] = mapped_column(String(80), default="")
    contractor_phone: Mapped[str] = mapped_column(String(20), default="")
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    #: Daily working hours, property time.
    work_from: Mapped[time | None] = mapped_column(Time)
    work_until: Mapped[time | None] = mapped_column(Time)
    #: The renovation undertaking and the fire-safety agreement (防火责任协议书), signed by typing one's name.
    signed_name: Mapped[str] = mapped_column(String(80), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Why it was rejected, or what the staff asked to change.
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: The bill of the deposit and fees, made on approval.
    deposit_bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"))
    permit_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A revoked permit fails the gate check from then on.
    permit_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: At the close: the deposit paid, the fines kept from it, and what went back (fen).
    deposit_fen: Mapped[int | None]
    fines_kept_fen: Mapped[int | None]
    refunded_fen: Mapped[int | None]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workers: Mapped[list["RenovationWorker"]] = relationship(
        back_populates="application", order_by="RenovationWorker.id", lazy="selectin"
    )
    events = relationship("RenovationEvent", order_by="RenovationEvent.id", lazy="raise", back_populates="application")
    documents: Mapped[list["RenovationDocument"]] = relationship(order_by="RenovationDocument.id", lazy="selectin")

    @property
    def hours(self):
        """The daily working hours as "08:30 – 17:30"; "" while either end is not given (a draft, or one withdrawn)."""
        if self.work_from is None or self.work_until is None:
            return ""
        return f"{self.work_from:%H:%M} – {self.work_until:%H:%M}"


class RenovationWorker(db.Model):
    """A worker registered for the renovation (their pass is checked at the gate)."""

    __tablename__ = "renovation_workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("renovation_applications.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20))
    #: Only the masked ID number is kept ("2101**********1234").
    id_number_masked: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[RenovationApplication] = relationship(back_populates="workers")


class RenovationEvent(TimelineEntry, db.Model):
    """A step on the application's timeline: who did what, when, with what note. The action is the workflow's
    ("submit", "check", ...) or "comment"."""

    __tablename__ = "renovation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("renovation_applications.id"), index=True)

    application: Mapped[RenovationApplication] = relationship(back_populates="events")


class RenovationDocument(db.Model):
    """A drawing or document of the application (PDF or picture), stored privately under a random name."""

    __tablename__ = "renovation_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("renovation_applications.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    #: The name the file had on the uploader's device, shown in lists only.
    shown_name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Set for photos taken at an inspection (the resident's own drawings have none).
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("renovation_inspections.id"))


class RenovationInspection(db.Model):
    """A visit during the works (security, engineering) or the acceptance inspection (验收) at the end."""

    __tablename__ = "renovation_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("renovation_applications.id"), index=True)
    #: "routine" during the works, "acceptance" at the end.
    kind: Mapped[str] = mapped_column(String(16), default="routine")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    inspector_name: Mapped[str] = mapped_column(String(80))
    findings: Mapped[str] = mapped_column(Text, default="")
    #: The acceptance checklist: {item key: passed}; None for a routine visit.
    checklist: Mapped[dict | None] = mapped_column(JSON)
    #: Whether the acceptance inspection passed; None for a routine visit.
    passed: Mapped[bool | None]
