"""The overtime application's state machine, written as data: applied -> approved or refused by the manager before
the work (or cancelled by the applicant); approved -> confirmed by the manager with the from–to worked (after the
applicant reported it, or directly), or cancelled by the applicant or the manager. The applicant may report the
worked time while it is approved. Services call `check`; pages ask `allowed_actions`."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.accounts.roles import Role
from domain.overtime.models import OvertimeStatus
from domain.transitions import actions_of, role_of, step

APPLIED, APPROVED, REFUSED = OvertimeStatus.APPLIED, OvertimeStatus.APPROVED, OvertimeStatus.REFUSED
CONFIRMED, CANCELLED = OvertimeStatus.CONFIRMED, OvertimeStatus.CANCELLED
#: The staff member who applied, when it is the actor.
APPLICANT = "applicant"
MANAGER = frozenset({Role.MANAGER})
#: Actions that are the applicant's own when the actor applied (a manager's own application is theirs to cancel).
_APPLICANT_ACTIONS = frozenset({"report", "cancel"})

#: (action, from status) -> (to status, who may take it).
TRANSITIONS = {
    ("approve", APPLIED): (APPROVED, MANAGER),
    ("refuse", APPLIED): (REFUSED, MANAGER),
    ("report", APPROVED): (APPROVED, frozenset({APPLICANT})),
    ("confirm", APPROVED): (CONFIRMED, MANAGER),
    ("cancel", APPLIED): (CANCELLED, frozenset({APPLICANT})),
    ("cancel", APPROVED): (CANCELLED, frozenset({APPLICANT, Role.MANAGER})),
}

STATUS_LABELS = {
    APPLIED: _l("Waiting for approval"),
    APPROVED: lazy_pgettext("overtime", "Approved"),
    REFUSED: lazy_pgettext("overtime", "Refused"),
    CONFIRMED: lazy_pgettext("overtime", "Confirmed"),
    CANCELLED: lazy_pgettext("overtime", "Cancelled"),
}


def _party(actor, application, action):
    """APPLICANT for the applicant's own report or cancellation, else the actor's role."""
    if action in _APPLICANT_ACTIONS and actor.user_id == application.user_id:
        return APPLICANT
    return role_of(actor)


def check(actor, action, application):
    """The status `action` takes the application to, or InvalidTransition / NotAllowed."""
    return step(TRANSITIONS, actor, action, application.status, _party(actor, application, action))


def allowed_actions(actor, application):
    """The actions `actor` may take on the application now."""
    names = dict.fromkeys(action for action, _status in TRANSITIONS)
    return [
        action
        for action in names
        if action in actions_of(TRANSITIONS, actor, application.status, _party(actor, application, action))
    ]
