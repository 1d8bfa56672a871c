"""The audit log, for the manager."""

from flask import request
from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Permission
from domain.audit.services import export_statement, list_entries
from domain.exports import Column, count, stream
from staff import bp
from web.auth import staff_permission
from web.exports import export_response
from web.guards import id_arg
from web.htmx import render_page

#: The log's export, in the page's columns.
EXPORT_COLUMNS = (
    Column(_l("When"), "datetime", 18),
    Column(_l("Who"), width=14),
    Column(_l("Action"), width=24),
    Column(_l("Record"), width=16),
    Column(_l("Record number"), "int", 10),
    Column(_l("Details"), width=60),
    Column(_l("Source address"), width=16),
)


def _action_filter():
    """The page's filter: what was done (the start of an action, "unit.")."""
    return request.args.get("action", "")[:60]


@bp.get("/audit")
@staff_permission(Permission.VIEW_AUDIT)
def list_audit():
    """Newest first, 50 a page, paged by key; filter by what was done."""
    action = _action_filter()
    entries = list_entries(before_id=id_arg("before"), action_prefix=action or None, limit=50)
    return render_page("staff/audit/index.html", "staff/audit/_rows.html", entries=entries, action=action)


@bp.get("/audit/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.VIEW_AUDIT)
def export_audit(fmt):
    """Every entry under the page's filter, as an Excel workbook or a CSV file."""
    statement = export_statement(action_prefix=_action_filter() or None)
    return export_response(
        fmt,
        name="audit",
        title=_l("Audit log"),
        columns=EXPORT_COLUMNS,
        rows=stream(statement),
        row_count=count(statement),
    )
