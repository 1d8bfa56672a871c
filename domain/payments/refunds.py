"""Refunds: all or part of a succeeded payment given back (through the provider for online payments, recorded
for desk ones), the automatic refund of money that arrived for bills already paid, and holding a payment so that
two finance users cannot both give the money back."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import contains_eager, selectinload

from domain.accounts.models import Actor
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import Bill
from domain.clock import today, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition
from domain.money import fen_to_decimal
from domain.notify.services import tell_household
from domain.payments.ledger import locked, take_off_bills
from domain.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from domain.payments.providers import PaymentsUnavailable, ProviderUnavailable
from domain.property.models import Unit
from extensions import db

#: The refund_id our automatic refund of unapplied money carries in its metadata (one per payment).
UNAPPLIED_REFUND = "unapplied"


class PaymentBeingChanged(Conflict):
    """Someone else is refunding or voiding the same payment at this moment (they got there first)."""

    default_message = _l(
        "Someone else is refunding or voiding this payment at this moment. Nothing was changed; look "
        "at the payment below before trying again."
    )


def hold_payment(payment):
    """Take the payment for this transaction before its state and refunds are read, and read them afresh (refunds
    and voids: two finance users at once must not both give the money back).

    PostgreSQL: a row lock, so a second refund waits for the first to commit and then sees it. SQLite has one
    writer: the first write takes the database, and a transaction that read before another refund committed
    cannot write at all; that loser is told so (PaymentBeingChanged) instead of failing with an error page.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            select(Payment)
            .where(Payment.id == payment.id)
            .with_for_update()
            .options(selectinload(Payment.refunds), selectinload(Payment.allocations))
            .execution_options(populate_existing=True)
        ).scalar_one()
        return
    try:
        db.session.execute(update(Payment).where(Payment.id == payment.id).values(updated_at=utcnow()))
    except OperationalError as exc:  # "database is locked": another transaction wrote since ours began
        raise PaymentBeingChanged() from exc
    db.session.refresh(payment)
    db.session.refresh(payment, ["refunds"])


def settle_refund(payment, refund):
    """A refund has gone through: it comes off the payment and, unless it returns a deposit, off the bills (once
    per refund)."""
    refund.status = RefundStatus.SUCCEEDED
    payment.refunded_fen += refund.amount_fen
    if not refund.keeps_bills:
        take_off_bills(payment, refund.amount_fen)


def reverse_refund(payment, refund):
    """A refund reported succeeded has failed after all: the money is the payment's again and back on its bills."""
    payment.refunded_fen -= refund.amount_fen
    if refund.keeps_bills:
        return
    back = refund.amount_fen
    bills = {
        b.id: b
        for b in db.session.scalars(locked(select(Bill).where(Bill.id.in_([a.bill_id for a in payment.allocations]))))
    }
    for allocation in sorted(payment.allocations, key=lambda a: (bills[a.bill_id].due_date, a.bill_id)):
        bill = bills[allocation.bill_id]
        take = min(back, allocation.refunded_fen, bill.total_fen - bill.paid_fen)
        if take <= 0:
            continue
        allocation.refunded_fen -= take
        bill.paid_fen += take
        if bill.paid_fen == bill.total_fen:
            bill.settled_at = utcnow()
        back -= take
    payment.unapplied_fen += back  # what came off the unapplied money goes back there


def refund_payment(actor, payment, *, amount_fen, reason, provider=None, keep_bills=False):
    """Refund all or part of a succeeded payment: through the provider for online payments, recorded for desk ones.

    With `keep_bills` (a deposit given back) the bills the payment paid stay paid.
    """
    require(actor, Permission.REFUND_PAYMENTS)
    hold_payment(payment)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise InvalidTransition(_l("Only a completed payment can be refunded."))
    pending = sum(r.amount_fen for r in payment.refunds if r.status == RefundStatus.PENDING)
    refundable = payment.refundable_fen - pending
    if refundable <= 0:
        raise Conflict(_l("This payment has already been refunded in full; see its refunds below."))
    if amount_fen is None or amount_fen <= 0 or amount_fen > refundable:
        raise DomainError(
            _l("Enter an amount between ¥0.01 and ¥%(most)s.", most=fen_to_decimal(max(refundable, 0))), field="amount"
        )
    if not (reason or "").strip():
        raise DomainError(_l("Give the reason for the refund."), field="reason")
    refund = Refund(
        payment=payment,
        amount_fen=amount_fen,
        reason=reason.strip()[:255],
        status=RefundStatus.PENDING,
        created_by_id=actor.user_id,
        keeps_bills=keep_bills,
    )
    db.session.add(refund)
    db.session.flush()
    if payment.is_online:
        if provider is None or provider.name != payment.provider:
            raise PaymentsUnavailable(
                _l("The payment provider of this payment is not configured; nothing was refunded.")
            )
        try:
            refund.provider_refund_id, status = provider.refund(
                payment_intent=payment.provider_payment_intent,
                amount_fen=amount_fen,
                idempotency_key=f"refund-p{payment.id}-r{refund.id}",
                metadata={"payment_id": str(payment.id), "refund_id": str(refund.id)},
            )
        except ProviderUnavailable as exc:
            raise PaymentsUnavailable(
                _l("The payment provider refused or could not be reached; nothing was refunded.")
            ) from exc
        if status == "succeeded":
            settle_refund(payment, refund)
        elif status in ("failed", "canceled"):
            refund.status = RefundStatus.FAILED
    else:
        settle_refund(payment, refund)
    record(
        actor,
        "payment.refund",
        payment,
        summary=f"¥{fen_to_decimal(amount_fen)} ({refund.status.value}): {refund.reason}",
    )
    db.session.flush()
    return refund


def refund_unapplied(payment, provider):
    """Give back, through the provider, money that arrived for bills already paid, and tell the household.

    The idempotency key and the parameters are the payment's own (not the refund row's, whose id a rolled-back
    attempt may have used up), so a webhook delivered again asks for the very same refund. When the
    provider refuses or cannot be reached, the refund is recorded as failed: finance sees it in the list of
    automatic refunds and refunds it from the payment's page.
    """
    amount = payment.unapplied_fen
    refund = Refund(
        payment=payment,
        amount_fen=amount,
        reason="账单已结清，自动退回 · bills already paid",
        status=RefundStatus.PENDING,
        automatic=True,
    )
    db.session.add(refund)
    db.session.flush()
    try:
        if provider is None or provider.name != payment.provider:
            raise ProviderUnavailable("the payment's provider is not configured")
        refund.provider_refund_id, status = provider.refund(
            payment_intent=payment.provider_payment_intent,
            amount_fen=amount,
            idempotency_key=f"refund-p{payment.id}-unapplied",
            metadata={"payment_id": str(payment.id), "refund_id": UNAPPLIED_REFUND},
        )
    except ProviderUnavailable as exc:
        refund.status = RefundStatus.FAILED
        record(
            Actor.system("Stripe"),
            "payment.auto_refund_failed",
            payment,
            summary=f"¥{fen_to_decimal(amount)}: {exc}"[:255],
        )
        return refund
    if status == "succeeded":
        settle_refund(payment, refund)
    elif status in ("failed", "canceled"):
        refund.status = RefundStatus.FAILED
    record(
        Actor.system("Stripe"),
        "payment.auto_refund",
        payment,
        summary=f"¥{fen_to_decimal(amount)} ({refund.status.value})",
    )
    tell_household(
        payment.unit_id,
        _l(
            "Your payment of ¥%(amount)s arrived after the bills it was for had already been "
            "paid. ¥%(refund)s is being refunded to the card or wallet that paid; no action "
            "is needed.",
            amount=fen_to_decimal(payment.amount_fen),
            refund=fen_to_decimal(amount),
        ),
        _l("A payment is being refunded"),
        today=today(),
    )
    return refund


def automatic_refunds(property_id, *, limit=20):
    """The latest refunds the system made by itself (money that arrived for bills already paid), newest first,
    with their payments and units (one statement), for finance to follow; failed ones are refunded by hand from
    the payment."""
    return db.session.scalars(
        select(Refund)
        .join(Refund.payment)
        .where(Payment.property_id == property_id, Refund.automatic.is_(True))
        .options(contains_eager(Refund.payment).joinedload(Payment.unit).joinedload(Unit.building))
        .order_by(Refund.created_at.desc(), Refund.id.desc())
        .limit(limit)
    ).all()


def waiting_refunds(property_id, *, limit=10):
    """Refunds asked of the provider and not confirmed yet, oldest first, with their payments and units: one
    statement."""
    return db.session.scalars(
        select(Refund)
        .join(Refund.payment)
        .where(Payment.property_id == property_id, Refund.status == RefundStatus.PENDING)
        .options(contains_eager(Refund.payment).joinedload(Payment.unit).joinedload(Unit.building))
        .order_by(Refund.created_at, Refund.id)
        .limit(limit)
    ).all()
