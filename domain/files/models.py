"""Photos taken in the field (a patrol finding, a failed facility check, an incident), kept in the private store."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
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


class StoredFile(PropertyOwned, db.Model):
    """An uploaded file's bytes (and its preview's) kept in the database when FILE_STORE="database", so that every
    server reads the file another stored (domain/files/store.py is its only reader and writer)."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The property whose work stored it (None outside any: a command); another property's request never finds it.
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"), index=True)
    #: The random name the records (ticket photos, documents ...) keep in their stored_name.
    name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: The small JPEG a timeline shows instead of a picture; None for a PDF.
    preview: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
