"""Items the office lends (外借物品, SOP 19): the catalogue with quantities and deposits, loans with a due time,
returns, and reminders for overdue loans."""

from collections import defaultdict
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain import exports
from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.clock import local_date, local_text, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.notify.services import tell_household
from domain.parcels.models import LendableItem, Loan, LoanStatus
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL, find_unit, unit_label
from extensions import db

#: The longest loan the desk may give.
MAX_LOAN = timedelta(days=30)


def _check_item_values(name, quantity, deposit_fen, loan_hours):
    """Clean and check a catalogue entry's values, or DomainError on the field."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Name the item."), field="name")
    if quantity is None or quantity < 0 or quantity > 999:
        raise DomainError(_l("The quantity is a whole number from 0 to 999."), field="quantity")
    if deposit_fen is None or deposit_fen < 0:
        raise DomainError(_l("The deposit cannot be negative."), field="deposit")
    if loan_hours is None or not 1 <= loan_hours <= MAX_LOAN.days * 24:
        raise DomainError(_l("A loan lasts from 1 hour to %(days)s days.", days=MAX_LOAN.days), field="loan_hours")
    return name[:80]


def create_lendable(actor, *, property_id, name, quantity, deposit_fen=0, loan_hours=24):
    """Add an item to the lending catalogue."""
    require(actor, Permission.MANAGE_LENDABLES)
    name = _check_item_values(name, quantity, deposit_fen, loan_hours)
    item = LendableItem(
        property_id=property_id, name=name, quantity=quantity, deposit_fen=deposit_fen, loan_hours=loan_hours
    )
    db.session.add(item)
    db.session.flush()
    record(actor, "lending.item_create", item, summary=name)
    return item


def update_lendable(actor, item, *, name, quantity, deposit_fen, loan_hours, is_active):
    """Change a catalogue entry; the quantity may not drop below what is lent out now."""
    require(actor, Permission.MANAGE_LENDABLES)
    name = _check_item_values(name, quantity, deposit_fen, loan_hours)
    out = lent_out({item.id}).get(item.id, 0)
    if quantity < out:
        raise DomainError(_l("%(count)s are lent out now; the quantity cannot be less.", count=out), field="quantity")
    changes = diff(
        item,
        {
            "name": name,
            "quantity": quantity,
            "deposit_fen": deposit_fen,
            "loan_hours": loan_hours,
            "is_active": bool(is_active),
        },
    )
    if changes:
        record(actor, "lending.item_update", item, changes=changes)
    return item


def get_lendable(item_id):
    """A catalogue entry, or NotFound."""
    item = db.session.get(LendableItem, item_id)
    if item is None:
        raise NotFound()
    return item


def catalogue(property_id, *, active_only=False):
    """The catalogue by name, with how many of each are lent out: [(item, out)]."""
    query = select(LendableItem).where(LendableItem.property_id == property_id)
    if active_only:
        query = query.where(LendableItem.is_active.is_(True))
    items = db.session.scalars(query.order_by(LendableItem.name)).all()
    out = lent_out({item.id for item in items})
    return [(item, out.get(item.id, 0)) for item in items]


def lent_out(item_ids):
    """{item id: how many are out now}."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(Loan.item_id, func.count(Loan.id))
        .where(Loan.item_id.in_(item_ids), Loan.status == LoanStatus.OUT)
        .group_by(Loan.item_id)
    )
    return {item_id: count for item_id, count in rows}


def lend(actor, *, item_id, unit_label, borrower_name, borrower_phone="", due_at=None, deposit_fen=None, now=None):
    """Lend one of an item to a resident of a unit until `due_at` (default: the item's loan time).

    The item's deposit is taken.
    """
    require(actor, Permission.HANDLE_COUNTER)
    now = now or utcnow()
    item = db.session.get(LendableItem, item_id) if item_id else None
    if item is None or not item.is_active:
        raise DomainError(_l("Choose an item from the list."), field="item_id")
    borrower_name = (borrower_name or "").strip()
    if not borrower_name:
        raise DomainError(_l("Write the borrower's name."), field="borrower_name")
    due_at = due_at or now + timedelta(hours=item.loan_hours)
    if due_at <= now:
        raise DomainError(_l("The return time must be in the future."), field="due_at")
    if due_at > now + MAX_LOAN:
        raise DomainError(_l("Lend for at most %(days)s days.", days=MAX_LOAN.days), field="due_at")
    deposit_fen = item.deposit_fen if deposit_fen is None else deposit_fen
    if deposit_fen < 0:
        raise DomainError(_l("The deposit cannot be negative."), field="deposit")
    unit_id, property_id, _number, label = find_unit(unit_label, number_alone=True)
    if lent_out({item.id}).get(item.id, 0) >= item.quantity:
        raise Conflict(
            _l("All %(count)s of “%(name)s” are lent out.", count=item.quantity, name=item.name), field="item_id"
        )
    loan = Loan(
        property_id=property_id,
        item_id=item.id,
        unit_id=unit_id,
        borrower_name=borrower_name[:80],
        borrower_phone=(borrower_phone or "").strip()[:20],
        lent_at=now,
        due_at=due_at,
        deposit_fen=deposit_fen,
        lent_by_id=actor.user_id,
    )
    db.session.add(loan)
    db.session.flush()
    record(actor, "lending.lend", loan, summary=f"{item.name} -> {label} {borrower_name} (deposit {deposit_fen} fen)")
    return loan


def _open_loan(loan_id):
    """A loan still out, or NotFound / InvalidTransition."""
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        raise NotFound()
    if loan.status != LoanStatus.OUT:
        raise InvalidTransition(_l("This loan is already closed."))
    return loan


def return_loan(actor, loan_id, *, note="", now=None):
    """Record the return (and that the deposit was given back), with the item's condition."""
    require(actor, Permission.HANDLE_COUNTER)
    loan = _open_loan(loan_id)
    loan.status, loan.returned_at = LoanStatus.RETURNED, now or utcnow()
    loan.closed_by_id, loan.close_note = actor.user_id, (note or "").strip()[:500]
    record(
        actor, "lending.return", loan, summary=f"{loan.item.name}; deposit back {loan.deposit_fen} fen; {note}"[:200]
    )
    return loan


def void_loan(actor, loan_id, reason):
    """Void a loan recorded by mistake, with the reason."""
    require(actor, Permission.HANDLE_COUNTER)
    loan = _open_loan(loan_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason."), field="note")
    loan.status, loan.closed_by_id, loan.close_note = LoanStatus.VOIDED, actor.user_id, reason[:500]
    record(actor, "lending.void", loan, summary=reason[:200])
    return loan


def _open_loans_query(columns, property_id, *, now, overdue_only):
    """`columns` of the loans still out, soonest due first, under the page's filter (the page's and its export's)."""
    query = (
        select(*columns)
        .join(Unit, Unit.id == Loan.unit_id)
        .join(Building)
        .where(Loan.property_id == property_id, Loan.status == LoanStatus.OUT)
    )
    if overdue_only:
        query = query.where(Loan.due_at < now)
    return query.order_by(Loan.due_at, Loan.id)


def open_loans(property_id, *, now, overdue_only=False, limit=100):
    """Loans still out with the unit label, soonest due first; only the overdue ones on request."""
    query = _open_loans_query((Loan, UNIT_LABEL), property_id, now=now, overdue_only=overdue_only)
    return db.session.execute(query.limit(limit)).all()


def export_open_loans(property_id, *, now, overdue_only=False):
    """(row count, rows) of every loan still out under the page's filter: (item, unit, borrower, phone, lent at,
    back by, deposit in fen)."""
    query = _open_loans_query(
        (
            LendableItem.name,
            UNIT_LABEL,
            Loan.borrower_name,
            Loan.borrower_phone,
            Loan.lent_at,
            Loan.due_at,
            Loan.deposit_fen,
        ),
        property_id,
        now=now,
        overdue_only=overdue_only,
    ).join(LendableItem, LendableItem.id == Loan.item_id)
    return exports.count(query), exports.stream(query)


def remind_overdue(now=None):
    """Remind the residents of loans past their due time, at most once a day per loan; for cron."""
    now = now or utcnow()
    loans = db.session.scalars(
        select(Loan).where(
            Loan.status == LoanStatus.OUT,
            Loan.due_at < now,
            (Loan.reminded_at.is_(None)) | (Loan.reminded_at <= now - timedelta(days=1)),
        )
    ).all()
    by_unit = defaultdict(list)
    for loan in loans:
        by_unit[loan.unit_id].append(loan)
    today = local_date(now)
    for unit_id, overdue in by_unit.items():
        label = unit_label(unit_id)
        names = ", ".join(sorted({loan.item.name for loan in overdue}))
        message = _l(
            "Please bring back what you borrowed from the service desk for %(unit)s: %(items)s. It was due "
            "on %(date)s.",
            unit=label,
            items=names,
            date=local_text(min(loan.due_at for loan in overdue)),
        )
        tell_household(unit_id, message, _l("Borrowed items for %(unit)s", unit=label), today=today)
        for loan in overdue:
            loan.reminded_at = now
    return len(loans)
