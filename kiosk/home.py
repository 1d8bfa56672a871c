"""The kiosk's start screen: the property's name, the time and current announcements."""

from flask import render_template

from domain.announcements.services import current_announcements
from domain.clock import local_now
from domain.property.buildings import get_property
from kiosk import bp


@bp.after_request
def no_store(response):
    """Nothing a kiosk shows may be kept by the browser for the next person."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    """The start screen of an enrolled kiosk; public data only. Coming here forgets the last person's errand."""
    from flask import g

    from domain.kiosk.payments import forget
    from extensions import db

    forget(g.kiosk)
    db.session.commit()
    return render_template(
        "kiosk/index.html", property=get_property(), announcements=current_announcements(limit=6), now=local_now()
    )
