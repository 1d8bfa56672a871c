"""During and after the works: inspections by security and engineering, violations (违章) with a deadline and a
fine taken from the deposit, the resident's completion report, and the acceptance inspection (验收) with its
checklist that returns the unit from renovating to occupied."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from domain.audit.services import record
from domain.billing.models import Bill, BillLine, ChargeType
from domain.clock import local_date, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.files.store import store_picture
from domain.payments.models import Allocation, Payment, PaymentStatus
from domain.payments.refunds import refund_payment
from domain.property.models import Unit, UnitStatus
from domain.property.units import set_unit_status, unit_label
from domain.renovation import workflow
from domain.renovation.events import add_event, tell_applicant
from domain.renovation.models import (
    RenovationApplication,
    RenovationDocument,
    RenovationInspection,
    RenovationStatus,
)
from domain.violations import services as violation_services
from domain.violations.models import OPEN_STAGES, NoticeTemplate, Stage, Violation, ViolationKind
from domain.violations.notices import send_notice
from domain.violations.services import add_event as add_violation_event
from extensions import db

#: Kinds of violation (SOP 11 as it applies to renovation); labels live with the pages.
VIOLATION_KINDS = (
    "outside_hours",
    "unregistered_workers",
    "load_bearing",
    "fire_safety",
    "outside_scope",
    "noise",
    "waste",
    "common_area",
    "other",
)
#: The renovation kinds as violation kinds of the property name them (in Chinese, like the notices). The migration
#: 0015_renovation_violations made the kinds of the violations it moved with these same names.
RENOVATION_KIND_NAMES = {
    "outside_hours": "装修超时施工",
    "unregistered_workers": "装修人员未登记",
    "load_bearing": "擅自拆改承重结构",
    "fire_safety": "装修违反消防安全",
    "outside_scope": "超出审批范围装修",
    "noise": "休息时间装修噪音",
    "waste": "装修垃圾堆放公共区域",
    "common_area": "装修损坏公共部位",
    "other": "其他装修违章",
}
#: The rule every renovation violation breaks, as its notice quotes it.
RENOVATION_RULE = "《装修管理规定》及装修申请时签署的《装修承诺书》《防火责任协议书》"
#: The written notice (违章通知书) of a renovation violation: title and text with the notices' placeholders.
RENOVATION_NOTICE = (
    "违章通知书",
    "{unit}业主/住户：\n"
    "我中心工作人员于{found}在装修巡查中发现，{place}存在“{kind}”行为：{seen}。\n"
    "该行为违反了{rule}。请您于{deadline}前整改完毕。整改完毕前装修不能通过验收；违章罚款从装修押金中扣除。\n"
    "特此通知。",
)
#: The follow-up's outcomes: put right (the fine stands), or waived (not a violation after all: no fine).
OUTCOMES = ("rectified", "waived")
#: What the acceptance inspection checks; every item must pass.
CHECKLIST = (
    "structure_intact",
    "plumbing_tested",
    "electrical_safe",
    "gas_untouched",
    "facade_unchanged",
    "waste_removed",
    "common_areas_clean",
)
VIOLATION_LABELS = {
    "outside_hours": _l("Working outside the permitted hours"),
    "unregistered_workers": _l("Unregistered workers"),
    "load_bearing": _l("Altering a load-bearing wall or structure"),
    "fire_safety": _l("Fire-safety breach"),
    "outside_scope": _l("Works outside the approved scope"),
    "noise": _l("Noise at rest times"),
    "waste": _l("Waste left in common areas"),
    "common_area": _l("Damage to common areas"),
    "other": _l("Other"),
}
CHECKLIST_LABELS = {
    "structure_intact": _l("Load-bearing structure intact"),
    "plumbing_tested": _l("Plumbing and waterproofing tested"),
    "electrical_safe": _l("Electrical work safe"),
    "gas_untouched": _l("Gas pipes untouched or certified"),
    "facade_unchanged": _l("Facade unchanged"),
    "waste_removed": _l("Building waste removed"),
    "common_areas_clean": _l("Common areas clean and undamaged"),
}


def require_inspector(actor):
    """Only security, engineering and the manager inspect and record violations."""
    if not workflow.is_inspector(actor):
        raise NotAllowed()


def record_inspection(actor, application, *, findings, photos=(), now=None):
    """A visit during the works: what was seen, with photos (checked and stored like ticket photos)."""
    require_inspector(actor)
    if application.status not in workflow.UNDER_WAY:
        raise InvalidTransition(_l("Only works under way are inspected."))
    findings = (findings or "").strip()
    if not findings:
        raise DomainError(_l("Write what you found."), field="findings")
    now = now or utcnow()
    inspection = RenovationInspection(
        application_id=application.id,
        kind="routine",
        at=now,
        inspector_id=actor.user_id,
        inspector_name=actor.name,
        findings=findings[:4000],
    )
    db.session.add(inspection)
    db.session.flush()
    for photo in [p for p in photos or () if p is not None and getattr(p, "filename", "")]:
        stored, content_type, size = store_picture(photo)
        db.session.add(
            RenovationDocument(
                application_id=application.id,
                inspection_id=inspection.id,
                stored_name=stored,
                content_type=content_type,
                size=size,
                shown_name=(photo.filename or "")[-120:],
                uploaded_by_id=actor.user_id,
            )
        )
    add_event(application, actor, "inspect", body=findings[:2000], now=now)
    record(actor, "renovation.inspect", application, summary=findings[:200])
    db.session.expire(application, ["documents"])
    return inspection


def _kind_for(property_id, key):
    """The property's violation kind standing for the renovation kind `key`, made (with its notice text) the first
    time one is recorded."""
    kind = db.session.scalar(
        select(ViolationKind).where(ViolationKind.property_id == property_id, ViolationKind.renovation_kind == key)
    )
    if kind is not None:
        return kind
    name = RENOVATION_KIND_NAMES[key]
    taken = db.session.scalar(
        select(ViolationKind.id).where(ViolationKind.property_id == property_id, ViolationKind.name == name)
    )
    kind = ViolationKind(
        property_id=property_id,
        name=f"{name}（装修）" if taken else name,
        rule=RENOVATION_RULE,
        first_stage=Stage.NOTICED,
        renovation_kind=key,
        templates=[NoticeTemplate(stage=Stage.NOTICED, title=RENOVATION_NOTICE[0], body=RENOVATION_NOTICE[1])],
    )
    db.session.add(kind)
    db.session.flush()
    return kind


def record_violation(actor, application, *, kind, description, deadline, fine_fen=0, today, inspection=None, now=None):
    """A violation found during the works, with its rectification deadline and the fine to take from the deposit: a
    Violation at the written-notice stage linked to the application (see domain/violations/models.py), its notice
    stored as sent; the applicant is told in the portal."""
    require_inspector(actor)
    if application.status not in workflow.UNDER_WAY:
        raise InvalidTransition(_l("Only works under way are inspected."))
    if kind not in VIOLATION_KINDS:
        raise DomainError(_l("Choose the kind of violation."), field="kind")
    description = (description or "").strip()
    if not description:
        raise DomainError(_l("Describe the violation."), field="description")
    if deadline is None or deadline < today:
        raise DomainError(_l("The deadline cannot be in the past."), field="deadline")
    if fine_fen is None or fine_fen < 0:
        raise DomainError(_l("The fine cannot be negative."), field="fine")
    now = now or utcnow()
    violation = Violation(
        property_id=application.property_id,
        kind=_kind_for(application.property_id, kind),
        unit_id=application.unit_id,
        seen=description[:2000],
        stage=Stage.NOTICED,
        deadline=deadline,
        fine_fen=fine_fen or None,
        renovation_id=application.id,
        inspection_id=inspection.id if inspection is not None else None,
        recorded_by_id=actor.user_id,
        recorded_at=now,
    )
    db.session.add(violation)
    db.session.flush()
    add_violation_event(violation, actor, "recorded", body=violation.seen, data={"stage": Stage.NOTICED.value}, now=now)
    # The notice (违章通知书) is stored as sent and read under the portal's notices; the applicant is told once, here,
    # in their language.
    send_notice(actor, violation, Stage.NOTICED, now=now, tell_residents=False)
    tell_applicant(application, "violation", f"{description[:200]} ({deadline.isoformat()})", now)
    add_event(
        application,
        actor,
        "violation",
        body=description[:2000],
        data={"fine_fen": fine_fen, "deadline": deadline.isoformat(), "violation_id": violation.id},
        now=now,
    )
    record(actor, "renovation.violation", application, summary=f"{kind} fine {fine_fen} fen: {description}"[:200])
    record(actor, "violation.record", violation, summary=f"{violation.kind.name}: #{application.id}"[:200])
    return violation


def resolve_violation(actor, application, violation_id, *, outcome, note="", now=None):
    """The follow-up: put right ("rectified", the fine stands) or found not to be one ("waived", no fine)."""
    require_inspector(actor)
    violation = db.session.get(Violation, violation_id)
    if violation is None or violation.renovation_id != application.id:
        raise NotFound()
    if not violation.is_open:
        raise InvalidTransition(_l("This violation is already settled."))
    if outcome not in OUTCOMES:
        raise DomainError(_l("Choose rectified or waived."), field="outcome")
    note = (note or "").strip()[:2000]
    if outcome == "waived" and not note:
        raise DomainError(_l("Say why it is waived."), field="note")
    if outcome == "waived":
        return violation_services.withdraw(actor, violation, reason=note, now=now)
    violation_services.record_check(actor, violation, rectified=True, note=note, now=now)
    return violation


@violation_services.violation_settled.connect
def _on_violation_settled(violation, *, actor, action, note, now):
    """A violation found during the works and settled (rectified or waived, on this page or the violation's) goes on
    the renovation's timeline too."""
    add_event(violation.renovation, actor, action, body=(note or "")[:2000], now=now)


def violations_of(application):
    """The application's violations, oldest first, with their kind and timeline (the closing note) loaded."""
    return db.session.scalars(
        select(Violation)
        .where(Violation.renovation_id == application.id)
        .options(selectinload(Violation.kind), selectinload(Violation.events))
        .order_by(Violation.id)
    ).all()


def inspections_of(application):
    """The application's inspections, oldest first."""
    return db.session.scalars(
        select(RenovationInspection)
        .where(RenovationInspection.application_id == application.id)
        .order_by(RenovationInspection.id)
    ).all()


def fines_fen(application):
    """The fines to take from the deposit: every violation not waived."""
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(Violation.fine_fen), 0)).where(
                Violation.renovation_id == application.id, Violation.stage != Stage.WITHDRAWN
            )
        )
        or 0
    )


def report_completion(actor, application, *, resident_id, now=None):
    """The resident says the works are finished: engineering's acceptance inspection comes next."""
    if application.resident_id != resident_id:
        raise NotFound()
    application.status = workflow.check(actor, "report_completion", application.status)
    add_event(application, actor, "report_completion", now=now)
    record(actor, "renovation.report_completion", application)
    return application


def accept(actor, application, *, checklist, findings="", now=None):
    """The acceptance inspection (验收): it passes when every checklist item passes and no violation is open; then
    the unit is occupied again and the deposit waits for its refund. Otherwise the works go on (back to the permit)."""
    checklist = {key: bool(checklist.get(key)) for key in CHECKLIST}
    passed = all(checklist.values())
    action = "accept" if passed else "fail_acceptance"
    to = workflow.check(actor, action, application.status)
    open_violations = db.session.scalar(
        select(func.count(Violation.id)).where(
            Violation.renovation_id == application.id, Violation.stage.in_(OPEN_STAGES)
        )
    )
    findings = (findings or "").strip()
    if passed and open_violations:
        raise DomainError(
            _l("%(count)s violation(s) are still open: settle them before the acceptance.", count=open_violations),
            field="checklist",
        )
    if not passed and not findings:
        raise DomainError(_l("Say what failed."), field="findings")
    now = now or utcnow()
    inspection = RenovationInspection(
        application_id=application.id,
        kind="acceptance",
        at=now,
        inspector_id=actor.user_id,
        inspector_name=actor.name,
        findings=findings[:4000],
        checklist=checklist,
        passed=passed,
    )
    db.session.add(inspection)
    application.status = to
    if passed:
        unit = db.session.get(Unit, application.unit_id)
        if unit.status == UnitStatus.RENOVATING:
            set_unit_status(unit, UnitStatus.OCCUPIED, local_date(now), actor=actor)
    add_event(application, actor, action, body=findings[:2000], now=now)
    record(actor, f"renovation.{action}", application, summary=findings[:200])
    tell_applicant(application, action, findings, now)
    return inspection


def refund_deposit(actor, application, *, provider=None, now=None):
    """Give the deposit back minus the fines, exactly once: through the payment that paid it (online payments
    through the provider, desk payments recorded as a desk refund). The deposit bill stays paid.

    Raises PaymentsUnavailable (nothing changed) when the provider of an online payment cannot be reached.
    """
    workflow.check(actor, "refund_deposit", application.status)
    now = now or utcnow()
    # Exactly once, even for two clicks at the same moment: only one conditional update finds it ACCEPTED.
    moved = db.session.execute(
        update(RenovationApplication)
        .where(RenovationApplication.id == application.id, RenovationApplication.status == RenovationStatus.ACCEPTED)
        .values(status=RenovationStatus.CLOSED, closed_at=now)
    ).rowcount
    if moved != 1:
        raise Conflict(_l("The deposit has just been refunded."))
    db.session.refresh(application)
    code = current_app.config["RENOVATION_DEPOSIT_CODE"]
    deposit = (
        db.session.scalar(
            select(func.coalesce(func.sum(BillLine.amount_fen), 0))
            .join(ChargeType)
            .where(BillLine.bill_id == application.deposit_bill_id, ChargeType.code == code)
        )
        or 0
    )
    bill = db.session.get(Bill, application.deposit_bill_id)
    paid_share = min(deposit, bill.paid_fen) if bill else 0
    kept = min(fines_fen(application), paid_share)
    to_refund = paid_share - kept
    payments = db.session.scalars(
        select(Payment)
        .join(Allocation)
        .where(Allocation.bill_id == application.deposit_bill_id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(Payment.id.desc())
    ).all()
    left = to_refund
    for payment in payments:
        if left == 0:
            break
        amount = min(left, payment.refundable_fen)
        if amount > 0:
            refund_payment(
                actor,
                payment,
                amount_fen=amount,
                keep_bills=True,
                provider=provider,
                reason=f"装修押金退还 #{application.id} {unit_label(application.unit_id)}",
            )
            left -= amount
    if left:
        raise DomainError(_l("The payments of the deposit cannot cover the refund; refund it at the desk by hand."))
    application.deposit_fen, application.fines_kept_fen, application.refunded_fen = paid_share, kept, to_refund
    add_event(
        application,
        actor,
        "refund_deposit",
        body="",
        now=now,
        data={"deposit_fen": paid_share, "fines_fen": kept, "refunded_fen": to_refund},
    )
    record(
        actor,
        "renovation.refund_deposit",
        application,
        summary=f"deposit {paid_share} fen, fines {kept} fen, refunded {to_refund} fen",
    )
    tell_applicant(application, "refund_deposit", now=now)
    return to_refund
