"""The resident's home: their units and household, and the latest announcements."""

from flask import render_template
from flask_login import current_user

from domain.announcements.services import current_announcements
from domain.clock import today
from domain.property.services import get_property, households_for, resident_for_user
from portal import bp


@bp.get("/")
def home():
    """Units, household and announcements for the signed-in resident."""
    resident = resident_for_user(current_user)
    return render_template(
        "portal/home/index.html",
        resident=resident,
        households=households_for(resident, today()),
        announcements=current_announcements(limit=5),
        property=get_property(),
    )
