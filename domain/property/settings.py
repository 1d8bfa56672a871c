"""A property's own settings, kept by its manager: how it is named and reached, its time zone, and its money
(the receipt prefix, the Stripe account its payments go to, what residents' bank statements show)."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.errors import DomainError

RECEIPT_PREFIX_RE = re.compile(r"^[A-Z0-9-]{1,12}$")
STRIPE_ACCOUNT_RE = re.compile(r"^acct_[A-Za-z0-9]{1,59}$")
#: What Stripe accepts on a statement: Latin letters, digits, spaces and . - , (never < > \ ' " *), 5 to 22 long.
STATEMENT_DESCRIPTOR_RE = re.compile(r"^[A-Za-z0-9 .,-]{5,22}$")

NAME_MESSAGE = _l("Write the property's name (at most 120 characters).")
TIME_ZONE_MESSAGE = _l("Choose a time zone by its IANA name, e.g. Asia/Shanghai.")
RECEIPT_PREFIX_MESSAGE = _l("At most 12 capital letters, digits or dashes, e.g. YF.")
STRIPE_ACCOUNT_MESSAGE = _l(
    "Leave it empty, or paste the account id from Stripe: acct_ followed by letters and digits."
)
STATEMENT_DESCRIPTOR_MESSAGE = _l(
    "Leave it empty, or write 5 to 22 Latin letters, digits, spaces or . - , (not only digits), e.g. YIFENG PLAZA."
)

#: The free-text fields the page edits, with their longest value (the columns' sizes).
LIMITS = {"name": 120, "address": 255, "service_phone": 40, "desk_hours": 120}
#: The fields with a check of their own (below).
CHECKED = ("time_zone", "receipt_prefix", "stripe_account", "statement_descriptor")


class InvalidSetting(DomainError):
    """A setting's value is refused; `field` names it."""

    status_code = 422


def check_time_zone(text):
    """The IANA time zone named by `text` (stripped), or raise InvalidSetting."""
    name = (text or "").strip()
    if name not in available_timezones():
        raise InvalidSetting(TIME_ZONE_MESSAGE, field="time_zone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSetting(TIME_ZONE_MESSAGE, field="time_zone") from None
    return name


def check_receipt_prefix(text):
    """The receipt prefix in capitals ("" for none), or raise InvalidSetting."""
    prefix = (text or "").strip().upper()
    if prefix and not RECEIPT_PREFIX_RE.match(prefix):
        raise InvalidSetting(RECEIPT_PREFIX_MESSAGE, field="receipt_prefix")
    return prefix


def check_stripe_account(text):
    """The Stripe connected account id ("" for the platform's own account), or raise InvalidSetting."""
    account = (text or "").strip()
    if account and not STRIPE_ACCOUNT_RE.match(account):
        raise InvalidSetting(STRIPE_ACCOUNT_MESSAGE, field="stripe_account")
    return account


def check_statement_descriptor(text):
    """The statement descriptor as Stripe accepts it ("" for the account's default), or raise InvalidSetting."""
    descriptor = (text or "").strip()
    if descriptor and (not STATEMENT_DESCRIPTOR_RE.match(descriptor) or not re.search(r"[A-Za-z]", descriptor)):
        raise InvalidSetting(STATEMENT_DESCRIPTOR_MESSAGE, field="statement_descriptor")
    return descriptor


def _text(values, field):
    """A free-text setting, stripped and within its column."""
    text = (values.get(field) or "").strip()
    if len(text) > LIMITS[field] or (field == "name" and not text):
        raise InvalidSetting(NAME_MESSAGE if field == "name" else _l("This is too long."), field=field)
    return text


def update_settings(actor, prop, values):
    """Check and save the property's settings from `values` (the page's fields); all or nothing, audited with
    the changes. Raises InvalidSetting (with its field) before changing anything."""
    require(actor, Permission.MANAGE_PROPERTY)
    clean = {field: _text(values, field) for field in LIMITS}
    clean["time_zone"] = check_time_zone(values.get("time_zone"))
    clean["receipt_prefix"] = check_receipt_prefix(values.get("receipt_prefix"))
    clean["stripe_account"] = check_stripe_account(values.get("stripe_account"))
    clean["statement_descriptor"] = check_statement_descriptor(values.get("statement_descriptor"))
    changes = diff(prop, clean)
    if changes:
        record(actor, "property.settings", prop, summary=prop.name, changes=changes, object_id=prop.id)
    return changes
