"""Money that must not be taken twice and refunds as today's Stripe reports them: desk payments close open
Checkout pages, late money is refunded at once, refunds settle from refund.* events, concurrent refunds."""

import json
import threading

import pytest
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.billing.models import Bill
from domain.notify.models import Notification
from domain.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from extensions import db
from sandbox.stripe_app import pay, pending_events, refund_in_dashboard, sandbox_state, settle_refund, signed
from tests import builders

WEBHOOK = "/payments/stripe/webhook"


@pytest.fixture
def household(prop):
    """A unit, its owner and two unpaid bills."""
    return builders.create_household_with_bills(prop)


@pytest.fixture
def resident(app, household):
    """A client signed in as the household's owner."""
    client = app.test_client()
    response = client.post("/portal/login", data={"login": household[1].user.username, "password": builders.PASSWORD})
    assert response.status_code == 303
    return client


def staff_client(app, role=Role.FINANCE):
    """A client signed in as a new staff member of `role`."""
    client = app.test_client()
    user = builders.create_staff(role)
    assert client.post("/staff/login", data={"login": user.username, "password": builders.PASSWORD}).status_code == 303
    return client


def deliver(app, event):
    """Send an event to the webhook, signed like Stripe; returns the response."""
    body = json.dumps(event).encode()
    return app.test_client().post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])},
    )


def deliver_pending(app, server, types=None):
    """Deliver every queued sandbox event (of `types`), oldest first; returns their outcomes."""
    outcomes = []
    for event in pending_events(server.app):
        if types is None or event["type"] in types:
            outcomes.append(deliver(app, event).get_json()["outcome"])
    sandbox_state(server.app).pending.clear()
    return outcomes


def open_checkout(resident, bills):
    """The resident ticks `bills` and is sent to Checkout; returns the Payment."""
    response = resident.post("/portal/bills/pay", data={"bill_ids": [b.id for b in bills]})
    assert response.status_code == 303
    return db.session.scalars(select(Payment).order_by(Payment.id.desc())).first()


def paid_online(app, server, resident, bills, method="card"):
    """A payment made online and fulfilled by its webhook."""
    payment = open_checkout(resident, bills)
    pay(server.app, payment.provider_session_id, method)
    deliver_pending(app, server)
    db.session.expire_all()
    payment = db.session.get(Payment, payment.id)
    assert payment.status == PaymentStatus.SUCCEEDED
    return payment


def desk_payment(client, unit, bills):
    """Cash at the desk for `bills`."""
    return client.post(
        f"/staff/billing/units/{unit.id}/payments", data={"bill_ids": [b.id for b in bills], "method": "cash"}
    )


# The desk and open Checkout pages ------------------------------------------------------------------


def test_desk_payment_closes_the_checkout_page_the_resident_still_has_open(app, household, resident, stripe_sandbox):
    unit, _owner, bills = household
    online = open_checkout(resident, bills)
    response = desk_payment(staff_client(app, Role.FRONTDESK), unit, bills)
    assert response.status_code == 303
    assert sandbox_state(stripe_sandbox.app).sessions[online.provider_session_id]["status"] == "expired"
    assert db.session.get(Payment, online.id).status == PaymentStatus.EXPIRED
    # The page the resident still has open can no longer take the money.
    page = stripe_sandbox.app.test_client().post(
        f"/pay/{online.provider_session_id}", data={"action": "pay", "method": "card"}
    )
    assert page.status_code == 409
    assert db.session.scalar(select(func.sum(Bill.paid_fen))) == 22375 + 30050
    assert deliver_pending(app, stripe_sandbox) == ["ignored: already expired"]


def test_desk_payment_is_refused_when_the_resident_has_just_paid_online(app, household, resident, stripe_sandbox):
    unit, _owner, bills = household
    online = open_checkout(resident, bills)
    pay(stripe_sandbox.app, online.provider_session_id, "alipay")  # paid; its webhook is still on the way
    response = desk_payment(staff_client(app, Role.FRONTDESK), unit, bills)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "刚刚在线支付" in html
    assert db.session.scalar(select(func.count()).select_from(Payment).where(Payment.provider == "desk")) == 0
    assert deliver_pending(app, stripe_sandbox) == ["applied"]
    assert db.session.scalar(select(func.sum(Bill.paid_fen))) == 22375 + 30050


def test_desk_payment_is_refused_while_the_checkout_page_cannot_be_closed(app, household, resident, stripe_sandbox):
    from domain.payments.providers import StripeProvider
    from sandbox.stripe_app import SandboxHTTPClient

    unit, _owner, bills = household
    online = open_checkout(resident, bills)
    desk = staff_client(app, Role.FRONTDESK)
    reachable = app.extensions["payment_provider"]
    app.extensions["payment_provider"] = StripeProvider(
        api_key="sk_test_x",
        webhook_secret="whsec_x",
        name="sandbox",
        api_base="http://127.0.0.1:9",
        http_client=SandboxHTTPClient(timeout=2),
    )
    try:
        response = desk_payment(desk, unit, bills)
    finally:
        app.extensions["payment_provider"] = reachable
    assert response.status_code == 422 and "无法关闭" in response.get_data(as_text=True)
    assert db.session.get(Payment, online.id).status == PaymentStatus.PENDING
    assert db.session.scalar(select(func.sum(Bill.paid_fen))) == 0


# Money that arrives for bills already paid ---------------------------------------------------------


def test_money_arriving_for_paid_bills_is_refunded_at_once_the_resident_told_and_finance_shown(
    app, household, resident, stripe_sandbox
):
    unit, _owner, bills = household
    online = open_checkout(resident, bills)
    pay(stripe_sandbox.app, online.provider_session_id, "wechat_pay")
    # Meanwhile the bills were settled some other way (the lost race the desk now closes off).
    for bill in bills:
        db.session.get(Bill, bill.id).paid_fen = bill.total_fen
    db.session.commit()
    assert deliver_pending(app, stripe_sandbox) == ["applied"]
    payment = db.session.get(Payment, online.id)
    refund = db.session.scalars(select(Refund)).one()
    assert refund.automatic and refund.amount_fen == 22375 + 30050 and refund.status == RefundStatus.PENDING  # wallet
    sent = [r for r in sandbox_state(stripe_sandbox.app).requests if r["path"] == "/v1/refunds"]
    assert len(sent) == 1 and sent[0]["idempotency_key"] == f"refund-p{payment.id}-unapplied"
    assert sent[0]["params"] == {
        "payment_intent": payment.provider_payment_intent,
        "amount": str(22375 + 30050),
        "metadata": {"payment_id": str(payment.id), "refund_id": "unapplied"},
    }
    notice = db.session.scalars(select(Notification)).one()
    assert "原路退回" in notice.message and "524.25" in notice.message
    # The wallet confirms the refund: it is settled, and the bills stay paid (the money never reached them).
    settle_refund(stripe_sandbox.app, refund.provider_refund_id)
    deliver_pending(app, stripe_sandbox)
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == RefundStatus.SUCCEEDED
    payment = db.session.get(Payment, online.id)
    assert payment.refunded_fen == payment.amount_fen and payment.unapplied_fen == 0
    assert [db.session.get(Bill, b.id).outstanding_fen for b in bills] == [0, 0]
    page = staff_client(app).get("/staff/billing/").get_data(as_text=True)
    assert "自动退款" in page and "524.25" in page
    status = resident.get(f"/portal/payments/{payment.id}").get_data(as_text=True)
    assert "账单已结清" in status


def test_an_automatic_refund_the_provider_refuses_is_listed_as_failed(
    app, household, resident, stripe_sandbox, monkeypatch
):
    from domain.payments.providers import ProviderUnavailable, StripeProvider

    unit, _owner, bills = household
    online = open_checkout(resident, bills[:1])
    pay(stripe_sandbox.app, online.provider_session_id, "card")
    db.session.get(Bill, bills[0].id).paid_fen = bills[0].total_fen
    db.session.commit()

    def refuse(self, **kwargs):
        raise ProviderUnavailable("refused")

    monkeypatch.setattr(StripeProvider, "refund", refuse)
    assert deliver_pending(app, stripe_sandbox) == ["applied"]
    refund = db.session.scalars(select(Refund)).one()
    assert refund.automatic and refund.status == RefundStatus.FAILED
    assert db.session.get(Payment, online.id).unapplied_fen == 22375  # still to be given back, by hand
    page = staff_client(app).get("/staff/billing/").get_data(as_text=True)
    assert "badge-overdue" in page and f"/staff/billing/payments/{online.id}" in page


# Refunds as today's Stripe reports them -------------------------------------------------------------


def refund_through_the_console(app, payment, amount="80", client=None):
    """Finance refunds `amount` yuan of `payment` from its page; returns the response."""
    client = client or staff_client(app)
    return client.post(
        f"/staff/billing/payments/{payment.id}/refund", data={"refund-amount": amount, "refund-reason": "多收"}
    )


def test_wallet_refund_stays_pending_until_refund_updated_settles_it(app, household, resident, stripe_sandbox):
    _unit, _owner, bills = household
    payment = paid_online(app, stripe_sandbox, resident, bills[:1], "alipay")
    response = refund_through_the_console(app, payment)
    assert response.status_code == 303
    refund = db.session.scalars(select(Refund)).one()
    assert refund.status == RefundStatus.PENDING and db.session.get(Bill, bills[0].id).outstanding_fen == 0
    assert deliver_pending(app, stripe_sandbox) == [
        "refunds changed: 0",
        "refunds changed: 0",
    ]  # created, charge.refunded
    settle_refund(stripe_sandbox.app, refund.provider_refund_id)
    assert deliver_pending(app, stripe_sandbox) == ["refunds changed: 1"]
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == RefundStatus.SUCCEEDED
    assert db.session.get(Bill, bills[0].id).outstanding_fen == 8000
    assert db.session.get(Payment, payment.id).refunded_fen == 8000


def test_failed_wallet_refund_leaves_the_bill_paid_and_the_money_refundable(app, household, resident, stripe_sandbox):
    _unit, _owner, bills = household
    payment = paid_online(app, stripe_sandbox, resident, bills[:1], "wechat_pay")
    refund_through_the_console(app, payment)
    refund = db.session.scalars(select(Refund)).one()
    settle_refund(stripe_sandbox.app, refund.provider_refund_id, succeeded=False)
    assert deliver_pending(app, stripe_sandbox, types={"refund.failed"}) == ["refunds changed: 1"]
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == RefundStatus.FAILED
    assert (
        db.session.get(Bill, bills[0].id).outstanding_fen == 0 and db.session.get(Payment, payment.id).refunded_fen == 0
    )
    page = staff_client(app).get(f"/staff/billing/payments/{payment.id}").get_data(as_text=True)
    assert "223.75" in page and 'name="refund-amount"' in page


def test_refund_made_in_stripes_dashboard_is_recorded_once(app, household, resident, stripe_sandbox):
    _unit, _owner, bills = household
    payment = paid_online(app, stripe_sandbox, resident, bills[:1])
    refund_in_dashboard(stripe_sandbox.app, payment.provider_payment_intent, 5000)
    assert deliver_pending(app, stripe_sandbox) == ["refunds changed: 2", "refunds changed: 0"]
    refund = db.session.scalars(select(Refund)).one()
    assert refund.status == RefundStatus.SUCCEEDED and refund.amount_fen == 5000 and not refund.automatic
    assert db.session.get(Payment, payment.id).refunded_fen == 5000
    assert db.session.get(Bill, bills[0].id).outstanding_fen == 5000


def test_charge_refunded_alone_reads_the_refunds_from_the_provider(app, household, resident, stripe_sandbox):
    _unit, _owner, bills = household
    payment = paid_online(app, stripe_sandbox, resident, bills[:1])
    refund_in_dashboard(stripe_sandbox.app, payment.provider_payment_intent)
    charge_event = [e for e in pending_events(stripe_sandbox.app) if e["type"] == "charge.refunded"][-1]
    assert "refunds" not in charge_event["data"]["object"]  # today's shape: the list is not in the event
    assert deliver(app, charge_event).get_json()["outcome"] == "refunds changed: 2"
    assert db.session.get(Payment, payment.id).refunded_fen == 22375
    assert db.session.get(Bill, bills[0].id).outstanding_fen == 22375


def test_refund_call_carries_our_idempotency_key_and_metadata(app, household, resident, stripe_sandbox):
    _unit, _owner, bills = household
    payment = paid_online(app, stripe_sandbox, resident, bills[:1])
    refund_through_the_console(app, payment, amount="10.5")
    refund = db.session.scalars(select(Refund)).one()
    sent = [r for r in sandbox_state(stripe_sandbox.app).requests if r["path"] == "/v1/refunds"][-1]
    assert sent["idempotency_key"] == f"refund-p{payment.id}-r{refund.id}"
    assert sent["params"] == {
        "payment_intent": payment.provider_payment_intent,
        "amount": "1050",
        "metadata": {"payment_id": str(payment.id), "refund_id": str(refund.id)},
    }


# Five finance users at once ------------------------------------------------------------------------


def test_five_finance_users_refunding_at_once_get_one_refund_and_clear_messages(
    app, household, resident, stripe_sandbox
):
    _unit, _owner, bills = household
    payment = paid_online(app, stripe_sandbox, resident, bills[:1])
    clients = [staff_client(app) for _ in range(5)]
    start = threading.Barrier(5)
    results = [None] * 5

    url = f"/staff/billing/payments/{payment.id}/refund"

    def refund(i):
        start.wait()
        response = clients[i].post(url, data={"refund-amount": "223.75", "refund-reason": "多收"})
        results[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=refund, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _html in results)
    assert statuses == [303, 422, 422, 422, 422], statuses
    for status, html in results:
        if status == 422:
            assert "已全额退款" in html or "其他同事正在" in html, html[html.find("alert") :][:600]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1
    assert len([r for r in sandbox_state(stripe_sandbox.app).requests if r["path"] == "/v1/refunds"]) == 1
    assert db.session.get(Payment, payment.id).refunded_fen == 22375


def test_the_refund_that_lost_the_race_is_told_so(app, household, resident, stripe_sandbox):
    """The lost race made deterministic: the payment was refunded in full after the page was read."""
    from domain.accounts.models import Actor
    from domain.errors import Conflict
    from domain.payments.refunds import refund_payment
    from domain.payments.statements import get_payment

    _unit, _owner, bills = household
    paid = paid_online(app, stripe_sandbox, resident, bills[:1])
    finance = builders.create_staff(Role.FINANCE)
    actor = Actor.for_user(finance, "127.0.0.1")
    stale = get_payment(paid.id)
    refund_through_the_console(app, paid, amount="223.75")
    with pytest.raises(Conflict):
        refund_payment(actor, stale, amount_fen=22375, reason="多收", provider=app.extensions["payment_provider"])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1


def test_finance_sees_the_method_that_paid_online(app, household, resident, stripe_sandbox):
    _unit, _owner, bills = household
    payment = paid_online(app, stripe_sandbox, resident, bills[:1], "wechat_pay")
    page = staff_client(app).get(f"/staff/billing/payments/{payment.id}").get_data(as_text=True)
    assert "微信支付" in page and "住户在线自助缴费" in page and "在线支付" not in page


def test_five_finance_users_voiding_the_same_desk_payment_void_it_once(app, household):
    unit, _owner, bills = household
    assert desk_payment(staff_client(app, Role.FRONTDESK), unit, bills[:1]).status_code == 303
    payment_id = db.session.scalar(select(Payment.id))
    clients = [staff_client(app) for _ in range(5)]
    start = threading.Barrier(5)
    results = [None] * 5

    def void(i):
        start.wait()
        response = clients[i].post(f"/staff/billing/payments/{payment_id}/void", data={"void-reason": "记错了房号"})
        results[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=void, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _html in results) == [303, 422, 422, 422, 422]
    for status, html in results:
        if status == 422:
            assert "已作废" in html or "其他同事正在" in html, html[html.find("alert") :][:600]
    db.session.expire_all()
    assert db.session.get(Payment, payment_id).status == PaymentStatus.VOIDED
    assert db.session.get(Bill, bills[0].id).outstanding_fen == 22375  # the money came off the bill once


def test_the_void_that_lost_the_race_is_told_so(app, household):
    from domain.accounts.models import Actor
    from domain.errors import Conflict
    from domain.payments.desk import void_desk_payment
    from domain.payments.statements import get_payment

    unit, _owner, bills = household
    desk_payment(staff_client(app, Role.FRONTDESK), unit, bills[:1])
    stale = get_payment(db.session.scalar(select(Payment.id)))
    staff_client(app).post(f"/staff/billing/payments/{stale.id}/void", data={"void-reason": "记错了房号"})
    with pytest.raises(Conflict):
        void_desk_payment(Actor.for_user(builders.create_staff(Role.FINANCE), "127.0.0.1"), stale, reason="重复")
    db.session.rollback()
    assert db.session.get(Bill, bills[0].id).outstanding_fen == 22375


def test_a_webhook_sent_again_after_a_failure_asks_for_the_same_automatic_refund(
    app, household, resident, stripe_sandbox, monkeypatch
):
    import domain.payments.refunds as payments

    _unit, _owner, bills = household
    online = open_checkout(resident, bills[:1])
    pay(stripe_sandbox.app, online.provider_session_id, "card")
    db.session.get(Bill, bills[0].id).paid_fen = bills[0].total_fen
    db.session.commit()
    [completed] = pending_events(stripe_sandbox.app)
    sandbox_state(stripe_sandbox.app).pending.clear()
    told = payments.tell_household

    def fail_once(*args, **kwargs):
        monkeypatch.setattr(payments, "tell_household", told)
        raise RuntimeError("the database went away after the refund was asked for")

    monkeypatch.setattr(payments, "tell_household", fail_once)
    with pytest.raises(RuntimeError):
        deliver(app, completed)  # rolled back: Stripe will send it again
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    assert deliver(app, completed).get_json()["outcome"] == "applied"
    refund = db.session.scalars(select(Refund)).one()
    assert refund.status == RefundStatus.SUCCEEDED and refund.automatic
    assert len(sandbox_state(stripe_sandbox.app).refunds) == 1  # the second ask was the first one replayed
    assert set(deliver_pending(app, stripe_sandbox)) == {"refunds changed: 0"}
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1
    assert db.session.get(Payment, online.id).refunded_fen == 22375
