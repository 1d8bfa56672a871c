"""The resident's side of a violation: the notices about their own units, and their answer with photos ("already
removed"), which goes on the violation's timeline and to the unit's assistant. A neighbour's violation, or one
without a unit, is NotFound."""

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from domain.areas.notices import tell_unit_assistant
from domain.audit.services import record
from domain.clock import local_date, utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.files.photos import save_field_photos
from domain.property.occupancies import resident_units_since
from domain.property.units import unit_label
from domain.violations.models import OPEN_STAGES, Violation, ViolationReply
from domain.violations.services import add_event
from extensions import db

#: The photos of a resident's answer (FieldPhoto.subject_type).
REPLY_PHOTO_SUBJECT = "violation_reply"
MAX_REPLY = 2000

_REPLIED = _l("Violation #%(id)s (%(unit)s): the resident answered: %(text)s")


def resident_violation(resident_id, violation_id, *, now=None):
    """A violation of one of the resident's current units, recorded since they live there and sent a notice, or
    NotFound (a neighbour's, a previous occupant's, one with no unit)."""
    violation = db.session.get(Violation, violation_id)
    since = resident_units_since(resident_id, local_date(now or utcnow()))
    if (
        violation is None
        or violation.unit_id not in since
        or local_date(violation.recorded_at) < since[violation.unit_id]
        or not violation.notices
    ):
        raise NotFound()
    return violation


def reply(actor, resident_id, violation, *, body, files=(), now=None):
    """The resident answers an open violation of their unit, with text and photos; the unit's assistant is told.
    Returns the ViolationReply."""
    now = now or utcnow()
    violation = resident_violation(resident_id, violation.id, now=now)
    if violation.stage not in OPEN_STAGES:
        raise InvalidTransition(_l("This violation is closed; call the service centre if something is wrong."))
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write your answer."), field="body")
    if len(body) > MAX_REPLY:
        raise DomainError(_l("At most %(count)s characters.", count=MAX_REPLY), field="body")
    answer = ViolationReply(violation=violation, resident_id=resident_id, body=body, created_at=now)
    db.session.add(answer)
    db.session.flush()
    photos = save_field_photos(
        actor,
        property_id=violation.property_id,
        subject_type=REPLY_PHOTO_SUBJECT,
        subject_id=answer.id,
        files=files,
    )
    add_event(
        violation,
        actor,
        "replied",
        body=body,
        data={"reply_id": answer.id, "reply_photo_ids": [p.id for p in photos]},
        now=now,
    )
    values = {"id": violation.id, "unit": unit_label(violation.unit_id), "text": body[:120]}
    tell_unit_assistant(
        violation.unit_id,
        LazyString(lambda: str(_REPLIED) % values),
        property_id=violation.property_id,
        kind="violation",
        subject_type="violation",
        subject_id=violation.id,
        now=now,
    )
    record(actor, "violation.reply", violation, summary=body[:120])
    db.session.flush()
    return answer
