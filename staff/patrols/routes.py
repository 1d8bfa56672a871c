"""Patrol routes, their checkpoints and label sheets, and the history of rounds with each 巡视记录表."""

from flask import render_template

from domain.accounts.roles import Permission
from staff import bp
from web.auth import staff_permission


@bp.get("/patrols/")
@staff_permission(Permission.VIEW_PATROLS)
def list_rounds():
    """Today's rounds of every route and the history, with missed and late ones marked."""
    return render_template("staff/patrols/index.html")


@bp.get("/patrols/routes/")
@staff_permission(Permission.MANAGE_PATROLS)
def list_routes():
    """The routes with their checkpoints, schedules and label sheets."""
    return render_template("staff/patrols/routes.html")
