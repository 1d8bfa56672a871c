"""The renovation permit (装修许可证): issued once the deposit bill is paid (by whoever takes the payment, through
domain.payments' `bills_paid`), revoked at need, and checked at the gate from the signed code its QR carries."""

from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.services import record
from domain.billing.models import Bill
from domain.clock import local_date, utcnow
from domain.errors import DomainError, InvalidTransition, NotAllowed
from domain.payments.ledger import bills_paid
from domain.property.models import Unit, UnitStatus
from domain.property.units import UNIT_LABEL, set_unit_status
from domain.renovation import workflow
from domain.renovation.events import add_event, tell_applicant
from domain.renovation.models import RenovationApplication, RenovationStatus
from extensions import db

_signals = Namespace()
#: Sent with the application once its permit is issued, in the same transaction: the owner's file keeps the permit as
#: issued (staff/archives renders and files it; the permit's PDF is drawn in the web layer, which the domain does not
#: import).
permit_issued = _signals.signal("renovation-permit-issued")


def deposit_paid(application):
    """Whether the deposit bill is paid in full."""
    bill = db.session.get(Bill, application.deposit_bill_id) if application.deposit_bill_id else None
    return bill is not None and bill.outstanding_fen == 0 and bill.total_fen > 0


def _permit_serializer():
    """Signs permit codes with the app's secret key (a QR code cannot be forged or guessed)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="renovation-permit")


def permit_code(application):
    """The code a permit's QR carries: the application's id, signed."""
    return _permit_serializer().dumps(application.id)


def issue_permit(actor, application, *, now=None):
    """Issue the renovation permit (装修许可证) once the deposit and fees are paid."""
    to = workflow.check(actor, "issue_permit", application.status)
    if not deposit_paid(application):
        raise InvalidTransition(_l("The permit is issued once the deposit and fees are paid."))
    now = now or utcnow()
    application.status, application.permit_issued_at = to, now
    unit = db.session.get(Unit, application.unit_id)
    set_unit_status(unit, UnitStatus.RENOVATING, local_date(now), actor=actor)  # back to occupied at the acceptance
    add_event(application, actor, "issue_permit", now=now)
    record(actor, "renovation.issue_permit", application)
    permit_issued.send(application, actor=actor)
    tell_applicant(application, "issue_permit", now=now)
    return application


def issue_permits_for_paid_bills(bills, *, now=None):
    """Issue the permit of every approved renovation whose deposit bill is among `bills` and now paid in full; the
    applicant is told and the audit log names the payment as the actor.

    Called by domain.payments each time a payment's money lands on bills, so the webhook and the desk issue permits
    alike; in the payment's transaction. Returns the applications whose permit it issued.
    """
    paid = [bill.id for bill in bills if bill.total_fen > 0 and bill.paid_fen >= bill.total_fen]
    if not paid:
        return []
    waiting = db.session.scalars(
        select(RenovationApplication)
        .where(
            RenovationApplication.deposit_bill_id.in_(paid), RenovationApplication.status == RenovationStatus.APPROVED
        )
        .order_by(RenovationApplication.id)
    ).all()
    for application in waiting:
        issue_permit(Actor.system("payment"), application, now=now)
    return waiting


def revoke_permit(actor, application, *, note, now=None):
    """Stop a permit working at the gate (works stopped for a violation, say); the reason goes on the timeline."""
    if actor.role is None or Role(actor.role) not in {Role.MANAGER, Role.SECURITY, Role.ENGINEERING}:
        raise NotAllowed()
    if application.status != RenovationStatus.PERMITTED or application.permit_revoked_at is not None:
        raise InvalidTransition()
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Say what must change, or why."), field="note")
    application.permit_revoked_at = now or utcnow()
    add_event(application, actor, "revoke_permit", body=note[:2000], now=now)
    record(actor, "renovation.revoke_permit", application, summary=note[:200])
    return application


def check_permit(code, today):
    """What the gate sees for a scanned permit code: (application or None, reason), reason being "valid",
    "unknown", "not_issued", "revoked", "not_started" or "ended"."""
    try:
        application_id = _permit_serializer().loads(code or "")
    except BadSignature:
        return None, "unknown"
    application = db.session.get(RenovationApplication, application_id)
    if application is None:
        return None, "unknown"
    if application.status != RenovationStatus.PERMITTED:
        return application, "not_issued"
    if application.permit_revoked_at is not None:
        return application, "revoked"
    if application.planned_start is None or today < application.planned_start:
        return application, "not_started"
    if application.planned_end is None or today > application.planned_end:
        return application, "ended"
    return application, "valid"


def valid_on(property_id, day, *, limit=20):
    """The renovations whose permit lets the workers in on `day` (the rule check_permit applies at the gate), with
    their units, soonest ending first: one statement."""
    application = RenovationApplication
    return db.session.execute(
        select(
            application.id,
            application.planned_start,
            application.planned_end,
            application.contractor_company,
            UNIT_LABEL,
        )
        .join(Unit, application.unit_id == Unit.id)
        .join(Unit.building)
        .where(
            RenovationApplication.property_id == property_id,
            RenovationApplication.status == RenovationStatus.PERMITTED,
            RenovationApplication.permit_revoked_at.is_(None),
            RenovationApplication.planned_start <= day,
            RenovationApplication.planned_end >= day,
        )
        .order_by(RenovationApplication.planned_end, RenovationApplication.id)
        .limit(limit)
    ).all()


@bills_paid.connect
def _issue_permits_on_payment(payment, *, bills, now):
    """A payment's money has landed on `bills`: issue the permits their deposits were waiting for."""
    issue_permits_for_paid_bills(bills, now=now)
