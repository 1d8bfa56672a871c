"""The incident's state machine and its notice (incident mode), written as data, and whom each kind of incident
tells at once. Services call `check_incident`; pages ask `incident_actions` and never restate the status lists."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.accounts.roles import Role
from domain.incidents.models import IncidentKind as K
from domain.incidents.models import IncidentStatus as S
from domain.transitions import actions_of, step

STAFF = frozenset(Role)
MANAGER = frozenset({Role.MANAGER})
#: The desk attaches residents' tickets about the incident and closes them with one message.
DESK = frozenset({Role.FRONTDESK, Role.ASSISTANT, Role.MANAGER})

#: (action, from status) -> (to status, who may take it).
INCIDENT_TRANSITIONS = {
    # The timeline: an action taken, who was told, people or units affected, a photo.
    ("add_entry", S.OPEN): (S.OPEN, STAFF),
    ("record_outcome", S.OPEN): (S.OPEN, MANAGER),  # the outcome, the cause analysis, the measures
    ("close", S.OPEN): (S.CLOSED, MANAGER),  # only with outcome, cause and measures (domain/incidents/services.py)
    ("reopen", S.CLOSED): (S.OPEN, MANAGER),
    # Incident mode: a notice to the affected buildings' residents, its updates, the all-clear.
    ("notice_on", S.OPEN): (S.OPEN, MANAGER),
    ("notice_update", S.OPEN): (S.OPEN, MANAGER),
    ("notice_off", S.OPEN): (S.OPEN, MANAGER),
    ("notice_off", S.CLOSED): (S.CLOSED, MANAGER),
    ("attach_tickets", S.OPEN): (S.OPEN, DESK),
    ("close_tickets", S.OPEN): (S.OPEN, DESK),
    ("close_tickets", S.CLOSED): (S.CLOSED, DESK),
}

INCIDENT_STATUS_LABELS = {
    S.OPEN: _l("being handled"),
    S.CLOSED: lazy_pgettext("incident", "closed"),
}

#: Who is told at once, besides the manager (1.1.14, 1.3.6): the departments each kind names.
TOLD = {
    K.FIRE: frozenset({Role.SECURITY, Role.ENGINEERING, Role.FRONTDESK}),
    K.WATER_LEAK: frozenset({Role.ENGINEERING, Role.CLEANING, Role.FRONTDESK}),
    K.LIFT_ENTRAPMENT: frozenset({Role.ENGINEERING, Role.SECURITY, Role.FRONTDESK}),
    K.POWER_CUT: frozenset({Role.ENGINEERING, Role.FRONTDESK}),
    K.WATER_CUT: frozenset({Role.ENGINEERING, Role.FRONTDESK}),
    K.GAS: frozenset({Role.ENGINEERING, Role.SECURITY, Role.FRONTDESK}),
    K.INJURY: frozenset({Role.SECURITY, Role.FRONTDESK}),
    K.THEFT: frozenset({Role.SECURITY}),
    K.PUBLIC_HEALTH: frozenset({Role.CLEANING, Role.FRONTDESK}),
    K.OTHER: frozenset(),
}


def told_roles(kind):
    """The roles told at once of an incident of `kind`: the manager and the departments the kind names."""
    return frozenset({Role.MANAGER}) | TOLD[K(kind)]


def check_incident(actor, action, incident):
    """The status `action` takes `incident` to, or InvalidTransition / NotAllowed."""
    return step(INCIDENT_TRANSITIONS, actor, action, incident.status)


def incident_actions(actor, incident):
    """The actions `actor` may take on `incident` now."""
    return actions_of(INCIDENT_TRANSITIONS, actor, incident.status)
