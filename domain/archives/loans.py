"""Lending the paper file (借阅): the manager lends it (who, why, due back) and is recorded as approving; the desk
takes it back; overdue loans are listed until the file is back."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.archives.files import get_file_unit
from domain.archives.models import FileLoan
from domain.audit.services import record
from domain.clock import today, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.property.units import unit_labels
from extensions import db

#: Longest loan the manager may grant in one go (a file away longer is lost, not lent).
MAX_LOAN_DAYS = 90


def lend_file(actor, *, unit_id, property_id, borrower_name, reason, due_on, note=""):
    """Lend the unit's paper file: the manager approves by lending it. One loan at a time (there is one paper file);
    a borrower's name, a reason and a due date from today up to MAX_LOAN_DAYS ahead are required."""
    require(actor, Permission.LEND_FILES)
    get_file_unit(unit_id, property_id)
    borrower_name, reason = (borrower_name or "").strip(), (reason or "").strip()
    if not borrower_name:
        raise DomainError(_l("Who borrows the file?"), field="borrower_name")
    if not reason:
        raise DomainError(_l("Say why the file is borrowed."), field="reason")
    lent_on = today()
    if due_on is None or due_on < lent_on:
        raise DomainError(_l("The file is due back today or later."), field="due_on")
    if (due_on - lent_on).days > MAX_LOAN_DAYS:
        raise DomainError(_l("A file is lent for at most %(days)s days.", days=MAX_LOAN_DAYS), field="due_on")
    if open_loan(unit_id) is not None:
        raise Conflict(_l("This file is lent out: it must come back before it is lent again."))
    loan = FileLoan(
        property_id=property_id,
        unit_id=unit_id,
        borrower_name=borrower_name[:80],
        reason=reason,
        approved_by_id=actor.user_id,
        lent_on=lent_on,
        due_on=due_on,
        note=(note or "").strip(),
    )
    db.session.add(loan)
    db.session.flush()
    record(actor, "archive.lend", loan, summary=f"{borrower_name}: {reason} → {due_on}"[:200])
    return loan


def get_loan(loan_id, property_id):
    """One loan of the property, or NotFound."""
    loan = db.session.get(FileLoan, loan_id)
    if loan is None or loan.property_id != property_id:
        raise NotFound()
    return loan


def return_file(actor, loan, note=""):
    """Record the paper file back (the desk takes it in); a loan returns once."""
    require(actor, Permission.FILE_DOCUMENTS)
    if loan.returned_at is not None:
        raise InvalidTransition(_l("This file is already back."))
    loan.returned_at = utcnow()
    loan.returned_to_id = actor.user_id
    note = (note or "").strip()
    if note:
        loan.note = f"{loan.note}\n{note}".strip()
    db.session.flush()
    record(actor, "archive.return", loan, summary=note[:200])
    return loan


def open_loan(unit_id):
    """The unit's loan not yet returned, or None."""
    query = select(FileLoan).where(FileLoan.unit_id == unit_id, FileLoan.returned_at.is_(None))
    return db.session.scalars(query.limit(1)).first()


def loans_of_unit(unit_id):
    """Every loan of the unit's file, newest first."""
    query = select(FileLoan).where(FileLoan.unit_id == unit_id).order_by(FileLoan.id.desc())
    return db.session.scalars(query).all()


def open_loans(property_id, *, overdue_only=False):
    """The files lent out now (only the overdue ones on request), longest overdue first, with their unit labels:
    [(loan, label)]."""
    query = select(FileLoan).where(FileLoan.property_id == property_id, FileLoan.returned_at.is_(None))
    if overdue_only:
        query = query.where(FileLoan.due_on < today())
    loans = db.session.scalars(query.order_by(FileLoan.due_on, FileLoan.id)).all()
    labels = unit_labels({loan.unit_id for loan in loans})
    return [(loan, labels.get(loan.unit_id, "")) for loan in loans]


def is_overdue(loan):
    """Whether the loan is out past its due date."""
    return loan.returned_at is None and loan.due_on < today()
