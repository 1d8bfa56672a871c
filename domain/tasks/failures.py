"""Failed tasks: a task that has used its retries is kept in `task_failures` (through huey's signals), the manager
reads the property's list in the console and retries one, which enqueues it again."""

import json
import logging
import uuid

from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR
from sqlalchemy import func, select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import InvalidTransition, NotFound
from domain.tasks import PROPERTY_TASKS, _app, after_commit, enqueue_by_name, huey
from domain.tasks.models import TaskFailure
from extensions import db

log = logging.getLogger(__name__)

#: A retry the manager asked for runs under the id "retry-<failure id>-<random>": its outcome finds the row.
RETRY_PREFIX = "retry-"
#: The longest error text kept.
MAX_ERROR = 2000


def _failure_id(task_id):
    """The failure a retried task belongs to, from its id, or None for an ordinary run."""
    if not str(task_id).startswith(RETRY_PREFIX):
        return None
    try:
        return int(str(task_id).split("-")[1])
    except (IndexError, ValueError):
        return None


@huey.signal(SIGNAL_ERROR)
def _record_failure(signal, task, error=None):
    """A task failed: when it has no retry left, keep it (or, for a retry of a kept failure, update that)."""
    if task.retries:
        return  # huey tries it again later
    name = huey._registry.task_to_string(type(task))
    if name not in PROPERTY_TASKS or not task.args:
        log.error("task %s failed for good: %r", name, error)
        return
    property_id, *args = task.args
    now = utcnow()
    attempts = type(task).default_retries + 1
    with _app().app_context():
        failure = db.session.get(TaskFailure, _failure_id(task.id) or 0)
        if failure is None:
            failure = TaskFailure(
                property_id=property_id, task_name=name, args=json.dumps(args), first_failed_at=now, attempts=0
            )
            db.session.add(failure)
        failure.attempts += attempts
        failure.error = repr(error)[:MAX_ERROR]
        failure.last_failed_at = now
        db.session.commit()


@huey.signal(SIGNAL_COMPLETE)
def _close_on_success(signal, task):
    """A retry the manager asked for succeeded: the failure is closed (other tasks cost nothing here)."""
    failure_id = _failure_id(task.id)
    if failure_id is None:
        return
    with _app().app_context():
        failure = db.session.get(TaskFailure, failure_id)
        if failure is not None and failure.resolved_at is None:
            failure.resolved_at = utcnow()
            db.session.commit()


def task_label(name):
    """What a task is called on the page (its label, else its name)."""
    return PROPERTY_TASKS.get(name, name.rsplit(".", 1)[-1])


def open_failures(property_id, limit=100):
    """The property's failed tasks not resolved yet, the latest failure first."""
    return db.session.scalars(
        select(TaskFailure)
        .where(TaskFailure.property_id == property_id, TaskFailure.resolved_at.is_(None))
        .order_by(TaskFailure.last_failed_at.desc(), TaskFailure.id.desc())
        .limit(limit)
    ).all()


def open_failure_count(property_id=None):
    """How many failed tasks are not resolved: of one property, or of every property."""
    from domain.property.scope import ALL_PROPERTIES

    statement = select(func.count()).select_from(TaskFailure).where(TaskFailure.resolved_at.is_(None))
    if property_id is not None:
        statement = statement.where(TaskFailure.property_id == property_id)
    return db.session.scalar(statement.execution_options(**ALL_PROPERTIES))


def retry_failure(actor, failure_id, now=None):
    """Enqueue a failed task again, with its arguments, once the caller commits; audited. A success closes the
    failure, a new failure updates it. NotFound for another property's failure."""
    require(actor, Permission.MANAGE_TASKS)
    failure = db.session.get(TaskFailure, failure_id)
    if failure is None:
        raise NotFound()
    if failure.resolved_at is not None:
        raise InvalidTransition()
    failure.retried_at, failure.retried_by_id = now or utcnow(), actor.user_id
    record(actor, "task.retry", failure, summary=f"{failure.task_name} {failure.args}")
    task_id = f"{RETRY_PREFIX}{failure.id}-{uuid.uuid4().hex}"
    after_commit(enqueue_by_name, failure.task_name, [failure.property_id, *json.loads(failure.args)], task_id)
    return failure
