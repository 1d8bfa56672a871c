"""Parcel pickup at a kiosk: unit + code (or the scanned QR code) are checked as at the desk, throttled per
kiosk and per unit (domain.throttle); a right code is used up and the desk sees the pickup to hand the parcels
over and confirm. The kiosk shows only how many parcels there are and on which shelves."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import Conflict, InvalidTransition, NotFound
from domain.kiosk.models import Kiosk, KioskPickup
from domain.parcels import pickup as parcel_pickup
from domain.parcels import queries as parcel_queries
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL, unit_label
from domain.throttle.services import kiosk_place
from extensions import db


def place_of(kiosk):
    """Where a kiosk's guesses come from, for the code throttle."""
    return kiosk_place(kiosk.id)


def start_pickup(kiosk, *, unit_label, code, now=None):
    """Check unit + code at the kiosk; a right code is used up and a pickup waits for the desk.

    Returns (parcel count, shelves). Raises WrongCode (commit it: it counts) or Throttled (SlowDown: this kiosk
    waits a growing delay after wrong codes; UnitLocked: too many wrong codes for the unit, from anywhere), or
    Conflict when nothing waits.
    """
    now = now or utcnow()
    actor = Actor.system(place_of(kiosk))
    row, unit_id, _label, waiting = parcel_pickup.check_pickup_code(
        actor, unit_label=unit_label, code=code, place=place_of(kiosk), now=now
    )
    if not waiting:
        raise Conflict(_l("Nothing is waiting for this code."))
    parcel_pickup.use_code(row, now)
    db.session.add(KioskPickup(kiosk_id=kiosk.id, unit_id=unit_id, pickup_code_id=row.id, created_at=now))
    record(actor, "kiosk.pickup", object_type="units", object_id=unit_id, summary=f"{len(waiting)} parcels")
    return len(waiting), sorted({p.shelf for p in waiting if p.shelf})


def open_pickups():
    """Pickups started at kiosks that the desk has not handed over yet, oldest first: (pickup, unit label, kiosk)."""
    return db.session.execute(
        select(KioskPickup, UNIT_LABEL, Kiosk.name)
        .join(Unit, Unit.id == KioskPickup.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Kiosk, Kiosk.id == KioskPickup.kiosk_id)
        .where(KioskPickup.closed_at.is_(None))
        .order_by(KioskPickup.id)
    ).all()


def confirm_pickup(actor, pickup_id, *, recipient, name, id_last4, now=None):
    """The desk hands over every parcel of the unit still waiting and records who took them (as at the desk)."""
    require(actor, Permission.HANDLE_COUNTER)
    pickup = db.session.get(KioskPickup, pickup_id)
    if pickup is None:
        raise NotFound()
    if pickup.closed_at is not None:
        raise InvalidTransition(_l("This pickup is already handed over."))
    who = parcel_pickup.collector(pickup.unit_id, recipient=recipient, name=name, id_last4=id_last4)
    now = now or utcnow()
    handed = parcel_pickup.mark_picked_up(
        actor,
        parcel_queries.waiting_for_units([pickup.unit_id]),
        label=unit_label(pickup.unit_id),
        who=who,
        code_id=pickup.pickup_code_id,
        note="kiosk",
        now=now,
    )
    pickup.closed_at, pickup.closed_by_id = now, actor.user_id
    return handed
