"""Ticket photos: at most MAX_PHOTOS_PER_TICKET a ticket, each checked and stored by the file store.

The portal and the console both use this module: `save_photos` to add photos, `get_photo` to
find one to serve (the caller checks who may see the ticket first).
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.errors import DomainError, NotFound
from domain.files.store import delete_stored, store_picture
from domain.tickets.models import TicketPhoto
from extensions import db


def get_photo(ticket_id, photo_id):
    """One photo of a ticket, or NotFound (also for a photo of another ticket)."""
    photo = db.session.get(TicketPhoto, photo_id)
    if photo is None or photo.ticket_id != ticket_id:
        raise NotFound()
    return photo


def remaining_photos(ticket):
    """How many more photos `ticket` may have."""
    used = db.session.scalar(select(func.count()).select_from(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id))
    return max(0, _max_photos() - (used or 0))


def _max_photos():
    """The per-ticket limit (MAX_PHOTOS_PER_TICKET)."""
    return int(current_app.config.get("MAX_PHOTOS_PER_TICKET", 6))


def save_photo(actor, ticket, file_storage, *, event=None):
    """Check one upload and store it as a photo of `ticket` (on the timeline entry `event`, if given).

    Raises DomainError(field="photos") for anything that is not a readable picture, is larger than
    MAX_PHOTO_BYTES, or would take the ticket past MAX_PHOTOS_PER_TICKET. The file is removed again
    if the transaction rolls back; the caller commits.
    """
    if remaining_photos(ticket) < 1:
        raise DomainError(_l("A request can have at most %(count)s photos.", count=_max_photos()), field="photos")
    name, content_type, size = store_picture(file_storage)
    if event is not None and event.id is None:
        db.session.flush()
    photo = TicketPhoto(
        ticket=ticket,
        event_id=event.id if event is not None else None,
        stored_name=name,
        content_type=content_type,
        size=size,
        uploaded_by_id=actor.user_id,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def save_photos(actor, ticket, files, *, event=None):
    """Store several uploads, all or nothing: the count is checked first, and a refused photo removes the
    files this call wrote (the caller rolls the transaction back). Empty file inputs are ignored."""
    files = [f for f in files or () if f is not None and getattr(f, "filename", "")]
    if not files:
        return []
    if len(files) > remaining_photos(ticket):
        left = remaining_photos(ticket)
        message = (
            _l(
                "A request can have at most %(count)s photos; you can add %(left)s more.",
                count=_max_photos(),
                left=left,
            )
            if left
            else _l("A request can have at most %(count)s photos.", count=_max_photos())
        )
        raise DomainError(message, field="photos")
    saved = []
    try:
        for file_storage in files:
            saved.append(save_photo(actor, ticket, file_storage, event=event))
    except Exception:
        delete_stored(photo.stored_name for photo in saved)
        raise
    return saved
