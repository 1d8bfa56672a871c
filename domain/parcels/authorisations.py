"""Who may collect a unit's parcels besides its residents: the people a resident authorises in the portal, and the
register's names the desk checks a collector against."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, NotFound
from domain.parcels.models import PickupAuthorisation
from domain.property.models import Occupancy, Resident
from extensions import db


def authorise_collector(actor, *, resident_id, unit_id, allowed_units, name, phone):
    """Let someone else collect the unit's parcels (the resident names them in the portal)."""
    if unit_id not in allowed_units:
        raise NotFound()
    name, digits = (name or "").strip(), re.sub(r"[^\d+]", "", phone or "")
    if not name:
        raise DomainError(_l("Write their name."), field="name")
    if len(re.sub(r"\D", "", digits)) < 7:
        raise DomainError(_l("Write a phone number we can call."), field="phone")
    authorisation = PickupAuthorisation(unit_id=unit_id, resident_id=resident_id, name=name[:80], phone=digits[:20])
    db.session.add(authorisation)
    db.session.flush()
    record(actor, "parcel.authorise", authorisation, summary=f"{name} for unit {unit_id}")
    return authorisation


def revoke_collector(actor, authorisation_id, *, allowed_units, now=None):
    """Withdraw an authorisation of one of the resident's units."""
    authorisation = db.session.get(PickupAuthorisation, authorisation_id)
    if authorisation is None or authorisation.unit_id not in allowed_units or authorisation.revoked_at is not None:
        raise NotFound()
    authorisation.revoked_at = now or utcnow()
    record(actor, "parcel.revoke_authorisation", authorisation, summary=authorisation.name)
    return authorisation


def collectors(unit_ids):
    """The live authorisations of the given units, oldest first."""
    if not unit_ids:
        return []
    return db.session.scalars(
        select(PickupAuthorisation)
        .where(PickupAuthorisation.unit_id.in_(unit_ids), PickupAuthorisation.revoked_at.is_(None))
        .order_by(PickupAuthorisation.id)
    ).all()


def household_names(unit_id, today):
    """The names of the unit's current residents (the desk checks the collector against them)."""
    return db.session.scalars(
        select(Resident.name)
        .join(Occupancy, Occupancy.resident_id == Resident.id)
        .where(
            Occupancy.unit_id == unit_id,
            Occupancy.is_current(today),
        )
        .order_by(Resident.name)
    ).all()
