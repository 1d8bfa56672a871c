"""The unit inspection (验房, SOP 2.4.3): engineering and the unit's property assistant walk the unit with the owner,
item by item from the manager's checklist, record the meters at hand-over and the owner's requests, and both sides
sign the 验房记录表. Defects become repair tickets; when all are done a second inspection re-checks just those."""

from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import raiseload

from domain.accounts.models import AccountKind, Actor, User
from domain.accounts.roles import Permission, Role, can, require
from domain.accounts.services import role_of
from domain.audit.services import record
from domain.billing.models import ChargeBasis, ChargeType, MeterReading
from domain.billing.schedule import month_before, record_reading
from domain.clock import local_date, local_day_bounds, local_text, start_of_local_day, today, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.files.store import store_picture
from domain.money import fen_to_decimal
from domain.movein import workflow
from domain.movein.cases import record_event
from domain.movein.models import (
    CaseStatus,
    InspectionItem,
    InspectionPhoto,
    InspectionStatus,
    InspectionTemplateItem,
    ItemResult,
    UnitInspection,
)
from domain.movein.workflow import OPEN_CASES
from domain.property.models import Unit
from domain.property.units import unit_label
from domain.signatures.services import record_signature, signatures_of
from domain.tickets.models import Channel, Status, Ticket, TicketKind
from domain.tickets.recording import create_ticket
from domain.tickets.steps import dispatch
from extensions import db

#: The checklist a property starts with (the manager edits it): every room's doors and windows, walls, floor and
#: ceiling, then the building's systems and the meters (SOP 2.4.3: 设施、设备逐一检查, 包括水、电表底数).
ROOMS = ("客厅", "卧室", "厨房", "卫生间", "阳台")
ROOM_ITEMS = ("门窗", "墙面", "地面", "天花")
SYSTEM_ITEMS = (
    ("给水", "给水管道及阀门"),
    ("给水", "水龙头及角阀"),
    ("排水", "地漏及排水管"),
    ("排水", "洗手盆、坐便器排水"),
    ("电气", "开关插座"),
    ("电气", "配电箱"),
    ("电气", "照明灯具"),
    ("燃气", "燃气管道及阀门"),
    ("对讲", "可视对讲"),
    ("表具", "水表"),
    ("表具", "电表"),
    ("入户门", "入户门及门锁"),
)
#: Who may put an inspection in the calendar: the inspectors themselves, and the desk while it runs the case.
SCHEDULERS = workflow.INSPECTORS | workflow.DESK
#: Cases an inspection may be scheduled for: still open, or completed (the walk often follows the papers).
SCHEDULABLE_CASES = OPEN_CASES | {CaseStatus.COMPLETED}


def default_template_items():
    """The default checklist as (area, name) pairs, in walking order."""
    rooms = [(room, item) for room in ROOMS for item in ROOM_ITEMS]
    return rooms + list(SYSTEM_ITEMS)


def ensure_inspection_template(property_id):
    """Install the default checklist for a property that has none yet; idempotent (a property with any item,
    even retired ones, keeps its own). Returns the active items in order."""
    exists = db.session.scalar(
        select(func.count(InspectionTemplateItem.id)).where(InspectionTemplateItem.property_id == property_id)
    )
    if not exists:
        for position, (area, name) in enumerate(default_template_items(), start=1):
            db.session.add(InspectionTemplateItem(property_id=property_id, area=area, name=name, position=position))
        db.session.flush()
    return template_items(property_id)


def template_items(property_id, *, active_only=True):
    """The property's checklist items in order (only the active ones unless asked)."""
    query = select(InspectionTemplateItem).where(InspectionTemplateItem.property_id == property_id)
    if active_only:
        query = query.where(InspectionTemplateItem.is_active.is_(True))
    return db.session.scalars(query.order_by(InspectionTemplateItem.position, InspectionTemplateItem.id)).all()


def _require_scheduler(actor):
    """Only the inspectors and the desk schedule (the system actor too)."""
    if actor.is_system:
        return
    if actor.kind == AccountKind.RESIDENT or actor.role is None or Role(actor.role) not in SCHEDULERS:
        raise NotAllowed()


def _staff_member(user_id, roles, field):
    """The active staff member with one of `roles`, or DomainError on `field`."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.kind != AccountKind.STAFF or role_of(user.id) not in roles:
        raise DomainError(_l("Choose someone from the list."), field=field)
    return user


def _check_time(at_utc):
    """An inspection time must be given and not before today."""
    if not isinstance(at_utc, datetime):
        raise DomainError(_l("Enter the date and time of the inspection."), field="scheduled_at")
    if at_utc < start_of_local_day(today()):
        raise DomainError(_l("The inspection cannot be in the past."), field="scheduled_at")


def schedule_inspection(actor, case, at_utc, engineer_id=None, assistant_id=None):
    """Put the case's hand-over inspection (round 1) in the calendar with the manager's active checklist copied into
    it; the engineer and the assistant are optional. Refused for a cancelled case and while the case already has a
    round-1 inspection that is not cancelled (move that one instead)."""
    _require_scheduler(actor)
    if case.status not in SCHEDULABLE_CASES:
        raise InvalidTransition(_l("Only an open or completed move-in can have its unit inspected."))
    _check_time(at_utc)
    engineer = _staff_member(engineer_id, {Role.ENGINEERING, Role.MANAGER}, "engineer_id") if engineer_id else None
    assistant = _staff_member(assistant_id, {Role.ASSISTANT, Role.MANAGER}, "assistant_id") if assistant_id else None
    taken = db.session.scalar(
        select(func.count(UnitInspection.id)).where(
            UnitInspection.case_id == case.id,
            UnitInspection.round == 1,
            UnitInspection.status != InspectionStatus.CANCELLED,
        )
    )
    if taken:
        raise Conflict(_l("This unit's inspection is already scheduled."))
    items = ensure_inspection_template(case.property_id)
    inspection = UnitInspection(
        property_id=case.property_id,
        unit_id=case.unit_id,
        case_id=case.id,
        round=1,
        status=InspectionStatus.SCHEDULED,
        scheduled_at=at_utc,
        engineer_id=engineer.id if engineer else None,
        assistant_id=assistant.id if assistant else None,
    )
    db.session.add(inspection)
    db.session.flush()
    for position, item in enumerate(items, start=1):
        db.session.add(InspectionItem(inspection_id=inspection.id, area=item.area, name=item.name, position=position))
    db.session.flush()
    db.session.expire(inspection, ["items"])
    record_event(actor, case, "schedule_inspection", data={"inspection_id": inspection.id, "round": 1})
    record(actor, "move_in.schedule_inspection", inspection, summary=f"case {case.id} at {at_utc.isoformat()}")
    return inspection


def inspections_of_case(case_id):
    """The case's inspections, round 1 first (then its re-inspections, oldest first)."""
    return db.session.scalars(
        select(UnitInspection)
        .where(UnitInspection.case_id == case_id)
        .order_by(UnitInspection.round, UnitInspection.id)
    ).all()


def get_inspection(inspection_id, property_id=None):
    """One inspection (of `property_id` when given), or NotFound."""
    inspection = db.session.get(UnitInspection, inspection_id)
    if inspection is None or (property_id is not None and inspection.property_id != property_id):
        raise NotFound()
    return inspection


# The walk --------------------------------------------------------------------------------------------------------

#: What the inspector may find, as stored.
RESULTS = tuple(result.value for result in ItemResult)
#: The signature's subject and purpose (domain/signatures).
SUBJECT = "unit_inspection"
PURPOSE = "inspection_record"
#: Defect tickets in these statuses count as repaired (the re-inspection is offered when all are).
REPAIRED = frozenset({Status.DONE, Status.CLOSED})
#: How the record names a result on paper.
RESULT_TEXT = {ItemResult.OK: "合格", ItemResult.DEFECT: "不合格", ItemResult.NOT_APPLICABLE: "不适用", None: "未检查"}
#: Most photos one item keeps (a defect needs a few, not an album).
MAX_ITEM_PHOTOS = 6


def start_inspection(actor, inspection):
    """Engineering (or the assistant) begins the walk; items, meters and requests can be recorded from now on."""
    inspection.status = workflow.check_inspection(actor, "start", inspection)
    inspection.started_at = utcnow()
    record_event(actor, inspection.case, "start_inspection", data={"inspection_id": inspection.id})
    record(actor, "move_in.start_inspection", inspection)
    return inspection


def cancel_inspection(actor, inspection, reason):
    """Take a scheduled inspection out of the calendar (a new one may then be scheduled); a reason is required."""
    to = workflow.check_inspection(actor, "cancel", inspection)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the inspection is cancelled."), field="reason")
    inspection.status = to
    record_event(actor, inspection.case, "cancel_inspection", body=reason[:2000], data={"inspection_id": inspection.id})
    record(actor, "move_in.cancel_inspection", inspection, summary=reason[:200])
    return inspection


def _item_of(inspection, item_id):
    """One item of `inspection`, or NotFound."""
    for item in inspection.items:
        if item.id == item_id:
            return item
    raise NotFound()


def record_item(actor, inspection, item_id, *, result, note="", photos=()):
    """Record what one item was found to be: OK, N/A, or a defect (a note saying what is wrong is required; photos
    are checked and stored like every picture). Recording again replaces the result and note; photos add up."""
    workflow.check_inspection(actor, "record", inspection)
    item = _item_of(inspection, item_id)
    if result not in RESULTS:
        raise DomainError(_l("Choose OK, defect or not applicable."), field="result")
    result = ItemResult(result)
    note = (note or "").strip()
    if result == ItemResult.DEFECT and not note:
        raise DomainError(_l("Say what is wrong."), field="note")
    uploads = [photo for photo in photos or () if photo is not None and getattr(photo, "filename", "")]
    if len(item.photos) + len(uploads) > MAX_ITEM_PHOTOS:
        raise DomainError(_l("At most %(count)s photos per item.", count=MAX_ITEM_PHOTOS), field="photos")
    for upload in uploads:
        stored, content_type, size = store_picture(upload)
        db.session.add(
            InspectionPhoto(
                item_id=item.id,
                stored_name=stored,
                content_type=content_type,
                size=size,
                uploaded_by_id=actor.user_id,
            )
        )
    item.result, item.note = result, note[:2000]
    db.session.flush()
    if uploads:
        db.session.expire(item, ["photos"])
    record(
        actor,
        "move_in.inspect_item",
        inspection,
        summary=f"{item.area} {item.name}: {result.value} {note}"[:200],
    )
    return item


def _check_reading(value, field):
    """A meter value in hundredths: None (not read) or a whole number not below zero."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_l("Write the meter value as a number with at most two decimals, e.g. 1234.50."), field=field)
    if value < 0:
        raise DomainError(_l("A meter reading cannot be below zero."), field=field)
    return value


def record_readings(actor, inspection, *, water_x100, electricity_x100):
    """The water and electricity meters at hand-over (x 100, never floats); round 1 only, since they become the
    unit's first readings for billing when the record is signed."""
    workflow.check_inspection(actor, "record", inspection)
    if inspection.round != 1:
        raise InvalidTransition(_l("The meters are read at the first inspection only."))
    inspection.water_reading_x100 = _check_reading(water_x100, "water")
    inspection.electricity_reading_x100 = _check_reading(electricity_x100, "electricity")
    record(
        actor,
        "move_in.inspection_readings",
        inspection,
        summary=f"water {_meter_text(inspection.water_reading_x100)}, "
        f"electricity {_meter_text(inspection.electricity_reading_x100)}",
    )
    return inspection


def record_requests(actor, inspection, text):
    """What the owner asked for on the spot (须整改问题及要求), kept on the record they sign."""
    workflow.check_inspection(actor, "record", inspection)
    text = (text or "").strip()
    if len(text) > 4000:
        raise DomainError(_l("Keep it under %(count)s characters.", count=4000), field="owner_requests")
    inspection.owner_requests = text
    record(actor, "move_in.inspection_requests", inspection, summary=text[:200])
    return inspection


def _meter_text(value):
    """A meter value in hundredths as text ("123.45"), or "" when not read."""
    return "" if value is None else f"{fen_to_decimal(value)}"


def _staff_name(user_id):
    """A staff member's display name ("" for none)."""
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else ""


def record_text(inspection):
    """The record's full state as text: what the owner and staff sign (its hash is stored with each signature), and
    what the PDF prints. Always in Chinese, like the paper 验房记录表."""
    case = inspection.case
    lines = [
        f"验房记录表（第{inspection.round}次验房）",
        f"房屋：{unit_label(inspection.unit_id)}",
        f"业主：{case.owner.name}",
        f"验房时间：{local_text(inspection.started_at or inspection.scheduled_at)}",
        f"工程人员：{_staff_name(inspection.engineer_id)}",
        f"物业助理：{_staff_name(inspection.assistant_id)}",
    ]
    for item in inspection.items:
        line = f"[{item.area}] {item.name}：{RESULT_TEXT[item.result]}"
        if item.note:
            line += f"，{item.note}"
        if item.photos:
            line += f"（照片{len(item.photos)}张）"
        lines.append(line)
    if inspection.round == 1:
        lines.append(f"水表底数：{_meter_text(inspection.water_reading_x100)}")
        lines.append(f"电表底数：{_meter_text(inspection.electricity_reading_x100)}")
    lines.append(f"业主要求：{inspection.owner_requests or '无'}")
    return "\n".join(lines)


def missing_before_signing(inspection):
    """What must still be done before the record can be signed (messages); empty when it can be."""
    missing = []
    unchecked = sum(1 for item in inspection.items if item.result is None)
    if unchecked:
        missing.append(_l("%(count)s item(s) not checked yet.", count=unchecked))
    if inspection.round == 1 and (inspection.water_reading_x100 is None or inspection.electricity_reading_x100 is None):
        missing.append(_l("Record the water and electricity meters."))
    return missing


def sign_inspection(actor, inspection, *, owner_name, owner_signature, staff_signature):
    """Owner and staff sign the record (SOP 2.4.3), which is then final: each defect becomes a repair ticket in
    engineering's queue and round 1's meters become the unit's first readings for billing. Every item must be
    checked (and, in round 1, both meters read) first.

    The caller then files the 验房记录表 with domain.archives.inspection_records.file_inspection_record, in the same
    transaction (the owner's file reads move-in cases, so this package cannot import it without a cycle)."""
    to = workflow.check_inspection(actor, "sign", inspection)
    missing = missing_before_signing(inspection)
    if missing:
        raise DomainError(missing[0], field="items")
    text = record_text(inspection)
    record_signature(
        actor,
        property_id=inspection.property_id,
        subject_type=SUBJECT,
        subject_id=inspection.id,
        purpose=PURPOSE,
        signer_role="owner",
        signer_name=owner_name,
        data_url=owner_signature,
        signed_text=text,
    )
    try:
        record_signature(
            actor,
            property_id=inspection.property_id,
            subject_type=SUBJECT,
            subject_id=inspection.id,
            purpose=PURPOSE,
            signer_role="staff",
            signer_name=actor.name,
            data_url=staff_signature,
            signed_text=text,
        )
    except DomainError as error:
        raise DomainError(error.message, field="staff_signature") from None
    now = utcnow()
    inspection.status, inspection.signed_at = to, now
    defects = [item for item in inspection.items if item.result == ItemResult.DEFECT]
    inspection.passed = not defects
    for item in defects:
        _open_defect_ticket(actor, inspection, item, now)
    skipped = _hand_over_readings(actor, inspection) if inspection.round == 1 else []
    record_event(
        actor,
        inspection.case,
        "sign_inspection",
        body="",
        data={"inspection_id": inspection.id, "round": inspection.round, "defects": len(defects)},
    )
    record(
        actor,
        "move_in.sign_inspection",
        inspection,
        summary=f"round {inspection.round}, {len(defects)} defect(s)"
        + (f"; meters not taken over for billing: {', '.join(skipped)}" if skipped else ""),
    )
    return inspection


def _open_defect_ticket(actor, inspection, item, now):
    """A repair ticket for one defect, straight in engineering's queue (SOP 2.4.3: 由工程部通知相关部门进行整改).

    Its channel is "patrol": staff found it on the spot, as on a round, rather than a resident reporting it; the
    owner is its resident, so they follow it in the portal like any repair. It is dispatched at once by the system
    (the inspection is the forwarding), so the desk's 3-minute alarm for new repairs never rings for it.
    """
    owner = inspection.case.owner
    ticket = create_ticket(
        actor,
        property_id=inspection.property_id,
        kind=TicketKind.REPAIR,
        channel=Channel.PATROL,
        description=f"验房缺陷：{item.area} {item.name} {item.note}".strip(),
        category="other",
        unit_id=inspection.unit_id,
        resident_id=owner.id,
        contact_name=owner.name,
        contact_phone=owner.phone,
        now=now,
    )
    dispatch(Actor.system(actor.source), ticket, now=now)
    item.ticket_id = ticket.id
    return ticket


def _hand_over_readings(actor, inspection):
    """Round 1's meters as the unit's first readings for billing: a reading for the month before the hand-over with
    no consumption (previous = current = the meter at hand-over), so the hand-over month's reading starts from it
    and the next billing run bills only what the owner used. A meter the fee schedule does not charge, or one
    already read for that month or later, is left alone; returns the codes left alone for that reason."""
    month = local_date(inspection.signed_at)
    period = month_before(date(month.year, month.month, 1))
    unit = db.session.get(Unit, inspection.unit_id)
    config = current_app.config
    # Engineering reads the meters (SOP 2.3.8); an assistant who signs has no reading rights of their own, so the
    # reading is then written by the system on the inspection's behalf (this inspection's audit entry names them).
    writer = actor if actor.is_system or can(actor.role, Permission.ENTER_READINGS) else Actor.system(actor.source)
    skipped = []
    for code, value in (
        (config["WATER_CHARGE_CODE"], inspection.water_reading_x100),
        (config["ELECTRICITY_CHARGE_CODE"], inspection.electricity_reading_x100),
    ):
        charge = db.session.scalar(
            select(ChargeType).where(
                ChargeType.property_id == inspection.property_id,
                ChargeType.code == code,
                ChargeType.basis == ChargeBasis.METERED,
            )
        )
        if charge is None or value is None:
            continue
        already = db.session.scalar(
            select(func.count(MeterReading.id)).where(
                MeterReading.unit_id == unit.id, MeterReading.charge_type_id == charge.id, MeterReading.period >= period
            )
        )
        if already:
            skipped.append(code)
            continue
        record_reading(
            writer, unit=unit, charge_type_id=charge.id, period=period, current_x100=value, previous_x100=value
        )
    return skipped


# After signing ---------------------------------------------------------------------------------------------------


def defect_tickets(inspection):
    """[(item, ticket)] for the inspection's defects that have a repair ticket, in checklist order."""
    ids = [item.ticket_id for item in inspection.items if item.ticket_id]
    if not ids:
        return []
    tickets = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    return [(item, tickets[item.ticket_id]) for item in inspection.items if item.ticket_id in tickets]


def next_round(inspection):
    """The re-inspection scheduled after this one (not cancelled), or None."""
    return db.session.scalar(
        select(UnitInspection).where(
            UnitInspection.previous_id == inspection.id, UnitInspection.status != InspectionStatus.CANCELLED
        )
    )


def reinspection_offered(inspection):
    """Whether a second inspection of the defects is due: the record is signed with defects, every defect's
    ticket is repaired (done or closed), and no re-inspection has been scheduled yet."""
    if inspection.status != InspectionStatus.SIGNED or inspection.passed is not False:
        return False
    pairs = defect_tickets(inspection)
    if not pairs or len(pairs) != sum(1 for item in inspection.items if item.result == ItemResult.DEFECT):
        return False
    return all(ticket.status in REPAIRED for _item, ticket in pairs) and next_round(inspection) is None


def schedule_reinspection(actor, inspection, at_utc, engineer_id=None, assistant_id=None):
    """The second (third ...) inspection of just the previous round's defects, once all are repaired; signed and
    filed the same way."""
    workflow.check_inspection(actor, "reinspect", inspection)
    if not reinspection_offered(inspection):
        raise InvalidTransition(_l("A re-inspection is possible once every defect's repair is done."))
    _check_time(at_utc)
    engineer = _staff_member(engineer_id, {Role.ENGINEERING, Role.MANAGER}, "engineer_id") if engineer_id else None
    assistant = _staff_member(assistant_id, {Role.ASSISTANT, Role.MANAGER}, "assistant_id") if assistant_id else None
    again = UnitInspection(
        property_id=inspection.property_id,
        unit_id=inspection.unit_id,
        case_id=inspection.case_id,
        round=inspection.round + 1,
        previous_id=inspection.id,
        status=InspectionStatus.SCHEDULED,
        scheduled_at=at_utc,
        engineer_id=engineer.id if engineer else inspection.engineer_id,
        assistant_id=assistant.id if assistant else inspection.assistant_id,
    )
    db.session.add(again)
    db.session.flush()
    defects = [item for item in inspection.items if item.result == ItemResult.DEFECT]
    for position, item in enumerate(defects, start=1):
        db.session.add(
            InspectionItem(
                inspection_id=again.id, area=item.area, name=item.name, position=position, previous_item_id=item.id
            )
        )
    db.session.flush()
    db.session.expire(again, ["items"])
    record_event(
        actor,
        inspection.case,
        "schedule_inspection",
        data={"inspection_id": again.id, "round": again.round, "previous_id": inspection.id},
    )
    record(actor, "move_in.schedule_reinspection", again, summary=f"round {again.round} of #{inspection.id}")
    return again


def inspection_of_ticket(ticket_id):
    """The id of the inspection whose defect opened this repair ticket, or None."""
    return db.session.scalar(select(InspectionItem.inspection_id).where(InspectionItem.ticket_id == ticket_id).limit(1))


def inspection_signatures(inspection):
    """The record's signatures (owner and staff), oldest first."""
    return signatures_of(SUBJECT, inspection.id)


def get_photo(inspection_id, photo_id):
    """One photo of an inspection's item, or NotFound."""
    photo = db.session.get(InspectionPhoto, photo_id)
    if photo is None:
        raise NotFound()
    item = db.session.get(InspectionItem, photo.item_id)
    if item is None or item.inspection_id != inspection_id:
        raise NotFound()
    return photo


# Engineering's list and the manager's checklist ------------------------------------------------------------------


def list_inspections(property_id, *, status=None, engineer_id=None, day=None, limit=100):
    """The property's inspections for engineering: the open ones (scheduled or under way) by time, today's and
    tomorrow's first since the list starts today; with `status` only those; with `day` only that local day. The rows
    come without their items (a list shows none: loading them cost 3,200 rows and 200 ms at 100 inspections)."""
    query = (
        select(UnitInspection)
        .where(UnitInspection.property_id == property_id)
        .options(raiseload(UnitInspection.items), raiseload(UnitInspection.case))
    )
    if status:
        query = query.where(UnitInspection.status == InspectionStatus(status))
    else:
        query = query.where(UnitInspection.status.in_([InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS]))
    if engineer_id:
        query = query.where(UnitInspection.engineer_id == engineer_id)
    if day is not None:
        start, end = local_day_bounds(day)
        query = query.where(UnitInspection.scheduled_at >= start, UnitInspection.scheduled_at < end)
    newest_first = status in (InspectionStatus.SIGNED.value, InspectionStatus.CANCELLED.value)
    order = UnitInspection.scheduled_at.desc() if newest_first else UnitInspection.scheduled_at
    return db.session.scalars(query.order_by(order, UnitInspection.id).limit(limit)).all()


def add_template_item(actor, property_id, *, area, name):
    """A new line at the end of the manager's checklist (used by inspections scheduled from now on)."""
    require(actor, Permission.SUPERVISE_MOVE_IN)
    area, name = _clean_template_text(area, name)
    last = db.session.scalar(
        select(func.max(InspectionTemplateItem.position)).where(InspectionTemplateItem.property_id == property_id)
    )
    item = InspectionTemplateItem(property_id=property_id, area=area, name=name, position=(last or 0) + 1)
    db.session.add(item)
    db.session.flush()
    record(actor, "move_in.template_item_add", item, summary=f"{area} {name}")
    return item


def update_template_item(actor, property_id, item_id, *, area, name, position, is_active):
    """Change a line of the checklist (text, order, retired or not); inspections already scheduled keep theirs."""
    require(actor, Permission.SUPERVISE_MOVE_IN)
    item = db.session.get(InspectionTemplateItem, item_id)
    if item is None or item.property_id != property_id:
        raise NotFound()
    area, name = _clean_template_text(area, name)
    if not isinstance(position, int) or position < 0 or position > 10000:
        raise DomainError(_l("Write the order as a whole number."), field="position")
    item.area, item.name, item.position, item.is_active = area, name, position, bool(is_active)
    record(actor, "move_in.template_item_update", item, summary=f"{area} {name} #{position} active={item.is_active}")
    return item


def _clean_template_text(area, name):
    """The room or system and the item's name, both required and short."""
    area, name = (area or "").strip(), (name or "").strip()
    if not area:
        raise DomainError(_l("Name the room or system."), field="area")
    if len(area) > 40:
        raise DomainError(_l("Keep it under %(count)s characters.", count=40), field="area")
    if not name:
        raise DomainError(_l("Name the item to check."), field="name")
    if len(name) > 80:
        raise DomainError(_l("Keep it under %(count)s characters.", count=80), field="name")
    return area, name
