"""The owner's files (业主档案, SOP 3): files, documents, completeness, loans and the access log."""

from domain.accounts.roles import Permission
from domain.archives import documents
from domain.files.store import stored_path
from extensions import db
from staff import bp
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file

bp.add_app_template_global(documents.type_label, "archive_type_label")


@bp.get("/archives/")
@staff_permission(Permission.VIEW_ARCHIVES)
def list_files():
    """The owner's files (being built)."""
    return "", 204


def _send(document_id, action):
    """Open a document for the signed-in staff member (404 unless they may see it), log the look, and send it."""
    document = documents.open_document(current_actor(), document_id, action)
    response = send_private_file(
        stored_path(document.stored_name),
        mimetype=document.content_type,
        download_name=document.shown_name or "document",
        as_attachment=action == "download",
    )
    db.session.commit()
    return response


@bp.get("/archives/documents/<int:document_id>")
@staff_permission(Permission.VIEW_ARCHIVES)
def view_document(document_id):
    """Show a document in the browser; the look is written to the file's access log."""
    return _send(document_id, "view")


@bp.get("/archives/documents/<int:document_id>/download")
@staff_permission(Permission.VIEW_ARCHIVES)
def download_document(document_id):
    """Download a document; the download is written to the file's access log."""
    return _send(document_id, "download")
