"""What the incident pages render, gathered in one place so routes stay thin."""

from domain.files.photos import photos_of
from domain.incidents import services
from domain.incidents.workflow import INCIDENT_STATUS_LABELS, incident_actions
from domain.property.units import unit_label
from web.auth import current_actor


def incident_page(incident, **extra):
    """The incident page's context: the incident, its timeline with photos, the actions the person may take."""
    photos = {photo.id: photo for photo in photos_of(services.PHOTO_SUBJECT, [incident.id]).get(incident.id, [])}
    return {
        "incident": incident,
        "kind_label": services.kind_label(incident.kind),
        "status_label": INCIDENT_STATUS_LABELS[incident.status],
        "unit_text": unit_label(incident.unit_id) if incident.unit_id else "",
        "events": incident.events,
        "event_labels": services.EVENT_LABELS,
        "photos": photos,
        "actions": incident_actions(current_actor(), incident),
        **extra,
    }
