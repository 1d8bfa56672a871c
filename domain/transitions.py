"""State machines written as data, the one way: a table `(action, from status) -> (to status, who may take it)`.

Move-in cases, unit inspections, spot-checks, patrol rounds, facility checks and incidents each keep their own table
in their package's workflow.py and ask these helpers; pages ask `actions_of` and never restate status lists. "Who" is
a set of staff roles, plus whatever marks a party a package recognises (the case's owner); `party` is the actor as
the table names them, and the system actor (the CLI) may take any legal step.
"""

from domain.accounts.models import AccountKind
from domain.accounts.roles import Role
from domain.errors import InvalidTransition, NotAllowed


def role_of(actor):
    """The actor as the tables name staff: their Role, or None for a resident or a staff member without one."""
    if actor.kind == AccountKind.RESIDENT or not actor.role:
        return None
    return Role(actor.role)


def may(table, actor, action, status, party=None):
    """Whether `actor` (as `party`, by default their role) may take `action` from `status`."""
    move = table.get((action, status))
    if move is None:
        return False
    return actor.is_system or (party if party is not None else role_of(actor)) in move[1]


def step(table, actor, action, status, party=None):
    """The status `action` leads to from `status`; InvalidTransition when there is no such move, NotAllowed when it
    is not `actor`'s to take."""
    move = table.get((action, status))
    if move is None:
        raise InvalidTransition()
    if not may(table, actor, action, status, party):
        raise NotAllowed()
    return move[0]


def actions_of(table, actor, status, party=None):
    """The actions `actor` may take from `status`, in the table's order."""
    names = dict.fromkeys(action for action, _status in table)
    return [action for action in names if may(table, actor, action, status, party)]


def takes_part(table, actor, action, party=None):
    """Whether `actor`'s role takes `action` from any status: the role check before the state check, so a page
    refuses the wrong person (403) the same way whatever state the record is in."""
    if actor.is_system:
        return True
    who = party if party is not None else role_of(actor)
    return any(who in roles for (name, _status), (_to, roles) in table.items() if name == action)
