"""Violations (违章, SOP 11): recorded on a phone in under a minute, then moved through the staged notices (verbal
reminder, 违章通知书, 整改通知, referral to the authorities), checked on the spot at every stage (rectified closes it;
not rectified goes on to the next stage or gets a later deadline, with a reason), fined only where the kind allows.
Every step is audited; the route commits."""

from datetime import timedelta

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import ChargeBasis, ChargeType
from domain.billing.services import bill_lines
from domain.clock import from_local_input, local_date, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.files.photos import save_field_photos
from domain.money import fen_to_decimal
from domain.notify.services import tell_household
from domain.property.buildings import get_property_id
from domain.property.units import find_unit, unit_label
from domain.timeline import add_timeline_entry
from domain.transitions import takes_part
from domain.violations.models import TIMED_STAGES, Authority, Stage, Violation, ViolationEvent, ViolationKind
from domain.violations.notices import chinese_date, send_notice
from domain.violations.workflow import VIOLATION_TRANSITIONS, check_violation, transitions_of
from extensions import db

#: The photos taken when recording and at the follow-up checks (FieldPhoto.subject_type).
PHOTO_SUBJECT = "violation"
#: The longest deadline a stage may set, in days.
MAX_DAYS = 365
#: Days a fine's bill gives to pay.
FINE_DUE_DAYS = 15
#: How far ahead of the clock a typed referral time may be (a phone a little fast).
FUTURE_SLACK = timedelta(minutes=5)

EVENT_LABELS = {
    "recorded": lazy_pgettext("violation", "Recorded"),
    "issue_notice": _l("Written notice sent"),
    "issue_order": _l("Rectification order sent"),
    "refer": _l("Referred to the authorities"),
    "rectified": _l("Checked: rectified"),
    "not_rectified": _l("Checked: not rectified"),
    "extend": _l("Deadline extended"),
    "fine": _l("Fine billed"),
    "withdraw": lazy_pgettext("violation", "Withdrawn"),
    "replied": _l("Resident replied"),
}

_EXTENDED = _l("%(kind)s at %(where)s: the deadline to put it right is now %(deadline)s.")
_RECTIFIED = _l("%(kind)s at %(where)s: the follow-up check found it put right. The matter is closed; thank you.")
_WITHDRAWN = _l("%(kind)s at %(where)s: the service centre has withdrawn its notice. The matter is closed.")
_FINED = _l("%(kind)s at %(where)s: a fine of ¥%(amount)s is billed to your unit.")


def add_event(violation, actor, action, body="", data=None, now=None):
    """Add one entry to the violation's timeline."""
    return add_timeline_entry(ViolationEvent, actor, action, body, data=data, at=now, violation=violation)


def require_step(actor, action, violation=None):
    """NotAllowed unless `actor`'s role takes `action` at some stage (of `violation`'s table when given): a page
    refuses the wrong person (403) before it reads the form, whatever the violation's stage."""
    if not takes_part(VIOLATION_TRANSITIONS if violation is None else transitions_of(violation), actor, action):
        raise NotAllowed()


def _check(actor, action, violation):
    """The role check before the stage check (403 whatever the stage), then the state machine. An action the
    violation's table has no place for is InvalidTransition for anyone (a renovation's is never escalated or billed)."""
    if not any(name == action for name, _stage in transitions_of(violation)):
        raise InvalidTransition()
    require_step(actor, action, violation)
    return check_violation(actor, action, violation)


def _required(value, field, message):
    """`value` stripped, or DomainError on `field` when it is empty."""
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _days(value, field="days"):
    """A whole number of days from 0 to MAX_DAYS, or DomainError on `field`."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise DomainError(_l("Give the days as a whole number."), field=field) from None
    if not 0 <= days <= MAX_DAYS:
        raise DomainError(_l("Give between 0 and %(max)s days.", max=MAX_DAYS), field=field)
    return days


def stage_days(kind, stage):
    """The kind's days to put it right at `stage`."""
    return {Stage.REMINDED: kind.reminder_days, Stage.NOTICED: kind.notice_days, Stage.ORDERED: kind.order_days}[stage]


def is_overdue(violation, today):
    """Whether the deadline of a timed stage has passed on `today` (property time): the day after the deadline."""
    return violation.stage in TIMED_STAGES and violation.deadline is not None and today > violation.deadline


def where_text(violation, labels):
    """Where it was found, for lists and messages: the public place (and its nearest unit), or the unit."""
    label = labels.get(violation.unit_id, "")
    if violation.place:
        return f"{violation.place} ({label})" if label else violation.place
    return label


def get_kind(kind_id, property_id):
    """One violation kind of the property, or NotFound."""
    kind = db.session.get(ViolationKind, kind_id) if kind_id else None
    if kind is None or kind.property_id != property_id:
        raise NotFound()
    return kind


def get_violation(violation_id, property_id):
    """One violation of the property, or NotFound."""
    violation = db.session.get(Violation, violation_id)
    if violation is None or violation.property_id != property_id:
        raise NotFound()
    return violation


def _active_kind(kind_id, property_id):
    """The active kind chosen, or DomainError on the kind field."""
    try:
        kind = get_kind(int(kind_id), property_id)
    except (TypeError, ValueError, NotFound):
        kind = None
    if kind is None or not kind.is_active or kind.renovation_kind:
        raise DomainError(_l("Choose the kind of violation."), field="kind_id")
    return kind


def _unit_id(unit_label, property_id):
    """The id of the typed unit of the property, None when nothing was typed; DomainError on unit_label."""
    if not (unit_label or "").strip():
        return None
    found = find_unit(unit_label, number_alone=True)
    if found.property_id != property_id:
        raise DomainError(_l("No unit %(label)s in the register.", label=unit_label), field="unit_label")
    return found.id


def record_violation(actor, *, kind_id, seen, unit_label="", place="", files=(), property_id=None, now=None):
    """Record a violation (security, an assistant, the desk, the manager): its kind, where (a unit, or a public place
    with the nearest unit when known), what was seen, photos. It starts at the kind's first stage with that stage's
    deadline, and that stage's notice goes to the unit's residents. Returns the Violation (flushed)."""
    require(actor, Permission.RECORD_VIOLATIONS)
    now = now or utcnow()
    property_id = property_id or get_property_id()
    kind = _active_kind(kind_id, property_id)
    unit_id = _unit_id(unit_label, property_id)
    place = (place or "").strip()
    if unit_id is None and not place:
        raise DomainError(_l("Give the unit, or the public place where it was seen."), field="unit_label")
    seen = _required(seen, "seen", _l("Say what was seen."))
    stage = kind.first_stage if kind.first_stage in (Stage.REMINDED, Stage.NOTICED) else Stage.REMINDED
    violation = Violation(
        property_id=property_id,
        kind=kind,
        unit_id=unit_id,
        place=place[:120],
        seen=seen,
        stage=stage,
        deadline=local_date(now) + timedelta(days=stage_days(kind, stage)),
        recorded_by_id=actor.user_id,
        recorded_at=now,
    )
    db.session.add(violation)
    db.session.flush()
    photos = save_field_photos(
        actor, property_id=property_id, subject_type=PHOTO_SUBJECT, subject_id=violation.id, files=files
    )
    add_event(
        violation,
        actor,
        "recorded",
        body=seen,
        data={"stage": stage.value, "photo_ids": [p.id for p in photos]},
        now=now,
    )
    send_notice(actor, violation, stage, now=now)
    record(actor, "violation.record", violation, summary=f"{kind.name}: {place or unit_label}"[:200])
    db.session.flush()
    return violation


def _later_deadline(violation, days, now):
    """Today + `days`, which must fall after the current deadline (a later stage or an extension never shortens
    it); DomainError on the days field."""
    deadline = local_date(now) + timedelta(days=_days(days))
    if violation.deadline is not None and deadline <= violation.deadline:
        raise DomainError(
            _l("The new deadline must be after the current one (%(day)s).", day=violation.deadline.isoformat()),
            field="days",
        )
    return deadline


def issue_notice(actor, violation, *, days=None, now=None):
    """The written notice (违章通知书): the assistant or the manager; the deadline is today + `days` (the kind's by
    default) and later than the reminder's. Returns the ViolationNotice sent."""
    stage = _check(actor, "issue_notice", violation)
    return _advance(actor, violation, "issue_notice", stage, days, now)


def issue_order(actor, violation, *, days=None, now=None):
    """The rectification order (整改通知): the manager, with a deadline later than the written notice's."""
    stage = _check(actor, "issue_order", violation)
    return _advance(actor, violation, "issue_order", stage, days, now)


def _advance(actor, violation, action, stage, days, now):
    """Move to the next written stage with its later deadline, send its notice, and write it down."""
    now = now or utcnow()
    deadline = _later_deadline(violation, stage_days(violation.kind, stage) if days in (None, "") else days, now)
    violation.stage = stage
    violation.deadline = deadline
    notice = send_notice(actor, violation, stage, now=now)
    add_event(violation, actor, action, data={"deadline": deadline.isoformat(), "notice_id": notice.id}, now=now)
    record(actor, f"violation.{action}", violation, summary=f"deadline {deadline.isoformat()}")
    db.session.flush()
    return notice


def refer(actor, violation, *, authority, referred_to, referred_at=None, now=None):
    """Refer the violation to the authorities (the manager): which (城管/消防/公安), who took it (a person or office),
    and when (a typed local time, now by default; not in the future). The residents get the referral notice."""
    stage = _check(actor, "refer", violation)
    now = now or utcnow()
    try:
        authority = Authority(authority)
    except ValueError:
        raise DomainError(_l("Choose whom it is referred to."), field="authority") from None
    referred_to = _required(referred_to, "referred_to", _l("Say who took the referral."))
    when = now if referred_at is None else referred_at
    if when.tzinfo is None:
        when = from_local_input(when)
    if when > now + FUTURE_SLACK:
        raise DomainError(_l("The referral cannot be in the future."), field="referred_at")
    violation.stage = stage
    violation.authority = authority
    violation.referred_to = referred_to[:120]
    violation.referred_at = when
    notice = send_notice(actor, violation, stage, now=now)
    add_event(
        violation,
        actor,
        "refer",
        body=referred_to,
        data={"authority": authority.value, "at": when.isoformat(), "notice_id": notice.id},
        now=now,
    )
    record(actor, "violation.refer", violation, summary=f"{authority.value}: {referred_to}"[:200])
    db.session.flush()
    return notice


_signals = Namespace()
#: Sent when a violation is closed (rectified or withdrawn), in the same transaction, with the actor, the timeline
#: action ("violation_rectified" or "violation_waived"), the note and the time: a renovation's violation goes on the
#: renovation's timeline too (domain.renovation.inspections), whichever page settled it.
violation_settled = _signals.signal("violation-settled")


def _on_renovation_timeline(violation, actor, action, note, now):
    """Tell whoever follows a violation found during works that it is settled."""
    if violation.renovation_id is not None:
        violation_settled.send(violation, actor=actor, action=action, note=note, now=now)


def record_check(actor, violation, *, rectified, note="", files=(), now=None):
    """The follow-up check on the spot (security, the assistant, the manager), with photos: rectified closes the
    violation; not rectified is written down and the violation stays where it is (the next stage or a later deadline
    is its own step). Returns the ViolationEvent."""
    action = "check_rectified" if rectified else "check_not_rectified"
    stage = _check(actor, action, violation)
    now = now or utcnow()
    note = (note or "").strip()
    photos = save_field_photos(
        actor, property_id=violation.property_id, subject_type=PHOTO_SUBJECT, subject_id=violation.id, files=files
    )
    if not rectified and not note and not photos:
        raise DomainError(_l("Say what was found, or add a photo."), field="note")
    violation.stage = stage
    if stage == Stage.RECTIFIED:
        violation.closed_at = now
        _on_renovation_timeline(violation, actor, "violation_rectified", note, now)
    event = add_event(
        violation,
        actor,
        "rectified" if rectified else "not_rectified",
        body=note,
        data={"photo_ids": [p.id for p in photos]} if photos else None,
        now=now,
    )
    if stage == Stage.RECTIFIED:
        _tell_closed(violation, _RECTIFIED, now)
    record(actor, f"violation.{event.action}", violation, summary=note[:120])
    db.session.flush()
    return event


def _tell_closed(violation, message, now):
    """Tell the unit's residents that a violation they were sent a notice about is closed (every stage reaches them;
    one never noticed to them, or without a unit, is not theirs to hear of)."""
    if not violation.unit_id or not violation.notices:
        return
    values = {"kind": violation.kind.name, "where": violation.place or unit_label(violation.unit_id)}
    tell_household(violation.unit_id, LazyString(lambda: str(message) % values), None, today=local_date(now), now=now)


def extend_deadline(actor, violation, *, days, reason, now=None):
    """Give a later deadline at the same stage (the assistant or the manager), saying why; the residents are told."""
    _check(actor, "extend", violation)
    now = now or utcnow()
    reason = _required(reason, "reason", _l("Say why the deadline is extended."))
    deadline = _later_deadline(violation, days, now)
    previous = violation.deadline
    violation.deadline = deadline
    add_event(
        violation,
        actor,
        "extend",
        body=reason,
        data={"from": previous.isoformat() if previous else None, "deadline": deadline.isoformat()},
        now=now,
    )
    if violation.unit_id:
        where = violation.place or unit_label(violation.unit_id)
        values = {"kind": violation.kind.name, "where": where, "deadline": chinese_date(deadline)}
        tell_household(
            violation.unit_id,
            LazyString(lambda: str(_EXTENDED) % values),
            None,
            today=local_date(now),
            now=now,
        )
    record(actor, "violation.extend", violation, summary=f"{deadline.isoformat()}: {reason}"[:200])
    db.session.flush()
    return violation


def one_off_charge(property_id, charge_type_id):
    """The property's active one-off charge of the fee schedule with this id, or None."""
    charge = db.session.get(ChargeType, charge_type_id) if charge_type_id else None
    if charge is None or charge.property_id != property_id:
        return None
    if charge.basis != ChargeBasis.ONE_OFF or not charge.is_active:
        return None
    return charge


def fine_charge(kind):
    """The active one-off charge of the fee schedule the kind's fines are billed under, or None."""
    return one_off_charge(kind.property_id, kind.fine_charge_type_id)


def record_fine(actor, violation, *, amount_fen, note="", now=None):
    """Fine the violation (the manager), only where its kind allows a fine and up to the kind's maximum, once; the
    fine becomes the unit's bill under the kind's one-off charge of the fee schedule, and the residents are told.
    Returns the Bill."""
    _check(actor, "fine", violation)
    now = now or utcnow()
    kind = violation.kind
    if not kind.fine_allowed:
        raise DomainError(_l("The manager does not allow fines for this kind of violation."), field="amount")
    if violation.fine_fen:
        raise Conflict(_l("This violation is already fined."))
    if violation.unit_id is None:
        raise DomainError(_l("A fine needs the unit it is billed to."), field="amount")
    if amount_fen is None or amount_fen <= 0:
        raise DomainError(_l("Give the fine in yuan, more than zero."), field="amount")
    if kind.fine_max_fen and amount_fen > kind.fine_max_fen:
        raise DomainError(
            _l("The fine for this kind is at most ¥%(max)s.", max=fen_to_decimal(kind.fine_max_fen)), field="amount"
        )
    charge = fine_charge(kind)
    if charge is None:
        raise DomainError(_l("Choose the one-off charge of the fee schedule fines are billed under."), field="amount")
    today = local_date(now)
    detail = f"违章 #{violation.id} {kind.name} {(note or '').strip()}".strip()
    bill = bill_lines(
        property_id=violation.property_id,
        unit_id=violation.unit_id,
        title=charge.name,
        lines=[(charge.id, charge.name, detail, amount_fen)],
        issued_on=today,
        due_date=today + timedelta(days=FINE_DUE_DAYS),
    )
    violation.fine_fen = amount_fen
    violation.fine_bill_id = bill.id
    add_event(
        violation, actor, "fine", body=(note or "").strip(), data={"fine_fen": amount_fen, "bill_id": bill.id}, now=now
    )
    values = {
        "kind": kind.name,
        "where": violation.place or unit_label(violation.unit_id),
        "amount": fen_to_decimal(amount_fen),
    }
    tell_household(violation.unit_id, LazyString(lambda: str(_FINED) % values), None, today=today, now=now)
    record(actor, "violation.fine", violation, summary=f"¥{fen_to_decimal(amount_fen)} bill #{bill.id}")
    db.session.flush()
    return bill


def withdraw(actor, violation, *, reason, now=None):
    """Withdraw a violation recorded in error, or found not to be one (the manager), saying why."""
    stage = _check(actor, "withdraw", violation)
    reason = _required(reason, "reason", _l("Say why it is withdrawn."))
    now = now or utcnow()
    violation.stage = stage
    violation.closed_at = now
    _on_renovation_timeline(violation, actor, "violation_waived", reason, now)
    add_event(violation, actor, "withdraw", body=reason, now=now)
    _tell_closed(violation, _WITHDRAWN, now)
    record(actor, "violation.withdraw", violation, summary=reason[:120])
    db.session.flush()
    return violation


def kinds_of(property_id, *, active_only=True):
    """The property's violation kinds by name: all of them, or (`active_only`) those one records here, active and
    not a renovation's (those are recorded on the renovation's page)."""
    query = select(ViolationKind).where(ViolationKind.property_id == property_id).order_by(ViolationKind.name)
    if active_only:
        query = query.where(ViolationKind.is_active.is_(True), ViolationKind.renovation_kind.is_(None))
    return db.session.scalars(query).all()
