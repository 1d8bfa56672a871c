"""The patrol round's state machine, written as data. A round that has not started has no row: its status here is
NOT_STARTED. Services call `check_round`; pages ask `round_actions` and never restate the status lists."""

from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Role
from domain.patrols.models import RoundStatus as R
from domain.transitions import actions_of, role_of, step

#: The status of a window with no round yet.
NOT_STARTED = None
#: The role the route names (an assistant's round, a security round), when it is the actor's.
WALKER = "walker"
#: The person who started this round.
PATROLLER = "patroller"
MANAGER = Role.MANAGER
#: The desk reads the record and may raise a finding's ticket for the patroller.
DESK = frozenset({Role.FRONTDESK, Role.ASSISTANT, Role.MANAGER})

#: (action, from status) -> (to status, who may take it).
ROUND_TRANSITIONS = {
    ("start", NOT_STARTED): (R.IN_PROGRESS, frozenset({WALKER, MANAGER})),
    ("visit", R.IN_PROGRESS): (R.IN_PROGRESS, frozenset({PATROLLER, MANAGER})),  # a checkpoint scanned, answered
    ("find", R.IN_PROGRESS): (R.IN_PROGRESS, frozenset({PATROLLER, MANAGER})),  # a finding, with photos
    ("finish", R.IN_PROGRESS): (R.FINISHED, frozenset({PATROLLER, MANAGER})),  # signed: the 巡视记录表
    # A finding becomes a ticket in one tap, during the round or after it.
    ("raise_ticket", R.IN_PROGRESS): (R.IN_PROGRESS, frozenset({PATROLLER}) | DESK),
    ("raise_ticket", R.FINISHED): (R.FINISHED, frozenset({PATROLLER}) | DESK),
}

#: How a round's status reads; "missed" and "late" are computed from the window (domain/patrols/schedule.py).
ROUND_STATUS_LABELS = {
    NOT_STARTED: _l("not started"),
    R.IN_PROGRESS: _l("in progress"),
    R.FINISHED: _l("finished"),
}


def _party(actor, route, patrol_round=None):
    """PATROLLER for the round's own patroller, WALKER for the role the route names, else the actor's role."""
    if patrol_round is not None and actor.user_id is not None and actor.user_id == patrol_round.patroller_id:
        return PATROLLER
    role = role_of(actor)
    if patrol_round is None and role is not None and role == route.role:
        return WALKER
    return role


def check_round(actor, action, route, patrol_round=None):
    """The status `action` takes the round to (NOT_STARTED when `patrol_round` is None), or InvalidTransition /
    NotAllowed."""
    status = patrol_round.status if patrol_round is not None else NOT_STARTED
    return step(ROUND_TRANSITIONS, actor, action, status, _party(actor, route, patrol_round))


def round_actions(actor, route, patrol_round=None):
    """The actions `actor` may take on the round (or on a window not started yet) now."""
    status = patrol_round.status if patrol_round is not None else NOT_STARTED
    return actions_of(ROUND_TRANSITIONS, actor, status, _party(actor, route, patrol_round))
