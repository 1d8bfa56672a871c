"""What residents were unhappy about, sent on to the departments (SOP 13: 对回访结果进行分析和总结，及时反馈给相关部门):
dissatisfied callbacks (1 or 2 out of 5) and the remarks noted at visits, listed by department and category, each
sent as one ticket to a department in one action. The new ticket names its callback or visit, which keeps the
ticket's id, so one remark is never sent twice."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_date
from domain.errors import Conflict, DomainError, NotFound
from domain.property.models import Building, Resident, Unit
from domain.property.units import UNIT_LABEL
from domain.tickets import recording
from domain.tickets.callbacks import DISSATISFIED_UP_TO
from domain.tickets.models import Callback, CallbackStatus, Channel, Department, ResidentVisit, Ticket, TicketKind
from extensions import db

#: The kinds a remark may be sent as (a catalogue service needs the resident's own request).
SEND_KINDS = (TicketKind.REPAIR, TicketKind.COMPLAINT, TicketKind.HELP, TicketKind.INQUIRY)
#: The most rows each list shows.
LIMIT = 200


def dissatisfied_callbacks(property_id, *, limit=LIMIT):
    """The callbacks answered 1 or 2 out of 5, by the department of their ticket and its category, newest first
    within each; with the ticket, its unit label and the follow-up ticket if sent (one statement)."""
    return db.session.execute(
        select(
            Callback.id,
            Callback.result,
            Callback.satisfaction,
            Callback.done_at,
            Callback.followup_ticket_id,
            Ticket.id.label("ticket_id"),
            Ticket.kind,
            Ticket.category,
            Ticket.department,
            Ticket.location,
            UNIT_LABEL,
        )
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .where(
            Ticket.property_id == property_id,
            Callback.status == CallbackStatus.DONE,
            Callback.satisfaction <= DISSATISFIED_UP_TO,
        )
        .order_by(Ticket.department, Ticket.category, Callback.done_at.desc(), Callback.id.desc())
        .limit(limit)
    ).all()


def visit_remarks(property_id, *, limit=LIMIT):
    """The visits made with a remark for a department, by that department (unnamed ones first) and category, newest
    first within each; with the unit label, the resident and the follow-up ticket if sent (one statement)."""
    resident = aliased(Resident)
    return db.session.execute(
        select(
            ResidentVisit.id,
            ResidentVisit.remark,
            ResidentVisit.remark_department,
            ResidentVisit.remark_category,
            ResidentVisit.done_at,
            ResidentVisit.followup_ticket_id,
            resident.name.label("resident_name"),
            UNIT_LABEL,
        )
        .outerjoin(Unit, ResidentVisit.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .outerjoin(resident, ResidentVisit.resident_id == resident.id)
        .where(
            ResidentVisit.property_id == property_id,
            ResidentVisit.done_at.is_not(None),
            ResidentVisit.remark != "",
        )
        .order_by(
            ResidentVisit.remark_department,
            ResidentVisit.remark_category,
            ResidentVisit.done_at.desc(),
            ResidentVisit.id.desc(),
        )
        .limit(limit)
    ).all()


def get_callback(callback_id, property_id):
    """A callback of the property, or NotFound."""
    callback = db.session.get(Callback, callback_id)
    if callback is None or callback.ticket.property_id != property_id:
        raise NotFound()
    return callback


def get_visit(visit_id, property_id):
    """A visit of the property, or NotFound."""
    visit = db.session.get(ResidentVisit, visit_id)
    if visit is None or visit.property_id != property_id:
        raise NotFound()
    return visit


def _clean(department, kind):
    """(Department, TicketKind) chosen on the form, or a DomainError naming the field."""
    try:
        department = Department(department)
    except ValueError:
        raise DomainError(_l("Choose the department."), field="department") from None
    try:
        kind = TicketKind(kind)
    except ValueError:
        kind = None
    if kind not in SEND_KINDS:
        raise DomainError(_l("Choose what kind of ticket."), field="kind")
    return department, kind


def _claim(model, row_id, ticket_id):
    """Write the follow-up ticket onto its callback or visit unless one is already there (a second submit at the
    same moment then fails here, and its ticket is rolled back with it)."""
    claimed = db.session.execute(
        update(model)
        .where(model.id == row_id, model.followup_ticket_id.is_(None))
        .values(followup_ticket_id=ticket_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Conflict(_l("This has already been sent as a ticket."))


def send_callback(actor, callback, *, department, kind, note=""):
    """Send a dissatisfied callback to `department` as a new ticket of `kind` for the same unit and resident; the
    callback keeps the ticket's id (sent once)."""
    require(actor, Permission.MANAGE_CALLBACKS)
    department, kind = _clean(department, kind)
    if callback.followup_ticket_id is not None:
        raise Conflict(_l("This has already been sent as a ticket."))
    if callback.status != CallbackStatus.DONE or (callback.satisfaction or 5) > DISSATISFIED_UP_TO:
        raise DomainError(_l("Only a dissatisfied callback is sent on."))
    source = callback.ticket
    text = gettext("Callback on ticket #%(id)s: %(result)s", id=source.id, result=callback.result)
    if (note or "").strip():
        text = f"{text}\n{note.strip()}"
    ticket = recording.create_ticket(
        actor,
        property_id=source.property_id,
        kind=kind,
        channel=Channel.PHONE,
        category=source.category if kind == source.kind else "",
        description=text,
        unit_id=source.unit_id,
        location=source.location,
        resident_id=source.resident_id,
        contact_name=source.contact_name,
        contact_phone=source.contact_phone,
    )
    ticket.department = department
    _claim(Callback, callback.id, ticket.id)
    db.session.refresh(callback)
    record(actor, "callback.send", ticket, summary=f"#{source.id} -> #{ticket.id} {department.value}")
    return ticket


def send_visit(actor, visit, *, department, kind, note=""):
    """Send a visit's remark to `department` as a new ticket of `kind` for the visited unit and resident; the visit
    keeps the ticket's id (sent once)."""
    require(actor, Permission.MANAGE_CALLBACKS)
    department, kind = _clean(department, kind)
    if visit.followup_ticket_id is not None:
        raise Conflict(_l("This has already been sent as a ticket."))
    if visit.done_at is None or not visit.remark:
        raise DomainError(_l("Only a visit's remark is sent on."))
    text = gettext("Visit of %(day)s: %(remark)s", day=local_date(visit.done_at).isoformat(), remark=visit.remark)
    if (note or "").strip():
        text = f"{text}\n{note.strip()}"
    fits = visit.remark_category in recording.KIND_CATEGORIES.get(kind.value, ())
    ticket = recording.create_ticket(
        actor,
        property_id=visit.property_id,
        kind=kind,
        channel=Channel.VISIT,
        category=visit.remark_category if fits else "",
        description=text,
        unit_id=visit.unit_id,
        location="" if visit.unit_id else gettext("Resident visit"),
        resident_id=visit.resident_id,
    )
    ticket.department = department
    _claim(ResidentVisit, visit.id, ticket.id)
    db.session.refresh(visit)
    record(actor, "visit.send", ticket, summary=f"visit {visit.id} -> #{ticket.id} {department.value}")
    return ticket
