"""The facility's state machine, written as data: in service (checks are due on its interval) or retired. A check
is recorded by the role the facility names, or the manager. Services call `check_facility`; pages ask
`facility_actions`."""

from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Role
from domain.transitions import actions_of, role_of, step

IN_SERVICE = "in_service"
RETIRED = "retired"
#: The role the facility names as its checker, when it is the actor's.
CHECKER = "checker"
KEEPERS = frozenset({Role.MANAGER, Role.ENGINEERING})

#: (action, from state) -> (to state, who may take it).
FACILITY_TRANSITIONS = {
    ("record_check", IN_SERVICE): (IN_SERVICE, frozenset({CHECKER, Role.MANAGER})),
    ("edit", IN_SERVICE): (IN_SERVICE, KEEPERS),
    ("retire", IN_SERVICE): (RETIRED, KEEPERS),
    ("reinstate", RETIRED): (IN_SERVICE, KEEPERS),
}

FACILITY_STATE_LABELS = {IN_SERVICE: _l("in service"), RETIRED: _l("retired")}


def state_of(facility):
    """IN_SERVICE or RETIRED."""
    return IN_SERVICE if facility.is_active else RETIRED


def _party(actor, facility, action):
    """CHECKER when the facility names the actor's role for a check, else the actor's role."""
    role = role_of(actor)
    return CHECKER if action == "record_check" and role is not None and role == facility.checker_role else role


def check_facility(actor, action, facility):
    """The state `action` takes `facility` to, or InvalidTransition / NotAllowed."""
    return step(FACILITY_TRANSITIONS, actor, action, state_of(facility), _party(actor, facility, action))


def facility_actions(actor, facility):
    """The actions `actor` may take on `facility` now."""
    return [
        action
        for action in dict.fromkeys(a for a, _s in FACILITY_TRANSITIONS)
        if action in actions_of(FACILITY_TRANSITIONS, actor, state_of(facility), _party(actor, facility, action))
    ]
