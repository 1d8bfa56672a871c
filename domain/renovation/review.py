"""The staff's review of a submitted application: the desk's check, engineering's review, asking for changes,
rejecting, and the manager's approval that bills the deposit; and the console's list of applications."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain import exports
from domain.audit.services import record
from domain.billing.models import Bill, BillLine, ChargeBasis, ChargeType, LineKind
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL, unit_label
from domain.renovation import workflow
from domain.renovation.events import add_event, tell_applicant
from domain.renovation.models import RenovationApplication, RenovationStatus
from domain.renovation.permits import deposit_paid
from domain.violations.models import OPEN_STAGES, Violation
from extensions import db


def take_step(actor, application, action, *, note="", now=None):
    """A staff step of the review: "check", "review", "request_changes" or "reject" (approval is `approve`, which
    also bills the deposit).

    The table in workflow.py says who may take which step from which status; asking for changes and rejecting
    need a note, which the resident sees.
    """
    if action not in {"check", "review", "request_changes", "reject", "_approve"}:
        raise InvalidTransition()
    action = action.lstrip("_")
    to = workflow.check(actor, action, application.status)
    note = (note or "").strip()
    if action in workflow.NEEDS_NOTE and not note:
        raise DomainError(_l("Say what must change, or why."), field="note")
    now = now or utcnow()
    application.status = to
    if action in workflow.NEEDS_NOTE:
        application.decision_note = note[:2000]
    if action in ("approve", "reject"):
        application.decided_at, application.decided_by_id = now, actor.user_id
        if action == "approve":
            application.decision_note = note[:2000]
    add_event(application, actor, action, body=note, now=now)
    record(actor, f"renovation.{action}", application, summary=note[:200])
    tell_applicant(application, action, note, now)
    return application


def allowed_actions(actor, application):
    """The review steps `actor` may take on `application` now, in table order (what the console offers): the
    table's steps, less the permit while its deposit is unpaid."""
    steps = workflow.steps_for(actor, application.status)
    if "issue_permit" in steps and not deposit_paid(application):
        steps.remove("issue_permit")
    return steps


def _one_off(property_id, code):
    """The active one-off charge of the fee schedule with this code, or None."""
    return db.session.scalar(
        select(ChargeType).where(
            ChargeType.property_id == property_id,
            ChargeType.code == code,
            ChargeType.basis == ChargeBasis.ONE_OFF,
            ChargeType.is_active.is_(True),
        )
    )


def approve(actor, application, *, note="", today, now=None):
    """The manager's approval: the renovation deposit (and the fee, if the schedule has one) become one bill of
    the unit, which the resident pays online or at the desk; the permit waits for that payment."""
    workflow.check(actor, "approve", application.status)
    config = current_app.config
    deposit = _one_off(application.property_id, config["RENOVATION_DEPOSIT_CODE"])
    if deposit is None or deposit.rate_on(today) is None:
        raise DomainError(
            _l(
                "The fee schedule has no renovation deposit (a one-off charge with the code %(code)s) "
                "in force: add it first.",
                code=config["RENOVATION_DEPOSIT_CODE"],
            )
        )
    charges = [deposit]
    fee = _one_off(application.property_id, config["RENOVATION_FEE_CODE"])
    if fee is not None and fee.rate_on(today) is not None:
        charges.append(fee)
    label = unit_label(application.unit_id)
    bill = Bill(
        property_id=application.property_id,
        unit_id=application.unit_id,
        period=None,
        title=str(deposit.name)[:80],
        issued_on=today,
        due_date=today + timedelta(days=int(config["RENOVATION_PAY_DAYS"])),
        created_at=now or utcnow(),
    )
    for charge in charges:
        amount = charge.rate_on(today).rate_fen
        bill.lines.append(
            BillLine(
                charge_type_id=charge.id,
                kind=LineKind.CHARGE,
                description=charge.name[:80],
                detail=f"#{application.id} {label}"[:120],
                amount_fen=amount,
            )
        )
    bill.total_fen = sum(line.amount_fen for line in bill.lines)
    db.session.add(bill)
    db.session.flush()
    application.deposit_bill_id = bill.id
    take_step(actor, application, "_approve", note=note, now=now)
    record(actor, "bill.renovation", bill, summary=f"{label} #{application.id} {bill.total_fen} fen")
    return bill


#: What "open" means in the console's list: everything still to be decided or under way.
OPEN = (
    RenovationStatus.SUBMITTED,
    RenovationStatus.CHECKED,
    RenovationStatus.REVIEWED,
    RenovationStatus.CHANGES_REQUESTED,
    RenovationStatus.APPROVED,
    RenovationStatus.PERMITTED,
    RenovationStatus.COMPLETION_REPORTED,
    RenovationStatus.ACCEPTED,
)


def _for_staff_query(query, wanted, *, today):
    """`query` of applications narrowed to the console's filter, newest first (the page's and its export's)."""
    query = query.where(RenovationApplication.status != RenovationStatus.DRAFT).order_by(
        RenovationApplication.id.desc()
    )
    if wanted == "open":
        query = query.where(RenovationApplication.status.in_(OPEN))
    elif wanted == "overdue":
        query = query.where(
            RenovationApplication.status.in_(list(workflow.UNDER_WAY)), RenovationApplication.planned_end < today
        )
    elif wanted == "violations":
        query = query.where(
            RenovationApplication.id.in_(
                select(Violation.renovation_id).where(
                    Violation.renovation_id.is_not(None), Violation.stage.in_(OPEN_STAGES)
                )
            )
        )
    elif wanted != "any":
        query = query.where(RenovationApplication.status == RenovationStatus(wanted))
    return query


def for_staff(wanted, *, today, limit=200):
    """The console's list, newest first: "open", "overdue" (works under way past their planned end),
    "violations" (with an open violation), a status value, or "any". Drafts are the residents' own and never
    listed."""
    return db.session.scalars(_for_staff_query(select(RenovationApplication), wanted, today=today).limit(limit)).all()


def export_for_staff(wanted, *, today):
    """(row count, rows) of every application of the console's list under `wanted`, newest first: (id, unit,
    status value, planned start, planned end, contractor, submitted at)."""
    columns = (
        select(
            RenovationApplication.id,
            UNIT_LABEL,
            RenovationApplication.status,
            RenovationApplication.planned_start,
            RenovationApplication.planned_end,
            RenovationApplication.contractor_company,
            RenovationApplication.submitted_at,
        )
        .join(Unit, Unit.id == RenovationApplication.unit_id)
        .join(Building, Building.id == Unit.building_id)
    )
    query = _for_staff_query(columns, wanted, today=today)
    return exports.count(query), exports.stream(query)
