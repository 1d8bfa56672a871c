"""Unit inspections (验房, SOP 2.4.3)."""

from domain.accounts.roles import Permission
from staff import bp
from web.auth import staff_permission


@bp.get("/move-in/inspections/")
@staff_permission(Permission.INSPECT_UNITS)
def list_inspections():
    """The inspections (being built)."""
    return "", 204
