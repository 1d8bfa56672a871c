"""What the facilities pages show: the checks due today for the reader's role, the overdue ones and the register
with each facility's next due day (one schedule for all three), and one facility with its history."""

from domain.accounts.roles import Role
from domain.clock import today
from domain.facilities import checks, register, schedule
from domain.facilities.workflow import facility_actions
from domain.files.photos import photos_of
from domain.property import buildings

#: Facilities per page of the register (the due-today and overdue lists above it are never paged).
REGISTER_PAGE = 50


def _mine(actor, facility):
    """Whether the facility's check is in `actor`'s list (the manager's list has them all)."""
    return actor.role is not None and Role(actor.role) in (Role.MANAGER, facility.checker_role)


def list_context(actor, property_id, *, kind="", building_id=None, page=1):
    """The list page: due today for `actor`, overdue (everyone's, the most overdue first), and page `page` of the
    filtered register (REGISTER_PAGE rows)."""
    day = today()
    # One load and one schedule serve the due lists and the register (two statements however many facilities); only
    # the register's rendering is paged, which is where a large property's time went.
    rows = schedule.schedule(register.register(property_id), day)
    active = [row for row in rows if row.facility.is_active]
    shown = [
        row
        for row in rows
        if (not kind or row.facility.kind.value == kind)
        and (not building_id or row.facility.building_id == building_id)
    ]
    start = (page - 1) * REGISTER_PAGE
    due_today = [row for row in active if row.due_on == day and _mine(actor, row.facility)]
    overdue = sorted((row for row in active if row.due_on < day), key=lambda row: row.due_on)
    return {
        "day": day,
        "due_today": due_today,
        "overdue": overdue,
        "rows": shown[start : start + REGISTER_PAGE],
        "page": page,
        "has_next": len(shown) > start + REGISTER_PAGE,
        "can_check": {
            row.facility.id for row in (*due_today, *overdue) if "record_check" in facility_actions(actor, row.facility)
        },
        "kinds": register.KIND_LABELS,
        "buildings": buildings.list_buildings(),
        "kind": kind,
        "building_id": building_id,
    }


def history_context(facility, after=None):
    """A page of the facility's checks with their photos, and where the next page starts."""
    page, next_after = checks.history(facility.id, after)
    return {
        "checks": page,
        "next_after": next_after,
        "photos": photos_of(checks.PHOTO_SUBJECT, [check.id for check in page]),
    }


def facility_context(actor, facility, after=None):
    """One facility: its details, next due day, the actions open to `actor` and a page of its history."""
    [row] = schedule.schedule([facility], today())
    return {
        "facility": facility,
        "row": row,
        "actions": facility_actions(actor, facility),
        "kinds": register.KIND_LABELS,
        **history_context(facility, after),
    }
