"""Logging arriving parcels at the desk (快递代收): tracking numbers checked and recognised, one intake of a unit
in three statements; the residents are told after the commit (domain/parcels/arrivals.py)."""

import re
from datetime import datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import Conflict, DomainError
from domain.parcels.carriers import CARRIERS, recognise_carrier
from domain.parcels.models import Parcel, ParcelStatus
from domain.parcels.tasks import notify_parcels
from domain.property.units import find_unit
from domain.tasks import after_commit
from extensions import db

#: Most parcels one intake may log for one unit.
MAX_BATCH = 20


_TRACKING = re.compile(r"^[A-Z0-9-]{4,40}$")


class LoggedParcel(NamedTuple):
    """A parcel just logged, as the intake page shows it (no ORM object to refresh after the commit)."""

    id: int
    tracking_number: str
    carrier: str
    shelf: str
    arrived_at: datetime


def normalise_tracking(text):
    """A tracking number as stored: upper case, without spaces."""
    return re.sub(r"\s+", "", text or "").upper()


def check_tracking(text):
    """The stored form of a typed tracking number, or DomainError on the tracking_number field."""
    number = normalise_tracking(text)
    if not _TRACKING.match(number):
        raise DomainError(_l("A tracking number is 4 to 40 letters, digits or dashes."), field="tracking_number")
    return number


_INSERT_PARCELS = insert(Parcel.__table__).returning(Parcel.__table__.c.tracking_number, Parcel.__table__.c.id)


def log_parcels(actor, *, unit_label, entries, now=None):
    """Log arriving parcels for one unit: `entries` are (tracking number, carrier, shelf); an empty carrier is
    recognised from the number (DomainError on the carrier field when it cannot be). One intake is one audit entry;
    the residents are told after the commit, off the request.

    Three SQL statements (the unit, the parcels, the audit entry) whatever the number of parcels. A tracking
    number already waiting on the shelf is refused, and so is the same number twice in one batch.
    Returns (the new parcels as LoggedParcel, the unit's label).
    """
    require(actor, Permission.HANDLE_COUNTER)
    if not entries:
        raise DomainError(_l("Type or scan a tracking number."), field="tracking_number")
    if len(entries) > MAX_BATCH:
        raise DomainError(_l("Log at most %(count)s parcels at once.", count=MAX_BATCH), field="tracking_number")
    rows, seen = [], set()
    for tracking, carrier, shelf in entries:
        number = check_tracking(tracking)
        if number in seen:
            raise DomainError(_l("%(number)s is in the list twice.", number=number), field="tracking_number")
        seen.add(number)
        carrier = carrier or recognise_carrier(number)
        if not carrier:
            raise DomainError(
                _l("The carrier of %(number)s cannot be told from the number: choose it.", number=number),
                field="carrier",
            )
        if carrier not in CARRIERS:
            raise DomainError(_l("Choose the carrier."), field="carrier")
        rows.append((number, carrier, (shelf or "").strip().upper()[:16]))
    unit_id, property_id, _number, label = find_unit(unit_label, number_alone=True)
    now = now or utcnow()
    values = [
        {
            "property_id": property_id,
            "unit_id": unit_id,
            "tracking_number": number,
            "carrier": carrier,
            "shelf": shelf,
            "status": ParcelStatus.WAITING,
            "arrived_at": now,
            "logged_by_id": actor.user_id,
        }
        for number, carrier, shelf in rows
    ]
    try:
        # One INSERT ... RETURNING for the whole batch, sent on the connection: the ORM would send one statement
        # per parcel, and its bulk path costs more than the statement. RETURNING order is not guaranteed on
        # every database: match the ids back by tracking number.
        returned = dict(db.session.connection().execute(_INSERT_PARCELS, values).all())
    except IntegrityError:
        db.session.rollback()  # nothing of this intake is kept
        waiting = db.session.scalars(
            select(Parcel.tracking_number).where(
                Parcel.property_id == property_id,
                Parcel.status == ParcelStatus.WAITING,
                Parcel.tracking_number.in_(seen),
            )
        ).all()
        raise Conflict(
            _l("%(number)s is already waiting on the shelf.", number=", ".join(sorted(waiting)) or "?"),
            field="tracking_number",
        ) from None
    logged = [
        LoggedParcel(
            id=returned[row["tracking_number"]], **{k: v for k, v in row.items() if k in LoggedParcel._fields[1:]}
        )
        for row in values
    ]
    ids = [p.id for p in logged]
    record(
        actor,
        "parcel.log",
        object_type="parcels",
        object_id=ids[0],
        summary=f"{label}: " + ", ".join(p.tracking_number for p in logged),
    )
    after_commit(notify_parcels, property_id, coalesce=True)
    return logged, label
