"""The resident's own file in the portal (业主档案): the documents of the units they live in (and of their own move-in
case) that residents may see, each opened through a route that writes the access log."""

from flask import render_template

from domain.archives import documents
from domain.property.units import unit_labels
from extensions import db
from portal import bp
from web.auth import current_actor
from web.downloads import send_document


@bp.get("/documents")
def list_documents():
    """The resident's documents, by unit and type; a neighbour's never appear."""
    mine = documents.visible_documents(current_actor())
    labels = unit_labels({d.unit_id for d in mine})
    units = {}
    for document in mine:
        units.setdefault(document.unit_id, []).append(document)
    return render_template(
        "portal/documents/index.html",
        units=sorted(units.items(), key=lambda pair: labels.get(pair[0], "")),
        labels=labels,
    )


def _send(document_id, action):
    """Open one of the resident's documents (404 for anyone else's), log the look, and send it."""
    document = documents.open_document(current_actor(), document_id, action)
    response = send_document(document, as_attachment=action == "download")
    db.session.commit()
    return response


@bp.get("/documents/<int:document_id>")
def view_my_document(document_id):
    """Show one of the resident's documents; the look is logged."""
    return _send(document_id, "view")


@bp.get("/documents/<int:document_id>/download")
def download_my_document(document_id):
    """Download one of the resident's documents; the download is logged."""
    return _send(document_id, "download")
