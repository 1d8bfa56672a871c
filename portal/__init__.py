"""The resident portal: mobile-first pages for residents."""

from flask import Blueprint, request

from domain.accounts.models import AccountKind
from web.auth import require_area

bp = Blueprint("portal", __name__)

#: Endpoints reachable without signing in (the move-in invitation makes the owner's account).
PUBLIC_ENDPOINTS = {"portal.login", "portal.redeem_invitation"}


@bp.before_request
def residents_only():
    """Every portal page needs a signed-in resident; staff get 403."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return require_area(AccountKind.RESIDENT)


from portal import account, bills, documents, home, incident_banner, menu, notices, parcels, renovations, surveys  # noqa: E402,F401  (routes register)
from portal.movein import routes as _movein  # noqa: E402,F401
from portal.notices import routes as _notices  # noqa: E402,F401
from portal.tickets import routes  # noqa: E402,F401
