"""Gapless receipts: each succeeded payment takes the next number of its property and year, in its transaction."""

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.clock import local, utcnow
from domain.payments.models import Receipt, ReceiptCounter
from domain.property.models import Property
from extensions import db


def _dialect_insert(model):
    """INSERT ... ON CONFLICT for the database in use."""
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(model)


def issue_receipt(payment):
    """Give a succeeded payment the next receipt number of its property and year, in the same transaction.

    The counter is incremented with one UPDATE ... RETURNING (created first if the year has none), which
    holds its row lock until commit: concurrent payments queue on it, and a rollback gives the number back.
    """
    year = local(payment.paid_at or utcnow()).year
    take_next = (
        update(ReceiptCounter)
        .where(ReceiptCounter.property_id == payment.property_id, ReceiptCounter.year == year)
        .values(last_number=ReceiptCounter.last_number + 1)
        .returning(ReceiptCounter.last_number)
    )
    sequence = db.session.execute(take_next).scalar_one_or_none()
    if sequence is None:  # the year's first receipt: create its counter (once, whoever races), then take the number
        db.session.execute(
            _dialect_insert(ReceiptCounter)
            .values(property_id=payment.property_id, year=year, last_number=0)
            .on_conflict_do_nothing(index_elements=["property_id", "year"])
        )
        sequence = db.session.execute(take_next).scalar_one()
    # By id, not through the relationship: assigning payment.receipt would first load the (absent) old one.
    prefix = db.session.scalar(select(Property.receipt_prefix).where(Property.id == payment.property_id))
    receipt = Receipt(
        property_id=payment.property_id,
        payment_id=payment.id,
        year=year,
        sequence=sequence,
        prefix=prefix or "",
        issued_at=payment.paid_at or utcnow(),
    )
    db.session.add(receipt)
    return receipt
