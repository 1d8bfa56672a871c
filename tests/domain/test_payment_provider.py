"""The provider interface on the wire: what each call sends to Stripe, read off a recording stripe.HTTPClient."""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from domain.payments.providers import MalformedEvent, ProviderUnavailable, StripeProvider
from sandbox.stripe_app import signed

SESSION = {
    "id": "cs_test_1",
    "object": "checkout.session",
    "url": "https://checkout.stripe.com/c/pay/cs_test_1",
    "status": "complete",
    "payment_status": "paid",
    "amount_total": 52425,
    "currency": "cny",
    "payment_intent": "pi_1",
    "metadata": {"payment_id": "7"},
    "client_reference_id": "7",
}


class RecordingClient(stripe.HTTPClient):
    """Answers every request with the next canned (status, body) and records what was sent."""

    name = "recording"

    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)
        self.sent = []

    def request(self, method, url, headers, post_data=None):
        parts = urlsplit(url)
        self.sent.append(
            {
                "method": method.upper(),
                "path": parts.path,
                "query": parse_qsl(parts.query),
                "headers": dict(headers or {}),
                "form": parse_qsl(post_data or ""),
            }
        )
        status, body = self.answers.pop(0)
        return json.dumps(body).encode(), status, {"request-id": "req_1"}

    def request_stream(self, method, url, headers, post_data=None):
        raise NotImplementedError

    def close(self):
        pass


def provider(*answers):
    """A provider whose SDK talks to a RecordingClient."""
    client = RecordingClient(*answers)
    return StripeProvider(api_key="sk_test_wire", webhook_secret="whsec_wire", http_client=client), client


def test_checkout_sends_integer_fen_cny_three_methods_and_our_idempotency_key():
    stripe_provider, client = provider((200, {**SESSION, "status": "open", "payment_status": "unpaid"}))
    session = stripe_provider.create_checkout(
        line_items=[("1-1201 2026-10 物业费用", 22375)],
        currency="cny",
        metadata={"payment_id": "7", "bill_ids": "3"},
        client_reference_id="7",
        success_url="https://wy.example/p/7",
        cancel_url="https://wy.example/bills",
        idempotency_key="checkout-u1-b3-a1",
    )
    sent = client.sent[0]
    form = dict(sent["form"])
    assert (sent["method"], sent["path"]) == ("POST", "/v1/checkout/sessions")
    assert sent["headers"]["Idempotency-Key"] == "checkout-u1-b3-a1"
    assert form["line_items[0][price_data][unit_amount]"] == "22375"
    assert form["line_items[0][price_data][currency]"] == "cny"
    assert [v for k, v in sent["form"] if k.startswith("payment_method_types")] == ["card", "alipay", "wechat_pay"]
    assert form["payment_method_options[wechat_pay][client]"] == "web"
    assert (form["metadata[payment_id]"], form["client_reference_id"]) == ("7", "7")
    assert session.metadata == {"payment_id": "7"} and session.amount_total == 52425


def test_retrieve_with_the_method_that_paid_and_expire():
    expanded = {
        **SESSION,
        "payment_intent": {
            "id": "pi_1",
            "object": "payment_intent",
            "latest_charge": {"id": "ch_1", "object": "charge", "payment_method_details": {"type": "wechat_pay"}},
        },
    }
    stripe_provider, client = provider((200, expanded), (200, {**SESSION, "status": "expired"}))
    session = stripe_provider.retrieve_checkout("cs_test_1")
    assert (session.status, session.payment_intent, session.payment_method_type) == ("complete", "pi_1", "wechat_pay")
    expired = stripe_provider.expire_checkout("cs_test_1")
    assert (expired.status, expired.payment_intent, expired.payment_method_type) == ("expired", "pi_1", None)
    assert [(s["method"], s["path"]) for s in client.sent] == [
        ("GET", "/v1/checkout/sessions/cs_test_1"),
        ("POST", "/v1/checkout/sessions/cs_test_1/expire"),
    ]
    assert client.sent[0]["query"] == [("expand[0]", "payment_intent.latest_charge")]


def test_refund_and_the_refunds_of_a_payment():
    refund = {
        "id": "re_1",
        "object": "refund",
        "amount": 8000,
        "status": "pending",
        "payment_intent": "pi_1",
        "metadata": {"payment_id": "7", "refund_id": "3"},
    }
    stripe_provider, client = provider(
        (200, refund), (200, {"object": "list", "data": [refund], "has_more": False, "url": "/v1/refunds"})
    )
    assert stripe_provider.refund(
        payment_intent="pi_1",
        amount_fen=8000,
        idempotency_key="refund-p7-r3",
        metadata={"payment_id": "7", "refund_id": "3"},
    ) == ("re_1", "pending")
    [listed] = stripe_provider.list_refunds("pi_1")
    assert (listed.id, listed.amount, listed.status, listed.metadata) == ("re_1", 8000, "pending", refund["metadata"])
    create, read = client.sent
    assert (create["method"], create["path"], create["headers"]["Idempotency-Key"]) == (
        "POST",
        "/v1/refunds",
        "refund-p7-r3",
    )
    assert dict(create["form"]) == {
        "payment_intent": "pi_1",
        "amount": "8000",
        "metadata[payment_id]": "7",
        "metadata[refund_id]": "3",
    }
    assert (read["method"], read["path"], dict(read["query"])) == (
        "GET",
        "/v1/refunds",
        {"payment_intent": "pi_1", "limit": "100"},
    )


def test_a_refusal_is_provider_unavailable(app):
    stripe_provider, _client = provider((400, {"error": {"type": "invalid_request_error", "message": "no"}}))
    with pytest.raises(ProviderUnavailable):
        stripe_provider.refund(payment_intent="pi_1", amount_fen=1, idempotency_key="k", metadata={})


@pytest.mark.parametrize(
    "body", [b"[]", b"1", b'{"id": "evt_1"}', b'{"id": "evt_1", "type": "x", "data": {"object": 3}}']
)
def test_a_signed_body_that_is_not_an_event_is_malformed(body):
    stripe_provider, _client = provider()
    with pytest.raises(MalformedEvent):
        stripe_provider.parse_event(body, signed(body, "whsec_wire"))
    with pytest.raises(stripe.SignatureVerificationError):
        stripe_provider.parse_event(body, signed(body, "whsec_other"))
