"""A signature drawn on a screen, with a hash of exactly what was signed."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class Signature(PropertyOwned, db.Model):
    """One person's signature under one text (an agreement, a hand-over list, an inspection record).

    The text is kept as signed and its SHA-256 stored beside it: a later change of an agreement's template or of a
    checklist cannot alter what this person signed, and a changed copy no longer matches its hash.
    """

    __tablename__ = "signatures"
    __table_args__ = (Index("ix_signatures_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: What is signed: "move_in" (a case) or "inspection"; subject_id is that record's id.
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int]
    #: Which paper of the subject: "fire_agreement", "handover_list", "inspection", ...
    purpose: Mapped[str] = mapped_column(String(32))
    #: "owner", "proxy" or "staff".
    signer_role: Mapped[str] = mapped_column(String(16))
    signer_name: Mapped[str] = mapped_column(String(80))
    #: The staff member who signed, or who held the screen for the owner.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The drawn signature, a PNG in the private file store.
    stored_name: Mapped[str] = mapped_column(String(64))
    #: The exact text signed (the agreement's version, the checklist's state), and its SHA-256 in hex.
    signed_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
