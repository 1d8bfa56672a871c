"""Money taken at the service desk (and history entered from the old ledger), applied and receipted at once, and
voiding a desk payment taken in error."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import Bill
from domain.clock import utcnow
from domain.errors import Conflict, DomainError, InvalidTransition
from domain.money import fen_to_decimal
from domain.payments.checkout import close_open_checkouts
from domain.payments.fulfilment import succeed
from domain.payments.ledger import locked, take_off_bills
from domain.payments.models import DESK_METHODS, Allocation, Method, Payment, PaymentStatus
from domain.payments.refunds import hold_payment
from domain.payments.workflow import move
from extensions import db


def record_desk_payment(actor, *, unit_id, bill_ids, method, amount_fen=None, reference="", provider=None):
    """Take money at the desk for some of a unit's bills (oldest due first); issues the receipt at once.

    `amount_fen` defaults to everything the bills owe; a smaller amount pays them in part. Checkout pages
    still open for these bills are first closed through `provider` (the payment provider); when one cannot
    be closed, or has just been paid, nothing is recorded (Conflict).
    """
    require(actor, Permission.RECORD_PAYMENTS)
    method = Method(method)
    if method not in DESK_METHODS:
        raise DomainError(_l("Choose cash, card terminal or bank transfer."), field="method")
    payment = _record_settled(
        actor,
        unit_id=unit_id,
        bill_ids=bill_ids,
        method=method,
        amount_fen=amount_fen,
        reference=reference,
        provider="desk",
        paid_at=utcnow(),
        checkout_provider=provider,
    )
    return payment


def record_historical_payment(
    actor, *, unit_id, bill_ids, method, paid_at, provider="desk", amount_fen=None, reference="", checkout_provider=None
):
    """Enter a payment made before the office used this system (a ledger migration, the demo), at its own date.

    Same rules as a desk payment; its receipt is numbered in the year it was paid. Enter history
    oldest first so that receipt numbers follow the dates.
    """
    require(actor, Permission.REFUND_PAYMENTS)
    return _record_settled(
        actor,
        unit_id=unit_id,
        bill_ids=bill_ids,
        method=Method(method),
        amount_fen=amount_fen,
        reference=reference,
        provider=provider,
        paid_at=paid_at,
        checkout_provider=checkout_provider,
    )


def _record_settled(actor, *, unit_id, bill_ids, method, amount_fen, reference, provider, paid_at, checkout_provider):
    """A payment whose money is already in hand, spread over the bills oldest due first, applied and receipted;
    Checkout pages open for the bills are closed first (through `checkout_provider`)."""
    bill_ids = sorted({int(i) for i in bill_ids})
    bills = db.session.scalars(
        locked(select(Bill).where(Bill.id.in_(bill_ids), Bill.unit_id == unit_id)).order_by(Bill.due_date, Bill.id)
    ).all()
    if not bill_ids or len(bills) != len(bill_ids):
        raise DomainError(_l("Choose at least one bill of this unit."), field="bill_ids")
    owed = sum(b.outstanding_fen for b in bills)
    if owed <= 0:
        raise Conflict(_l("These bills are already paid."), field="bill_ids")
    settling = db.session.scalar(
        select(func.count())
        .select_from(Allocation)
        .join(Payment)
        .where(Allocation.bill_id.in_(bill_ids), Payment.status == PaymentStatus.PROCESSING)
    )
    if settling:
        raise Conflict(
            _l("An online payment for one of these bills is still being settled; wait for it first."), field="bill_ids"
        )
    amount = owed if amount_fen is None else amount_fen
    if amount <= 0 or amount > owed:
        raise DomainError(_l("Enter an amount between ¥0.01 and ¥%(owed)s.", owed=fen_to_decimal(owed)), field="amount")
    close_open_checkouts(bill_ids, checkout_provider, refuse=True)
    payment = Payment(
        property_id=bills[0].property_id,
        unit_id=unit_id,
        method=method,
        status=PaymentStatus.PENDING,
        amount_fen=amount,
        provider=provider,
        recorded_by_id=actor.user_id,
        reference=(reference or "").strip(),
        created_at=paid_at,
    )
    left = amount
    for bill in bills:
        part = min(left, bill.outstanding_fen)
        if part > 0:
            payment.allocations.append(Allocation(bill_id=bill.id, amount_fen=part))
            left -= part
    db.session.add(payment)
    db.session.flush()
    receipt = succeed(payment, actor_name=actor.name, paid_at=paid_at, bills=bills)
    record(
        actor,
        "payment.desk" if provider == "desk" else "payment.historical",
        payment,
        summary=f"¥{fen_to_decimal(amount)} {method.value} {receipt.number}",
    )
    return payment


def void_desk_payment(actor, payment, *, reason):
    """Cancel a desk payment taken in error: its money comes off the bills and its receipt prints as void."""
    require(actor, Permission.REFUND_PAYMENTS)
    if payment.provider != "desk":
        raise InvalidTransition(_l("Online payments are refunded, not voided."))
    hold_payment(payment)
    if payment.status == PaymentStatus.VOIDED:
        raise Conflict(_l("This payment has already been voided."))
    if payment.refunded_fen:
        raise InvalidTransition(_l("This payment has refunds; it can no longer be voided."))
    if not (reason or "").strip():
        raise DomainError(_l("Give the reason for voiding."), field="reason")
    move(payment, PaymentStatus.VOIDED)
    take_off_bills(payment, payment.amount_fen)
    payment.void_reason = reason.strip()[:255]
    record(actor, "payment.void", payment, summary=f"¥{fen_to_decimal(payment.amount_fen)}: {payment.void_reason}")
    db.session.flush()
    return payment
