"""What the queues, the resident's list and the manager's board show: column selects paged by key,
a fixed number of statements whatever the number of tickets."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, case, func, or_, select, union_all
from sqlalchemy.orm import contains_eager, selectinload

from domain import exports
from domain.accounts.models import User
from domain.clock import utcnow
from domain.errors import NotFound
from domain.property.models import Building, Resident, Unit
from domain.property.units import UNIT_LABEL
from domain.queries import read, read_rows
from domain.tickets.models import Callback, CallbackStatus, Department, Priority, Severity, Status, Ticket, TicketKind
from domain.tickets.workflow import HELD, OPEN, QUEUED, can_see
from extensions import db


@dataclass(frozen=True)
class Clock:
    """One service-level clock of a ticket: when it is due, when it was met (or None), and whether it is late."""

    due: datetime
    met: datetime | None
    late: bool

    @property
    def running(self):
        """Still ticking (not met yet)."""
        return self.met is None


def clocks(ticket, now=None):
    """The dispatch, first-response and completion clocks of a ticket (a row or a Ticket), computed from timestamps."""
    now = now or utcnow()
    # A waiting ticket's clocks stand still; a finished or cancelled one's unmet clocks have stopped.
    stopped = ticket.waiting_since is not None or ticket.status not in OPEN

    def clock(due, met):
        return Clock(due, met, (met or now) > due if not (stopped and met is None) else False)

    return {
        "dispatch": clock(ticket.dispatch_due_at, ticket.dispatched_at),
        "response": clock(ticket.response_due_at, ticket.claimed_at),
        "resolve": clock(ticket.resolve_due_at, ticket.done_at),
    }


_STOPPED = frozenset(Status) - OPEN


def late_clocks(ticket, now):
    """The keys of the clocks a queue row is late on: clocks() reduced to what the queue shows, without
    building them. A finished or cancelled ticket's unmet clocks have stopped, not run late; a met clock
    is late if it was met after its deadline."""
    running = ticket.waiting_since is None and ticket.status not in _STOPPED and ticket.status in OPEN
    late = []
    if (
        (ticket.dispatched_at > ticket.dispatch_due_at)
        if ticket.dispatched_at is not None
        else (running and now > ticket.dispatch_due_at)
    ):
        late.append("dispatch")
    if (
        (ticket.claimed_at > ticket.response_due_at)
        if ticket.claimed_at is not None
        else (running and now > ticket.response_due_at)
    ):
        late.append("response")
    if (
        (ticket.done_at > ticket.resolve_due_at)
        if ticket.done_at is not None
        else (running and now > ticket.resolve_due_at)
    ):
        late.append("resolve")
    return late


_QUEUE_COLUMNS = (
    Ticket.id,
    Ticket.kind,
    Ticket.channel,
    Ticket.category,
    Ticket.description,
    Ticket.status,
    Ticket.priority,
    Ticket.severity,
    Ticket.department,
    Ticket.assignee_id,
    Ticket.created_at,
    Ticket.dispatch_due_at,
    Ticket.response_due_at,
    Ticket.resolve_due_at,
    Ticket.dispatched_at,
    Ticket.claimed_at,
    Ticket.done_at,
    Ticket.waiting_since,
    Ticket.scheduled_for,
    Ticket.location,
    Ticket.contact_name,
    Ticket.escalated_at,
    Ticket.late_notice_at,
    Ticket.urgent_reason,
    UNIT_LABEL,
)


#: What a queue page shows and computes its clocks from (the description cut to what the row shows).
_PAGE_COLUMNS = (
    Ticket.id,
    Ticket.kind,
    Ticket.category,
    func.substr(Ticket.description, 1, 64).label("description"),
    Ticket.status,
    Ticket.priority,
    Ticket.department,
    Ticket.assignee_id,
    Ticket.created_at,
    Ticket.dispatch_due_at,
    Ticket.response_due_at,
    Ticket.resolve_due_at,
    Ticket.dispatched_at,
    Ticket.claimed_at,
    Ticket.done_at,
    Ticket.waiting_since,
    Ticket.location,
    Ticket.escalated_at,
    Ticket.urgent_reason,
    UNIT_LABEL,
)


@cache  # bounded by the shapes of filters: 2 x 2 x 2 x 2 x 2 x 2 x 2 x 2 x (0 to 8 statuses) = 2304
def _queue_statement(
    by_department,
    status_count,
    by_assignee,
    by_kind,
    paged,
    by_about=False,
    by_done=False,
    by_created=False,
    by_unit=False,
    urgent_only=False,
):
    """The queue statement of one shape of filters, with bind parameters (built and compiled once).

    A queue asks for several statuses at once, newest first. One `status IN (...)` range cannot be read in id
    order, so the database would fetch and sort every open ticket of the queue to keep 50. Instead, each status
    is its own range of the (property, department, status, id) index, read backwards for at most a page of ids;
    the page is the newest of those few ids, and only its rows are fetched. The cost stays that of a page,
    whatever the number of tickets.
    """

    def narrowed(query):
        query = query.where(Ticket.property_id == bindparam("property_id"))
        if by_department:
            query = query.where(Ticket.department == bindparam("department"))
        if by_assignee:
            query = query.where(Ticket.assignee_id == bindparam("assignee_id"))
        if by_kind:
            query = query.where(Ticket.kind == bindparam("kind"))
        if by_unit:
            query = query.where(Ticket.unit_id == bindparam("unit_id"))
        if urgent_only:
            query = query.where(Ticket.priority == Priority.URGENT)
        if by_about:
            query = query.where(Ticket.about_staff_id == bindparam("about_staff_id"))
        if by_done:
            query = query.where(Ticket.done_at >= bindparam("done_from"), Ticket.done_at < bindparam("done_until"))
        if by_created:
            query = query.where(
                Ticket.created_at >= bindparam("created_from"), Ticket.created_at < bindparam("created_until")
            )
        if paged:
            query = query.where(Ticket.id < bindparam("after"))
        return query.order_by(Ticket.id.desc()).limit(bindparam("limit"))

    query = (
        select(*_PAGE_COLUMNS)
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
    )
    if not status_count:
        return narrowed(query)
    ranges = [
        select(narrowed(select(Ticket.id).where(Ticket.status == bindparam(f"status_{n}"))).subquery().c.id)
        for n in range(status_count)
    ]
    newest = union_all(*ranges).subquery()
    page = select(newest.c.id).order_by(newest.c.id.desc()).limit(bindparam("limit"))
    return query.where(Ticket.id.in_(page)).order_by(Ticket.id.desc())


def queue(
    property_id,
    *,
    department=None,
    statuses=None,
    assignee_id=None,
    kind=None,
    urgent_only=False,
    about_staff_id=None,
    done_between=None,
    created_between=None,
    unit_id=None,
    after=None,
    limit=50,
):
    """One page of a queue, newest first, paged by key (`after` = the last id of the previous page). Besides the
    queue's own filters (`urgent_only`: the urgent ones, marked so by the resident or the desk): the complaints naming
    `about_staff_id`, and the tickets finished (`done_between`) or recorded (`created_between`) within [start, end)
    of aware UTC times: what a scorecard's figure counts; `unit_id`: one unit's tickets (the unit page's link).

    Returns (rows, next_after): one statement whatever the number of tickets.
    """
    statement, params = _queue_query(
        property_id,
        department=department,
        statuses=statuses,
        assignee_id=assignee_id,
        kind=kind,
        urgent_only=urgent_only,
        about_staff_id=about_staff_id,
        done_between=done_between,
        created_between=created_between,
        unit_id=unit_id,
        after=after,
        limit=limit + 1,
    )
    rows = read_rows(statement, params)
    next_after = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_after


def _queue_query(
    property_id,
    *,
    department=None,
    statuses=None,
    assignee_id=None,
    kind=None,
    urgent_only=False,
    about_staff_id=None,
    done_between=None,
    created_between=None,
    unit_id=None,
    after=None,
    limit,
):
    """(statement, bind parameters) of a queue under its filters: one home for the page and its export."""
    statuses = sorted({Status(s) for s in statuses or ()})
    statement = _queue_statement(
        department is not None,
        len(statuses),
        assignee_id is not None,
        kind is not None,
        bool(after),
        about_staff_id is not None,
        done_between is not None,
        created_between is not None,
        unit_id is not None,
        bool(urgent_only),
    )
    done_from, done_until = done_between or (None, None)
    created_from, created_until = created_between or (None, None)
    params = {
        "property_id": property_id,
        "limit": limit,
        "after": after,
        "assignee_id": assignee_id,
        "department": Department(department) if department is not None else None,
        "kind": TicketKind(kind) if kind is not None else None,
        "about_staff_id": about_staff_id,
        "unit_id": unit_id,
        "done_from": done_from,
        "done_until": done_until,
        "created_from": created_from,
        "created_until": created_until,
    }
    params.update((f"status_{n}", status) for n, status in enumerate(statuses))
    return statement, params


def export_queue(property_id, **filters):
    """(row count, rows) of every ticket of a queue under the page's filters (see `queue`), newest first; each row
    as the page reads it plus `assignee_name`. One statement per thousand tickets for the assignees' names."""
    statement, params = _queue_query(property_id, limit=2**31 - 1, **filters)

    def rows():
        for chunk in exports.in_chunks(exports.stream(statement, params)):
            names = assignee_names(chunk)
            for row in chunk:
                yield row, names.get(row.assignee_id)

    return exports.count(statement, params), rows()


_NAMES = select(User.id, User.display_name).where(User.id.in_(bindparam("ids", expanding=True)))


def assignee_names(rows, also=()):
    """{user id: display name} of the people a page of tickets is assigned to, and of the ids `also` (the people a
    list is filtered by), in one statement."""
    ids = {r.assignee_id for r in rows if r.assignee_id} | {user_id for user_id in also if user_id}
    if not ids:
        return {}
    return dict(read(_NAMES, {"ids": list(ids)}).all())


def resident_tickets(resident_id, *, after=None, limit=30):
    """The resident's own tickets, newest first, paged by key."""
    query = (
        select(*_QUEUE_COLUMNS, Ticket.rating)
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .where(Ticket.resident_id == resident_id)
        .order_by(Ticket.id.desc())
        .limit(limit + 1)
    )
    if after:
        query = query.where(Ticket.id < after)
    rows = db.session.execute(query).all()
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def resident_open_tickets(resident_id, *, limit=5):
    """The resident's open tickets, newest first, at most `limit`, each row with `open_count` (all of them) and what
    the expected time is computed from (domain/tickets/expected.py). One statement."""
    statement = _RESIDENT_OPEN_TICKETS if limit == 5 else _resident_open_tickets_statement(limit)
    return db.session.execute(statement, {"resident_id": resident_id}).all()


def _resident_open_tickets_statement(limit):
    """The statement of `resident_open_tickets` (the resident a bound parameter)."""
    return (
        select(
            Ticket.id,
            Ticket.kind,
            Ticket.category,
            Ticket.status,
            Ticket.department,
            Ticket.created_at,
            Ticket.dispatch_due_at,
            Ticket.response_due_at,
            Ticket.resolve_due_at,
            Ticket.claimed_at,
            Ticket.scheduled_for,
            Ticket.waiting_since,
            Ticket.urgent_marked_at,
            func.count().over().label("open_count"),
        )
        .where(Ticket.resident_id == bindparam("resident_id"), Ticket.status.in_(sorted(OPEN)))
        .order_by(Ticket.id.desc())
        .limit(limit)
    )


#: Built once: the resident's home asks it on every visit.
_RESIDENT_OPEN_TICKETS = _resident_open_tickets_statement(5)


_UNDISPATCHED = (
    select(*_QUEUE_COLUMNS)
    .outerjoin(Unit, Ticket.unit_id == Unit.id)
    .outerjoin(Building, Unit.building_id == Building.id)
    .where(Ticket.property_id == bindparam("property_id"), Ticket.status == Status.NEW)
    .order_by(Ticket.id)
    .limit(100)
)


def late_to_forward(now):
    """SQL: a new ticket past its dispatch deadline (repairs: 3 minutes after the call, from the service level)."""
    return and_(Ticket.status == Status.NEW, Ticket.dispatch_due_at < now)


def undispatched(property_id, now=None):
    """New tickets waiting to be forwarded, oldest first, with how long each has left (the 3-minute alarm)."""
    now = now or utcnow()
    rows = read_rows(_UNDISPATCHED, {"property_id": property_id})
    return [(row, (row.dispatch_due_at - now).total_seconds()) for row in rows]


@dataclass
class Board:
    """The manager's board: counts per queue and status, what is late, satisfaction and load."""

    counts: dict  # (department value, status value) -> n
    late: dict  # "dispatch" / "response" / "resolve" / "callback" -> n
    late_tickets: list  # rows of the latest late open tickets
    escalated: list  # rows of open major complaints
    satisfaction: tuple  # (average x 100 or None, number of ratings and callbacks)
    load: list  # [(user id, name, open tickets)]


def _late_conditions(now):
    """{clock: SQL condition} of an open ticket whose service-level clock has run out at `now`."""
    return {
        "dispatch": and_(Ticket.status == Status.NEW, Ticket.dispatch_due_at < now),
        "response": and_(Ticket.status.in_(list(QUEUED)), Ticket.response_due_at < now),
        "resolve": and_(Ticket.status.in_(list(OPEN)), Ticket.waiting_since.is_(None), Ticket.resolve_due_at < now),
    }


def open_figures_by_property(property_ids, now):
    """{property id: (late tickets, open major complaints)} of several properties (one statement): an open ticket
    is late when any of its service-level clocks has run out, as on the manager's board."""
    late = or_(*_late_conditions(now).values())
    major = and_(Ticket.kind == TicketKind.COMPLAINT, Ticket.severity == Severity.MAJOR)
    rows = db.session.execute(
        select(
            Ticket.property_id,
            func.coalesce(func.sum(case((late, 1), else_=0)), 0),
            func.coalesce(func.sum(case((major, 1), else_=0)), 0),
        )
        .where(Ticket.property_id.in_(list(property_ids)), Ticket.status.in_(list(OPEN)))
        .group_by(Ticket.property_id)
    ).all()
    return {property_id: (int(n_late), int(n_major)) for property_id, n_late, n_major in rows}


def board(property_id, now=None):
    """Everything the manager's board shows, in six statements whatever the number of tickets."""
    now = now or utcnow()
    open_ = Ticket.status.in_(list(OPEN))
    counts = {
        (d.value if d else "", s.value): n
        for d, s, n in db.session.execute(
            select(Ticket.department, Ticket.status, func.count())
            .where(Ticket.property_id == property_id, open_)
            .group_by(Ticket.department, Ticket.status)
        )
    }
    late_conditions = _late_conditions(now)
    row = db.session.execute(
        select(*(func.sum(case((cond, 1), else_=0)) for cond in late_conditions.values())).where(
            Ticket.property_id == property_id, open_
        )
    ).one()
    late = {key: int(value or 0) for key, value in zip(late_conditions, row)}
    late["callback"] = (
        db.session.scalar(
            select(func.count())
            .select_from(Callback)
            .join(Ticket, Callback.ticket_id == Ticket.id)
            .where(Ticket.property_id == property_id, Callback.status == CallbackStatus.OPEN, Callback.due_at < now)
        )
        or 0
    )
    late_tickets = db.session.execute(
        select(*_QUEUE_COLUMNS)
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .where(
            Ticket.property_id == property_id,
            or_(*late_conditions.values(), Ticket.escalated_at.is_not(None), Ticket.late_notice_at.is_not(None)),
            open_,
        )
        .order_by(Ticket.escalated_at.is_(None), Ticket.resolve_due_at)
        .limit(20)
    ).all()
    escalated = [r for r in late_tickets if r.escalated_at is not None]
    ratings = db.session.execute(
        select(func.avg(Ticket.rating * 100), func.count(Ticket.rating)).where(
            Ticket.property_id == property_id, Ticket.rating.is_not(None)
        )
    ).one()
    load = db.session.execute(
        select(User.id, User.display_name, func.count(Ticket.id))
        .join(Ticket, Ticket.assignee_id == User.id)
        .where(Ticket.property_id == property_id, open_)
        .group_by(User.id, User.display_name)
        .order_by(func.count(Ticket.id).desc())
    ).all()
    average = int(ratings[0]) if ratings[0] is not None else None
    return Board(counts, late, late_tickets, escalated, (average, ratings[1]), load)


def scheduled_between(property_id, start, end, *, department=None, limit=20):
    """The open tickets with a visit booked within [start, end) (aware UTC), earliest first, with their unit labels
    (of `department` only when given): the day's appointments, one statement."""
    query = (
        select(*_QUEUE_COLUMNS)
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .where(
            Ticket.property_id == property_id,
            Ticket.status.in_(list(OPEN)),
            Ticket.scheduled_for >= start,
            Ticket.scheduled_for < end,
        )
        .order_by(Ticket.scheduled_for, Ticket.id)
        .limit(limit)
    )
    if department is not None:
        query = query.where(Ticket.department == department)
    return db.session.execute(query).all()


def open_tickets_of_units(property_id, unit_ids, *, limit=50):
    """The open tickets of some units (an assistant's area), oldest first, with their unit labels: one statement.
    Returns (rows, more): `more` says there are more than `limit`."""
    if not unit_ids:
        return [], False
    rows = db.session.execute(
        select(Ticket, UNIT_LABEL)
        .join(Unit, Ticket.unit_id == Unit.id)
        .join(Unit.building)
        .where(Ticket.property_id == property_id, Ticket.unit_id.in_(list(unit_ids)), Ticket.status.in_(OPEN))
        .order_by(Ticket.created_at, Ticket.id)
        .limit(limit + 1)
    ).all()
    return rows[:limit], len(rows) > limit


def _open_callbacks_query(query, property_id, *, unit_ids=None):
    """`query` (joined to the tickets) narrowed to the callbacks still to make, the most overdue first: one home for
    the page and its export."""
    query = query.where(Ticket.property_id == property_id, Callback.status == CallbackStatus.OPEN).order_by(
        Callback.due_at, Callback.id
    )
    if unit_ids is not None:
        query = query.where(Ticket.unit_id.in_(list(unit_ids)))
    return query


def open_callbacks(property_id, *, limit=50, unit_ids=None):
    """Callbacks still to make, the most overdue first, with their tickets (of `unit_ids` only when given)."""
    query = select(Callback).join(Callback.ticket).options(contains_eager(Callback.ticket))
    return db.session.scalars(_open_callbacks_query(query, property_id, unit_ids=unit_ids).limit(limit)).all()


def export_open_callbacks(property_id, *, unit_ids=None):
    """(row count, rows) of every callback still to make, the most overdue first: (due at, ticket id, kind,
    category, place, done at, description, contact name, contact phone), the contact being the ticket's or else its
    resident's."""
    query = (
        select(
            Callback.due_at,
            Ticket.id,
            Ticket.kind,
            Ticket.category,
            func.coalesce(UNIT_LABEL, Ticket.location),
            Ticket.done_at,
            Ticket.description,
            case((Ticket.contact_name != "", Ticket.contact_name), else_=Resident.name),
            case((Ticket.contact_phone != "", Ticket.contact_phone), else_=Resident.phone),
        )
        .join(Callback.ticket)
        .outerjoin(Unit, Unit.id == Ticket.unit_id)
        .outerjoin(Building, Building.id == Unit.building_id)
        .outerjoin(Resident, Resident.id == Ticket.resident_id)
    )
    query = _open_callbacks_query(query, property_id, unit_ids=unit_ids)
    return exports.count(query), exports.stream(query)


def resident_events(ticket):
    """The timeline entries of a ticket its resident sees: the public ones (internal notes stay in the console)."""
    return [event for event in ticket.events if event.public]


def resident_photos(ticket):
    """The photos of a ticket its resident sees: those on public timeline entries or on none."""
    public = {event.id for event in resident_events(ticket)}
    return [photo for photo in ticket.photos if photo.event_id is None or photo.event_id in public]


def resident_holder(ticket):
    """The name the resident sees as having their ticket, or None while nobody has taken it (or it was cancelled)."""
    return ticket.assignee.display_name if ticket.assignee_id and ticket.status in HELD else None


def get_ticket(ticket_id):
    """A ticket with its events and photos, or NotFound."""
    ticket = db.session.get(Ticket, ticket_id, options=[selectinload(Ticket.events), selectinload(Ticket.photos)])
    if ticket is None:
        raise NotFound()
    return ticket


def get_staff_ticket(actor, ticket_id):
    """A ticket the staff member may see (workflow.can_see), or NotFound, so other departments' tickets do not leak."""
    ticket = get_ticket(ticket_id)
    if not can_see(actor, ticket):
        raise NotFound()
    return ticket


def get_resident_ticket(resident_id, ticket_id):
    """One of the resident's own tickets, or NotFound (also for a neighbour's)."""
    ticket = get_ticket(ticket_id)
    if ticket.resident_id != resident_id:
        raise NotFound()
    return ticket


def _met_on_time(met, due):
    """SQL: 1 when a clock was met by its deadline, the rule late_clocks() applies to a met clock, else 0."""
    return func.coalesce(func.sum(case((and_(met.is_not(None), met <= due), 1), else_=0)), 0)


def _met(met):
    """SQL: how many of the rows' clocks were met (on time or late)."""
    return func.count(met)


def on_time_by_kind_and_department(property_id, start, end):
    """[(kind, department, tickets, {clock: (met, met on time)})] of the tickets opened between the UTC bounds, by kind
    and department (one statement). A clock counts once met: late_clocks() calls a met clock late when it was met
    after its deadline, so "on time" is met by the deadline; clocks still running are not judged yet."""
    pairs = (
        ("dispatch", Ticket.dispatched_at, Ticket.dispatch_due_at),
        ("response", Ticket.claimed_at, Ticket.response_due_at),
        ("resolve", Ticket.done_at, Ticket.resolve_due_at),
    )
    columns = []
    for _key, met, due in pairs:
        columns += [_met(met), _met_on_time(met, due)]
    rows = db.session.execute(
        select(Ticket.kind, Ticket.department, func.count(Ticket.id), *columns)
        .where(Ticket.property_id == property_id, Ticket.created_at >= start, Ticket.created_at < end)
        .group_by(Ticket.kind, Ticket.department)
        .order_by(Ticket.kind, Ticket.department)
    ).all()
    return [
        (
            TicketKind(row[0]),
            Department(row[1]) if row[1] else None,
            row[2],
            {key: (int(row[3 + 2 * i]), int(row[4 + 2 * i])) for i, (key, _m, _d) in enumerate(pairs)},
        )
        for row in rows
    ]
