"""A local Stripe sandbox: a Flask app that speaks Stripe's wire format for the few endpoints we call.

The real `stripe` SDK is pointed at it (`sandbox_client(url)`); it serves a stand-in hosted Checkout page
and sends signed webhooks back to our app. It only models the fields our code uses and is never the
production path.
"""

import copy
import functools
import json
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request

import stripe
from flask import Flask, current_app, redirect, render_template, request, url_for
from werkzeug.serving import WSGIRequestHandler, make_server

#: The API version the SDK in use pins: events come in its shapes (since 2022-11-15 a charge no longer carries
#: its refunds; refunds have their own refund.created / refund.updated / refund.failed events).
API_VERSION = stripe.api_version
PAYMENT_METHODS = ("card", "alipay", "wechat_pay")
METHOD_LABELS = {"card": "银行卡 Card", "alipay": "支付宝 Alipay", "wechat_pay": "微信支付 WeChat Pay"}
WECHAT_CLIENTS = ("web", "ios", "android")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
#: Wallets refund asynchronously: their refunds stay pending until the wallet confirms (settle_refund()).
PENDING_REFUND_METHODS = ("alipay", "wechat_pay")
SESSION_LIFETIME = 24 * 3600
DELIVERY_TIMEOUT = 10

_SESSION_PARAMS = frozenset(
    {
        "mode",
        "success_url",
        "cancel_url",
        "line_items",
        "client_reference_id",
        "metadata",
        "payment_method_types",
        "payment_method_options",
        "customer_email",
        "expires_at",
        "locale",
        "expand",
        "payment_intent_data",
    }
)
#: What a session may say about the PaymentIntent it makes: metadata, the statement descriptor's suffix, and a
#: Stripe Connect destination charge (on_behalf_of and transfer_data[destination]).
_INTENT_DATA_PARAMS = frozenset({"metadata", "statement_descriptor_suffix", "on_behalf_of", "transfer_data"})
_CONNECTED_ACCOUNT = re.compile(r"^acct_[A-Za-z0-9]+$")
#: Stripe's statement descriptor rules: Latin letters, digits, spaces and . - , ; never < > \ ' " * nor only digits.
_DESCRIPTOR = re.compile(r"^[A-Za-z0-9 .,-]+$")
_REFUND_PARAMS = frozenset({"payment_intent", "amount", "metadata", "reason", "expand"})
_REFUND_LIST_PARAMS = frozenset({"payment_intent", "limit", "expand"})
_ALNUM = string.ascii_letters + string.digits
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_BRACKET = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile(r"^-?\d+$")


class SandboxState:
    """Everything one sandbox remembers (objects, requests, events, deliveries), behind one lock."""

    def __init__(self, *, webhook_url, webhook_secret, delivery):
        """Start empty with the given webhook settings."""
        self.lock = threading.RLock()  # re-entrant: public helpers may be called while a view holds it
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.delivery = delivery
        self.sessions = {}
        self.payment_intents = {}
        self.charges = {}
        self.refunds = {}
        self.requests = []
        self.events = []
        self.pending = []  # events waiting for a successful (2xx) delivery
        self.deliveries = []  # (event_id, HTTP status or error string), one per attempt
        self.idempotency = {}


class SandboxError(Exception):
    """A refusal answered with Stripe's error JSON."""

    def __init__(self, status, message, param=None, *, type="invalid_request_error", code=None):
        """Remember what to answer."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.type = type
        self.code = code

    def body(self):
        """Stripe's error envelope."""
        error = {"type": self.type, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        if self.code is not None:
            error["code"] = self.code
        return {"error": error}


# --- helpers -----------------------------------------------------------------------------------------


def _id(prefix):
    """A Stripe-looking id: the prefix and 24 random letters and digits."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(24))


def _now():
    """The current Unix time in whole seconds, as Stripe reports it."""
    return int(time.time())


def _public(obj):
    """A deep copy without the sandbox's private keys (those starting with "_")."""
    if isinstance(obj, dict):
        return {k: _public(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [_public(v) for v in obj]
    return copy.deepcopy(obj)


def _json(body, status=200, headers=None):
    """A JSON response as Stripe sends it, with a request id."""
    response = current_app.response_class(
        json.dumps(body, indent=2, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Request-Id"] = _id("req_")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def money(amount, currency):
    """An amount in minor units for people: "¥1,234.50" for CNY, "12.34 USD" otherwise."""
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(int(amount)), 100)
    if currency.lower() == "cny":
        return f"{sign}¥{major:,}.{minor:02d}"
    return f"{sign}{major:,}.{minor:02d} {currency.upper()}"


def parse_form(pairs):
    """Turn Stripe's bracket notation (`a[b][0][c]=v`) into nested dicts and lists."""
    root = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            raise SandboxError(400, f"Invalid parameter name: {key}", key, code="parameter_unknown")
        parts = [match.group(1), *_BRACKET.findall(match.group(2))]
        if "" in parts[:-1]:
            raise SandboxError(400, f"Invalid array notation in {key}; index arrays explicitly.", key)
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise SandboxError(400, f"Conflicting values for {key}.", key)
            node = child
        last = parts[-1] if parts[-1] != "" else str(len(node))  # `a[]=x` appends, as curl examples do
        if isinstance(node.get(last), dict):
            raise SandboxError(400, f"Conflicting values for {key}.", key)
        node[last] = value
    return _listify(root)


def _listify(node):
    """Dicts keyed 0..n-1 become lists, the way the SDK encodes arrays."""
    if not isinstance(node, dict):
        return node
    items = {k: _listify(v) for k, v in node.items()}
    if items and set(items) == {str(i) for i in range(len(items))}:
        return [items[str(i)] for i in range(len(items))]
    return items


def _required(params, name, param=None):
    """The value of a required parameter."""
    value = params.get(name) if isinstance(params, dict) else None
    if value is None or value == "":
        raise SandboxError(400, f"Missing required param: {param or name}.", param or name, code="parameter_missing")
    return value


def _integer(value, param, minimum=None):
    """An integer parameter, refused when malformed or below the minimum."""
    if not isinstance(value, str) or not _INTEGER.match(value):
        raise SandboxError(400, f"Invalid integer: {value}", param, code="parameter_invalid_integer")
    number = int(value)
    if minimum is not None and number < minimum:
        message = "Invalid positive integer" if minimum == 1 else f"This value must be at least {minimum}."
        raise SandboxError(400, message, param, code="parameter_invalid_integer")
    return number


def _string(params, name, max_length=None):
    """An optional string parameter."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SandboxError(400, f"Invalid string: {name}", name)
    if max_length and len(value) > max_length:
        raise SandboxError(400, f"{name} must be at most {max_length} characters.", name)
    return value


def _url(params, name):
    """A required absolute http(s) URL."""
    value = _required(params, name)
    if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value):
        raise SandboxError(400, "Not a valid URL", name, code="url_invalid")
    return value


def _metadata(params, name="metadata"):
    """Metadata as a dict of strings, within Stripe's limits (50 keys, 40-char keys, 500-char values)."""
    value = params.get(name)
    if value is None or value == "":
        return {}  # Stripe reads an empty string as "no metadata"
    if isinstance(value, list):
        value = {str(i): v for i, v in enumerate(value)}  # numeric keys were read as an array
    if not isinstance(value, dict):
        raise SandboxError(400, "Invalid object", name)
    if len(value) > 50:
        raise SandboxError(400, "Metadata can have at most 50 keys.", name)
    for key, item in value.items():
        if len(key) > 40:
            raise SandboxError(400, "Metadata keys can be at most 40 characters.", f"{name}[{key}]")
        if not isinstance(item, str):
            raise SandboxError(400, "Metadata values must be strings.", f"{name}[{key}]")
        if len(item) > 500:
            raise SandboxError(400, "Metadata values can be at most 500 characters.", f"{name}[{key}]")
    return dict(value)


def _no_unknown(params, allowed, prefix=""):
    """Refuse parameters the sandbox does not model, as Stripe refuses unknown ones."""
    if not isinstance(params, dict):
        raise SandboxError(400, f"Invalid object: {prefix}", prefix or None)
    for key in params:
        if key not in allowed:
            name = f"{prefix}[{key}]" if prefix else key
            raise SandboxError(
                400,
                f"Received unknown parameter: {name} (the sandbox models only the fields our code uses)",
                name,
                code="parameter_unknown",
            )


# --- events and delivery -----------------------------------------------------------------------------


def sandbox_state(app):
    """The SandboxState of a sandbox app."""
    return app.extensions["stripe_sandbox"]


def _new_event(state, type, obj):
    """Build an event around a snapshot of obj and record it."""
    event = {
        "id": _id("evt_"),
        "object": "event",
        "type": type,
        "created": _now(),
        "api_version": API_VERSION,
        "livemode": False,
        "data": {"object": _public(obj)},
    }
    state.events.append(event)
    return event


def _emit(state, type, obj):
    """Record an event and queue it for delivery when there is somewhere (or someone) to deliver it."""
    event = _new_event(state, type, obj)
    if state.delivery == "manual" or state.webhook_url:
        state.pending.append(event)
    return event


def _publish(app, events, background=False):
    """In sync mode, deliver freshly emitted events now; called without the lock, since our app's
    webhook handler may call back into the sandbox.

    Events caused by an API call are delivered from a thread (`background`), as Stripe does: the caller
    may still hold database locks its own webhook handler will wait for until the call has returned.
    """
    state = sandbox_state(app)
    if state.delivery == "sync" and state.webhook_url and events:
        if background:
            threading.Thread(
                target=_deliver_all, args=(app, list(events)), name="stripe-sandbox-webhooks", daemon=True
            ).start()
        else:
            _deliver_all(app, events)


def _deliver_all(app, events):
    """Deliver events in order."""
    for event in events:
        deliver(app, event)


def build_event(app, type, obj):
    """Build and record an event of the given type around a snapshot of obj (without queueing it)."""
    state = sandbox_state(app)
    with state.lock:
        return _new_event(state, type, obj)


def pending_events(app):
    """The events not yet delivered successfully, oldest first (a copy of the queue)."""
    state = sandbox_state(app)
    with state.lock:
        return list(state.pending)


def signed(payload, secret, timestamp=None):
    """The Stripe-Signature header for a body; an old timestamp makes a stale signature."""
    if isinstance(payload, (bytes, bytearray)):
        payload = payload.decode("utf-8")  # the SDK signs the text of the body
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def deliver(app, event, url=None):
    """POST one event, signed, to url (default: the configured webhook); record and return the outcome."""
    state = sandbox_state(app)
    target = url or state.webhook_url
    if not target:
        raise ValueError("No webhook URL: pass url= or create the sandbox with webhook_url=.")
    payload = json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8")  # signed and sent as is
    outgoing = urllib.request.Request(
        target,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": signed(payload, state.webhook_secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) sandbox",
        },
    )
    # No proxies: the webhook target is always local, and an environment proxy must not see it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(outgoing, timeout=DELIVERY_TIMEOUT) as response:
            response.read()
            outcome = response.status
    except urllib.error.HTTPError as error:
        with error:
            error.read()
        outcome = error.code
    except (urllib.error.URLError, OSError) as error:
        outcome = f"error: {getattr(error, 'reason', error)}"
    with state.lock:
        state.deliveries.append((event["id"], outcome))
        if isinstance(outcome, int) and 200 <= outcome < 300:
            state.pending = [e for e in state.pending if e["id"] != event["id"]]
    return outcome


# --- the model ---------------------------------------------------------------------------------------


def _create_session(state, params, base_url):
    """Validate a Checkout Session request and store the new open session."""
    _no_unknown(params, _SESSION_PARAMS)
    mode = _required(params, "mode")
    if mode != "payment":
        raise SandboxError(400, "The sandbox only supports mode=payment.", "mode")
    success_url = _url(params, "success_url")
    cancel_url = _url(params, "cancel_url")

    items = _required(params, "line_items")
    if not isinstance(items, list):
        raise SandboxError(400, "Invalid array", "line_items")
    lines, currency = [], None
    for i, item in enumerate(items):
        prefix = f"line_items[{i}]"
        _no_unknown(item, {"price_data", "quantity"}, prefix)
        price = _required(item, "price_data", f"{prefix}[price_data]")
        _no_unknown(price, {"currency", "unit_amount", "product_data"}, f"{prefix}[price_data]")
        line_currency = _required(price, "currency", f"{prefix}[price_data][currency]")
        if not isinstance(line_currency, str) or not re.match(r"^[A-Za-z]{3}$", line_currency):
            raise SandboxError(400, f"Invalid currency: {line_currency}", f"{prefix}[price_data][currency]")
        line_currency = line_currency.lower()
        unit_amount = _integer(
            _required(price, "unit_amount", f"{prefix}[price_data][unit_amount]"),
            f"{prefix}[price_data][unit_amount]",
            minimum=1,
        )
        product = _required(price, "product_data", f"{prefix}[price_data][product_data]")
        _no_unknown(product, {"name", "description"}, f"{prefix}[price_data][product_data]")
        name = _required(product, "name", f"{prefix}[price_data][product_data][name]")
        quantity = _integer(_required(item, "quantity", f"{prefix}[quantity]"), f"{prefix}[quantity]", minimum=1)
        if currency is None:
            currency = line_currency
        elif line_currency != currency:
            raise SandboxError(400, "All line items must use the same currency.", f"{prefix}[price_data][currency]")
        lines.append(
            {
                "name": name,
                "description": product.get("description") or None,
                "unit_amount": unit_amount,
                "quantity": quantity,
                "amount_total": unit_amount * quantity,
                "currency": line_currency,
            }
        )
    if not lines:
        raise SandboxError(400, "Missing required param: line_items.", "line_items", code="parameter_missing")

    methods = params.get("payment_method_types") or ["card"]
    if not isinstance(methods, list):
        raise SandboxError(400, "Invalid array", "payment_method_types")
    for i, method in enumerate(methods):
        if method not in PAYMENT_METHODS:
            raise SandboxError(
                400,
                f"The payment method type provided: {method} is invalid. The sandbox supports: "
                + ", ".join(PAYMENT_METHODS),
                f"payment_method_types[{i}]",
            )
    options = params.get("payment_method_options") or {}
    _no_unknown(options, set(PAYMENT_METHODS), "payment_method_options")
    if "wechat_pay" in methods:
        # Stripe refuses WeChat Pay in Checkout without the client it will be paid from.
        wechat = options.get("wechat_pay")
        if not isinstance(wechat, dict) or wechat.get("client") not in WECHAT_CLIENTS:
            raise SandboxError(
                400,
                "payment_method_options[wechat_pay][client] must be one of "
                + ", ".join(WECHAT_CLIENTS)
                + " when wechat_pay is in payment_method_types.",
                "payment_method_options[wechat_pay][client]",
            )

    created = _now()
    expires_at = created + SESSION_LIFETIME
    if params.get("expires_at") not in (None, ""):
        expires_at = _integer(params["expires_at"], "expires_at")
        # Stripe's window is 30 minutes to 24 hours; a minute's leeway for clock skew between machines.
        if not created + 1800 - 60 <= expires_at <= created + SESSION_LIFETIME + 60:
            raise SandboxError(
                400, "The `expires_at` timestamp must be between 30 minutes and 24 hours from creation.", "expires_at"
            )
    email = _string(params, "customer_email", 800)
    if email is not None and "@" not in email:
        raise SandboxError(400, "Invalid email address: " + email, "customer_email", code="email_invalid")

    intent_data = _intent_data(params)
    total = sum(line["amount_total"] for line in lines)
    session_id = _id("cs_test_")
    session = {
        "id": session_id,
        "object": "checkout.session",
        "url": f"{base_url}/pay/{session_id}",
        "status": "open",
        "payment_status": "unpaid",
        "amount_subtotal": total,
        "amount_total": total,
        "currency": currency,
        "client_reference_id": _string(params, "client_reference_id", 200),
        "customer_email": email,
        "locale": _string(params, "locale"),
        "metadata": _metadata(params),
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": list(methods),
        "payment_method_options": copy.deepcopy(options),
        "success_url": success_url,
        "cancel_url": cancel_url,
        "created": created,
        "expires_at": expires_at,
        "livemode": False,
        "_line_items": lines,
        "_intent_data": intent_data,
    }
    state.sessions[session_id] = session
    return session


def _intent_data(params):
    """Check payment_intent_data as Stripe would and return it (a dict, empty when not sent)."""
    data = params.get("payment_intent_data")
    if data in (None, ""):
        return {}
    _no_unknown(data, _INTENT_DATA_PARAMS, "payment_intent_data")
    clean = {"metadata": _metadata(data)}
    suffix = data.get("statement_descriptor_suffix")
    if suffix not in (None, ""):
        name = "payment_intent_data[statement_descriptor_suffix]"
        if not isinstance(suffix, str) or len(suffix) > 22 or not _DESCRIPTOR.match(suffix) or suffix.isdigit():
            raise SandboxError(400, f"Invalid statement descriptor suffix: {suffix}", name)
        clean["statement_descriptor_suffix"] = suffix
    account = data.get("on_behalf_of")
    transfer = data.get("transfer_data")
    if transfer not in (None, ""):
        _no_unknown(transfer, {"destination", "amount"}, "payment_intent_data[transfer_data]")
        destination = _required(transfer, "destination", "payment_intent_data[transfer_data][destination]")
        if not isinstance(destination, str) or not _CONNECTED_ACCOUNT.match(destination):
            raise SandboxError(
                400, f"No such destination: '{destination}'", "payment_intent_data[transfer_data][destination]"
            )
        clean["transfer_data"] = {"destination": destination}
    if account not in (None, ""):
        if not isinstance(account, str) or not _CONNECTED_ACCOUNT.match(account):
            raise SandboxError(400, f"No such account: '{account}'", "payment_intent_data[on_behalf_of]")
        if account != clean.get("transfer_data", {}).get("destination"):
            # Destination charges: the account the payment is made for is the one its money goes to.
            raise SandboxError(
                400,
                "payment_intent_data[on_behalf_of] must be the same as "
                "payment_intent_data[transfer_data][destination].",
                "payment_intent_data[on_behalf_of]",
            )
        clean["on_behalf_of"] = account
    return clean


def _session(state, session_id):
    """A stored session, or Stripe's resource_missing error."""
    session = state.sessions.get(session_id)
    if session is None:
        raise SandboxError(404, f"No such checkout.session: '{session_id}'", "id", code="resource_missing")
    return session


def _expire_if_due(state, session):
    """Expire an open session whose expires_at has passed, as Stripe does shortly after that time."""
    if session["status"] == "open" and _now() >= session["expires_at"]:
        session["status"] = "expired"
        return [_emit(state, "checkout.session.expired", session)]
    return []


def _expire(state, session):
    """Expire an open session on request."""
    if session["status"] != "open":
        raise SandboxError(
            400,
            'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session '
            f'has a status of "{session["status"]}".',
            code="checkout_session_not_open",
        )
    session["status"] = "expired"
    return [_emit(state, "checkout.session.expired", session)]


def _new_charge(state, session, intent):
    """The succeeded charge behind a paid payment intent (without a refunds list, as since API 2022-11-15)."""
    charge_id = _id("ch_")
    method = intent["payment_method_types"][0]
    charge = {
        "id": charge_id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_refunded": 0,
        "currency": intent["currency"],
        "created": _now(),
        "metadata": dict(session["metadata"]),
        "payment_intent": intent["id"],
        "payment_method_details": {"type": method, method: {}},
        "on_behalf_of": intent.get("on_behalf_of"),
        "transfer_data": intent.get("transfer_data"),
        "calculated_statement_descriptor": intent.get("statement_descriptor_suffix"),
        "refunded": False,
        "status": "succeeded",
    }
    state.charges[charge_id] = charge
    intent["status"] = "succeeded"
    intent["latest_charge"] = charge_id
    return charge


def _pay(state, session, method, later):
    """Complete an open session, paid now or (later=True) settling later."""
    if session["status"] != "open":
        raise SandboxError(400, f"This Checkout Session is {session['status']}.", code="checkout_session_not_open")
    if method not in session["payment_method_types"]:
        raise SandboxError(400, f"{method} is not offered by this Checkout Session.", "method")
    intent = {
        "id": _id("pi_"),
        "object": "payment_intent",
        "amount": session["amount_total"],
        "currency": session["currency"],
        "created": _now(),
        "latest_charge": None,
        "metadata": dict(session["_intent_data"].get("metadata") or session["metadata"]),
        "payment_method_types": [method],
        "status": "processing",
        "statement_descriptor_suffix": session["_intent_data"].get("statement_descriptor_suffix"),
        "on_behalf_of": session["_intent_data"].get("on_behalf_of"),
        "transfer_data": session["_intent_data"].get("transfer_data"),
        "_session": session["id"],
    }
    state.payment_intents[intent["id"]] = intent
    if not later:
        _new_charge(state, session, intent)
    session["status"] = "complete"
    session["payment_intent"] = intent["id"]
    session["payment_status"] = "unpaid" if later else "paid"
    session["_paid_with"] = method
    return [_emit(state, "checkout.session.completed", session)]


def _settle(state, session, succeeded):
    """Settle a session paid with "settles later": paid, or failed (left unpaid)."""
    if session["status"] != "complete" or session["payment_status"] != "unpaid" or session.get("_payment_failed"):
        raise SandboxError(400, "Only a completed session still waiting for its payment can be settled.")
    intent = state.payment_intents[session["payment_intent"]]
    if succeeded:
        _new_charge(state, session, intent)
        session["payment_status"] = "paid"
        return [_emit(state, "checkout.session.async_payment_succeeded", session)]
    intent["status"] = "requires_payment_method"
    session["_payment_failed"] = True
    return [_emit(state, "checkout.session.async_payment_failed", session)]


def _create_refund(state, params):
    """Refund part or the rest of a succeeded payment intent."""
    _no_unknown(params, _REFUND_PARAMS)
    intent_id = _required(params, "payment_intent")
    intent = state.payment_intents.get(intent_id)
    if intent is None:
        raise SandboxError(400, f"No such payment_intent: '{intent_id}'", "payment_intent", code="resource_missing")
    if intent["status"] != "succeeded":
        raise SandboxError(
            400,
            f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
            "payment_intent",
            code="charge_not_refundable",
        )
    charge = state.charges[intent["latest_charge"]]
    left = charge["amount"] - charge["amount_refunded"]
    amount = left
    if params.get("amount") not in (None, ""):
        amount = _integer(params["amount"], "amount", minimum=1)
    if left == 0:
        raise SandboxError(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    if amount > left:
        raise SandboxError(
            400,
            f"Refund amount ({money(amount, charge['currency'])}) is greater than unrefunded amount on "
            f"charge ({money(left, charge['currency'])})",
            "amount",
            code="amount_too_large",
        )
    reason = _string(params, "reason")
    if reason is not None and reason not in REFUND_REASONS:
        raise SandboxError(400, "Invalid reason: must be one of " + ", ".join(REFUND_REASONS), "reason")
    return _new_refund(state, charge, amount, metadata=_metadata(params), reason=reason)


def _new_refund(state, charge, amount, *, metadata, reason):
    """Record a refund of a charge: pending for wallets, succeeded for cards; emits refund.created and
    charge.refunded (which, as in today's API, carries the charge's totals but not its refunds)."""
    method = charge["payment_method_details"]["type"]
    refund = {
        "id": _id("re_"),
        "object": "refund",
        "amount": amount,
        "charge": charge["id"],
        "created": _now(),
        "currency": charge["currency"],
        "metadata": metadata,
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "status": "pending" if method in PENDING_REFUND_METHODS else "succeeded",
    }
    state.refunds[refund["id"]] = refund
    charge["amount_refunded"] += amount  # Stripe counts pending refunds too
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    return refund, [_emit(state, "refund.created", refund), _emit(state, "charge.refunded", charge)]


def _settle_refund(state, refund, succeeded):
    """A pending refund goes through (refund.updated) or fails (refund.failed; the money is refundable again)."""
    if refund["status"] != "pending":
        raise SandboxError(400, f"Refund {refund['id']} is {refund['status']}, not pending.")
    if succeeded:
        refund["status"] = "succeeded"
        return [_emit(state, "refund.updated", refund)]
    refund["status"] = "failed"
    refund["failure_reason"] = "unknown"
    charge = state.charges[refund["charge"]]
    charge["amount_refunded"] -= refund["amount"]
    charge["refunded"] = False
    return [_emit(state, "refund.failed", refund)]


def _list_refunds(state, params):
    """The refunds of a payment intent (or all), newest first."""
    _no_unknown(params, _REFUND_LIST_PARAMS)
    limit = _integer(params["limit"], "limit", minimum=1) if params.get("limit") not in (None, "") else 10
    if limit > 100:
        raise SandboxError(400, "This value must be less than or equal to 100.", "limit")
    intent = _string(params, "payment_intent")
    found = [r for r in reversed(list(state.refunds.values())) if intent is None or r["payment_intent"] == intent]
    return {
        "object": "list",
        "data": [_public(r) for r in found[:limit]],
        "has_more": len(found) > limit,
        "url": "/v1/refunds",
    }


def _payment_intent(state, intent_id, params):
    """A payment intent as Stripe returns it, with latest_charge expanded when asked."""
    _no_unknown(params, {"expand"})
    intent = state.payment_intents.get(intent_id)
    if intent is None:
        raise SandboxError(404, f"No such payment_intent: '{intent_id}'", "id", code="resource_missing")
    body = _public(intent)
    expand = params.get("expand") or []
    if not isinstance(expand, list) or any(e != "latest_charge" for e in expand):
        raise SandboxError(400, "The sandbox can only expand latest_charge on a payment intent.", "expand")
    if expand and intent["latest_charge"]:
        body["latest_charge"] = _public(state.charges[intent["latest_charge"]])
    return body


def pay(app, session_id, method="card", *, later=False):
    """Complete a session as the hosted page would (later=True: settles later); return the event."""
    state = sandbox_state(app)
    with state.lock:
        session = _session(state, session_id)
        events = _expire_if_due(state, session) + _pay(state, session, method, later)
    _publish(app, events)
    return events[-1]


def refund_in_dashboard(app, payment_intent, amount=None):
    """Refund as someone in Stripe's dashboard would (no metadata of ours); return the refund."""
    state = sandbox_state(app)
    with state.lock:
        intent = state.payment_intents.get(payment_intent)
        if intent is None or intent["status"] != "succeeded":
            raise SandboxError(400, f"No paid payment_intent: '{payment_intent}'")
        charge = state.charges[intent["latest_charge"]]
        refund, events = _new_refund(
            state, charge, amount or charge["amount"] - charge["amount_refunded"], metadata={}, reason=None
        )
    _publish(app, events)
    return _public(refund)


def settle_refund(app, refund_id, succeeded=True):
    """Let a pending (wallet) refund go through or fail; return the refund.updated / refund.failed event."""
    state = sandbox_state(app)
    with state.lock:
        refund = state.refunds.get(refund_id)
        if refund is None:
            raise SandboxError(404, f"No such refund: '{refund_id}'", "id", code="resource_missing")
        events = _settle_refund(state, refund, succeeded)
    _publish(app, events)
    return events[-1]


def settle(app, session_id, succeeded=True):
    """Settle a session paid with "settles later"; return the async_payment_* event."""
    state = sandbox_state(app)
    with state.lock:
        events = _settle(state, _session(state, session_id), succeeded)
    _publish(app, events)
    return events[-1]


# --- the Flask app -----------------------------------------------------------------------------------


def _authenticate():
    """Refuse /v1 requests without a test-mode secret key."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[len("Bearer ") :].strip():
        raise SandboxError(
            401,
            "You did not provide an API key. You need to provide your API key in the Authorization "
            "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    key = header[len("Bearer ") :].strip()
    if not key.startswith("sk_test_") or len(key) <= len("sk_test_"):
        shown = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else "***"
        raise SandboxError(401, f"Invalid API Key provided: {shown} (the sandbox takes sk_test_... keys only)")


def _api(handler):
    """Wrap a /v1 handler: record the request, authenticate, honour Idempotency-Key, answer Stripe's JSON."""

    @functools.wraps(handler)
    def view(**kwargs):
        """Run the handler under the state lock and deliver its events after releasing it."""
        app = current_app._get_current_object()
        state = sandbox_state(app)
        key = request.headers.get("Idempotency-Key")
        source = request.form if request.method == "POST" else request.args
        parse_error = None
        try:
            params = parse_form(source.items(multi=True))
        except SandboxError as error:
            params, parse_error = {}, error
        with state.lock:
            state.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "params": copy.deepcopy(params),
                    "idempotency_key": key,
                }
            )
            try:
                _authenticate()
                if parse_error is not None:
                    raise parse_error
                fingerprint = (request.method, request.path, params)
                if request.method == "POST" and key:
                    stored = state.idempotency.get(key)
                    if stored is not None:
                        if stored["fingerprint"] != fingerprint:
                            raise SandboxError(
                                400,
                                "Keys for idempotent requests can only be used with the same parameters "
                                f"they were first used with. Try using a key other than '{key}' if you meant "
                                "to execute a different request.",
                                type="idempotency_error",
                            )
                        return _json(stored["body"], stored["status"], {"Idempotent-Replayed": "true"})
                status, body, events = handler(state, params, **kwargs)
                if request.method == "POST" and key:
                    # Like Stripe, only requests that ran are saved: a refused one may be retried with the key.
                    state.idempotency[key] = {"fingerprint": fingerprint, "status": status, "body": body}
            except SandboxError as error:
                return _json(error.body(), error.status)
        _publish(app, events, background=True)
        return _json(body, status)

    return view


def _base_url():
    """The sandbox's public base URL, including any mount prefix (SCRIPT_NAME)."""
    return request.host_url.rstrip("/") + request.script_root


def _page(session, status=200, message=None):
    """The hosted checkout page for a session (or a message when it cannot be paid), with the demo's controls:
    settle a payment that settles later, and let its pending refunds go through or fail."""
    context = {"session": None, "message": message}
    if session is not None:
        state = sandbox_state(current_app)
        state_refunds = [
            r
            for r in state.refunds.values()
            if session["payment_intent"] and r["payment_intent"] == session["payment_intent"]
        ]
        context.update(
            session=_public(session),
            lines=[dict(line, shown=money(line["amount_total"], line["currency"])) for line in session["_line_items"]],
            total=money(session["amount_total"], session["currency"]),
            methods=[(m, METHOD_LABELS[m]) for m in session["payment_method_types"]],
            paid_with=METHOD_LABELS.get(session.get("_paid_with")),
            refunds=[dict(r, shown=money(r["amount"], r["currency"])) for r in state_refunds],
            failed=bool(session.get("_payment_failed")),
            success_url=session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]),
        )
    response = current_app.make_response((render_template("sandbox/checkout.html", **context), status))
    response.headers["Cache-Control"] = "no-store"
    return response


def create_sandbox_app(*, webhook_url=None, webhook_secret="whsec_sandbox", delivery="sync"):
    """A Flask app that stands in for Stripe (API, hosted checkout page, webhooks) with in-memory state."""
    if delivery not in ("sync", "manual"):
        raise ValueError("delivery must be 'sync' or 'manual'")
    app = Flask(__name__, template_folder="templates")
    app.extensions["stripe_sandbox"] = SandboxState(
        webhook_url=webhook_url, webhook_secret=webhook_secret, delivery=delivery
    )

    @app.post("/v1/checkout/sessions")
    @_api
    def create_session(state, params):
        """POST /v1/checkout/sessions."""
        return 200, _public(_create_session(state, params, _base_url())), []

    @app.get("/v1/checkout/sessions/<session_id>")
    @_api
    def retrieve_session(state, params, session_id):
        """GET /v1/checkout/sessions/<id> (expand[]=payment_intent or payment_intent.latest_charge)."""
        _no_unknown(params, {"expand"})
        expand = params.get("expand") or []
        if not isinstance(expand, list) or any(
            e not in ("payment_intent", "payment_intent.latest_charge") for e in expand
        ):
            raise SandboxError(
                400, "The sandbox can only expand payment_intent(.latest_charge) on a session.", "expand"
            )
        session = _session(state, session_id)
        events = _expire_if_due(state, session)
        body = _public(session)
        if expand and session["payment_intent"]:
            body["payment_intent"] = _payment_intent(
                state,
                session["payment_intent"],
                {"expand": ["latest_charge"]} if "payment_intent.latest_charge" in expand else {},
            )
        return 200, body, events

    @app.post("/v1/checkout/sessions/<session_id>/expire")
    @_api
    def expire_session(state, params, session_id):
        """POST /v1/checkout/sessions/<id>/expire."""
        session = _session(state, session_id)
        # A session already past its expires_at is expired now rather than refused: Stripe would have
        # expired it on time, and the caller asked for the same outcome.
        events = _expire_if_due(state, session) or _expire(state, session)
        return 200, _public(session), events

    @app.post("/v1/refunds")
    @_api
    def create_refund(state, params):
        """POST /v1/refunds."""
        refund, events = _create_refund(state, params)
        return 200, _public(refund), events

    @app.get("/v1/refunds")
    @_api
    def list_refunds(state, params):
        """GET /v1/refunds?payment_intent=..."""
        return 200, _list_refunds(state, params), []

    @app.get("/v1/payment_intents/<intent_id>")
    @_api
    def retrieve_payment_intent(state, params, intent_id):
        """GET /v1/payment_intents/<id> (expand[]=latest_charge)."""
        return 200, _payment_intent(state, intent_id, params), []

    @app.get("/v1/refunds/<refund_id>")
    @_api
    def retrieve_refund(state, params, refund_id):
        """GET /v1/refunds/<id>."""
        refund = state.refunds.get(refund_id)
        if refund is None:
            raise SandboxError(404, f"No such refund: '{refund_id}'", "id", code="resource_missing")
        return 200, _public(refund), []

    @app.get("/pay/<session_id>")
    def checkout_page(session_id):
        """The stand-in for Stripe's hosted Checkout page."""
        state = sandbox_state(app)
        with state.lock:
            session = state.sessions.get(session_id)
            if session is None:
                return _page(None, 404, "找不到此支付 · This checkout session does not exist.")
            events = _expire_if_due(state, session)
            response = _page(session)
        _publish(app, events)
        return response

    @app.post("/pay/<session_id>")
    def checkout_submit(session_id):
        """Pay (now or settling later) or cancel, then send the customer back like Stripe does."""
        state = sandbox_state(app)
        action = request.form.get("action")
        with state.lock:
            session = state.sessions.get(session_id)
            if session is None:
                return _page(None, 404, "找不到此支付 · This checkout session does not exist.")
            events = _expire_if_due(state, session)
            if action == "cancel":
                target = session["cancel_url"]
            elif action in ("settle_succeeded", "settle_failed"):
                # The demo's bank: a payment that settles later is settled from this page.
                try:
                    events += _settle(state, session, action == "settle_succeeded")
                except SandboxError as error:
                    return _page(session, 409, error.message)
                target = url_for("checkout_page", session_id=session_id)
            elif action in ("refund_succeeded", "refund_failed"):
                refund = state.refunds.get(request.form.get("refund", ""))
                if refund is None or refund["payment_intent"] != session["payment_intent"]:
                    return _page(session, 404, "找不到此退款 · No such refund.")
                try:
                    events += _settle_refund(state, refund, action == "refund_succeeded")
                except SandboxError as error:
                    return _page(session, 409, error.message)
                target = url_for("checkout_page", session_id=session_id)
            elif action not in ("pay", "pay_async"):
                return _page(session, 400, "未知操作 · Unknown action.")
            elif session["status"] != "open":
                return _page(session, 409)
            elif request.form.get("method") not in session["payment_method_types"]:
                return _page(session, 400, "请选择支付方式 · Choose one of the payment methods offered.")
            else:
                events += _pay(state, session, request.form["method"], later=action == "pay_async")
                target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        _publish(app, events)
        return redirect(target, 303)

    @app.post("/sandbox/refunds/<refund_id>/settle")
    def settle_refund_view(refund_id):
        """Let a pending refund go through or fail: form outcome=succeeded|failed."""
        outcome = request.form.get("outcome", "succeeded")
        if outcome not in ("succeeded", "failed"):
            return _json(SandboxError(400, "outcome must be succeeded or failed", "outcome").body(), 400)
        try:
            event = settle_refund(app, refund_id, succeeded=outcome == "succeeded")
        except SandboxError as error:
            return _json(error.body(), error.status)
        return _json({"event": event["id"], "refund": event["data"]["object"]})

    @app.post("/sandbox/sessions/<session_id>/settle")
    def settle_session(session_id):
        """Settle a "settles later" payment: form outcome=succeeded|failed."""
        outcome = request.form.get("outcome", "succeeded")
        if outcome not in ("succeeded", "failed"):
            return _json(SandboxError(400, "outcome must be succeeded or failed", "outcome").body(), 400)
        try:
            event = settle(app, session_id, succeeded=outcome == "succeeded")
        except SandboxError as error:
            return _json(error.body(), error.status)
        return _json({"event": event["id"], "session": event["data"]["object"]})

    @app.errorhandler(404)
    @app.errorhandler(405)
    def api_not_found(error):
        """Stripe's JSON for unknown /v1 URLs; plain pages elsewhere."""
        if not request.path.startswith("/v1/"):
            return error
        return _json(
            SandboxError(
                404,
                f"Unrecognized request URL ({request.method}: {request.path}).",
            ).body(),
            404,
        )

    return app


# --- serving and the SDK client ----------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without the per-request access log (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        """Skip the access log line."""


class SandboxServer:
    """A sandbox app served on 127.0.0.1 at a random port in a daemon thread."""

    def __init__(self, app):
        """Bind and start serving app."""
        self.app = app
        self.state = sandbox_state(app)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval so shutdown() returns at once (tests start and stop many sandboxes).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="stripe-sandbox", daemon=True
        )
        self._thread.start()

    def shutdown(self):
        """Stop serving and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        """Use as a context manager."""
        return self

    def __exit__(self, *exc_info):
        """Shut down on leaving the block."""
        self.shutdown()


def start_sandbox(**kwargs):
    """Create a sandbox app with create_sandbox_app(**kwargs) and serve it; returns a SandboxServer."""
    return SandboxServer(create_sandbox_app(**kwargs))


class SandboxHTTPClient(stripe.HTTPClient):
    """An SDK transport for the sandbox: urllib with no proxies (it is always local), a timeout, and no
    pooled keep-alive sockets left open (pytest turns their ResourceWarnings into errors)."""

    name = "sandbox-urllib"

    def __init__(self, timeout=DELIVERY_TIMEOUT):
        """Build an opener that ignores proxy settings."""
        super().__init__()
        self._timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(self, method, url, headers, post_data=None):
        """Send one request; return (body, status, lower-cased headers) as the SDK expects."""
        data = post_data.encode("utf-8") if isinstance(post_data, str) else post_data
        outgoing = urllib.request.Request(url, data=data, headers=dict(headers or {}), method=method.upper())
        try:
            with self._opener.open(outgoing, timeout=self._timeout) as response:
                return response.read(), response.status, {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as error:
            with error:
                return error.read(), error.code, {k.lower(): v for k, v in error.headers.items()}
        except (urllib.error.URLError, OSError) as error:
            raise stripe.APIConnectionError(f"Could not reach the Stripe sandbox at {url}: {error}") from error

    def request_stream(self, method, url, headers, post_data=None):
        """Streaming is not needed for the endpoints the sandbox models."""
        raise NotImplementedError("The Stripe sandbox client does not stream.")

    def close(self):
        """Nothing to close: every request uses its own connection."""


def sandbox_client(url, api_key="sk_test_sandbox"):
    """A real StripeClient talking to the sandbox at url (no retries, so failures show at once)."""
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": url},
        max_network_retries=0,
        http_client=SandboxHTTPClient(),
    )
