"""Special incidents (特殊事件) with their timeline and report, and the notice residents see while one lasts."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.timeline import TimelineEntry
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class IncidentKind(str, enum.Enum):
    """What happened; each kind names the departments told at once (domain/incidents/workflow.py)."""

    FIRE = "fire"
    WATER_LEAK = "water_leak"  # 漏水 / 水浸
    LIFT_ENTRAPMENT = "lift_entrapment"  # 电梯困人
    POWER_CUT = "power_cut"
    WATER_CUT = "water_cut"
    GAS = "gas"  # 燃气泄漏
    INJURY = "injury"
    THEFT = "theft"  # 盗窃 / 治安
    PUBLIC_HEALTH = "public_health"
    OTHER = "other"


class IncidentStatus(str, enum.Enum):
    """Open while it is being handled; closed only with an outcome, a cause and preventive measures."""

    OPEN = "open"
    CLOSED = "closed"


class Incident(PropertyOwned, db.Model):
    """One special incident: the 特殊事件报告's time, place, what happened, people, actions, outcome, cause and
    measures."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_property_status", "property_id", "status", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    kind: Mapped[IncidentKind] = mapped_column(value_enum(IncidentKind, length=20))
    status: Mapped[IncidentStatus] = mapped_column(value_enum(IncidentStatus), default=IncidentStatus.OPEN)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(120))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    description: Mapped[str] = mapped_column(Text)
    #: Who is involved (names, units, "2 residents trapped"), as told.
    people: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(Text, default="")
    #: The cause analysis and the preventive measures (安全管理 四.3): closing needs both.
    cause: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    building = relationship("Building")
    unit = relationship("Unit")
    reported_by = relationship("User", foreign_keys=[reported_by_id])
    events: Mapped[list["IncidentEvent"]] = relationship(back_populates="incident", order_by="IncidentEvent.id")


class IncidentEvent(TimelineEntry, db.Model):
    """One entry of an incident's timeline: an action taken, who was told, people or units affected, a photo.

    Actions: "reported", "action", "notified", "affected", "photo", "outcome", "closed", "reopened", "notice_on",
    "notice_update", "notice_off", "tickets_attached", "tickets_closed".
    """

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)

    incident: Mapped[Incident] = relationship(back_populates="events")


class IncidentNotice(PropertyOwned, db.Model):
    """Incident mode: the notice residents of the affected buildings see on every portal page and on the kiosks while
    it is on, with its updates; switching it off posts the all-clear."""

    __tablename__ = "incident_notices"
    __table_args__ = (Index("ix_incident_notices_property_live", "property_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The portal announcement published with it (withdrawn with the all-clear).
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id"))

    incident: Mapped[Incident] = relationship()
    buildings: Mapped[list["IncidentNoticeBuilding"]] = relationship(cascade="all, delete-orphan")
    updates: Mapped[list["IncidentNoticeUpdate"]] = relationship(order_by="IncidentNoticeUpdate.id")


class IncidentNoticeBuilding(db.Model):
    """A building whose residents the notice is for."""

    __tablename__ = "incident_notice_buildings"

    notice_id: Mapped[int] = mapped_column(ForeignKey("incident_notices.id"), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True, index=True)


class IncidentNoticeUpdate(db.Model):
    """A later word on the notice ("water back at 18:00"); the all-clear is the last one."""

    __tablename__ = "incident_notice_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("incident_notices.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    all_clear: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class IncidentTicket(db.Model):
    """A resident's ticket about the same problem, attached by the desk so they close together with one message."""

    __tablename__ = "incident_tickets"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, index=True)
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attached_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
