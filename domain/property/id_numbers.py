"""Full ID numbers (身份证号), where a form keeps one at all: encrypted at rest, shown only masked.

The key comes from the environment (ID_NUMBER_KEY, a Fernet key: `python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`). Production refuses to start without it; development and the tests derive one
from SECRET_KEY, so a developer's database never holds plain numbers either.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from domain.property.validation import mask_id_number


def _fernet():
    """The cipher for ID numbers, from ID_NUMBER_KEY or (outside production) derived from SECRET_KEY."""
    key = current_app.config.get("ID_NUMBER_KEY")
    if not key:
        digest = hashlib.sha256(b"id-numbers:" + current_app.config["SECRET_KEY"].encode("utf-8")).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def seal_id_number(text):
    """(masked, cipher) for an ID number as typed: the masked form for screens and the encrypted full number;
    ("", "") for an empty one. Raises Invalid (with the form's message) for a number that is not an ID document's."""
    number = (text or "").strip().upper()
    if not number:
        return "", ""
    return mask_id_number(number), _fernet().encrypt(number.encode("ascii")).decode("ascii")


def open_id_number(cipher):
    """The full ID number from `seal_id_number`'s cipher, or "" when there is none or the key has changed."""
    if not cipher:
        return ""
    try:
        return _fernet().decrypt(cipher.encode("ascii")).decode("ascii")
    except InvalidToken:
        return ""
