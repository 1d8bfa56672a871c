"""Paying a bill by phone from the kiosk: unit + the last 4 phone digits give the unit's unpaid total (no names);
the kiosk shows a QR code that opens Stripe Checkout on the resident's own phone; the webhook settles it and the
kiosk shows "paid". The kiosk never takes a card, and the errand lives only in a short server-side session."""

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.billing.models import Bill
from domain.clock import local_date, utcnow
from domain.errors import NotFound
from domain.kiosk.models import KioskSession
from domain.kiosk.residents import check_unit_and_phone
from domain.kiosk.sessions import live_session, open_session
from domain.payments.checkout import start_checkout
from domain.payments.models import Payment, PaymentStatus
from extensions import db

#: How long one person's errand may last.
SESSION_TIME = timedelta(minutes=5)


def _links():
    """Signs the phone link of a session (it expires with the session)."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kiosk-pay")


def start(kiosk, *, unit_label, last4, now=None):
    """Check unit + phone digits and open an errand for the unit's unpaid bills; returns (token, total fen), or
    (None, 0) when nothing is owed. Raises NoMatch (counted) or Throttled like the other kiosk checks."""
    now = now or utcnow()
    unit_id, resident_id, _label = check_unit_and_phone(kiosk, unit_label=unit_label, last4=last4, now=now)
    bills = [b for b in db.session.scalars(select(Bill).where(Bill.unit_id == unit_id)) if b.outstanding_fen > 0]
    if not bills:
        return None, 0
    total = sum(b.outstanding_fen for b in bills)
    _session, token = open_session(
        kiosk,
        "pay",
        {"unit_id": unit_id, "resident_id": resident_id, "bill_ids": [b.id for b in bills], "total_fen": total},
        SESSION_TIME,
        now,
    )
    return token, total


def get(kiosk, token, now=None):
    """The kiosk's own live payment errand for `token`, or NotFound (another kiosk's, ended or timed out)."""
    return live_session(kiosk, token, "pay", now)


def phone_link_token(session):
    """What the QR code's link carries: the session's id, signed, valid as long as the session."""
    return _links().dumps(session.id)


def open_checkout(link_token, *, provider, success_url, cancel_url, now=None):
    """The resident's phone opened the QR link: open Checkout for the errand's bills; returns its URL."""
    now = now or utcnow()
    try:
        session_id = _links().loads(link_token, max_age=int(SESSION_TIME.total_seconds()))
    except (BadSignature, SignatureExpired):
        raise NotFound() from None
    session = db.session.get(KioskSession, session_id)
    if session is None or session.expires_at <= now or session.flow != "pay":
        raise NotFound()
    data = session.data
    checkout = start_checkout(
        Actor.system(f"kiosk:{session.kiosk_id}"),
        resident_id=data["resident_id"],
        bill_ids=data["bill_ids"],
        today=local_date(now),
        provider=provider,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    session.data = {**data, "payment_id": checkout.payment_id}
    return checkout.url


def status(session):
    """ "waiting" (no payment opened yet), "open" (Checkout open on the phone), "settling" or "paid"."""
    payment_id = session.data.get("payment_id")
    payment = db.session.get(Payment, payment_id) if payment_id else None
    if payment is None:
        return "waiting"
    if payment.status == PaymentStatus.SUCCEEDED:
        return "paid"
    return "settling" if payment.status == PaymentStatus.PROCESSING else "open"
