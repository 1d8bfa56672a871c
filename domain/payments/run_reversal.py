"""Reversing a billing run: allowed while no payment has touched its bills (paid, settling or open), so it
lives with the payments, which depend on the bills and not the other way round."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import Bill, BillLine, RunStatus
from domain.billing.schedule import period_label
from domain.clock import utcnow
from domain.errors import InvalidTransition
from domain.payments.models import Allocation, Payment, PaymentStatus
from extensions import db


def reverse_run(actor, run):
    """Undo a run while none of its bills has a payment (paid, settling or open); its bills are deleted."""
    require(actor, Permission.RUN_BILLING)
    if run.status == RunStatus.REVERSED:
        raise InvalidTransition(_l("This run has already been reversed."))
    touched = db.session.scalar(
        select(func.count())
        .select_from(Allocation)
        .join(Payment)
        .join(Bill, Allocation.bill_id == Bill.id)
        .where(
            Bill.run_id == run.id,
            Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.PROCESSING, PaymentStatus.SUCCEEDED]),
        )
    )
    paid = db.session.scalar(select(func.count()).select_from(Bill).where(Bill.run_id == run.id, Bill.paid_fen > 0))
    if touched or paid:
        raise InvalidTransition(
            _l("Payments have been made or started on bills of this run, so it can no longer be reversed.")
        )
    bill_ids = select(Bill.id).where(Bill.run_id == run.id).scalar_subquery()
    # What is left are allocations of failed or expired attempts (checked above): they go with the bills.
    db.session.execute(delete(Allocation).where(Allocation.bill_id.in_(bill_ids)))
    db.session.execute(delete(BillLine).where(BillLine.bill_id.in_(bill_ids)))
    db.session.execute(delete(Bill).where(Bill.run_id == run.id))
    run.status, run.reversed_at = RunStatus.REVERSED, utcnow()
    record(actor, "billing.run_reverse", run, summary=f"{period_label(run.period)}: {run.bill_count}")
    db.session.flush()
    return run
