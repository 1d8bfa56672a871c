"""The unit inspection (验房, SOP 2.4.3): engineering and the unit's property assistant walk the unit with the owner,
item by item from the manager's checklist, record the meters at hand-over and the owner's requests, and both sides
sign the 验房记录表. Defects become repair tickets; when all are done a second inspection re-checks just those."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.accounts.models import AccountKind, User
from domain.accounts.roles import Permission, Role, can
from domain.audit.services import record
from domain.clock import start_of_local_day, today, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.movein.models import (
    CaseStatus,
    InspectionItem,
    InspectionStatus,
    InspectionTemplateItem,
    MoveInEvent,
    UnitInspection,
)
from domain.movein.workflow import OPEN_CASES
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
SCHEDULERS = frozenset({Role.ENGINEERING, Role.ASSISTANT, Role.MANAGER, Role.FRONTDESK})
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


def case_event(actor, case, action, body="", data=None):
    """A step of the inspection on the case's timeline, so the desk sees it with the rest of the case."""
    event = MoveInEvent(
        case_id=case.id, at=utcnow(), actor_id=actor.user_id, actor_name=actor.name, action=action, body=body, data=data
    )
    db.session.add(event)
    return event


def _require_scheduler(actor):
    """Only the inspectors and the desk schedule (the system actor too)."""
    if actor.is_system:
        return
    if actor.kind == AccountKind.RESIDENT or actor.role is None or Role(actor.role) not in SCHEDULERS:
        raise NotAllowed()


def _staff_member(user_id, roles, field):
    """The active staff member with one of `roles`, or DomainError on `field`."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.kind != AccountKind.STAFF or Role(user.role) not in roles:
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
    case_event(actor, case, "schedule_inspection", data={"inspection_id": inspection.id, "round": 1})
    record(actor, "movein.schedule_inspection", inspection, summary=f"case {case.id} at {at_utc.isoformat()}")
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


def may_inspect(actor):
    """Whether `actor` works inspections (engineering, the assistants, the manager)."""
    return actor.is_system or (actor.kind != AccountKind.RESIDENT and can(actor.role, Permission.INSPECT_UNITS))
