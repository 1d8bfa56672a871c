"""What the incident pages render, gathered in one place so routes stay thin."""

from domain.accounts.roles import Role
from domain.clock import local_now
from domain.files.photos import photos_of
from domain.incidents import queries, services
from domain.incidents.models import IncidentKind
from domain.incidents.workflow import INCIDENT_STATUS_LABELS, incident_actions
from domain.property.units import unit_label
from staff.incidents.forms import KIND_ICONS, EntryForm, OutcomeForm, ReopenForm
from web.auth import current_actor


def kind_labels():
    """{kind value: label} in the user's language."""
    return {kind.value: str(label) for kind, label in services.KIND_LABELS.items()}


def role_names(values):
    """The roles an automatic notice went to, in the user's language ("客服部经理, 工程部")."""
    return ", ".join(str(Role(value).label) for value in values)


def report_page():
    """The report form's extras: the kinds' icons."""
    return {"icons": {kind.value: icon for kind, icon in KIND_ICONS.items()}}


def incident_page(incident, *, entry_form=None, outcome_form=None, reopen_form=None):
    """The incident page's context: the incident, its timeline with photos, the actions the person may take and
    their forms (a refused one keeps what was typed)."""
    photos = {photo.id: photo for photo in photos_of(services.PHOTO_SUBJECT, [incident.id]).get(incident.id, [])}
    actions = incident_actions(current_actor(), incident)
    return {
        "incident": incident,
        "kind_label": services.kind_label(incident.kind),
        "status_label": INCIDENT_STATUS_LABELS[incident.status],
        "unit_text": unit_label(incident.unit_id) if incident.unit_id else "",
        "events": incident.events,
        "event_labels": services.EVENT_LABELS,
        "role_names": role_names,
        "photos": photos,
        "actions": actions,
        "missing": services.missing_for_closing(incident),
        "entry_form": entry_form or EntryForm(formdata=None),
        "outcome_form": outcome_form or OutcomeForm(obj=incident, formdata=None),
        "reopen_form": reopen_form or ReopenForm(formdata=None),
    }


def list_page(property_id, *, rows, next_key, month, kind):
    """The list page's context: the open incidents, the month's page of incidents, the counts by kind."""
    counts = queries.counts_by_kind(property_id, month)
    return {
        "open_incidents": queries.open_incidents(property_id),
        "incidents": rows,
        "next_after": f"{next_key[0].isoformat()}_{next_key[1]}" if next_key else "",
        "month": month,
        "kind": kind,
        "kinds": kind_labels(),
        "counts": {k.value: counts.get(k, 0) for k in IncidentKind},
        "total": sum(counts.values()),
        "this_month": local_now().strftime("%Y-%m"),
        "status_labels": INCIDENT_STATUS_LABELS,
        "unit_labels": {},
    }
