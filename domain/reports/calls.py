"""Collection calls (催缴记录, 1.1.12): when staff chase a unit's arrears they note what the resident answered, the
reason for paying late and the day they promise to pay by; the monthly report counts the reasons."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.accounts.models import User
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_day_bounds, today
from domain.dates import month_after
from domain.errors import DomainError
from domain.reports.models import CallReason, CollectionCall
from extensions import db

#: How many of a unit's calls its bills page lists, newest first.
HISTORY_LIMIT = 20
#: The longest note kept.
NOTE_MAX = 500


def record_call(actor, *, property_id, unit_id, reason, promised_on=None, note=""):
    """Write down one call chasing a unit's arrears; the promise date may not lie in the past. Flushes; the
    caller commits."""
    require(actor, Permission.SEND_REMINDERS)
    try:
        reason = CallReason(reason)
    except ValueError:
        raise DomainError(_l("Choose the resident's reason."), field="reason") from None
    if promised_on is not None and promised_on < today():
        raise DomainError(_l("The promised day cannot be in the past."), field="promised_on")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_l("Keep the note under %(max)s characters.", max=NOTE_MAX), field="note")
    call = CollectionCall(
        property_id=property_id,
        unit_id=unit_id,
        called_by_id=actor.user_id,
        reason=reason,
        promised_on=promised_on,
        note=note,
    )
    db.session.add(call)
    db.session.flush()
    record(actor, "collection_call.record", call, summary=f"{reason.value} unit {unit_id}")
    return call


def calls_for_unit(unit_id, *, limit=HISTORY_LIMIT):
    """A unit's calls, newest first, with who made them (one statement)."""
    return db.session.execute(
        select(
            CollectionCall.called_at,
            CollectionCall.reason,
            CollectionCall.promised_on,
            CollectionCall.note,
            User.display_name.label("called_by"),
        )
        .outerjoin(User, CollectionCall.called_by_id == User.id)
        .where(CollectionCall.unit_id == unit_id)
        .order_by(CollectionCall.called_at.desc(), CollectionCall.id.desc())
        .limit(limit)
    ).all()


def reason_counts(property_id, first_day):
    """{CallReason: how many calls} recorded in the local month starting on `first_day` (one statement)."""
    start, end = local_day_bounds(first_day)[0], local_day_bounds(month_after(first_day))[0]
    rows = db.session.execute(
        select(CollectionCall.reason, func.count())
        .where(
            CollectionCall.property_id == property_id,
            CollectionCall.called_at >= start,
            CollectionCall.called_at < end,
        )
        .group_by(CollectionCall.reason)
    ).all()
    return {CallReason(reason): n for reason, n in rows}
