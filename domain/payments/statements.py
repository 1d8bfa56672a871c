"""What residents and the desk see of bills: each bill with its lines and whether a payment of it is under way,
and the payment history of units; a fixed number of statements whatever the number of bills."""

from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from domain import exports
from domain.billing.models import Bill, BillLine
from domain.errors import NotFound
from domain.payments.models import Allocation, Payment, PaymentStatus, Receipt
from domain.property.models import Building, Unit
from domain.property.occupancies import resident_unit_ids
from domain.property.units import UNIT_LABEL
from extensions import db


@dataclass
class BillView:
    """A bill with its unit label and lines, and whether a payment of it is under way."""

    bill: Bill
    unit_label: str
    lines: list
    #: "pending" (a checkout is open) or "processing" (settling), else None.
    payment_under_way: str | None

    @property
    def status(self):
        """ "paid", "partly_paid", "overdue" or "unpaid" (overdue is judged against today by the caller)."""
        bill = self.bill
        if bill.outstanding_fen == 0:
            return "paid"
        return "partly_paid" if bill.paid_fen else "unpaid"


def _bill_views(bills):
    """Wrap bills with their unit labels, lines and open payments: two statements for any number of bills."""
    if not bills:
        return []
    ids = {"bill_ids": [b.id for b in bills]}
    lines = {}
    for line in db.session.scalars(_LINES_OF_BILLS, ids):
        lines.setdefault(line.bill_id, []).append(line)
    under_way = dict(db.session.execute(_PAYMENTS_UNDER_WAY, ids).all())
    return [
        BillView(
            b,
            b.unit.label,
            lines.get(b.id, []),
            under_way[b.id].value if b.id in under_way else None,
        )
        for b in bills
    ]


def bills_for_resident(resident_id, today, *, limit=36, units=None):
    """The resident's bills for the units they live in: unpaid first (oldest due first), then the paid ones.

    Pass `units` (resident_unit_ids) when the caller already has them.
    """
    units = resident_unit_ids(resident_id, today) if units is None else units
    if not units:
        return []
    statement = _BILLS_OF_UNITS if limit == 36 else _bills_of_units_statement(limit)
    return _bill_views(db.session.scalars(statement, {"unit_ids": list(units)}).all())


def _bills_of_units_statement(limit):
    """The statement of `bills_for_resident` (the units a bound parameter)."""
    unpaid_first = case((Bill.total_fen > Bill.paid_fen, 0), else_=1)
    return (
        select(Bill)
        .where(Bill.unit_id.in_(bindparam("unit_ids", expanding=True)))
        .options(joinedload(Bill.unit).joinedload(Unit.building))
        .order_by(
            unpaid_first,
            case((Bill.total_fen > Bill.paid_fen, Bill.due_date)).asc(),
            Bill.due_date.desc(),
            Bill.id.desc(),
        )
        .limit(limit)
    )


def get_resident_bill(resident_id, bill_id, today):
    """One of the resident's bills with its lines, or NotFound (also for a neighbour's bill)."""
    bill = db.session.get(Bill, bill_id, options=[selectinload(Bill.unit).joinedload(Unit.building)])
    if bill is None or bill.unit_id not in resident_unit_ids(resident_id, today):
        raise NotFound()
    return _bill_views([bill])[0]


def bills_for_unit(unit_id, *, limit=60):
    """A unit's bills for the desk: unpaid first, then the latest."""
    unpaid_first = case((Bill.total_fen > Bill.paid_fen, 0), else_=1)
    bills = db.session.scalars(
        select(Bill)
        .where(Bill.unit_id == unit_id)
        .options(joinedload(Bill.unit).joinedload(Unit.building))
        .order_by(
            unpaid_first,
            case((Bill.total_fen > Bill.paid_fen, Bill.due_date)).asc(),
            Bill.due_date.desc(),
            Bill.id.desc(),
        )
        .limit(limit)
    ).all()
    return _bill_views(bills)


#: The payments a history lists: taken, under way, or voided (an abandoned checkout is no payment).
HISTORY_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PROCESSING, PaymentStatus.VOIDED)


def payments_for_units(unit_ids, *, limit=50):
    """Payments of some units, newest first, with their receipts (payment history)."""
    if not unit_ids:
        return []
    statement = _PAYMENTS_OF_UNITS if limit == 20 else _payments_of_units_statement(limit)
    return db.session.scalars(statement, {"unit_ids": list(unit_ids)}).all()


def _payments_of_units_statement(limit):
    """The statement of `payments_for_units` (the units a bound parameter)."""
    return (
        select(Payment)
        .where(Payment.unit_id.in_(bindparam("unit_ids", expanding=True)), Payment.status.in_(HISTORY_STATUSES))
        .options(joinedload(Payment.receipt), joinedload(Payment.unit).joinedload(Unit.building))
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(limit)
    )


#: Built once: the resident's bills page runs them on every visit (the fence of domain.property.scope then reuses
#: their fenced copies); the history shows 20 payments, the list 36 bills.
_BILLS_OF_UNITS = _bills_of_units_statement(36)
_PAYMENTS_OF_UNITS = _payments_of_units_statement(20)
_LINES_OF_BILLS = (
    select(BillLine).where(BillLine.bill_id.in_(bindparam("bill_ids", expanding=True))).order_by(BillLine.id)
)
_PAYMENTS_UNDER_WAY = (
    select(Allocation.bill_id, Payment.status)
    .join(Payment)
    .where(
        Allocation.bill_id.in_(bindparam("bill_ids", expanding=True)),
        Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.PROCESSING]),
    )
)


def get_payment(payment_id):
    """A payment with its allocations, refunds and receipt (staff), or NotFound."""
    payment = db.session.get(
        Payment,
        payment_id,
        options=[
            selectinload(Payment.allocations).joinedload(Allocation.bill),
            selectinload(Payment.refunds),
            selectinload(Payment.receipt),
        ],
    )
    if payment is None:
        raise NotFound()
    return payment


def export_payments(property_id, *, start, end):
    """(row count, rows) of the property's payments (as the histories list them) paid, or recorded, within [start,
    end) of aware UTC times, in time order: (when, unit, method, amount, refunded, status, receipt year and
    sequence or None)."""
    when = func.coalesce(Payment.paid_at, Payment.created_at)
    query = (
        select(
            when,
            UNIT_LABEL,
            Payment.method,
            Payment.amount_fen,
            Payment.refunded_fen,
            Payment.status,
            Receipt.year,
            Receipt.sequence,
            Receipt.prefix,
        )
        .join(Unit, Unit.id == Payment.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .where(Payment.property_id == property_id, Payment.status.in_(HISTORY_STATUSES), when >= start, when < end)
        .order_by(when, Payment.id)
    )
    return exports.count(query), exports.stream(query)


def export_bills(property_id, period):
    """(row count, rows) of the property's bills of a month, by unit: (unit, title, issued on, due date, total,
    paid, owed)."""
    query = (
        select(
            UNIT_LABEL,
            Bill.title,
            Bill.issued_on,
            Bill.due_date,
            Bill.total_fen,
            Bill.paid_fen,
            Bill.total_fen - Bill.paid_fen,
        )
        .join(Unit, Unit.id == Bill.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Bill.property_id == property_id, Bill.period == period)
        .order_by(Building.code, Unit.number, Bill.id)
    )
    return exports.count(query), exports.stream(query)
