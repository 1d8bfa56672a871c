"""The owner's invitation to pre-fill online: a one-time code the desk prints or e-mails (no SMS provider is assumed),
stored only as its hash, valid INVITATION_DAYS days; redeeming it makes the owner's portal account, bound to the
register's resident the case was opened with."""

import hashlib
import re
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.audit.services import record
from domain.clock import local_text, utcnow
from domain.errors import Conflict, DomainError
from domain.movein.cases import record_event
from domain.movein.models import MoveInCase
from domain.movein.workflow import OPEN_CASES, check_case
from domain.notify.services import addressee, mail_resident
from domain.property.residents import create_resident_account
from extensions import db

#: How long a code works.
INVITATION_DAYS = 30
#: Letters and digits that cannot be mistaken for one another when read aloud or typed from paper (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 10 characters of 31: about 50 bits, and the portal throttles wrong tries.
CODE_LENGTH = 10


def normalise_code(text):
    """The code as stored: upper case, without the spaces and dashes people type or the print groups it with."""
    return re.sub(r"[\s-]", "", text or "").upper()


def code_hash(code):
    """SHA-256 of a normalised code, as the case keeps it."""
    return hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()


def grouped(code):
    """The code as printed and e-mailed, in groups of five ("ABCDE-FGHJK"), easier to read and type."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


_MAIL_SUBJECT = _l("Your move-in invitation")
_MAIL_BODY = _l(
    "Dear %(name)s,\n\nYou can prepare the move-in of unit %(unit)s online before you come to the service desk: "
    "fill in the owner's registration form for yourself and your household, upload a copy of the purchase contract "
    "and the ID cards, and choose an appointment.\n\nInvitation code: %(code)s (valid until %(expires)s, one use "
    "only)\nSign up at: %(url)s\n\nNothing is required online: the desk can do everything on the day. Please bring "
    "the move-in notice (入住通知书), a copy of the purchase contract and your ID card."
)


def issue_invitation(actor, case, *, portal_url=""):
    """Give the owner a new one-time code (any earlier one stops working) and move the case to INVITED; e-mails it
    after the commit when the owner has an address. Returns the plain code: it is shown once and never stored."""
    case.status = check_case(actor, "invite", case)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    case.invitation_hash = code_hash(code)
    case.invitation_expires_at = utcnow() + timedelta(days=INVITATION_DAYS)
    case.invitation_used_at = None
    record_event(actor, case, "invite")
    record(actor, "move_in.invite", case, summary=case.unit.label)
    if case.owner.email:
        values = {
            "name": case.owner.name,
            "unit": case.unit.label,
            "code": grouped(code),
            "expires": local_text(case.invitation_expires_at, "%Y-%m-%d"),
            "url": portal_url,
        }
        _text, mailed = mail_resident(
            addressee(case.owner_id), _MAIL_SUBJECT, _MAIL_SUBJECT, mail_body=LazyString(lambda: _MAIL_BODY % values)
        )
        if mailed:
            record_event(actor, case, "invite_mailed", case.owner.email)
    return code


def find_invitation(code):
    """The open case whose current, unexpired and unused code this is, or None."""
    if not normalise_code(code):
        return None
    case = db.session.scalar(select(MoveInCase).where(MoveInCase.invitation_hash == code_hash(code)))
    if (
        case is None
        or case.status not in OPEN_CASES
        or case.invitation_used_at is not None
        or case.invitation_expires_at is None
        or case.invitation_expires_at <= utcnow()
    ):
        return None
    return case


def redeem_invitation(code, *, username, password):
    """Make the owner's portal account with the code (one use): the username they chose (or, left empty, their
    phone number) and a password by the app's rules. Returns the new User; DomainError for a wrong or spent code,
    Conflict when the owner already has an account."""
    case = find_invitation(code)
    if case is None:
        raise DomainError(
            _l(
                "This invitation code is not valid: it may be mistyped, used or expired. "
                "Ask the service desk for a new one."
            ),
            field="code",
        )
    owner = case.owner
    if owner.user_id is not None:
        raise Conflict(_l("You already have a portal account: sign in with it to see your move-in."), field="code")
    # The owner acts for themselves: no staff role, recorded under their own name.
    actor = Actor(None, owner.name, None, "portal", None)
    user = create_resident_account(actor, owner, username=(username or "").strip() or owner.phone, password=password)
    case.invitation_used_at = utcnow()
    record_event(Actor(user.id, owner.name, None, "portal", user.kind), case, "redeem")
    record(actor, "move_in.redeem", case, summary=f"{case.unit.label} → {user.username}")
    return user
