"""Special incidents: reporting one in under a minute, its timeline, closing it, the report and the list."""

from flask import render_template

from domain.accounts.roles import Permission
from staff import bp
from web.auth import staff_permission


@bp.get("/incidents/")
@staff_permission(Permission.REPORT_INCIDENTS)
def list_incidents():
    """The incidents by kind and month, the open ones first."""
    return render_template("staff/incidents/index.html")
