"""Special incidents, incident mode and the console's alerts: the console routes and who may use them."""

from domain.accounts.roles import Role

STAFF = frozenset(Role)
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_incidents": ("GET", "/staff/incidents/", STAFF),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test."""
    return {}
