"""Payments against bills: online (Stripe Checkout) and at the desk, with receipts, refunds and the
webhook events already handled."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class Method(str, enum.Enum):
    """How the money came in."""

    CARD = "card"
    ALIPAY = "alipay"
    WECHAT_PAY = "wechat_pay"
    ONLINE = "online"  # paid through Checkout before the method was recorded, or a method we do not name
    CASH = "cash"
    POS = "pos"  # card terminal at the desk
    BANK_TRANSFER = "bank_transfer"


DESK_METHODS = (Method.CASH, Method.POS, Method.BANK_TRANSFER)


class PaymentStatus(str, enum.Enum):
    """Where a payment stands; the allowed moves are the table in domain/payments/workflow.py."""

    PENDING = "pending"  # Checkout session open, the resident has not paid yet
    PROCESSING = "processing"  # paid with a method that settles later (async)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    VOIDED = "voided"  # a desk payment cancelled by finance


class Payment(PropertyOwned, db.Model):
    """Money for one or more bills of one unit; applied to the bills only once it has succeeded."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= amount_fen", name="refund_within_amount"),
        Index("ix_payments_unit_created", "unit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    method: Mapped[Method] = mapped_column(value_enum(Method))
    status: Mapped[PaymentStatus] = mapped_column(value_enum(PaymentStatus), index=True)
    amount_fen: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="cny")
    refunded_fen: Mapped[int] = mapped_column(default=0)
    #: Received but not applied because the bills were already paid by then; finance refunds it.
    unapplied_fen: Mapped[int] = mapped_column(default=0)
    #: "stripe", "sandbox" (the local test stand-in) or "desk".
    provider: Mapped[str] = mapped_column(String(16))
    #: Checkout Session id; unique so the webhook finds exactly one payment.
    provider_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    provider_payment_intent: Mapped[str | None] = mapped_column(String(255), index=True)
    checkout_url: Mapped[str | None] = mapped_column(String(2048))
    #: Our idempotency key of the outgoing Checkout call; also stops a double click opening two.
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    #: Desk payments: the slip or transfer reference the cashier typed.
    reference: Mapped[str] = mapped_column(String(80), default="")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    allocations: Mapped[list["Allocation"]] = relationship(back_populates="payment", cascade="all, delete-orphan")
    receipt: Mapped["Receipt | None"] = relationship(back_populates="payment", uselist=False)
    refunds: Mapped[list["Refund"]] = relationship(back_populates="payment", order_by="Refund.id")
    unit = relationship("Unit")
    recorded_by = relationship("User")

    @property
    def is_online(self):
        """Whether the money came through a payment provider."""
        return self.provider != "desk"

    @property
    def refundable_fen(self):
        """What can still be refunded, fen."""
        return self.amount_fen - self.refunded_fen


class Allocation(db.Model):
    """The part of a payment that goes to one bill (fixed when the payment is created)."""

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("payment_id", "bill_id"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    amount_fen: Mapped[int]
    #: What actually reached the bill (less when it had been paid meanwhile); 0 until applied.
    applied_fen: Mapped[int] = mapped_column(default=0)
    #: Refunded back off the bill, fen.
    refunded_fen: Mapped[int] = mapped_column(default=0)

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    bill = relationship("Bill")


class ReceiptCounter(PropertyOwned, db.Model):
    """The last receipt number issued per property and year; locked while a number is taken."""

    __tablename__ = "receipt_counters"
    __table_args__ = (UniqueConstraint("property_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class Receipt(PropertyOwned, db.Model):
    """The receipt (收据) of a succeeded payment, numbered without gaps per property and year."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("property_id", "year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    #: The property's receipt prefix when the receipt was issued: a later change of the setting never renumbers a
    #: receipt already given to a resident.
    prefix: Mapped[str] = mapped_column(String(12), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="receipt")

    @property
    def number(self):
        """The printed number ("SJ-2026-000123", or with the property's prefix "YF-2026-000123")."""
        return receipt_number(self.year, self.sequence, self.prefix)


def receipt_number(year, sequence, prefix=""):
    """A receipt's printed number from its year and sequence, after the property's receipt prefix ("YF-2026-000123");
    without a prefix the installation's first format, "SJ-2026-000123"."""
    return f"{prefix or 'SJ'}-{year}-{sequence:06d}"


class RefundStatus(str, enum.Enum):
    """A refund is asked of the provider (pending) and confirmed by its webhook, or recorded at once."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(db.Model):
    """Money given back on a payment, in full or in part, with the reason."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    amount_fen: Mapped[int]
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[RefundStatus] = mapped_column(value_enum(RefundStatus))
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: A deposit given back: the money leaves, the bill stays paid (it was paid; the deposit is returned).
    keeps_bills: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Made by the system, not by finance: money that arrived for bills already paid, given back at once.
    automatic: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class WebhookEvent(db.Model):
    """A provider event already handled: its id is the primary key, so each is applied once."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    #: What handling it did ("applied", "ignored: ...").
    outcome: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict | None] = mapped_column(JSON)
