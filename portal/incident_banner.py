"""Incident mode in the portal: the live notices for the signed-in resident's buildings, read once per page (the
layout's banner and the new-request form ask the same answer)."""

from flask import g
from flask_login import current_user

from domain.clock import today
from domain.incidents.notices import live_notices_for_user
from portal import bp


def incident_notices():
    """The live incident notices for the signed-in resident's buildings ([] for anyone else), one statement a page."""
    if "incident_notices" not in g:
        signed_in = current_user.is_authenticated and current_user.is_resident
        g.incident_notices = live_notices_for_user(current_user.id, today()) if signed_in else []
    return g.incident_notices


@bp.context_processor
def inject_incident_notices():
    """Give portal templates the live incident notices (asked only when a template shows them)."""
    return {"incident_notices": incident_notices}
