"""The front desk's own records (SOPs 7 and 13): the phone and visit log, planned visits to residents,
and the small look-ups the console's ticket pages need (which resident is calling, callbacks, unit labels)."""

import re
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from domain.accounts.models import User
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_date, local_day_bounds, utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.property.models import Building, Occupancy, Relation, Resident, Unit
from domain.property.units import UNIT_LABEL
from domain.tickets import recording
from domain.tickets.models import Callback, Channel, ContactLog, Department, ResidentVisit, ServiceItem
from extensions import db

#: How people reach the desk itself (the log); portal and kiosk requests are tickets already.
DESK_CHANNELS = (Channel.PHONE, Channel.VISIT)


def _digits(phone):
    """The last 11 digits of a phone number as typed ("+86 138-0013-8000" -> "13800138000")."""
    return re.sub(r"\D", "", phone or "")[-11:]


def matching_owner(unit_id, phone, today):
    """The id of the unit's one current owner whose phone is `phone`, else None (no guess when two match)."""
    digits = _digits(phone)
    if unit_id is None or len(digits) < 5:
        return None
    owners = db.session.execute(
        select(Resident.id, Resident.phone)
        .join(Occupancy, Occupancy.resident_id == Resident.id)
        .where(Occupancy.unit_id == unit_id, Occupancy.relation == Relation.OWNER, Occupancy.is_current(today))
    ).all()
    matches = {row.id for row in owners if _digits(row.phone) == digits}
    return matches.pop() if len(matches) == 1 else None


def sole_owner(unit_id, today):
    """The id of the unit's current owner when there is exactly one, else None."""
    ids = db.session.scalars(
        select(Occupancy.resident_id).where(
            Occupancy.unit_id == unit_id, Occupancy.relation == Relation.OWNER, Occupancy.is_current(today)
        )
    ).all()
    return ids[0] if len(set(ids)) == 1 else None


def service_items(property_id):
    """The active entries of the service catalogue, by name (for the desk's ticket form)."""
    return db.session.scalars(
        select(ServiceItem)
        .where(ServiceItem.property_id == property_id, ServiceItem.is_active.is_(True))
        .order_by(ServiceItem.name)
    ).all()


def resident_contacts(resident_ids):
    """{resident id: (name, phone)} for the given residents, in one statement."""
    ids = {i for i in resident_ids if i}
    if not ids:
        return {}
    rows = db.session.execute(select(Resident.id, Resident.name, Resident.phone).where(Resident.id.in_(ids)))
    return {row.id: (row.name, row.phone) for row in rows}


def get_callback(callback_id):
    """A callback with its ticket, or NotFound."""
    callback = db.session.get(Callback, callback_id)
    if callback is None:
        raise NotFound()
    return callback


def callback_for(ticket_id):
    """The ticket's callback (回访), or None when it has none (yet)."""
    return db.session.scalar(select(Callback).where(Callback.ticket_id == ticket_id))


# The phone and visit log ------------------------------------------------------------------------


def log_contact(
    actor,
    *,
    property_id,
    channel,
    summary,
    caller_name="",
    caller_phone="",
    unit_id=None,
    ticket_kind=None,
    location="",
    today=None,
    now=None,
):
    """Log a call or a visit at the desk; with `ticket_kind`, also open a ticket for it and link the two.

    The ticket is linked to the resident when the unit has exactly one current owner with the caller's phone.
    """
    require(actor, Permission.RECORD_TICKETS)
    channel = Channel(channel)
    if channel not in DESK_CHANNELS:
        raise DomainError(_l("Choose phone or visit."), field="channel")
    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_l("Write what the caller wanted."), field="summary")
    now = now or utcnow()
    entry = ContactLog(
        property_id=property_id,
        channel=channel,
        caller_name=(caller_name or "").strip()[:80],
        caller_phone=(caller_phone or "").strip()[:20],
        unit_id=unit_id,
        summary=summary,
        recorded_by_id=actor.user_id,
        at=now,
    )
    if ticket_kind:
        today = today or local_date(now)
        ticket = recording.create_ticket(
            actor,
            property_id=property_id,
            kind=ticket_kind,
            channel=channel,
            description=summary,
            unit_id=unit_id,
            location=location or "",
            resident_id=matching_owner(unit_id, caller_phone, today),
            contact_name=entry.caller_name,
            contact_phone=entry.caller_phone,
            now=now,
        )
        entry.ticket_id = ticket.id
    db.session.add(entry)
    db.session.flush()
    record(actor, "contact.log", entry, summary=f"{channel.value} {entry.caller_name}".strip())
    return entry


def list_contacts(property_id, *, day, after=None, limit=50):
    """One page of a day's log, newest first, paged by key; returns (rows, next_after) in one statement."""
    start, end = local_day_bounds(day)
    query = (
        select(
            ContactLog.id,
            ContactLog.at,
            ContactLog.channel,
            ContactLog.caller_name,
            ContactLog.caller_phone,
            ContactLog.summary,
            ContactLog.ticket_id,
            UNIT_LABEL,
            User.display_name.label("recorded_by"),
        )
        .outerjoin(Unit, ContactLog.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .outerjoin(User, ContactLog.recorded_by_id == User.id)
        .where(ContactLog.property_id == property_id, ContactLog.at >= start, ContactLog.at < end)
        .order_by(ContactLog.id.desc())
        .limit(limit + 1)
    )
    if after:
        query = query.where(ContactLog.id < after)
    rows = db.session.execute(query).all()
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


# Visits to residents (业主走访) -------------------------------------------------------------------


def plan_visit(actor, *, property_id, unit_id, planned_for, purpose, today=None):
    """Plan a visit to a unit; it is for the unit's owner when there is one (a VIP visit when the owner is a VIP)."""
    require(actor, Permission.CALL_BACK)
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError(_l("Say what the visit is for."), field="purpose")
    if planned_for.tzinfo is None:
        raise ValueError("planned_for must be aware")
    if planned_for < utcnow() - timedelta(days=1):
        raise DomainError(_l("Choose a time in the future."), field="planned_for")
    today = today or local_date(utcnow())
    visit = ResidentVisit(
        property_id=property_id,
        unit_id=unit_id,
        resident_id=sole_owner(unit_id, today),
        planned_for=planned_for,
        purpose=purpose[:200],
        planned_by_id=actor.user_id,
    )
    db.session.add(visit)
    db.session.flush()
    record(actor, "visit.plan", visit, summary=purpose[:80])
    return visit


def get_visit(visit_id):
    """A visit, or NotFound."""
    visit = db.session.get(ResidentVisit, visit_id)
    if visit is None:
        raise NotFound()
    return visit


def finish_visit(actor, visit, notes, *, remark="", remark_department=None, remark_category="", now=None):
    """Record that a planned visit took place, with what was said; a visit is recorded once. `remark` is what the
    resident asks a department to fix or improve (with the department and the category, one of the tickets', when
    known), for the manager's analysis."""
    require(actor, Permission.CALL_BACK)
    if visit.done_at is not None:
        raise InvalidTransition(_l("This visit has already been recorded."))
    notes = (notes or "").strip()
    if not notes:
        raise DomainError(_l("Write what was said or seen."), field="notes")
    remark_category = (remark_category or "").strip()
    if remark_category and remark_category not in recording.ALL_CATEGORIES:
        raise DomainError(_l("Choose a category from the list."), field="remark_category")
    visit.notes, visit.done_at = notes, now or utcnow()
    visit.remark = (remark or "").strip()
    visit.remark_department = Department(remark_department) if remark_department and visit.remark else None
    visit.remark_category = remark_category if visit.remark else ""
    record(actor, "visit.finish", visit, summary=notes[:80])
    return visit


def list_visits(property_id, *, done=False, limit=50, unit_ids=None):
    """Visits still to make (soonest first, VIP ones first on the same time) or the latest made ones.

    Rows carry the unit label parts, the resident's name and who planned it; one statement. `unit_ids` keeps the
    visits to those units (an assistant's area).
    """
    planner = aliased(User)
    query = (
        select(
            ResidentVisit.id,
            ResidentVisit.planned_for,
            ResidentVisit.purpose,
            func.coalesce(Resident.is_vip, False).label("is_vip"),
            ResidentVisit.notes,
            ResidentVisit.remark,
            ResidentVisit.done_at,
            UNIT_LABEL,
            Resident.name.label("resident_name"),
            Resident.phone.label("resident_phone"),
            planner.display_name.label("planned_by"),
        )
        .outerjoin(Unit, ResidentVisit.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .outerjoin(Resident, ResidentVisit.resident_id == Resident.id)
        .outerjoin(planner, ResidentVisit.planned_by_id == planner.id)
        .where(ResidentVisit.property_id == property_id)
        .limit(limit)
    )
    if unit_ids is not None:
        query = query.where(ResidentVisit.unit_id.in_(list(unit_ids)))
    if done:
        query = query.where(ResidentVisit.done_at.is_not(None)).order_by(ResidentVisit.done_at.desc())
    else:
        query = query.where(ResidentVisit.done_at.is_(None)).order_by(
            ResidentVisit.planned_for, func.coalesce(Resident.is_vip, False).desc(), ResidentVisit.id
        )
    return db.session.execute(query).all()
