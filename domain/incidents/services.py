"""Special incidents (特殊事件, 1.1.14, 1.3.6, 安全管理 四): reported by anyone on staff in under a minute, told at once
to the manager and the departments the kind names, followed on a timeline, and closed only with an outcome, a cause
analysis and preventive measures. Every step is audited; the route commits."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from domain.accounts.models import User
from domain.accounts.roles import Permission, Role, require
from domain.accounts.services import staff_roles
from domain.alerts.services import alert_roles
from domain.audit.services import diff, record
from domain.clock import from_local_input, local_text, utcnow
from domain.errors import DomainError, NotAllowed, NotFound
from domain.files.photos import save_field_photos
from domain.incidents.models import Incident, IncidentEvent, IncidentKind, IncidentStatus
from domain.incidents.workflow import INCIDENT_TRANSITIONS, check_incident, told_roles
from domain.property.buildings import get_property_id
from domain.property.models import Building, Unit
from domain.property.units import find_unit
from domain.timeline import add_timeline_entry
from domain.transitions import takes_part
from extensions import db

#: The photos of an incident (FieldPhoto.subject_type).
PHOTO_SUBJECT = "incident"

#: How far ahead of the clock a reported time may be (a phone a little fast), no more.
FUTURE_SLACK = timedelta(minutes=5)

KIND_LABELS = {
    IncidentKind.FIRE: _l("Fire"),
    IncidentKind.WATER_LEAK: _l("Water leak or flood"),
    IncidentKind.LIFT_ENTRAPMENT: _l("Lift entrapment"),
    IncidentKind.POWER_CUT: _l("Power cut"),
    IncidentKind.WATER_CUT: _l("Water cut"),
    IncidentKind.GAS: _l("Gas smell"),
    IncidentKind.INJURY: _l("Injury"),
    IncidentKind.THEFT: _l("Theft or security"),
    IncidentKind.PUBLIC_HEALTH: _l("Public health"),
    IncidentKind.OTHER: _l("Other incident"),
}

#: The entries anyone on staff adds to an open incident's timeline, with their label.
ENTRY_KINDS = {
    "action": _l("Action taken"),
    "notified": _l("Who was notified"),
    "affected": _l("People or units affected"),
    "photo": _l("Photo"),
}

#: The timeline's labels of every event (engineer-6 events included, so the timeline and the PDF name them all).
EVENT_LABELS = {
    "reported": _l("Reported"),
    **ENTRY_KINDS,
    "outcome": _l("Outcome and cause recorded"),
    "closed": lazy_pgettext("incident", "Closed"),
    "reopened": _l("Reopened"),
    "notice_on": _l("Notice to residents switched on"),
    "notice_update": _l("Notice updated"),
    "notice_off": _l("All-clear posted"),
    "tickets_attached": _l("Residents' tickets attached"),
    "tickets_closed": _l("Residents' tickets closed"),
}

#: What the manager must write before closing, with the refusal for each that is missing.
CLOSING_FIELDS = {
    "outcome": _l("Write the outcome before closing."),
    "cause": _l("Write the cause analysis before closing."),
    "measures": _l("Write the preventive measures before closing."),
}

_TOLD = _l("Incident #%(id)s: %(kind)s at %(place)s, %(when)s. %(what)s")


def kind_label(kind):
    """The kind of incident in the user's language."""
    return KIND_LABELS[IncidentKind(kind)]


def add_event(incident, actor, action, body="", data=None, now=None):
    """Add one entry to the incident's timeline."""
    return add_timeline_entry(IncidentEvent, actor, action, body, data=data, at=now, incident=incident)


def _check(actor, action, incident):
    """The role check before the state check (403 whatever the status), then the state machine."""
    if not takes_part(INCIDENT_TRANSITIONS, actor, action):
        raise NotAllowed()
    return check_incident(actor, action, incident)


def _kind(value):
    """The IncidentKind of a submitted value; DomainError on the kind field otherwise."""
    try:
        return IncidentKind(value)
    except ValueError:
        raise DomainError(_l("Choose what happened."), field="kind") from None


def _when(occurred_at, now):
    """The moment of the incident: now when not given, a typed local time taken as property time; not later than
    a few minutes from now."""
    if occurred_at is None:
        return now
    if occurred_at.tzinfo is None:
        occurred_at = from_local_input(occurred_at)
    if occurred_at > now + FUTURE_SLACK:
        raise DomainError(_l("The time of the incident cannot be in the future."), field="occurred_at")
    return occurred_at


def _required(value, field, message):
    """`value` stripped, or DomainError on `field` when it is empty."""
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _place_ids(building_id, unit_id, unit_label):
    """(building id, unit id): a typed unit label is found in the register; a unit names its building."""
    if (unit_label or "").strip():
        unit_id = find_unit(unit_label, number_alone=True).id
    if unit_id is not None:
        found = db.session.scalar(select(Unit.building_id).where(Unit.id == unit_id))
        if found is None:
            raise DomainError(_l("No such unit."), field="unit_label")
        building_id = found
    elif building_id is not None and db.session.get(Building, building_id) is None:
        raise DomainError(_l("No such building."), field="building_id")
    return building_id, unit_id


def _told_names(user_ids):
    """[(name, role value)] of the staff alerted, in the order they were alerted."""
    if not user_ids:
        return []
    rows = dict(
        (uid, (name, role))
        for uid, name, role in db.session.execute(staff_roles(active=False).where(User.id.in_(user_ids)))
    )
    return [(rows[uid][0], Role(rows[uid][1]).value if rows[uid][1] else "") for uid in user_ids if uid in rows]


def tell_staff(actor, incident, now=None):
    """Tell the manager and the departments the kind names at once (urgent: console banner with a sound, and e-mail
    when configured), and put who was told on the timeline. Returns the ids alerted."""
    roles = told_roles(incident.kind)
    values = {
        "id": incident.id,
        "place": incident.place,
        "when": local_text(incident.occurred_at),
        "what": incident.description[:200],
    }
    kind = incident.kind

    def message():
        """The alert in the recipient's language (rendered under their locale by alert_users)."""
        return str(_TOLD) % {**values, "kind": str(kind_label(kind))}

    told = alert_roles(
        roles,
        LazyString(message),
        property_id=incident.property_id,
        kind="incident",
        subject_type="incident",
        subject_id=incident.id,
        urgent=True,
        now=now,
    )
    people = _told_names(told)
    add_event(
        incident,
        actor,
        "notified",
        body=", ".join(name for name, _role in people),
        data={
            "user_ids": told,
            "names": [name for name, _role in people],
            "roles": sorted(role.value for role in roles),
            "automatic": True,
        },
        now=now,
    )
    return told


def report_incident(
    actor,
    *,
    kind,
    occurred_at,
    place,
    description,
    people="",
    building_id=None,
    unit_id=None,
    unit_label="",
    files=(),
    property_id=None,
    now=None,
):
    """Report a special incident: anyone on staff. `occurred_at` is an aware moment or a typed local time (None:
    now), not in the future; place and description are required; a unit may be given by id or typed label. Tells
    the manager and the kind's departments at once. Returns the Incident (flushed)."""
    require(actor, Permission.REPORT_INCIDENTS)
    now = now or utcnow()
    kind = _kind(kind)
    occurred = _when(occurred_at, now)
    place = _required(place, "place", _l("Say where it happened."))
    description = _required(description, "description", _l("Say what happened."))
    building_id, unit_id = _place_ids(building_id, unit_id, unit_label)
    incident = Incident(
        property_id=property_id or get_property_id(),
        kind=kind,
        status=IncidentStatus.OPEN,
        occurred_at=occurred,
        place=place[:120],
        building_id=building_id,
        unit_id=unit_id,
        description=description,
        people=(people or "").strip(),
        reported_by_id=actor.user_id,
        reported_at=now,
    )
    db.session.add(incident)
    db.session.flush()
    photos = save_field_photos(
        actor, property_id=incident.property_id, subject_type=PHOTO_SUBJECT, subject_id=incident.id, files=files
    )
    add_event(
        incident,
        actor,
        "reported",
        body=description,
        data={"photo_ids": [p.id for p in photos]} if photos else None,
        now=now,
    )
    tell_staff(actor, incident, now=now)
    record(actor, "incident.report", incident, summary=f"{kind.value}: {place}")
    db.session.flush()
    return incident


def add_entry(actor, incident, *, kind, body, files=(), now=None):
    """Add an entry to an open incident's timeline: an action taken, who was notified, people or units affected, or
    a photo (a photo entry needs a picture; the others a text). Returns the IncidentEvent."""
    _check(actor, "add_entry", incident)
    if kind not in ENTRY_KINDS:
        raise DomainError(_l("Choose what the entry is."), field="kind")
    body = (body or "").strip()
    photos = save_field_photos(
        actor, property_id=incident.property_id, subject_type=PHOTO_SUBJECT, subject_id=incident.id, files=files
    )
    if kind == "photo" and not photos:
        raise DomainError(_l("Choose a photo."), field="photos")
    if not body and not photos:
        raise DomainError(_l("Write what happened."), field="body")
    event = add_event(
        incident,
        actor,
        kind,
        body=body,
        data={"photo_ids": [p.id for p in photos]} if photos else None,
        now=now,
    )
    record(actor, "incident.entry", incident, summary=f"{kind}: {body[:80]}")
    db.session.flush()
    return event


def record_outcome(actor, incident, *, outcome, cause, measures, now=None):
    """The manager writes (or corrects) the outcome, the cause analysis and the preventive measures."""
    _check(actor, "record_outcome", incident)
    values = {
        "outcome": (outcome or "").strip(),
        "cause": (cause or "").strip(),
        "measures": (measures or "").strip(),
    }
    if not any(values.values()):
        raise DomainError(_l("Write the outcome, the cause or the measures."), field="outcome")
    changes = diff(incident, values)
    if changes:
        add_event(incident, actor, "outcome", body=values["outcome"], data={"fields": sorted(changes)}, now=now)
        record(actor, "incident.outcome", incident, changes=changes)
    db.session.flush()
    return incident


def missing_for_closing(incident):
    """The fields (outcome, cause, measures) still empty, in order: closing needs none."""
    return [field for field in CLOSING_FIELDS if not (getattr(incident, field) or "").strip()]


def close_incident(actor, incident, *, now=None):
    """Close the incident (the manager), refused with one clear message per missing field unless the outcome, the
    cause and the measures are all written."""
    status = _check(actor, "close", incident)
    missing = missing_for_closing(incident)
    if missing:
        message = LazyString(lambda: " ".join(str(CLOSING_FIELDS[field]) for field in missing))
        raise DomainError(message, field=missing[0])
    now = now or utcnow()
    incident.status = status
    incident.closed_at = now
    incident.closed_by_id = actor.user_id
    add_event(incident, actor, "closed", now=now)
    record(actor, "incident.close", incident)
    db.session.flush()
    return incident


def reopen_incident(actor, incident, *, reason, now=None):
    """Reopen a closed incident (the manager), saying why."""
    status = _check(actor, "reopen", incident)
    reason = _required(reason, "reason", _l("Say why the incident is reopened."))
    incident.status = status
    incident.closed_at = None
    incident.closed_by_id = None
    add_event(incident, actor, "reopened", body=reason, now=now)
    record(actor, "incident.reopen", incident, summary=reason[:120])
    db.session.flush()
    return incident


def get_incident(incident_id, property_id):
    """One incident of the property, or NotFound."""
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.property_id != property_id:
        raise NotFound()
    return incident
