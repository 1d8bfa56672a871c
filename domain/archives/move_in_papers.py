"""The move-in's papers in the owner's file: the copies the desk scans (入住通知书, 买卖合同, IDs, 授权委托书),
each paper the owner signs on screen and the registration form at 手续完成, filed with source "move_in" and the
case's id.

It lives here, not in domain.movein, because the owner's file already reads move-in cases: the move-in package sends
`paper_signed` and `move_in_completed` and this module files what they carry."""

from sqlalchemy import func, select

from domain.archives.documents import file_document
from domain.archives.models import ArchiveDocument, DocumentType
from domain.movein.cases import record_event
from domain.movein.checklist import OWNER_LESS_COPIES, copy_line
from domain.movein.completion import move_in_completed, registration_pdf
from domain.movein.signing import SUBJECT, agreement_name, paper_signed, signed_paper_pdf
from extensions import db

#: The documents' source, for documents_of_source("move_in", case.id).
SOURCE = SUBJECT


def file_move_in_copy(actor, case, item_id, upload):
    """File the scan or photo of a document line's paper in the unit's file (the owner's papers under the owner, the
    proxy's under nobody), on the case's timeline. DomainError(field="upload") for a bad file, nothing stored."""
    item, type_code = copy_line(actor, case, item_id)
    document = file_document(
        actor,
        unit_id=case.unit_id,
        type_code=type_code,
        upload=upload,
        resident_id=None if item.code in OWNER_LESS_COPIES else case.owner_id,
        title=item.name,
        source=SOURCE,
        source_id=case.id,
    )
    record_event(actor, case, "upload", body=item.name, data={"item": item.code, "document": document.id})
    return document


def filed_copies(case):
    """{document type code: copies the desk filed from the case and not voided}, in one read: the desk sees what it
    has scanned already."""
    query = (
        select(DocumentType.code, func.count(ArchiveDocument.id))
        .join(DocumentType, DocumentType.id == ArchiveDocument.type_id)
        .where(
            ArchiveDocument.source == SOURCE,
            ArchiveDocument.source_id == case.id,
            ArchiveDocument.voided_at.is_(None),
        )
        .group_by(DocumentType.code)
    )
    return dict(db.session.execute(query).all())


@paper_signed.connect
def file_signed_paper(case, *, actor, signature):
    """File the paper just signed at the desk as a PDF with its signature (type = the paper: fire_agreement,
    handover_list)."""
    return file_document(
        actor,
        data=signed_paper_pdf(case, signature),
        unit_id=case.unit_id,
        type_code=signature.purpose,
        filename=f"{signature.purpose}-{case.id}-{signature.id}.pdf",
        resident_id=case.owner_id,
        title=agreement_name(case, signature.purpose),
        source=SOURCE,
        source_id=case.id,
    )


@move_in_completed.connect
def file_registration_form(case, *, actor):
    """File the 业主登记表 as filled in (masked ID numbers only) when the case is complete."""
    return file_document(
        actor,
        data=registration_pdf(case),
        unit_id=case.unit_id,
        type_code="registration_form",
        filename=f"registration_form-{case.id}.pdf",
        resident_id=case.owner_id,
        title="业主登记表",
        source=SOURCE,
        source_id=case.id,
    )
