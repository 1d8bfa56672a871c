"""Taking a signature drawn on a screen: the pad sends a PNG as a data URL; it is checked as a picture by its content,
stored privately, and kept with the exact text signed and that text's SHA-256."""

import base64
import binascii
import hashlib
import io

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError
from domain.files.store import store_picture
from domain.signatures.models import Signature
from extensions import db

_PREFIX = "data:image/png;base64,"
#: A signature on a tablet is a few tens of kilobytes; anything much larger is not one.
MAX_SIGNATURE_BYTES = 512 * 1024


def text_hash(text):
    """The SHA-256 (hex) of a signed text, as stored with its signature."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _png_bytes(data_url):
    """The PNG inside the pad's data URL, or DomainError(field="signature") when there is no drawing."""
    value = (data_url or "").strip()
    if not value.startswith(_PREFIX):
        raise DomainError(_l("Sign in the box first: the signature is empty."), field="signature")
    try:
        data = base64.b64decode(value[len(_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(
            _l("The signature could not be read. Clear the box and sign again."), field="signature"
        ) from None
    if not data or len(data) > MAX_SIGNATURE_BYTES:
        raise DomainError(_l("The signature could not be read. Clear the box and sign again."), field="signature")
    return data


def record_signature(
    actor, *, property_id, subject_type, subject_id, purpose, signer_role, signer_name, data_url, signed_text
):
    """Store one signature under `signed_text` (the agreement's version, the checklist's state) and return it.

    What callers may rely on: the text and its hash are stored as given, so the record shows what was signed even
    after the template changes; `signature_matches` checks a stored signature against its text.
    """
    name = (signer_name or "").strip()
    if not name:
        raise DomainError(_l("Enter the name of the person signing."), field="signer_name")
    upload = FileStorage(io.BytesIO(_png_bytes(data_url)), filename="signature.png")
    try:
        stored_name, _content_type, _size = store_picture(upload)
    except DomainError:
        raise DomainError(
            _l("The signature could not be read. Clear the box and sign again."), field="signature"
        ) from None
    signature = Signature(
        property_id=property_id,
        subject_type=subject_type,
        subject_id=subject_id,
        purpose=purpose,
        signer_role=signer_role,
        signer_name=name[:80],
        user_id=actor.user_id,
        stored_name=stored_name,
        signed_text=signed_text,
        content_hash=text_hash(signed_text),
        signed_at=utcnow(),
    )
    db.session.add(signature)
    db.session.flush()
    record(actor, "signature.record", signature, summary=f"{subject_type} {subject_id} {purpose}: {name}")
    return signature


def signature_matches(signature):
    """Whether the stored text still has the hash taken when it was signed."""
    return text_hash(signature.signed_text) == signature.content_hash


def signatures_of(subject_type, subject_id):
    """The signatures given on one record, oldest first."""
    return db.session.scalars(
        db.select(Signature)
        .where(Signature.subject_type == subject_type, Signature.subject_id == subject_id)
        .order_by(Signature.id)
    ).all()
