"""Billing a one-off charge (a renovation deposit, say) to one unit as its own bill."""

from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import Bill, BillLine, ChargeBasis, ChargeType, LineKind
from domain.clock import utcnow
from domain.errors import DomainError
from domain.money import fen_to_decimal
from extensions import db


def charge_one_off(actor, *, unit, charge_type_id, due_date, today, note=""):
    """Bill a one-off charge (a renovation deposit, say) to one unit as its own bill."""
    require(actor, Permission.RUN_BILLING)
    charge = db.session.get(ChargeType, charge_type_id)
    if charge is None or charge.basis != ChargeBasis.ONE_OFF or not charge.is_active:
        raise DomainError(_l("Choose an active one-off charge."), field="charge_type_id")
    rate = charge.rate_on(today)
    if rate is None:
        raise DomainError(_l("This charge has no amount in force yet."), field="charge_type_id")
    bill = Bill(
        property_id=charge.property_id,
        unit_id=unit.id,
        period=None,
        title=charge.name,
        issued_on=today,
        due_date=due_date,
        total_fen=rate.rate_fen,
        created_at=utcnow(),
    )
    bill.lines.append(
        BillLine(
            charge_type_id=charge.id,
            kind=LineKind.CHARGE,
            description=charge.name,
            detail=note.strip()[:120],
            amount_fen=rate.rate_fen,
        )
    )
    db.session.add(bill)
    db.session.flush()
    record(actor, "bill.one_off", bill, summary=f"{unit.label} {charge.name} ¥{fen_to_decimal(rate.rate_fen)}")
    return bill
