"""The unit's whole story on one page (360° view): each block is one statement, built only for roles that may see it.

Every block reads the area's own tables and rules (a ticket's visibility from domain/tickets/workflow.py, a document's
from domain/archives/documents.py, the payment history from domain/payments/statements.py); this module only picks
what concerns one unit and keeps the latest few rows, so the page costs the same however long the unit's history is.
The statements are built once at import and sent through the connection (domain/queries.py): they select columns.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Integer, String, bindparam, case, cast, func, literal, null, select, union_all

from domain.billing.models import Bill, Reminder
from domain.clock import local_date
from domain.errors import NotFound
from domain.movein.models import MoveInCase
from domain.parcels.models import LendableItem, Loan, Parcel, StoredItem
from domain.property.units import get_unit
from domain.queries import read_rows
from domain.renovation.models import RenovationApplication, RenovationStatus
from domain.tickets.models import Callback, ResidentVisit, Ticket, TicketKind
from domain.tickets.workflow import can_see
from domain.violations.models import Violation, ViolationKind

#: How many rows a block lists; its link opens the full list.
SHOWN = 6
#: Tickets read to find the latest SHOWN a department may see (it sees its own queue's, not the desk's complaints).
TICKETS_READ = 40


def get_property_unit(unit_id, property_id):
    """The unit with its building and occupancies, or NotFound when it is not one of the property's units."""
    unit = get_unit(unit_id)
    if unit.building.property_id != property_id:
        raise NotFound()
    return unit


_UNIT = bindparam("unit_id")
_OWED = Bill.total_fen - Bill.paid_fen

_OPEN_BILLS = (
    select(
        Bill.id,
        Bill.title,
        Bill.period,
        Bill.due_date,
        Bill.total_fen,
        Bill.paid_fen,
        func.count().over().label("count"),
        func.sum(_OWED).over().label("owed"),
        func.sum(case((Bill.due_date < bindparam("today"), _OWED), else_=0)).over().label("overdue"),
    )
    .where(Bill.unit_id == _UNIT, Bill.total_fen > Bill.paid_fen)
    .order_by(Bill.due_date, Bill.id)
    .limit(SHOWN)
)


@dataclass
class OpenBills:
    """The unit's unpaid bills, oldest due first (at most SHOWN), and what they add up to."""

    rows: list
    count: int
    owed_fen: int
    overdue_fen: int


def open_bills(unit_id, today):
    """The unpaid bills of a unit with the totals of all of them: one statement (window sums)."""
    rows = read_rows(_OPEN_BILLS, {"unit_id": unit_id, "today": today})
    first = rows[0] if rows else None
    return OpenBills(
        rows=rows,
        count=first.count if first else 0,
        owed_fen=int(first.owed or 0) if first else 0,
        overdue_fen=int(first.overdue or 0) if first else 0,
    )


_REMINDERS = (
    select(Reminder.created_at, Reminder.outstanding_fen, Reminder.emailed_to, Reminder.read_at)
    .where(Reminder.unit_id == _UNIT)
    .order_by(Reminder.created_at.desc(), Reminder.id.desc())
    .limit(SHOWN)
)


def reminders_sent(unit_id):
    """The payment reminders (催缴) sent for a unit, newest first: the collection history, one statement.

    Collection calls (the resident's answer and reason) will join this history when they are recorded.
    """
    return read_rows(_REMINDERS, {"unit_id": unit_id})


@dataclass
class PaymentHabit:
    """How the unit paid the bills due in the last 12 months."""

    bills: int
    on_time: int
    late: int
    unpaid: int
    #: Days late on average over the bills paid late (None when none was).
    average_days_late: int | None

    @property
    def on_time_percent(self):
        """The share paid by the due date, in whole percent (None without bills)."""
        return round(100 * self.on_time / self.bills) if self.bills else None


_BILLS_DUE = select(Bill.due_date, Bill.settled_at, Bill.total_fen, Bill.paid_fen).where(
    Bill.unit_id == _UNIT, Bill.due_date < bindparam("today"), Bill.due_date >= bindparam("since")
)


def payment_habit(unit_id, today):
    """On time, late, still unpaid and the average days late, over the bills due in the 12 months before today:
    one statement (a unit has a bill a month, so the rows are few)."""
    rows = read_rows(_BILLS_DUE, {"unit_id": unit_id, "today": today, "since": today - timedelta(days=365)})
    on_time = late = unpaid = 0
    days_late = []
    for due, settled_at, total, paid in rows:
        if paid < total or settled_at is None:
            unpaid += 1
            continue
        delay = (local_date(settled_at) - due).days
        if delay <= 0:
            on_time += 1
        else:
            late += 1
            days_late.append(delay)
    average = round(sum(days_late) / len(days_late)) if days_late else None
    return PaymentHabit(len(rows), on_time, late, unpaid, average)


#: What the block shows of a ticket and what workflow.can_see reads.
_TICKETS = (
    select(
        Ticket.id,
        Ticket.kind,
        Ticket.status,
        Ticket.severity,
        Ticket.description,
        Ticket.created_at,
        Ticket.department,
        Ticket.assignee_id,
        Ticket.created_by_id,
    )
    .where(Ticket.unit_id == _UNIT)
    .order_by(Ticket.id.desc())
    .limit(TICKETS_READ)
)


def unit_tickets(actor, unit_id, *, limit=SHOWN):
    """The latest tickets of the unit that `actor` may see (workflow.can_see), complaints apart: one statement.

    Returns (tickets, complaints), newest first, at most `limit` each.
    """
    seen = [t for t in read_rows(_TICKETS, {"unit_id": unit_id}) if can_see(actor, t)]
    complaints = [t for t in seen if t.kind == TicketKind.COMPLAINT]
    others = [t for t in seen if t.kind != TicketKind.COMPLAINT]
    return others[:limit], complaints[:limit]


def _contacts_statement():
    """Callbacks after the unit's tickets and visits to it, newest first."""
    callbacks = (
        select(
            literal("callback").label("kind"),
            Callback.id.label("id"),
            cast(Callback.ticket_id, Integer).label("ticket_id"),
            Callback.due_at.label("at"),
            Callback.done_at.label("done_at"),
            cast(Callback.satisfaction, Integer).label("satisfaction"),
            cast(Callback.result, String).label("text"),
        )
        .join(Ticket, Callback.ticket_id == Ticket.id)
        .where(Ticket.unit_id == _UNIT)
    )
    visits = select(
        literal("visit"),
        ResidentVisit.id,
        cast(null(), Integer),
        ResidentVisit.planned_for,
        ResidentVisit.done_at,
        cast(null(), Integer),
        cast(ResidentVisit.purpose, String),
    ).where(ResidentVisit.unit_id == _UNIT)
    both = union_all(callbacks, visits).subquery()
    return select(both).order_by(both.c.at.desc(), both.c.id.desc()).limit(SHOWN)


_CONTACTS = _contacts_statement()


def callbacks_and_visits(unit_id):
    """The callbacks (回访) after the unit's tickets and the visits (走访) to it, newest first: one statement.

    Each row: kind ("callback" or "visit"), id, ticket_id, at (due or planned), done_at, satisfaction, text.
    """
    return read_rows(_CONTACTS, {"unit_id": unit_id})


def _counter_statement():
    """The unit's parcels, items left at the desk and loans, newest first."""
    parcels = select(
        literal("parcel").label("kind"),
        Parcel.id.label("id"),
        cast(Parcel.status, String).label("status"),
        Parcel.arrived_at.label("at"),
        cast(Parcel.tracking_number, String).label("text"),
        cast(null(), Parcel.arrived_at.type).label("due_at"),
    ).where(Parcel.unit_id == _UNIT)
    stored = select(
        literal("stored"),
        StoredItem.id,
        cast(StoredItem.status, String),
        StoredItem.stored_at,
        cast(StoredItem.description, String),
        cast(null(), Parcel.arrived_at.type),
    ).where(StoredItem.unit_id == _UNIT)
    loans = (
        select(
            literal("loan"),
            Loan.id,
            cast(Loan.status, String),
            Loan.lent_at,
            cast(LendableItem.name, String),
            Loan.due_at,
        )
        .join(LendableItem, Loan.item_id == LendableItem.id)
        .where(Loan.unit_id == _UNIT)
    )
    every = union_all(parcels, stored, loans).subquery()
    return select(every).order_by(every.c.at.desc(), every.c.id.desc()).limit(SHOWN)


_COUNTER = _counter_statement()


def counter_items(unit_id):
    """The unit's parcels, items left at the desk and loans, newest first: one statement.

    Each row: kind ("parcel", "stored" or "loan"), id, status (the value), at, text (tracking number, the item's
    description, the lent item's name), due_at (a loan's).
    """
    return read_rows(_COUNTER, {"unit_id": unit_id})


_RENOVATIONS = (
    select(
        RenovationApplication.id,
        RenovationApplication.status,
        RenovationApplication.planned_start,
        RenovationApplication.planned_end,
    )
    .where(RenovationApplication.unit_id == _UNIT, RenovationApplication.status != RenovationStatus.DRAFT)
    .order_by(RenovationApplication.id.desc())
    .limit(SHOWN)
)


def renovations(unit_id):
    """The unit's renovation applications the staff see (drafts stay the resident's), newest first: one statement."""
    return read_rows(_RENOVATIONS, {"unit_id": unit_id})


_VIOLATIONS = (
    select(Violation.id, Violation.stage, Violation.deadline, Violation.recorded_at, ViolationKind.name)
    .join(ViolationKind, Violation.kind_id == ViolationKind.id)
    .where(Violation.unit_id == _UNIT)
    .order_by(Violation.id.desc())
    .limit(SHOWN)
)


def violations(unit_id):
    """The unit's violations with their kinds' names, newest first: one statement."""
    return read_rows(_VIOLATIONS, {"unit_id": unit_id})


_MOVE_INS = (
    select(MoveInCase.id, MoveInCase.status, MoveInCase.planned_on, MoveInCase.appointment_at)
    .where(MoveInCase.unit_id == _UNIT)
    .order_by(MoveInCase.id.desc())
    .limit(SHOWN)
)


def move_in_cases(unit_id):
    """The unit's move-in cases (入住手续), newest first: one statement."""
    return read_rows(_MOVE_INS, {"unit_id": unit_id})
