"""The renovation application's state machine, written as data: which action leads from which status to which,
and who may take it there. Services call `check`; the pages ask `may` to show only the steps one can take."""

from flask_babel import lazy_gettext as _l

from domain.accounts.models import AccountKind
from domain.accounts.roles import Role
from domain.errors import InvalidTransition, NotAllowed
from domain.renovation.models import RenovationStatus as S
from domain.violations.workflow import RENOVATION_INSPECTORS

#: The applicant (a resident); staff steps name roles.
RESIDENT = "resident"
DESK = frozenset({Role.FRONTDESK, Role.ASSISTANT, Role.MANAGER})
ENGINEERS = frozenset({Role.ENGINEERING, Role.MANAGER})
MANAGER = frozenset({Role.MANAGER})

#: (action, from status) -> (to status, who may take it). The front desk checks completeness, engineering
#: reviews the technical scope (load-bearing walls, gas, plumbing, electrical, facade), the manager decides;
#: each of them may send it back with a question, and the manager may reject it at any review step.
TRANSITIONS = {
    ("submit", S.DRAFT): (S.SUBMITTED, {RESIDENT}),
    ("submit", S.CHANGES_REQUESTED): (S.SUBMITTED, {RESIDENT}),
    ("check", S.SUBMITTED): (S.CHECKED, DESK),
    ("review", S.CHECKED): (S.REVIEWED, ENGINEERS),
    ("request_changes", S.SUBMITTED): (S.CHANGES_REQUESTED, DESK),
    ("request_changes", S.CHECKED): (S.CHANGES_REQUESTED, ENGINEERS),
    ("request_changes", S.REVIEWED): (S.CHANGES_REQUESTED, MANAGER),
    ("approve", S.REVIEWED): (S.APPROVED, MANAGER),
    ("issue_permit", S.APPROVED): (S.PERMITTED, DESK),
    ("report_completion", S.PERMITTED): (S.COMPLETION_REPORTED, {RESIDENT}),
    ("accept", S.COMPLETION_REPORTED): (S.ACCEPTED, ENGINEERS),
    ("fail_acceptance", S.COMPLETION_REPORTED): (S.PERMITTED, ENGINEERS),
    ("refund_deposit", S.ACCEPTED): (S.CLOSED, frozenset({Role.MANAGER, Role.FINANCE})),
    ("reject", S.SUBMITTED): (S.REJECTED, MANAGER),
    ("reject", S.CHECKED): (S.REJECTED, MANAGER),
    ("reject", S.REVIEWED): (S.REJECTED, MANAGER),
    ("cancel", S.DRAFT): (S.CANCELLED, {RESIDENT}),
    ("cancel", S.SUBMITTED): (S.CANCELLED, {RESIDENT}),
    ("cancel", S.CHANGES_REQUESTED): (S.CANCELLED, {RESIDENT}),
}
ACTIONS = tuple(dict.fromkeys(action for action, _status in TRANSITIONS))
#: Statuses in which the resident may still change what they wrote.
EDITABLE = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
#: While works may be inspected.
UNDER_WAY = frozenset({S.PERMITTED, S.COMPLETION_REPORTED})
#: Actions that need a note (the question, or the reason).
NEEDS_NOTE = frozenset({"request_changes", "reject"})
#: Who records inspections and violations during the works: the roles that check a renovation's violations.
INSPECTORS = RENOVATION_INSPECTORS


def _who(actor):
    """RESIDENT for a resident, else the staff member's role."""
    return RESIDENT if actor.kind == AccountKind.RESIDENT else (Role(actor.role) if actor.role else None)


def may(actor, action, status):
    """Whether `actor` may take `action` from `status` (the system actor may take any legal step)."""
    move = TRANSITIONS.get((action, status))
    if move is None:
        return False
    if actor.is_system:
        return True
    return _who(actor) in move[1]


def is_inspector(actor):
    """Whether `actor` inspects the works and records violations (security, engineering, the manager, the system)."""
    return actor.is_system or _who(actor) in INSPECTORS


def check(actor, action, status):
    """The status `action` leads to from `status`; InvalidTransition when there is no such move, NotAllowed when
    the actor may not take it."""
    move = TRANSITIONS.get((action, status))
    if move is None:
        raise InvalidTransition()
    if not may(actor, action, status):
        raise NotAllowed()
    return move[0]


def steps_for(actor, status):
    """The actions `actor` may take now, in table order."""
    return [action for action in ACTIONS if may(actor, action, status)]


def check_editable(application):
    """Refuse a change unless the application is the resident's to edit (draft, or changes requested)."""
    if application.status not in EDITABLE:
        raise InvalidTransition(_l("The application can no longer be changed: it is being reviewed or decided."))
