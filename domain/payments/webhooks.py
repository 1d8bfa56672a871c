"""The provider's webhook: each verified event applied once (idempotent per event id), checked against the
provider's own record of the session or the refunds before anything is written."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain.accounts.models import Actor
from domain.audit.services import record
from domain.current_property import working_for
from domain.payments.fulfilment import succeed
from domain.payments.ledger import locked
from domain.payments.models import Method, Payment, PaymentStatus, Refund, RefundStatus, WebhookEvent
from domain.payments.providers import ProviderUnavailable
from domain.payments.refunds import UNAPPLIED_REFUND, reverse_refund, settle_refund
from domain.payments.workflow import can_move, move
from extensions import db

#: The provider's payment_method_details types we record as such.
ONLINE_METHOD_TYPES = frozenset({Method.CARD.value, Method.ALIPAY.value, Method.WECHAT_PAY.value})


class ProviderRecordUnavailable(Exception):
    """The provider's own record of an event's object could not be read; nothing was applied (the event is
    answered 5xx, so the provider delivers it again)."""


def _payment_for_session(session_id):
    """The payment a Checkout Session belongs to (by session id), locked for the change."""
    return db.session.scalar(
        locked(select(Payment).where(Payment.provider_session_id == session_id)).options(
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
    with working_for(None):  # a payment of any property: the event names it, not the process
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
    event's body: a signed body says only that something happened to this session. Returns the outcome.

    The payment is found among all properties' (a webhook works for none), and its change is then made working for
    the payment's own property: the bills, the receipt's number and whatever listens to the payment are that
    property's, whatever property anything else in the process works for."""
    if record_of is None:
        return "ignored: unknown session"
    with working_for(None):
        payment = _payment_for_session(event_session["id"])
    if payment is None:
        return "ignored: unknown session"
    with working_for(payment.property_id):
        return _apply_session_event(event_type, payment, record_of, provider)


def _apply_session_event(event_type, payment, record_of, provider):
    """Apply a Checkout Session event to its payment (see _on_session_event)."""
    session = record_of.session
    if session.id != payment.provider_session_id or not _matches(payment, session):
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
        succeed(payment, method=record_of.method, payment_intent=session.payment_intent, provider=provider)
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
            settle_refund(payment, refund)
            changed += 1
        elif data.status in ("failed", "canceled") and refund.status != RefundStatus.FAILED:
            if refund.status == RefundStatus.SUCCEEDED:
                reverse_refund(payment, refund)
            refund.status = RefundStatus.FAILED
            changed += 1
    return changed


def _on_refund_event(event_type, obj, record_of):
    """refund.created / refund.updated / refund.failed and charge.refunded: record what changed in the payment's
    refunds as the provider lists them (`record_of`; today's charge.refunded carries no refund list at all)."""
    payment_intent = obj.get("payment_intent")
    if not isinstance(payment_intent, str) or not payment_intent:
        return "ignored: no payment"
    with working_for(None):
        payment = db.session.scalar(
            locked(select(Payment).where(Payment.provider_payment_intent == payment_intent)).options(
                selectinload(Payment.allocations), selectinload(Payment.refunds)
            )
        )
    if payment is None or record_of is None:
        return "ignored: unknown payment"
    with working_for(payment.property_id):  # as for a session event: the payment's own property
        changed = _sync_refunds(payment, record_of.refunds)
        if changed:
            record(
                Actor.system("Stripe"), "payment.refunds_synced", payment, summary=f"{event_type}: {changed} changed"
            )
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
