"""Bills outside the monthly run: a one-off charge (a renovation deposit, say), or a few lines billed together (a
move-in's fees), each as one unit's own bill."""

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
    note = note.strip()[:120]
    bill = bill_lines(
        property_id=charge.property_id,
        unit_id=unit.id,
        title=charge.name,
        lines=[(charge.id, charge.name, note, rate.rate_fen)],
        issued_on=today,
        due_date=due_date,
    )
    record(actor, "bill.one_off", bill, summary=f"{unit.label} {charge.name} ¥{fen_to_decimal(rate.rate_fen)}")
    return bill


def bill_lines(*, property_id, unit_id, title, lines, issued_on, due_date):
    """Make one bill (no period) of `lines`, each (charge_type_id, description, detail, amount_fen), and flush it.

    The caller checks its own permission and writes its audit entry; the total is the sum of the lines.
    """
    bill = Bill(
        property_id=property_id,
        unit_id=unit_id,
        period=None,
        title=title[:80],
        issued_on=issued_on,
        due_date=due_date,
        total_fen=sum(amount for _c, _d, _t, amount in lines),
        created_at=utcnow(),
    )
    for charge_type_id, description, detail, amount_fen in lines:
        bill.lines.append(
            BillLine(
                charge_type_id=charge_type_id,
                kind=LineKind.CHARGE,
                description=description[:80],
                detail=detail[:120],
                amount_fen=amount_fen,
            )
        )
    db.session.add(bill)
    db.session.flush()
    return bill
