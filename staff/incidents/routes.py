"""Special incidents: reporting one in under a minute, its timeline, closing it, the report and the list."""

from flask import render_template

from domain.accounts.roles import Permission
from domain.incidents import services
from domain.property.buildings import get_property_id
from staff import bp
from staff.incidents import pages
from web.auth import staff_permission


@bp.get("/incidents/")
@staff_permission(Permission.REPORT_INCIDENTS)
def list_incidents():
    """The incidents by kind and month, the open ones first."""
    return render_template("staff/incidents/index.html")


@bp.get("/incidents/<int:incident_id>")
@staff_permission(Permission.REPORT_INCIDENTS)
def show_incident(incident_id):
    """One incident: its timeline, photos, the outcome, and the steps the signed-in person may take."""
    incident = services.get_incident(incident_id, get_property_id())
    return render_template("staff/incidents/show.html", **pages.incident_page(incident))
