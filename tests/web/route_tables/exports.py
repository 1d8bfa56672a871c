"""The lists' exports: each is refused to exactly the roles its list is refused to."""

from domain.accounts.roles import Role

ALL = frozenset(Role)
KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
COLLECTORS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FINANCE})
COUNTER = KEEPERS | {Role.SECURITY}
RENOVATIONS = KEEPERS | {Role.ENGINEERING, Role.SECURITY, Role.FINANCE}

#: endpoint -> (method, URL template, roles that may use it): the same roles as the list's own row.
TABLE = {
    "staff.export_audit": ("GET", "/staff/audit/export.csv", frozenset({Role.MANAGER})),
    "staff.export_units": ("GET", "/staff/units/export.xlsx", ALL - {Role.CLEANING}),
    "staff.export_residents": ("GET", "/staff/residents/export.csv", KEEPERS | {Role.FINANCE}),
    "staff.export_tickets": ("GET", "/staff/tickets/export.csv", ALL),
    "staff.export_callbacks": ("GET", "/staff/callbacks/export.csv", KEEPERS),
    "staff.export_arrears": ("GET", "/staff/billing/arrears/export.csv", COLLECTORS),
    "staff.export_bills": ("GET", "/staff/billing/bills/export.xlsx", COLLECTORS),
    "staff.export_payments": ("GET", "/staff/billing/payments/export.csv", COLLECTORS),
    "staff.export_waiting_parcels": ("GET", "/staff/parcels/waiting/export.csv", COUNTER),
    "staff.export_stored_items": ("GET", "/staff/storage/export.csv", COUNTER),
    "staff.export_loans": ("GET", "/staff/lending/export.xlsx", COUNTER),
    "staff.export_renovations": ("GET", "/staff/renovations/export.csv", RENOVATIONS),
}


def records(prop, unit, resident):
    """The exports name no record."""
    return {}
