"""The kiosk's start screen: the property's name, the time, current announcements and the survey it shows."""

from flask import render_template
from flask_babel import get_locale

from domain.announcements.services import current_announcements
from domain.clock import local_now
from domain.property.buildings import get_property
from domain.surveys.answering import kiosk_surveys
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

    from domain.kiosk.sessions import forget
    from extensions import db

    forget(g.kiosk)
    db.session.commit()
    surveys = kiosk_surveys(g.kiosk.property_id)
    return render_template(
        "kiosk/index.html",
        property=get_property(),
        announcements=current_announcements(limit=6),
        now=local_now(),
        survey=surveys[0] if surveys else None,
        locale=str(get_locale()),
    )
