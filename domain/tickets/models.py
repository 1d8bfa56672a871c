"""Service tickets (SOPs 5, 6, 7, 9, 10, 13): repairs, complaints, help, inquiries and service requests,
with their timeline, photos, service levels, callbacks, the phone/visit log and the shift handover."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.timeline import TimelineEntry
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class TicketKind(str, enum.Enum):
    """What the resident asks for."""

    REPAIR = "repair"  # 报修
    COMPLAINT = "complaint"  # 投诉
    HELP = "help"  # 求助
    INQUIRY = "inquiry"  # 查询
    SERVICE = "service"  # 申请服务 (from the catalogue)
    SUGGESTION = "suggestion"  # 建议 (goes to the manager)
    PRAISE = "praise"  # 表扬 (goes to the manager)


class Channel(str, enum.Enum):
    """How the ticket reached the office (always recorded)."""

    PORTAL = "portal"
    KIOSK = "kiosk"
    PHONE = "phone"
    VISIT = "visit"
    PATROL = "patrol"


class Department(str, enum.Enum):
    """Who does the work."""

    CUSTOMER_SERVICE = "customer_service"  # front desk and assistants answer it themselves
    ENGINEERING = "engineering"
    SECURITY = "security"
    CLEANING = "cleaning"
    FINANCE = "finance"


class Status(str, enum.Enum):
    """Where a ticket stands; the moves are the table in domain/tickets/workflow.py."""

    NEW = "new"  # waiting to be forwarded to a department (repairs: within 3 minutes)
    DISPATCHED = "dispatched"  # in a department's queue, nobody has it yet
    CLAIMED = "claimed"  # someone has it
    SCHEDULED = "scheduled"  # a visit is booked
    WAITING = "waiting"  # waiting for the resident's answer: the service-level clock pauses
    DONE = "done"  # the work is finished; the callback or the resident's rating closes it
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Priority(str, enum.Enum):
    """How urgent; urgent tickets get the tighter service levels."""

    NORMAL = "normal"
    URGENT = "urgent"


class Severity(str, enum.Enum):
    """How serious a complaint is; a major one (重大投诉) goes to the manager at once."""

    MINOR = "minor"
    SERIOUS = "serious"
    MAJOR = "major"


class ServiceItem(PropertyOwned, db.Model):
    """An entry of the service catalogue (有偿/无偿服务项目)."""

    __tablename__ = "service_items"
    __table_args__ = (CheckConstraint("price_fen >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    #: 0 for a free service; a paid one adds a line to the resident's next bill once done.
    price_fen: Mapped[int] = mapped_column(default=0)
    department: Mapped[Department] = mapped_column(value_enum(Department, length=20))
    is_active: Mapped[bool] = mapped_column(default=True)


class ServiceLevel(PropertyOwned, db.Model):
    """The service levels of one kind of ticket, in minutes; due times are computed from these, never typed."""

    __tablename__ = "service_levels"
    __table_args__ = (UniqueConstraint("property_id", "kind", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    kind: Mapped[TicketKind] = mapped_column(value_enum(TicketKind))
    priority: Mapped[Priority] = mapped_column(value_enum(Priority), default=Priority.NORMAL)
    #: From creation to being in a department's queue (the source: repairs within 3 minutes).
    dispatch_minutes: Mapped[int]
    #: From creation to someone claiming it (first response).
    response_minutes: Mapped[int]
    #: From creation to done.
    resolve_minutes: Mapped[int]
    #: From done to the callback.
    callback_minutes: Mapped[int]


class Ticket(PropertyOwned, db.Model):
    """One request of a resident (or found on patrol), whatever its kind, and its service-level clocks."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_1_to_5"),
        Index("ix_tickets_queue", "property_id", "department", "status", "id"),
        Index("ix_tickets_property_status", "property_id", "status", "id"),
        Index("ix_tickets_status_id", "status", "id"),
        Index("ix_tickets_resident", "resident_id", "id"),
        Index("ix_tickets_assignee", "assignee_id", "status"),
        Index("ix_tickets_about_staff", "about_staff_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    kind: Mapped[TicketKind] = mapped_column(value_enum(TicketKind))
    channel: Mapped[Channel] = mapped_column(value_enum(Channel))
    #: Free category within the kind ("water", "elevator", ...; the complaint's category).
    category: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    #: A public area ("2号楼电梯厅") when the place is not a unit.
    location: Mapped[str] = mapped_column(String(120), default="")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    contact_name: Mapped[str] = mapped_column(String(80), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    #: The resident's preferred appointment window (预约时间), free text for people ("周六上午").
    preferred_time: Mapped[str] = mapped_column(String(80), default="")
    service_item_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"))
    department: Mapped[Department | None] = mapped_column(value_enum(Department, length=20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[Status] = mapped_column(value_enum(Status), default=Status.NEW)
    priority: Mapped[Priority] = mapped_column(value_enum(Priority), default=Priority.NORMAL)
    severity: Mapped[Severity | None] = mapped_column(value_enum(Severity))
    #: When the resident marked the request urgent (repairs and help only; None: not marked), and why in a few
    #: words: the mark raises the priority and shows as a badge with the reason in the console.
    urgent_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    urgent_reason: Mapped[str] = mapped_column(String(120), default="")
    #: Complaints: the staff member the complaint is about, when the desk names one (counted on their scorecard).
    #: Internal: the resident never sees it.
    about_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Service-level deadlines, fixed at creation from the ServiceLevel (pauses move them on).
    dispatch_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the resident and the assistant were told that engineering cannot come in time.
    late_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Complaints: the manager's outcome and the resident's reaction (SOP 9).
    outcome: Mapped[str] = mapped_column(Text, default="")
    resident_reaction: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    #: The bill line a paid service added, once done.
    billed_line_id: Mapped[int | None] = mapped_column(ForeignKey("bill_lines.id"))

    events: Mapped[list["TicketEvent"]] = relationship(back_populates="ticket", order_by="TicketEvent.id")
    photos: Mapped[list["TicketPhoto"]] = relationship(back_populates="ticket", order_by="TicketPhoto.id")
    unit = relationship("Unit")
    resident = relationship("Resident")
    assignee = relationship("User", foreign_keys=[assignee_id])
    about_staff = relationship("User", foreign_keys=[about_staff_id])
    service_item = relationship("ServiceItem")

    @property
    def is_open(self):
        """Whether work on it is still to be done."""
        return self.status not in (Status.DONE, Status.CLOSED, Status.CANCELLED)


class TicketEvent(TimelineEntry, db.Model):
    """One entry of a ticket's timeline: who did what, when, and whether the resident sees it.

    Actions: "created", "dispatched", "claimed", "scheduled", "handed_back", "waiting", "resumed", "work", "done",
    "closed", "cancelled", "comment", "rated", "callback", "escalated", "late_notice", "outcome".
    """

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    #: Internal notes stay in the console.
    public: Mapped[bool] = mapped_column(default=True)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketPhoto(db.Model):
    """A photo on a ticket, stored outside static/ under a random name."""

    __tablename__ = "ticket_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id"))
    #: The random file name under the upload folder.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="photos")


class CallbackStatus(str, enum.Enum):
    """A callback is open until someone records its result."""

    OPEN = "open"
    DONE = "done"


class Callback(db.Model):
    """The callback (回访) after a finished repair or complaint: result and satisfaction."""

    __tablename__ = "callbacks"
    __table_args__ = (
        CheckConstraint(
            "satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 5)", name="satisfaction_1_to_5"
        ),
        Index("ix_callbacks_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[CallbackStatus] = mapped_column(value_enum(CallbackStatus), default=CallbackStatus.OPEN)
    result: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[int | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The ticket a dissatisfied answer was sent to a department as (one at most).
    followup_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    ticket: Mapped[Ticket] = relationship(foreign_keys=[ticket_id])
    done_by = relationship("User", foreign_keys=[done_by_id])


class CallbackSettings(PropertyOwned, db.Model):
    """The manager's callback settings of a property: which finished kinds get a callback, and the target rate."""

    __tablename__ = "callback_settings"
    __table_args__ = (CheckConstraint("target_percent BETWEEN 1 AND 100", name="target_1_to_100"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), unique=True)
    #: TicketKind values whose finished tickets get a callback (回访).
    kinds: Mapped[list] = mapped_column(JSON, default=list)
    #: The callback rate (回访率) aimed at, in percent.
    target_percent: Mapped[int] = mapped_column(default=80)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ContactLog(PropertyOwned, db.Model):
    """The front desk's phone and visit log (来电来访登记)."""

    __tablename__ = "contact_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    channel: Mapped[Channel] = mapped_column(value_enum(Channel))
    caller_name: Mapped[str] = mapped_column(String(80), default="")
    caller_phone: Mapped[str] = mapped_column(String(20), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    summary: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ResidentVisit(PropertyOwned, db.Model):
    """A planned or recorded visit to a resident (业主走访, SOP 13), VIP or routine."""

    __tablename__ = "resident_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    planned_for: Mapped[datetime] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the resident asks a department to fix or improve, noted at the visit (empty when nothing).
    remark: Mapped[str] = mapped_column(Text, default="")
    remark_department: Mapped[Department | None] = mapped_column(value_enum(Department, length=20))
    #: What the remark is about, from the tickets' categories ("" when not said), for the analysis by category.
    remark_category: Mapped[str] = mapped_column(String(32), default="")
    #: The ticket the remark was sent to its department as (one at most).
    followup_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class VisitScope(str, enum.Enum):
    """Which households a visit rule takes in."""

    ALL = "all"  # every household of the property
    AREA = "area"  # every household of one assistant's area
    VIP = "vip"  # the households with a VIP resident


class VisitRule(PropertyOwned, db.Model):
    """A recurring visit plan (走访计划): the households of a scope, each visited once every `interval_months`."""

    __tablename__ = "visit_rules"
    __table_args__ = (
        CheckConstraint("interval_months BETWEEN 1 AND 60", name="interval_1_to_60"),
        CheckConstraint("(scope = 'area') = (area_id IS NOT NULL)", name="area_only_for_area_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    scope: Mapped[VisitScope] = mapped_column(value_enum(VisitScope))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    interval_months: Mapped[int]
    #: A household never visited is due from this day.
    starts_on: Mapped[date]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area = relationship("Area")


class Handover(PropertyOwned, db.Model):
    """A shift handover (交接班记录): drafted from what is open, acknowledged by the next shift."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: What was open at handover: {"tickets": [...], "callbacks": [...]} as plain values.
    items: Mapped[dict] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The writer's planned shift the handover closes, when they had one then (domain/attendance/rota.shift_at).
    shift_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("shift_assignments.id", ondelete="SET NULL"))

    from_user = relationship("User", foreign_keys=[from_user_id])
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])
    shift_assignment = relationship("ShiftAssignment")
