"""Small items left at the desk (小件物品寄存, SOP 18): taken in with a description, a photo and an expiry,
claimed with a 6-digit code, and handed over with who took them."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from domain import exports
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_date, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.files.store import store_picture
from domain.notify.services import tell_household
from domain.parcels import codes
from domain.parcels.models import StorageStatus, StoredItem
from domain.parcels.pickup import check_id_last4
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL, find_unit
from domain.throttle import services as throttle
from extensions import db

SCOPE = "storage_code"
#: The longest an item may be left.
MAX_DAYS = 90


def _hash(property_id, code):
    """The stored form of a claim code (unique among the property's stored items)."""
    return codes.code_hash("storage", property_id, code)


def store_item(
    actor,
    *,
    unit_label,
    description,
    depositor_name,
    depositor_phone="",
    by_visitor=False,
    collector_name="",
    days=None,
    photo=None,
    now=None,
):
    """Take an item in for a unit; returns (item, claim code). The code is shown once, to give to the depositor."""
    require(actor, Permission.HANDLE_COUNTER)
    description, depositor_name = (description or "").strip(), (depositor_name or "").strip()
    if not description:
        raise DomainError(_l("Describe the item (what it is, colour, size)."), field="description")
    if not depositor_name:
        raise DomainError(_l("Write who leaves it."), field="depositor_name")
    days = int(days if days is not None else current_app.config["STORAGE_DAYS"])
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(_l("Keep it between 1 and %(max)s days.", max=MAX_DAYS), field="days")
    unit_id, property_id, _number, label = find_unit(unit_label, number_alone=True)
    now = now or utcnow()
    for _attempt in range(10):  # a claim code must be unique among the items on the shelf
        code = codes.new_code()
        taken = db.session.scalar(
            select(StoredItem.id).where(
                StoredItem.code_hash == _hash(property_id, code), StoredItem.status == StorageStatus.STORED
            )
        )
        if taken is None:
            break
    else:  # pragma: no cover - a million codes and a shelf of a few dozen items
        raise Conflict()
    item = StoredItem(
        property_id=property_id,
        unit_id=unit_id,
        description=description[:1000],
        depositor_name=depositor_name[:80],
        depositor_phone=(depositor_phone or "").strip()[:20],
        by_visitor=bool(by_visitor),
        collector_name=(collector_name or "").strip()[:80],
        code_hash=_hash(property_id, code),
        stored_at=now,
        expires_on=local_date(now) + timedelta(days=days),
        logged_by_id=actor.user_id,
    )
    if photo is not None and getattr(photo, "filename", ""):
        try:
            item.photo_name, item.photo_type, _size = store_picture(photo)
        except DomainError as error:
            error.field = "photo"
            raise
    db.session.add(item)
    db.session.flush()
    record(actor, "storage.store", item, summary=f"{label}: {description}"[:200])
    if item.by_visitor:  # the residents are to collect it: tell them, and mail them the code where possible
        tell_household(
            unit_id,
            _l(
                "%(name)s left an item for %(unit)s at the service desk: %(item)s. Bring the claim "
                "code (the desk gave it to %(name)s) by %(date)s.",
                name=item.depositor_name,
                unit=label,
                item=item.description[:60],
                date=item.expires_on.isoformat(),
            ),
            _l("An item left for %(unit)s", unit=label),
            mail_body=_l(
                "%(name)s left an item for %(unit)s at the service desk: %(item)s.\n\n"
                "Claim code: %(code)s, kept until %(date)s.",
                name=item.depositor_name,
                unit=label,
                item=item.description[:60],
                code=code,
                date=item.expires_on.isoformat(),
            ),
            today=local_date(now),
            now=now,
        )
    return item, code


def find_by_code(actor, *, property_id, code, place, now=None):
    """The item on the shelf with this claim code; wrong codes are counted and throttled per place (commit them)."""
    require(actor, Permission.HANDLE_COUNTER)
    now = now or utcnow()
    throttle.check_not_locked(SCOPE, place, now)
    item = None
    if codes.is_code(code):
        item = db.session.scalar(
            select(StoredItem).where(
                StoredItem.code_hash == _hash(property_id, code), StoredItem.status == StorageStatus.STORED
            )
        )
    if item is None:
        throttle.count_failure(actor, SCOPE, place, detail="storage", now=now)
        raise throttle.WrongCode(_l("No item on the shelf has this claim code."), field="code")
    return item


def release_item(actor, *, property_id, item_id, code, name, id_last4, place, now=None):
    """Hand an item over to whoever brings its claim code; the code then stops working."""
    now = now or utcnow()
    item = find_by_code(actor, property_id=property_id, code=code, place=place, now=now)
    if item.id != item_id:
        raise Conflict(_l("The code belongs to another item."))
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Write the collector's name."), field="name")
    id_last4 = check_id_last4(id_last4)
    done = db.session.execute(
        update(StoredItem)
        .where(StoredItem.id == item.id, StoredItem.status == StorageStatus.STORED)
        .values(
            status=StorageStatus.PICKED_UP,
            picked_up_at=now,
            picked_up_name=name[:80],
            picked_up_id_last4=id_last4,
            closed_by_id=actor.user_id,
            closed_at=now,
        )
    ).rowcount
    if done != 1:
        raise Conflict(_l("This item has just been handed over."))
    record(actor, "storage.release", item, summary=f"-> {name} ({id_last4})")
    return item


def void_item(actor, item_id, reason, now=None):
    """Void an item logged by mistake, with the reason (nothing is deleted)."""
    require(actor, Permission.HANDLE_COUNTER)
    item = get_item(item_id)
    if item.status != StorageStatus.STORED:
        raise InvalidTransition(_l("This item is no longer on the shelf."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason."), field="note")
    item.status, item.close_note = StorageStatus.VOIDED, reason[:500]
    item.closed_by_id, item.closed_at = actor.user_id, now or utcnow()
    record(actor, "storage.void", item, summary=reason[:200])
    return item


def get_item(item_id):
    """An item left at the desk, or NotFound."""
    item = db.session.get(StoredItem, item_id)
    if item is None:
        raise NotFound()
    return item


def _shelf_query(columns, property_id, *, today, overdue_only):
    """`columns` of the items on the shelf, the longest-kept first, under the shelf's filter (the page's and its
    export's)."""
    query = (
        select(*columns)
        .join(Unit, Unit.id == StoredItem.unit_id)
        .join(Building)
        .where(StoredItem.property_id == property_id, StoredItem.status == StorageStatus.STORED)
    )
    if overdue_only:
        query = query.where(StoredItem.expires_on < today)
    return query.order_by(StoredItem.stored_at, StoredItem.id)


def shelf(property_id, *, today, overdue_only=False, limit=100):
    """Items on the shelf with their unit label, the longest-kept first; overdue ones only on request."""
    query = _shelf_query((StoredItem, UNIT_LABEL), property_id, today=today, overdue_only=overdue_only)
    return db.session.execute(query.limit(limit)).all()


def export_shelf(property_id, *, today, overdue_only=False):
    """(row count, rows) of every item on the shelf under the page's filter: (unit, description, left by, its
    phone, by a visitor, for whom, stored at, keep until)."""
    query = _shelf_query(
        (
            UNIT_LABEL,
            StoredItem.description,
            StoredItem.depositor_name,
            StoredItem.depositor_phone,
            StoredItem.by_visitor,
            StoredItem.collector_name,
            StoredItem.stored_at,
            StoredItem.expires_on,
        ),
        property_id,
        today=today,
        overdue_only=overdue_only,
    )
    return exports.count(query), exports.stream(query)


def recently_released(property_id, limit=20):
    """The latest items handed over or voided, newest first."""
    return db.session.execute(
        select(StoredItem, UNIT_LABEL)
        .join(Unit, Unit.id == StoredItem.unit_id)
        .join(Building)
        .where(StoredItem.property_id == property_id, StoredItem.status != StorageStatus.STORED)
        .order_by(StoredItem.closed_at.desc())
        .limit(limit)
    ).all()
