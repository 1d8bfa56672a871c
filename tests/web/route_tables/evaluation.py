"""Staff evaluation: the console routes and who may use them."""

from domain.accounts.roles import Role

ALL = frozenset(Role)
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_scorecards": ("GET", "/staff/evaluation/?month=2026-10", MANAGER),
    "staff.my_scorecard": ("GET", "/staff/evaluation/mine", ALL - MANAGER),
    # Another person's card is refused to all but the manager (domain/evaluation/services.py).
    "staff.show_scorecard": ("GET", "/staff/evaluation/people/{staff}?month=2026-10", MANAGER),
    "staff.review_scorecard": ("POST", "/staff/evaluation/people/{staff}/review?month=2026-10", MANAGER),
    "staff.sign_scorecard": ("POST", "/staff/evaluation/people/{staff}/sign?month=2026-10", MANAGER),
    "staff.edit_evaluation_weights": ("GET", "/staff/evaluation/weights/frontdesk", MANAGER),
}


def records(prop, unit, resident):
    """No record of its own: the URLs name a staff member, which the shared table makes."""
    return {}
