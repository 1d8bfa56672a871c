"""Move-in cases before the day (SOP 2.4.1): one per unit on the developer's handover list, with the owner in the
register from the start (no occupancy until 手续完成), the owner's line on the registration form, the checklist, and
the timeline. The console's list of cases is here too."""

from datetime import date
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.errors import Conflict, DomainError, NotFound
from domain.movein.models import CaseStatus, MoveInCase, MoveInEvent, MoveInPerson, PersonRole
from domain.movein.templates import copy_checklist
from domain.movein.workflow import OPEN_CASES, check_case
from domain.property.models import Resident, Unit
from domain.property.residents import create_resident
from domain.property.units import UNIT_LABEL, get_unit
from domain.property.validation import Invalid, normalise_phone
from domain.timeline import add_timeline_entry
from extensions import db

#: The longest owner name the register keeps.
MAX_NAME = 80
#: The longest notice number (入住通知书编号).
MAX_NOTICE_NUMBER = 40


def get_case(case_id, property_id=None):
    """The case with its unit and owner, or NotFound (also when it belongs to another property than `property_id`)."""
    case = db.session.get(MoveInCase, case_id)
    if case is None or (property_id is not None and case.property_id != property_id):
        raise NotFound()
    return case


def open_case_of_unit(unit_id):
    """The unit's case not yet completed or cancelled, or None."""
    return db.session.scalar(
        select(MoveInCase).where(MoveInCase.unit_id == unit_id, MoveInCase.status.in_(OPEN_CASES)).limit(1)
    )


def clean_owner(name, phone, email=None):
    """(name, phone, email) of an owner as typed, checked: name required, an 11-digit mobile number; DomainError
    on the field at fault. Shared by the form and the CSV import."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Enter the owner's name."), field="owner_name")
    if len(name) > MAX_NAME:
        raise DomainError(_l("At most %(n)s characters.", n=MAX_NAME), field="owner_name")
    try:
        phone = normalise_phone(phone)
    except Invalid as bad:
        raise DomainError(bad.message, field="owner_phone") from None
    email = (email or "").strip() or None
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        raise DomainError(_l("Enter a valid e-mail address."), field="owner_email")
    return name, phone, email


def _owner_resident(actor, property_id, name, phone, email):
    """The register's resident for the owner: the one with this phone in the property, else a new one."""
    resident = db.session.scalar(
        select(Resident)
        .where(Resident.property_id == property_id, Resident.phone == phone)
        .order_by(Resident.id)
        .limit(1)
    )
    if resident is None:
        resident = create_resident(actor, name=name, phone=phone, email=email)
    elif email and not resident.email:
        resident.email = email
    return resident


def create_case(actor, *, unit_id, owner_name, owner_phone, planned_on=None, notice_number="", owner_email=None):
    """Open a unit's move-in case from the developer's handover notice: the owner in the register (reused by phone),
    their line on the registration form and the checklist. One open case per unit (Conflict)."""
    require(actor, Permission.HANDLE_MOVE_IN)
    unit = get_unit(unit_id)
    name, phone, email = clean_owner(owner_name, owner_phone, owner_email)
    notice_number = (notice_number or "").strip()
    if len(notice_number) > MAX_NOTICE_NUMBER:
        raise DomainError(_l("At most %(n)s characters.", n=MAX_NOTICE_NUMBER), field="notice_number")
    if open_case_of_unit(unit.id) is not None:
        raise Conflict(_l("Unit %(unit)s already has an open move-in case.", unit=unit.label), field="unit")
    property_id = unit.building.property_id
    owner = _owner_resident(actor, property_id, name, phone, email)
    case = MoveInCase(
        property_id=property_id,
        unit_id=unit.id,
        owner_id=owner.id,
        owner=owner,
        unit=unit,
        status=CaseStatus.NOTIFIED,
        notice_number=notice_number,
        planned_on=planned_on,
        created_by_id=actor.user_id,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(MoveInPerson(case_id=case.id, role=PersonRole.OWNER, name=name, phone=phone, resident_id=owner.id))
    copy_checklist(case)
    record_event(actor, case, "create", data={"notice_number": notice_number} if notice_number else None)
    record(actor, "move_in.create", case, summary=f"{unit.label} {name}")
    return case


def record_event(actor, case, action, body="", data=None):
    """Add a step to the case's timeline (who, when, what); the audit log is the caller's."""
    return add_timeline_entry(MoveInEvent, actor, action, body, data=data, case_id=case.id)


def take_step(actor, case, action, body="", data=None):
    """Move the case by a workflow action (InvalidTransition / NotAllowed when it may not), with a timeline event
    and an audit entry. For the steps that change nothing else."""
    case.status = check_case(actor, action, case)
    record_event(actor, case, action, body, data)
    record(actor, f"move_in.{action}", case, summary=body or case.status.value)
    return case


def receive(actor, case):
    """The owner (or their proxy) is at the desk: the case moves to AT_DESK."""
    return take_step(actor, case, "receive")


def cancel(actor, case, reason):
    """The manager cancels a case not yet completed, with a reason; the invitation stops working."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason."), field="reason")
    check_case(actor, "cancel", case)
    case.cancelled_reason = reason
    case.invitation_hash = None
    return take_step(actor, case, "cancel", reason)


def timeline(case):
    """The case's events, oldest first."""
    return db.session.scalars(select(MoveInEvent).where(MoveInEvent.case_id == case.id).order_by(MoveInEvent.id)).all()


def case_for_owner(user):
    """The signed-in resident's own move-in cases (any status), newest first."""
    return db.session.scalars(_CASES_OF_OWNER, {"user_id": user.id}).all()


#: Built once: the resident's home asks it on every visit (the fence of domain.property.scope then reuses its fenced
#: copy).
_CASES_OF_OWNER = (
    select(MoveInCase)
    .join(Resident, Resident.id == MoveInCase.owner_id)
    .where(Resident.user_id == bindparam("user_id"))
    .order_by(MoveInCase.id.desc())
)


# The console's list ------------------------------------------------------------------------------------------------


class CasePage(NamedTuple):
    """One page of the case list and the key of the next page (None on the last)."""

    cases: list
    next_after: int | None


#: Cases per page.
PAGE_SIZE = 50


def list_cases(
    property_id, *, status=None, building_id=None, planned_on: date | None = None, q="", after=None, limit=PAGE_SIZE
):
    """The property's cases, newest first, paged by key (`after` = the last id shown), with unit, building and owner
    loaded in the same statement. Filters: a status (or "open"), a building, a planned day, and a search in the unit
    label, the owner's name and phone."""
    query = (
        select(MoveInCase)
        .join(MoveInCase.unit)
        .join(Unit.building)
        .join(MoveInCase.owner)
        .options(
            contains_eager(MoveInCase.unit).contains_eager(Unit.building),
            contains_eager(MoveInCase.owner),
            lazyload(MoveInCase.people),  # the list shows no household
        )
        .where(MoveInCase.property_id == property_id)
        .order_by(MoveInCase.id.desc())
        .limit(limit + 1)
    )
    if status == "open":
        query = query.where(MoveInCase.status.in_(OPEN_CASES))
    elif status:
        query = query.where(MoveInCase.status == CaseStatus(status))
    if building_id:
        query = query.where(Unit.building_id == building_id)
    if planned_on:
        query = query.where(MoveInCase.planned_on == planned_on)
    q = (q or "").strip()
    if q:
        pattern = f"%{q}%"
        query = query.where(or_(UNIT_LABEL.ilike(pattern), Resident.name.ilike(pattern), Resident.phone.like(pattern)))
    if after:
        query = query.where(MoveInCase.id < after)
    cases = db.session.scalars(query).unique().all()
    more = len(cases) > limit
    cases = cases[:limit]
    return CasePage(cases, cases[-1].id if more else None)


def status_counts(property_id):
    """{status: number of cases} for the list's filter tabs."""
    rows = db.session.execute(
        select(MoveInCase.status, db.func.count())
        .where(MoveInCase.property_id == property_id)
        .group_by(MoveInCase.status)
    ).all()
    return dict(rows)
