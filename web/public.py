"""Routes outside the three areas: the landing page, the health check, the language switch, and the payment
link a kiosk's QR code opens on a resident's phone."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from domain.accounts.services import set_locale
from domain.errors import DomainError, NotFound
from domain.kiosk import payments as kiosk_payments
from domain.payments.providers import get_provider
from extensions import csrf, db
from web.auth import safe_next
from web.i18n import normalise_locale
from web.refusals import refusal_message

bp = Blueprint("public", __name__)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """Liveness check that touches no database: the baseline the benchmarks compare with."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/")
def index():
    """Where to go: the resident portal or the staff console."""
    return render_template("public/index.html")


@bp.post("/lang")
def switch_language():
    """Switch the interface language and go back to the page the switch was on."""
    locale = normalise_locale(request.form.get("lang"))
    if locale:
        session["lang"] = locale
        if current_user.is_authenticated:
            set_locale(current_user.id, locale)
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"), code=303)


@bp.get("/pay/k/<link>")
def pay_from_kiosk(link):
    """Opened on the resident's phone from the kiosk's QR code: straight to Checkout for the unit's unpaid bills."""
    try:
        url = kiosk_payments.open_checkout(
            link,
            provider=get_provider(),
            success_url=url_for("public.paid_from_kiosk", _external=True),
            cancel_url=url_for("public.paid_from_kiosk", _external=True),
        )
        db.session.commit()
    except DomainError as error:
        message = refusal_message(error)
        if isinstance(error, NotFound):  # an expired or unknown link
            return render_template("public/kiosk_pay.html", expired=True), 404
        return render_template("public/kiosk_pay.html", error=message), 409
    return redirect(url, code=303)


@bp.get("/pay/k/done")
def paid_from_kiosk():
    """Where Checkout sends the phone back: the kiosk shows the result."""
    return render_template("public/kiosk_pay.html")
