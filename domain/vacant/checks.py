"""Recording a vacant unit's scheduled check (SOP 17): every item of the property's checklist answered OK or fault,
the meters read, a note and photos. A fault opens one repair ticket for the unit (through the one helper every
scheduled check uses). The unit's residents (the owner, for an owner away) are told the result in the portal and by
e-mail, and see each check of their unit there; nobody else does."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_date, local_text, utcnow
from domain.errors import DomainError, NotFound
from domain.facilities.models import CheckResult
from domain.files.photos import save_field_photos
from domain.notify.services import tell_household
from domain.property.occupancies import resident_units_since
from domain.routine_checks import FAULT, OK, checklist_answers  # noqa: F401 (the pages read checks.OK)
from domain.tickets.models import Department
from domain.tickets.recording import open_failed_check_ticket
from domain.vacant.checklist import checklist_items, split_items
from domain.vacant.models import VacantCheck, VacantUnit
from domain.vacant.workflow import check_vacant
from extensions import db

#: The subject of a check's photos in domain/files.
PHOTO_SUBJECT = "vacant_check"
MAX_NOTE = 1000
HISTORY_PAGE = 20
#: A meter reading: digits with at most two decimals.
READING = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def _readings(meters, readings):
    """{meter: "1234.5"} for every meter, or a DomainError when one is missing or not a number."""
    readings = readings or {}
    clean = {}
    for meter in meters:
        value = str(readings.get(meter) or "").strip()
        if not READING.match(value):
            raise DomainError(_l("Type every meter reading as a number, e.g. 1234.5."), field="readings")
        clean[meter] = value
    return clean


def record_check(actor, vacant, *, answers, readings=None, note="", files=(), now=None):
    """Record one check of a vacant unit by its area's assistant or the manager: every checklist item answered ok or
    fault, every meter read, a note, photos. Any fault makes the check FAILED and opens ONE repair ticket for the unit
    (channel patrol, for the desk to forward to engineering), linked on ticket_id. The agreed water and power are
    copied onto the check. The unit's residents are told the result (portal notice, e-mail after the commit).
    Audited; the caller commits."""
    require(actor, Permission.CHECK_VACANT_UNITS)
    check_vacant(actor, "record_check", vacant)
    now = now or utcnow()
    items, meters = split_items(checklist_items(vacant.property_id))
    clean = checklist_answers(items, answers)
    clean_readings = _readings(meters, readings)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_l("Write at most %(count)s characters.", count=MAX_NOTE), field="note")
    faults = [item for item, value in clean.items() if value == FAULT]
    check = VacantCheck(
        vacant_unit_id=vacant.id,
        checked_at=now,
        checked_on=local_date(now),
        checker_id=actor.user_id,
        answers=clean,
        readings=clean_readings,
        water=vacant.water,
        power=vacant.power,
        result=CheckResult.FAILED if faults else CheckResult.PASSED,
        note=note,
    )
    db.session.add(check)
    db.session.flush()
    save_field_photos(
        actor, property_id=vacant.property_id, subject_type=PHOTO_SUBJECT, subject_id=check.id, files=files
    )
    label = vacant.unit.label
    if faults:
        ticket = open_failed_check_ticket(
            actor,
            property_id=vacant.property_id,
            heading=_l(
                "Vacant unit check failed: %(unit)s. Failed items: %(items)s.", unit=label, items="、".join(faults)
            ),
            note=note,
            category="other",
            department=Department.ENGINEERING,
            unit_id=vacant.unit_id,
            now=now,
        )
        check.ticket_id = ticket.id
        db.session.flush()
    record(
        actor,
        "vacant.check",
        check,
        summary=f"{label}: {check.result.value}" + (f", ticket #{check.ticket_id}" if check.ticket_id else ""),
    )
    _tell_owner(vacant, check, label, faults)
    return check


def _tell_owner(vacant, check, label, faults):
    """Tell the unit's residents what the check found (in their language; e-mailed when they have an address)."""
    when = local_text(check.checked_at)
    if faults:
        message = _l(
            "The office checked your vacant unit %(unit)s on %(when)s: %(items)s need attention. Repair ticket "
            "#%(id)s is open for it.",
            unit=label,
            when=when,
            items="、".join(faults),
            id=check.ticket_id,
        )
    else:
        message = _l(
            "The office checked your vacant unit %(unit)s on %(when)s: everything is in order.", unit=label, when=when
        )
    tell_household(
        vacant.unit_id,
        message,
        _l("Vacant unit check: %(unit)s", unit=label),
        today=check.checked_on,
        now=check.checked_at,
    )


def latest_check_id(vacant_id):
    """The id of the record's latest check, 0 when it has none: a check form carries it to tell a second send of the
    same check from a new one."""
    return db.session.scalar(select(func.max(VacantCheck.id)).where(VacantCheck.vacant_unit_id == vacant_id)) or 0


def history(vacant_id, after=None, *, limit=HISTORY_PAGE):
    """(checks, next_after): the record's checks, the latest first, `limit` a page, older than the check id `after`,
    with their checker and ticket loaded; next_after is None on the last page."""
    query = (
        select(VacantCheck)
        .where(VacantCheck.vacant_unit_id == vacant_id)
        .options(joinedload(VacantCheck.checker), joinedload(VacantCheck.ticket))
        .order_by(VacantCheck.id.desc())
        .limit(limit + 1)
    )
    if after:
        query = query.where(VacantCheck.id < after)
    checks = db.session.scalars(query).all()
    more = len(checks) > limit
    checks = checks[:limit]
    return checks, (checks[-1].id if more else None)


def get_check(vacant, check_id):
    """One check of the record, or NotFound."""
    check = db.session.get(VacantCheck, check_id)
    if check is None or check.vacant_unit_id != vacant.id:
        raise NotFound()
    return check


def _residents_checks(resident_id, day):
    """The statement of the checks a resident may see: of the units they live in on `day`, done since they live
    there; None when they live nowhere. It starts from their few units (one statement to find them), so that its cost
    does not grow with the property's checks."""
    since = resident_units_since(resident_id, day)
    if not since:
        return None
    lived_there = or_(
        *(and_(VacantUnit.unit_id == unit_id, VacantCheck.checked_on >= start) for unit_id, start in since.items())
    )
    return (
        select(VacantCheck, VacantUnit.unit_id)
        .join(VacantUnit, VacantCheck.vacant_unit_id == VacantUnit.id)
        .where(VacantUnit.unit_id.in_(list(since)), lived_there)
    )


def resident_checks(resident_id, day, *, limit=50):
    """[(VacantCheck, unit id)] a resident may see, the latest first (two statements)."""
    query = _residents_checks(resident_id, day)
    if query is None:
        return []
    query = query.order_by(VacantCheck.checked_at.desc(), VacantCheck.id.desc())
    return db.session.execute(query.limit(limit)).all()


def resident_check(resident_id, check_id, day):
    """(VacantCheck, unit id) of one check the resident may see; NotFound for anyone else's (a neighbour's)."""
    query = _residents_checks(resident_id, day)
    row = None if query is None else db.session.execute(query.where(VacantCheck.id == check_id)).first()
    if row is None:
        raise NotFound()
    return row
