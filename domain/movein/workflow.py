"""The move-in case's and the unit inspection's state machines, written as data: which action leads from which
status to which, and who may take it. Services call `check_case` / `check_inspection`; pages ask
`case_actions` / `inspection_actions` and never restate the status lists."""

from flask_babel import lazy_gettext as _l

from domain.accounts.models import AccountKind
from domain.accounts.roles import Role
from domain.errors import InvalidTransition, NotAllowed
from domain.movein.models import CaseStatus as C
from domain.movein.models import InspectionStatus as I
from domain.movein.models import SpotCheckResult as S
from domain.transitions import actions_of, may, role_of, step, takes_part

#: The case's owner, signed in to the portal; staff steps name roles.
OWNER = "owner"
#: The desk does the papers (SOP 2.3.3); the assistants and the manager stand in.
DESK = frozenset({Role.FRONTDESK, Role.ASSISTANT, Role.MANAGER})
MANAGER = frozenset({Role.MANAGER})
#: Engineering and the unit's property assistant walk the unit with the owner (SOP 2.4.3).
INSPECTORS = frozenset({Role.ENGINEERING, Role.ASSISTANT, Role.MANAGER})

#: (action, from status) -> (to status, who may take it).
CASE_TRANSITIONS = {
    ("invite", C.NOTIFIED): (C.INVITED, DESK),
    ("invite", C.INVITED): (C.INVITED, DESK),  # a new code (the old one stops working)
    ("book", C.NOTIFIED): (C.BOOKED, DESK),
    ("book", C.INVITED): (C.BOOKED, DESK | {OWNER}),
    ("book", C.BOOKED): (C.BOOKED, DESK | {OWNER}),  # another slot
    ("receive", C.NOTIFIED): (C.AT_DESK, DESK),  # walked in without an appointment
    ("receive", C.INVITED): (C.AT_DESK, DESK),
    ("receive", C.BOOKED): (C.AT_DESK, DESK),
    ("complete", C.AT_DESK): (C.COMPLETED, DESK),
    ("cancel", C.NOTIFIED): (C.CANCELLED, MANAGER),
    ("cancel", C.INVITED): (C.CANCELLED, MANAGER),
    ("cancel", C.BOOKED): (C.CANCELLED, MANAGER),
    ("cancel", C.AT_DESK): (C.CANCELLED, MANAGER),
}
#: While the owner may still pre-fill online (the form, the copies, the slot).
OWNER_EDITABLE = frozenset({C.INVITED, C.BOOKED})
#: While the desk may still change the form, the checklist and the papers.
DESK_EDITABLE = frozenset({C.NOTIFIED, C.INVITED, C.BOOKED, C.AT_DESK})
#: Cases not yet finished either way.
OPEN_CASES = frozenset({C.NOTIFIED, C.INVITED, C.BOOKED, C.AT_DESK})

#: How a case's status reads on every page.
CASE_STATUS_LABELS = {
    C.NOTIFIED: _l("notified"),
    C.INVITED: _l("invited"),
    C.BOOKED: _l("booked"),
    C.AT_DESK: _l("at the desk"),
    C.COMPLETED: _l("completed"),
    C.CANCELLED: _l("cancelled"),
}

INSPECTION_TRANSITIONS = {
    ("start", I.SCHEDULED): (I.IN_PROGRESS, INSPECTORS),
    ("record", I.IN_PROGRESS): (I.IN_PROGRESS, INSPECTORS),  # an item, the meters, the owner's requests, a photo
    ("sign", I.IN_PROGRESS): (I.SIGNED, INSPECTORS),
    # The second inspection of the defects, once every defect ticket is done (domain/movein/inspections.py checks
    # the tickets): the inspectors or the desk put it in the calendar.
    ("reinspect", I.SIGNED): (I.SIGNED, INSPECTORS | DESK),
    ("cancel", I.SCHEDULED): (I.CANCELLED, MANAGER | {Role.ENGINEERING}),
}

#: The manager's spot-check (抽查): found complete, or missing items (a follow-up for the clerk who completed the
#: case, who says when it is put right; the manager may too). Whose follow-up it is is checked on the record.
SPOT_CHECK_TRANSITIONS = {
    ("complete", S.PENDING): (S.COMPLETE, MANAGER),
    ("missing", S.PENDING): (S.MISSING, MANAGER),
    ("finish", S.MISSING): (S.MISSING, DESK),
}
#: How a spot-check's result reads.
SPOT_CHECK_LABELS = {
    S.PENDING: _l("to check"),
    S.COMPLETE: _l("complete"),
    S.MISSING: _l("items missing"),
}


def _who(actor, owner_user_id=None):
    """OWNER for the case's own owner (their portal account), None for any other resident, else the staff role."""
    if actor.kind == AccountKind.RESIDENT:
        return OWNER if owner_user_id is not None and actor.user_id == owner_user_id else None
    return role_of(actor)


def _may(table, actor, action, status, owner_user_id=None):
    """Whether `actor` may take `action` from `status` in `table`."""
    return may(table, actor, action, status, _who(actor, owner_user_id))


def _check(table, actor, action, status, owner_user_id=None):
    """The status `action` leads to; InvalidTransition when there is no such move, NotAllowed when not theirs."""
    return step(table, actor, action, status, _who(actor, owner_user_id))


def check_case(actor, action, case):
    """The status `action` takes `case` to, or InvalidTransition / NotAllowed."""
    return _check(CASE_TRANSITIONS, actor, action, case.status, case.owner_user_id)


def case_actions(actor, case):
    """The workflow actions `actor` may take on `case` now, in the table's order."""
    return actions_of(CASE_TRANSITIONS, actor, case.status, _who(actor, case.owner_user_id))


def check_inspection(actor, action, inspection):
    """The status `action` takes `inspection` to, or InvalidTransition / NotAllowed."""
    return _check(INSPECTION_TRANSITIONS, actor, action, inspection.status)


def inspection_actions(actor, inspection):
    """The workflow actions `actor` may take on `inspection` now."""
    return actions_of(INSPECTION_TRANSITIONS, actor, inspection.status)


def _spot_check_step(check, action):
    """Whether `action` is still open on `check` beyond its result: a follow-up is finished once."""
    return action != "finish" or check.follow_up_done_at is None


def _spot_check_party(actor, check, action):
    """Whether `actor` is the one the step is for: a follow-up is the clerk's it went to, or the manager's."""
    if action != "finish" or actor.is_system or actor.role == Role.MANAGER:
        return True
    return actor.user_id == check.follow_up_by_id


def check_spot_check(actor, action, check):
    """The result `action` gives `check`, or InvalidTransition / NotAllowed (another clerk's follow-up)."""
    if not _spot_check_step(check, action):
        raise InvalidTransition()
    result = _check(SPOT_CHECK_TRANSITIONS, actor, action, check.result)
    if not _spot_check_party(actor, check, action):
        raise NotAllowed()
    return result


def spot_check_actions(actor, check):
    """The spot-check actions `actor` may take on `check` now."""
    actions = dict.fromkeys(a for a, _s in SPOT_CHECK_TRANSITIONS)
    return [
        a
        for a in actions
        if _may(SPOT_CHECK_TRANSITIONS, actor, a, check.result)
        and _spot_check_step(check, a)
        and _spot_check_party(actor, check, a)
    ]


def may_take_inspection_step(actor, action):
    """Whether `actor`'s role takes `action` on an inspection in any status: the role check that comes before the
    state check, so a page refuses the wrong person (403) the same way whatever state the inspection is in."""
    return takes_part(INSPECTION_TRANSITIONS, actor, action)
