"""The owner's file (业主档案, SOP 3): document types, filing a document (an upload or a PDF the system made), voiding
one (never deleting), who may see which document, and the access log of every view and download.

What callers may rely on: `file_document` checks the upload by its content and stores it privately; the type list is
installed on first use (`ensure_document_types` is idempotent); `may_see` / `visible_documents` are the one home of
the visibility rule, and `open_document` is the one way to read a document (it writes the access log).
"""

import io
import os
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, or_, select, true
from werkzeug.datastructures import FileStorage

from domain.accounts.models import AccountKind
from domain.accounts.roles import Permission, Role, require
from domain.archives.models import ArchiveDocument, DocumentAccess, DocumentType
from domain.audit.services import record
from domain.clock import today, utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.files.store import store_document
from domain.movein.models import MoveInCase
from domain.movein.workflow import OPEN_CASES, OWNER_EDITABLE
from domain.property.models import Occupancy, Resident, Unit
from extensions import db


@dataclass(frozen=True)
class DefaultType:
    """A document type every property starts with."""

    code: str
    #: The name stored for the property (the manager may rename it); Chinese, as the paper says.
    name: str
    #: The same name in the reader's language, while the manager has not renamed it.
    label: object
    required: bool = False
    department: str = ""
    resident_visible: bool = True


#: The papers of SOP 2 and 3 in the order the file keeps them. No type concerns fees by default (the fee receipts
#: live in billing), so finance sees none until the manager marks a type "finance".
DEFAULT_TYPES = (
    DefaultType("handover_notice", "入住通知书", _l("Handover notice"), required=True),
    DefaultType("purchase_contract", "房屋买卖合同复印件", _l("Purchase contract (copy)"), required=True),
    DefaultType("owner_id", "业主身份证复印件", _l("Owner's ID card (copy)"), required=True),
    DefaultType("proxy_id", "受托人身份证复印件", _l("Proxy's ID card (copy)")),
    DefaultType("power_of_attorney", "授权委托书", _l("Power of attorney")),
    DefaultType("registration_form", "业主登记表", _l("Owner registration form"), required=True),
    DefaultType("fire_agreement", "防火责任协议书", _l("Fire safety agreement"), required=True),
    DefaultType("handover_list", "协议及物品交接单", _l("Agreements and items handed over"), required=True),
    DefaultType(
        "inspection_record", "验房记录表", _l("Unit inspection record"), required=True, department="engineering"
    ),
    DefaultType("renovation", "装修资料", _l("Renovation documents")),
    DefaultType("renovation_permit", "装修许可证", _l("Renovation permit")),
    DefaultType("violation_notice", "违章通知书", _l("Violation notice")),
    # Contracts staff add (a parking or a service contract) stay internal until the manager says otherwise.
    DefaultType("contract", "其他合同", _l("Other contract"), resident_visible=False),
)
_DEFAULTS = {d.code: d for d in DEFAULT_TYPES}

#: Departments a document type may name (besides the desk, the assistants and the manager, who see every type).
DEPARTMENTS = {"": _l("Desk, assistants and manager only"), "engineering": _l("Engineering"), "finance": _l("Finance")}
#: The staff roles that see every document of the file.
KEEPERS = frozenset({Role.FRONTDESK, Role.ASSISTANT, Role.MANAGER})
#: The department whose types each other role may see.
_ROLE_DEPARTMENT = {Role.ENGINEERING: "engineering", Role.FINANCE: "finance"}
#: The longest title a document may carry (the column's size).
MAX_TITLE = 120
#: HEIF brands (ISO BMFF `ftyp`) iPhones and many Android phones save photos under.
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


def type_label(doc_type):
    """A type's name in the reader's language: the translated default while the manager has not renamed it."""
    default = _DEFAULTS.get(doc_type.code)
    if default is not None and doc_type.name == default.name:
        return default.label
    return doc_type.name


# Types -----------------------------------------------------------------------------------------------------------


def ensure_document_types(property_id):
    """Install the default document types the property lacks (idempotent: existing ones, renamed or not, stay)."""
    have = set(db.session.scalars(select(DocumentType.code).where(DocumentType.property_id == property_id)))
    added = False
    for position, default in enumerate(DEFAULT_TYPES):
        if default.code not in have:
            db.session.add(
                DocumentType(
                    property_id=property_id,
                    code=default.code,
                    name=default.name,
                    required=default.required,
                    department=default.department,
                    resident_visible=default.resident_visible,
                    position=position * 10,
                )
            )
            added = True
    if added:
        db.session.flush()


def type_by_code(property_id, code):
    """The property's active type with `code` (the defaults installed on first use), or NotFound."""
    query = select(DocumentType).where(DocumentType.property_id == property_id, DocumentType.code == code)
    doc_type = db.session.scalar(query)
    if doc_type is None and code in _DEFAULTS:
        ensure_document_types(property_id)
        doc_type = db.session.scalar(query)
    if doc_type is None or not doc_type.is_active:
        raise NotFound(_l("There is no such document type."))
    return doc_type


def list_types(property_id, *, active_only=True):
    """The property's document types in the file's order (the defaults installed on first use)."""
    ensure_document_types(property_id)
    query = select(DocumentType).where(DocumentType.property_id == property_id)
    if active_only:
        query = query.where(DocumentType.is_active.is_(True))
    return db.session.scalars(query.order_by(DocumentType.position, DocumentType.id)).all()


# Filing ----------------------------------------------------------------------------------------------------------


def _is_heif(file_storage):
    """Whether an upload is a HEIC/HEIF photo, by its content (the `ftyp` box), whatever its name says."""
    head = file_storage.stream.read(12)
    file_storage.stream.seek(0)
    return len(head) == 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def _check_filer(actor, unit_id, has_upload):
    """Who may file: staff who keep the files; a resident only into their own move-in case's unit while they may
    still pre-fill it; a PDF the system made (`data`) is filed by the service that made it, which checked its own
    step (an engineer signing an inspection), so it needs no filing permission of its own."""
    if not has_upload or actor.is_system:
        return
    if actor.kind == AccountKind.RESIDENT:
        owns_case = db.session.scalar(
            select(
                exists().where(
                    MoveInCase.unit_id == unit_id,
                    MoveInCase.status.in_(OWNER_EDITABLE),
                    MoveInCase.owner_id.in_(select(Resident.id).where(Resident.user_id == actor.user_id)),
                )
            )
        )
        if not owns_case:
            raise NotFound()
        return
    require(actor, Permission.FILE_DOCUMENTS)


def _shown_name(filename, upload):
    """The name the document is listed and downloaded under: the given one, else the upload's own (no path)."""
    name = filename or (getattr(upload, "filename", "") or "")
    return os.path.basename(name.replace("\\", "/"))[:120]


def file_document(
    actor,
    *,
    unit_id,
    type_code,
    upload=None,
    data=None,
    filename="",
    resident_id=None,
    title="",
    document_date=None,
    source="staff",
    source_id=None,
):
    """File a document in the unit's file and return it: `upload` (a FileStorage, checked by its content: a PDF or
    a picture, size-limited; HEIC refused with a message saying how to send a JPEG) or `data` (the bytes of a PDF
    the system made). Raises DomainError(field="upload") for a bad file, with nothing stored. Staff need
    FILE_DOCUMENTS to upload; a resident uploads only into their own open move-in case."""
    if (upload is None) == (data is None):
        raise DomainError(_l("Choose a file to add."), field="upload")
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    _check_filer(actor, unit_id, upload is not None)
    property_id = unit.building.property_id
    doc_type = type_by_code(property_id, type_code)
    if resident_id is not None and db.session.get(Resident, resident_id) is None:
        raise NotFound()
    title = (title or "").strip()
    if len(title) > MAX_TITLE:
        raise DomainError(_l("The title is too long (at most %(count)s characters).", count=MAX_TITLE), field="title")
    if upload is None:
        upload = FileStorage(stream=io.BytesIO(data), filename=filename or "document.pdf")
    elif not getattr(upload, "filename", ""):
        raise DomainError(_l("Choose a file to add."), field="upload")
    if _is_heif(upload):
        raise DomainError(
            _l(
                "“%(name)s” is a HEIC photo, which we cannot open. On an iPhone choose Settings > Camera > Formats > "
                "Most Compatible, or send the photo as a JPEG (share it by e-mail, or take a screenshot).",
                name=_shown_name("", upload),
            ),
            field="upload",
        )
    try:
        stored, content_type, size = store_document(upload)
    except DomainError as error:
        raise DomainError(error.message, field="upload") from None
    return _add(
        actor,
        unit_id=unit_id,
        property_id=property_id,
        doc_type=doc_type,
        stored=stored,
        content_type=content_type,
        size=size,
        shown_name=_shown_name(filename, upload) or "document",
        resident_id=resident_id,
        title=title,
        document_date=document_date,
        source=source,
        source_id=source_id,
    )


def file_stored(
    actor, *, unit_id, type_code, stored_name, content_type, size, shown_name="", title="", source, source_id=None
):
    """File a document another area has already stored and checked (a renovation drawing, an issued permit) under the
    same stored name: no copy, no permission of its own (the calling service checked its own step)."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    property_id = unit.building.property_id
    return _add(
        actor,
        unit_id=unit_id,
        property_id=property_id,
        doc_type=type_by_code(property_id, type_code),
        stored=stored_name,
        content_type=content_type,
        size=size,
        shown_name=(shown_name or "document")[:120],
        resident_id=None,
        title=title[:MAX_TITLE],
        document_date=None,
        source=source,
        source_id=source_id,
    )


def _add(actor, *, unit_id, property_id, doc_type, stored, content_type, size, shown_name, **fields):
    """Add the document row and its audit entry."""
    document = ArchiveDocument(
        property_id=property_id,
        unit_id=unit_id,
        type_id=doc_type.id,
        type=doc_type,
        resident_id=fields["resident_id"],
        title=fields["title"] or str(type_label(doc_type)),
        document_date=fields["document_date"] or today(),
        stored_name=stored,
        shown_name=shown_name,
        content_type=content_type,
        size=size,
        source=fields["source"],
        source_id=fields["source_id"],
        added_by_id=actor.user_id,
    )
    db.session.add(document)
    db.session.flush()
    record(actor, "archive.file", document, summary=f"{doc_type.code}: {document.title} ({shown_name})"[:200])
    return document


def void_document(actor, document, reason):
    """Void a wrong document: it stays listed (struck through, with who, when and why) and is never deleted. A reason
    is required; a voided document cannot be voided again."""
    require(actor, Permission.FILE_DOCUMENTS)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the document is voided."), field="reason")
    if document.voided_at is not None:
        raise InvalidTransition(_l("This document is already voided."))
    document.voided_at = utcnow()
    document.voided_by_id = actor.user_id
    document.void_reason = reason
    db.session.flush()
    record(actor, "archive.void", document, summary=f"{document.title}: {reason}"[:200])
    return document


# Who may see what ------------------------------------------------------------------------------------------------


def visibility_clause(actor):
    """The one rule of who sees which document, as an SQL condition on ArchiveDocument.

    The desk, the assistants and the manager see every document; engineering and finance only the types of their
    department; a resident only the resident-visible, unvoided documents of the units they live in today or of their
    own open move-in case, and of those only the unit's own papers or their own (another household member's ID copy
    is theirs alone; a tenant never sees the owner's). Anyone else sees nothing.
    """
    if actor.is_system:
        return true()
    if actor.kind == AccountKind.RESIDENT:
        me = select(Resident.id).where(Resident.user_id == actor.user_id).scalar_subquery()
        units = select(Occupancy.unit_id).where(Occupancy.resident_id == me, Occupancy.is_current(today()))
        case_units = select(MoveInCase.unit_id).where(MoveInCase.owner_id == me, MoveInCase.status.in_(OPEN_CASES))
        visible_types = select(DocumentType.id).where(DocumentType.resident_visible.is_(True))
        return (
            ArchiveDocument.voided_at.is_(None)
            & ArchiveDocument.type_id.in_(visible_types)
            & or_(ArchiveDocument.unit_id.in_(units), ArchiveDocument.unit_id.in_(case_units))
            & or_(ArchiveDocument.resident_id.is_(None), ArchiveDocument.resident_id == me)
        )
    role = Role(actor.role) if actor.role else None
    if role in KEEPERS:
        return true()
    department = _ROLE_DEPARTMENT.get(role)
    if department is None:
        return false()
    return ArchiveDocument.type_id.in_(select(DocumentType.id).where(DocumentType.department == department))


def may_see(actor, document):
    """Whether `actor` may see `document` (the rule of `visibility_clause`)."""
    query = select(exists().where(ArchiveDocument.id == document.id, visibility_clause(actor)))
    return bool(db.session.scalar(query))


def may_see_unit_file(actor):
    """Whether `actor` may open a unit's file page at all (a staff role that sees any documents)."""
    if actor.is_system:
        return True
    if actor.kind == AccountKind.RESIDENT:
        return False
    role = Role(actor.role) if actor.role else None
    return role in KEEPERS or role in _ROLE_DEPARTMENT


def get_document(document_id, property_id=None):
    """One document by id (of the property, when given), or NotFound; no visibility check (see `open_document`)."""
    document = db.session.get(ArchiveDocument, document_id)
    if document is None or (property_id is not None and document.property_id != property_id):
        raise NotFound()
    return document


def open_document(actor, document_id, action):
    """The one way to read a document: NotFound unless `actor` may see it; writes the access log (`action` "view"
    or "download") for every staff member and resident, every time; returns the document."""
    if action not in ("view", "download"):
        raise ValueError(action)
    document = db.session.get(ArchiveDocument, document_id)
    if document is None or not may_see(actor, document):
        raise NotFound()
    name = actor.name
    if actor.kind == AccountKind.RESIDENT:
        name = f"resident: {actor.name}"
    db.session.add(
        DocumentAccess(
            property_id=document.property_id,
            document_id=document.id,
            unit_id=document.unit_id,
            user_id=actor.user_id,
            user_name=name[:80],
            action=action,
            at=utcnow(),
        )
    )
    db.session.flush()
    return document


def documents_of_source(source, source_id):
    """The documents filed from one record (a move-in case, an inspection), voided ones included, oldest first; the
    caller shows them to whoever may see that record (each link still checks `may_see`)."""
    query = (
        select(ArchiveDocument)
        .where(ArchiveDocument.source == source, ArchiveDocument.source_id == source_id)
        .order_by(ArchiveDocument.id)
    )
    return db.session.scalars(query).all()


def visible_documents(actor, *, unit_id=None, source=None, source_id=None):
    """The documents `actor` may see (of one unit, or filed from one record: `source` one name or a tuple of them),
    by type then date."""
    query = select(ArchiveDocument).join(ArchiveDocument.type).where(visibility_clause(actor))
    if unit_id is not None:
        query = query.where(ArchiveDocument.unit_id == unit_id)
    if source is not None:
        sources = (source,) if isinstance(source, str) else tuple(source)
        query = query.where(ArchiveDocument.source.in_(sources), ArchiveDocument.source_id == source_id)
    query = query.order_by(DocumentType.position, ArchiveDocument.document_date.desc(), ArchiveDocument.id.desc())
    return db.session.scalars(query).all()


def is_keeper(actor):
    """Whether `actor` keeps the files (the desk, the assistants, the manager, or the system): sees every type."""
    if actor.is_system:
        return True
    return actor.kind != AccountKind.RESIDENT and actor.role is not None and Role(actor.role) in KEEPERS
