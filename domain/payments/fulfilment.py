"""A payment succeeding, online (the webhook) or at the desk: its money applied to its bills, its receipt issued,
other Checkout pages for the bills closed, and money that no longer fits refunded."""

from domain.accounts.models import Actor
from domain.audit.services import record
from domain.clock import utcnow
from domain.money import fen_to_decimal
from domain.payments.checkout import close_open_checkouts
from domain.payments.ledger import apply_to_bills
from domain.payments.models import PaymentStatus
from domain.payments.receipts import issue_receipt
from domain.payments.refunds import refund_unapplied
from domain.payments.workflow import move
from extensions import db


def succeed(payment, *, actor_name="Stripe", method=None, payment_intent=None, paid_at=None, bills=None, provider=None):
    """Mark a payment succeeded, apply it to its bills and issue its receipt (once: the state machine refuses twice).

    The one place where a succeeded payment, online (the webhook) or at the desk, reaches its bills: whatever
    must follow a bill being paid listens to `ledger.bills_paid`. Online money that arrives for bills already paid
    is refunded through `provider` at once and the household is told; other Checkout pages still open for these
    bills are closed so that they cannot be paid as well.
    """
    move(payment, PaymentStatus.SUCCEEDED)
    payment.paid_at = paid_at or utcnow()
    if method is not None:
        payment.method = method
    if payment_intent:
        payment.provider_payment_intent = payment_intent
    apply_to_bills(payment, bills)
    receipt = issue_receipt(payment)
    db.session.flush()
    if payment.is_online and payment.provider_session_id:
        record(
            Actor.system(actor_name),
            "payment.succeeded",
            payment,
            summary=f"¥{fen_to_decimal(payment.amount_fen)} {payment.method.value} {receipt.number}",
        )
        close_open_checkouts([a.bill_id for a in payment.allocations], provider, paid=payment, refuse=False)
    if payment.unapplied_fen:
        record(
            Actor.system(actor_name),
            "payment.unapplied",
            payment,
            summary=f"¥{fen_to_decimal(payment.unapplied_fen)} arrived after the bills were paid: refunded",
        )
        if payment.is_online:
            refund_unapplied(payment, provider)
    return receipt
