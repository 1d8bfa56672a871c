"""The leave request's state machine, written as data: the applicant asks, the manager approves or refuses, and the
applicant may withdraw a request not yet decided. Nobody decides their own request (as its applicant they only
withdraw). Services call `check_leave`; pages ask `leave_actions`."""

from flask_babel import lazy_pgettext

from domain.accounts.roles import Role
from domain.attendance.models import LeaveStatus
from domain.transitions import actions_of, role_of, step

#: The person who asked, when it is the actor.
APPLICANT = "applicant"
MANAGER = frozenset({Role.MANAGER})

#: (action, from status) -> (to status, who may take it).
LEAVE_TRANSITIONS = {
    ("approve", LeaveStatus.PENDING): (LeaveStatus.APPROVED, MANAGER),
    ("refuse", LeaveStatus.PENDING): (LeaveStatus.REFUSED, MANAGER),
    ("withdraw", LeaveStatus.PENDING): (LeaveStatus.WITHDRAWN, frozenset({APPLICANT})),
}

LEAVE_STATUS_LABELS = {
    LeaveStatus.PENDING: lazy_pgettext("leave", "waiting for a decision"),
    LeaveStatus.APPROVED: lazy_pgettext("leave", "approved"),
    LeaveStatus.REFUSED: lazy_pgettext("leave", "refused"),
    LeaveStatus.WITHDRAWN: lazy_pgettext("leave", "withdrawn"),
}


def _party(actor, leave):
    """APPLICANT for the person who asked, else the actor's role."""
    return APPLICANT if actor.user_id is not None and actor.user_id == leave.user_id else role_of(actor)


def check_leave(actor, action, leave):
    """The status `action` takes the request to, or InvalidTransition / NotAllowed."""
    return step(LEAVE_TRANSITIONS, actor, action, leave.status, _party(actor, leave))


def leave_actions(actor, leave):
    """The actions `actor` may take on the request now."""
    return actions_of(LEAVE_TRANSITIONS, actor, leave.status, _party(actor, leave))
