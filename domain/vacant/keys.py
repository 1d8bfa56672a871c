"""The keys the office keeps for vacant units (SOP 17): registering a set (how many, which tag), every take-out and
return (who, why, when, due back when), and the keys out and overdue, computed on read with the one clock. An agent or
a contractor takes a key only with the owner's consent on file (who consented and how); a set already out cannot be
taken out again until it is back. Every step is audited."""

from datetime import timedelta
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_text, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL
from domain.vacant.models import ConsentBy, KeyMovement, Taker, VacantKey, VacantUnit
from domain.vacant.workflow import check_key, check_vacant
from extensions import db

MAX_KEYS = 20
#: The longest a key may stay out.
MAX_LOAN = timedelta(days=30)
#: Takers who need the owner's consent on file.
NEED_CONSENT = frozenset({Taker.AGENT, Taker.CONTRACTOR})

TAKER_LABELS = {
    Taker.STAFF: _l("Office staff"),
    Taker.OWNER: _l("The owner"),
    Taker.AGENT: _l("Agent"),
    Taker.CONTRACTOR: lazy_pgettext("key", "Contractor"),
}
CONSENT_LABELS = {
    ConsentBy.WRITTEN: _l("In writing"),
    ConsentBy.PHONE: _l("By phone"),
    ConsentBy.MESSAGE: _l("By text message"),
    ConsentBy.IN_PERSON: _l("In person at the desk"),
}


def get_key(key_id, vacant):
    """One key set of the record, or NotFound."""
    key = db.session.get(VacantKey, key_id)
    if key is None or key.vacant_unit_id != vacant.id:
        raise NotFound()
    return key


def open_movement(key_id):
    """The key set's take-out not yet returned, or None."""
    return db.session.scalar(select(KeyMovement).where(KeyMovement.key_id == key_id, KeyMovement.returned_at.is_(None)))


def add_key(actor, vacant, *, tag, count, note=""):
    """Register a set of keys the office keeps for the unit: the tag on the ring (unique among the unit's kept sets),
    how many keys (1 to MAX_KEYS), a note. DomainError(field=...) on bad input."""
    require(actor, Permission.KEEP_VACANT_KEYS)
    check_vacant(actor, "add_key", vacant)
    tag, note = (tag or "").strip(), (note or "").strip()
    if not tag:
        raise DomainError(_l("Write the tag on the key ring."), field="tag")
    if len(tag) > 40:
        raise DomainError(_l("Write at most %(count)s characters.", count=40), field="tag")
    try:
        count = int(str(count).strip())
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_KEYS:
        raise DomainError(_l("Give how many keys: 1 to %(count)s.", count=MAX_KEYS), field="count")
    if len(note) > 200:
        raise DomainError(_l("Write at most %(count)s characters.", count=200), field="note")
    taken = db.session.scalar(
        select(VacantKey.id).where(
            VacantKey.vacant_unit_id == vacant.id, VacantKey.tag == tag, VacantKey.is_active.is_(True)
        )
    )
    if taken:
        raise DomainError(_l("This unit already has keys with this tag."), field="tag")
    key = VacantKey(vacant_unit_id=vacant.id, tag=tag, count=count, note=note)
    db.session.add(key)
    db.session.flush()
    record(actor, "vacant_key.add", key, summary=f"{vacant.unit.label}: {tag} x{count}")
    return key


def retire_key(actor, key):
    """No longer keep a key set (handed back to the owner, or lost): refused while it is out. Its movements stay."""
    require(actor, Permission.KEEP_VACANT_KEYS)
    check_key(actor, "retire", key, open_movement(key.id) is not None)
    key.is_active = False
    db.session.flush()
    record(actor, "vacant_key.retire", key, summary=key.tag)
    return key


def _already_out(movement):
    """The refusal of a second take-out, saying who has the key and until when."""
    return Conflict(
        _l(
            "These keys are already out with %(name)s since %(since)s: record their return first.",
            name=movement.taker_name,
            since=local_text(movement.taken_at),
        )
    )


def take_out_key(
    actor,
    key,
    *,
    taker,
    taker_name="",
    taker_phone="",
    purpose,
    due_back_at,
    consent_from="",
    consent_by=None,
    now=None,
):
    """Record that a key set leaves the office: who takes it (taker: staff, owner, agent, contractor; a staff taker
    left unnamed is the actor), their phone, why, and when it is due back (after now, within MAX_LOAN). An agent or a
    contractor needs the owner's consent on file: who consented (consent_from) and how (consent_by). A set already
    out is a Conflict (checked, and held by a unique index for two clerks at once). Audited; the caller commits."""
    require(actor, Permission.LEND_VACANT_KEYS)
    now = now or utcnow()
    out = open_movement(key.id)
    if out is not None and key.is_active:
        raise _already_out(out)
    check_key(actor, "take_out", key, out is not None)
    try:
        taker = Taker(taker)
    except ValueError:
        raise DomainError(_l("Choose who takes the keys."), field="taker") from None
    taker_name, taker_phone = (taker_name or "").strip(), (taker_phone or "").strip()
    purpose, consent_from = (purpose or "").strip(), (consent_from or "").strip()
    taker_user_id = None
    if taker == Taker.STAFF and not taker_name:
        taker_name, taker_user_id = actor.name, actor.user_id
    if not taker_name:
        raise DomainError(_l("Write who takes the keys."), field="taker_name")
    if len(taker_name) > 80:
        raise DomainError(_l("Write at most %(count)s characters.", count=80), field="taker_name")
    if len(taker_phone) > 20:
        raise DomainError(_l("Write at most %(count)s characters.", count=20), field="taker_phone")
    if taker != Taker.STAFF and not taker_phone:
        raise DomainError(_l("Write the phone number of who takes the keys."), field="taker_phone")
    if not purpose:
        raise DomainError(_l("Say why the keys are taken out."), field="purpose")
    if len(purpose) > 200:
        raise DomainError(_l("Write at most %(count)s characters.", count=200), field="purpose")
    if due_back_at is None or due_back_at <= now:
        raise DomainError(_l("The keys must be due back later than now."), field="due_back_at")
    if due_back_at > now + MAX_LOAN:
        raise DomainError(_l("Keys go out for at most 30 days."), field="due_back_at")
    if taker in NEED_CONSENT:
        if not consent_from:
            raise DomainError(
                _l("An agent or a contractor needs the owner's consent on file: write who consented."),
                field="consent_from",
            )
        try:
            consent_by = ConsentBy(consent_by)
        except ValueError:
            raise DomainError(_l("Say how the owner consented."), field="consent_by") from None
        if len(consent_from) > 80:
            raise DomainError(_l("Write at most %(count)s characters.", count=80), field="consent_from")
    else:
        consent_from, consent_by = "", None
    movement = KeyMovement(
        key_id=key.id,
        taker=taker,
        taker_user_id=taker_user_id,
        taker_name=taker_name,
        taker_phone=taker_phone,
        purpose=purpose,
        taken_at=now,
        due_back_at=due_back_at,
        consent_from=consent_from,
        consent_by=consent_by,
        handed_out_by_id=actor.user_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(movement)
            db.session.flush()
    except IntegrityError:
        raise _already_out(open_movement(key.id)) from None
    record(
        actor,
        "vacant_key.take_out",
        movement,
        summary=f"{key.tag} -> {taker.value} {taker_name}: {purpose}"
        + (f" (consent: {consent_from}, {consent_by.value})" if consent_by else ""),
    )
    return movement


def return_key(actor, key, *, note="", now=None):
    """Record that a key set is back in the office. A set that is not out is an InvalidTransition; two clerks taking
    it back at once: one conditional UPDATE, the second is refused."""
    require(actor, Permission.LEND_VACANT_KEYS)
    now = now or utcnow()
    movement = open_movement(key.id)
    check_key(actor, "return", key, movement is not None)
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError(_l("Write at most %(count)s characters.", count=200), field="note")
    done = db.session.execute(
        update(KeyMovement)
        .where(KeyMovement.id == movement.id, KeyMovement.returned_at.is_(None))
        .values(returned_at=now, taken_back_by_id=actor.user_id, return_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise InvalidTransition()
    db.session.refresh(movement)
    record(actor, "vacant_key.return", movement, summary=f"{key.tag} <- {movement.taker_name}")
    return movement


class KeyOut(NamedTuple):
    """A key set out now, with its unit."""

    movement: KeyMovement
    tag: str
    vacant_id: int
    label: str


def keys_out(property_id, now=None, *, overdue_only=False):
    """The property's key sets out now (only those past their due time with overdue_only), the longest overdue first
    (one statement)."""
    now = now or utcnow()
    query = (
        select(KeyMovement, VacantKey.tag, VacantUnit.id, UNIT_LABEL)
        .join(VacantKey, KeyMovement.key_id == VacantKey.id)
        .join(VacantUnit, VacantKey.vacant_unit_id == VacantUnit.id)
        .join(Unit, VacantUnit.unit_id == Unit.id)
        .join(Building, Unit.building_id == Building.id)
        .where(VacantUnit.property_id == property_id, KeyMovement.returned_at.is_(None))
        .order_by(KeyMovement.due_back_at, KeyMovement.id)
    )
    if overdue_only:
        query = query.where(KeyMovement.due_back_at < now)
    return [KeyOut(*row) for row in db.session.execute(query).all()]


def overdue_keys(property_id, now=None):
    """The key sets that should have been back by now, the longest overdue first."""
    return keys_out(property_id, now, overdue_only=True)


def out_key_ids(vacant_ids):
    """{key id: its open movement} of the records' key sets out now (one statement)."""
    if not vacant_ids:
        return {}
    rows = db.session.scalars(
        select(KeyMovement)
        .join(VacantKey, KeyMovement.key_id == VacantKey.id)
        .where(VacantKey.vacant_unit_id.in_(list(vacant_ids)), KeyMovement.returned_at.is_(None))
    ).all()
    return {movement.key_id: movement for movement in rows}


def keys_of(vacant_ids):
    """{record id: [VacantKey]} of the records' kept key sets, in one statement."""
    found = {}
    if not vacant_ids:
        return found
    for key in db.session.scalars(
        select(VacantKey)
        .where(VacantKey.vacant_unit_id.in_(list(vacant_ids)), VacantKey.is_active.is_(True))
        .order_by(VacantKey.id)
    ):
        found.setdefault(key.vacant_unit_id, []).append(key)
    return found


def movements_of(vacant_id, *, limit=50):
    """The record's latest take-outs (with their keys and clerks), newest first."""
    return db.session.scalars(
        select(KeyMovement)
        .join(VacantKey, KeyMovement.key_id == VacantKey.id)
        .where(VacantKey.vacant_unit_id == vacant_id)
        .options(
            joinedload(KeyMovement.key),
            joinedload(KeyMovement.handed_out_by),
            joinedload(KeyMovement.taken_back_by),
        )
        .order_by(KeyMovement.taken_at.desc(), KeyMovement.id.desc())
        .limit(limit)
    ).all()
