"""The front-desk counter (SOPs 18 and 19): parcels taken in for residents (快递代收) with pickup codes,
small items left at the desk (小件物品寄存) and items the office lends (外借物品).

Nothing here is ever deleted: a mistaken entry is voided with a reason, and every hand-over records who
gave what to whom and when.
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class ParcelStatus(str, enum.Enum):
    """Where a parcel stands."""

    WAITING = "waiting"  # on the shelf
    PICKED_UP = "picked_up"
    RETURNED = "returned"  # given back to the carrier, never collected
    VOIDED = "voided"  # logged by mistake


class Recipient(str, enum.Enum):
    """Who took something from the desk."""

    RESIDENT = "resident"  # the resident themself
    HOUSEHOLD = "household"  # a member of the household
    AUTHORISED = "authorised"  # someone the resident authorised in the portal
    VISITOR = "visitor"  # storage only: the person the depositor named


class Parcel(PropertyOwned, db.Model):
    """A parcel the desk took in for a unit."""

    __tablename__ = "parcels"
    __table_args__ = (
        # A tracking number can wait on the shelf only once; once picked up or returned it may come again.
        Index(
            "uq_parcels_waiting_tracking",
            "property_id",
            "tracking_number",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
        Index("ix_parcels_unit_status", "unit_id", "status"),
        Index("ix_parcels_property_status_arrived", "property_id", "status", "arrived_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    #: As typed or scanned, upper-cased, without spaces.
    tracking_number: Mapped[str] = mapped_column(String(40))
    #: A key of domain.parcels.carriers.CARRIERS.
    carrier: Mapped[str] = mapped_column(String(16))
    shelf: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[ParcelStatus] = mapped_column(value_enum(ParcelStatus), default=ParcelStatus.WAITING)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the residents were told (in-app, and by e-mail with a code); None until the job has run.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the residents were last reminded that it is still waiting.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    picked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pickup_code_id: Mapped[int | None] = mapped_column(ForeignKey("pickup_codes.id"))
    picked_up_by: Mapped[Recipient | None] = mapped_column(value_enum(Recipient))
    picked_up_name: Mapped[str] = mapped_column(String(80), default="")
    #: The last four characters of the ID the collector showed; never the whole number.
    picked_up_id_last4: Mapped[str] = mapped_column(String(4), default="")
    #: The desk clerk who handed it over, returned it or voided it.
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it was returned to the carrier or voided.
    close_note: Mapped[str] = mapped_column(Text, default="")

    unit = relationship("Unit", lazy="raise")


class PickupCode(db.Model):
    """A pickup code for a unit's waiting parcels: 6 digits, stored as an HMAC, good for one pickup.

    A unit has at most one live code; issuing a new one revokes the old.
    """

    __tablename__ = "pickup_codes"
    __table_args__ = (Index("ix_pickup_codes_unit", "unit_id", "used_at", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    #: HMAC-SHA256 of the unit and the code under the app's secret key: a 6-digit code cannot be
    #: recovered from the database by trying all million.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PickupAuthorisation(db.Model):
    """Someone a resident allows to collect the unit's parcels (代取人)."""

    __tablename__ = "pickup_authorisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StorageStatus(str, enum.Enum):
    """Where an item left at the desk stands."""

    STORED = "stored"
    PICKED_UP = "picked_up"
    VOIDED = "voided"


class StoredItem(PropertyOwned, db.Model):
    """A small item left at the desk (小件物品寄存) by a resident, or by a visitor for a resident."""

    __tablename__ = "stored_items"
    __table_args__ = (
        Index("ix_stored_items_status", "property_id", "status", "expires_on"),
        Index("ix_stored_items_code", "code_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    depositor_name: Mapped[str] = mapped_column(String(80))
    depositor_phone: Mapped[str] = mapped_column(String(20), default="")
    #: Left by a visitor for the unit's residents (otherwise by a resident of the unit).
    by_visitor: Mapped[bool] = mapped_column(default=False)
    #: Who is to collect it, when not the depositor ("the resident of 1-1203", a named person).
    collector_name: Mapped[str] = mapped_column(String(80), default="")
    #: HMAC of the 6-digit claim code, unique among stored items when issued.
    code_hash: Mapped[str] = mapped_column(String(64))
    photo_name: Mapped[str | None] = mapped_column(String(64))
    photo_type: Mapped[str | None] = mapped_column(String(32))
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[StorageStatus] = mapped_column(value_enum(StorageStatus), default=StorageStatus.STORED)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    picked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    picked_up_name: Mapped[str] = mapped_column(String(80), default="")
    picked_up_id_last4: Mapped[str] = mapped_column(String(4), default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_note: Mapped[str] = mapped_column(Text, default="")

    unit = relationship("Unit", lazy="raise")


class LendableItem(PropertyOwned, db.Model):
    """Something the office lends (umbrella, ladder, cart, toolkit), with how many it has and the deposit."""

    __tablename__ = "lendable_items"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("deposit_fen >= 0", name="deposit_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    name: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int]
    deposit_fen: Mapped[int] = mapped_column(default=0)
    #: How long a loan lasts unless the desk says otherwise.
    loan_hours: Mapped[int] = mapped_column(default=24)
    is_active: Mapped[bool] = mapped_column(default=True)


class LoanStatus(str, enum.Enum):
    """Where a loan stands."""

    OUT = "out"
    RETURNED = "returned"
    VOIDED = "voided"


class Loan(PropertyOwned, db.Model):
    """One item lent to a resident (外借物品): when, until when, the deposit taken and the return."""

    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("deposit_fen >= 0", name="deposit_not_negative"),
        Index("ix_loans_status_due", "property_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("lendable_items.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    borrower_name: Mapped[str] = mapped_column(String(80))
    borrower_phone: Mapped[str] = mapped_column(String(20), default="")
    lent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Deposit taken at the desk, in fen; given back on return.
    deposit_fen: Mapped[int] = mapped_column(default=0)
    status: Mapped[LoanStatus] = mapped_column(value_enum(LoanStatus), default=LoanStatus.OUT)
    lent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The item's condition on return, or why the loan was voided.
    close_note: Mapped[str] = mapped_column(Text, default="")

    item = relationship(LendableItem, lazy="joined", innerjoin=True)
    unit = relationship("Unit", lazy="raise")
