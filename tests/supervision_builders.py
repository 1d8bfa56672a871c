"""Builders for the manager's move-in pages: cases, inspections and their defects made directly, in any state."""

from datetime import timedelta

from domain.clock import utcnow
from domain.movein.models import (
    CaseStatus,
    InspectionItem,
    InspectionStatus,
    ItemKind,
    ItemResult,
    MoveInCase,
    MoveInItem,
    UnitInspection,
)
from domain.property.models import UnitStatus
from domain.tickets.models import Channel, Status, Ticket, TicketKind
from extensions import db
from tests import builders


def create_case(prop, *, unit=None, status=None, completed=False, completed_at=None, clerk=None, **fields):
    """A move-in case of a new vacant unit with a new owner (no occupancy yet), in `status`."""
    unit = unit or builders.create_unit(status=UnitStatus.VACANT)
    owner = builders.create_resident(prop, account=False)
    if completed:
        status = CaseStatus.COMPLETED
        completed_at = completed_at or utcnow()
    case = MoveInCase(
        property_id=prop.id,
        unit_id=unit.id,
        owner_id=owner.id,
        status=status or CaseStatus.NOTIFIED,
        completed_at=completed_at,
        completed_by_id=clerk.id if clerk else None,
        **fields,
    )
    db.session.add(case)
    db.session.commit()
    return case


def add_key(case, name="房间钥匙", quantity=3, done_at=None):
    """A key or card line of the case's checklist, ticked at `done_at` (now by default)."""
    item = MoveInItem(
        case_id=case.id, kind=ItemKind.KEY, code=f"key{name}", name=name, quantity=quantity, done_at=done_at or utcnow()
    )
    db.session.add(item)
    db.session.commit()
    return item


def create_defect(case, *, signed_at=None, due_in=timedelta(days=3), ticket_status=Status.DISPATCHED, name="门窗"):
    """A signed inspection of the case with one defect and its repair ticket, due `due_in` from now."""
    now = utcnow()
    inspection = UnitInspection(
        property_id=case.property_id,
        unit_id=case.unit_id,
        case_id=case.id,
        status=InspectionStatus.SIGNED,
        signed_at=signed_at or now,
        passed=False,
    )
    db.session.add(inspection)
    db.session.flush()
    ticket = Ticket(
        property_id=case.property_id,
        kind=TicketKind.REPAIR,
        channel=Channel.VISIT,
        description=f"验房问题：{name}",
        unit_id=case.unit_id,
        status=ticket_status,
        dispatch_due_at=now,
        response_due_at=now,
        resolve_due_at=now + due_in,
    )
    db.session.add(ticket)
    db.session.flush()
    item = InspectionItem(
        inspection_id=inspection.id, area="客厅", name=name, result=ItemResult.DEFECT, note="划痕", ticket_id=ticket.id
    )
    db.session.add(item)
    db.session.commit()
    return item
