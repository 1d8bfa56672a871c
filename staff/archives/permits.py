"""The renovation permit (装修许可证) kept in the owner's file as it was issued: the permit's PDF is drawn in the web
layer (its QR carries the console's check URL), so the filing listens here for the domain's `permit_issued`."""

from flask import current_app, has_request_context

from domain.archives.documents import file_document
from domain.renovation.permits import permit_issued
from staff.renovations import permit_pdf_of


@permit_issued.connect
def file_issued_permit(application, *, actor):
    """File the permit just issued (in the issuing transaction): as a PDF of type "renovation_permit"."""
    if has_request_context():
        body = permit_pdf_of(application)
    else:
        # Issued from a command (the demo loader): build the QR's URL as for the configured server name.
        with current_app.test_request_context():
            body = permit_pdf_of(application)
    return file_document(
        actor,
        unit_id=application.unit_id,
        type_code="renovation_permit",
        data=body,
        filename=f"permit-{application.id}.pdf",
        title=f"装修许可证 No. {application.id}",
        source="renovation",
        source_id=application.id,
    )
