"""Residents: registering a person, their details, and their portal account."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from domain.accounts.models import AccountKind, User
from domain.accounts.passwords import check_password_rules, hash_password
from domain.accounts.roles import Permission, require
from domain.accounts.services import _check_username_free, assign_login_phone, move_login_phone, normalise_username
from domain.audit.services import diff, record
from domain.errors import Conflict, DomainError, NotFound
from domain.property.buildings import get_property
from domain.property.models import Occupancy, Resident, Unit
from extensions import db


def get_resident(resident_id):
    """Return a resident with their occupancies and account, or raise NotFound."""
    resident = db.session.scalar(
        select(Resident)
        .where(Resident.id == resident_id)
        .options(
            selectinload(Resident.occupancies).joinedload(Occupancy.unit).joinedload(Unit.building),
            joinedload(Resident.user),
        )
    )
    if resident is None:
        raise NotFound()
    return resident


def create_resident(actor, *, name, phone, email=None, id_number_masked=None, note=""):
    """Register a person (业主登记表); the ID number arrives already masked."""
    require(actor, Permission.EDIT_REGISTER)
    resident = Resident(
        property_id=get_property().id,
        name=name.strip(),
        phone=phone,
        email=email or None,
        id_number_masked=id_number_masked or "",
        note=note,
    )
    db.session.add(resident)
    db.session.flush()
    record(actor, "resident.create", resident, summary=resident.name)
    return resident


def update_resident(actor, resident, *, name, phone, email=None, id_number_masked=None, note=""):
    """Change a resident's details; the ID number changes only when a new one is given."""
    require(actor, Permission.EDIT_REGISTER)
    values = {"name": name.strip(), "phone": phone, "email": email or None, "note": note}
    if id_number_masked:
        values["id_number_masked"] = id_number_masked
    move_login_phone(resident.user, phone)  # Conflict when another account signs in with the number
    changes = diff(resident, values)
    if changes:
        record(actor, "resident.update", resident, summary=resident.name, changes=changes)
    return resident


def mark_vip(actor, resident, *, is_vip, note=""):
    """Mark a resident VIP (their household is then visited on the VIP plan, SOP 13) or not, with a note saying
    why (up to 200 characters; dropped when the mark is taken off). Audited when it changes."""
    require(actor, Permission.MARK_VIP)
    note = (note or "").strip() if is_vip else ""
    if len(note) > 200:
        raise DomainError(_l("Keep the note under 200 characters."), field="vip_note")
    changes = diff(resident, {"is_vip": bool(is_vip), "vip_note": note})
    if changes:
        record(actor, "resident.vip", resident, summary=resident.name, changes=changes)
    return resident


def update_own_contact(actor, user, *, phone, email):
    """A resident changes their own phone number and e-mail address."""
    resident = resident_for_user(user)
    move_login_phone(resident.user, phone)  # Conflict when another account signs in with the number
    changes = diff(resident, {"phone": phone, "email": email or None})
    if changes:
        record(actor, "resident.contact_update", resident, summary=resident.name, changes=changes)
    return resident


def create_resident_account(actor, resident, *, username, password):
    """Give a registered resident a portal account."""
    require(actor, Permission.EDIT_REGISTER)
    if resident.user_id is not None:
        raise Conflict(_l("This resident already has an account."))
    username = normalise_username(username)
    _check_username_free(username)
    check_password_rules(password, username=username, phone=resident.phone)
    user = User(
        username=username,
        display_name=resident.name,
        kind=AccountKind.RESIDENT,
        password_hash=hash_password(password),
    )
    assign_login_phone(user, resident.phone)  # unless another account already signs in with the number
    db.session.add(user)
    db.session.flush()
    resident.user_id = user.id
    record(actor, "resident.account_create", resident, summary=f"{resident.name} → {username}")
    return user


def resident_for_user(user):
    """Return the Resident record behind a portal account, or raise NotFound."""
    resident = db.session.scalar(select(Resident).where(Resident.user_id == user.id))
    if resident is None:
        raise NotFound(_l("Your account is not linked to a resident record. Please contact the service desk."))
    return resident
