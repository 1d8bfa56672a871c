"""Move-in cases at the desk (SOP 2.4.1-2.4.2)."""

from domain.accounts.roles import Permission
from staff import bp
from web.auth import staff_permission


@bp.get("/move-in/")
@staff_permission(Permission.HANDLE_MOVE_IN)
def list_move_ins():
    """The move-in cases (being built)."""
    return "", 204
