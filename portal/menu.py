"""The portal's tab bar, built in Python once per language (eight url_for calls and their "current" tests per
page were a few per cent of the resident home)."""

from flask import g, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from domain.clock import utcnow
from domain.movein.online import shows_move_in
from portal import bp

#: (endpoint, label, the endpoints that make the tab current; None: any portal endpoint naming the feature).
TABS = (
    ("portal.home", _l("Home"), {"portal.home"}),
    ("portal.list_bills", _l("Bills"), {"portal.list_bills", "portal.show_bill", "portal.show_payment"}),
    (
        "portal.list_tickets",
        _l("Requests"),
        {
            "portal.list_tickets",
            "portal.create_ticket",
            "portal.show_ticket",
            "portal.comment_ticket",
            "portal.rate_ticket",
            "portal.mark_ticket_urgent",
        },
    ),
    ("portal.list_parcels", _l("Parcels"), {"portal.list_parcels", "portal.show_pickup_code", "portal.add_collector"}),
    ("portal.list_renovations", _l("Renovation"), "renovation"),
    ("portal.list_documents", _l("My file"), {"portal.list_documents"}),
    ("portal.list_notices", _l("Notices"), "notice"),
    ("portal.list_surveys", _l("Surveys"), "survey"),
    ("portal.edit_profile", _l("My details"), {"portal.edit_profile"}),
    ("portal.change_password", _l("Password"), {"portal.change_password"}),
)
#: Shown after Home only to an owner with a move-in case in progress (or completed lately).
MOVE_IN_TAB = ("portal.move_in", _l("Move-in"), "move_in")
#: locale -> [(url, label, current endpoints or a word the endpoint contains)]; tabs never change while running.
_cache = {}


def portal_tabs():
    """The tab bar as [(url, label, is_current)] for the current page."""
    key = str(get_locale())
    tabs = _cache.get(key)
    if tabs is None:
        tabs = _cache[key] = [(url_for(endpoint), str(label), current) for endpoint, label, current in TABS]
        _cache[key, "move_in"] = (url_for(MOVE_IN_TAB[0]), str(MOVE_IN_TAB[1]), MOVE_IN_TAB[2])
    if _with_move_in():
        tabs = [tabs[0], _cache[key, "move_in"], *tabs[1:]]
    endpoint = request.endpoint or ""
    return [
        (
            url,
            label,
            endpoint in current
            if isinstance(current, set)
            else (endpoint.startswith("portal.") and current in endpoint),
        )
        for url, label, current in tabs
    ]


def _with_move_in():
    """Whether the signed-in resident gets the move-in tab (asked once per request)."""
    if "move_in_tab" not in g:
        g.move_in_tab = current_user.is_authenticated and shows_move_in(current_user.id, utcnow())
    return g.move_in_tab


@bp.context_processor
def inject_tabs():
    """Give portal templates their tab bar."""
    return {"portal_tabs": portal_tabs}
