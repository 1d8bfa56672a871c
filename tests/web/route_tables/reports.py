"""The monthly report and collection calls: the console routes and who may use them."""

from domain.accounts.roles import Role

REPORT_READERS = frozenset({Role.MANAGER, Role.FINANCE})
MANAGER = frozenset({Role.MANAGER})
COLLECTORS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FINANCE})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.monthly_report": ("GET", "/staff/reports/monthly", REPORT_READERS),
    "staff.monthly_report_pdf": ("GET", "/staff/reports/monthly.pdf", REPORT_READERS),
    "staff.monthly_report_xlsx": ("GET", "/staff/reports/monthly.xlsx", REPORT_READERS),
    "staff.save_monthly_summary": ("POST", "/staff/reports/monthly/summary", MANAGER),
    "staff.record_collection_call": ("POST", "/staff/billing/units/{unit}/calls", COLLECTORS),
}


def records(prop, unit, resident):
    """This area's URL templates name only the unit, which the table's ids already have."""
    return {}
