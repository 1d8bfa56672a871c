"""Routes outside the three areas: the landing page, the health check, the language switch."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from domain.accounts.services import set_locale
from extensions import csrf, db
from web.auth import safe_next
from web.i18n import normalise_locale

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
