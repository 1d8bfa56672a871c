"""Announcements (公告) published to residents, the portal and the kiosk."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class Announcement(PropertyOwned, db.Model):
    """A notice shown between `valid_from` and `valid_until` unless withdrawn."""

    __tablename__ = "announcements"
    __table_args__ = (CheckConstraint("valid_until > valid_from", name="valid_window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when staff take it down early; it then shows nowhere.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")

    def is_current(self, now):
        """Whether the announcement shows at `now`."""
        return self.withdrawn_at is None and self.valid_from <= now < self.valid_until
