"""The company's pages (/company/), above its properties: the figures of the properties side by side, each
property's monthly report, and setting up a new property. Only staff with a company role use them."""

from flask import Blueprint, abort
from flask_login import current_user

from domain.accounts.models import AccountKind
from domain.current_property import set_current_property
from web.auth import require_area

bp = Blueprint("company", __name__)


@bp.before_request
def company_staff_only():
    """Signed-in staff with a company role only (signed out: the console's login; anyone else: 403). The pages work
    above the properties, so the property the sign-in works for is put aside: each statement names its properties."""
    refused = require_area(AccountKind.STAFF)
    if refused is not None:
        return refused
    if current_user.company_role is None:
        abort(403)
    set_current_property(None)
    return None


# The pages add their routes to the blueprint when imported.
from company import routes  # noqa: E402, F401
