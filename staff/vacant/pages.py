"""What the vacant units pages show: the list (the units with their reason, keys, last check and next due, overdue
first; the units the register marks vacant that are not registered yet; those lived in again; how many keys are out
and overdue) and one unit with its keys, movements and checks. Each list is a fixed number of statements."""

from domain.clock import today, utcnow
from domain.files.photos import photos_of
from domain.property.models import UnitStatus
from domain.vacant import checklist, checks, keys, register, schedule
from domain.vacant.workflow import (
    KEY_STATE_LABELS,
    checkable_unit_ids,
    key_actions,
    key_state,
    vacant_actions,
)

#: Vacant units per page of the list (a new estate's unsold units run to hundreds).
LIST_PAGE = 50


def list_context(actor, property_id, page=1):
    """The list page: page `page` of the vacant units with their schedule (overdue first, then by next due, LIST_PAGE
    a page), their kept keys and those out; how many are overdue in all; the units to register; the records of units
    lived in again; the keys out and overdue."""
    day, now = today(), utcnow()
    every = schedule.schedule(schedule.vacant_units(property_id), day)
    every.sort(key=lambda row: (not row.is_overdue, row.due_on, row.label))
    start = (page - 1) * LIST_PAGE
    rows = every[start : start + LIST_PAGE]
    ids = [row.vacant.id for row in rows]
    mine = checkable_unit_ids(actor, day)
    out = keys.keys_out(property_id, now)
    return {
        "day": day,
        "now": now,
        "rows": rows,
        "page": page,
        "has_next": len(every) > start + LIST_PAGE,
        "total": len(every),
        "overdue_count": sum(row.is_overdue for row in every),
        "kept": keys.keys_of(ids),
        "out_by_unit": _out_by_unit(out),
        "can_check": {row.vacant.id for row in rows if mine is None or row.vacant.unit_id in mine},
        "unregistered": register.unregistered_vacant_units(property_id),
        "lived_in": schedule.vacant_units(property_id, still_vacant=False),
        "keys_out": out,
        "overdue_keys": [k for k in out if k.movement.due_back_at < now],
        "reasons": {reason: str(label) for reason, label in register.REASON_LABELS.items()},
    }


def _out_by_unit(out):
    """{record id: how many of its key sets are out}."""
    found = {}
    for key_out in out:
        found[key_out.vacant_id] = found.get(key_out.vacant_id, 0) + 1
    return found


def history_context(vacant, after=None):
    """A page of the unit's checks with their photos, and where the next page starts."""
    page, next_after = checks.history(vacant.id, after)
    return {
        "checks": page,
        "next_after": next_after,
        "photos": photos_of(checks.PHOTO_SUBJECT, [check.id for check in page]),
    }


def unit_context(actor, vacant, after=None):
    """One vacant unit: its record and schedule, its key sets (in or out, with the actions open to `actor`), the
    latest movements and a page of its checks."""
    rows = schedule.schedule([(vacant, vacant.unit.label)], today())
    kept = keys.keys_of([vacant.id]).get(vacant.id, [])
    out = keys.out_key_ids([vacant.id])
    return {
        "vacant": vacant,
        "label": vacant.unit.label,
        "row": rows[0],
        "is_vacant_in_register": vacant.unit.status == UnitStatus.VACANT,
        "actions": vacant_actions(actor, vacant),
        "keys": [(key, out.get(key.id), key_actions(actor, key, key.id in out)) for key in kept],
        "key_states": {key.id: KEY_STATE_LABELS[key_state(key, key.id in out)] for key in kept},
        "movements": keys.movements_of(vacant.id),
        "now": utcnow(),
        "reasons": register.REASON_LABELS,
        "supplies": register.SUPPLY_LABELS,
        "takers": keys.TAKER_LABELS,
        "consents": keys.CONSENT_LABELS,
        "checklist": checklist.checklist_items(vacant.property_id),
        **history_context(vacant, after),
    }
