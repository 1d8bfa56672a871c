"""The facilities register and its scheduled checks."""

from flask import render_template

from domain.accounts.roles import Permission
from staff import bp
from web.auth import staff_permission


@bp.get("/facilities/")
@staff_permission(Permission.VIEW_FACILITIES)
def list_facilities():
    """Checks due today for the reader's role, the overdue ones, and the register."""
    return render_template("staff/facilities/index.html")
