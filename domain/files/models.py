"""Photos taken in the field (a patrol finding, a failed facility check, an incident), kept in the private store."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class FieldPhoto(PropertyOwned, db.Model):
    """One photo of one record, stored outside static/ under a random name (domain/files/store.py)."""

    __tablename__ = "field_photos"
    __table_args__ = (Index("ix_field_photos_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: "patrol_finding", "facility_check" or "incident"; subject_id is that record's id.
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int]
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
