"""Payment provider webhooks: the only place where a payment is fulfilled."""

import stripe
from flask import Blueprint, current_app, jsonify, request

from domain.current_property import set_current_property
from domain.payments.providers import get_provider
from domain.payments.webhooks import ProviderRecordUnavailable, handle_event
from extensions import csrf, db, limiter
from web.observability.metrics import count_webhook

bp = Blueprint("payments", __name__)


@bp.post("/stripe/webhook")
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    """Verify Stripe's signature on the raw body, apply the event once, and answer 2xx fast.

    400 for a body that is not a signed, fresh (300 s) event of ours, or a signed body that is not an event;
    503 when payments are off or the provider's own record cannot be read (nothing applied: it is sent again).
    A repeat of an event already handled answers 200 without doing anything.
    """
    try:
        kind, answer = _receive_event()
    except Exception:
        count_webhook("error")  # the 500 handler then rolls back and logs it
        raise
    count_webhook(kind)
    return answer


def _receive_event():
    """Verify, apply and commit one delivery; returns what became of it (metrics.WEBHOOK_OUTCOME_LABELS) and the
    answer."""
    # A webhook works for no property: each payment is changed for its own (domain.payments.webhooks).
    set_current_property(None)
    provider = get_provider()
    if provider is None:
        return "error", (jsonify(error="payments are not configured"), 503)
    payload = request.get_data(cache=False)
    try:
        event = provider.parse_event(payload, request.headers.get("Stripe-Signature"))
    except ValueError:  # not JSON, or not an event (MalformedEvent), even when correctly signed
        return "error", (jsonify(error="invalid payload"), 400)
    except stripe.SignatureVerificationError:
        current_app.logger.warning("webhook with a bad signature from %s", request.remote_addr)
        return "bad_signature", (jsonify(error="invalid signature"), 400)
    try:
        outcome = handle_event(event, provider)
    except ProviderRecordUnavailable:
        db.session.rollback()
        current_app.logger.warning("webhook %s not applied: the provider's record could not be read", event.get("id"))
        return "error", (jsonify(error="provider unavailable, send again later"), 503)
    db.session.commit()
    return outcome_kind(outcome), jsonify(received=True, outcome=outcome)


def outcome_kind(outcome):
    """The metrics' name for what handle_event returned: a repeat is "duplicate", "ignored: ..." (and a refund
    event that changed nothing) "ignored", a mismatched session "error", any change of a payment "applied"."""
    if outcome == "duplicate":
        return "duplicate"
    if outcome.startswith("ignored") or outcome == "refunds changed: 0":
        return "ignored"
    if outcome.startswith("rejected"):
        return "error"
    return "applied"
