"""Renovation applications: the resident's draft (scope, contractor, workers, dates, hours, the signed
undertakings), submitting it, and the review steps that lead to approval or rejection. Every step checks who
may take it, adds a timeline event and writes the audit log; the caller commits."""

from datetime import time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.files.store import delete_stored, store_document
from domain.notify.services import tell_resident
from domain.property.models import Unit, UnitStatus
from domain.property.units import unit_label
from domain.property.validation import Invalid, mask_id_number, normalise_phone
from domain.renovation import workflow
from domain.renovation.models import RenovationApplication, RenovationEvent, RenovationStatus, RenovationWorker
from extensions import db

#: What a renovation may touch (keys stored; labels live in the web layer). Engineering looks hardest at the
#: load-bearing structure, gas, plumbing, electrical work and the facade.
SCOPES = (
    "walls",
    "load_bearing",
    "plumbing",
    "electrical",
    "gas",
    "floors",
    "ceilings",
    "windows",
    "facade",
    "air_conditioning",
    "kitchen_bathroom",
    "other",
)
SCOPE_LABELS = {
    "walls": _l("Walls (not load-bearing)"),
    "load_bearing": _l("Load-bearing walls or structure"),
    "plumbing": _l("Plumbing"),
    "electrical": _l("Electrical wiring"),
    "gas": _l("Gas pipes"),
    "floors": _l("Floor coverings"),
    "ceilings": _l("Ceilings"),
    "windows": _l("Windows and doors"),
    "facade": _l("Facade, balcony enclosure"),
    "air_conditioning": _l("Air conditioning"),
    "kitchen_bathroom": _l("Kitchen and bathroom"),
    "other": _l("Other"),
}
#: The longest a renovation may be planned for.
MAX_DAYS = 180
#: The longest planned start ahead of today.
MAX_LEAD_DAYS = 365


def _parse_hour(text):
    """ "08:00" -> time(8, 0)."""
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours, minutes)


def allowed_hours():
    """(from, until) the property allows works on a day: RENOVATION_HOURS, default 08:00-18:00."""
    text = current_app.config.get("RENOVATION_HOURS", "08:00-18:00")
    start, _, end = text.partition("-")
    return _parse_hour(start), _parse_hour(end)


def _event(application, actor, action, body="", data=None, now=None):
    """Add a timeline entry."""
    event = RenovationEvent(
        application=application,
        at=now or utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        body=body or "",
        data=data,
    )
    db.session.add(event)
    return event


#: What the applicant is told after a staff step (in the portal, and by e-mail when they gave an address).
_NEWS = {
    "request_changes": _l("Renovation #%(id)s (%(unit)s): please change your application. %(note)s"),
    "approve": _l(
        "Renovation #%(id)s (%(unit)s) is approved. Pay the deposit under Bills; the permit follows. %(note)s"
    ),
    "reject": _l("Renovation #%(id)s (%(unit)s) is rejected. %(note)s"),
    "issue_permit": _l(
        "Renovation #%(id)s (%(unit)s): the deposit is paid and your permit is issued. Open it under "
        "Renovation to show it at the gate and post it at the entrance of the unit."
    ),
    "accept": _l("Renovation #%(id)s (%(unit)s) passed the acceptance inspection. The deposit will be refunded."),
    "fail_acceptance": _l("Renovation #%(id)s (%(unit)s) did not pass the acceptance inspection. %(note)s"),
    "refund_deposit": _l("Renovation #%(id)s (%(unit)s): the deposit is refunded, minus any fines."),
    "violation": _l("Renovation #%(id)s (%(unit)s): a violation was found and must be put right. %(note)s"),
}


def tell_applicant(application, action, note="", now=None):
    """Tell the applicant about a step, in their language (in the portal; by e-mail too when they have one)."""
    message = _NEWS.get(action)
    if message is None:
        return
    values = {"id": application.id, "unit": unit_label(application.unit_id), "note": note or ""}
    tell_resident(application.resident_id, LazyString(lambda: (str(message) % values).strip()), now=now)


# The resident's application ------------------------------------------------------------------------


def _clean(values):
    """Strip the typed values and check the ones that have a form: scope keys, dates, hours, phone."""
    scope = [key for key in values.get("scope") or () if key in SCOPES]
    cleaned = {
        "scope": list(dict.fromkeys(scope)),
        "description": (values.get("description") or "").strip()[:4000],
        "contractor_company": (values.get("contractor_company") or "").strip()[:120],
        "contractor_licence": (values.get("contractor_licence") or "").strip()[:60],
        "contractor_person": (values.get("contractor_person") or "").strip()[:80],
        "contractor_phone": (values.get("contractor_phone") or "").strip()[:20],
        "planned_start": values.get("planned_start"),
        "planned_end": values.get("planned_end"),
        "work_from": values.get("work_from"),
        "work_until": values.get("work_until"),
    }
    if cleaned["contractor_phone"]:
        try:
            cleaned["contractor_phone"] = normalise_phone(cleaned["contractor_phone"])
        except Invalid as error:
            raise DomainError(error.message, field="contractor_phone") from None
    return cleaned


def check_dates_and_hours(application, today):
    """Dates not in the past, end after start, at most MAX_DAYS; hours within the property's; else DomainError."""
    start, end = application.planned_start, application.planned_end
    if start is None:
        raise DomainError(_l("Give the day the works start."), field="planned_start")
    if end is None:
        raise DomainError(_l("Give the day the works end."), field="planned_end")
    if start < today:
        raise DomainError(_l("The start cannot be in the past."), field="planned_start")
    if start > today + timedelta(days=MAX_LEAD_DAYS):
        raise DomainError(_l("Apply at most a year ahead."), field="planned_start")
    if end < start:
        raise DomainError(_l("The end must be on or after the start."), field="planned_end")
    if (end - start).days + 1 > MAX_DAYS:
        raise DomainError(_l("Works may last at most %(days)s days.", days=MAX_DAYS), field="planned_end")
    begin, finish = allowed_hours()
    if application.work_from is None or application.work_until is None:
        raise DomainError(_l("Give the daily working hours."), field="work_from")
    if application.work_until <= application.work_from:
        raise DomainError(_l("The working day must end after it starts."), field="work_until")
    if application.work_from < begin or application.work_until > finish:
        raise DomainError(
            _l(
                "Works are allowed between %(start)s and %(end)s only.",
                start=begin.strftime("%H:%M"),
                end=finish.strftime("%H:%M"),
            ),
            field="work_from",
        )


def get_resident_application(resident_id, application_id):
    """One of the resident's own applications; NotFound for anyone else's (its existence does not leak)."""
    application = db.session.get(RenovationApplication, application_id)
    if application is None or application.resident_id != resident_id:
        raise NotFound()
    return application


def get_application(application_id):
    """An application for the staff, or NotFound."""
    application = db.session.get(RenovationApplication, application_id)
    if application is None:
        raise NotFound()
    return application


def _editable(application):
    """Refuse a change unless the application is the resident's to edit (draft, or changes requested)."""
    if application.status not in workflow.EDITABLE:
        raise InvalidTransition(_l("The application can no longer be changed: it is being reviewed or decided."))


def start_application(actor, *, property_id, resident_id, unit_id, allowed_units, now=None, **values):
    """Open a draft for a unit the resident lives in; nothing is checked for completeness until it is submitted."""
    if unit_id not in allowed_units:
        raise NotFound()
    application = RenovationApplication(
        property_id=property_id,
        unit_id=unit_id,
        resident_id=resident_id,
        status=RenovationStatus.DRAFT,
        created_at=now or utcnow(),
        **_clean(values),
    )
    db.session.add(application)
    db.session.flush()
    _event(application, actor, "create", now=now)
    record(actor, "renovation.create", application, summary=unit_label(unit_id))
    return application


def update_application(actor, application, *, resident_id, now=None, **values):
    """Change the draft (or the application sent back with a question)."""
    if application.resident_id != resident_id:
        raise NotFound()
    _editable(application)
    changed = False
    for field, value in _clean(values).items():
        if getattr(application, field) != value:
            setattr(application, field, value)
            changed = True
    if changed:  # every button of the page saves the plan: only a real change goes in the audit log
        record(actor, "renovation.update", application)
    return application


def save_typed(
    actor, application, *, resident_id, values=None, worker=None, remove_worker_id=None, documents=(), now=None
):
    """Keep everything the resident typed on the application's page, whichever of its buttons was pressed: the plan
    (`values`), a worker to register (`worker` as (name, phone, ID number)), one to take off, drawings to attach.

    The caller commits all or nothing, so a refusal of any part saves none of it (and the page shows it all again).
    """
    if application.resident_id != resident_id:
        raise NotFound()
    if values is not None:
        update_application(actor, application, resident_id=resident_id, now=now, **values)
    if remove_worker_id is not None:
        remove_worker(actor, application, remove_worker_id, resident_id=resident_id, now=now)
    if worker is not None:
        add_worker(
            actor, application, resident_id=resident_id, name=worker[0], phone=worker[1], id_number=worker[2], now=now
        )
    documents = [f for f in documents or () if f is not None and getattr(f, "filename", "")]
    if documents:  # last: a refused file removes what it stored, and nothing after it can fail
        add_documents(actor, application, documents, resident_id=resident_id)
    return application


def _new_worker(actor, application, name, phone, id_number, now):
    """Check and register a worker; only the masked ID number is kept."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Write the worker's name."), field="worker_name")
    try:
        phone = normalise_phone(phone)
    except Invalid as error:
        raise DomainError(error.message, field="worker_phone") from None
    try:
        masked = mask_id_number(id_number)
    except Invalid as error:
        raise DomainError(error.message, field="worker_id") from None
    worker = RenovationWorker(
        application=application, name=name[:80], phone=phone, id_number_masked=masked, added_at=now or utcnow()
    )
    db.session.add(worker)
    db.session.flush()
    record(actor, "renovation.worker_add", application, summary=f"{name} {masked}")
    return worker


def add_worker(actor, application, *, resident_id, name, phone, id_number, now=None):
    """Register a worker on the resident's application; only the masked ID number is kept."""
    if application.resident_id != resident_id:
        raise NotFound()
    _editable(application)
    return _new_worker(actor, application, name, phone, id_number, now)


#: Who issues and revokes worker passes once the application is approved (the desk, and security at the gate).
PASS_KEEPERS = frozenset({"frontdesk", "assistant", "manager", "security"})
#: While passes can change.
PASSES_OPEN = frozenset({RenovationStatus.APPROVED, RenovationStatus.PERMITTED})


def _is_pass_keeper(actor):
    """Whether `actor` works at the desk or in security, who issue and revoke worker passes."""
    return actor.role is not None and str(getattr(actor.role, "value", actor.role)) in PASS_KEEPERS


def may_keep_passes(actor, application):
    """Whether `actor` may add and revoke worker passes on `application` now (what the console offers)."""
    return _is_pass_keeper(actor) and application.status in PASSES_OPEN


def _check_pass_keeper(actor, application):
    """Only the desk and security change passes, and only between approval and the end of the works."""
    from domain.errors import NotAllowed

    if not _is_pass_keeper(actor):
        raise NotAllowed()
    if application.status not in PASSES_OPEN:
        raise InvalidTransition(_l("Worker passes change only between approval and the end of the works."))


def add_worker_pass(actor, application, *, name, phone, id_number, now=None):
    """A worker pass added during the works (a new worker shows up with the contractor)."""
    _check_pass_keeper(actor, application)
    worker = _new_worker(actor, application, name, phone, id_number, now)
    _event(application, actor, "worker_pass", body=f"{worker.name} {worker.id_number_masked}", now=now)
    return worker


def revoke_worker_pass(actor, application, worker_id, *, now=None):
    """Revoke a worker's pass: the gate no longer lists them."""
    _check_pass_keeper(actor, application)
    worker = next((w for w in application.workers if w.id == worker_id and w.revoked_at is None), None)
    if worker is None:
        raise NotFound()
    worker.revoked_at = now or utcnow()
    _event(application, actor, "worker_pass_revoked", body=worker.name, now=now)
    record(actor, "renovation.worker_revoke", application, summary=worker.name)
    return worker


def remove_worker(actor, application, worker_id, *, resident_id, now=None):
    """Take a worker off the list (the record stays, revoked)."""
    if application.resident_id != resident_id:
        raise NotFound()
    _editable(application)
    worker = next((w for w in application.workers if w.id == worker_id and w.revoked_at is None), None)
    if worker is None:
        raise NotFound()
    worker.revoked_at = now or utcnow()
    record(actor, "renovation.worker_remove", application, summary=worker.name)
    return worker


def _check_complete(application):
    """Everything the desk needs before a review, else DomainError on the first missing field."""
    if not application.scope:
        raise DomainError(_l("Tick what the works touch."), field="scope")
    if not application.description.strip():
        raise DomainError(_l("Describe the works."), field="description")
    for field, message in (
        ("contractor_company", _l("Name the contractor.")),
        ("contractor_licence", _l("Give the contractor's licence number.")),
        ("contractor_person", _l("Name the person in charge.")),
        ("contractor_phone", _l("Give the person in charge's phone.")),
    ):
        if not getattr(application, field):
            raise DomainError(message, field=field)
    if not any(worker.revoked_at is None for worker in application.workers):
        raise DomainError(_l("Register at least one worker."), field="worker_name")


def submit(actor, application, *, resident_id, signed_name, accept_undertakings, today, now=None):
    """Send the application for review: complete, dates and hours valid, and both undertakings signed by typing
    the applicant's name (the renovation undertaking and the fire-safety agreement)."""
    if application.resident_id != resident_id:
        raise NotFound()
    to = workflow.check(actor, "submit", application.status)
    _check_complete(application)
    check_dates_and_hours(application, today)
    signed_name = (signed_name or "").strip()
    if not accept_undertakings:
        raise DomainError(
            _l("Tick to accept the renovation undertaking and the fire-safety agreement."), field="accept_undertakings"
        )
    if not signed_name:
        raise DomainError(_l("Sign by typing your name."), field="signed_name")
    now = now or utcnow()
    application.status, application.signed_name, application.signed_at = to, signed_name[:80], now
    application.submitted_at, application.decision_note = now, ""
    _event(application, actor, "submit", now=now)
    record(actor, "renovation.submit", application, summary=unit_label(application.unit_id))
    return application


def cancel(actor, application, *, resident_id, now=None):
    """The resident withdraws the application while no decision has been taken."""
    if application.resident_id != resident_id:
        raise NotFound()
    application.status = workflow.check(actor, "cancel", application.status)
    _event(application, actor, "cancel", now=now)
    record(actor, "renovation.cancel", application)
    return application


def comment(actor, application, *, body, resident_id=None, now=None):
    """A message on the timeline: the resident answering a question, or staff noting something."""
    if resident_id is not None and application.resident_id != resident_id:
        raise NotFound()
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write your message."), field="body")
    event = _event(application, actor, "comment", body=body[:2000], now=now)
    record(actor, "renovation.comment", application)
    return event


# The review ----------------------------------------------------------------------------------------


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
    _event(application, actor, action, body=note, now=now)
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


def timeline(application):
    """The application's events, oldest first."""
    return db.session.scalars(
        select(RenovationEvent).where(RenovationEvent.application_id == application.id).order_by(RenovationEvent.id)
    ).all()


def applications_of(resident_id):
    """The resident's applications, newest first."""
    return db.session.scalars(
        select(RenovationApplication)
        .where(RenovationApplication.resident_id == resident_id)
        .order_by(RenovationApplication.id.desc())
    ).all()


# Deposit, fees and the permit ----------------------------------------------------------------------


def _one_off(property_id, code):
    """The active one-off charge of the fee schedule with this code, or None."""
    from domain.billing.models import ChargeBasis, ChargeType

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
    from domain.billing.models import Bill, BillLine, LineKind

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


def deposit_paid(application):
    """Whether the deposit bill is paid in full."""
    from domain.billing.models import Bill

    bill = db.session.get(Bill, application.deposit_bill_id) if application.deposit_bill_id else None
    return bill is not None and bill.outstanding_fen == 0 and bill.total_fen > 0


def _permit_serializer():
    """Signs permit codes with the app's secret key (a QR code cannot be forged or guessed)."""
    from itsdangerous import URLSafeSerializer

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
    if unit.status != UnitStatus.RENOVATING:  # back to occupied at the acceptance inspection
        unit.status = UnitStatus.RENOVATING
    _event(application, actor, "issue_permit", now=now)
    record(actor, "renovation.issue_permit", application)
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
    from domain.accounts.roles import Role
    from domain.errors import NotAllowed

    if actor.role is None or Role(actor.role) not in {Role.MANAGER, Role.SECURITY, Role.ENGINEERING}:
        raise NotAllowed()
    if application.status != RenovationStatus.PERMITTED or application.permit_revoked_at is not None:
        raise InvalidTransition()
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Say what must change, or why."), field="note")
    application.permit_revoked_at = now or utcnow()
    _event(application, actor, "revoke_permit", body=note[:2000], now=now)
    record(actor, "renovation.revoke_permit", application, summary=note[:200])
    return application


def check_permit(code, today):
    """What the gate sees for a scanned permit code: (application or None, reason), reason being "valid",
    "unknown", "not_issued", "revoked", "not_started" or "ended"."""
    from itsdangerous import BadSignature

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


# Drawings and documents ----------------------------------------------------------------------------

#: Most documents one application may carry.
MAX_DOCUMENTS = 10


def add_documents(actor, application, files, *, resident_id=None):
    """Attach drawings or documents (PDF or pictures, content-checked, size-limited, stored privately); all or
    nothing. Residents add them while the application is theirs to edit; staff at any time."""
    from domain.renovation.models import RenovationDocument

    if resident_id is not None:
        if application.resident_id != resident_id:
            raise NotFound()
        _editable(application)
    files = [f for f in files or () if f is not None and getattr(f, "filename", "")]
    drawings = [d for d in application.documents if d.inspection_id is None]
    if len(drawings) + len(files) > MAX_DOCUMENTS:
        raise DomainError(
            _l("An application can carry at most %(count)s documents.", count=MAX_DOCUMENTS), field="documents"
        )
    added = []
    try:
        for file_storage in files:
            stored, content_type, size = store_document(file_storage)
            document = RenovationDocument(
                application_id=application.id,
                stored_name=stored,
                content_type=content_type,
                size=size,
                uploaded_by_id=actor.user_id,
                shown_name=(file_storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:120],
            )
            db.session.add(document)
            added.append(document)
    except DomainError:
        delete_stored(d.stored_name for d in added)
        raise
    db.session.flush()
    if added:
        record(actor, "renovation.documents", application, summary=", ".join(d.shown_name for d in added)[:200])
    db.session.expire(application, ["documents"])
    return added


def get_document(application, document_id):
    """One document of the application, or NotFound (also for another application's)."""
    document = next((d for d in application.documents if d.id == document_id), None)
    if document is None:
        raise NotFound()
    return document


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


def for_staff(wanted, *, today, limit=200):
    """The console's list, newest first: "open", "overdue" (works under way past their planned end),
    "violations" (with an open violation), a status value, or "any". Drafts are the residents' own and never
    listed."""
    from domain.renovation.inspections import UNDER_WAY
    from domain.renovation.models import RenovationViolation, ViolationStatus

    query = (
        select(RenovationApplication)
        .where(RenovationApplication.status != RenovationStatus.DRAFT)
        .order_by(RenovationApplication.id.desc())
        .limit(limit)
    )
    if wanted == "open":
        query = query.where(RenovationApplication.status.in_(OPEN))
    elif wanted == "overdue":
        query = query.where(
            RenovationApplication.status.in_(list(UNDER_WAY)), RenovationApplication.planned_end < today
        )
    elif wanted == "violations":
        query = query.where(
            RenovationApplication.id.in_(
                select(RenovationViolation.application_id).where(RenovationViolation.status == ViolationStatus.OPEN)
            )
        )
    elif wanted != "any":
        query = query.where(RenovationApplication.status == RenovationStatus(wanted))
    return db.session.scalars(query).all()
