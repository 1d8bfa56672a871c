"""The local Stripe sandbox, exercised through the real Stripe SDK over HTTP."""

import json
import time
import urllib.request

import pytest
import stripe
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from sandbox.stripe_app import (
    SandboxError,
    build_event,
    create_sandbox_app,
    deliver,
    parse_form,
    pay,
    pending_events,
    refund_in_dashboard,
    sandbox_client,
    sandbox_state,
    settle,
    settle_refund,
    signed,
    start_sandbox,
)

SECRET = "whsec_test_secret"


def session_params(**overrides):
    """A valid Checkout Session request: CNY, two lines, card + Alipay + WeChat Pay."""
    params = {
        "mode": "payment",
        "success_url": "http://127.0.0.1:5000/pay/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:5000/pay/cancelled",
        "client_reference_id": "resident-7",
        "metadata": {"bill_ids": "1,2", "resident_id": "7"},
        "payment_method_types": ["card", "alipay", "wechat_pay"],
        "payment_method_options": {"wechat_pay": {"client": "web"}},
        "line_items": [
            {
                "price_data": {"currency": "cny", "unit_amount": 120000, "product_data": {"name": "房租 Rent 2025-03"}},
                "quantity": 1,
            },
            {
                "price_data": {"currency": "cny", "unit_amount": 2250, "product_data": {"name": "水费 Water"}},
                "quantity": 2,
            },
        ],
    }
    params.update(overrides)
    return params


def paid_session(client, sandbox, **overrides):
    """A session paid by card on the hosted page."""
    session = client.v1.checkout.sessions.create(params=session_params(**overrides))
    pay(sandbox.app, session.id, "card")
    return client.v1.checkout.sessions.retrieve(session.id)


def fetch(url):
    """GET a page over HTTP; returns (status, text)."""
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_bracket_notation_becomes_nested_dicts_and_lists():
    """Indexed keys become lists, named keys dicts, `a[]` appends."""
    parsed = parse_form(
        [
            ("line_items[0][price_data][unit_amount]", "100"),
            ("line_items[0][quantity]", "1"),
            ("line_items[1][quantity]", "2"),
            ("metadata[bill_ids]", "1,2"),
            ("payment_method_types[]", "card"),
            ("payment_method_types[]", "alipay"),
            ("payment_method_options[wechat_pay][client]", "web"),
        ]
    )
    assert parsed == {
        "line_items": [{"price_data": {"unit_amount": "100"}, "quantity": "1"}, {"quantity": "2"}],
        "metadata": {"bill_ids": "1,2"},
        "payment_method_types": ["card", "alipay"],
        "payment_method_options": {"wechat_pay": {"client": "web"}},
    }


def test_create_session_returns_stripe_shaped_session_and_records_the_request(client, sandbox):
    """Fields, totals and the hosted page URL; the request params arrive nested."""
    before = int(time.time())
    session = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "bill-1-2"})

    assert isinstance(session, stripe.checkout.Session)
    assert session.id.startswith("cs_test_") and len(session.id) == len("cs_test_") + 24
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert session.amount_total == session.amount_subtotal == 120000 + 2 * 2250
    assert session.currency == "cny"
    assert session.client_reference_id == "resident-7"
    assert session.metadata.to_dict() == {"bill_ids": "1,2", "resident_id": "7"}
    assert session.payment_method_types == ["card", "alipay", "wechat_pay"]
    assert session.payment_intent is None and session.livemode is False
    assert session.url == f"{sandbox.url}/pay/{session.id}"
    assert session.expires_at - session.created == 24 * 3600 and session.created >= before
    assert "line_items" not in session

    request = sandbox.state.requests[-1]
    assert (request["method"], request["path"], request["idempotency_key"]) == (
        "POST",
        "/v1/checkout/sessions",
        "bill-1-2",
    )
    assert request["params"]["payment_method_options"] == {"wechat_pay": {"client": "web"}}
    assert request["params"]["line_items"][1] == {
        "price_data": {"currency": "cny", "unit_amount": "2250", "product_data": {"name": "水费 Water"}},
        "quantity": "2",
    }
    assert request["params"]["metadata"] == {"bill_ids": "1,2", "resident_id": "7"}
    assert "_line_items" not in json.dumps(session.to_dict())


def test_same_idempotency_key_replays_the_first_session(client, sandbox):
    """Same key and params: the stored response, no second session."""
    first = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k-1"})
    again = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k-1"})
    assert again.id == first.id
    assert again.last_response.headers.get("idempotent-replayed") == "true"
    assert list(sandbox.state.sessions) == [first.id]


def test_same_idempotency_key_with_other_params_is_refused(client, sandbox):
    """Reusing a key for a different request raises the SDK's IdempotencyError."""
    client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "k-2"})
    with pytest.raises(stripe.IdempotencyError) as raised:
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="someone-else"), options={"idempotency_key": "k-2"}
        )
    assert raised.value.http_status == 400
    assert len(sandbox.state.sessions) == 1


@pytest.mark.parametrize("api_key", ["", "sk_" + "live_abcdefghijklmnop", "pk_test_abcdefghijklmnop", "sk_test_"])
def test_missing_or_wrong_key_is_an_authentication_error(sandbox, api_key):
    """Only test-mode secret keys get in."""
    with pytest.raises(stripe.AuthenticationError) as raised:
        sandbox_client(sandbox.url, api_key=api_key).v1.checkout.sessions.create(params=session_params())
    assert raised.value.http_status == 401
    assert raised.value.json_body["error"]["type"] == "invalid_request_error"
    assert sandbox.state.sessions == {}


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"mode": "subscription"}, "mode"),
        ({"success_url": None}, "success_url"),
        ({"cancel_url": "not a url"}, "cancel_url"),
        ({"line_items": None}, "line_items"),
        (
            {
                "line_items": [
                    {"price_data": {"currency": "cny", "unit_amount": 0, "product_data": {"name": "x"}}, "quantity": 1}
                ]
            },
            "line_items[0][price_data][unit_amount]",
        ),
        (
            {"line_items": [{"price_data": {"currency": "cny", "unit_amount": 100, "product_data": {"name": "x"}}}]},
            "line_items[0][quantity]",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {"currency": "cny", "unit_amount": 100, "product_data": {"description": "x"}},
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][product_data][name]",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {"currency": "cny", "unit_amount": 100, "product_data": {"name": "a"}},
                        "quantity": 1,
                    },
                    {
                        "price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "b"}},
                        "quantity": 1,
                    },
                ]
            },
            "line_items[1][price_data][currency]",
        ),
        ({"payment_method_types": ["card", "paypal"]}, "payment_method_types[1]"),
        ({"payment_method_options": {}}, "payment_method_options[wechat_pay][client]"),
        ({"expires_at": int(time.time()) + 60}, "expires_at"),
        ({"shipping_options": [{"shipping_rate": "shr_1"}]}, "shipping_options"),
    ],
)
def test_invalid_params_are_invalid_request_errors(client, sandbox, overrides, param):
    """Validation errors name the parameter, as Stripe's do."""
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params=session_params(**overrides))
    assert raised.value.http_status == 400
    assert raised.value.param == param
    assert sandbox.state.sessions == {}


def test_retrieve_and_expire(client, sandbox):
    """Retrieve returns the session; expire works once and queues checkout.session.expired."""
    created = client.v1.checkout.sessions.create(params=session_params())
    assert client.v1.checkout.sessions.retrieve(created.id).status == "open"

    expired = client.v1.checkout.sessions.expire(created.id)
    assert expired.status == "expired"
    assert [e["type"] for e in pending_events(sandbox.app)] == ["checkout.session.expired"]
    assert pending_events(sandbox.app)[0]["data"]["object"]["status"] == "expired"

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(created.id)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert (raised.value.http_status, raised.value.code) == (404, "resource_missing")


def test_session_past_its_expiry_time_expires_on_next_look(client, sandbox):
    """Stripe expires sessions on time; the sandbox does it when the session is next read."""
    created = client.v1.checkout.sessions.create(params=session_params())
    sandbox.state.sessions[created.id]["expires_at"] = int(time.time()) - 1
    assert client.v1.checkout.sessions.retrieve(created.id).status == "expired"
    assert [e["type"] for e in pending_events(sandbox.app)] == ["checkout.session.expired"]


def test_hosted_page_shows_sandbox_label_amount_items_and_methods(client, sandbox):
    """The page says it is a sandbox, shows ¥ amounts, the lines and the offered methods."""
    session = client.v1.checkout.sessions.create(params=session_params())
    status, page = fetch(session.url)
    assert status == 200
    assert "Stripe 测试沙盒 · Stripe test sandbox — no real money moves / 不会产生真实扣款" in page
    assert "¥1,245.00" in page and "¥45.00" in page
    assert "房租 Rent 2025-03" in page and "水费 Water" in page
    for label in ("银行卡 Card", "支付宝 Alipay", "微信支付 WeChat Pay"):
        assert label in page
    for button in ("支付 Pay", "支付，稍后到账 Pay, settles later", "取消 Cancel"):
        assert button in page
    assert "<script" not in page


def test_paying_completes_the_session_and_redirects_to_success_url(client, sandbox):
    """POST pay: complete and paid, one completed event queued, 303 to the success URL with the id."""
    session = client.v1.checkout.sessions.create(params=session_params())
    response = sandbox.app.test_client().post(f"/pay/{session.id}", data={"action": "pay", "method": "alipay"})

    assert response.status_code == 303
    assert response.location == f"http://127.0.0.1:5000/pay/done?session_id={session.id}"
    stored = sandbox.state.sessions[session.id]
    assert stored["_paid_with"] == "alipay"
    assert stored["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.startswith("pi_")

    events = pending_events(sandbox.app)
    assert [e["type"] for e in events] == ["checkout.session.completed"]
    event = events[0]
    assert event["id"].startswith("evt_") and event["object"] == "event" and event["livemode"] is False
    assert event["api_version"] == stripe.api_version  # the shapes of the SDK in use, not of an old API
    assert event["data"]["object"]["payment_intent"] == paid.payment_intent
    assert "_paid_with" not in event["data"]["object"]

    page = sandbox.app.test_client().get(f"/pay/{session.id}").get_data(as_text=True)
    assert "already paid" in page and "支付 Pay</button>" not in page


def test_cancel_redirects_and_expired_page_has_no_buttons(client, sandbox):
    """Cancel goes to cancel_url and leaves the session open; an expired one shows a message."""
    session = client.v1.checkout.sessions.create(params=session_params())
    web = sandbox.app.test_client()
    response = web.post(f"/pay/{session.id}", data={"action": "cancel"})
    assert (response.status_code, response.location) == (303, "http://127.0.0.1:5000/pay/cancelled")
    assert sandbox.state.sessions[session.id]["status"] == "open"

    client.v1.checkout.sessions.expire(session.id)
    page = web.get(f"/pay/{session.id}").get_data(as_text=True)
    assert "has expired" in page and "支付 Pay</button>" not in page
    refused = web.post(f"/pay/{session.id}", data={"action": "pay", "method": "card"})
    assert refused.status_code == 409
    assert web.get("/pay/cs_test_unknown").status_code == 404


def test_method_not_offered_is_refused(client, sandbox):
    """Only the session's payment methods can be used."""
    session = client.v1.checkout.sessions.create(
        params=session_params(
            payment_method_types=["card"],
            payment_method_options=None,
        )
    )
    response = sandbox.app.test_client().post(f"/pay/{session.id}", data={"action": "pay", "method": "alipay"})
    assert response.status_code == 400
    assert sandbox.state.sessions[session.id]["status"] == "open"


@pytest.mark.parametrize(
    ("outcome", "event_type", "payment_status"),
    [
        ("succeeded", "checkout.session.async_payment_succeeded", "paid"),
        ("failed", "checkout.session.async_payment_failed", "unpaid"),
    ],
)
def test_pay_later_then_settle(client, sandbox, outcome, event_type, payment_status):
    """pay_async completes unpaid; settling sends the matching async_payment_* event."""
    session = client.v1.checkout.sessions.create(params=session_params())
    web = sandbox.app.test_client()
    response = web.post(f"/pay/{session.id}", data={"action": "pay_async", "method": "wechat_pay"})
    assert response.status_code == 303
    waiting = client.v1.checkout.sessions.retrieve(session.id)
    assert (waiting.status, waiting.payment_status) == ("complete", "unpaid")

    settled = web.post(f"/sandbox/sessions/{session.id}/settle", data={"outcome": outcome})
    assert settled.status_code == 200
    assert [e["type"] for e in pending_events(sandbox.app)] == ["checkout.session.completed", event_type]
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == payment_status
    assert web.post(f"/sandbox/sessions/{session.id}/settle", data={"outcome": outcome}).status_code == 400


def test_settle_helper_and_refunds_wait_for_the_money(client, sandbox):
    """Nothing can be refunded before an async payment settles; settle() makes it refundable."""
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(sandbox.app, session.id, "alipay", later=True)
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": intent})
    event = settle(sandbox.app, session.id)
    assert event["type"] == "checkout.session.async_payment_succeeded"
    assert client.v1.refunds.create(params={"payment_intent": intent}).amount == 124500


def test_sync_delivery_posts_a_body_the_sdk_verifies(receiver):
    """Sync mode delivers before the redirect; the signature verifies; a stale one does not."""
    with start_sandbox(webhook_url=receiver.url, webhook_secret=SECRET) as server:
        client = sandbox_client(server.url)
        session = client.v1.checkout.sessions.create(params=session_params())
        response = server.app.test_client().post(f"/pay/{session.id}", data={"action": "pay", "method": "card"})
        assert response.status_code == 303
        assert len(receiver.received) == 1  # delivered before the redirect was answered

        body = receiver.received[0]["body"]
        headers = receiver.received[0]["headers"]
        assert headers["Content-Type"] == "application/json"
        event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], SECRET)
        assert event.type == "checkout.session.completed"
        assert event.data.object.id == session.id
        assert event.data.object.payment_status == "paid"
        assert server.state.deliveries == [(event.id, 200)]
        assert pending_events(server.app) == []

        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, signed(body, "whsec_other"), SECRET)
        stale = signed(body, SECRET, timestamp=int(time.time()) - 400)
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, stale, SECRET)


def test_manual_delivery_keeps_failed_events_pending_until_delivered(sandbox, client, receiver, serve):
    """A failed delivery is recorded and stays pending; redelivering it anywhere, any time, works."""
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(sandbox.app, session.id, "card")
    [event] = pending_events(sandbox.app)

    receiver.status = 500
    assert deliver(sandbox.app, event, url=receiver.url) == 500
    assert pending_events(sandbox.app) == [event]
    receiver.status = 200
    assert deliver(sandbox.app, event, url=receiver.url) == 200
    assert deliver(sandbox.app, event, url=receiver.url) == 200  # duplicates are the receiver's problem
    assert pending_events(sandbox.app) == []
    assert sandbox.state.deliveries == [(event["id"], 500), (event["id"], 200), (event["id"], 200)]
    assert len({r["body"] for r in receiver.received}) == 1

    unreachable = deliver(sandbox.app, build_event(sandbox.app, "ping", {"id": "x"}), url="http://127.0.0.1:9/")
    assert isinstance(unreachable, str) and unreachable.startswith("error")
    with pytest.raises(ValueError):
        deliver(sandbox.app, event)  # no webhook_url configured and none given


def test_refunds_partial_then_rest_with_cumulative_charge_events(client, sandbox):
    """Partial refund, then the rest; over-refunds refused; refund.created for each, and charge.refunded carries
    the running total but, as since API 2022-11-15, no list of refunds."""
    session = paid_session(client, sandbox)
    intent = session.payment_intent

    first = client.v1.refunds.create(
        params={
            "payment_intent": intent,
            "amount": 4500,
            "reason": "requested_by_customer",
            "metadata": {"bill_id": "2"},
        }
    )
    assert (first.object, first.amount, first.currency, first.status) == ("refund", 4500, "cny", "succeeded")
    assert first.id.startswith("re_") and first.payment_intent == intent
    assert first.metadata.to_dict() == {"bill_id": "2"}
    assert client.v1.refunds.retrieve(first.id).amount == 4500

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": intent, "amount": 120001})
    assert raised.value.param == "amount"
    for bad in ({"payment_intent": intent, "amount": 0}, {"payment_intent": "pi_unknown"}, {}):
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.refunds.create(params=bad)

    rest = client.v1.refunds.create(params={"payment_intent": intent})
    assert rest.amount == 120000
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": intent})

    events = pending_events(sandbox.app)
    assert [e["type"] for e in events if e["type"] != "checkout.session.completed"] == [
        "refund.created",
        "charge.refunded",
        "refund.created",
        "charge.refunded",
    ]
    assert [e["data"]["object"]["id"] for e in events if e["type"] == "refund.created"] == [first.id, rest.id]
    charges = [e["data"]["object"] for e in events if e["type"] == "charge.refunded"]
    assert [(c["amount_refunded"], c["refunded"]) for c in charges] == [(4500, False), (124500, True)]
    last = charges[-1]
    assert last["object"] == "charge" and last["id"].startswith("ch_")
    assert (last["amount"], last["currency"], last["payment_intent"]) == (124500, "cny", intent)
    assert last["metadata"] == {"bill_ids": "1,2", "resident_id": "7"}
    assert "refunds" not in last  # today's API: the refunds are read through /v1/refunds
    listed = client.v1.refunds.list(params={"payment_intent": intent})
    assert [r.id for r in listed.data] == [rest.id, first.id]  # newest first


def test_wallet_refunds_stay_pending_until_the_wallet_settles_them(client, sandbox):
    """Alipay / WeChat Pay refunds are pending; settle_refund() sends refund.updated, or refund.failed and the
    money is refundable again."""
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(sandbox.app, session.id, "wechat_pay")
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    first = client.v1.refunds.create(params={"payment_intent": intent, "amount": 1000})
    second = client.v1.refunds.create(params={"payment_intent": intent, "amount": 2000})
    assert (first.status, second.status) == ("pending", "pending")
    assert settle_refund(sandbox.app, first.id)["type"] == "refund.updated"
    failed = settle_refund(sandbox.app, second.id, succeeded=False)
    assert failed["type"] == "refund.failed" and failed["data"]["object"]["status"] == "failed"
    assert {r.id: r.status for r in client.v1.refunds.list(params={"payment_intent": intent}).data} == {
        first.id: "succeeded",
        second.id: "failed",
    }
    with pytest.raises(stripe.InvalidRequestError):  # 124500 - 1000 is left, not 124500 - 3000
        client.v1.refunds.create(params={"payment_intent": intent, "amount": 123501})
    assert client.v1.refunds.create(params={"payment_intent": intent, "amount": 123500}).amount == 123500
    with pytest.raises(SandboxError):
        settle_refund(sandbox.app, first.id)  # only a pending refund settles


def test_payment_intent_tells_the_method_through_its_charge(client, sandbox):
    """GET /v1/payment_intents/<id> with expand[]=latest_charge gives payment_method_details.type."""
    session = client.v1.checkout.sessions.create(params=session_params())
    pay(sandbox.app, session.id, "alipay")
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    intent = client.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
    assert intent.latest_charge.payment_method_details.type == "alipay"
    assert isinstance(client.v1.payment_intents.retrieve(intent_id).latest_charge, str)  # not expanded
    session = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent.latest_charge"]})
    assert session.payment_intent.latest_charge.payment_method_details.type == "alipay"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["customer"]})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.retrieve("pi_unknown")


def test_dashboard_refund_has_no_metadata_of_ours(client, sandbox):
    """refund_in_dashboard() refunds as a person in Stripe's dashboard would, with the same events."""
    session = paid_session(client, sandbox)
    refund = refund_in_dashboard(sandbox.app, session.payment_intent, 500)
    assert refund["metadata"] == {} and refund["status"] == "succeeded"
    assert [e["type"] for e in pending_events(sandbox.app)][-2:] == ["refund.created", "charge.refunded"]


def test_hosted_page_settles_a_payment_that_settles_later_and_its_pending_refunds(client, sandbox):
    """The demo plays the bank on the sandbox's own page: settle the payment, then let a refund go through."""
    session = client.v1.checkout.sessions.create(params=session_params())
    web = sandbox.app.test_client()
    web.post(f"/pay/{session.id}", data={"action": "pay_async", "method": "alipay"})
    page = web.get(f"/pay/{session.id}").get_data(as_text=True)
    assert 'value="settle_succeeded"' in page and 'value="settle_failed"' in page
    response = web.post(f"/pay/{session.id}", data={"action": "settle_succeeded"})
    assert response.status_code == 303 and response.location.endswith(f"/pay/{session.id}")
    assert pending_events(sandbox.app)[-1]["type"] == "checkout.session.async_payment_succeeded"
    page = web.get(f"/pay/{session.id}").get_data(as_text=True)
    assert "already paid" in page and "settle_succeeded" not in page
    assert web.post(f"/pay/{session.id}", data={"action": "settle_failed"}).status_code == 409

    refund = client.v1.refunds.create(
        params={"payment_intent": client.v1.checkout.sessions.retrieve(session.id).payment_intent, "amount": 100}
    )
    page = web.get(f"/pay/{session.id}").get_data(as_text=True)
    assert refund.id in page and 'value="refund_succeeded"' in page
    web.post(f"/pay/{session.id}", data={"action": "refund_succeeded", "refund": refund.id})
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    assert pending_events(sandbox.app)[-1]["type"] == "refund.updated"
    assert web.post(f"/pay/{session.id}", data={"action": "refund_failed", "refund": "re_other"}).status_code == 404


def test_mounted_under_a_prefix_builds_urls_with_it(serve):
    """Under DispatcherMiddleware at /sandbox/stripe, session URLs and the page carry the prefix."""
    sandbox_app = create_sandbox_app(delivery="manual")
    base = serve(DispatcherMiddleware(Flask("outer"), {"/sandbox/stripe": sandbox_app}))
    client = sandbox_client(base + "/sandbox/stripe")

    session = client.v1.checkout.sessions.create(params=session_params())
    assert session.url == f"{base}/sandbox/stripe/pay/{session.id}"
    assert sandbox_state(sandbox_app).requests[-1]["path"] == "/v1/checkout/sessions"
    status, page = fetch(session.url)
    assert status == 200
    assert f'action="/sandbox/stripe/pay/{session.id}"' in page


def test_unknown_api_url_answers_stripe_json(client):
    """Unmodelled endpoints fail loudly in Stripe's error format."""
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.create(params={"email": "a@example.com"})
    assert raised.value.http_status == 404
    assert "Unrecognized request URL" in raised.value.user_message
