"""The service catalogue (有偿/无偿服务项目, SOP 6) and the service levels per kind and priority, kept by the manager.

Service levels are minutes from a ticket's creation (the callback: from done). A ticket's due times are
fixed when it is created, so a change applies to new tickets only.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.errors import Conflict, DomainError, NotFound
from domain.money import fen_to_decimal
from domain.tickets.models import Department, Priority, ServiceItem, ServiceLevel, TicketKind
from extensions import db

#: The clocks of a service level, in the order they run.
CLOCKS = ("dispatch", "response", "resolve", "callback")
#: No clock may be longer than a year: a longer one is a typing mistake.
MAX_MINUTES = 366 * 24 * 60
NAME_MAX = 80


# The catalogue -----------------------------------------------------------------------------------


def list_service_items(property_id, *, active_only=False):
    """The property's catalogue, active items first, then by name."""
    query = select(ServiceItem).where(ServiceItem.property_id == property_id)
    if active_only:
        query = query.where(ServiceItem.is_active.is_(True))
    return db.session.scalars(query.order_by(ServiceItem.is_active.desc(), ServiceItem.name, ServiceItem.id)).all()


def get_service_item(item_id, property_id=None):
    """One catalogue item, or NotFound (also for another property's)."""
    item = db.session.get(ServiceItem, item_id)
    if item is None or (property_id is not None and item.property_id != property_id):
        raise NotFound()
    return item


def _clean_item(property_id, name, description, price_fen, department, *, item_id=None):
    """Check and normalise an item's values; raise DomainError on the field at fault."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the service a name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("At most %(max)s characters.", max=NAME_MAX), field="name")
    if isinstance(price_fen, bool) or not isinstance(price_fen, int) or price_fen < 0:
        raise DomainError(_l("The price cannot be negative (0 is a free service)."), field="price")
    try:
        department = Department(department)
    except ValueError:
        raise DomainError(_l("Choose the department that does the work."), field="department") from None
    same_name = select(ServiceItem.id).where(
        ServiceItem.property_id == property_id, func.lower(ServiceItem.name) == name.lower()
    )
    if item_id is not None:
        same_name = same_name.where(ServiceItem.id != item_id)
    if db.session.scalar(same_name.limit(1)) is not None:
        raise Conflict(_l("The catalogue already has a service called %(name)s.", name=name))
    return {"name": name, "description": (description or "").strip(), "price_fen": price_fen, "department": department}


def create_service_item(actor, *, property_id, name, description="", price_fen=0, department, is_active=True):
    """Add a service to the catalogue (0 fen = free); names are unique per property, whatever the case."""
    require(actor, Permission.MANAGE_SERVICE)
    values = _clean_item(property_id, name, description, price_fen, department)
    item = ServiceItem(property_id=property_id, is_active=bool(is_active), **values)
    db.session.add(item)
    db.session.flush()
    record(
        actor,
        "service_item.create",
        item,
        summary=f"{item.name} ¥{fen_to_decimal(item.price_fen)} {item.department.value}",
    )
    return item


def update_service_item(actor, item, *, name, description="", price_fen, department, is_active):
    """Change a catalogue item; tickets already opened for it keep their department, done ones their bill."""
    require(actor, Permission.MANAGE_SERVICE)
    values = _clean_item(item.property_id, name, description, price_fen, department, item_id=item.id)
    changes = diff(item, {**values, "is_active": bool(is_active)})
    if changes:
        db.session.flush()
        record(actor, "service_item.update", item, summary=item.name, changes=changes)
    return item


# Service levels ----------------------------------------------------------------------------------

#: Service levels in minutes when the console has not set them: (dispatch, first response, done, callback).
#: Repairs: forwarded to engineering within 3 minutes (the source), emergency on site in 45 minutes and
#: fixed within 12-24 hours; complaints answered within 24 hours and resolved within 7 days (48 hours
#: when urgent); inquiries answered within 4 hours and fully within 48; callbacks within 2 days.
DEFAULT_LEVELS = {
    (TicketKind.REPAIR, Priority.NORMAL): (3, 30, 24 * 60, 48 * 60),
    (TicketKind.REPAIR, Priority.URGENT): (3, 15, 12 * 60, 24 * 60),
    (TicketKind.COMPLAINT, Priority.NORMAL): (30, 24 * 60, 7 * 24 * 60, 48 * 60),
    (TicketKind.COMPLAINT, Priority.URGENT): (10, 2 * 60, 48 * 60, 24 * 60),
    (TicketKind.HELP, Priority.NORMAL): (5, 15, 4 * 60, 48 * 60),
    (TicketKind.HELP, Priority.URGENT): (3, 5, 60, 24 * 60),
    (TicketKind.INQUIRY, Priority.NORMAL): (30, 4 * 60, 48 * 60, 48 * 60),
    (TicketKind.INQUIRY, Priority.URGENT): (10, 60, 24 * 60, 48 * 60),
    (TicketKind.SERVICE, Priority.NORMAL): (30, 4 * 60, 3 * 24 * 60, 48 * 60),
    (TicketKind.SERVICE, Priority.URGENT): (10, 60, 24 * 60, 48 * 60),
    # Suggestions and praise: the manager reads them within a day and answers within a week.
    (TicketKind.SUGGESTION, Priority.NORMAL): (30, 24 * 60, 7 * 24 * 60, 48 * 60),
    (TicketKind.SUGGESTION, Priority.URGENT): (10, 4 * 60, 3 * 24 * 60, 24 * 60),
    (TicketKind.PRAISE, Priority.NORMAL): (30, 24 * 60, 7 * 24 * 60, 48 * 60),
    (TicketKind.PRAISE, Priority.URGENT): (10, 4 * 60, 3 * 24 * 60, 24 * 60),
}


def service_level(property_id, kind, priority):
    """(dispatch, response, resolve, callback) minutes for a kind and priority: the console's, or the defaults."""
    row = db.session.scalar(
        select(ServiceLevel).where(
            ServiceLevel.property_id == property_id, ServiceLevel.kind == kind, ServiceLevel.priority == priority
        )
    )
    if row is not None:
        return row.dispatch_minutes, row.response_minutes, row.resolve_minutes, row.callback_minutes
    return DEFAULT_LEVELS[(kind, priority)]


@dataclass(frozen=True)
class LevelRow:
    """The service level of one kind and priority, in minutes; `configured` is False for the defaults."""

    kind: TicketKind
    priority: Priority
    dispatch: int
    response: int
    resolve: int
    callback: int
    configured: bool

    def minutes(self):
        """{clock: minutes}."""
        return {clock: getattr(self, clock) for clock in CLOCKS}


def list_service_levels(property_id):
    """Every kind x priority (in DEFAULT_LEVELS' order).

    Each with the console's minutes, or the defaults where none are set.
    """
    configured = {
        (row.kind, row.priority): row
        for row in db.session.scalars(select(ServiceLevel).where(ServiceLevel.property_id == property_id))
    }
    rows = []
    for (kind, priority), default in DEFAULT_LEVELS.items():
        row = configured.get((kind, priority))
        values = (
            (row.dispatch_minutes, row.response_minutes, row.resolve_minutes, row.callback_minutes)
            if row is not None
            else default
        )
        rows.append(LevelRow(kind, priority, *values, configured=row is not None))
    return rows


def _check_minutes(values):
    """Whole minutes, more than zero, at most a year; dispatch <= first response <= done."""
    for clock in CLOCKS:
        value = values[clock]
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(_l("Write a whole number of minutes."), field=clock)
        if value <= 0:
            raise DomainError(_l("Must be at least 1 minute."), field=clock)
        if value > MAX_MINUTES:
            raise DomainError(_l("At most %(days)s days.", days=MAX_MINUTES // (24 * 60)), field=clock)
    if values["response"] < values["dispatch"]:
        raise DomainError(_l("The first response cannot be due before the ticket is forwarded."), field="response")
    if values["resolve"] < values["response"]:
        raise DomainError(_l("The work cannot be due to be done before the first response."), field="resolve")


def set_service_level(actor, property_id, kind, priority, dispatch, response, resolve, callback):
    """Set the minutes of one kind and priority (tickets opened from now on use them); returns the ServiceLevel."""
    require(actor, Permission.MANAGE_SERVICE)
    try:
        kind, priority = TicketKind(kind), Priority(priority)
    except ValueError:
        raise DomainError(_l("Choose a kind of ticket and a priority.")) from None
    values = {"dispatch": dispatch, "response": response, "resolve": resolve, "callback": callback}
    _check_minutes(values)
    level = db.session.scalar(
        select(ServiceLevel).where(
            ServiceLevel.property_id == property_id, ServiceLevel.kind == kind, ServiceLevel.priority == priority
        )
    )
    new = {f"{clock}_minutes": value for clock, value in values.items()}
    created = level is None
    if created:
        old = dict(zip(new, DEFAULT_LEVELS[(kind, priority)]))
        level = ServiceLevel(property_id=property_id, kind=kind, priority=priority, **new)
        db.session.add(level)
        changes = {name: [old[name], value] for name, value in new.items() if old[name] != value}
    else:
        changes = diff(level, new)
    db.session.flush()
    if created or changes:  # saving the defaults unchanged still fixes them for this property: worth a line
        record(actor, "service_level.set", level, summary=f"{kind.value} {priority.value}", changes=changes or None)
    return level
