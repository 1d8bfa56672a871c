"""The application's timeline: an event for every step, and what the applicant is told after one (in the portal,
and by e-mail when they gave an address), in their language."""

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from domain.notify.services import tell_resident
from domain.property.units import unit_label
from domain.renovation.models import RenovationEvent
from domain.timeline import add_timeline_entry
from extensions import db


def add_event(application, actor, action, body="", data=None, now=None):
    """Add a timeline entry."""
    return add_timeline_entry(RenovationEvent, actor, action, body, data=data, at=now, application=application)


#: What the applicant is told after a staff step (in the portal, and by e-mail when they gave an address).
_NEWS = {
    "request_changes": _l("Renovation #%(id)s (%(unit)s): please change your application. %(note)s"),
    "approve": _l(
        "Renovation #%(id)s (%(unit)s) is approved. Pay the deposit under Bills; the permit follows. %(note)s"
    ),
    "reject": _l("Renovation #%(id)s (%(unit)s) is rejected. %(note)s"),
    "issue_permit": _l(
        "Renovation #%(id)s (%(unit)s): the deposit is paid and your permit is issued. Open it under "
        "Renovation to show it at the gate and post it at the entrance of the unit."
    ),
    "accept": _l("Renovation #%(id)s (%(unit)s) passed the acceptance inspection. The deposit will be refunded."),
    "fail_acceptance": _l("Renovation #%(id)s (%(unit)s) did not pass the acceptance inspection. %(note)s"),
    "refund_deposit": _l("Renovation #%(id)s (%(unit)s): the deposit is refunded, minus any fines."),
    "violation": _l("Renovation #%(id)s (%(unit)s): a violation was found and must be put right. %(note)s"),
}


def tell_applicant(application, action, note="", now=None):
    """Tell the applicant about a step, in their language (in the portal; by e-mail too when they have one)."""
    message = _NEWS.get(action)
    if message is None:
        return
    values = {"id": application.id, "unit": unit_label(application.unit_id), "note": note or ""}
    tell_resident(application.resident_id, LazyString(lambda: (str(message) % values).strip()), now=now)


def timeline(application):
    """The application's events, oldest first."""
    return db.session.scalars(
        select(RenovationEvent).where(RenovationEvent.application_id == application.id).order_by(RenovationEvent.id)
    ).all()
