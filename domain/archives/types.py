"""The manager's list of document types: add one, rename it, make it required or not, say which department sees
it and whether residents do, or retire it (its documents stay in the files; nothing new is filed under it)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.accounts.roles import Permission, require
from domain.archives.documents import DEPARTMENTS, list_types
from domain.archives.models import DocumentType
from domain.audit.services import diff, record
from domain.errors import Conflict, DomainError, NotFound
from extensions import db

#: The longest type name (the column's size).
MAX_NAME = 60


def _checked(property_id, name, department, type_id=None):
    """The name trimmed, refused when empty, too long or another active type's; the department one we know."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Name the document type."), field="name")
    if len(name) > MAX_NAME:
        raise DomainError(_l("The name is too long (at most %(count)s characters).", count=MAX_NAME), field="name")
    if department not in DEPARTMENTS:
        raise DomainError(_l("Choose a department from the list."), field="department")
    clash = select(DocumentType.id).where(
        DocumentType.property_id == property_id, DocumentType.name == name, DocumentType.is_active.is_(True)
    )
    if type_id is not None:
        clash = clash.where(DocumentType.id != type_id)
    if db.session.scalar(clash.limit(1)):
        raise Conflict(_l("A document type of this name exists."), field="name")
    return name


def create_type(actor, property_id, *, name, required=False, department="", resident_visible=True):
    """Add a document type at the end of the list; its code is made from its id."""
    require(actor, Permission.MANAGE_ARCHIVES)
    list_types(property_id)  # the defaults first, so the new type comes after them
    name = _checked(property_id, name, department)
    last = db.session.scalar(select(func.max(DocumentType.position)).where(DocumentType.property_id == property_id))
    doc_type = DocumentType(
        property_id=property_id,
        code="",
        name=name,
        required=required,
        department=department,
        resident_visible=resident_visible,
        position=(last or 0) + 10,
    )
    db.session.add(doc_type)
    db.session.flush()
    doc_type.code = f"type_{doc_type.id}"
    db.session.flush()
    record(actor, "archive.type_create", doc_type, summary=name)
    return doc_type


def get_type(type_id, property_id):
    """One of the property's document types, or NotFound."""
    doc_type = db.session.get(DocumentType, type_id)
    if doc_type is None or doc_type.property_id != property_id:
        raise NotFound()
    return doc_type


def update_type(actor, doc_type, *, name, required, department, resident_visible, is_active):
    """Change a type; a retired type keeps its documents but takes no new ones (and leaves the completeness check)."""
    require(actor, Permission.MANAGE_ARCHIVES)
    name = _checked(doc_type.property_id, name, department, doc_type.id)
    changes = diff(
        doc_type,
        {
            "name": name,
            "required": bool(required),
            "department": department,
            "resident_visible": bool(resident_visible),
            "is_active": bool(is_active),
        },
    )
    db.session.flush()
    if changes:
        record(actor, "archive.type_update", doc_type, summary=name, changes=changes)
    return doc_type
