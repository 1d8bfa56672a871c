"""Move-in cases, the people on their registration form (业主登记表), the checklist of papers, keys and fees, the
manager's templates, unit inspections (验房记录表) and the manager's spot-checks (抽查)."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.timeline import TimelineEntry
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class CaseStatus(str, enum.Enum):
    """Where a move-in case stands; the moves are the table in domain/movein/workflow.py."""

    NOTIFIED = "notified"  # on the developer's handover list (入住通知): nothing done yet
    INVITED = "invited"  # the owner has a one-time code to pre-fill online
    BOOKED = "booked"  # an appointment at the desk is set
    AT_DESK = "at_desk"  # the owner (or a proxy) is at the desk: papers, fees, keys, signatures
    COMPLETED = "completed"  # 手续完成: the owner and household are residents of the unit
    CANCELLED = "cancelled"


class MoveInCase(PropertyOwned, db.Model):
    """One unit's move-in (入住办理), from the handover notice to 手续完成."""

    __tablename__ = "move_in_cases"
    __table_args__ = (Index("ix_move_in_cases_property_status", "property_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(value_enum(CaseStatus), default=CaseStatus.NOTIFIED)
    #: The owner as the developer's list names them; the register's resident is made at once (no occupancy yet),
    #: so the invitation can bind a portal account to them.
    owner_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: The number of the developer's 入住通知书, when it has one.
    notice_number: Mapped[str] = mapped_column(String(40), default="")
    #: The day the developer planned for the hand-over.
    planned_on: Mapped[date | None] = mapped_column(Date)
    #: The appointment at the desk (UTC).
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: SHA-256 of the one-time invitation code (the code itself is only ever printed or e-mailed).
    invitation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invitation_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the owner last saved the online form.
    prefilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A proxy (受托人) who does it for the owner: both IDs are checked and the 授权委托书 original kept.
    proxy_name: Mapped[str] = mapped_column(String(80), default="")
    proxy_phone: Mapped[str] = mapped_column(String(20), default="")
    proxy_id_masked: Mapped[str] = mapped_column(String(32), default="")
    #: The proxy's full ID number, encrypted with the key from the environment (domain.archives.crypto).
    proxy_id_cipher: Mapped[str] = mapped_column(Text, default="")
    #: The one bill of the case's fees, collected at the desk like any other bill.
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The clerk who completed it (the spot-check's follow-up goes to them).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_reason: Mapped[str] = mapped_column(Text, default="")

    owner = relationship("Resident", lazy="joined")
    unit = relationship("Unit", lazy="joined")
    people: Mapped[list["MoveInPerson"]] = relationship(
        back_populates="case", order_by="MoveInPerson.id", lazy="selectin"
    )
    items: Mapped[list["MoveInItem"]] = relationship(back_populates="case", order_by="MoveInItem.position")
    events = relationship("MoveInEvent", order_by="MoveInEvent.id", lazy="raise", back_populates="case")

    @property
    def owner_user_id(self):
        """The owner's portal account id (None before the invitation is redeemed); the workflow's OWNER test."""
        return self.owner.user_id


class PersonRole(str, enum.Enum):
    """A person on the registration form."""

    OWNER = "owner"
    FAMILY = "family"


class MoveInPerson(db.Model):
    """A person on the 业主登记表: the owner or a household member. Every field but name and phone is optional."""

    __tablename__ = "move_in_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("move_in_cases.id"), index=True)
    role: Mapped[PersonRole] = mapped_column(value_enum(PersonRole))
    #: How a household member is related to the owner (配偶, 子女 ...), free text.
    kinship: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), default="")
    #: "male", "female" or "".
    gender: Mapped[str] = mapped_column(String(8), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(20), default="")  # 民族
    native_place: Mapped[str] = mapped_column(String(60), default="")  # 籍贯
    political_status: Mapped[str] = mapped_column(String(20), default="")  # 政治面貌
    education: Mapped[str] = mapped_column(String(20), default="")  # 学历
    employer: Mapped[str] = mapped_column(String(120), default="")  # 工作单位
    id_number_masked: Mapped[str] = mapped_column(String(32), default="")
    #: The full ID number, encrypted at rest (domain.archives.crypto); "" when not given.
    id_number_cipher: Mapped[str] = mapped_column(Text, default="")
    #: The register's resident this person became (the owner's from the start; household members on completion).
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    #: "resident" when the owner typed it online, else "staff".
    entered_by: Mapped[str] = mapped_column(String(16), default="staff")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[MoveInCase] = relationship(back_populates="people")


class ItemKind(str, enum.Enum):
    """What a checklist line is about."""

    DOCUMENT = "document"  # a paper the owner brings and the desk checks (入住通知书, 买卖合同 copy, ID)
    FORM = "form"  # a form or agreement signed here (业主登记表, 防火责任协议书, 协议及物品交接单)
    KEY = "key"  # a key or card handed over (房间钥匙 x 3, 业主卡, 电表IC卡)
    FEE = "fee"  # a fee collected (the first months of 物业管理费)


class MoveInTemplateItem(PropertyOwned, db.Model):
    """The manager's list of what every case's checklist starts with."""

    __tablename__ = "move_in_template_items"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    kind: Mapped[ItemKind] = mapped_column(value_enum(ItemKind))
    #: A stable key ("purchase_contract", "fire_agreement", "room_keys"); the code ticks or files by it.
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    #: Keys and cards: how many are handed over.
    quantity: Mapped[int] = mapped_column(default=0)
    #: Fees: the charge from the fee schedule, and how many months of it are collected in advance.
    charge_type_id: Mapped[int | None] = mapped_column(ForeignKey("charge_types.id"))
    months: Mapped[int] = mapped_column(default=0)
    #: Forms and agreements: the text the owner signs (its hash is kept with each signature).
    text: Mapped[str] = mapped_column(Text, default="")
    #: Documents: only when a proxy comes (授权委托书, the proxy's ID).
    proxy_only: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class MoveInItem(db.Model):
    """One line of a case's checklist, copied from the template when the case is made."""

    __tablename__ = "move_in_items"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("move_in_cases.id"), index=True)
    kind: Mapped[ItemKind] = mapped_column(value_enum(ItemKind))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int] = mapped_column(default=0)
    #: Keys and cards: how many were handed over (a count other than `quantity` comes with a note).
    handed_quantity: Mapped[int | None]
    charge_type_id: Mapped[int | None] = mapped_column(ForeignKey("charge_types.id"))
    months: Mapped[int] = mapped_column(default=0)
    #: Fees: the amount worked out from the schedule when the case's bill is made (fen).
    amount_fen: Mapped[int] = mapped_column(default=0)
    proxy_only: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    #: Ticked: the paper seen, the form signed, the keys handed over, the fee paid.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: What the clerk noted (seals and signatures consistent; a key short).
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[MoveInCase] = relationship(back_populates="items")


class MoveInEvent(TimelineEntry, db.Model):
    """A step on the case's timeline: who did what, when. The action is the workflow's ("invite", "book", ...) or
    what was done ("tick", "sign", "upload")."""

    __tablename__ = "move_in_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("move_in_cases.id"), index=True)

    case: Mapped[MoveInCase] = relationship(back_populates="events")


class InspectionStatus(str, enum.Enum):
    """Where a unit inspection stands; the moves are in domain/movein/workflow.py."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"  # engineering and the assistant are walking the unit
    SIGNED = "signed"  # recorded and signed by the owner and staff; its defects go to engineering
    CANCELLED = "cancelled"


class InspectionTemplateItem(PropertyOwned, db.Model):
    """The manager's inspection checklist: per room or system (doors/windows, walls, water, electrical, ...)."""

    __tablename__ = "inspection_template_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: The room or system ("客厅", "厨房", "电气").
    area: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class UnitInspection(PropertyOwned, db.Model):
    """A walk through the unit with the owner (验房, SOP 2.4.3); round 2 re-checks only the first one's defects."""

    __tablename__ = "unit_inspections"
    __table_args__ = (
        Index("ix_unit_inspections_property_status", "property_id", "status", "scheduled_at"),
        CheckConstraint("round >= 1", name="round_positive"),
        CheckConstraint("water_reading_x100 IS NULL OR water_reading_x100 >= 0", name="water_not_negative"),
        CheckConstraint(
            "electricity_reading_x100 IS NULL OR electricity_reading_x100 >= 0", name="electricity_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("move_in_cases.id"), index=True)
    #: 1 for the hand-over inspection, 2 (3 ...) for the re-inspection of the previous round's defects.
    round: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("unit_inspections.id"))
    status: Mapped[InspectionStatus] = mapped_column(value_enum(InspectionStatus), default=InspectionStatus.SCHEDULED)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assistant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The meters at hand-over (x100), recorded as the unit's first readings for billing (round 1 only).
    water_reading_x100: Mapped[int | None]
    electricity_reading_x100: Mapped[int | None]
    #: What the owner asked for on the spot.
    owner_requests: Mapped[str] = mapped_column(Text, default="")
    #: Whether every item was found in order (set when signed).
    passed: Mapped[bool | None]
    #: The signed 验房记录表 as filed in the owner's file.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("archive_documents.id"))

    case: Mapped[MoveInCase] = relationship()
    items: Mapped[list["InspectionItem"]] = relationship(
        back_populates="inspection", order_by="InspectionItem.position", lazy="selectin"
    )


class ItemResult(str, enum.Enum):
    """What the inspector found."""

    OK = "ok"
    DEFECT = "defect"
    NOT_APPLICABLE = "na"


class InspectionItem(db.Model):
    """One line of an inspection: a room's or system's item, found in order or a defect with a note and photos."""

    __tablename__ = "inspection_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("unit_inspections.id"), index=True)
    area: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    #: None until looked at.
    result: Mapped[ItemResult | None] = mapped_column(value_enum(ItemResult))
    note: Mapped[str] = mapped_column(Text, default="")
    #: A defect's repair ticket for engineering.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    #: In a re-inspection: the defect of the previous round this line re-checks.
    previous_item_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_items.id"))

    inspection: Mapped[UnitInspection] = relationship(back_populates="items")
    photos: Mapped[list["InspectionPhoto"]] = relationship(order_by="InspectionPhoto.id", lazy="selectin")


class InspectionPhoto(db.Model):
    """A photo of a defect, in the private file store."""

    __tablename__ = "inspection_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_items.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SpotCheckResult(str, enum.Enum):
    """The manager's finding on a completed case."""

    PENDING = "pending"
    COMPLETE = "complete"
    MISSING = "missing"  # items missing: a follow-up for the clerk


class SpotCheck(PropertyOwned, db.Model):
    """A completed case the system picked at random for the manager to check (抽查, SOP 2.4.2)."""

    __tablename__ = "move_in_spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: Unique: a case is picked at most once, even when two managers pick at the same moment.
    case_id: Mapped[int] = mapped_column(ForeignKey("move_in_cases.id"), unique=True, index=True)
    picked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    picked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[SpotCheckResult] = mapped_column(value_enum(SpotCheckResult), default=SpotCheckResult.PENDING)
    #: What is missing or wrong; the follow-up the clerk must do.
    note: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The clerk who must put it right (the case's completer), and when they said it is done.
    follow_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    follow_up_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_note: Mapped[str] = mapped_column(Text, default="")
