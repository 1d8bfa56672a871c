"""The staff console: desktop pages whose menu and actions depend on the role."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from domain.accounts.models import AccountKind
from web.auth import require_area

bp = Blueprint("staff", __name__)

#: Endpoints reachable without signing in.
PUBLIC_ENDPOINTS = {"staff.login"}
#: Endpoints a signed-in staff member reaches before choosing a property (or with none: the company's staff).
PROPERTY_FREE_ENDPOINTS = {
    "staff.logout",
    "staff.choose_property_page",
    "staff.change_password",
    "staff.list_devices",
    "staff.sign_out_device",
    "staff.sign_out_everywhere",
}


@bp.before_request
def staff_only():
    """Every console page needs a signed-in staff member (residents get 403) working for a property where they hold a
    role: with several and none chosen yet, they choose first; the choice is never guessed."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    refused = require_area(AccountKind.STAFF)
    if refused is not None or current_user.role is not None or request.endpoint in PROPERTY_FREE_ENDPOINTS:
        return refused
    return redirect(url_for("staff.choose_property_page", next=request.full_path), code=303)


# The console's modules add their routes to the blueprint when imported.
from staff import (  # noqa: E402, F401
    account,
    accounts,
    announcements,
    audit,
    billing,
    board,
    buildings,
    fees,
    imports,
    kiosks,
    lending,
    menu,
    parcels,
    properties,
    property_settings,
    renovations,
    residents,
    storage,
    tasks,
    units,
)
from staff.archives import routes as _archives  # noqa: E402, F401
from staff.areas import routes as _areas  # noqa: E402, F401
from staff.attendance import routes as _attendance  # noqa: E402, F401
from staff.evaluation import routes as _evaluation  # noqa: E402, F401
from staff.facilities import routes as _facilities  # noqa: E402, F401
from staff.incidents import alerts as _alerts  # noqa: E402, F401
from staff.incidents import notice as _incident_notice  # noqa: E402, F401
from staff.incidents import routes as _incidents  # noqa: E402, F401
from staff.movein import desk, inspections, supervision, templates_admin  # noqa: E402, F401
from staff.movein import routes as _movein  # noqa: E402, F401
from staff.overtime import routes as _overtime  # noqa: E402, F401
from staff.patrols import routes as _patrols  # noqa: E402, F401
from staff.patrols import today as _patrols_today  # noqa: E402, F401
from staff.reports import routes as _reports  # noqa: E402, F401
from staff.standards import routes as _standards  # noqa: E402, F401
from staff.surveys import routes as _surveys  # noqa: E402, F401
from staff.tickets import callback_figures, callbacks, routes, visit_plans  # noqa: E402, F401  # noqa: E402, F401
from staff.vacant import routes as _vacant  # noqa: E402, F401
from staff.violations import kinds as _violation_kinds  # noqa: E402, F401
from staff.violations import routes as _violations  # noqa: E402, F401
