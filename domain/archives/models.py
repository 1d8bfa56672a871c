"""The owner's file: document types, documents, who looked at them, and the paper file's loans (借阅)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class DocumentType(PropertyOwned, db.Model):
    """A kind of document the file holds (业主登记表, 买卖合同复印件, 验房记录表 ...); the manager edits the list."""

    __tablename__ = "document_types"
    __table_args__ = (UniqueConstraint("property_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: A stable key the code files documents under ("purchase_contract", "inspection_record"); staff-made types get
    #: one made from their id.
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    #: Whether a complete file must hold one (the completeness check).
    required: Mapped[bool] = mapped_column(default=False)
    #: Which department besides the desk, the assistants and the manager may see it: "" (none), "engineering"
    #: (inspection records) or "finance" (what concerns fees).
    department: Mapped[str] = mapped_column(String(16), default="")
    #: Whether the unit's residents see it in the portal.
    resident_visible: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class ArchiveDocument(PropertyOwned, db.Model):
    """One document in a unit's file. Never deleted: a wrong one is voided with a reason and stays listed."""

    __tablename__ = "archive_documents"
    __table_args__ = (
        Index("ix_archive_documents_unit", "unit_id", "type_id"),
        Index("ix_archive_documents_source", "source", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    #: Whose document it is (an owner's ID copy); None for the unit's own papers.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"))
    title: Mapped[str] = mapped_column(String(120))
    #: The date on the paper (a contract's date), else the day it was filed.
    document_date: Mapped[date] = mapped_column(Date)
    stored_name: Mapped[str] = mapped_column(String(64))
    #: The file's name on the uploader's device, or the name a generated PDF gets.
    shown_name: Mapped[str] = mapped_column(String(120), default="")
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    #: Where it came from: "move_in", "inspection", "renovation", "staff", "resident"; source_id is that record.
    source: Mapped[str] = mapped_column(String(24), default="staff")
    source_id: Mapped[int | None]
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    type: Mapped[DocumentType] = relationship(lazy="joined")
    #: Who voided it, shown beside the struck-through entry (loaded only with the voided ones' lists).
    voided_by = relationship("User", foreign_keys=[voided_by_id], lazy="selectin")


class DocumentAccess(PropertyOwned, db.Model):
    """A look at a document (shown or downloaded): who, when, how. The manager reads them per file."""

    __tablename__ = "document_accesses"
    __table_args__ = (Index("ix_document_accesses_unit", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("archive_documents.id"), index=True)
    #: The document's unit, so a file's log is one indexed read.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The name as it was then (staff may be renamed), or "resident: <name>".
    user_name: Mapped[str] = mapped_column(String(80))
    #: "view" or "download".
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FileLoan(PropertyOwned, db.Model):
    """The paper file lent out (借阅): who took it, why, who approved, when it is due and when it came back."""

    __tablename__ = "file_loans"
    __table_args__ = (
        CheckConstraint("due_on >= lent_on", name="due_after_lent"),
        Index("ix_file_loans_open", "property_id", "returned_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    borrower_name: Mapped[str] = mapped_column(String(80))
    #: The borrower, when they are staff with an account.
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lent_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
