"""A unit's file as the console shows it: its documents by type, the required types it lacks (the completeness
check), the list of incomplete files, and the log of who looked at which document."""

from dataclasses import dataclass, field

from sqlalchemy import distinct, exists, func, or_, select

from domain.archives.documents import is_keeper, list_types, may_see_unit_file, visible_documents
from domain.archives.models import ArchiveDocument, DocumentAccess, DocumentType
from domain.clock import today
from domain.errors import NotFound
from domain.movein.models import CaseStatus, MoveInCase
from domain.movein.workflow import OPEN_CASES
from domain.property.models import Building, Occupancy, Resident, Unit
from domain.property.units import unit_labels
from extensions import db

#: Incomplete files listed per page; entries of the access log per page.
PAGE_SIZE = 30
LOG_PAGE_SIZE = 50


@dataclass
class TypeGroup:
    """One document type of a file with its documents (by date, newest first)."""

    type: DocumentType
    documents: list = field(default_factory=list)


@dataclass
class UnitFile:
    """What the file page shows: the documents the reader may see, grouped by type, and the required types missing."""

    unit_id: int
    label: str
    groups: list
    missing: list


@dataclass
class IncompleteFile:
    """A unit whose file lacks required documents."""

    unit_id: int
    label: str
    missing: list


def required_types(property_id):
    """The property's active required types, in the file's order."""
    return [t for t in list_types(property_id) if t.required]


def _present_types(unit_ids):
    """{unit id: the type ids it holds a valid (unvoided) document of}, in one statement."""
    present = {unit_id: set() for unit_id in unit_ids}
    rows = db.session.execute(
        select(ArchiveDocument.unit_id, ArchiveDocument.type_id)
        .where(ArchiveDocument.unit_id.in_(unit_ids), ArchiveDocument.voided_at.is_(None))
        .distinct()
    )
    for unit_id, type_id in rows:
        present[unit_id].add(type_id)
    return present


def missing_types(unit_id, property_id):
    """The required types the unit's file has no valid (unvoided) document of, in the file's order."""
    present = _present_types([unit_id])[unit_id]
    return [t for t in required_types(property_id) if t.id not in present]


def get_file_unit(unit_id, property_id):
    """The unit whose file is asked for, or NotFound (also for another property's unit)."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.building.property_id != property_id:
        raise NotFound()
    return unit


def unit_file(actor, unit_id, property_id):
    """The unit's file for `actor`: only the documents they may see (engineering: inspection records), and the
    required types missing for those who keep the files (to the others the gaps would say nothing)."""
    get_file_unit(unit_id, property_id)
    if not may_see_unit_file(actor):
        raise NotFound()
    groups = {}
    for document in visible_documents(actor, unit_id=unit_id):
        groups.setdefault(document.type_id, TypeGroup(document.type)).documents.append(document)
    return UnitFile(
        unit_id=unit_id,
        label=unit_labels([unit_id]).get(unit_id, ""),
        groups=list(groups.values()),
        missing=missing_types(unit_id, property_id) if is_keeper(actor) else [],
    )


def incomplete_files(property_id, *, after_unit_id=None, limit=PAGE_SIZE):
    """The files lacking a required type, by unit id, a page at a time (paged by key: pass the last unit id shown);
    returns (files, the next page's key or None).

    Only units with a move-in case (not cancelled) or any document count: a register imported before the move-ins
    has hundreds of units whose file has not started, and listing them all as "incomplete" would bury the few the
    desk must chase.
    """
    required = required_types(property_id)
    if not required:
        return [], None
    required_ids = [t.id for t in required]
    held = (
        select(ArchiveDocument.unit_id, func.count(distinct(ArchiveDocument.type_id)).label("held"))
        .where(ArchiveDocument.voided_at.is_(None), ArchiveDocument.type_id.in_(required_ids))
        .group_by(ArchiveDocument.unit_id)
        .subquery()
    )
    started = or_(
        exists().where(MoveInCase.unit_id == Unit.id, MoveInCase.status != CaseStatus.CANCELLED),
        exists().where(ArchiveDocument.unit_id == Unit.id),
    )
    query = (
        select(Unit.id)
        .join(Building, Unit.building_id == Building.id)
        .outerjoin(held, held.c.unit_id == Unit.id)
        .where(Building.property_id == property_id, started, func.coalesce(held.c.held, 0) < len(required_ids))
        .order_by(Unit.id)
        .limit(limit + 1)
    )
    if after_unit_id:
        query = query.where(Unit.id > after_unit_id)
    unit_ids = list(db.session.scalars(query))
    more = len(unit_ids) > limit
    unit_ids = unit_ids[:limit]
    labels = unit_labels(unit_ids)
    present = _present_types(unit_ids)
    files = [
        IncompleteFile(unit_id, labels.get(unit_id, ""), [t for t in required if t.id not in present[unit_id]])
        for unit_id in unit_ids
    ]
    return files, (unit_ids[-1] if more else None)


def access_log(unit_id, *, before_id=None, limit=LOG_PAGE_SIZE):
    """The unit's access log, newest first, a page at a time (paged by key): (DocumentAccess, document title, type);
    returns (rows, the next page's key or None)."""
    query = (
        select(DocumentAccess, ArchiveDocument.title, DocumentType)
        .join(ArchiveDocument, DocumentAccess.document_id == ArchiveDocument.id)
        .join(DocumentType, ArchiveDocument.type_id == DocumentType.id)
        .where(DocumentAccess.unit_id == unit_id)
        .order_by(DocumentAccess.id.desc())
        .limit(limit + 1)
    )
    if before_id:
        query = query.where(DocumentAccess.id < before_id)
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0].id if more else None)


def file_people(unit_id):
    """Whose documents the unit's file may hold: the people living there today and the owner of an open move-in
    case (not yet in the register's occupancy), by name."""
    living = select(Occupancy.resident_id).where(Occupancy.unit_id == unit_id, Occupancy.is_current(today()))
    moving_in = select(MoveInCase.owner_id).where(MoveInCase.unit_id == unit_id, MoveInCase.status.in_(OPEN_CASES))
    query = select(Resident).where(or_(Resident.id.in_(living), Resident.id.in_(moving_in))).order_by(Resident.name)
    return db.session.scalars(query).all()
