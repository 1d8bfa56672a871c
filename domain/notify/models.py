"""Notices to residents, shown in the portal: about their requests, parcels, renovation, payments."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import UTCDateTime
from extensions import db


class Notification(db.Model):
    """An in-app message to a resident (a request accepted or done, a parcel arrived, a permit issued, ...)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_resident", "resident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    #: The request the notice is about, if any.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
