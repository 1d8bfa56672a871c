"""The one small interface to a payment provider: Stripe, or the local Stripe sandbox.

Both are the same class: the real Stripe SDK, pointed at api.stripe.com or at the sandbox. A direct
WeChat Pay / Alipay integration would be another class with the same methods.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from domain.errors import DomainError


class MalformedEvent(ValueError):
    """A correctly signed webhook body that is not an event we can read."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or refused the call; nothing was charged."""


class PaymentsUnavailable(DomainError):
    """Online payment is switched off or the provider cannot be reached; nothing was charged."""

    status_code = 503
    default_message = _l(
        "Online payment is not available right now. Your bill is unchanged; please try again later "
        "or pay at the service desk."
    )


@dataclass(frozen=True)
class CheckoutSession:
    """What we keep of a provider's checkout session."""

    id: str
    url: str
    status: str
    payment_status: str
    amount_total: int
    currency: str
    payment_intent: str | None
    metadata: dict
    client_reference_id: str | None
    #: How it was paid ("card", "alipay", "wechat_pay"), from the charge; only when retrieved, once charged.
    payment_method_type: str | None = None


@dataclass(frozen=True)
class ProviderRefund:
    """What we keep of a provider's refund."""

    id: str
    amount: int
    status: str
    payment_intent: str | None
    metadata: dict


class StripeProvider:
    """Stripe Checkout through the official SDK; `api_base` points it at the sandbox instead."""

    def __init__(self, *, api_key, webhook_secret, name="stripe", api_base=None, http_client=None):
        """Keep a client with our key; no network traffic happens here."""
        options = {"max_network_retries": 1}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        if http_client is not None:
            options["http_client"] = http_client
        self.client = stripe.StripeClient(api_key, **options)
        self.webhook_secret = webhook_secret
        self.name = name
        #: Where the hosted payment page lives: the pay forms must be allowed to lead there (CSP form-action).
        self.checkout_origin = _origin(api_base) if name == "sandbox" and api_base else "https://checkout.stripe.com"

    @property
    def is_sandbox(self):
        """Whether payments go to the local test sandbox (no real money)."""
        return self.name == "sandbox"

    def _call(self, fn, *args, **kwargs):
        """Run an SDK call, turning any Stripe or network error into ProviderUnavailable."""
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            current_app.logger.warning("payment provider call failed: %s", exc)
            raise ProviderUnavailable(str(exc)) from exc

    def create_checkout(
        self,
        *,
        line_items,
        currency,
        metadata,
        client_reference_id,
        success_url,
        cancel_url,
        idempotency_key,
        customer_email=None,
        locale="auto",
        connected_account="",
        statement_descriptor="",
    ):
        """Open a hosted Checkout Session (card, Alipay, WeChat Pay); amounts are integer fen.

        With `connected_account` (a property's acct_... under the company's Stripe Connect platform) the payment is a
        destination charge: made on that account's behalf and its money transferred to it. `statement_descriptor`
        is what the payer's statement shows after the account's prefix (Stripe's suffix, the only form cards take).
        """
        params = {
            "mode": "payment",
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": client_reference_id,
            "metadata": metadata,
            "payment_method_types": ["card", "alipay", "wechat_pay"],
            "payment_method_options": {"wechat_pay": {"client": "web"}},
            "locale": locale,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {"currency": currency, "unit_amount": amount, "product_data": {"name": name}},
                }
                for name, amount in line_items
            ],
        }
        intent_data = {"metadata": metadata}
        if statement_descriptor:
            intent_data["statement_descriptor_suffix"] = statement_descriptor
        if connected_account:
            intent_data["on_behalf_of"] = connected_account
            intent_data["transfer_data"] = {"destination": connected_account}
        params["payment_intent_data"] = intent_data
        if customer_email:
            params["customer_email"] = customer_email
        session = self._call(
            self.client.v1.checkout.sessions.create, params=params, options={"idempotency_key": idempotency_key}
        )
        return _session(session)

    def retrieve_checkout(self, session_id):
        """The session as the provider sees it now, with the method that paid it (one call: its PaymentIntent and
        that one's charge come expanded)."""
        return _session(
            self._call(
                self.client.v1.checkout.sessions.retrieve,
                session_id,
                params={"expand": ["payment_intent.latest_charge"]},
            )
        )

    def expire_checkout(self, session_id):
        """Close an open session so it can no longer be paid."""
        return _session(self._call(self.client.v1.checkout.sessions.expire, session_id))

    def refund(self, *, payment_intent, amount_fen, idempotency_key, metadata):
        """Refund part or all of a payment; returns (refund id, status)."""
        refund = self._call(
            self.client.v1.refunds.create,
            params={"payment_intent": payment_intent, "amount": amount_fen, "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
        return refund.id, refund.status

    def list_refunds(self, payment_intent):
        """Every refund of a PaymentIntent as the provider records it now, newest first (at most 100)."""
        refunds = self._call(self.client.v1.refunds.list, params={"payment_intent": payment_intent, "limit": 100})
        return [_refund(r) for r in refunds.data]

    def parse_event(self, payload, signature):
        """Verify a webhook's signature on the raw body (tolerance 300 s) and return the event as a dict.

        Raises stripe.SignatureVerificationError for a missing, wrong or stale signature, and MalformedEvent (a
        ValueError) for a signed body that is not an event we can read: not JSON, not an object, or without a
        string id, a string type and an object in data.object.
        """
        try:
            stripe.WebhookSignature.verify_header(payload, signature or "", self.webhook_secret, tolerance=300)
            event = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MalformedEvent("not JSON") from exc
        if not isinstance(event, dict):
            raise MalformedEvent("not an object")
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if (
            not isinstance(event.get("id"), str)
            or not event["id"]
            or not isinstance(event.get("type"), str)
            or not isinstance(obj, dict)
            or not isinstance(obj.get("id", ""), str)
        ):
            raise MalformedEvent("not an event")
        return event


def _origin(url):
    """scheme://host:port of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _session(session):
    """Our copy of an SDK Checkout Session object."""
    metadata = session.metadata.to_dict() if session.metadata is not None else {}
    intent, method = session.payment_intent, None
    if intent is not None and not isinstance(intent, str):  # expanded
        charge = intent.latest_charge
        if charge is not None and not isinstance(charge, str) and charge.payment_method_details is not None:
            method = charge.payment_method_details.type
        intent = intent.id
    return CheckoutSession(
        session.id,
        session.url,
        session.status,
        session.payment_status,
        session.amount_total,
        session.currency,
        intent,
        metadata,
        session.client_reference_id,
        method,
    )


def _refund(refund):
    """Our copy of an SDK Refund object."""
    metadata = refund.metadata.to_dict() if refund.metadata is not None else {}
    return ProviderRefund(refund.id, refund.amount, refund.status, refund.payment_intent, metadata)


def get_provider():
    """The configured provider, or None when online payment is switched off.

    Stripe when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set; otherwise, outside production,
    the local sandbox at STRIPE_SANDBOX_URL. Built once per app.
    """
    app = current_app._get_current_object()
    if "payment_provider" not in app.extensions:
        config = app.config
        provider = None
        if config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"):
            provider = StripeProvider(
                api_key=config["STRIPE_SECRET_KEY"],
                webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
                api_base=config.get("STRIPE_API_BASE"),
            )
        elif not config["PRODUCTION"] and config.get("STRIPE_SANDBOX_URL"):
            provider = StripeProvider(
                api_key="sk_test_sandbox",
                webhook_secret=config["STRIPE_SANDBOX_WEBHOOK_SECRET"],
                name="sandbox",
                api_base=config["STRIPE_SANDBOX_URL"],
            )
        app.extensions["payment_provider"] = provider
    return app.extensions["payment_provider"]
