"""The portal's tab bar, built in Python once per language (eight url_for calls and their "current" tests per
page were a few per cent of the resident home)."""

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

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
        },
    ),
    ("portal.list_parcels", _l("Parcels"), {"portal.list_parcels", "portal.show_pickup_code", "portal.add_collector"}),
    ("portal.list_renovations", _l("Renovation"), "renovation"),
    ("portal.edit_profile", _l("My details"), {"portal.edit_profile"}),
    ("portal.change_password", _l("Password"), {"portal.change_password"}),
)
#: locale -> [(url, label, current endpoints or a word the endpoint contains)]; tabs never change while running.
_cache = {}


def portal_tabs():
    """The tab bar as [(url, label, is_current)] for the current page."""
    key = str(get_locale())
    tabs = _cache.get(key)
    if tabs is None:
        tabs = _cache[key] = [(url_for(endpoint), str(label), current) for endpoint, label, current in TABS]
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


@bp.context_processor
def inject_tabs():
    """Give portal templates their tab bar."""
    return {"portal_tabs": portal_tabs}
