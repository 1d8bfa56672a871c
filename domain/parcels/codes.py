"""Six-digit codes for the counter: random, shown once, stored only as an HMAC under the app's secret key.

A code is always checked together with what it belongs to (a unit for pickup codes), so a right code for the
wrong unit is wrong, and a stolen database does not give the codes away.
"""

import hashlib
import hmac
import re
import secrets

from flask import current_app

CODE_LENGTH = 6
#: What a pickup QR code holds: "P:<unit label>:<code>" (a desk scanner types it into the pickup field).
_QR_PAYLOAD = re.compile(r"^P:(?P<unit>[0-9A-Za-z]{1,8}-[0-9A-Za-z]{1,8}):(?P<code>\d{6})$")


def new_code():
    """A fresh random 6-digit code, as text ("004217")."""
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def code_hash(purpose, owner, code):
    """The stored form of `code` for `purpose` ("pickup", "storage") and its owner (a unit id, a property id)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{purpose}:{owner}:{normalise_code(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


#: Full-width digits as a Chinese input method types them ("１２３４５６"): the same code.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def normalise_code(code):
    """The ASCII digits of a typed code ("123 456" -> "123456", "１２３４５６" -> "123456"); other scripts' digits
    are not code digits."""
    return re.sub(r"[^0-9]", "", (code or "").translate(_FULL_WIDTH_DIGITS))


def is_code(code):
    """Whether `code` is six digits once spaces are dropped."""
    return len(normalise_code(code)) == CODE_LENGTH


def pickup_payload(unit_label, code):
    """The text a pickup QR code carries."""
    return f"P:{unit_label}:{code}"


def parse_pickup_payload(text):
    """(unit label, code) from a scanned pickup QR code, or None when `text` is not one."""
    match = _QR_PAYLOAD.match((text or "").strip())
    return (match["unit"], match["code"]) if match else None
