"""The owner's registration form (业主登记表, SOP 2.4.2): the owner and their household, typed at the desk or by the
owner online. Every field is optional except the name (and the owner's phone); an ID number is checked, shown
masked and kept only encrypted."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.models import AccountKind
from domain.accounts.roles import Permission, require
from domain.accounts.services import move_login_phone
from domain.audit.services import diff, record
from domain.clock import utcnow
from domain.dates import check_date
from domain.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from domain.movein.cases import record_event
from domain.movein.models import MoveInPerson, PersonRole
from domain.movein.workflow import DESK_EDITABLE, OWNER_EDITABLE
from domain.property.id_numbers import seal_id_number
from domain.property.validation import Invalid, normalise_phone
from extensions import db

#: The text fields and their longest length (the columns' sizes).
TEXT_FIELDS = {
    "kinship": 20,
    "name": 80,
    "ethnicity": 20,
    "native_place": 60,
    "political_status": 20,
    "education": 20,
    "employer": 120,
}
GENDERS = ("", "male", "female")
#: Why each field is asked: the privacy notice the forms show next to them.
PURPOSES = {
    "name": _l("to know who lives in the unit"),
    "phone": _l("to reach you about your unit, parcels and repairs"),
    "gender": _l("to address you correctly"),
    "birth_date": _l("for the register the property keeps by law for residents"),
    "ethnicity": _l("for the register the property keeps by law for residents"),
    "native_place": _l("for the register the property keeps by law for residents"),
    "political_status": _l("for the register the property keeps by law for residents"),
    "education": _l("for the register the property keeps by law for residents"),
    "id_number": _l("to check who you are at the desk; shown only masked, kept encrypted"),
    "employer": _l("to reach you in an emergency when you cannot be reached by phone"),
}


def _is_owner(actor):
    """Whether the actor is the owner in the portal (not staff)."""
    return actor.kind == AccountKind.RESIDENT


def check_editable(actor, case):
    """Raise unless `actor` may change the case's form now: staff with HANDLE_MOVE_IN while DESK_EDITABLE, the case's
    own owner while OWNER_EDITABLE."""
    if _is_owner(actor):
        if actor.user_id is None or actor.user_id != case.owner_user_id:
            raise NotFound()
        if case.status not in OWNER_EDITABLE:
            raise InvalidTransition(_l("The form can no longer be changed online; the service desk can help."))
        return
    require(actor, Permission.HANDLE_MOVE_IN)
    if case.status not in DESK_EDITABLE:
        raise InvalidTransition()


def _clean(role, fields):
    """The person's values as stored, checked; DomainError on the field at fault."""
    values = {}
    for name, size in TEXT_FIELDS.items():
        text = (fields.get(name) or "").strip()
        if len(text) > size:
            raise DomainError(_l("At most %(n)s characters.", n=size), field=name)
        values[name] = text
    if not values["name"]:
        raise DomainError(_l("Enter the name."), field="name")
    phone = (fields.get("phone") or "").strip()
    if phone or role == PersonRole.OWNER:
        if not phone:
            raise DomainError(_l("Enter the owner's phone number."), field="phone")
        try:
            phone = normalise_phone(phone)
        except Invalid as bad:
            raise DomainError(bad.message, field="phone") from None
    values["phone"] = phone
    gender = fields.get("gender") or ""
    if gender not in GENDERS:
        raise DomainError(_l("Choose a gender from the list."), field="gender")
    values["gender"] = gender
    birth_date = fields.get("birth_date")
    if birth_date is not None and not isinstance(birth_date, date):
        raise DomainError(_l("Enter a date as YYYY-MM-DD."), field="birth_date")
    if birth_date is not None:
        check_date(birth_date, past_years=120, future_years=0, field="birth_date")
    values["birth_date"] = birth_date
    return values


def save_person(actor, case, person_id=None, **fields):
    """Add a person to the case's form (person_id None) or change one. `fields`: role ("owner"/"family"; only one
    owner, made with the case), kinship, name, phone, gender, birth_date (a date), ethnicity, native_place,
    political_status, education, employer, id_number (as typed; empty keeps the one on file)."""
    check_editable(actor, case)
    if person_id is None:
        person = MoveInPerson(case_id=case.id, role=PersonRole.FAMILY)
    else:
        person = _person_of(case, person_id)
    role = person.role if person_id is not None else PersonRole(fields.get("role") or PersonRole.FAMILY)
    if person_id is None and role == PersonRole.OWNER:
        raise DomainError(_l("The case already has its owner; add household members."), field="role")
    values = _clean(role, fields)
    id_number = (fields.get("id_number") or "").strip()
    if id_number:
        try:
            values["id_number_masked"], values["id_number_cipher"] = seal_id_number(id_number)
        except Invalid as bad:
            raise DomainError(bad.message, field="id_number") from None
    values["entered_by"] = "resident" if _is_owner(actor) else "staff"
    if role == PersonRole.OWNER:
        _sync_owner(actor, case, values["name"], values["phone"])
    if person_id is None:
        for name, value in values.items():
            setattr(person, name, value)
        db.session.add(person)
        db.session.flush()
        changes = None
    else:
        changes = diff(person, values)
        changes.pop("id_number_cipher", None)  # the masked form says enough; the cipher never goes to the log
    person.updated_at = utcnow()
    if _is_owner(actor):
        case.prefilled_at = person.updated_at
    if person_id is None or changes:
        record_event(actor, case, "person_add" if person_id is None else "person_edit", person.name)
        record(actor, "move_in.person_save", person, summary=person.name, changes=changes)
    return person


def _sync_owner(actor, case, name, phone):
    """The owner's line and the register's resident are one person: a corrected name or phone changes both (and the
    number the owner signs in with; Conflict on the phone when another account signs in with it)."""
    owner = case.owner
    move_login_phone(owner.user, phone)
    changes = diff(owner, {"name": name, "phone": phone})
    if changes:
        record(actor, "resident.update", owner, summary=owner.name, changes=changes)


def _person_of(case, person_id):
    """One person of the case's form, or NotFound."""
    person = db.session.get(MoveInPerson, person_id)
    if person is None or person.case_id != case.id:
        raise NotFound()
    return person


def remove_person(actor, case, person_id):
    """Take a household member off the form (the owner stays: NotAllowed)."""
    check_editable(actor, case)
    person = _person_of(case, person_id)
    if person.role == PersonRole.OWNER:
        raise NotAllowed(_l("The owner cannot be removed from the form."))
    db.session.delete(person)
    record_event(actor, case, "person_remove", person.name)
    record(actor, "move_in.person_remove", person, summary=person.name)


def people_of(case):
    """The case's form: the owner first, then the household in the order added."""
    return db.session.scalars(
        select(MoveInPerson)
        .where(MoveInPerson.case_id == case.id)
        .order_by((MoveInPerson.role != PersonRole.OWNER), MoveInPerson.id)
    ).all()
