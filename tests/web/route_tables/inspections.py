"""Unit inspections: the console routes and who may use them."""

from domain.accounts.roles import Role

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})
INSPECTORS = frozenset({Role.ENGINEERING, Role.ASSISTANT, Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_inspections": ("GET", "/staff/move-in/inspections/", INSPECTORS),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test."""
    return {}
