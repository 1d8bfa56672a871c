"""The owner's files (业主档案, SOP 3)."""

from domain.accounts.roles import Permission
from staff import bp
from web.auth import staff_permission


@bp.get("/archives/")
@staff_permission(Permission.VIEW_ARCHIVES)
def list_files():
    """The owner's files (being built)."""
    return "", 204
