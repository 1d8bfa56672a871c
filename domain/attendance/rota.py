"""The rota (排班): the property's shift templates, who works which shift on which day, the grace period, and the week
view per person with the hours planned, flagged over 40 a week (工作时间管理制度: 8 h a day, 40 h a week). Every change
is the manager's and audited; the caller commits."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from domain.accounts.models import AccountKind, StaffRole, User
from domain.accounts.roles import Permission, require
from domain.accounts.services import staff_member
from domain.attendance.models import AttendanceSettings, LeaveRequest, LeaveStatus, Shift, ShiftAssignment
from domain.audit.services import record
from domain.clock import local_date, local_window, today, utcnow
from domain.errors import DomainError, NotFound
from extensions import db

DEFAULT_GRACE = 5
GRACE_RANGE = (0, 60)
#: 工作时间管理制度: 40 hours a week; a person planned for more is flagged on the rota.
WEEK_LIMIT_MINUTES = 40 * 60
#: At most this many days are planned in one action (a month).
PLAN_DAYS = 31


def grace_minutes(property_id):
    """The property's grace period in minutes (DEFAULT_GRACE until the manager sets one)."""
    value = db.session.scalar(
        select(AttendanceSettings.grace_minutes).where(AttendanceSettings.property_id == property_id)
    )
    return DEFAULT_GRACE if value is None else value


def set_grace_minutes(actor, property_id, minutes):
    """Set the grace period: a whole number of minutes in GRACE_RANGE; DomainError(field="grace_minutes") else."""
    require(actor, Permission.PLAN_ROTA)
    try:
        value = int(str(minutes).strip())
    except ValueError:
        raise DomainError(_l("Type the grace period as a whole number of minutes."), field="grace_minutes") from None
    low, high = GRACE_RANGE
    if not low <= value <= high:
        raise DomainError(
            _l("The grace period is %(low)s to %(high)s minutes.", low=low, high=high), field="grace_minutes"
        )
    settings = db.session.scalar(select(AttendanceSettings).where(AttendanceSettings.property_id == property_id))
    if settings is None:
        settings = AttendanceSettings(property_id=property_id)
        db.session.add(settings)
    settings.grace_minutes, settings.updated_at = value, utcnow()
    db.session.flush()
    record(actor, "attendance.grace", settings, summary=f"{value} min")
    return settings


def parse_time(text, field_name):
    """ "08:00" as a time, or a DomainError on `field_name`."""
    try:
        return datetime.strptime((text or "").strip(), "%H:%M").time()
    except ValueError:
        raise DomainError(_l("Give the time as HH:MM, e.g. 08:00."), field=field_name) from None


def shift_minutes(shift):
    """How long the shift lasts in minutes (a night shift crossing midnight counts to the next morning)."""
    start, end = local_window(date(2026, 1, 5), shift.starts_at, shift.ends_at)
    return int((end - start).total_seconds() // 60)


def shifts(property_id, *, active_only=True):
    """The property's shift templates by start time."""
    query = select(Shift).where(Shift.property_id == property_id)
    if active_only:
        query = query.where(Shift.is_active.is_(True))
    return db.session.scalars(query.order_by(Shift.is_active.desc(), Shift.starts_at, Shift.id)).all()


def get_shift(shift_id, property_id):
    """One shift template of the property, or NotFound."""
    shift = db.session.get(Shift, shift_id)
    if shift is None or shift.property_id != property_id:
        raise NotFound()
    return shift


def create_shift(actor, *, property_id, name, starts_at, ends_at):
    """A new shift template: a name and its start and end as HH:MM (an end before the start crosses midnight)."""
    require(actor, Permission.PLAN_ROTA)
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Name the shift, e.g. 白班."), field="name")
    if len(name) > 40:
        raise DomainError(_l("Write at most %(count)s characters.", count=40), field="name")
    start, end = parse_time(starts_at, "starts_at"), parse_time(ends_at, "ends_at")
    if start == end:
        raise DomainError(_l("A shift must end at another time than it starts."), field="ends_at")
    taken = db.session.scalar(
        select(Shift.id).where(Shift.property_id == property_id, Shift.name == name, Shift.is_active.is_(True))
    )
    if taken is not None:
        raise DomainError(_l("There is already a shift of that name."), field="name")
    shift = Shift(property_id=property_id, name=name, starts_at=start, ends_at=end)
    db.session.add(shift)
    db.session.flush()
    record(actor, "rota.shift_create", shift, summary=f"{name} {start:%H:%M}-{end:%H:%M}")
    return shift


def retire_shift(actor, shift):
    """No longer offer a shift template; the days already planned with it stay."""
    require(actor, Permission.PLAN_ROTA)
    if not shift.is_active:
        raise DomainError(_l("This shift is no longer offered."))
    shift.is_active = False
    db.session.flush()
    record(actor, "rota.shift_retire", shift, summary=shift.name)


def staff_members():
    """Every active staff account with a role in the current property, by name: the people a rota plans (the join
    lets the property fence see their role)."""
    return db.session.scalars(
        select(User)
        .join(StaffRole, StaffRole.user_id == User.id)
        .where(User.kind == AccountKind.STAFF, User.is_active.is_(True))
        .order_by(User.display_name, User.id)
    ).all()


def _staff_member(user_id):
    """An active staff account, or a DomainError on the person field."""
    user = staff_member(user_id) if user_id else None
    if user is None or not user.is_active:
        raise DomainError(_l("Choose a staff member from the list."), field="user_id")
    return user


def plan_shift(actor, *, property_id, user_id, shift_id, first_day, last_day=None):
    """Plan `user_id` on the shift every day from `first_day` to `last_day` (that day alone when None; at most
    PLAN_DAYS days). A day already planned for the person takes the new shift. Returns how many days were planned."""
    require(actor, Permission.PLAN_ROTA)
    user = _staff_member(user_id)
    shift = db.session.get(Shift, shift_id) if shift_id else None
    if shift is None or shift.property_id != property_id or not shift.is_active:
        raise DomainError(_l("Choose a shift from the list."), field="shift_id")
    if not isinstance(first_day, date):
        raise DomainError(_l("Give the first day."), field="first_day")
    last_day = last_day or first_day
    if last_day < first_day:
        raise DomainError(_l("The last day cannot be before the first."), field="last_day")
    if (last_day - first_day).days >= PLAN_DAYS:
        raise DomainError(_l("Plan at most %(count)s days at once.", count=PLAN_DAYS), field="last_day")
    if first_day < today():
        raise DomainError(_l("Past days cannot be planned any more."), field="first_day")
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    db.session.execute(delete(ShiftAssignment).where(ShiftAssignment.user_id == user.id, ShiftAssignment.day.in_(days)))
    db.session.add_all(
        ShiftAssignment(
            property_id=property_id, user_id=user.id, shift_id=shift.id, day=day, planned_by_id=actor.user_id
        )
        for day in days
    )
    db.session.flush()
    record(
        actor,
        "rota.plan",
        object_type="user",
        object_id=user.id,
        summary=f"{user.display_name}: {shift.name} {first_day.isoformat()}..{last_day.isoformat()}",
    )
    return len(days)


def get_assignment(assignment_id, property_id):
    """One planned day of the property, or NotFound."""
    assignment = db.session.get(ShiftAssignment, assignment_id)
    if assignment is None or assignment.property_id != property_id:
        raise NotFound()
    return assignment


def remove_assignment(actor, assignment):
    """Take a planned day off the rota (not a day already begun)."""
    require(actor, Permission.PLAN_ROTA)
    start, _end = local_window(assignment.day, assignment.shift.starts_at, assignment.shift.ends_at)
    if start <= utcnow():
        raise DomainError(_l("A shift that has begun stays on the rota."))
    db.session.delete(assignment)
    db.session.flush()
    record(
        actor,
        "rota.remove",
        object_type="user",
        object_id=assignment.user_id,
        summary=f"{assignment.shift.name} {assignment.day.isoformat()}",
    )


def monday_of(day):
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def copy_previous_week(actor, property_id, monday):
    """Plan the week starting `monday` like the week before: each day of last week's rota is copied seven days on,
    for the people not planned that day yet and shifts still offered; days already begun are left alone. Returns how
    many days were copied."""
    require(actor, Permission.PLAN_ROTA)
    monday = monday_of(monday)
    source = db.session.scalars(
        select(ShiftAssignment).where(
            ShiftAssignment.property_id == property_id,
            ShiftAssignment.day >= monday - timedelta(days=7),
            ShiftAssignment.day < monday,
        )
    ).all()
    taken = set(
        db.session.execute(
            select(ShiftAssignment.user_id, ShiftAssignment.day).where(
                ShiftAssignment.property_id == property_id,
                ShiftAssignment.day >= monday,
                ShiftAssignment.day < monday + timedelta(days=7),
            )
        ).all()
    )
    copied = 0
    for old in source:
        day = old.day + timedelta(days=7)
        if (old.user_id, day) in taken or not old.shift.is_active or day < today():
            continue
        db.session.add(
            ShiftAssignment(
                property_id=property_id,
                user_id=old.user_id,
                shift_id=old.shift_id,
                day=day,
                planned_by_id=actor.user_id,
            )
        )
        copied += 1
    if not copied:
        raise DomainError(_l("Nothing to copy: last week's days are planned here already, or it had none."))
    db.session.flush()
    record(actor, "rota.copy_week", object_type="property", object_id=property_id, summary=f"{monday} +{copied}")
    return copied


def approved_leave_days(property_id, first, last, user_ids=None):
    """{(user id, day)} of the approved leave between `first` and `last` (one statement)."""
    query = select(LeaveRequest.user_id, LeaveRequest.first_day, LeaveRequest.last_day).where(
        LeaveRequest.property_id == property_id,
        LeaveRequest.status == LeaveStatus.APPROVED,
        LeaveRequest.first_day <= last,
        LeaveRequest.last_day >= first,
    )
    if user_ids is not None:
        query = query.where(LeaveRequest.user_id.in_(list(user_ids)))
    days = set()
    for user_id, start, end in db.session.execute(query):
        day = max(start, first)
        while day <= min(end, last):
            days.add((user_id, day))
            day += timedelta(days=1)
    return days


@dataclass
class PersonWeek:
    """One person's line of the week view: their shift each day, their leave days, the minutes planned to work."""

    user: User
    cells: dict = field(default_factory=dict)
    leave: set = field(default_factory=set)
    minutes: int = 0

    @property
    def over_limit(self):
        """Planned over 40 hours this week."""
        return self.minutes > WEEK_LIMIT_MINUTES


def week_rota(property_id, monday, user_ids=None):
    """The ISO week from `monday`: (the seven days, [PersonWeek] by name). Every active staff member has a line
    (or only `user_ids`); the minutes count the planned shifts except those on approved leave. Three statements."""
    monday = monday_of(monday)
    days = [monday + timedelta(days=n) for n in range(7)]
    query = select(ShiftAssignment).where(
        ShiftAssignment.property_id == property_id, ShiftAssignment.day >= days[0], ShiftAssignment.day <= days[-1]
    )
    if user_ids is not None:
        query = query.where(ShiftAssignment.user_id.in_(list(user_ids)))
    assignments = db.session.scalars(query.order_by(ShiftAssignment.day)).all()
    people = staff_members() if user_ids is None else [db.session.get(User, user_id) for user_id in user_ids]
    lines = {user.id: PersonWeek(user) for user in people}
    leave = approved_leave_days(property_id, days[0], days[-1], user_ids)
    for user_id, day in leave:
        if user_id in lines:
            lines[user_id].leave.add(day)
    for assignment in assignments:
        line = lines.get(assignment.user_id)
        if line is None:
            continue
        line.cells[assignment.day] = assignment
        if assignment.day not in line.leave:
            line.minutes += shift_minutes(assignment.shift)
    return days, list(lines.values())


#: A handover written this long after a shift's end (or before its start) still closes that shift.
HANDOVER_MARGIN = timedelta(hours=2)


def shift_at(user_id, moment):
    """The person's planned shift (ShiftAssignment) that `moment` falls in, give or take HANDOVER_MARGIN, of that local
    day or the day before (a night shift), the one ending nearest `moment`; None when they have none."""
    day = local_date(moment)
    candidates = db.session.scalars(
        select(ShiftAssignment).where(
            ShiftAssignment.user_id == user_id, ShiftAssignment.day.in_([day - timedelta(days=1), day])
        )
    ).all()
    found = []
    for assignment in candidates:
        start, end = local_window(assignment.day, assignment.shift.starts_at, assignment.shift.ends_at)
        if start - HANDOVER_MARGIN <= moment <= end + HANDOVER_MARGIN:
            found.append((abs(end - moment), assignment.id, assignment))
    return min(found)[2] if found else None
