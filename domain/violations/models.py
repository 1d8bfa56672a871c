"""Violations (违章, SOP 11): the kinds the manager keeps (their rule, stages, deadlines and fine), each violation
with its stage and deadline, its timeline, the notices exactly as they were sent, and the residents' answers.

A violation found during renovation works lives here too, linked to its application (and to the inspection that
found it). It keeps the renovation's rule, written in domain/violations/workflow.py (RENOVATION_TRANSITIONS) and
domain/renovation/inspections.py:
- its kind is one of the renovation's (超时施工, 拆改承重结构...), a ViolationKind of the property marked with the
  renovation kind it stands for, made the first time one is recorded;
- it starts at the written notice (NOTICED, 违章通知书) with the deadline the inspector gives, and the notice is stored
  as sent like any other, so the unit's residents (the applicant among them) read it under the portal's notices;
- from there the renovation's inspectors check it rectified (RECTIFIED) or waive it (WITHDRAWN: not one after all,
  so no fine); it never goes on to the rectification order or a referral, and it is never billed: its fine, recorded
  with it, is taken from the deposit at the refund, unless waived;
- while it is open (NOTICED) the acceptance inspection cannot pass."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.timeline import TimelineEntry
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class Stage(str, enum.Enum):
    """Where a violation stands: the staged notices in order, then how it ended."""

    REMINDED = "reminded"  # 口头提醒: the verbal reminder is recorded
    NOTICED = "noticed"  # 违章通知书: the written notice with a deadline
    ORDERED = "ordered"  # 整改通知: the rectification order with a later deadline
    REFERRED = "referred"  # 移交城管/消防/公安
    RECTIFIED = "rectified"  # put right, seen at a follow-up check: closed
    WITHDRAWN = "withdrawn"  # recorded in error, or not a violation after all: closed


#: The stages that are still open, in their order.
OPEN_STAGES = (Stage.REMINDED, Stage.NOTICED, Stage.ORDERED, Stage.REFERRED)
#: The stages whose deadline runs (a referred violation is the authority's to time).
TIMED_STAGES = (Stage.REMINDED, Stage.NOTICED, Stage.ORDERED)
#: The stages that send the resident a notice, each from its own template.
NOTICE_STAGES = (Stage.REMINDED, Stage.NOTICED, Stage.ORDERED, Stage.REFERRED)


class Authority(str, enum.Enum):
    """Whom a violation is referred to."""

    URBAN = "urban"  # 城管 (illegal structures, advertising, things thrown from height)
    FIRE = "fire"  # 消防 (fire lanes, blocked exits, goods in stairwells)
    POLICE = "police"  # 公安 (group rentals, noise at night, pets that bite)


class ViolationKind(PropertyOwned, db.Model):
    """A kind of violation the manager keeps for the property: the rule it breaks, where it starts, the days to
    put it right at each stage, and whether a fine may be recorded (up to a maximum, billed under a one-off charge of
    the fee schedule)."""

    __tablename__ = "violation_kinds"
    __table_args__ = (
        UniqueConstraint("property_id", "name"),
        CheckConstraint("reminder_days >= 0 AND notice_days >= 0 AND order_days >= 0", name="days_not_negative"),
        CheckConstraint("fine_max_fen IS NULL OR fine_max_fen > 0", name="fine_max_positive"),
        UniqueConstraint("property_id", "renovation_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    name: Mapped[str] = mapped_column(String(60))
    #: The rule broken, as the notices quote it (管理规约, 消防法...).
    rule: Mapped[str] = mapped_column(Text)
    #: The first stage: a verbal reminder, or straight to the written notice (an illegal structure).
    first_stage: Mapped[Stage] = mapped_column(value_enum(Stage), default=Stage.REMINDED)
    #: Days to put it right after the reminder, the written notice and the rectification order.
    reminder_days: Mapped[int] = mapped_column(default=1)
    notice_days: Mapped[int] = mapped_column(default=3)
    order_days: Mapped[int] = mapped_column(default=7)
    #: Who a referral usually goes to (the form's default).
    authority: Mapped[Authority] = mapped_column(value_enum(Authority), default=Authority.URBAN)
    #: Whether the manager allows a fine for this kind (the property's rules and local law), its maximum, and the
    #: one-off charge of the fee schedule it is billed under.
    fine_allowed: Mapped[bool] = mapped_column(default=False)
    fine_max_fen: Mapped[int | None]
    fine_charge_type_id: Mapped[int | None] = mapped_column(ForeignKey("charge_types.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: The renovation violation kind this kind stands for (a key of domain.renovation.inspections.VIOLATION_KINDS);
    #: None for the kinds the manager records by hand. Renovation kinds are offered only on the renovation page.
    renovation_kind: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    templates: Mapped[list["NoticeTemplate"]] = relationship(
        back_populates="kind", cascade="all, delete-orphan", order_by="NoticeTemplate.id"
    )


class NoticeTemplate(db.Model):
    """The text a stage's notice is made from, per kind: placeholders {unit} {place} {kind} {rule} {deadline}
    {seen} {property} are filled when it is sent."""

    __tablename__ = "violation_notice_templates"
    __table_args__ = (UniqueConstraint("kind_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("violation_kinds.id"))
    stage: Mapped[Stage] = mapped_column(value_enum(Stage))
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    kind: Mapped[ViolationKind] = relationship(back_populates="templates")


class Violation(PropertyOwned, db.Model):
    """One violation: its kind, where (a unit, or a public place with the nearest unit when known), what was seen,
    its stage and the deadline to put it right."""

    __tablename__ = "violations"
    __table_args__ = (
        Index("ix_violations_property_stage", "property_id", "stage", "deadline"),
        Index("ix_violations_property_recorded", "property_id", "recorded_at"),
        CheckConstraint("fine_fen IS NULL OR fine_fen > 0", name="fine_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    kind_id: Mapped[int] = mapped_column(ForeignKey("violation_kinds.id"), index=True)
    #: The unit concerned: where it was found, or for a public place the nearest unit when known. Its residents see
    #: the notices; a violation without one is never shown to residents.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    #: The public place ("3号楼12层走廊"); empty when it was found in the unit itself.
    place: Mapped[str] = mapped_column(String(120), default="")
    seen: Mapped[str] = mapped_column(Text)
    stage: Mapped[Stage] = mapped_column(value_enum(Stage))
    #: The last day (property time) to put it right at the current stage.
    deadline: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The referral: to whom, the person or office who took it, and when.
    authority: Mapped[Authority | None] = mapped_column(value_enum(Authority))
    referred_to: Mapped[str] = mapped_column(String(120), default="")
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The fine (fen) and the bill it became; a renovation violation's fine has no bill: it is taken from the deposit.
    fine_fen: Mapped[int | None]
    fine_bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"))
    #: The renovation whose works it was found in (its rule then applies: see the module's docstring), and the
    #: inspection that found it when known.
    renovation_id: Mapped[int | None] = mapped_column(ForeignKey("renovation_applications.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("renovation_inspections.id"))

    kind: Mapped[ViolationKind] = relationship()
    unit = relationship("Unit")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    renovation = relationship("RenovationApplication")
    events: Mapped[list["ViolationEvent"]] = relationship(back_populates="violation", order_by="ViolationEvent.id")
    notices: Mapped[list["ViolationNotice"]] = relationship(back_populates="violation", order_by="ViolationNotice.id")
    replies: Mapped[list["ViolationReply"]] = relationship(back_populates="violation", order_by="ViolationReply.id")

    @property
    def is_open(self):
        """Whether it still waits to be put right (one of OPEN_STAGES)."""
        return self.stage in OPEN_STAGES


class ViolationEvent(TimelineEntry, db.Model):
    """One entry of a violation's timeline.

    Actions: "recorded", "issue_notice", "issue_order", "refer", "rectified", "not_rectified", "extend", "fine",
    "withdraw", "replied".
    """

    __tablename__ = "violation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), index=True)

    violation: Mapped[Violation] = relationship(back_populates="events")


class ViolationNotice(db.Model):
    """A notice as it was sent: its title and text already filled in, the rule and the deadline it quoted. A later
    edit of the template or the kind never changes it."""

    __tablename__ = "violation_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), index=True)
    stage: Mapped[Stage] = mapped_column(value_enum(Stage))
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    violation: Mapped[Violation] = relationship(back_populates="notices")


class ViolationReply(db.Model):
    """A resident's answer to a notice ("already removed"), with photos (FieldPhoto "violation_reply")."""

    __tablename__ = "violation_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    violation: Mapped[Violation] = relationship(back_populates="replies")
    resident = relationship("Resident")
