"""Paying by phone at the kiosk: unit + the last 4 phone digits, then the unpaid total (no names) and a QR code
that opens Checkout on the resident's own phone; the kiosk follows the payment until it is paid."""

from flask import g, redirect, render_template, request, url_for

from domain.errors import DomainError
from domain.kiosk import payments as kiosk_payments
from domain.throttle.services import SlowDown, Throttled, WrongCode
from extensions import db
from kiosk import bp
from web.refusals import refusal_message


@bp.route("/pay", methods=["GET", "POST"])
def pay():
    """The keypad: unit and the last 4 digits of a phone registered for it."""
    if request.method == "GET":
        return render_template("kiosk/pay.html", error=None, unit="")
    unit = (request.form.get("unit") or "").strip()
    try:
        token, _total = kiosk_payments.start(g.kiosk, unit_label=unit, last4=request.form.get("last4", ""))
        db.session.commit()
    except WrongCode as error:
        db.session.commit()  # the wrong answer counts
        return render_template("kiosk/pay.html", error=refusal_message(error), unit=unit), 422
    except Throttled as error:
        return render_template(
            "kiosk/pay.html", error=refusal_message(error), unit=unit, locked=not isinstance(error, SlowDown)
        ), 429
    except DomainError as error:
        return render_template("kiosk/pay.html", error=refusal_message(error), unit=unit), 422
    if token is None:
        return render_template("kiosk/pay_nothing.html")
    return redirect(url_for("kiosk.pay_by_phone", token=token), code=303)


@bp.get("/pay/<token>")
def pay_by_phone(token):
    """The unpaid total and the QR code for the resident's phone; the status below refreshes itself."""
    session = kiosk_payments.get(g.kiosk, token)
    link = url_for("public.pay_from_kiosk", link=kiosk_payments.phone_link_token(session), _external=True)
    return render_template(
        "kiosk/pay_qr.html", session=session, token=token, link=link, state=kiosk_payments.status(session)
    )


@bp.get("/pay/<token>/status")
def pay_status(token):
    """Polled by the QR screen: once the payment is settled, say so and end the errand."""
    session = kiosk_payments.get(g.kiosk, token)
    state = kiosk_payments.status(session)
    if state == "paid":
        db.session.delete(session)
        db.session.commit()
    return render_template("kiosk/_pay_status.html", state=state, token=token)
