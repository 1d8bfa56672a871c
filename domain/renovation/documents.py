"""Drawings and documents on an application: PDF or pictures, content-checked, size-limited, stored privately."""

from flask_babel import lazy_gettext as _l

from domain.archives.documents import file_stored
from domain.audit.services import record
from domain.errors import DomainError, NotFound
from domain.files.store import delete_stored, store_document
from domain.renovation import workflow
from domain.renovation.models import RenovationDocument
from extensions import db

#: Most documents one application may carry.
MAX_DOCUMENTS = 10


def add_documents(actor, application, files, *, resident_id=None):
    """Attach drawings or documents (PDF or pictures, content-checked, size-limited, stored privately); all or
    nothing. Residents add them while the application is theirs to edit; staff at any time."""
    if resident_id is not None:
        if application.resident_id != resident_id:
            raise NotFound()
        workflow.check_editable(application)
    files = [f for f in files or () if f is not None and getattr(f, "filename", "")]
    drawings = [d for d in application.documents if d.inspection_id is None]
    if len(drawings) + len(files) > MAX_DOCUMENTS:
        raise DomainError(
            _l("An application can carry at most %(count)s documents.", count=MAX_DOCUMENTS), field="documents"
        )
    added = []
    try:
        for file_storage in files:
            stored, content_type, size = store_document(file_storage)
            document = RenovationDocument(
                application_id=application.id,
                stored_name=stored,
                content_type=content_type,
                size=size,
                uploaded_by_id=actor.user_id,
                shown_name=(file_storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:120],
            )
            db.session.add(document)
            added.append(document)
    except DomainError:
        delete_stored(d.stored_name for d in added)
        raise
    db.session.flush()
    for document in added:  # the owner's file lists them too, under the same stored file (SOP 3)
        file_stored(
            actor,
            unit_id=application.unit_id,
            type_code="renovation",
            stored_name=document.stored_name,
            content_type=document.content_type,
            size=document.size,
            shown_name=document.shown_name,
            title=document.shown_name,
            source="renovation",
            source_id=application.id,
        )
    if added:
        record(actor, "renovation.documents", application, summary=", ".join(d.shown_name for d in added)[:200])
    db.session.expire(application, ["documents"])
    return added


def get_document(application, document_id):
    """One document of the application, or NotFound (also for another application's)."""
    document = next((d for d in application.documents if d.id == document_id), None)
    if document is None:
        raise NotFound()
    return document
