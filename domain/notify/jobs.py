"""Work that follows a commit but must not slow the request down (telling residents about their parcels, e-mail).

`after_commit(task, *args)` enqueues the task `task(*args)` (declared with domain.tasks.property_task) on the task
queue once the current transaction commits; a rollback drops it. A plain function instead of a task is called
after the commit (it enqueues something itself, as a retry of a failed task does). A coalesced task (one that sweeps
up all pending work, the parcel notices) is enqueued TASKS_COALESCE_SECONDS after the first commit that asked for
it, once for all the commits meanwhile, on every server (the flag lives in the queue's storage). Where and when the
task runs is the queue's business (domain/tasks): in the worker, or at once under TASKS_IMMEDIATE (the tests).
Tasks are idempotent: a retry or a periodic sweep redoes whatever a stopped worker did not finish.
"""

import logging

from huey.api import TaskWrapper
from sqlalchemy import event

from extensions import db

log = logging.getLogger(__name__)

_SESSION_KEY = "after_commit_jobs"
#: The key in the queue's storage that marks a coalesced task as already waiting.
_WAITING = "coalesce:{name}:{args}"


def after_commit(task, *args, coalesce=False):
    """Enqueue `task(*args)` after the current transaction commits (never if it rolls back).

    With `coalesce`, a task that is already waiting to run is not enqueued again: a task that sweeps up all pending
    work (the parcel notices) then runs once for many commits instead of once each.
    """
    db.session.info.setdefault(_SESSION_KEY, []).append((task, args, coalesce))


def coalesce_key(task, args):
    """The storage key marking `task(*args)` as waiting."""
    from domain.tasks import task_name

    return _WAITING.format(name=task_name(task), args=",".join(map(str, args)))


def _enqueue(task, args, coalesce):
    """Enqueue one task (or call one function); coalesced ones wait a little, once."""
    if not isinstance(task, TaskWrapper):
        task(*args)
        return
    from domain.tasks import coalescing_delay, huey

    delay = coalescing_delay() if coalesce else 0
    if not delay:
        task(*args)
    elif huey.put_if_empty(coalesce_key(task, args), "1"):  # the task clears the flag when it starts
        task.schedule(args, delay=delay)


@event.listens_for(db.session, "after_commit")
def _start_jobs(session):
    """The transaction committed: enqueue what it asked for, each once."""
    jobs = session.info.pop(_SESSION_KEY, None)
    if not jobs:
        return
    seen = set()
    for task, args, coalesce in jobs:
        if coalesce:
            if (task, args) in seen:
                continue
            seen.add((task, args))
        try:
            _enqueue(task, args, coalesce)
        except Exception:  # the change is committed: a queue that is down must not turn it into an error page
            log.exception("could not enqueue %s%r", getattr(task, "name", task), args)


@event.listens_for(db.session, "after_rollback")
def _drop_jobs(session):
    """A rolled-back transaction enqueues nothing."""
    session.info.pop(_SESSION_KEY, None)
