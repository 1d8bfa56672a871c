"""Handing parcels over at the desk (or after a kiosk pickup): unit + pickup code checked and throttled, the
collector checked, the code used up once; without a code only to a resident named as in the register; return to
the carrier and voiding a mistaken entry."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_date, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.parcels import codes
from domain.parcels.authorisations import household_names
from domain.parcels.models import Parcel, ParcelStatus, PickupAuthorisation, PickupCode, Recipient
from domain.parcels.queries import waiting_for_units
from domain.property.units import find_unit
from domain.throttle import services as throttle
from extensions import db

RECIPIENT_LABELS = {
    Recipient.RESIDENT: _l("The resident"),
    Recipient.HOUSEHOLD: _l("A household member"),
    Recipient.AUTHORISED: _l("An authorised person"),
    Recipient.VISITOR: _l("The person named by the depositor"),
}


_ID_LAST4 = re.compile(r"^[0-9X]{4}$")


SCOPE = "parcel_code"


def check_id_last4(text):
    """The last four characters of an ID number as typed ("123x" -> "123X"), or DomainError."""
    value = (text or "").strip().upper()
    if not _ID_LAST4.match(value):
        raise DomainError(_l("Type the last 4 characters of their ID (digits, or X)."), field="id_last4")
    return value


def _live_code(unit_id, code, now):
    """The unit's live pickup code matching `code`, or None."""
    return db.session.scalar(
        select(PickupCode).where(
            PickupCode.unit_id == unit_id,
            PickupCode.code_hash == codes.code_hash("pickup", unit_id, code),
            PickupCode.used_at.is_(None),
            PickupCode.revoked_at.is_(None),
            PickupCode.expires_at > now,
        )
    )


def check_pickup_code(actor, *, unit_label, code, place, now=None):
    """Check unit + code at the desk (or the kiosk); returns (code row, unit id, label, waiting parcels).

    Throttled per place and per unit (domain.throttle): wrong codes are counted (the caller commits them); the
    fifth within five minutes alarms the desk and locks a desk clerk out for five minutes (a kiosk waits a growing
    delay instead), and the tenth for one unit within an hour, from anywhere, locks that unit's code everywhere.
    A wrong unit with a right code is a wrong code.
    """
    require(actor, Permission.HANDLE_COUNTER)
    now = now or utcnow()
    throttle.check_not_locked(SCOPE, place, now)
    try:
        unit_id, _property_id, _number, label = find_unit(unit_label, number_alone=True)
    except DomainError:
        unit_id, label = None, (unit_label or "").strip()[:20]
    throttle.check_unit_not_locked(SCOPE, unit_id, now)
    row = _live_code(unit_id, code, now) if unit_id and codes.is_code(code) else None
    if row is None:
        throttle.count_failure(actor, SCOPE, place, detail=label, now=now, unit_id=unit_id)
        raise throttle.WrongCode(field="code")
    parcels = waiting_for_units([unit_id])
    return row, unit_id, label, parcels


def collector(unit_id, *, recipient, name, id_last4, authorisation_id=None):
    """Check who collects for a unit: (Recipient, name, ID's last 4). An authorised person must be one the
    resident named in the portal (their name is taken from the authorisation); anyone else needs a name."""
    recipient = Recipient(recipient) if recipient in {r.value for r in Recipient} - {"visitor"} else None
    if recipient is None:
        raise DomainError(_l("Say who is collecting."), field="recipient")
    id_last4 = check_id_last4(id_last4)
    name = (name or "").strip()[:80]
    if recipient == Recipient.AUTHORISED:
        authorisation = db.session.get(PickupAuthorisation, authorisation_id) if authorisation_id else None
        if authorisation is None or authorisation.unit_id != unit_id or authorisation.revoked_at is not None:
            raise DomainError(_l("Choose one of the people the resident authorised."), field="authorisation_id")
        name = authorisation.name
    if not name:
        raise DomainError(_l("Write the collector's name."), field="name")
    return recipient, name, id_last4


def mark_picked_up(actor, parcels, *, label, who, code_id=None, note="", action="parcel.hand_over", now=None):
    """Hand `parcels` over to `who` (from `collector`) with a conditional update, so two clerks cannot both hand
    over the same parcel; writes the audit entry. Every hand-over (desk, no code, kiosk) goes through here."""
    if not parcels:
        raise DomainError(_l("Tick the parcels you hand over."), field="parcel_ids")
    recipient, name, id_last4 = who
    now = now or utcnow()
    taken = db.session.execute(
        update(Parcel)
        .where(Parcel.id.in_([p.id for p in parcels]), Parcel.status == ParcelStatus.WAITING)
        .values(
            status=ParcelStatus.PICKED_UP,
            picked_up_at=now,
            pickup_code_id=code_id,
            picked_up_by=recipient,
            picked_up_name=name,
            picked_up_id_last4=id_last4,
            closed_by_id=actor.user_id,
            closed_at=now,
            close_note=note,
        )
    ).rowcount
    if taken != len(parcels):
        raise Conflict(_l("One of these parcels has just been handed over by someone else."))
    record(
        actor,
        action,
        object_type="parcels",
        object_id=parcels[0].id,
        summary=f"{label}: {', '.join(p.tracking_number for p in parcels)} -> {recipient.value} {name} ({id_last4})",
    )
    return parcels


def use_code(row, now):
    """Use a pickup code up (once: a second use at the same moment finds it used)."""
    used = db.session.execute(
        update(PickupCode).where(PickupCode.id == row.id, PickupCode.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if used != 1:
        raise Conflict(_l("This code has just been used."))


def hand_over(
    actor, *, unit_label, code, parcel_ids, recipient, name, id_last4, authorisation_id=None, place, now=None
):
    """Hand a unit's waiting parcels to the person at the desk, using the code up (it works once).

    `recipient` says who they are; an authorised person must be one the resident named in the portal. The
    code is checked again and consumed with a conditional update, so two clerks cannot both use it.
    """
    now = now or utcnow()
    row, unit_id, label, waiting = check_pickup_code(actor, unit_label=unit_label, code=code, place=place, now=now)
    who = collector(unit_id, recipient=recipient, name=name, id_last4=id_last4, authorisation_id=authorisation_id)
    chosen = [p for p in waiting if p.id in set(parcel_ids or ())]
    if not chosen:
        raise DomainError(_l("Tick the parcels you hand over."), field="parcel_ids")
    use_code(row, now)
    return mark_picked_up(actor, chosen, label=label, who=who, code_id=row.id, now=now), label


def hand_over_by_id(actor, *, unit_label, parcel_ids, recipient, name, id_last4, authorisation_id=None, now=None):
    """Hand a unit's parcels to someone without a code (no portal, no e-mail, phone left at home): only to a current
    resident of the unit, named as the register has them, or to a person they authorised, with the ID checked.

    Recorded as such in the audit log; nothing is consumed, and any live code keeps working for what is left.
    """
    require(actor, Permission.HANDLE_COUNTER)
    now = now or utcnow()
    unit_id, _property_id, _number, label = find_unit(unit_label, number_alone=True)
    who = collector(unit_id, recipient=recipient, name=name, id_last4=id_last4, authorisation_id=authorisation_id)
    if who[0] != Recipient.AUTHORISED and who[1] not in household_names(unit_id, local_date(now)):
        raise DomainError(
            _l("Without a code, only a resident of %(unit)s, named as in the register, may collect.", unit=label),
            field="name",
        )
    chosen = [p for p in waiting_for_units([unit_id]) if p.id in set(parcel_ids or ())]
    return mark_picked_up(
        actor,
        chosen,
        label=label,
        who=who,
        note="no code: identity checked at the desk",
        action="parcel.hand_over_by_id",
        now=now,
    ), label


def _waiting_parcel(parcel_id):
    """A parcel that is still on the shelf, or NotFound / InvalidTransition."""
    parcel = db.session.get(Parcel, parcel_id)
    if parcel is None:
        raise NotFound()
    if parcel.status != ParcelStatus.WAITING:
        raise InvalidTransition(_l("This parcel is no longer waiting."))
    return parcel


def _close(actor, parcel, status, note, action, now):
    """Take a waiting parcel off the shelf without a pickup (returned or voided), with the reason."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Give the reason."), field="note")
    parcel.status, parcel.close_note = status, note[:500]
    parcel.closed_by_id, parcel.closed_at = actor.user_id, now or utcnow()
    record(actor, action, parcel, summary=f"{parcel.tracking_number}: {note}"[:200])
    return parcel


def return_to_carrier(actor, parcel_id, note, now=None):
    """Give an uncollected parcel back to the carrier, with who took it back and why."""
    require(actor, Permission.HANDLE_COUNTER)
    return _close(actor, _waiting_parcel(parcel_id), ParcelStatus.RETURNED, note, "parcel.return", now)


def void_parcel(actor, parcel_id, reason, now=None):
    """Void a parcel logged by mistake (nothing is deleted; the reason is kept)."""
    require(actor, Permission.HANDLE_COUNTER)
    return _close(actor, _waiting_parcel(parcel_id), ParcelStatus.VOIDED, reason, "parcel.void", now)
