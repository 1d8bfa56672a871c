"""The audit log, for the manager."""

from flask import request

from domain.accounts.roles import Permission
from domain.audit.services import list_entries
from staff import bp
from web.auth import staff_permission
from web.guards import id_arg
from web.htmx import render_page


@bp.get("/audit")
@staff_permission(Permission.VIEW_AUDIT)
def list_audit():
    """Newest first, 50 a page, paged by key; filter by what was done."""
    action = request.args.get("action", "")[:60]
    entries = list_entries(before_id=id_arg("before"), action_prefix=action or None, limit=50)
    return render_page("staff/audit/index.html", "staff/audit/_rows.html", entries=entries, action=action)
