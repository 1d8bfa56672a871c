"""Appointments at the desk: half-hour slots in the desk's move-in hours (property time), a few cases per slot; the
desk or the owner books one, which moves the case to BOOKED."""

from datetime import UTC, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.audit.services import record
from domain.clock import from_local_input, local, local_day_bounds, local_text, utcnow
from domain.errors import Conflict, DomainError
from domain.movein.cases import record_event
from domain.movein.models import CaseStatus, MoveInCase
from domain.movein.workflow import check_case
from domain.payments.ledger import locked
from domain.property.models import Property
from extensions import db

#: The desk's move-in hours (property time): mornings and afternoons, each [start, end) cut into slots.
SLOT_PERIODS = ((time(9, 0), time(11, 30)), (time(14, 0), time(17, 0)))
#: A slot's length: a clerk needs about half an hour per case (papers, fees, keys, signatures).
SLOT_MINUTES = 30
#: Cases per slot: two clerks at the desk on move-in days.
CASES_PER_SLOT = 2
#: How far ahead a slot may be booked.
BOOKING_DAYS_AHEAD = 90


def slot_starts(day):
    """The slots' start times on `day`, as aware UTC datetimes, in order."""
    starts = []
    for begin, end in SLOT_PERIODS:
        moment = datetime.combine(day, begin)
        while moment.time() < end:
            starts.append(from_local_input(moment).astimezone(UTC))
            moment += timedelta(minutes=SLOT_MINUTES)
    return starts


def _booked(property_id, day, exclude_case_id=None):
    """{slot start (UTC): cases booked} on `day`."""
    start, end = local_day_bounds(day)
    query = (
        select(MoveInCase.appointment_at, func.count())
        .where(
            MoveInCase.property_id == property_id,
            MoveInCase.status == CaseStatus.BOOKED,
            MoveInCase.appointment_at >= start,
            MoveInCase.appointment_at < end,
        )
        .group_by(MoveInCase.appointment_at)
    )
    if exclude_case_id is not None:
        query = query.where(MoveInCase.id != exclude_case_id)
    return {at.astimezone(UTC): count for at, count in db.session.execute(query).all()}


def open_slots(property_id, day):
    """[(start in UTC, free places)] of `day`'s slots still ahead of now and not full."""
    now = utcnow()
    booked = _booked(property_id, day)
    return [
        (start, CASES_PER_SLOT - booked.get(start, 0))
        for start in slot_starts(day)
        if start > now and booked.get(start, 0) < CASES_PER_SLOT
    ]


def book_appointment(actor, case, at_utc):
    """Book the case into the slot starting at `at_utc` (the desk, or the owner online): refused for a time that is
    not a slot, a slot past or full; a case already booked moves to the new slot."""
    new_status = check_case(actor, "book", case)
    at_utc = at_utc.astimezone(UTC)
    day = local(at_utc).date()
    if at_utc not in slot_starts(day):
        raise DomainError(_l("Choose one of the offered times."), field="slot")
    if at_utc <= utcnow():
        raise DomainError(_l("This time has passed; choose a later one."), field="slot")
    if at_utc > utcnow() + timedelta(days=BOOKING_DAYS_AHEAD):
        raise DomainError(
            _l("Appointments can be booked at most %(n)s days ahead.", n=BOOKING_DAYS_AHEAD), field="slot"
        )
    # Two bookings of the last place at once: the property's row is the lock that makes the second one count the
    # first (PostgreSQL; SQLite has one writer anyway).
    db.session.execute(locked(select(Property.id).where(Property.id == case.property_id)))
    if _booked(case.property_id, day, exclude_case_id=case.id).get(at_utc, 0) >= CASES_PER_SLOT:
        raise Conflict(_l("This time is fully booked; choose another one."), field="slot")
    case.appointment_at = at_utc
    case.status = new_status
    when = local_text(at_utc)
    record_event(actor, case, "book", when)
    record(actor, "move_in.book", case, summary=f"{case.unit.label} {when}")
    return case
