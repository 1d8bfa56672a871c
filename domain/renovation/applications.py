"""Renovation applications: the resident's draft (scope, contractor, workers, dates, hours, the signed
undertakings), submitting it, withdrawing it and messages on its timeline. Every step checks who may take it,
adds a timeline event and writes the audit log; the caller commits."""

from datetime import time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, NotFound
from domain.property.units import unit_label
from domain.property.validation import Invalid, normalise_phone
from domain.renovation import workflow
from domain.renovation.documents import add_documents
from domain.renovation.events import add_event
from domain.renovation.models import RenovationApplication, RenovationStatus
from domain.renovation.workers import add_worker, remove_worker
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
    add_event(application, actor, "create", now=now)
    record(actor, "renovation.create", application, summary=unit_label(unit_id))
    return application


def update_application(actor, application, *, resident_id, now=None, **values):
    """Change the draft (or the application sent back with a question)."""
    if application.resident_id != resident_id:
        raise NotFound()
    workflow.check_editable(application)
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
    add_event(application, actor, "submit", now=now)
    record(actor, "renovation.submit", application, summary=unit_label(application.unit_id))
    return application


def cancel(actor, application, *, resident_id, now=None):
    """The resident withdraws the application while no decision has been taken."""
    if application.resident_id != resident_id:
        raise NotFound()
    application.status = workflow.check(actor, "cancel", application.status)
    add_event(application, actor, "cancel", now=now)
    record(actor, "renovation.cancel", application)
    return application


def comment(actor, application, *, body, resident_id=None, now=None):
    """A message on the timeline: the resident answering a question, or staff noting something."""
    if resident_id is not None and application.resident_id != resident_id:
        raise NotFound()
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write your message."), field="body")
    event = add_event(application, actor, "comment", body=body[:2000], now=now)
    record(actor, "renovation.comment", application)
    return event


def applications_of(resident_id):
    """The resident's applications, newest first."""
    return db.session.scalars(
        select(RenovationApplication)
        .where(RenovationApplication.resident_id == resident_id)
        .order_by(RenovationApplication.id.desc())
    ).all()
