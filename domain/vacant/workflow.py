"""The vacant unit's and its keys' state machines, written as data. A record is open while the unit stands empty
and closed when it is lived in again; a key set is in the office's cabinet, out with someone, or no longer kept.
Services call `check_vacant` and `check_key`; pages ask `vacant_actions` and `key_actions`.

A check is the unit's area assistant's (the assistant of the area, or its deputy on a day they cover) or the
manager's; the desk keeps the keys and an assistant may take one out and back for a check."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.accounts.roles import Role
from domain.areas import lookup
from domain.clock import today
from domain.transitions import actions_of, role_of, step

OPEN = "open"
CLOSED = "closed"
KEY_IN = "in"
KEY_OUT = "out"
KEY_RETIRED = "retired"
#: In the office, but the unit is lived in again (the record closed): the set is handed back (retired), not lent.
KEY_HELD = "held"
#: The assistant who looks after the unit's area today, when it is the actor.
AREA_ASSISTANT = "area_assistant"
KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
DESK = frozenset({Role.FRONTDESK, Role.MANAGER})

#: (action, from state) -> (to state, who may take it).
VACANT_TRANSITIONS = {
    ("record_check", OPEN): (OPEN, frozenset({AREA_ASSISTANT, Role.MANAGER})),
    ("edit", OPEN): (OPEN, KEEPERS),
    ("add_key", OPEN): (OPEN, DESK),
    ("close", OPEN): (CLOSED, KEEPERS),
    ("reopen", CLOSED): (OPEN, KEEPERS),
}
KEY_TRANSITIONS = {
    ("take_out", KEY_IN): (KEY_OUT, KEEPERS),
    ("return", KEY_OUT): (KEY_IN, KEEPERS),
    ("retire", KEY_IN): (KEY_RETIRED, DESK),
    ("retire", KEY_HELD): (KEY_RETIRED, DESK),
}

VACANT_STATE_LABELS = {OPEN: lazy_pgettext("unit", "vacant"), CLOSED: lazy_pgettext("vacant record", "closed")}
KEY_STATE_LABELS = {
    KEY_IN: _l("in the office"),
    KEY_HELD: _l("in the office"),
    KEY_OUT: lazy_pgettext("key", "out"),
    KEY_RETIRED: _l("no longer kept"),
}


def state_of(vacant):
    """OPEN or CLOSED."""
    return OPEN if vacant.is_open else CLOSED


def key_state(key, out):
    """KEY_IN, KEY_OUT, KEY_HELD (in, of a closed record) or KEY_RETIRED; `out` says whether the key has a movement
    not yet returned."""
    if not key.is_active:
        return KEY_RETIRED
    if out:
        return KEY_OUT
    return KEY_IN if key.vacant_unit.is_open else KEY_HELD


def looks_after(user_id, unit_id, day=None):
    """Whether `user_id` looks after the unit's area on `day` (today by default): its assistant, or its deputy on a
    covered day."""
    area = lookup.area_of_unit(unit_id)
    if area is None:
        return False
    return area.assistant_id == user_id or (area.deputy_id == user_id and lookup.covered_on(area, day or today()))


def checkable_unit_ids(actor, day=None):
    """The units whose check `actor` may record, for a list (a few statements): None for the manager or the system
    (every unit), the units of the areas an assistant looks after on `day`, else none."""
    role = role_of(actor)
    if actor.is_system or role == Role.MANAGER:
        return None
    if role != Role.ASSISTANT:
        return set()
    ids = set()
    for area in lookup.areas_of_user(actor.user_id, day or today()):
        ids.update(lookup.unit_ids_in_area(area))
    return ids


def _party(actor, vacant, action):
    """AREA_ASSISTANT for a check by the assistant who looks after the unit's area, else the actor's role."""
    role = role_of(actor)
    if action == "record_check" and role == Role.ASSISTANT and looks_after(actor.user_id, vacant.unit_id):
        return AREA_ASSISTANT
    return role


def check_vacant(actor, action, vacant):
    """The state `action` takes the record to, or InvalidTransition / NotAllowed."""
    return step(VACANT_TRANSITIONS, actor, action, state_of(vacant), _party(actor, vacant, action))


def vacant_actions(actor, vacant):
    """The actions `actor` may take on the record now."""
    state = state_of(vacant)
    return [
        action
        for action in dict.fromkeys(a for a, _s in VACANT_TRANSITIONS)
        if action in actions_of(VACANT_TRANSITIONS, actor, state, _party(actor, vacant, action))
    ]


def check_key(actor, action, key, out):
    """The state `action` takes the key set to, or InvalidTransition / NotAllowed."""
    return step(KEY_TRANSITIONS, actor, action, key_state(key, out))


def key_actions(actor, key, out):
    """The actions `actor` may take on the key set now."""
    return actions_of(KEY_TRANSITIONS, actor, key_state(key, out))
