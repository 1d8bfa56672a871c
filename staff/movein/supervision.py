"""The manager's view of move-in (SOP 2.3.2): the board, the day's summary (收楼汇总) and spot-checks (抽查)."""

from domain.accounts.roles import Permission
from staff import bp
from web.auth import staff_permission


@bp.get("/move-in/board")
@staff_permission(Permission.SUPERVISE_MOVE_IN)
def move_in_board():
    """The move-in board (being built)."""
    return "", 204
