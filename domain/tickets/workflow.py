"""The ticket state machine as data: which action moves a ticket from which status to which, and who may take it.

Every kind of ticket uses the same table. The steps in domain/tickets/steps.py call `check`
before changing anything, so an illegal move is refused with a clear message and changes nothing.
"""

from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Role
from domain.errors import InvalidTransition, NotAllowed
from domain.tickets.models import Department, TicketKind
from domain.tickets.models import Status as S

#: Who stands at the desk: they record, forward, cancel and call back.
DESK = frozenset({Role.FRONTDESK, Role.ASSISTANT, Role.MANAGER})
#: Which roles work which department's queue (the manager may step in anywhere).
DEPARTMENT_ROLES = {
    Department.CUSTOMER_SERVICE: DESK,
    Department.ENGINEERING: frozenset({Role.ENGINEERING, Role.MANAGER}),
    Department.SECURITY: frozenset({Role.SECURITY, Role.MANAGER}),
    Department.CLEANING: frozenset({Role.CLEANING, Role.MANAGER}),
    Department.FINANCE: frozenset({Role.FINANCE, Role.MANAGER}),
}
#: The department whose queue a role works.
ROLE_DEPARTMENT = {
    Role.ENGINEERING: Department.ENGINEERING,
    Role.SECURITY: Department.SECURITY,
    Role.CLEANING: Department.CLEANING,
    Role.FINANCE: Department.FINANCE,
    Role.FRONTDESK: Department.CUSTOMER_SERVICE,
    Role.ASSISTANT: Department.CUSTOMER_SERVICE,
}

OPEN = frozenset({S.NEW, S.DISPATCHED, S.CLAIMED, S.SCHEDULED, S.WAITING})
#: Statuses in which nobody has taken the ticket yet: the resident may withdraw it, its department may change and
#: its first response is still awaited.
QUEUED = frozenset({S.NEW, S.DISPATCHED})
#: Statuses in which someone has the ticket, so the resident sees who.
HELD = frozenset({S.CLAIMED, S.SCHEDULED, S.WAITING, S.DONE, S.CLOSED})

#: action -> (statuses it may start from, status it leads to or None for "unchanged", who may take it).
#: "who": "desk" = DESK roles; "department" = the roles of the ticket's department; "assignee" = the
#: person who has it (or the manager); "resident" = the resident the ticket belongs to.
TRANSITIONS = {
    "dispatch": ({S.NEW}, S.DISPATCHED, "desk"),
    "redirect": ({S.DISPATCHED}, S.DISPATCHED, "desk"),
    "claim": ({S.DISPATCHED}, S.CLAIMED, "department"),
    "schedule": ({S.CLAIMED, S.SCHEDULED}, S.SCHEDULED, "assignee"),
    "hand_back": ({S.CLAIMED, S.SCHEDULED}, S.DISPATCHED, "assignee"),
    "ask_resident": ({S.CLAIMED, S.SCHEDULED}, S.WAITING, "assignee"),
    "resume": ({S.WAITING}, S.CLAIMED, "assignee"),
    "record_work": ({S.CLAIMED, S.SCHEDULED}, None, "assignee"),
    "cannot_come": ({S.DISPATCHED, S.CLAIMED, S.SCHEDULED}, None, "department"),
    "finish": ({S.CLAIMED, S.SCHEDULED}, S.DONE, "assignee"),
    "close": ({S.DONE}, S.CLOSED, "desk"),
    "cancel": (OPEN, S.CANCELLED, "desk"),
    "resident_cancel": (QUEUED, S.CANCELLED, "resident"),
    "resident_comment": (OPEN | {S.DONE}, None, "resident"),
    "staff_comment": (OPEN | {S.DONE, S.CLOSED}, None, "staff"),
    "rate": ({S.DONE, S.CLOSED}, None, "resident"),
    "classify": ({S.NEW, S.DISPATCHED, S.CLAIMED, S.SCHEDULED, S.WAITING}, None, "desk"),
    "record_outcome": ({S.CLAIMED, S.SCHEDULED, S.WAITING, S.DONE, S.CLOSED}, None, "manager"),
    # A wider problem settled it: the desk closes the residents' tickets attached to a special incident (a water
    # cut, a lift out of service) together, with the one message each resident sees (domain/incidents/notices.py).
    "settle": (OPEN | {S.DONE}, S.CLOSED, "desk"),
}

REFUSALS = {
    "resident_cancel": _l("This request can no longer be cancelled: work on it has started."),
    "rate": _l("You can rate a request once it is done."),
    "claim": _l("Someone else has already taken this ticket, or it is not waiting in a queue."),
}


def may(actor, ticket, who, *, resident_id=None):
    """Whether `actor` counts as `who` for `ticket` (see TRANSITIONS)."""
    role = Role(actor.role) if actor.role else None
    if who == "resident":
        return resident_id is not None and ticket.resident_id == resident_id
    if actor.is_system:
        return True
    if role is None:
        return False
    if who == "staff":
        return True
    if who == "desk":
        return role in DESK
    if who == "manager":
        return role == Role.MANAGER
    if who == "department":
        return ticket.department is not None and role in DEPARTMENT_ROLES[ticket.department]
    if who == "assignee":
        return ticket.assignee_id == actor.user_id or role == Role.MANAGER
    raise ValueError(who)


def can_see(actor, ticket):
    """Whether a staff member may see a ticket: the desk and the manager see all; a department sees the
    tickets in its own queue, those it holds or recorded itself (residents' complaints stay confidential)."""
    if actor.is_system:
        return True
    role = Role(actor.role) if actor.role else None
    if role is None:
        return False
    if role in DESK:
        return True
    return (
        (ticket.department is not None and ticket.department == ROLE_DEPARTMENT.get(role))
        or ticket.assignee_id == actor.user_id
        or ticket.created_by_id == actor.user_id
    )


def allowed_actions(actor, ticket, *, resident_id=None):
    """The actions `actor` may take on `ticket` now, in table order; what every page offers.

    The table's moves (a resident's own only with `resident_id`), less an outcome for anything but a complaint
    and a second rating. The services check the same table (`check`) when the step is taken.
    """
    return tuple(
        action
        for action, (starts, _to, who) in TRANSITIONS.items()
        if ticket.status in starts
        and may(actor, ticket, who, resident_id=resident_id)
        and not (action == "record_outcome" and ticket.kind != TicketKind.COMPLAINT)
        and not (action == "rate" and ticket.rating is not None)
    )


def check(action, actor, ticket, *, resident_id=None):
    """Raise InvalidTransition or NotAllowed unless `actor` may take `action` on `ticket` now; return the new status."""
    starts, leads_to, who = TRANSITIONS[action]
    if not may(actor, ticket, who, resident_id=resident_id):
        raise NotAllowed()
    if ticket.status not in starts:
        raise InvalidTransition(
            REFUSALS.get(action)
            or _l("This step is not possible while the ticket is %(status)s.", status=STATUS_LABELS[ticket.status])
        )
    return leads_to


STATUS_LABELS = {
    S.NEW: _l("waiting to be forwarded"),
    S.DISPATCHED: _l("in the queue"),
    S.CLAIMED: _l("being handled"),
    S.SCHEDULED: _l("scheduled"),
    S.WAITING: _l("waiting for the resident"),
    S.DONE: _l("done"),
    S.CLOSED: _l("closed"),
    S.CANCELLED: _l("cancelled"),
}
