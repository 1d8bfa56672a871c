"""Recording a facility's scheduled check (1.2.14): the answers to its checklist, who did it (the contractor's
engineer for a lift), photos; a failed item opens one repair ticket that the desk forwards (the 维修单). A facility's
history of checks, newest first, paged by key."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_date, utcnow
from domain.errors import DomainError
from domain.facilities.models import CheckResult, FacilityCheck, FacilityKind
from domain.facilities.workflow import check_facility
from domain.files.photos import save_field_photos
from domain.routine_checks import FAULT, OK, checklist_answers  # noqa: F401 (the pages read checks.OK)
from domain.tickets.models import Department
from domain.tickets.recording import open_failed_check_ticket
from extensions import db

#: The subject of a check's photos in domain/files.
PHOTO_SUBJECT = "facility_check"
MAX_NOTE = 1000
HISTORY_PAGE = 20

#: The department a failed check's repair ticket is meant for (the desk forwards it there).
TICKET_DEPARTMENT = {
    FacilityKind.LIFT: Department.ENGINEERING,
    FacilityKind.PUMP: Department.ENGINEERING,
    FacilityKind.LIGHTING: Department.ENGINEERING,
    FacilityKind.DOOR: Department.ENGINEERING,
    FacilityKind.FIRE: Department.SECURITY,
    FacilityKind.CCTV: Department.SECURITY,
    FacilityKind.OTHER: Department.ENGINEERING,
}
#: The repair category of the ticket (domain/tickets/recording.REPAIR_CATEGORIES).
TICKET_CATEGORY = {
    FacilityKind.LIFT: "elevator",
    FacilityKind.PUMP: "water",
    FacilityKind.LIGHTING: "electricity",
}


def record_check(actor, facility, *, answers, note="", done_by="", files=(), now=None):
    """Record one check of `facility` by its checker role or the manager. Every checklist item is answered ok or
    fault; done_by (who did it) is required when an outside contractor does the check. Any fault makes the check
    FAILED and opens ONE repair ticket (channel patrol, status new, for the desk to forward), linked on ticket_id.
    Photos are stored as the check's. Audited; the caller commits."""
    require(actor, Permission.CHECK_FACILITIES)
    check_facility(actor, "record_check", facility)
    now = now or utcnow()
    clean = checklist_answers(facility.checklist, answers)
    note, done_by = (note or "").strip(), (done_by or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_l("Write at most %(count)s characters.", count=MAX_NOTE), field="note")
    if facility.contractor and not done_by:
        raise DomainError(_l("Say who from the contractor did the check."), field="done_by")
    if len(done_by) > 80:
        raise DomainError(_l("Write at most %(count)s characters.", count=80), field="done_by")
    faults = [item for item, value in clean.items() if value == FAULT]
    check = FacilityCheck(
        facility_id=facility.id,
        checked_at=now,
        checked_on=local_date(now),
        checker_id=actor.user_id,
        done_by=done_by,
        answers=clean,
        result=CheckResult.FAILED if faults else CheckResult.PASSED,
        note=note,
    )
    db.session.add(check)
    db.session.flush()
    save_field_photos(
        actor, property_id=facility.property_id, subject_type=PHOTO_SUBJECT, subject_id=check.id, files=files
    )
    if faults:
        ticket = open_failed_check_ticket(
            actor,
            property_id=facility.property_id,
            heading=_l(
                "Facility check failed: %(name)s. Failed items: %(items)s.", name=facility.name, items="、".join(faults)
            ),
            note=note,
            category=TICKET_CATEGORY.get(facility.kind, "public_area"),
            department=TICKET_DEPARTMENT[facility.kind],
            location=facility.location or facility.name,
            now=now,
        )
        check.ticket_id = ticket.id
        db.session.flush()
    record(
        actor,
        "facility.check",
        check,
        summary=f"{facility.name}: {check.result.value}" + (f", ticket #{check.ticket_id}" if check.ticket_id else ""),
    )
    return check


def history(facility_id, after=None, *, limit=HISTORY_PAGE):
    """(checks, next_after): the facility's checks, the latest recorded first, `limit` a page, older than the check
    id `after`, with their checker and ticket loaded; next_after is None on the last page."""
    query = (
        select(FacilityCheck)
        .where(FacilityCheck.facility_id == facility_id)
        .options(joinedload(FacilityCheck.checker), joinedload(FacilityCheck.ticket))
        .order_by(FacilityCheck.id.desc())
        .limit(limit + 1)
    )
    if after:
        query = query.where(FacilityCheck.id < after)
    checks = db.session.scalars(query).all()
    more = len(checks) > limit
    checks = checks[:limit]
    return checks, (checks[-1].id if more else None)
