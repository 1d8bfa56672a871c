"""Overtime applications (加班申请表, 工作时间管理制度 五): a staff member applies before the work with the day, the
from–to and the reason; the manager approves or refuses (with a reason) before the work starts; afterwards the
applicant reports the from–to worked and the manager confirms it (or confirms directly). Each application lies within
one local day, an end at 00:00 meaning midnight at its end. A staff member sees only their own; the manager sees all.
Every step is audited; a step is one conditional UPDATE, so two managers deciding at once cannot both succeed."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from domain.accounts.roles import Permission, can, require
from domain.audit.services import record
from domain.clock import local_text, start_of_local_day, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.overtime import calendar
from domain.overtime.models import OvertimeApplication, OvertimeStatus
from domain.overtime.workflow import APPLIED, APPROVED, CONFIRMED, check
from extensions import db

MAX_REASON = 500
#: Statuses that hold the applicant's time (an overlapping application is refused).
HOLDING = (OvertimeStatus.APPLIED, OvertimeStatus.APPROVED, OvertimeStatus.CONFIRMED)
MINUTE = timedelta(minutes=1)


def may_see_all(actor):
    """Whether `actor` sees every staff member's applications (the manager, the system)."""
    return actor.is_system or can(actor.role, Permission.MANAGE_OVERTIME)


def get_application(actor, application_id, property_id):
    """The property's application with its applicant, or NotFound; NotAllowed unless it is `actor`'s own or `actor`
    is the manager."""
    application = db.session.scalar(
        select(OvertimeApplication)
        .where(OvertimeApplication.id == application_id, OvertimeApplication.property_id == property_id)
        .options(joinedload(OvertimeApplication.user))
    )
    if application is None:
        raise NotFound()
    if application.user_id != actor.user_id and not may_see_all(actor):
        raise NotAllowed()
    return application


def local_span(day, start, end, *, start_field="start", end_field="end"):
    """(start, end, minutes) of `day` from the local time `start` to `end` as aware UTC; an `end` of 00:00 is
    midnight at the end of the day. DomainError(field=...) when a time is missing or the end is not after the start."""
    if day is None:
        raise DomainError(_l("Enter the date."), field="work_date")
    if start is None:
        raise DomainError(_l("Enter the time the work starts."), field=start_field)
    if end is None:
        raise DomainError(_l("Enter the time the work ends."), field=end_field)
    midnight = start_of_local_day(day)
    start_at = midnight + timedelta(hours=start.hour, minutes=start.minute)
    end_minutes = end.hour * 60 + end.minute or 24 * 60
    end_at = midnight + timedelta(minutes=end_minutes)
    if end_at <= start_at:
        raise DomainError(
            _l("The work must end after it starts, on the same day (00:00 for midnight)."), field=end_field
        )
    return start_at, end_at, (end_at - start_at) // MINUTE


def _overlapping(user_id, start_at, end_at, *, but=None):
    """The applicant's application holding time that overlaps start_at–end_at, or None."""
    query = select(OvertimeApplication).where(
        OvertimeApplication.user_id == user_id,
        OvertimeApplication.status.in_(HOLDING),
        OvertimeApplication.planned_start_at < end_at,
        OvertimeApplication.planned_end_at > start_at,
    )
    if but is not None:
        query = query.where(OvertimeApplication.id != but)
    return db.session.scalars(query.limit(1)).first()


def apply(actor, property_id, *, work_date, start, end, reason, now=None):
    """Apply for overtime on `work_date` from `start` to `end` (local times) for `reason`, before the work: a start
    already past is refused, and so is a time overlapping one's own application. DomainError(field=...) on bad
    input; audited; the caller commits."""
    require(actor, Permission.APPLY_OVERTIME)
    now = now or utcnow()
    reason = (reason or "").strip()
    start_at, end_at, minutes = local_span(work_date, start, end)
    if not reason:
        raise DomainError(_l("Say what the overtime is for."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("Write at most %(count)s characters.", count=MAX_REASON), field="reason")
    if start_at <= now:
        raise DomainError(
            _l(
                "This work would start at %(time)s, which has passed: overtime is applied for before the work.",
                time=local_text(start_at),
            ),
            field="start",
        )
    clash = _overlapping(actor.user_id, start_at, end_at)
    if clash is not None:
        raise Conflict(
            _l(
                "You already applied for overtime from %(start)s to %(end)s that day.",
                start=local_text(clash.planned_start_at, "%H:%M"),
                end=local_text(clash.planned_end_at, "%H:%M") if clash.planned_minutes < 1440 else "24:00",
            ),
            field="start",
        )
    application = OvertimeApplication(
        property_id=property_id,
        user_id=actor.user_id,
        status=OvertimeStatus.APPLIED,
        work_date=work_date,
        planned_start_at=start_at,
        planned_end_at=end_at,
        planned_minutes=minutes,
        reason=reason,
        applied_at=now,
    )
    db.session.add(application)
    db.session.flush()
    record(
        actor,
        "overtime.apply",
        application,
        summary=f"{work_date.isoformat()} {local_text(start_at, '%H:%M')}+{minutes}min: {reason[:80]}",
    )
    return application


def _move(application, from_status, values):
    """Write `values` only if the application is still in `from_status` (one conditional UPDATE); InvalidTransition
    when someone else moved it first."""
    done = db.session.execute(
        update(OvertimeApplication)
        .where(OvertimeApplication.id == application.id, OvertimeApplication.status == from_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise InvalidTransition()
    db.session.refresh(application)


def approve(actor, application, *, now=None):
    """Approve the application before its work starts (afterwards it can only be refused or cancelled)."""
    now = now or utcnow()
    to = check(actor, "approve", application)
    if application.planned_start_at <= now:
        raise DomainError(
            _l(
                "This work was to start at %(time)s: overtime is approved before the work. Refuse it, or the "
                "applicant cancels it.",
                time=local_text(application.planned_start_at),
            )
        )
    _move(application, APPLIED, {"status": to, "decided_at": now, "decided_by_id": actor.user_id})
    record(actor, "overtime.approve", application, summary=f"{application.planned_minutes}min")
    return application


def refuse(actor, application, *, note, now=None):
    """Refuse the application, saying why (the applicant reads it)."""
    to = check(actor, "refuse", application)
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Say why the overtime is refused."), field="note")
    if len(note) > MAX_REASON:
        raise DomainError(_l("Write at most %(count)s characters.", count=MAX_REASON), field="note")
    _move(
        application,
        APPLIED,
        {"status": to, "decided_at": now or utcnow(), "decided_by_id": actor.user_id, "decision_note": note},
    )
    record(actor, "overtime.refuse", application, summary=note[:200])
    return application


def _worked_span(application, start, end, now):
    """(start, end, minutes) worked on the application's day; the work must be over by now."""
    start_at, end_at, minutes = local_span(application.work_date, start, end)
    if end_at > now:
        raise DomainError(
            _l("This work would end at %(time)s, later than now: record it after the work.", time=local_text(end_at)),
            field="end",
        )
    return start_at, end_at, minutes


def report(actor, application, *, start, end, now=None):
    """The applicant reports the from–to they worked, for the manager to confirm (it may be reported again until
    then)."""
    now = now or utcnow()
    check(actor, "report", application)
    start_at, end_at, _minutes = _worked_span(application, start, end, now)
    _move(application, APPROVED, {"reported_start_at": start_at, "reported_end_at": end_at, "reported_at": now})
    record(
        actor,
        "overtime.report",
        application,
        summary=f"{local_text(start_at, '%H:%M')}-{local_text(end_at, '%H:%M')}",
    )
    return application


def confirm(actor, application, *, start, end, now=None):
    """Confirm the from–to worked (what the applicant reported, or what the manager knows): payroll counts it."""
    now = now or utcnow()
    to = check(actor, "confirm", application)
    start_at, end_at, minutes = _worked_span(application, start, end, now)
    _move(
        application,
        APPROVED,
        {
            "status": to,
            "worked_start_at": start_at,
            "worked_end_at": end_at,
            "worked_minutes": minutes,
            "day_kind": calendar.day_kind(application.property_id, application.work_date),
            "confirmed_at": now,
            "confirmed_by_id": actor.user_id,
        },
    )
    record(
        actor,
        "overtime.confirm",
        application,
        summary=f"{local_text(start_at, '%H:%M')}-{local_text(end_at, '%H:%M')} {minutes}min",
    )
    return application


def cancel(actor, application, *, note="", now=None):
    """Cancel the application (the applicant while it waits or once approved, the manager once approved)."""
    from_status = application.status
    to = check(actor, "cancel", application)
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise DomainError(_l("Write at most %(count)s characters.", count=MAX_REASON), field="note")
    _move(application, from_status, {"status": to, "cancelled_at": now or utcnow(), "decision_note": note})
    record(actor, "overtime.cancel", application, summary=note[:200])
    return application


def applications_between(property_id, first, following, *, user_id=None):
    """The property's applications with work days from `first` to before `following` (one person's with
    `user_id`), with their applicants, the latest first (one statement)."""
    query = (
        select(OvertimeApplication)
        .where(
            OvertimeApplication.property_id == property_id,
            OvertimeApplication.work_date >= first,
            OvertimeApplication.work_date < following,
        )
        .options(joinedload(OvertimeApplication.user))
        .order_by(OvertimeApplication.planned_start_at.desc(), OvertimeApplication.id.desc())
    )
    if user_id is not None:
        query = query.where(OvertimeApplication.user_id == user_id)
    return db.session.scalars(query).all()


def awaiting_manager(property_id, *, now=None, limit=100):
    """What waits for the manager, whatever the month: applications to decide (the soonest work first) and approved
    work that is over, to confirm (two statements)."""
    now = now or utcnow()
    base = select(OvertimeApplication).where(OvertimeApplication.property_id == property_id)
    base = base.options(joinedload(OvertimeApplication.user))
    base = base.order_by(OvertimeApplication.planned_start_at).limit(limit)
    to_decide = db.session.scalars(base.where(OvertimeApplication.status == APPLIED)).all()
    to_confirm = db.session.scalars(
        base.where(OvertimeApplication.status == APPROVED, OvertimeApplication.planned_end_at <= now)
    ).all()
    return to_decide, to_confirm


def counted_minutes(application):
    """The minutes an application counts towards its month: confirmed ones what was worked, approved ones what is
    planned, others none."""
    if application.status == CONFIRMED:
        return application.worked_minutes or 0
    if application.status == APPROVED:
        return application.planned_minutes
    return 0
