"""Paying bills online: Checkout through the local Stripe sandbox, fulfilment by the signed webhook only."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from domain.billing.models import Bill
from domain.payments.models import Payment, PaymentStatus, Receipt, WebhookEvent
from extensions import db
from sandbox.stripe_app import build_event, pay, pending_events, sandbox_state, settle, signed
from tests import builders

WEBHOOK = "/payments/stripe/webhook"


@pytest.fixture
def household(prop):
    """A unit, its owner and two unpaid bills."""
    return builders.create_household_with_bills(prop)


@pytest.fixture
def signed_in(client, auth, household):
    """The household's resident, signed in."""
    auth.login_resident(household[1].user)
    return client


def start_paying(client, bills):
    """Tick `bills` and press pay; returns the Payment and the sandbox session id."""
    response = client.post("/portal/bills/pay", data={"bill_ids": [b.id for b in bills]})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    payment = db.session.scalars(select(Payment).order_by(Payment.id.desc())).first()
    assert response.headers["Location"] == payment.checkout_url
    return payment, payment.provider_session_id


def post_event(client, event, secret, timestamp=None):
    """Deliver an event to the webhook, signed like Stripe (or with a stale timestamp)."""
    body = json.dumps(event).encode()
    return client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, secret, timestamp=timestamp)},
    )


def completed_event(server, session_id):
    """Pay in the sandbox and return the checkout.session.completed event it would send."""
    pay(server.app, session_id)
    return pending_events(server.app)[-1]


def counts():
    """(succeeded payments, receipts)."""
    return (
        db.session.scalar(select(func.count()).select_from(Payment).where(Payment.status == PaymentStatus.SUCCEEDED)),
        db.session.scalar(select(func.count()).select_from(Receipt)),
    )


def test_pay_opens_checkout_for_what_the_bills_owe(signed_in, household, stripe_sandbox):
    payment, session_id = start_paying(signed_in, household[2])
    assert payment.amount_fen == 22375 + 30050 and payment.status == PaymentStatus.PENDING
    sent = [r for r in sandbox_state(stripe_sandbox.app).requests if r["path"] == "/v1/checkout/sessions"][-1]
    params = sent["params"]
    assert sent["idempotency_key"] == payment.idempotency_key
    assert sorted(int(item["price_data"]["unit_amount"]) for item in params["line_items"]) == [22375, 30050]
    assert {item["price_data"]["currency"] for item in params["line_items"]} == {"cny"}
    assert params["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert params["payment_method_options"]["wechat_pay"]["client"] == "web"
    assert params["client_reference_id"] == str(payment.id)
    assert db.session.get(Bill, household[2][0].id).paid_fen == 0  # nothing is paid before the webhook


def test_amount_in_the_form_is_ignored(signed_in, household, stripe_sandbox):
    signed_in.post("/portal/bills/pay", data={"bill_ids": [household[2][0].id], "amount": "1", "amount_fen": "1"})
    assert db.session.scalar(select(Payment.amount_fen)) == 22375


def test_double_click_opens_one_session(signed_in, household, stripe_sandbox):
    first, session_id = start_paying(signed_in, household[2])
    second = signed_in.post("/portal/bills/pay", data={"bill_ids": [b.id for b in household[2]]})
    assert second.headers["Location"] == first.checkout_url
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    assert len(sandbox_state(stripe_sandbox.app).sessions) == 1


def test_same_completed_event_ten_times_pays_once(signed_in, client, household, stripe_sandbox, app):
    payment, session_id = start_paying(signed_in, household[2])
    event = completed_event(stripe_sandbox, session_id)
    outcomes = [post_event(client, event, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]) for _ in range(10)]
    assert {r.status_code for r in outcomes} == {200}
    assert [r.get_json()["outcome"] for r in outcomes].count("applied") == 1
    assert counts() == (1, 1)
    assert [db.session.get(Bill, b.id).outstanding_fen for b in household[2]] == [0, 0]


def test_same_completed_event_twenty_times_concurrently_pays_once(signed_in, household, stripe_sandbox, app):
    payment, session_id = start_paying(signed_in, household[2])
    event = completed_event(stripe_sandbox, session_id)
    body = json.dumps(event).encode()
    header = signed(body, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])

    def deliver(_):
        return (
            app.test_client()
            .post(WEBHOOK, data=body, content_type="application/json", headers={"Stripe-Signature": header})
            .status_code
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(deliver, range(20)))
    assert statuses == [200] * 20
    db.session.expire_all()
    assert counts() == (1, 1)
    assert db.session.scalar(select(func.sum(Bill.paid_fen))) == 22375 + 30050
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 1


def test_success_page_before_the_webhook_shows_pending_then_updates(signed_in, client, household, stripe_sandbox, app):
    payment, session_id = start_paying(signed_in, household[2])
    event = completed_event(stripe_sandbox, session_id)
    # The browser comes back before the webhook: the page shows the truth (not yet paid) and polls.
    page = signed_in.get(f"/portal/payments/{payment.id}?session_id={session_id}").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page
    assert db.session.get(Payment, payment.id).status == PaymentStatus.PENDING
    post_event(client, event, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    fragment = signed_in.get(f"/portal/payments/{payment.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "every 2s" not in fragment
    assert db.session.scalars(select(Receipt)).one().number in fragment


def test_forged_success_url_changes_nothing(signed_in, household, stripe_sandbox):
    payment, session_id = start_paying(signed_in, household[2])
    response = signed_in.get(f"/portal/payments/{payment.id}?session_id={session_id}&status=paid&payment_status=paid")
    assert response.status_code == 200
    assert db.session.get(Payment, payment.id).status == PaymentStatus.PENDING
    assert counts() == (0, 0) and db.session.scalar(select(func.sum(Bill.paid_fen))) == 0


@pytest.mark.parametrize(
    "field, value", [("amount_total", 100), ("currency", "usd"), ("metadata", {"payment_id": "999"})]
)
def test_session_whose_record_does_not_match_the_payment_is_not_applied(
    signed_in, client, household, stripe_sandbox, app, field, value
):
    payment, session_id = start_paying(signed_in, household[2])
    event = completed_event(stripe_sandbox, session_id)
    sandbox_state(stripe_sandbox.app).sessions[session_id][field] = value  # what Stripe itself records
    response = post_event(client, event, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    assert response.status_code == 200 and response.get_json()["outcome"].startswith("rejected")
    assert db.session.get(Payment, payment.id).status == PaymentStatus.PENDING and counts() == (0, 0)


@pytest.mark.parametrize("field, value", [("amount_total", 100), ("currency", "usd"), ("payment_status", "unpaid")])
def test_what_the_event_body_says_is_checked_against_stripes_record(
    signed_in, client, household, stripe_sandbox, app, field, value
):
    payment, session_id = start_paying(signed_in, household[2])
    event = completed_event(stripe_sandbox, session_id)
    event["data"]["object"][field] = value
    assert post_event(client, event, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]).get_json()["outcome"] == "applied"
    payment = db.session.get(Payment, payment.id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_fen == 22375 + 30050 and counts() == (1, 1)
    retrieved = [r for r in sandbox_state(stripe_sandbox.app).requests if r["method"] == "GET"]
    assert [r["path"] for r in retrieved] == [f"/v1/checkout/sessions/{session_id}"]  # one call, the method included
    assert retrieved[0]["params"] == {"expand": ["payment_intent.latest_charge"]}


def test_a_signed_event_for_a_session_nobody_paid_changes_nothing(signed_in, client, household, stripe_sandbox, app):
    payment, session_id = start_paying(signed_in, household[2])
    session = sandbox_state(stripe_sandbox.app).sessions[session_id]
    forged = build_event(
        stripe_sandbox.app,
        "checkout.session.completed",
        {**session, "status": "complete", "payment_status": "paid", "payment_intent": "pi_forged"},
    )
    response = post_event(client, forged, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    assert response.status_code == 200 and response.get_json()["outcome"].startswith("ignored")
    assert db.session.get(Payment, payment.id).status == PaymentStatus.PENDING and counts() == (0, 0)
    assert db.session.scalar(select(func.sum(Bill.paid_fen))) == 0


def test_webhook_answers_503_and_applies_nothing_while_stripes_record_cannot_be_read(
    signed_in, household, stripe_sandbox, app
):
    from domain.payments.providers import StripeProvider
    from sandbox.stripe_app import SandboxHTTPClient

    payment, session_id = start_paying(signed_in, household[2])
    event = completed_event(stripe_sandbox, session_id)
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    reachable = app.extensions["payment_provider"]
    app.extensions["payment_provider"] = StripeProvider(
        api_key="sk_test_x",
        webhook_secret=secret,
        name="sandbox",
        api_base="http://127.0.0.1:9",
        http_client=SandboxHTTPClient(timeout=2),
    )
    try:
        response = post_event(app.test_client(), event, secret)
    finally:
        app.extensions["payment_provider"] = reachable
    assert response.status_code == 503 and counts() == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0  # Stripe sends it again: applied then
    assert post_event(app.test_client(), event, secret).get_json()["outcome"] == "applied"


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"evt"',
        b"null",
        b"{}",
        b'{"id": 5, "type": "checkout.session.completed", "data": {"object": {}}}',
        b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": "cs_1"}}',
        b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"id": 7}}}',
        b'{"id": "evt_1", "type": ["x"], "data": {"object": {}}}',
        b'{"id": "evt_1", "type": "refund.created", "data": []}',
        b"{not json",
    ],
)
def test_a_malformed_but_correctly_signed_body_gets_400(client, stripe_sandbox, app, body):
    response = client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_a_signed_refund_event_with_odd_fields_is_ignored_not_an_error(client, stripe_sandbox, app):
    event = {"id": "evt_odd", "type": "refund.updated", "data": {"object": {"id": "re_1", "payment_intent": 12}}}
    assert (
        post_event(client, event, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]).get_json()["outcome"]
        == "ignored: no payment"
    )


@pytest.mark.parametrize("method, label", [("wechat_pay", "微信支付"), ("alipay", "支付宝"), ("card", "银行卡")])
def test_the_method_that_paid_is_recorded_and_shown_with_the_property_as_payee(
    signed_in, client, household, stripe_sandbox, app, prop, method, label
):
    from domain.payments.models import Method
    from web.receipts import receipt_view

    payment, session_id = start_paying(signed_in, household[2])
    pay(stripe_sandbox.app, session_id, method)
    post_event(client, pending_events(stripe_sandbox.app)[-1], app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    payment = db.session.get(Payment, payment.id)
    assert payment.method == Method(method)
    status = signed_in.get(f"/portal/payments/{payment.id}").get_data(as_text=True)
    history = signed_in.get("/portal/bills").get_data(as_text=True)
    assert label in status and "在线支付" not in status
    assert label in history and "在线支付" not in history
    view = receipt_view(payment)
    assert (view.method_label, view.cashier) == (label, prop.name)


def test_unsigned_wrongly_signed_or_stale_webhooks_change_nothing(signed_in, client, household, stripe_sandbox, app):
    payment, session_id = start_paying(signed_in, household[2])
    event = completed_event(stripe_sandbox, session_id)
    body = json.dumps(event).encode()
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    unsigned = client.post(WEBHOOK, data=body, content_type="application/json")
    wrong = client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, "whsec_someone_else")},
    )
    stale = post_event(client, event, secret, timestamp=int(time.time()) - 400)
    altered = client.post(
        WEBHOOK,
        data=body.replace(b'"paid"', b'"paid" '),
        content_type="application/json",
        headers={"Stripe-Signature": signed(body, secret)},
    )
    assert [r.status_code for r in (unsigned, wrong, stale, altered)] == [400, 400, 400, 400]
    assert counts() == (0, 0) and db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_async_payment_settles_later(signed_in, client, household, stripe_sandbox, app):
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    payment, session_id = start_paying(signed_in, household[2])
    pay(stripe_sandbox.app, session_id, "alipay", later=True)
    settle(stripe_sandbox.app, session_id, succeeded=True)
    completed, succeeded = pending_events(stripe_sandbox.app)[-2:]
    # Out of order: the settlement arrives before the completion.
    assert post_event(client, succeeded, secret).get_json()["outcome"] == "applied"
    assert post_event(client, completed, secret).get_json()["outcome"].startswith("ignored")
    payment = db.session.get(Payment, payment.id)
    assert payment.status == PaymentStatus.SUCCEEDED and counts() == (1, 1)


def test_async_payment_failure_leaves_the_bill_unpaid(signed_in, client, household, stripe_sandbox, app):
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    payment, session_id = start_paying(signed_in, household[2])
    pay(stripe_sandbox.app, session_id, "wechat_pay", later=True)
    settle(stripe_sandbox.app, session_id, succeeded=False)
    for event in pending_events(stripe_sandbox.app):
        post_event(client, event, secret)
    assert db.session.get(Payment, payment.id).status == PaymentStatus.FAILED
    assert db.session.scalar(select(func.sum(Bill.paid_fen))) == 0
    # The resident can try again: a new attempt, a new session.
    again, _ = start_paying(signed_in, household[2])
    assert again.id != payment.id and again.idempotency_key != payment.idempotency_key


def test_expired_session_marks_the_attempt_expired(signed_in, client, household, stripe_sandbox, app):
    payment, session_id = start_paying(signed_in, household[2])
    app.extensions["payment_provider"].client.v1.checkout.sessions.expire(session_id)  # as Stripe does after 24 h
    expired = pending_events(stripe_sandbox.app)[-1]
    assert expired["type"] == "checkout.session.expired"
    assert post_event(client, expired, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]).get_json()["outcome"] == "expired"
    assert db.session.get(Payment, payment.id).status == PaymentStatus.EXPIRED


def test_a_payment_that_settles_later_can_be_settled_from_the_sandbox_page(
    signed_in, client, household, stripe_sandbox, app
):
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    payment, session_id = start_paying(signed_in, household[2])
    pay(stripe_sandbox.app, session_id, "alipay", later=True)
    post_event(client, pending_events(stripe_sandbox.app)[-1], secret)
    status = signed_in.get(f"/portal/payments/{payment.id}").get_data(as_text=True)
    assert f'href="{payment.checkout_url}"' in status and "沙盒" in status
    sandbox_page = stripe_sandbox.app.test_client()
    assert 'value="settle_succeeded"' in sandbox_page.get(f"/pay/{session_id}").get_data(as_text=True)
    sandbox_page.post(f"/pay/{session_id}", data={"action": "settle_succeeded"})
    assert post_event(client, pending_events(stripe_sandbox.app)[-1], secret).get_json()["outcome"] == "applied"
    payment = db.session.get(Payment, payment.id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.method.value == "alipay"


def test_bills_page_drops_the_arrears_notice_once_everything_is_paid(
    signed_in, client, household, stripe_sandbox, app, clock
):
    from domain.accounts.models import Actor
    from domain.clock import today
    from domain.payments.collection import send_reminders

    unit, resident, bills = household
    actor = Actor.for_user(builders.create_staff("finance"), "127.0.0.1")
    assert send_reminders(actor, property_id=unit.building.property_id, today=today(), property_name="小区") == 1
    db.session.commit()
    assert "催缴通知" in signed_in.get("/portal/bills").get_data(as_text=True)
    payment, session_id = start_paying(signed_in, bills)
    post_event(client, completed_event(stripe_sandbox, session_id), app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    html = signed_in.get("/portal/bills").get_data(as_text=True)
    assert "催缴通知" not in html and "Payment reminder" not in html
    # A bill issued after the reminder does not bring the old notice back.
    clock.advance(days=1)
    builders.create_bill(unit, total_fen=100, period=date(2026, 11, 1), due_date=date(2026, 11, 30))
    assert "催缴通知" not in signed_in.get("/portal/bills").get_data(as_text=True)


def test_neighbour_cannot_see_or_pay_anothers_bills(client, auth, prop, household, stripe_sandbox):
    neighbour = builders.create_resident(prop, unit=builders.create_unit())
    auth.login_resident(neighbour.user)
    assert client.get(f"/portal/bills/{household[2][0].id}").status_code == 404
    response = client.post("/portal/bills/pay", data={"bill_ids": [household[2][0].id]})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert "223.75" not in client.get("/portal/bills").get_data(as_text=True)


def test_neighbour_cannot_see_anothers_payment_or_receipt(client, auth, prop, household, stripe_sandbox, app):
    owner = app.test_client()
    auth_owner = type(auth)(owner)
    auth_owner.login_resident(household[1].user)
    payment, session_id = start_paying(owner, household[2])
    post_event(owner, completed_event(stripe_sandbox, session_id), app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    assert owner.get(f"/portal/payments/{payment.id}/receipt.pdf").status_code == 200
    neighbour = builders.create_resident(prop, unit=builders.create_unit())
    auth.login_resident(neighbour.user)
    assert client.get(f"/portal/payments/{payment.id}").status_code == 404
    assert client.get(f"/portal/payments/{payment.id}/receipt.pdf").status_code == 404


def test_receipt_pdf_names_the_receipt(signed_in, client, household, stripe_sandbox, app):
    payment, session_id = start_paying(signed_in, household[2])
    post_event(client, completed_event(stripe_sandbox, session_id), app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    response = signed_in.get(f"/portal/payments/{payment.id}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    number = db.session.scalars(select(Receipt)).one().number
    assert number in response.headers["Content-Disposition"] and response.data.startswith(b"%PDF")


def test_provider_unreachable_leaves_the_bill_unchanged(signed_in, household, app):
    from domain.payments.providers import StripeProvider
    from sandbox.stripe_app import SandboxHTTPClient

    app.extensions["payment_provider"] = StripeProvider(
        api_key="sk_test_x",
        webhook_secret="whsec_x",
        name="sandbox",
        api_base="http://127.0.0.1:9",
        http_client=SandboxHTTPClient(timeout=2),
    )
    try:
        response = signed_in.post(
            "/portal/bills/pay", data={"bill_ids": [b.id for b in household[2]]}, follow_redirects=True
        )
    finally:
        app.extensions.pop("payment_provider", None)
    assert response.status_code == 200
    assert "账单未变" in response.get_data(as_text=True) or "unchanged" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert signed_in.get("/portal/").status_code == 200


def test_bills_page_lists_unpaid_first_with_due_dates(signed_in, household, stripe_sandbox):
    paid = builders.create_bill(
        household[0], total_fen=10000, period=date(2026, 8, 1), due_date=date(2026, 8, 31), paid_fen=10000
    )
    html = signed_in.get("/portal/bills").get_data(as_text=True)
    assert html.index("2026-09") < html.index("2026-10") < html.index("2026-08")
    assert 'value="%d"' % paid.id not in html  # noqa: UP031  # a paid bill has no pay checkbox
    assert "沙盒" in html  # the sandbox is labelled


def test_webhook_without_a_configured_provider_answers_503(client):
    response = client.post(
        WEBHOOK, data=b"{}", content_type="application/json", headers={"Stripe-Signature": "t=1,v1=x"}
    )
    assert response.status_code == 503


def test_without_a_provider_residents_are_sent_to_the_desk(signed_in, household):
    html = signed_in.get("/portal/bills").get_data(as_text=True)
    assert 'name="bill_ids"' not in html and "pay-bar" not in html
    assert "暂不支持在线支付" in html
    response = signed_in.post("/portal/bills/pay", data={"bill_ids": [household[2][0].id]}, follow_redirects=True)
    assert response.status_code == 200 and db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_sandbox_is_mounted_for_the_demo_but_never_in_production(tmp_path):
    from app import create_app
    from config import DevConfig, ProdConfig

    class Demo(DevConfig):
        DEVELOPMENT = True  # as under `make run` (APP_ENV=development)
        PAYMENT_SANDBOX = True
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/demo.sqlite3"
        STRIPE_SANDBOX_URL = "http://127.0.0.1:5000/sandbox/stripe"
        STRIPE_SECRET_KEY = None

    class Production(ProdConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/prod.sqlite3"
        SECRET_KEY = "a-long-random-production-secret-for-this-test"
        ID_NUMBER_KEY = "x" * 43 + "="
        STRIPE_SANDBOX_URL = "http://127.0.0.1:5000/sandbox/stripe"
        STRIPE_SECRET_KEY = None
        PAYMENT_SANDBOX = True  # asked for, and still refused in production

    demo = create_app(Demo).test_client().get("/sandbox/stripe/pay/cs_test_unknown")
    assert demo.status_code == 404 and "沙盒" in demo.get_data(as_text=True)
    production = create_app(Production)
    assert production.test_client().get("/sandbox/stripe/pay/cs_test_unknown").status_code == 404
    with production.app_context():
        from domain.payments.providers import get_provider

        assert get_provider() is None


def test_a_signed_session_event_without_an_id_is_ignored(client, stripe_sandbox, app, prop):
    unit = builders.create_unit()
    builders.create_bill(unit)  # desk payments have no session id: none of them is taken for this one
    event = {
        "id": "evt_no_session",
        "type": "checkout.session.completed",
        "data": {"object": {"payment_status": "paid"}},
    }
    response = post_event(client, event, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored: unknown session"


def test_a_repeated_event_costs_no_call_to_stripe(signed_in, client, household, stripe_sandbox, app):
    payment, session_id = start_paying(signed_in, household[2])
    event = completed_event(stripe_sandbox, session_id)
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    assert post_event(client, event, secret).get_json()["outcome"] == "applied"
    calls = len(sandbox_state(stripe_sandbox.app).requests)
    assert post_event(client, event, secret).get_json()["outcome"] == "duplicate"
    assert len(sandbox_state(stripe_sandbox.app).requests) == calls
