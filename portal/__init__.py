"""The resident portal: mobile-first pages for residents."""

from flask import Blueprint, redirect, request, session, url_for
from flask_login import current_user

from domain.accounts.models import AccountKind
from web.auth import require_area

bp = Blueprint("portal", __name__)

#: Endpoints reachable without signing in (the move-in invitation makes the owner's account).
PUBLIC_ENDPOINTS = {"portal.login", "portal.redeem_invitation"}


@bp.before_request
def residents_only():
    """Every portal page needs a signed-in resident (staff get 403); someone living in several properties of the
    company chooses which one they are looking at first (one sign-in, each property with its own bills and desk)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    refused = require_area(AccountKind.RESIDENT)
    if refused is not None or current_user.property_id is not None or not session.get("several_properties"):
        return refused
    if request.endpoint in ("portal.logout", "portal.choose_property_page"):
        return None
    return redirect(url_for("portal.choose_property_page", next=request.full_path), code=303)


from portal import (  # noqa: E402,F401  (routes register)
    account,
    bills,
    documents,
    home,
    incident_banner,
    menu,
    notices,
    parcels,
    properties,
    renovations,
    surveys,
)
from portal.movein import routes as _movein  # noqa: E402,F401
from portal.notices import routes as _notices  # noqa: E402,F401
from portal.tickets import routes  # noqa: E402,F401
