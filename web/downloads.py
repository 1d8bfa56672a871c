"""Sending stored files (photos, drawings, documents, receipts) to the people allowed to see them.

Every private file leaves through `send_private_file`, with one cache policy: `private, no-store`, so that neither
a shared cache nor the browser's disk keeps a resident's photo, an ID copy or a receipt.
"""

import os

from flask import Response, abort, send_file, stream_with_context

from domain.files.store import open_stored

#: The cache policy of every private file.
PRIVATE_CACHE = "private, no-store"


def send_private_file(path_or_file, *, mimetype, download_name=None, as_attachment=False):
    """Send a file (a path, or bytes in a file object) that only its reader may see; 404 for a path with no file
    (a lost file, or demo data without files). The caller has checked who may see it."""
    if isinstance(path_or_file, str) and not os.path.isfile(path_or_file):
        abort(404)
    response = send_file(
        path_or_file, mimetype=mimetype, download_name=download_name, as_attachment=as_attachment, max_age=0
    )
    response.headers["Cache-Control"] = PRIVATE_CACHE
    response.headers.pop("Expires", None)
    return response


def send_stored(stored_name, content_type, *, preview=False, download_name=None, as_attachment=False):
    """Send a stored file (domain/files/store.py, whichever store FILE_STORE names) of type `content_type`, or its
    preview; 404 when there is none. Sent under its stored name unless `download_name` says otherwise. The caller
    has checked who may see it."""
    opened = open_stored(stored_name, content_type, preview=preview)
    if opened is None:
        abort(404)
    return send_private_file(
        opened.source,
        mimetype=opened.content_type,
        download_name=download_name or opened.name,
        as_attachment=as_attachment,
    )


def send_document(document, *, as_attachment=None):
    """Send a stored document (a drawing, a licence, an inspection's PDF, a paper in an owner's file); by default
    PDFs as a download and pictures shown."""
    if as_attachment is None:
        as_attachment = document.content_type == "application/pdf"
    return send_stored(
        document.stored_name,
        document.content_type,
        download_name=document.shown_name or "document",
        as_attachment=as_attachment,
    )


def send_private_stream(chunks, *, mimetype, download_name):
    """Stream a generated file (an export's CSV) as a download, under the same cache policy, while `chunks` (an
    iterator of bytes) is produced: the request's context stays open until the last chunk."""
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    response.headers["Cache-Control"] = PRIVATE_CACHE
    response.headers["X-Accel-Buffering"] = "no"  # a proxy passes the rows on as they come
    return response
