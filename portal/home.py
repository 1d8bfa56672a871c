"""The resident's home: what matters first (what is owed, parcels waiting, open requests with what to expect,
notices), then their units and household, and the latest announcements."""

from flask import render_template
from flask_login import current_user

from domain.announcements.services import current_announcements
from domain.areas.lookup import assistants_of_units
from domain.clock import today, utcnow
from domain.dashboards.resident_home import home_figures
from domain.movein.online import open_cases_of
from domain.notify.services import unread_notices
from domain.property.occupancies import resident_home
from domain.tickets.expected import expected_step
from domain.tickets.queries import resident_open_tickets
from portal import bp
from portal.tickets.forms import ticket_labels


@bp.get("/")
def home():
    """What the signed-in resident should know now (owed, parcels and unread notices in one statement, open requests
    in one, the unread notices in one when there are any), then
    units (each with its property assistant), household, a move-in in progress and announcements."""
    home_ = resident_home(current_user, today())
    unit_ids = [household.unit.id for household in home_.households]
    now = utcnow()
    figures = home_figures(home_.resident.id, unit_ids)
    tickets = resident_open_tickets(home_.resident.id)
    return render_template(
        "portal/home/index.html",
        home=home_,
        figures=figures,
        open_tickets=[(row, expected_step(row, now)) for row in tickets],
        open_count=tickets[0].open_count if tickets else 0,
        notices=unread_notices(home_.resident.id) if figures.unread_notices else [],
        ticket_labels=ticket_labels(),
        assistants=assistants_of_units(unit_ids, today()),
        announcements=current_announcements(limit=5),
        move_in_cases=open_cases_of(current_user),
    )
