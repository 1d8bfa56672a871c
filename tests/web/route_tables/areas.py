"""Areas and the assistant's "my area": the console routes and who may use them."""

from domain.accounts.roles import Role

KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
MANAGER = frozenset({Role.MANAGER})
ASSISTANT = frozenset({Role.ASSISTANT})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_areas": ("GET", "/staff/areas/", KEEPERS),
    "staff.my_area": ("GET", "/staff/areas/mine", ASSISTANT),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test."""
    return {}
