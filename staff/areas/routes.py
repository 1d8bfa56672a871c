"""Areas (负责区域): the manager assigns buildings or floors to assistants, with a deputy for days off."""

from flask import render_template

from domain.accounts.roles import Permission
from staff import bp
from web.auth import staff_permission


@bp.get("/areas/")
@staff_permission(Permission.VIEW_AREAS)
def list_areas():
    """Every area with its assistant, deputy and buildings."""
    return render_template("staff/areas/index.html")


@bp.get("/areas/mine")
@staff_permission(Permission.OWN_AREA)
def my_area():
    """The assistant's console home: their area's open tickets, callbacks and visits due, arrears, today's patrol."""
    return render_template("staff/areas/mine.html")
