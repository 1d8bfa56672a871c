"""Checks and normal forms for register data, shared by the forms and the CSV import."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
UNIT_NUMBER_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,15}$")
_ID18_RE = re.compile(r"^\d{17}[\dX]$")
_OTHER_DOC_RE = re.compile(r"^[A-Z0-9]{6,20}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

PHONE_MESSAGE = _l("Enter an 11-digit mainland mobile number, e.g. 13800138000.")
ID_MESSAGE = _l("Enter an 18-character ID card number (or a passport / permit number).")
AREA_MESSAGE = _l("Enter the area in m², more than 0, at most two decimals, e.g. 89.50.")
UNIT_NUMBER_MESSAGE = _l("1-16 letters, digits or dashes, e.g. 1203.")


class Invalid(ValueError):
    """A value failed a register check; `message` is translatable."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def normalise_phone(text):
    """Return the phone as 11 digits (spaces, dashes and +86 removed) or raise Invalid."""
    digits = re.sub(r"[\s-]", "", text or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not PHONE_RE.match(digits):
        raise Invalid(PHONE_MESSAGE)
    return digits


def id_checksum_ok(number):
    """Whether an 18-character resident ID card number has a valid check character (GB 11643)."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17]


def mask_id_number(text):
    """Validate an ID document number and return only its masked form ("2*************1234")."""
    number = re.sub(r"\s", "", text or "").upper()
    if _ID18_RE.match(number):
        if not id_checksum_ok(number):
            raise Invalid(ID_MESSAGE)
    elif not _OTHER_DOC_RE.match(number):
        raise Invalid(ID_MESSAGE)
    return number[0] + "*" * (len(number) - 5) + number[-4:]


def mask_phone(phone):
    """A phone number as a file that leaves the office shows it: the first three and last four digits
    ("138****5678"); a short number keeps only its last two."""
    digits = (phone or "").strip()
    if not digits:
        return ""
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def parse_area(text):
    """Parse an area in m² ("89.5") into m² x 100 (8950) or raise Invalid."""
    try:
        area = Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise Invalid(AREA_MESSAGE) from exc
    if not area.is_finite() or area <= 0 or area >= 100000 or area != area.quantize(Decimal("0.01")):
        raise Invalid(AREA_MESSAGE)
    return int(area * 100)


def check_unit_number(text):
    """Return the unit number stripped, or raise Invalid."""
    number = (text or "").strip()
    if not UNIT_NUMBER_RE.match(number):
        raise Invalid(UNIT_NUMBER_MESSAGE)
    return number


def area_as_text(area_x100):
    """The stored area as people type it ("89.20"), the inverse of parse_area."""
    return f"{area_x100 // 100}.{area_x100 % 100:02d}"
