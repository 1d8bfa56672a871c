"""The facilities register and its checks: the console routes and who may use them."""

from domain.accounts.roles import Role

VIEWERS = frozenset(Role) - {Role.CLEANING, Role.FINANCE}

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_facilities": ("GET", "/staff/facilities/", VIEWERS),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test."""
    return {}
