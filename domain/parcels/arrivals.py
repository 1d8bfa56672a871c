"""Telling the residents that parcels arrived, and pickup codes: a fresh code by e-mail with the notice, one from
the portal on request, reminders of parcels left waiting."""

from collections import defaultdict
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from domain.audit.services import record
from domain.clock import local_date, local_text, utcnow
from domain.errors import InvalidTransition, NotFound
from domain.notify.mail import mail_configured
from domain.notify.services import households, notice_batch, tell_household
from domain.parcels import codes
from domain.parcels.carriers import CARRIERS
from domain.parcels.models import Parcel, ParcelStatus, PickupCode
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL, unit_label
from extensions import db


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
    with notice_batch(now) as tell:
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
                tell(to, message, _l("Parcel for %(unit)s", unit=label), mail_body=mail)
    if told:
        db.session.execute(update(Parcel).where(Parcel.id.in_(told)).values(notified_at=now))
    return len(told)


def notify_pending():
    """The after-commit task of the intake: tell residents of every parcel not notified yet (one batch for all the
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
