"""The month-start surge in small (bench/surge_drill.py is the full one): a batch of webhooks for several payments
delivered concurrently, some duplicated and some out of order, applies each payment exactly once."""

import json
import random
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.billing.models import Bill
from domain.clock import today
from domain.payments.checkout import start_checkout
from domain.payments.models import Allocation, Payment, PaymentStatus, Receipt, WebhookEvent
from domain.payments.providers import get_provider
from extensions import db
from sandbox.stripe_app import pay, settle, signed
from tests import builders

WEBHOOK = "/payments/stripe/webhook"
PAYMENTS, WALLETS = 12, 4


def open_and_pay(prop, server):
    """PAYMENTS households each paying both their bills: the first WALLETS with a wallet that settles later (two
    events: completed while unpaid, then async_payment_succeeded), the rest by card (one event)."""
    payments = []
    for n in range(PAYMENTS):
        _unit, owner, bills = builders.create_household_with_bills(prop)
        start = start_checkout(
            Actor.system("test"),
            resident_id=owner.id,
            bill_ids=[b.id for b in bills],
            today=today(),
            provider=get_provider(),
            success_url="http://localhost/portal/payments/{PAYMENT_ID}",
            cancel_url="http://localhost/portal/bills",
        )
        db.session.commit()
        session_id = db.session.get(Payment, start.payment_id).provider_session_id
        if n < WALLETS:
            events = [pay(server.app, session_id, "alipay", later=True), settle(server.app, session_id)]
        else:
            events = [pay(server.app, session_id, "card")]
        payments.append((start.payment_id, events))
    return payments


def test_a_surge_of_duplicated_and_out_of_order_webhooks_applies_each_payment_once(prop, stripe_sandbox, app):
    payments = open_and_pay(prop, stripe_sandbox)
    rng = random.Random(22)
    stream = []
    for _payment_id, events in payments:
        stream.extend(reversed(events))  # a wallet's async_payment_succeeded arrives before its completed
    stream += rng.sample(stream, 5)  # duplicates: some of them while the first delivery is still being handled
    rng.shuffle(stream)
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]

    def deliver(event):
        body = json.dumps(event).encode()
        response = app.test_client().post(
            WEBHOOK, data=body, content_type="application/json", headers={"Stripe-Signature": signed(body, secret)}
        )
        return response.status_code, response.get_json()["outcome"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(deliver, stream))

    assert {status for status, _outcome in answers} == {200}
    outcomes = [outcome for _status, outcome in answers]
    assert outcomes.count("applied") == PAYMENTS
    assert outcomes.count("duplicate") == 5
    db.session.expire_all()
    ids = [payment_id for payment_id, _events in payments]
    assert set(db.session.scalars(select(Payment.status).where(Payment.id.in_(ids)))) == {PaymentStatus.SUCCEEDED}
    receipts = db.session.scalars(select(Receipt.payment_id)).all()
    assert sorted(receipts) == sorted(ids)  # one receipt each
    paid = db.session.scalar(select(func.sum(Payment.amount_fen)).where(Payment.status == PaymentStatus.SUCCEEDED))
    assert paid == PAYMENTS * (22375 + 30050)
    assert db.session.scalar(select(func.sum(Allocation.applied_fen))) == paid
    assert db.session.scalar(select(func.sum(Bill.paid_fen))) == paid
    assert db.session.scalar(select(func.count()).select_from(Bill).where(Bill.paid_fen != Bill.total_fen)) == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == PAYMENTS + WALLETS
