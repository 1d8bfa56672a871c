"""Paying bills: Checkout for residents, fulfilment from the webhook only, desk payments, voids,
refunds and gapless receipts.

Money moves onto bills in exactly one place, `_apply`, called once per payment when it succeeds;
refunds come off in `_unapply`. Every amount is worked out here from the bills, never taken from
a form or a URL.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import Bill
from domain.billing.naming import bill_name
from domain.clock import local, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.money import fen_to_decimal
from domain.notify.services import tell_household
from domain.payments.models import (
    DESK_METHODS,
    Allocation,
    Method,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptCounter,
    Refund,
    RefundStatus,
    WebhookEvent,
)
from domain.payments.providers import ProviderUnavailable
from domain.payments.workflow import can_move, move
from domain.property.models import Unit
from domain.property.occupancies import resident_unit_ids
from domain.renovation.services import issue_permits_for_paid_bills
from extensions import db

OPEN_STATUSES = (PaymentStatus.PENDING, PaymentStatus.PROCESSING)
#: The refund_id our automatic refund of unapplied money carries in its metadata (one per payment).
UNAPPLIED_REFUND = "unapplied"
#: The provider's payment_method_details types we record as such.
ONLINE_METHOD_TYPES = frozenset({Method.CARD.value, Method.ALIPAY.value, Method.WECHAT_PAY.value})


class PaymentsUnavailable(DomainError):
    """Online payment is switched off or the provider cannot be reached; nothing was charged."""

    status_code = 503
    default_message = _l(
        "Online payment is not available right now. Your bill is unchanged; please try again later "
        "or pay at the service desk."
    )


def _locked(query):
    """Lock the selected rows until commit where the database can (PostgreSQL); SQLite has one writer anyway."""
    return query.with_for_update() if db.engine.dialect.name == "postgresql" else query


def _dialect_insert(model):
    """INSERT ... ON CONFLICT for the database in use."""
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(model)


# Receipts ----------------------------------------------------------------------------------------


def _issue_receipt(payment):
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
    receipt = Receipt(
        property_id=payment.property_id,
        payment_id=payment.id,
        year=year,
        sequence=sequence,
        issued_at=payment.paid_at or utcnow(),
    )
    db.session.add(receipt)
    return receipt


# Applying money to bills -------------------------------------------------------------------------


def _apply(payment, bills=None):
    """Put a succeeded payment's money on its bills, oldest due first; what no longer fits stays unapplied.

    `bills` may be passed when the caller already holds them locked.
    """
    if bills is None:
        bills = db.session.scalars(_locked(select(Bill).where(Bill.id.in_([a.bill_id for a in payment.allocations]))))
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
    # A renovation's permit follows the payment of its deposit bill, whether it came through the webhook or the desk.
    issue_permits_for_paid_bills([bills[a.bill_id] for a in payment.allocations if a.applied_fen], now=now)


def _unapply(payment, amount_fen):
    """Take `amount_fen` back off the bills a payment paid (unapplied money first, then the newest bills)."""
    from_unapplied = min(payment.unapplied_fen, amount_fen)
    payment.unapplied_fen -= from_unapplied
    left = amount_fen - from_unapplied
    bills = {
        b.id: b
        for b in db.session.scalars(_locked(select(Bill).where(Bill.id.in_([a.bill_id for a in payment.allocations]))))
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


def _succeed(
    payment, *, actor_name="Stripe", method=None, payment_intent=None, paid_at=None, bills=None, provider=None
):
    """Mark a payment succeeded, apply it to its bills and issue its receipt (once: the state machine refuses twice).

    The one place where a succeeded payment, online (the webhook) or at the desk, reaches its bills: whatever
    must follow a bill being paid belongs here. Online money that arrives for bills already paid is refunded
    through `provider` at once and the household is told; other Checkout pages still open for these bills
    are closed so that they cannot be paid as well.
    """
    move(payment, PaymentStatus.SUCCEEDED)
    payment.paid_at = paid_at or utcnow()
    if method is not None:
        payment.method = method
    if payment_intent:
        payment.provider_payment_intent = payment_intent
    _apply(payment, bills)
    receipt = _issue_receipt(payment)
    db.session.flush()
    from domain.accounts.models import Actor

    if payment.is_online and payment.provider_session_id:
        record(
            Actor.system(actor_name),
            "payment.succeeded",
            payment,
            summary=f"¥{fen_to_decimal(payment.amount_fen)} {payment.method.value} {receipt.number}",
        )
        _close_open_checkouts([a.bill_id for a in payment.allocations], provider, paid=payment, refuse=False)
    if payment.unapplied_fen:
        record(
            Actor.system(actor_name),
            "payment.unapplied",
            payment,
            summary=f"¥{fen_to_decimal(payment.unapplied_fen)} arrived after the bills were paid: refunded",
        )
        if payment.is_online:
            _refund_unapplied(payment, provider)
    return receipt


def _refund_unapplied(payment, provider):
    """Give back, through the provider, money that arrived for bills already paid, and tell the household.

    The idempotency key and the parameters are the payment's own (not the refund row's, whose id a rolled-back
    attempt may have used up), so a webhook delivered again asks for the very same refund. When the
    provider refuses or cannot be reached, the refund is recorded as failed: finance sees it in the list of
    automatic refunds and refunds it from the payment's page.
    """
    from domain.accounts.models import Actor
    from domain.clock import today

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
        _settle_refund(payment, refund)
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


def _close_open_checkouts(bill_ids, provider, *, paid=None, refuse=True):
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


# Residents paying online ------------------------------------------------------------------------


def _resident_bills(resident_id, bill_ids, today):
    """The resident's own bills among `bill_ids` (current occupants of the bills' units), locked for the change."""
    units = resident_unit_ids(resident_id, today)
    bills = db.session.scalars(
        _locked(select(Bill).where(Bill.id.in_(bill_ids)).order_by(Bill.due_date, Bill.id))
    ).all()
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
    try:
        session = provider.create_checkout(
            line_items=[(bill_name(b), b.outstanding_fen) for b in bills],
            currency="cny",
            metadata={
                "payment_id": str(payment.id),
                "bill_ids": ",".join(str(i) for i in bill_ids),
                "unit_id": str(unit_id),
            },
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


# The webhook ------------------------------------------------------------------------------------


class ProviderRecordUnavailable(Exception):
    """The provider's own record of an event's object could not be read; nothing was applied (the event is
    answered 5xx, so the provider delivers it again)."""


def _payment_for_session(session_id):
    """The payment a Checkout Session belongs to (by session id), locked for the change."""
    return db.session.scalar(
        _locked(select(Payment).where(Payment.provider_session_id == session_id)).options(
            selectinload(Payment.allocations)
        )
    )


def _matches(payment, session):
    """Whether the provider's own record of the session is the one we opened for this payment, for its amount."""
    return (
        session.amount_total == payment.amount_fen
        and (session.currency or "").lower() == payment.currency
        and (session.metadata or {}).get("payment_id") == str(payment.id)
    )


@dataclass(frozen=True)
class ProviderRecord:
    """What the provider itself records about an event's object: a Checkout Session (and the method that paid
    it), or the refunds of a PaymentIntent."""

    provider_name: str
    session: object = None
    method: Method | None = None
    refunds: tuple = ()


REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refunded")


def _read_provider_record(event_type, obj, provider):
    """Read the provider's record of an event's object, for a payment of ours only; None when nothing of ours.

    Runs before the event's transaction writes or locks anything: the provider's answer takes a while, and
    holding the payment (or, on SQLite, the database) meanwhile would make every other webhook wait for it.
    """
    if event_type.startswith("checkout.session.") and isinstance(obj.get("id"), str) and obj["id"]:
        ours = select(Payment.provider).where(Payment.provider_session_id == obj["id"])
    elif event_type in REFUND_EVENTS and isinstance(obj.get("payment_intent"), str) and obj["payment_intent"]:
        ours = select(Payment.provider).where(Payment.provider_payment_intent == obj["payment_intent"])
    else:
        return None
    name = db.session.scalar(ours.limit(1))
    if name is None:
        return None
    if provider is None or provider.name != name:
        raise ProviderRecordUnavailable()
    try:
        if event_type in REFUND_EVENTS:
            return ProviderRecord(name, refunds=tuple(provider.list_refunds(obj["payment_intent"])))
        session = provider.retrieve_checkout(obj["id"])
    except ProviderUnavailable as exc:
        raise ProviderRecordUnavailable() from exc
    paid_with = session.payment_method_type
    return ProviderRecord(
        name, session=session, method=Method(paid_with) if paid_with in ONLINE_METHOD_TYPES else Method.ONLINE
    )


def _on_session_event(event_type, event_session, record_of, provider):
    """Apply one Checkout Session event from the provider's own record of the session (`record_of`), not the
    event's body: a signed body says only that something happened to this session. Returns the outcome."""
    if record_of is None:
        return "ignored: unknown session"
    payment = _payment_for_session(event_session["id"])
    if payment is None:
        return "ignored: unknown session"
    session = record_of.session
    if session.id != payment.provider_session_id or not _matches(payment, session):
        from domain.accounts.models import Actor

        record(
            Actor.system("Stripe"),
            "payment.mismatch",
            payment,
            summary=f"{session.amount_total} {session.currency} {session.metadata} != {payment.amount_fen} "
            f"{payment.currency} payment {payment.id}",
        )
        return "rejected: the session does not match the payment"
    if session.status == "complete" and session.payment_status == "paid":
        if not can_move(payment, PaymentStatus.SUCCEEDED):
            return f"ignored: already {payment.status.value}"
        _succeed(payment, method=record_of.method, payment_intent=session.payment_intent, provider=provider)
        return "applied"
    if session.status == "complete" and event_type == "checkout.session.async_payment_failed":
        if can_move(payment, PaymentStatus.FAILED):
            move(payment, PaymentStatus.FAILED)
            return PaymentStatus.FAILED.value
    elif session.status == "complete":
        if payment.status == PaymentStatus.PENDING:
            move(payment, PaymentStatus.PROCESSING)
            payment.provider_payment_intent = session.payment_intent
            return "processing"
    elif session.status == "expired" and can_move(payment, PaymentStatus.EXPIRED):
        move(payment, PaymentStatus.EXPIRED)
        return PaymentStatus.EXPIRED.value
    return f"ignored: already {payment.status.value}"


def _sync_refunds(payment, refunds):
    """Bring our refunds of a payment in line with the provider's record of them (ProviderRefund list).

    Ours are known by the refund_id we put in their metadata (or by the provider's id); one we never asked for
    (made in Stripe's dashboard) is recorded. A pending refund settles or fails; nothing is applied twice, and
    a list read a moment before another event's never takes a refund back to pending. Returns how many changed.
    """
    by_ours = {str(r.id): r for r in payment.refunds}
    automatic = [r for r in payment.refunds if r.automatic]
    if automatic:
        by_ours[UNAPPLIED_REFUND] = automatic[-1]
    by_provider = {r.provider_refund_id: r for r in payment.refunds if r.provider_refund_id}
    changed = 0
    for data in refunds:
        refund = by_provider.get(data.id) or by_ours.get((data.metadata or {}).get("refund_id") or "")
        if refund is None:
            if data.status in ("failed", "canceled") or data.amount <= 0:
                continue
            # Refunded in Stripe's dashboard: record it so that the bills and the books agree.
            refund = Refund(
                payment=payment,
                amount_fen=data.amount,
                reason="Stripe",
                status=RefundStatus.PENDING,
                provider_refund_id=data.id,
            )
            db.session.add(refund)
            changed += 1
        refund.provider_refund_id = refund.provider_refund_id or data.id
        if data.status == "succeeded" and refund.status == RefundStatus.PENDING:
            _settle_refund(payment, refund)
            changed += 1
        elif data.status in ("failed", "canceled") and refund.status != RefundStatus.FAILED:
            if refund.status == RefundStatus.SUCCEEDED:
                _reverse_refund(payment, refund)
            refund.status = RefundStatus.FAILED
            changed += 1
    return changed


def _on_refund_event(event_type, obj, record_of):
    """refund.created / refund.updated / refund.failed and charge.refunded: record what changed in the payment's
    refunds as the provider lists them (`record_of`; today's charge.refunded carries no refund list at all)."""
    payment_intent = obj.get("payment_intent")
    if not isinstance(payment_intent, str) or not payment_intent:
        return "ignored: no payment"
    payment = db.session.scalar(
        _locked(select(Payment).where(Payment.provider_payment_intent == payment_intent)).options(
            selectinload(Payment.allocations), selectinload(Payment.refunds)
        )
    )
    if payment is None or record_of is None:
        return "ignored: unknown payment"
    changed = _sync_refunds(payment, record_of.refunds)
    if changed:
        from domain.accounts.models import Actor

        record(Actor.system("Stripe"), "payment.refunds_synced", payment, summary=f"{event_type}: {changed} changed")
    return f"refunds changed: {changed}"


def handle_event(event, provider=None):
    """Apply one verified provider event; idempotent per event id (a repeat returns "duplicate").

    What an event says is checked against the provider's own record (`provider`), read first, before this
    transaction writes anything; when that cannot be read, ProviderRecordUnavailable is raised and the caller
    rolls back and answers 5xx. Must be the first thing in the caller's transaction (it is rolled back here
    before the provider is asked): the event id, the payment's new state, the bills and the receipt are
    committed together or not at all.
    """
    event_id, event_type = event.get("id"), event.get("type") or ""
    if not event_id:
        return "ignored: no id"
    key = event_id[:255]
    obj = (event.get("data") or {}).get("object") or {}
    if db.session.get(WebhookEvent, key) is not None:  # a repeat costs no call to the provider
        db.session.rollback()
        return "duplicate"
    record_of = _read_provider_record(event_type, obj, provider)
    # A fresh transaction after the provider's answer: on SQLite a snapshot read before it could no longer write.
    db.session.rollback()
    # The event's row goes in first: a concurrent delivery of the same event waits on it and then
    # fails here, before it has read or changed anything.
    db.session.add(WebhookEvent(id=key, type=event_type[:80]))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    if event_type.startswith("checkout.session."):
        outcome = _on_session_event(event_type, obj, record_of, provider)
    elif event_type in REFUND_EVENTS:
        outcome = _on_refund_event(event_type, obj, record_of)
    else:
        outcome = "ignored: not handled"
    stored = db.session.get(WebhookEvent, key)
    stored.outcome, stored.payload = outcome[:255], {"object_id": obj.get("id")}
    db.session.flush()
    return outcome


# Desk payments, voids, refunds -------------------------------------------------------------------


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
        _locked(select(Bill).where(Bill.id.in_(bill_ids), Bill.unit_id == unit_id)).order_by(Bill.due_date, Bill.id)
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
    _close_open_checkouts(bill_ids, checkout_provider, refuse=True)
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
    receipt = _succeed(payment, actor_name=actor.name, paid_at=paid_at, bills=bills)
    record(
        actor,
        "payment.desk" if provider == "desk" else "payment.historical",
        payment,
        summary=f"¥{fen_to_decimal(amount)} {method.value} {receipt.number}",
    )
    return payment


class PaymentBeingChanged(Conflict):
    """Someone else is refunding or voiding the same payment at this moment (they got there first)."""

    default_message = _l(
        "Someone else is refunding or voiding this payment at this moment. Nothing was changed; look "
        "at the payment below before trying again."
    )


def _hold_payment(payment):
    """Take the payment for this transaction before its state and refunds are read, and read them afresh (refunds
    and voids: two finance users at once must not both give the money back).

    PostgreSQL: a row lock, so a second refund waits for the first to commit and then sees it. SQLite has one
    writer: the first write takes the database, and a transaction that read before another refund committed
    cannot write at all; that loser is told so (PaymentBeingChanged) instead of failing with an error page.
    """
    from sqlalchemy.exc import OperationalError

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


def _reverse_refund(payment, refund):
    """A refund reported succeeded has failed after all: the money is the payment's again and back on its bills."""
    payment.refunded_fen -= refund.amount_fen
    if refund.keeps_bills:
        return
    back = refund.amount_fen
    bills = {
        b.id: b
        for b in db.session.scalars(_locked(select(Bill).where(Bill.id.in_([a.bill_id for a in payment.allocations]))))
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


def void_desk_payment(actor, payment, *, reason):
    """Cancel a desk payment taken in error: its money comes off the bills and its receipt prints as void."""
    require(actor, Permission.REFUND_PAYMENTS)
    if payment.provider != "desk":
        raise InvalidTransition(_l("Online payments are refunded, not voided."))
    _hold_payment(payment)
    if payment.status == PaymentStatus.VOIDED:
        raise Conflict(_l("This payment has already been voided."))
    if payment.refunded_fen:
        raise InvalidTransition(_l("This payment has refunds; it can no longer be voided."))
    if not (reason or "").strip():
        raise DomainError(_l("Give the reason for voiding."), field="reason")
    move(payment, PaymentStatus.VOIDED)
    _unapply(payment, payment.amount_fen)
    payment.void_reason = reason.strip()[:255]
    record(actor, "payment.void", payment, summary=f"¥{fen_to_decimal(payment.amount_fen)}: {payment.void_reason}")
    db.session.flush()
    return payment


def _settle_refund(payment, refund):
    """A refund has gone through: it comes off the payment and, unless it returns a deposit, off the bills (once
    per refund)."""
    refund.status = RefundStatus.SUCCEEDED
    payment.refunded_fen += refund.amount_fen
    if not refund.keeps_bills:
        _unapply(payment, refund.amount_fen)


def refund_payment(actor, payment, *, amount_fen, reason, provider=None, keep_bills=False):
    """Refund all or part of a succeeded payment: through the provider for online payments, recorded for desk ones.

    With `keep_bills` (a deposit given back) the bills the payment paid stay paid.
    """
    require(actor, Permission.REFUND_PAYMENTS)
    _hold_payment(payment)
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
            _settle_refund(payment, refund)
        elif status in ("failed", "canceled"):
            refund.status = RefundStatus.FAILED
    else:
        _settle_refund(payment, refund)
    record(
        actor,
        "payment.refund",
        payment,
        summary=f"¥{fen_to_decimal(amount_fen)} ({refund.status.value}): {refund.reason}",
    )
    db.session.flush()
    return refund


def get_payment(payment_id):
    """A payment with its allocations, refunds and receipt (staff), or NotFound."""
    payment = db.session.get(
        Payment,
        payment_id,
        options=[
            selectinload(Payment.allocations).joinedload(Allocation.bill),
            selectinload(Payment.refunds),
            selectinload(Payment.receipt),
        ],
    )
    if payment is None:
        raise NotFound()
    return payment


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
