"""The move-in fees (SOP 2.3.7): the case's ONE bill, one line per fee line of its checklist, the amounts from the fee
schedule. The desk takes the money like any bill's (staff.unit_bills); when the bill is paid, through whichever way,
the fee lines tick themselves (`bills_paid`)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import Bill, ChargeBasis, ChargeType, Scope
from domain.billing.runs import ChargePlan, lines_for_unit
from domain.billing.services import bill_lines
from domain.clock import today, utcnow
from domain.errors import DomainError, InvalidTransition
from domain.money import fen_to_decimal
from domain.movein.cases import record_event
from domain.movein.models import ItemKind, MoveInCase, MoveInItem
from domain.movein.workflow import DESK_EDITABLE, OPEN_CASES
from domain.payments.ledger import bills_paid, bills_reopened
from extensions import db


def fee_items(case):
    """The case's fee lines, in checklist order."""
    return [item for item in case.items if item.kind == ItemKind.FEE]


def fee_amount(item, unit, day):
    """(amount_fen, how it was worked out) of one fee line for `unit` from the schedule in force on `day`: a monthly
    charge (per m² or per unit) times the line's months, a one-off charge as it is. DomainError when the schedule
    has no usable charge for it."""
    charge = db.session.get(ChargeType, item.charge_type_id) if item.charge_type_id else None
    if charge is None or not charge.is_active or charge.basis == ChargeBasis.METERED:
        raise DomainError(_l("“%(name)s” has no active charge of the fee schedule.", name=item.name))
    rate = charge.rate_on(day)
    if rate is None:
        raise DomainError(_l("“%(name)s” has no amount in force yet.", name=item.name))
    if charge.basis == ChargeBasis.ONE_OFF:
        return rate.rate_fen, f"¥{fen_to_decimal(rate.rate_fen)}"
    months = max(item.months, 1)
    # The monthly amount exactly as a billing run works it out (one home for per-m² rounding).
    plan = ChargePlan(
        charge.id, charge.code, charge.name, charge.basis, rate.rate_fen, "", Scope.ALL, None, frozenset()
    )
    lines = lines_for_unit(unit.id, unit.building_id, unit.area_x100, [plan], {})
    monthly, detail = (lines[0][3], lines[0][2]) if lines else (0, "")
    return monthly * months, f"{detail} × {months}"


def fee_preview(case):
    """{line id: (amount_fen, how) or (None, why not)} of the case's fee lines: the billed amount once the bill is
    made, else what today's schedule would bill."""
    preview, day = {}, today()
    for item in fee_items(case):
        if case.bill_id:
            preview[item.id] = (item.amount_fen, "")
            continue
        try:
            preview[item.id] = fee_amount(item, case.unit, day)
        except DomainError as error:
            preview[item.id] = (None, str(error.message))
    return preview


def case_bill(case):
    """The case's bill, or None before it is made."""
    return db.session.get(Bill, case.bill_id) if case.bill_id else None


def make_case_bill(actor, case):
    """Make the case's one bill of its fees (one line per fee line, amounts from today's schedule, due today);
    idempotent: a case that has its bill gets that bill back. DomainError when the case has no fees."""
    require(actor, Permission.HANDLE_MOVE_IN)
    if case.bill_id:
        return case_bill(case)
    if case.status not in DESK_EDITABLE:
        raise InvalidTransition()
    items = fee_items(case)
    if not items:
        raise DomainError(_l("This case has no fees to collect."))
    day = today()
    lines = []
    for item in items:
        amount, detail = fee_amount(item, case.unit, day)
        if amount <= 0:
            raise DomainError(_l("“%(name)s” comes to nothing for this unit.", name=item.name))
        item.amount_fen = amount
        lines.append((item.charge_type_id, item.name, detail, amount))
    bill = bill_lines(
        property_id=case.property_id,
        unit_id=case.unit_id,
        title=f"入住费用 {case.unit.label}",
        lines=lines,
        issued_on=day,
        due_date=day,
    )
    case.bill_id = bill.id
    total = f"¥{fen_to_decimal(bill.total_fen)}"
    record_event(actor, case, "bill", body=total, data={"bill": bill.id, "total_fen": bill.total_fen})
    record(actor, "move_in.bill", case, summary=f"{case.unit.label} {total}")
    return bill


def fees_settled(case):
    """Whether the fees are done: no fee lines, or the case's bill is paid in full."""
    if not fee_items(case):
        return True
    bill = case_bill(case)
    return bill is not None and bill.outstanding_fen == 0


def tick_fees_for_paid_bills(bills, *, now=None):
    """Tick the fee lines of every case whose bill is among `bills` and now paid in full, on the case's timeline with
    the payment as the actor. Called in the payment's transaction, whoever took it. Returns the cases ticked."""
    paid = [bill.id for bill in bills if bill.total_fen > 0 and bill.paid_fen >= bill.total_fen]
    if not paid:
        return []
    cases = db.session.scalars(select(MoveInCase).where(MoveInCase.bill_id.in_(paid)).order_by(MoveInCase.id)).all()
    actor = Actor.system("payment")
    now = now or utcnow()
    for case in cases:
        waiting = db.session.scalars(
            select(MoveInItem).where(
                MoveInItem.case_id == case.id, MoveInItem.kind == ItemKind.FEE, MoveInItem.done_at.is_(None)
            )
        ).all()
        for item in waiting:
            item.done_at = now
        if waiting:
            record_event(actor, case, "paid", body="、".join(i.name for i in waiting), data={"bill": case.bill_id})
            record(actor, "move_in.paid", case, summary=case.unit.label)
    return cases


@bills_paid.connect
def _tick_fees_on_payment(payment, *, bills, now):
    """A payment's money has landed on `bills`: tick the move-in fees they were for."""
    tick_fees_for_paid_bills(bills, now=now)


def untick_fees_for_reopened_bills(bills):
    """Take back the fee ticks of open cases whose bill owes again (a desk payment voided, a refund); a completed
    case keeps its record. Returns the cases changed."""
    owing = [bill.id for bill in bills if bill.outstanding_fen > 0]
    if not owing:
        return []
    cases = db.session.scalars(
        select(MoveInCase)
        .where(MoveInCase.bill_id.in_(owing), MoveInCase.status.in_(OPEN_CASES))
        .order_by(MoveInCase.id)
    ).all()
    actor = Actor.system("payment")
    for case in cases:
        ticked = db.session.scalars(
            select(MoveInItem).where(
                MoveInItem.case_id == case.id, MoveInItem.kind == ItemKind.FEE, MoveInItem.done_at.is_not(None)
            )
        ).all()
        for item in ticked:
            item.done_at = item.done_by_id = None
        if ticked:
            record_event(actor, case, "unpaid", body="、".join(i.name for i in ticked), data={"bill": case.bill_id})
            record(actor, "move_in.unpaid", case, summary=case.unit.label)
    return cases


@bills_reopened.connect
def _untick_fees_on_refund(payment, *, bills):
    """Money came off `bills`: the move-in fees they were for are no longer paid."""
    untick_fees_for_reopened_bills(bills)
