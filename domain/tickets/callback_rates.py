"""The callback rate (回访率, SOP 13): of the finished tickets that needed a callback, how many got one, and of those,
how many residents were satisfied (4 or 5 out of 5). A ticket counts in the local month it was finished in; its
callback counts as done whether the desk recorded it or the resident answered it by rating the ticket in the portal.
Each family of figures (by kind, by month, by person) is one GROUP BY statement, whatever the data."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import aliased

from domain.accounts.models import User
from domain.clock import local_day_bounds
from domain.dates import month_after, month_before, parse_month
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL
from domain.tickets.callbacks import DISSATISFIED_UP_TO, SATISFIED_FROM
from domain.tickets.models import Callback, CallbackStatus, Ticket, TicketKind
from extensions import db

#: How many months the month-by-month figures go back, this one included.
MONTHS_SHOWN = 6
#: The most rows a list behind a figure shows.
RECORDS_LIMIT = 200
#: The `by` value of the callbacks the residents answered themselves by rating the ticket.
BY_RESIDENT = "resident"


@dataclass(frozen=True)
class Figure:
    """Finished tickets that needed a callback, callbacks done, and done ones answered satisfied (4-5)."""

    needing: int
    done: int
    satisfied: int

    @property
    def rate(self):
        """The callback rate in whole percent (None without a finished ticket)."""
        return round(self.done * 100 / self.needing) if self.needing else None

    @property
    def satisfied_share(self):
        """The share of done callbacks answered satisfied, in whole percent (None without a done one)."""
        return round(self.satisfied * 100 / self.done) if self.done else None


def _bounds(first_day):
    """The UTC bounds of the local month starting on `first_day`."""
    return local_day_bounds(first_day)[0], local_day_bounds(month_after(first_day))[0]


def _counts():
    """The three counted columns of a figure."""
    is_done = Callback.status == CallbackStatus.DONE
    return (
        func.count(Callback.id),
        func.coalesce(func.sum(case((is_done, 1), else_=0)), 0),
        func.coalesce(func.sum(case((is_done & (Callback.satisfaction >= SATISFIED_FROM), 1), else_=0)), 0),
    )


def month_start(text, today):
    """The first day of the month "YYYY-MM" names, or of `today`'s month when it names none."""
    days = parse_month(text) if text else None
    return days[0] if days else today.replace(day=1)


def by_kind(property_id, first_day):
    """{TicketKind: Figure} of the tickets finished in the local month starting on `first_day` (one statement)."""
    start, end = _bounds(first_day)
    rows = db.session.execute(
        select(Ticket.kind, *_counts())
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .where(Ticket.property_id == property_id, Ticket.done_at >= start, Ticket.done_at < end)
        .group_by(Ticket.kind)
    ).all()
    return {TicketKind(kind): Figure(n, done, satisfied) for kind, n, done, satisfied in rows}


def by_month(property_id, last_month, months=MONTHS_SHOWN):
    """[(first day of the month, Figure)] of the `months` months up to the one starting on `last_month`, oldest
    first, every kind together (one statement: each ticket is put in its local month by a CASE on its done time)."""
    firsts = [last_month]
    for _ in range(months - 1):
        firsts.insert(0, month_before(firsts[0]))
    buckets = []
    for first in firsts:
        start, end = _bounds(first)
        buckets.append((and_(Ticket.done_at >= start, Ticket.done_at < end), literal(first.isoformat())))
    bucket = case(*buckets, else_=None).label("month")
    start, end = _bounds(firsts[0])[0], _bounds(last_month)[1]
    rows = db.session.execute(
        select(bucket, *_counts())
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .where(Ticket.property_id == property_id, Ticket.done_at >= start, Ticket.done_at < end)
        .group_by(bucket)
    ).all()
    found = {month: Figure(n, done, satisfied) for month, n, done, satisfied in rows}
    return [(first, found.get(first.isoformat(), Figure(0, 0, 0))) for first in firsts]


def by_property(property_ids, start, end):
    """{property id: Figure} of the tickets finished within [start, end) (aware UTC) of several properties, side by
    side (one statement); a property without such a ticket is absent."""
    rows = db.session.execute(
        select(Ticket.property_id, *_counts())
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .where(Ticket.property_id.in_(list(property_ids)), Ticket.done_at >= start, Ticket.done_at < end)
        .group_by(Ticket.property_id)
    ).all()
    return {property_id: Figure(n, done, satisfied) for property_id, n, done, satisfied in rows}


def by_person(property_id, first_day):
    """[(user id or None, name or None, Figure)] of the callbacks done on the tickets finished in the month, by who
    made them (None: the resident answered by rating the ticket), most first. A person's `needing` is what they did:
    the callbacks are not assigned ahead, so a person's share is of the month's total (one statement)."""
    start, end = _bounds(first_day)
    count, done, satisfied = _counts()
    rows = db.session.execute(
        select(Callback.done_by_id, User.display_name, count, done, satisfied)
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .outerjoin(User, Callback.done_by_id == User.id)
        .where(
            Ticket.property_id == property_id,
            Ticket.done_at >= start,
            Ticket.done_at < end,
            Callback.status == CallbackStatus.DONE,
        )
        .group_by(Callback.done_by_id, User.display_name)
        .order_by(count.desc(), User.display_name)
    ).all()
    return [(user_id, name, Figure(n, d, s)) for user_id, name, n, d, s in rows]


def callback_records(property_id, first_day, *, kind=None, by=None, which="all", limit=RECORDS_LIMIT):
    """The callbacks behind a figure: of the tickets finished in the month (of `kind` when given, done by user id or
    BY_RESIDENT `by` when given), all of them ("all"), the done ones ("done"), the satisfied ones ("satisfied"), the
    dissatisfied ones ("dissatisfied") or those still open ("open"); oldest finished first, at most `limit`, in one
    statement with the ticket, its unit label and who made the callback."""
    start, end = _bounds(first_day)
    caller = aliased(User)
    query = (
        select(
            Callback.id,
            Callback.status,
            Callback.satisfaction,
            Callback.result,
            Callback.done_at,
            Callback.followup_ticket_id,
            Ticket.id.label("ticket_id"),
            Ticket.kind,
            Ticket.category,
            Ticket.done_at.label("finished_at"),
            Ticket.location,
            UNIT_LABEL,
            caller.display_name.label("done_by"),
        )
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .outerjoin(caller, Callback.done_by_id == caller.id)
        .where(Ticket.property_id == property_id, Ticket.done_at >= start, Ticket.done_at < end)
        .order_by(Ticket.done_at, Callback.id)
        .limit(limit)
    )
    if kind is not None:
        query = query.where(Ticket.kind == TicketKind(kind))
    if by == BY_RESIDENT:
        query = query.where(Callback.status == CallbackStatus.DONE, Callback.done_by_id.is_(None))
    elif by is not None:
        query = query.where(Callback.done_by_id == by)
    done = Callback.status == CallbackStatus.DONE
    if which == "done":
        query = query.where(done)
    elif which == "satisfied":
        query = query.where(done, Callback.satisfaction >= SATISFIED_FROM)
    elif which == "dissatisfied":
        query = query.where(done, Callback.satisfaction <= DISSATISFIED_UP_TO)
    elif which == "open":
        query = query.where(Callback.status == CallbackStatus.OPEN)
    return db.session.execute(query).all()
