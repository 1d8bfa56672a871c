"""Money onto and off bills: the one place a payment's money lands on its bills (`apply_to_bills`, once per
payment when it succeeds) and where refunds take it off (`take_off_bills`). Every amount is worked out from the
bills, never taken from a form or a URL.

Payments depend on bills, not the other way round: whatever must follow a bill being paid (a renovation's
permit) connects to `bills_paid` instead of being called from here."""

from blinker import Namespace
from sqlalchemy import select

from domain.billing.models import Bill
from domain.clock import utcnow
from extensions import db

_signals = Namespace()
#: Sent by `apply_to_bills` each time a payment's money lands on bills, in the payment's transaction, with the
#: payment as sender, `bills` (those it put money on) and `now`. Receivers connect when their module is imported
#: (domain/__init__.py imports every one) and run in the order they connected.
bills_paid = _signals.signal("bills-paid")
#: Sent by `take_off_bills` when money comes off bills (a void, a refund), in that transaction, with the payment as
#: sender and `bills` (those that owe again): whatever `bills_paid` ticked may be taken back.
bills_reopened = _signals.signal("bills-reopened")


def locked(query):
    """Lock the selected rows until commit where the database can (PostgreSQL); SQLite has one writer anyway."""
    return query.with_for_update() if db.engine.dialect.name == "postgresql" else query


def apply_to_bills(payment, bills=None):
    """Put a succeeded payment's money on its bills, oldest due first; what no longer fits stays unapplied.

    `bills` may be passed when the caller already holds them locked.
    """
    if bills is None:
        bills = db.session.scalars(locked(select(Bill).where(Bill.id.in_([a.bill_id for a in payment.allocations]))))
    bills = {b.id: b for b in bills}
    applied_total = 0
    now = payment.paid_at or utcnow()
    for allocation in sorted(payment.allocations, key=lambda a: (bills[a.bill_id].due_date, a.bill_id)):
        bill = bills[allocation.bill_id]
        applied = min(allocation.amount_fen, bill.total_fen - bill.paid_fen)
        allocation.applied_fen = applied
        bill.paid_fen += applied
        if bill.paid_fen == bill.total_fen:
            bill.settled_at = now
        applied_total += applied
    payment.unapplied_fen = payment.amount_fen - applied_total
    # Whatever follows a bill being paid (a renovation's permit) listens: the webhook and the desk alike.
    bills_paid.send(payment, bills=[bills[a.bill_id] for a in payment.allocations if a.applied_fen], now=now)


def take_off_bills(payment, amount_fen):
    """Take `amount_fen` back off the bills a payment paid (unapplied money first, then the newest bills)."""
    from_unapplied = min(payment.unapplied_fen, amount_fen)
    payment.unapplied_fen -= from_unapplied
    left = amount_fen - from_unapplied
    reopened = []
    bills = {
        b.id: b
        for b in db.session.scalars(locked(select(Bill).where(Bill.id.in_([a.bill_id for a in payment.allocations]))))
    }
    for allocation in sorted(payment.allocations, key=lambda a: (bills[a.bill_id].due_date, a.bill_id), reverse=True):
        if left == 0:
            break
        take = min(left, allocation.applied_fen - allocation.refunded_fen)
        if take <= 0:
            continue
        allocation.refunded_fen += take
        bill = bills[allocation.bill_id]
        bill.paid_fen -= take
        bill.settled_at = None
        left -= take
        reopened.append(bill)
    if reopened:
        bills_reopened.send(payment, bills=reopened)
