"""Incident mode on the kiosks: a lobby kiosk serves every building, so it shows every live notice, naming its
buildings."""

from flask import g

from domain.incidents.notices import live_notices
from kiosk import bp


def kiosk_incident_notices():
    """Every live incident notice of the kiosk's property, read once per page ([] before pairing)."""
    if "kiosk_incident_notices" not in g:
        kiosk = g.get("kiosk")
        g.kiosk_incident_notices = live_notices(kiosk.property_id) if kiosk is not None else []
    return g.kiosk_incident_notices


@bp.context_processor
def inject_incident_notices():
    """Give kiosk templates the live incident notices (asked only when a template shows them)."""
    return {"incident_notices": kiosk_incident_notices}
