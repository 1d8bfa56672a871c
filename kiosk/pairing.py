"""Enrolling this screen as a kiosk: it shows a pairing code, the manager enters it in the console, and the
screen then collects its device credential (a long random cookie) and starts."""

from flask import current_app, g, make_response, redirect, render_template, request, url_for

from domain.errors import NotFound
from domain.kiosk import services as kiosks
from domain.kiosk.services import PAIRING_TIME
from extensions import db
from kiosk import DEVICE_COOKIE, bp
from web.guards import parse_id
from web.htmx import client_redirect

PAIRING_COOKIE = "kiosk_pairing"
#: An enrolled kiosk keeps its credential for years; a revocation in the console ends it at once.
DEVICE_MAX_AGE = 5 * 365 * 24 * 3600


def _cookie_options():
    """HttpOnly, SameSite=Strict, Secure in production: the credential never reaches a script or another site."""
    return {
        "httponly": True,
        "samesite": "Strict",
        "secure": bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        "path": "/kiosk",
    }


def _read_pairing_cookie():
    """(pairing id, browser secret) from the pairing cookie, or (None, None) (also for an id no row can have)."""
    pairing_id, _, secret = (request.cookies.get(PAIRING_COOKIE) or "").partition(".")
    pairing_id = parse_id(pairing_id)
    return (pairing_id, secret) if pairing_id and secret else (None, None)


@bp.get("/pair")
def pair():
    """The pairing screen: a fresh 6-digit code for the manager to enter in the console (valid 10 minutes), on this
    browser's pending pairing when it has one (a reload adds no row)."""
    if g.get("kiosk") is not None:
        return redirect(url_for("kiosk.index"), code=303)
    pairing, code, secret = kiosks.start_pairing(*_read_pairing_cookie())
    db.session.commit()
    response = make_response(
        render_template("kiosk/pair.html", code=code, minutes=int(PAIRING_TIME.total_seconds() // 60))
    )
    response.set_cookie(
        PAIRING_COOKIE, f"{pairing.id}.{secret}", max_age=int(PAIRING_TIME.total_seconds()), **_cookie_options()
    )
    return response


@bp.get("/pair/status")
def pairing_status():
    """Polled by the pairing screen: once the manager has entered the code, hand the browser its credential."""
    pairing_id, secret = _read_pairing_cookie()
    try:
        credential = kiosks.collect_credential(pairing_id, secret) if pairing_id else None
        if pairing_id is None:
            raise NotFound()
    except NotFound:
        db.session.rollback()
        return client_redirect(url_for("kiosk.pair"))  # expired or unknown: a new code
    if credential is None:
        return "", 204  # still waiting for the manager
    db.session.commit()
    response = client_redirect(url_for("kiosk.index"))
    response.set_cookie(DEVICE_COOKIE, credential, max_age=DEVICE_MAX_AGE, **_cookie_options())
    response.delete_cookie(PAIRING_COOKIE, path="/kiosk")
    return response
