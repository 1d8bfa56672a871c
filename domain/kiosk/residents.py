"""Who is at the kiosk: a unit and the last 4 digits of a phone registered for it. The check is throttled as
pickup codes are (domain.throttle: a growing delay per kiosk, the desk alarmed at 5 wrong answers in 5 minutes,
and a unit locked everywhere after 10 wrong answers for it within an hour) and reveals nothing: the kiosk learns
only the resident's id, never a name or a number."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.clock import local_date, utcnow
from domain.errors import DomainError
from domain.parcels.codes import normalise_code
from domain.property.models import Occupancy, Resident
from domain.property.units import find_unit
from domain.throttle import services as throttle
from extensions import db

SCOPE = "kiosk_phone"


class NoMatch(throttle.WrongCode):
    """The unit and the phone digits do not go together (counted: commit it)."""

    default_message = _l("That unit and those phone digits do not match our register.")


def check_unit_and_phone(kiosk, *, unit_label, last4, now=None):
    """(unit id, resident id, "1-1203") when a current resident of the unit has a phone ending in `last4`.

    Raises Throttled while the kiosk must wait or the unit is locked, NoMatch (counted) otherwise.
    """
    now = now or utcnow()
    place = throttle.kiosk_place(kiosk.id)
    throttle.check_not_locked(SCOPE, place, now)
    digits = normalise_code(last4)  # ASCII digits, full-width ones read as digits
    try:
        unit_id, _property_id, _number, label = find_unit(unit_label, number_alone=True)
    except DomainError:
        unit_id, label = None, (unit_label or "").strip()[:20]
    throttle.check_unit_not_locked(SCOPE, unit_id, now)
    resident_id = None
    if unit_id and len(digits) == 4:
        today = local_date(now)
        rows = (
            select(Resident.id, Resident.phone)
            .join(Occupancy, Occupancy.resident_id == Resident.id)
            .where(
                Occupancy.unit_id == unit_id,
                Occupancy.is_current(today),
            )
        )
        resident_id = next(
            (rid for rid, phone in db.session.execute(rows) if re.sub(r"\D", "", phone or "").endswith(digits)), None
        )
    if resident_id is None:
        throttle.count_failure(Actor.system(place), SCOPE, place, detail=label, now=now, unit_id=unit_id)
        raise NoMatch(field="last4")
    return unit_id, resident_id, label
