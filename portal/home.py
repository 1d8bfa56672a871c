"""The resident's home: their units and household, and the latest announcements."""

from flask import render_template
from flask_login import current_user

from domain.announcements.services import current_announcements
from domain.areas.lookup import assistants_of_units
from domain.clock import today
from domain.movein.online import open_cases_of
from domain.property.occupancies import resident_home
from portal import bp


@bp.get("/")
def home():
    """Units (each with its property assistant), household, a move-in in progress and announcements for the
    signed-in resident."""
    home_ = resident_home(current_user, today())
    return render_template(
        "portal/home/index.html",
        home=home_,
        assistants=assistants_of_units([household.unit.id for household in home_.households], today()),
        announcements=current_announcements(limit=5),
        move_in_cases=open_cases_of(current_user),
    )
