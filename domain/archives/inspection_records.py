"""Filing a signed unit inspection's 验房记录表 in the owner's file: the PDF is drawn from the record and its two
signatures (domain.movein.inspection_record) and filed as an "inspection_record" document of the unit.

It lives here, not in domain.movein, because the owner's file already reads move-in cases: the move-in package
importing it back would make a cycle between the two."""

from domain.archives.documents import ensure_document_types, file_document
from domain.clock import local_date
from domain.errors import InvalidTransition
from domain.movein.inspection_record import inspection_record_pdf
from domain.movein.inspections import inspection_signatures, record_text
from domain.movein.models import InspectionStatus
from domain.property.units import unit_label

#: The document's source, for documents_of_source("inspection", inspection.id).
SOURCE = "inspection"


def file_inspection_record(actor, inspection):
    """File the signed inspection's PDF (once) and link it as `inspection.document_id`; returns the document.
    Called by whoever has just signed it, in the same transaction."""
    if inspection.status != InspectionStatus.SIGNED or inspection.document_id is not None:
        raise InvalidTransition()
    signatures = inspection_signatures(inspection)
    text = signatures[0].signed_text if signatures else record_text(inspection)
    pdf = inspection_record_pdf(inspection, text=text, signatures=signatures)
    ensure_document_types(inspection.property_id)
    label = unit_label(inspection.unit_id)
    document = file_document(
        actor,
        unit_id=inspection.unit_id,
        type_code="inspection_record",
        data=pdf,
        filename=f"验房记录表-{label}-第{inspection.round}次.pdf",
        resident_id=inspection.case.owner_id,
        title=f"验房记录表（第{inspection.round}次）",
        document_date=local_date(inspection.signed_at),
        source=SOURCE,
        source_id=inspection.id,
    )
    inspection.document_id = document.id
    return document
