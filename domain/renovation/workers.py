"""The workers of a renovation: registered by the resident on the draft, and passes added or revoked by the desk
and security once the application is approved. Only the masked ID number is kept."""

from flask_babel import lazy_gettext as _l

from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from domain.property.validation import Invalid, mask_id_number, normalise_phone
from domain.renovation import workflow
from domain.renovation.events import add_event
from domain.renovation.models import RenovationStatus, RenovationWorker
from extensions import db


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
    workflow.check_editable(application)
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
    if not _is_pass_keeper(actor):
        raise NotAllowed()
    if application.status not in PASSES_OPEN:
        raise InvalidTransition(_l("Worker passes change only between approval and the end of the works."))


def add_worker_pass(actor, application, *, name, phone, id_number, now=None):
    """A worker pass added during the works (a new worker shows up with the contractor)."""
    _check_pass_keeper(actor, application)
    worker = _new_worker(actor, application, name, phone, id_number, now)
    add_event(application, actor, "worker_pass", body=f"{worker.name} {worker.id_number_masked}", now=now)
    return worker


def revoke_worker_pass(actor, application, worker_id, *, now=None):
    """Revoke a worker's pass: the gate no longer lists them."""
    _check_pass_keeper(actor, application)
    worker = next((w for w in application.workers if w.id == worker_id and w.revoked_at is None), None)
    if worker is None:
        raise NotFound()
    worker.revoked_at = now or utcnow()
    add_event(application, actor, "worker_pass_revoked", body=worker.name, now=now)
    record(actor, "renovation.worker_revoke", application, summary=worker.name)
    return worker


def remove_worker(actor, application, worker_id, *, resident_id, now=None):
    """Take a worker off the list (the record stays, revoked)."""
    if application.resident_id != resident_id:
        raise NotFound()
    workflow.check_editable(application)
    worker = next((w for w in application.workers if w.id == worker_id and w.revoked_at is None), None)
    if worker is None:
        raise NotFound()
    worker.revoked_at = now or utcnow()
    record(actor, "renovation.worker_remove", application, summary=worker.name)
    return worker
