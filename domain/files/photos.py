"""Photos of field records (a patrol finding, a failed facility check, an incident): one store for all three."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.errors import DomainError, NotFound
from domain.files.models import FieldPhoto
from domain.files.store import store_picture
from extensions import db


def _max_photos():
    """The per-record limit (MAX_PHOTOS_PER_TICKET, the same as a ticket's)."""
    return int(current_app.config.get("MAX_PHOTOS_PER_TICKET", 6))


def photo_count(subject_type, subject_id):
    """How many photos the record has."""
    return db.session.scalar(
        select(func.count()).where(FieldPhoto.subject_type == subject_type, FieldPhoto.subject_id == subject_id)
    )


def save_field_photos(actor, *, property_id, subject_type, subject_id, files):
    """Check and store the uploads as photos of one record, all or nothing (the caller rolls back on a refusal, which
    removes the files written); empty file inputs are ignored. DomainError(field="photos") for a file that is not a
    readable picture, too big, or past the limit. Returns the new FieldPhoto rows."""
    files = [f for f in files or () if f is not None and getattr(f, "filename", "")]
    if not files:
        return []
    if photo_count(subject_type, subject_id) + len(files) > _max_photos():
        raise DomainError(_l("At most %(count)s photos.", count=_max_photos()), field="photos")
    photos = []
    for upload in files:
        name, content_type, size = store_picture(upload)
        photo = FieldPhoto(
            property_id=property_id,
            subject_type=subject_type,
            subject_id=subject_id,
            stored_name=name,
            content_type=content_type,
            size=size,
            uploaded_by_id=actor.user_id,
        )
        db.session.add(photo)
        photos.append(photo)
    db.session.flush()
    return photos


def photos_of(subject_type, subject_ids):
    """{subject id: [FieldPhoto]} for many records of one type, in one statement."""
    found = {}
    if not subject_ids:
        return found
    rows = db.session.scalars(
        select(FieldPhoto)
        .where(FieldPhoto.subject_type == subject_type, FieldPhoto.subject_id.in_(list(subject_ids)))
        .order_by(FieldPhoto.id)
    )
    for photo in rows:
        found.setdefault(photo.subject_id, []).append(photo)
    return found


def get_field_photo(subject_type, subject_id, photo_id):
    """One photo of one record (NotFound for another record's)."""
    photo = db.session.get(FieldPhoto, photo_id)
    if photo is None or photo.subject_type != subject_type or photo.subject_id != subject_id:
        raise NotFound()
    return photo
