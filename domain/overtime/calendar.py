"""The holiday calendar that rates overtime (《劳动法》第四十四条): 150 % on a working day, 200 % on a rest day,
300 % on a statutory public holiday. Only the statutory days themselves (法定节假日, 13 a year since 2025:
元旦 1, 春节 4 (除夕 and 初一 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3) rate 300 %; the other days of a
long break are rest days, and a make-up working day (调休上班) is a working day.

The calendar is the manager's data: the State Council publishes each year's notice (国务院办公厅关于节假日安排的通知)
in the autumn before, and the manager enters its statutory days, the rest days of its breaks that fall on weekdays and
its make-up working days. PUBLISHED holds what was known when this was written (2026 in full, 2027's statutory days
only); the migration and the demo enter it, and the calendar page offers it where days are missing."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.errors import Conflict, DomainError, NotFound
from domain.overtime.models import CalendarDay, DayKind
from extensions import db

H, R, W = DayKind.HOLIDAY, DayKind.REST, DayKind.WORKING

#: (day, kind, name): the State Council's 2026 notice in full, checked against its breaks 元旦 1.1-1.3, 春节
#: 2.15-2.23, 清明 4.4-4.6, 劳动节 5.1-5.5, 端午 6.19-6.21, 中秋 9.25-9.27, 国庆 10.1-10.7: the statutory days, the
#: weekdays of a break that are rest days (2.16 is 除夕, a statutory day; 4.6 is the Monday of 清明), and the make-up
#: working days. 2027: the statutory days only, from the lunar calendar (春节 2.6, so 除夕 2.5); its breaks and make-up
#: days come with the notice.
PUBLISHED = (
    (date(2026, 1, 1), H, "元旦"),
    (date(2026, 1, 2), R, "元旦"),
    (date(2026, 1, 4), W, "元旦调休"),
    (date(2026, 2, 14), W, "春节调休"),
    (date(2026, 2, 16), H, "春节（除夕）"),
    (date(2026, 2, 17), H, "春节"),
    (date(2026, 2, 18), H, "春节"),
    (date(2026, 2, 19), H, "春节"),
    (date(2026, 2, 20), R, "春节"),
    (date(2026, 2, 23), R, "春节"),
    (date(2026, 2, 28), W, "春节调休"),
    (date(2026, 4, 5), H, "清明节"),
    (date(2026, 4, 6), R, "清明节"),
    (date(2026, 5, 1), H, "劳动节"),
    (date(2026, 5, 2), H, "劳动节"),
    (date(2026, 5, 4), R, "劳动节"),
    (date(2026, 5, 5), R, "劳动节"),
    (date(2026, 5, 9), W, "劳动节调休"),
    (date(2026, 6, 19), H, "端午节"),
    (date(2026, 9, 20), W, "国庆节调休"),
    (date(2026, 9, 25), H, "中秋节"),
    (date(2026, 10, 1), H, "国庆节"),
    (date(2026, 10, 2), H, "国庆节"),
    (date(2026, 10, 3), H, "国庆节"),
    (date(2026, 10, 5), R, "国庆节"),
    (date(2026, 10, 6), R, "国庆节"),
    (date(2026, 10, 7), R, "国庆节"),
    (date(2026, 10, 10), W, "国庆节调休"),
    (date(2027, 1, 1), H, "元旦"),
    (date(2027, 2, 5), H, "春节（除夕）"),
    (date(2027, 2, 6), H, "春节"),
    (date(2027, 2, 7), H, "春节"),
    (date(2027, 2, 8), H, "春节"),
    (date(2027, 4, 5), H, "清明节"),
    (date(2027, 5, 1), H, "劳动节"),
    (date(2027, 5, 2), H, "劳动节"),
    (date(2027, 6, 9), H, "端午节"),
    (date(2027, 9, 15), H, "中秋节"),
    (date(2027, 10, 1), H, "国庆节"),
    (date(2027, 10, 2), H, "国庆节"),
    (date(2027, 10, 3), H, "国庆节"),
)
#: The years PUBLISHED covers.
PUBLISHED_YEARS = (2026, 2027)

#: The overtime rate of each kind of day, in per cent.
MULTIPLIER = {DayKind.WORKING: 150, DayKind.REST: 200, DayKind.HOLIDAY: 300}
#: How a day rates, in the user's language (the calendar's own entries are named by ENTRY_LABELS).
DAY_LABELS = {
    DayKind.WORKING: _l("Working day"),
    DayKind.REST: _l("Rest day"),
    DayKind.HOLIDAY: _l("Statutory holiday"),
}
ENTRY_LABELS = {
    DayKind.HOLIDAY: _l("Statutory holiday (300 %)"),
    DayKind.REST: _l("Rest day of a break (200 %)"),
    DayKind.WORKING: _l("Make-up working day (150 %)"),
}
#: The same in Chinese for the printed sheet.
DAY_NAMES_ZH = {DayKind.WORKING: "工作日", DayKind.REST: "休息日", DayKind.HOLIDAY: "法定节假日"}


def ordinary_kind(day):
    """How `day` rates in an ordinary week: Monday to Friday working, Saturday and Sunday rest."""
    return DayKind.REST if day.weekday() >= 5 else DayKind.WORKING


def entries_between(property_id, first, last):
    """{day: CalendarDay} of the property's calendar from `first` to `last` inclusive (one statement)."""
    rows = db.session.scalars(
        select(CalendarDay).where(
            CalendarDay.property_id == property_id, CalendarDay.day >= first, CalendarDay.day <= last
        )
    )
    return {row.day: row for row in rows}


def kind_of(day, entries):
    """How `day` rates, given the calendar's `entries` ({day: CalendarDay}) around it."""
    entry = entries.get(day)
    return entry.kind if entry is not None else ordinary_kind(day)


def day_kind(property_id, day):
    """How `day` rates at the property."""
    return kind_of(day, entries_between(property_id, day, day))


def year_entries(property_id, year):
    """The property's calendar days of `year`, in order."""
    return sorted(entries_between(property_id, date(year, 1, 1), date(year, 12, 31)).values(), key=lambda e: e.day)


def missing_published(property_id):
    """The PUBLISHED days the property's calendar has no entry for (one statement)."""
    have = set(entries_between(property_id, PUBLISHED[0][0], PUBLISHED[-1][0]))
    return [row for row in PUBLISHED if row[0] not in have]


def add_day(actor, property_id, *, day, kind, name):
    """Enter a day of the State Council's notice: a statutory holiday, a rest day of a break on a weekday, or a
    make-up working day on a weekend, with the holiday's name. A day already entered is a Conflict (remove it first);
    an entry that would change nothing (a rest day on a weekend, a working day on a weekday) is refused."""
    require(actor, Permission.MANAGE_OVERTIME)
    name = (name or "").strip()
    if day is None:
        raise DomainError(_l("Enter the date."), field="day")
    try:
        kind = DayKind(kind)
    except ValueError:
        raise DomainError(_l("Choose what kind of day it is."), field="kind") from None
    if not name:
        raise DomainError(_l("Write the holiday's name, e.g. 国庆节."), field="name")
    if len(name) > 40:
        raise DomainError(_l("Write at most %(count)s characters.", count=40), field="name")
    if kind == DayKind.REST and day.weekday() >= 5:
        raise DomainError(_l("That day is a Saturday or Sunday: it is a rest day already."), field="kind")
    if kind == DayKind.WORKING and day.weekday() < 5:
        raise DomainError(
            _l("That day is a weekday: it is a working day already. A make-up working day falls on a weekend."),
            field="kind",
        )
    existing = entries_between(property_id, day, day).get(day)
    if existing is not None:
        raise Conflict(
            _l(
                "%(day)s is already in the calendar (%(name)s): remove it first to change it.",
                day=day.isoformat(),
                name=existing.name,
            )
        )
    entry = CalendarDay(property_id=property_id, day=day, kind=kind, name=name, created_by_id=actor.user_id)
    db.session.add(entry)
    db.session.flush()
    record(actor, "overtime_calendar.add", entry, summary=f"{day.isoformat()} {kind.value} {name}")
    return entry


def remove_day(actor, property_id, entry_id):
    """Take a day out of the calendar: it rates as an ordinary day of its week again."""
    require(actor, Permission.MANAGE_OVERTIME)
    entry = db.session.get(CalendarDay, entry_id)
    if entry is None or entry.property_id != property_id:
        raise NotFound()
    record(actor, "overtime_calendar.remove", entry, summary=f"{entry.day.isoformat()} {entry.kind.value} {entry.name}")
    db.session.delete(entry)
    db.session.flush()
    return entry


def load_published_days(actor, property_id):
    """Enter the PUBLISHED days the calendar lacks (a day the manager entered otherwise stays as it is); returns how
    many were entered. Idempotent."""
    require(actor, Permission.MANAGE_OVERTIME)
    missing = missing_published(property_id)
    for day, kind, name in missing:
        db.session.add(CalendarDay(property_id=property_id, day=day, kind=kind, name=name, created_by_id=actor.user_id))
    db.session.flush()
    if missing:
        record(
            actor,
            "overtime_calendar.load_published",
            object_type="overtime_calendar_days",
            object_id=property_id,
            summary=f"{len(missing)} days of {', '.join(str(y) for y in PUBLISHED_YEARS)}",
        )
    return len(missing)
