"""The audit log: who did what to which record, when, and from where."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class AuditEntry(PropertyOwned, db.Model):
    """One state change, written by the domain service that made it."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The property the change belongs to; None for the company's own (a new property, a company role).
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Null for the system (CLI, demo loader, scheduled jobs).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The actor's name as it was then, so the log reads right after renames.
    actor_name: Mapped[str] = mapped_column(String(120))
    #: Dotted verb, e.g. "unit.update", "staff.role_change".
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    #: {"field": [old, new]} for updates; never passwords or full ID numbers.
    changes: Mapped[dict | None] = mapped_column(JSON)
    #: The client address the request came from; "cli" for commands.
    source: Mapped[str] = mapped_column(String(64), default="")
