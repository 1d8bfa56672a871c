"""Routes outside the three areas: the landing page, the health and readiness checks and the metrics, the language
switch, and the payment link a kiosk's QR code opens on a resident's phone."""

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from domain.accounts.services import set_locale
from domain.errors import DomainError, NotFound
from domain.kiosk import payments as kiosk_payments
from domain.payments.providers import get_provider
from extensions import csrf, db
from web.auth import safe_next
from web.i18n import normalise_locale
from web.observability import metrics
from web.observability.readiness import readiness
from web.refusals import refusal_message

bp = Blueprint("public", __name__)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """Liveness check that touches no database: the baseline the benchmarks compare with."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/readyz")
def readyz():
    """Readiness for the load balancer: 200 when the database answers at the migrations' head and the task queue
    answers, else 503 naming the checks that failed. Says nothing else (no address, error or version)."""
    checks = readiness()
    failed = [name for name, passed in checks.items() if not passed]
    body = {"ready": not failed, "checks": {name: "ok" if passed else "failed" for name, passed in checks.items()}}
    if failed:
        body["failed"] = failed
    return jsonify(body), 503 if failed else 200, {"Cache-Control": "no-store"}


@bp.get("/metrics")
def prometheus_metrics():
    """The Prometheus scrape: a 404, as if there were none, unless METRICS_TOKEN is set and sent as a bearer token."""
    if not metrics.allowed(request.headers.get("Authorization"), current_app.config["METRICS_TOKEN"]):
        abort(404)
    body, content_type = metrics.exposition(current_app.config["PROMETHEUS_MULTIPROC_DIR"])
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


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
