"""Residents paying online: a Checkout Session at the provider for some of a resident's unpaid bills, and closing
the Checkout pages still open for bills that are about to be paid otherwise."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain.audit.services import record
from domain.billing.models import Bill
from domain.billing.naming import bill_name
from domain.clock import utcnow
from domain.errors import Conflict, DomainError, NotFound
from domain.money import fen_to_decimal
from domain.payments.ledger import locked
from domain.payments.models import Allocation, Method, Payment, PaymentStatus
from domain.payments.providers import PaymentsUnavailable, ProviderUnavailable
from domain.payments.workflow import can_move, move
from domain.property.models import Property
from domain.property.occupancies import resident_unit_ids
from extensions import db

OPEN_STATUSES = (PaymentStatus.PENDING, PaymentStatus.PROCESSING)


def close_open_checkouts(bill_ids, provider, *, paid=None, refuse=True):
    """Expire, through the provider, every Checkout page still open for any of these bills, so that money for
    them cannot arrive twice.

    With `refuse` (money about to be taken at the desk, a new Checkout), a page that cannot be closed, or that
    has just been paid, refuses the change with Conflict; without it (a payment that has just succeeded), it is
    left: if it is paid after all, that money is refunded when it arrives. `paid` is the payment not to close.
    """
    others = (
        db.session.scalars(
            select(Payment)
            .join(Allocation)
            .where(
                Allocation.bill_id.in_(bill_ids),
                Payment.status == PaymentStatus.PENDING,
                Payment.provider != "desk",
                Payment.provider_session_id.is_not(None),
            )
            .order_by(Payment.id)
        )
        .unique()
        .all()
    )
    for payment in others:
        if paid is not None and payment.id == paid.id:
            continue
        status = _close_checkout(provider, payment)
        if refuse and status == "complete":
            raise Conflict(
                _l(
                    "The resident has just paid these bills online; the payment is being confirmed. "
                    "Nothing was recorded: look at the bills again in a minute."
                ),
                field="bill_ids",
            )
        if refuse and status != "expired":
            raise Conflict(
                _l(
                    "A payment page for these bills is open on the resident's phone and could not be closed. "
                    "Nothing was recorded; try again in a moment."
                ),
                field="bill_ids",
            )


def _close_checkout(provider, payment):
    """Expire one open Checkout Session through its provider; the payment becomes EXPIRED when it is.

    Returns the session's status as the provider then has it ("expired", "complete", ...), or None when the
    provider could not be asked.
    """
    if provider is None or provider.name != payment.provider or not payment.provider_session_id:
        return None
    # Hold the payment (and, on SQLite, the database) before asking: the provider's checkout.session.expired
    # webhook then waits for this transaction instead of writing first and leaving it unable to commit.
    db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    try:
        session = provider.expire_checkout(payment.provider_session_id)
    except ProviderUnavailable:
        try:  # already expired or paid, or the provider is unreachable: look
            session = provider.retrieve_checkout(payment.provider_session_id)
        except ProviderUnavailable:
            return None
    if session.status == "expired" and can_move(payment, PaymentStatus.EXPIRED):
        move(payment, PaymentStatus.EXPIRED)
    return session.status


def _resident_bills(resident_id, bill_ids, today):
    """The resident's own bills among `bill_ids` (current occupants of the bills' units), locked for the change."""
    units = resident_unit_ids(resident_id, today)
    bills = db.session.scalars(locked(select(Bill).where(Bill.id.in_(bill_ids)).order_by(Bill.due_date, Bill.id))).all()
    if not bill_ids or len(bills) != len(set(bill_ids)) or any(b.unit_id not in units for b in bills):
        raise NotFound()
    return bills


@dataclass(frozen=True)
class CheckoutStart:
    """Where to send the resident: the provider's hosted page for this payment."""

    payment_id: int
    url: str
    reused: bool


def _attempt_key(unit_id, bill_ids, attempt):
    """Our idempotency key: the same bills and attempt give the same key, so a double click opens one session."""
    return f"checkout-u{unit_id}-b{'.'.join(str(i) for i in sorted(bill_ids))}-a{attempt}"


def start_checkout(actor, *, resident_id, bill_ids, today, provider, success_url, cancel_url, customer_email=None):
    """Open (or reopen) a Checkout Session for some of a resident's unpaid bills of one unit.

    The amount is what the bills still owe, worked out here. A second request for the same bills while
    the first is open returns the same session; bills with a payment still settling are refused.
    `success_url` may contain {PAYMENT_ID}; each bill is named on the hosted page by `bill_name`.
    """
    if provider is None:
        raise PaymentsUnavailable()
    bill_ids = sorted({int(i) for i in bill_ids})
    bills = _resident_bills(resident_id, bill_ids, today)
    if len({b.unit_id for b in bills}) != 1:
        raise DomainError(_l("Pay the bills of one unit at a time."))
    unpaid = [b for b in bills if b.outstanding_fen > 0]
    if len(unpaid) != len(bills):
        raise Conflict(_l("One of these bills has already been paid. The list has been refreshed."))
    open_payments = (
        db.session.scalars(
            select(Payment)
            .join(Allocation)
            .where(Allocation.bill_id.in_(bill_ids), Payment.status.in_(OPEN_STATUSES))
            .options(selectinload(Payment.allocations))
        )
        .unique()
        .all()
    )
    for payment in open_payments:
        if payment.status == PaymentStatus.PROCESSING:
            raise Conflict(
                _l("A payment for this bill is being settled by the bank. Please wait for it before paying again.")
            )
        if sorted(a.bill_id for a in payment.allocations) == bill_ids and payment.amount_fen == sum(
            b.outstanding_fen for b in bills
        ):
            return CheckoutStart(payment.id, payment.checkout_url, True)
        # An older attempt for other bills: close it so that nothing is paid twice.
        status = _close_checkout(provider, payment)
        if status == "complete":
            raise Conflict(_l("A payment for this bill is being settled. Please wait a moment before paying again."))
        if status != "expired":
            raise PaymentsUnavailable()
    unit_id = bills[0].unit_id
    attempts = db.session.scalar(
        select(func.count(func.distinct(Payment.id)))
        .join(Allocation)
        .where(Allocation.bill_id.in_(bill_ids), Payment.provider != "desk")
    )
    payment = Payment(
        property_id=bills[0].property_id,
        unit_id=unit_id,
        method=Method.ONLINE,
        status=PaymentStatus.PENDING,
        amount_fen=sum(b.outstanding_fen for b in bills),
        provider=provider.name,
        resident_id=resident_id,
        idempotency_key=_attempt_key(unit_id, bill_ids, attempts + 1),
    )
    payment.allocations = [Allocation(bill_id=b.id, amount_fen=b.outstanding_fen) for b in bills]
    db.session.add(payment)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request (a double click) created this attempt a moment ago: send the resident to it.
        db.session.rollback()
        existing = db.session.scalar(
            select(Payment).where(Payment.idempotency_key == _attempt_key(unit_id, bill_ids, attempts + 1))
        )
        if existing is None or not existing.checkout_url:
            raise Conflict(_l("This payment is already being opened. Please wait a moment and refresh.")) from None
        return CheckoutStart(existing.id, existing.checkout_url, True)
    # The bills' own property (never the request's): its Stripe account and statement descriptor.
    prop = db.session.get(Property, payment.property_id)
    try:
        session = provider.create_checkout(
            line_items=[(bill_name(b), b.outstanding_fen) for b in bills],
            currency="cny",
            metadata={
                "payment_id": str(payment.id),
                "bill_ids": ",".join(str(i) for i in bill_ids),
                "unit_id": str(unit_id),
                "property_id": str(payment.property_id),
            },
            connected_account=prop.stripe_account,
            statement_descriptor=prop.statement_descriptor,
            client_reference_id=str(payment.id),
            success_url=success_url.replace("{PAYMENT_ID}", str(payment.id)),
            cancel_url=cancel_url,
            idempotency_key=payment.idempotency_key,
            customer_email=customer_email,
        )
    except ProviderUnavailable as exc:
        raise PaymentsUnavailable() from exc
    if session.amount_total != payment.amount_fen or session.currency != "cny":
        raise PaymentsUnavailable()
    payment.provider_session_id, payment.checkout_url = session.id, session.url
    record(actor, "payment.checkout", payment, summary=f"¥{fen_to_decimal(payment.amount_fen)} bills {bill_ids}")
    db.session.flush()
    return CheckoutStart(payment.id, session.url, False)


def get_resident_payment(resident_id, payment_id, today):
    """A payment the resident may see: one for a unit they live in now."""
    payment = db.session.get(
        Payment,
        payment_id,
        options=[selectinload(Payment.allocations), selectinload(Payment.receipt), selectinload(Payment.refunds)],
    )
    if payment is None or payment.unit_id not in resident_unit_ids(resident_id, today):
        raise NotFound()
    return payment
