"""Parcels at the desk (快递代收): intake, telling the residents, pickup codes, hand-over by code, authorised
collectors, reminders, return to the carrier, and voiding a mistaken entry."""

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_date, local_text, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.notify.jobs import after_commit
from domain.notify.mail import mail_configured
from domain.notify.services import households, tell_household, tell_resident
from domain.parcels import codes
from domain.parcels.carriers import recognise_carrier
from domain.parcels.models import Parcel, ParcelStatus, PickupAuthorisation, PickupCode, Recipient
from domain.property.models import Building, Occupancy, Resident, Unit
from domain.property.units import UNIT_LABEL, find_unit, unit_label
from domain.throttle import services as throttle
from extensions import db

#: Carriers the desk picks from (keys stored; labels in the user's language).
CARRIERS = {
    "sf": _l("SF Express"),
    "jd": _l("JD Logistics"),
    "ems": _l("China Post / EMS"),
    "zto": _l("ZTO Express"),
    "yto": _l("YTO Express"),
    "sto": _l("STO Express"),
    "yunda": _l("Yunda Express"),
    "jt": _l("J&T Express"),
    "cainiao": _l("Cainiao"),
    "other": _l("Other"),
}
RECIPIENT_LABELS = {
    Recipient.RESIDENT: _l("The resident"),
    Recipient.HOUSEHOLD: _l("A household member"),
    Recipient.AUTHORISED: _l("An authorised person"),
    Recipient.VISITOR: _l("The person named by the depositor"),
}
#: Most parcels one intake may log for one unit.
MAX_BATCH = 20
_TRACKING = re.compile(r"^[A-Z0-9-]{4,40}$")
_ID_LAST4 = re.compile(r"^[0-9X]{4}$")
SCOPE = "parcel_code"


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


def check_id_last4(text):
    """The last four characters of an ID number as typed ("123x" -> "123X"), or DomainError."""
    value = (text or "").strip().upper()
    if not _ID_LAST4.match(value):
        raise DomainError(_l("Type the last 4 characters of their ID (digits, or X)."), field="id_last4")
    return value


# Intake ------------------------------------------------------------------------------------------


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
    after_commit(notify_pending, coalesce=True)
    return logged, label


# Telling the residents and pickup codes ------------------------------------------------------------


def issue_pickup_code(unit_id, now=None):
    """A new pickup code for the unit's waiting parcels; any earlier live code stops working. Returns
    (code, expires_at): the code is shown once and never stored in clear."""
    now = now or utcnow()
    db.session.execute(
        update(PickupCode)
        .where(PickupCode.unit_id == unit_id, PickupCode.used_at.is_(None), PickupCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    code = codes.new_code()
    expires_at = now + timedelta(days=int(current_app.config["PARCEL_CODE_DAYS"]))
    db.session.execute(
        insert(PickupCode).values(
            unit_id=unit_id, code_hash=codes.code_hash("pickup", unit_id, code), created_at=now, expires_at=expires_at
        )
    )
    return code, expires_at


def notify_arrivals(parcel_ids, now=None):
    """Tell the residents of each unit that parcels arrived: in the portal, and by e-mail with a fresh pickup code
    where someone has an address (and mail is set up). Without anyone to mail, codes are left alone: the resident
    gets one in the portal, and a code they already hold keeps working.

    Idempotent: parcels already notified, or no longer waiting, are skipped (the sweep may run it again). A batch
    costs four statements plus two per unit whose code is mailed.
    """
    if not parcel_ids:
        return 0
    now = now or utcnow()
    parcels = db.session.execute(
        select(Parcel.id, Parcel.unit_id, Parcel.carrier, Parcel.shelf, UNIT_LABEL)
        .join(Unit, Unit.id == Parcel.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Parcel.id.in_(parcel_ids), Parcel.notified_at.is_(None), Parcel.status == ParcelStatus.WAITING)
    ).all()
    if not parcels:
        return 0
    by_unit = defaultdict(list)
    for parcel in parcels:
        by_unit[parcel.unit_id].append(parcel)
    today = local_date(now)
    addressees = households(list(by_unit), today)
    mailing = mail_configured()
    told = []
    for unit_id, arrived in by_unit.items():
        household = addressees.get(unit_id)
        if not household:
            continue  # nobody lives there (yet): the desk sees it among the waiting parcels, "not told"
        told += [p.id for p in arrived]
        label = arrived[0].unit_label
        carriers = ", ".join(sorted({str(CARRIERS[p.carrier]) for p in arrived}))
        shelves = ", ".join(sorted({p.shelf for p in arrived if p.shelf})) or "-"
        message = _l(
            "%(count)s parcel(s) for %(unit)s arrived at the service desk (%(carriers)s; shelf %(shelves)s). "
            "Open Parcels in the portal for your pickup code.",
            count=len(arrived),
            unit=label,
            carriers=carriers,
            shelves=shelves,
        )
        mail = None
        if mailing and any(to.email for to in household):
            code, expires_at = issue_pickup_code(unit_id, now)
            mail = _l(
                "%(count)s parcel(s) for %(unit)s arrived at the service desk (%(carriers)s; shelf %(shelves)s)."
                "\n\nPickup code: %(code)s (unit %(unit)s), valid until %(date)s or until used.\n"
                "Show it at the desk or the lobby kiosk.",
                count=len(arrived),
                unit=label,
                carriers=carriers,
                shelves=shelves,
                code=code,
                date=local_text(expires_at, "%Y-%m-%d"),
            )
        for to in household:
            tell_resident(to, message, _l("Parcel for %(unit)s", unit=label), mail_body=mail, now=now)
    if told:
        db.session.execute(update(Parcel).where(Parcel.id.in_(told)).values(notified_at=now))
    return len(told)


def notify_pending():
    """The after-commit job of the intake: tell residents of every parcel not notified yet (one batch for all the
    intakes since the last run)."""
    ids = db.session.scalars(
        select(Parcel.id).where(Parcel.status == ParcelStatus.WAITING, Parcel.notified_at.is_(None))
    ).all()
    return notify_arrivals(ids)


def notify_unsent(now=None):
    """Tell residents about parcels whose notice never went out (a process stopped first); for cron."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(Parcel.id).where(
            Parcel.status == ParcelStatus.WAITING,
            Parcel.notified_at.is_(None),
            Parcel.arrived_at <= now - timedelta(minutes=1),
        )
    ).all()
    return notify_arrivals(ids, now) if ids else 0


def code_for_resident(actor, resident_id, unit_id, *, allowed_units, now=None):
    """A new pickup code for a unit the resident lives in that has waiting parcels.

    Returns (code, expires_at, label).
    """
    if unit_id not in allowed_units:
        raise NotFound()
    if not db.session.scalar(
        select(Parcel.id).where(Parcel.unit_id == unit_id, Parcel.status == ParcelStatus.WAITING).limit(1)
    ):
        raise InvalidTransition(_l("No parcel is waiting for this unit."))
    code, expires_at = issue_pickup_code(unit_id, now)
    record(actor, "parcel.code", object_type="units", object_id=unit_id, summary=f"resident {resident_id}")
    return code, expires_at, unit_label(unit_id)


def remind_waiting(now=None):
    """Remind the residents of parcels waiting PARCEL_REMIND_DAYS or more, at most once per that many days; for cron."""
    now = now or utcnow()
    days = int(current_app.config["PARCEL_REMIND_DAYS"])
    due = now - timedelta(days=days)
    parcels = db.session.scalars(
        select(Parcel).where(
            Parcel.status == ParcelStatus.WAITING,
            Parcel.arrived_at <= due,
            (Parcel.reminded_at.is_(None)) | (Parcel.reminded_at <= due),
        )
    ).all()
    by_unit = defaultdict(list)
    for parcel in parcels:
        by_unit[parcel.unit_id].append(parcel)
    today = local_date(now)
    for unit_id, waiting in by_unit.items():
        label = unit_label(unit_id)
        oldest = local_text(min(p.arrived_at for p in waiting), "%Y-%m-%d")
        message = _l(
            "Reminder: %(count)s parcel(s) for %(unit)s are waiting at the service desk since %(date)s.",
            count=len(waiting),
            unit=label,
            date=oldest,
        )
        tell_household(unit_id, message, _l("Parcel for %(unit)s", unit=label), today=today)
        for parcel in waiting:
            parcel.reminded_at = now
    return len(parcels)


# Pickup ------------------------------------------------------------------------------------------


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


# Authorised collectors -----------------------------------------------------------------------------


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


# Lists ---------------------------------------------------------------------------------------------


def waiting_for_units(unit_ids):
    """The parcels waiting for the given units, oldest first."""
    if not unit_ids:
        return []
    return db.session.scalars(
        select(Parcel)
        .where(Parcel.unit_id.in_(unit_ids), Parcel.status == ParcelStatus.WAITING)
        .order_by(Parcel.arrived_at, Parcel.id)
    ).all()
