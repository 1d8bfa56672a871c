"""Patrol routes and their checkpoints (the manager's data), and the rounds walked on them (巡视记录表)."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.tickets.models import Department, TicketKind
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class PatrolRoute(PropertyOwned, db.Model):
    """An ordered list of checkpoints walked on a schedule: an assistant's daily round of their area, or a security
    round per shift."""

    __tablename__ = "patrol_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    name: Mapped[str] = mapped_column(String(80))
    #: The assistant's area the route covers (its assistant, or the deputy covering, walks it), if any.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    #: Who walks it: Role.ASSISTANT or Role.SECURITY (the manager may always stand in).
    role: Mapped[Role] = mapped_column(value_enum(Role))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The day's windows in the property's local time, [["08:00", "11:00"], ...]: one round per window per day. A
    #: round not finished by its window's end is missed (computed on read, no scheduler).
    windows: Mapped[list] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkpoints: Mapped[list["Checkpoint"]] = relationship(back_populates="route", order_by="Checkpoint.position")
    area = relationship("Area")


class Checkpoint(db.Model):
    """A point of a route with its printed QR label: what to look at and a short checklist."""

    __tablename__ = "patrol_checkpoints"
    __table_args__ = (Index("ix_patrol_checkpoints_route", "route_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_routes.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    place: Mapped[str] = mapped_column(String(120), default="")
    look_for: Mapped[str] = mapped_column(Text, default="")
    #: The questions answered at the point, ["消防通道畅通", ...].
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    #: The short code printed under the label's QR (and typed when the camera cannot read it); unique everywhere.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)

    route: Mapped[PatrolRoute] = relationship(back_populates="checkpoints")


class RoundStatus(str, enum.Enum):
    """Where a round stands; the moves are the table in domain/patrols/workflow.py. A round that was never started
    has no row: it is "not started" or "missed" by its window, computed on read."""

    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class PatrolRound(PropertyOwned, db.Model):
    """One walk of a route in one window of one day: its visits and findings are the 巡视记录表."""

    __tablename__ = "patrol_rounds"
    __table_args__ = (
        UniqueConstraint("route_id", "window_start"),
        Index("ix_patrol_rounds_property_day", "property_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_routes.id"))
    #: The local day and the window the round belongs to.
    day: Mapped[date] = mapped_column(Date)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[RoundStatus] = mapped_column(value_enum(RoundStatus), default=RoundStatus.IN_PROGRESS)
    patroller_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The patroller's remark on the whole round.
    note: Mapped[str] = mapped_column(Text, default="")

    route: Mapped[PatrolRoute] = relationship()
    patroller = relationship("User")
    visits: Mapped[list["PatrolVisit"]] = relationship(back_populates="round", order_by="PatrolVisit.scanned_at")
    findings: Mapped[list["PatrolFinding"]] = relationship(back_populates="round", order_by="PatrolFinding.id")


class PatrolVisit(db.Model):
    """A checkpoint reached in a round: when the phone says it was scanned, how, and the checklist's answers."""

    __tablename__ = "patrol_visits"
    __table_args__ = (UniqueConstraint("round_id", "checkpoint_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("patrol_rounds.id"))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("patrol_checkpoints.id"))
    #: The phone's time of the scan (sent later when the connection was lost); received_at is the server's.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "scan" (the label's QR read by the camera) or "code" (its short code typed).
    method: Mapped[str] = mapped_column(String(8))
    #: {"消防通道畅通": "ok" | "fault"} in the checklist's order at the time.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[PatrolRound] = relationship(back_populates="visits")
    checkpoint: Mapped[Checkpoint] = relationship()


class PatrolFinding(db.Model):
    """Something found on a round; one tap makes it a ticket for the right department, linked here."""

    __tablename__ = "patrol_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("patrol_rounds.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_checkpoints.id"))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[TicketKind] = mapped_column(value_enum(TicketKind), default=TicketKind.REPAIR)
    department: Mapped[Department | None] = mapped_column(value_enum(Department, length=20))
    #: The ticket it became (channel "patrol"), followed to the end as any ticket.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    #: A key the phone makes, so a finding sent twice after a lost connection is kept once.
    client_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[PatrolRound] = relationship(back_populates="findings")
    checkpoint: Mapped[Checkpoint | None] = relationship()
    ticket = relationship("Ticket")
