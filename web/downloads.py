"""Sending stored files (photos, drawings, documents) to the people allowed to see them."""

import os

from flask import abort, send_file

from domain.tickets.uploads import stored_path


def send_document(document):
    """Send a stored document privately (never kept by a shared cache); PDFs as a download."""
    path = stored_path(document.stored_name)
    if not os.path.exists(path):
        abort(404)
    response = send_file(
        path,
        mimetype=document.content_type,
        download_name=document.shown_name or "document",
        as_attachment=document.content_type == "application/pdf",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
