"""Patrol routes, rounds and the patroller's phone pages: the console routes and who may use them."""

from domain.accounts.roles import Role

VIEWERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK, Role.SECURITY})
WALKERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.SECURITY})
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_rounds": ("GET", "/staff/patrols/", VIEWERS),
    "staff.list_routes": ("GET", "/staff/patrols/routes/", MANAGER),
    "staff.patrols_today": ("GET", "/staff/patrols/today", WALKERS),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test."""
    return {}
