"""The task queue: background work kept outside the web processes (huey), run by `flask worker`.

One huey instance for the installation, configured from the app's config by `init_tasks` (create_app calls it):
RedisHuey's storage when REDIS_URL is set (many servers share one queue), else SqliteHuey's in
instance/tasks.sqlite3 (or TASKS_SQLITE_PATH), so `make run` needs nothing else. With TASKS_IMMEDIATE (the test
suite) a task runs where it is enqueued, at once.

Every task is declared with `property_task` beside the domain it serves (domain/notify/mail.py's e-mail,
domain/parcels/tasks.py, domain/payments/tasks.py, domain/billing/tasks.py): its first argument is the property it
works for; it runs in an application context of its own, working for that property
(domain.current_property.working_for), commits once at the end (a failure rolls everything back), and is idempotent,
because a retry or the next tick may run it again. `after_commit(task, *args)` enqueues one once the current
transaction commits (nothing on a rollback). A task that fails is retried with a growing delay; one that has used
its retries is kept in `task_failures` (domain/tasks/failures.py) for the manager to see and retry. The periodic
work is registered with domain/tasks/schedule.py, whose ticks enqueue it at each property's local hour.

What the health and metrics code reads: `queue_reachable()`, `queue_depth()`, `failed_count()`.
"""

import functools
import logging
import os
from contextlib import contextmanager
from datetime import datetime

from flask import current_app, has_app_context
from huey import Huey
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event

from extensions import db

log = logging.getLogger(__name__)

#: Retries of an ordinary task, and the first delay; each retry waits RETRY_BACKOFF times longer than the one before
#: (30 s, 1 min, 2 min, 4 min).
RETRIES = 4
RETRY_DELAY = 30
RETRY_BACKOFF = 2


class TaskQueue(Huey):
    """huey whose storage is chosen by `init_tasks`; until then (an import without an app) tasks run at once."""

    #: The app a task runs in when no app context is there to take it from (the worker's).
    flask_app = None
    #: While `held(...)` names tasks, only those are kept in the queue; the others run at once.
    only_held = None

    def enqueue(self, task):
        """Enqueue `task` (or, held back by name, run one that is not held at once)."""
        if self.only_held is not None and type(task) not in self.only_held:
            return self.execute(task)
        return super().enqueue(task)


huey = TaskQueue("property", immediate=True, results=False)

#: Names (huey's "module.function") of the tasks whose first argument is a property id.
PROPERTY_TASKS = {}


def init_tasks(app):
    """Configure the queue from `app.config` and register every task (create_app calls this once)."""
    huey.name = app.config.get("TASKS_QUEUE_NAME") or "property"
    url = app.config.get("REDIS_URL")
    if url:
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
    else:
        path = app.config.get("TASKS_SQLITE_PATH") or os.path.join(app.instance_path, "tasks.sqlite3")
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
    huey._immediate = bool(app.config.get("TASKS_IMMEDIATE"))
    huey.storage = huey.create_storage()
    huey.flask_app = app
    app.extensions["tasks"] = huey
    from domain.tasks import failures, schedule  # noqa: F401  (the failure signals, the periodic ticks)


def _app():
    """The app a task runs in: the enqueuing one (immediate mode, a test), else the worker's."""
    if has_app_context():
        return current_app._get_current_object()
    if huey.flask_app is None:
        raise RuntimeError("the task queue is not configured: create the app first")
    return huey.flask_app


def property_task(*, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, label=None):
    """Declare a task `fn(property_id, *args)`: enqueued with `fn(property_id, *args)` (or by `after_commit`), run in
    an app context of its own, working for the property, committed once at the end; retried with back-off.

    `label` (a lazy string) names it on the manager's page of failed tasks. Arguments must be JSON values (ints,
    strings): a failed task is kept with them, to be enqueued again.
    """

    def decorator(fn):
        @functools.wraps(fn)
        def run(property_id, *args):
            from domain.current_property import working_for

            with _app().app_context(), working_for(property_id):  # committing for it too: its e-mail is its own
                try:
                    result = fn(property_id, *args)
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
                return result

        wrapper = huey.task(retries=retries, retry_delay=retry_delay, retry_backoff=retry_backoff)(run)
        PROPERTY_TASKS[huey._registry.task_to_string(wrapper.task_class)] = label or fn.__name__
        return wrapper

    return decorator


def in_app_context(fn):
    """Run a periodic tick `fn()` in an app context of its own, committing at the end (it works for no property)."""

    @functools.wraps(fn)
    def run():
        with _app().app_context():
            try:
                result = fn()
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            return result

    return run


def task_name(wrapper):
    """The name a task is kept under ("domain.notify.mail.send_mail")."""
    return huey._registry.task_to_string(wrapper.task_class)


def enqueue_by_name(name, args, task_id=None):
    """Enqueue the task kept as `name` with `args` (a retry from the failed tasks' page)."""
    task_class = huey._registry.string_to_task(name)
    huey.enqueue(task_class(args=tuple(args), id=task_id))


def queue_reachable():
    """Whether the queue's storage answers (cheap: one round trip); never raises."""
    try:
        huey.storage.queue_size()
        return True
    except Exception:  # any failure of the backend means "not reachable" to the health check
        log.warning("the task queue is not reachable", exc_info=True)
        return False


def queue_depth():
    """How many tasks wait to run now (not the ones scheduled for later, such as retries)."""
    return huey.pending_count()


def failed_count(property_id=None):
    """How many failed tasks wait for the manager (of one property, or of all)."""
    from domain.tasks.failures import open_failure_count

    return open_failure_count(property_id)


def run_queued(limit=1000):
    """Run here and now, until none is left, every task waiting in the queue and every one scheduled for later
    (retries), whatever their time: for tests and benchmarks that hold tasks back (`held()`), or to run the retries
    that immediate mode schedules. Returns how many ran."""
    far = datetime(9999, 1, 1)  # huey keeps naive UTC times: every eta is before this
    ran = 0
    while ran < limit:
        task = huey.dequeue()
        batch = [task] if task is not None else huey.read_schedule(far)
        if not batch:
            break
        for one in batch:
            huey.execute(one, far)
            ran += 1
    return ran


@contextmanager
def held(*tasks):
    """Within the block, tasks (all, or only the `tasks` named) are kept in a queue in memory instead of running
    (`run_queued()` runs them): a test or a benchmark runs the after-commit work on its own clock, or measures a
    request without it."""
    saved = huey.storage, huey._immediate, huey.only_held
    huey.storage, huey._immediate = MemoryStorage(huey.name), False
    huey.only_held = {task.task_class for task in tasks} if tasks else None
    try:
        yield huey
    finally:
        huey.storage, huey._immediate, huey.only_held = saved


def waiting_count():
    """How many tasks wait, to run now or later (a coalesced notice, a retry): what `run_queued()` would run."""
    return huey.pending_count() + huey.scheduled_count()


def coalescing_delay():
    """How long a coalesced task waits for the commits meanwhile (none when tasks run at once)."""
    if huey.immediate:
        return 0
    return float(_app().config.get("TASKS_COALESCE_SECONDS", 1.0))


def system_actor():
    """The actor of scheduled work in permission checks and the audit log."""
    from domain.accounts.models import Actor

    return Actor.system("queue")


def moment(text):
    """An ISO moment passed to a task (the tick's hour, so that a day's run is a whole day after the last), or now."""
    from domain.clock import utcnow

    return datetime.fromisoformat(text) if text else utcnow()


# After the commit ------------------------------------------------------------------------------------------------

_SESSION_KEY = "after_commit_tasks"


def after_commit(task, *args, coalesce=False):
    """Enqueue `task(*args)` after the current transaction commits (never if it rolls back). A plain function instead
    of a task is called after the commit (it enqueues something itself, as a retry of a failed task does).

    With `coalesce`, a task that is already waiting to run is not enqueued again: a task that sweeps up all pending
    work (the parcel notices) is enqueued TASKS_COALESCE_SECONDS after the first commit that asked for it and then
    runs once for many commits instead of once each, on every server (the flag lives in the queue's storage; the task
    clears it with `clear_coalesced` when it starts).
    """
    db.session.info.setdefault(_SESSION_KEY, []).append((task, args, coalesce))


def coalesce_key(task, args):
    """The storage key marking `task(*args)` as waiting."""
    return f"coalesce:{task_name(task)}:{','.join(map(str, args))}"


def clear_coalesced(task, *args):
    """A coalesced task starts: from now on a commit enqueues it again."""
    huey.delete(coalesce_key(task, args))


def _enqueue(task, args, coalesce):
    """Enqueue one task (or call one function); coalesced ones wait a little, once."""
    if not isinstance(task, TaskWrapper):
        task(*args)
        return
    delay = coalescing_delay() if coalesce else 0
    if not delay:
        task(*args)
    elif huey.put_if_empty(coalesce_key(task, args), "1"):
        task.schedule(args, delay=delay)


@event.listens_for(db.session, "after_commit")
def _enqueue_committed(session):
    """The transaction committed: enqueue what it asked for (a coalesced task once)."""
    tasks = session.info.pop(_SESSION_KEY, None)
    if not tasks:
        return
    seen = set()
    for task, args, coalesce in tasks:
        if coalesce:
            if (task, args) in seen:
                continue
            seen.add((task, args))
        try:
            _enqueue(task, args, coalesce)
        except Exception:  # the change is committed: a queue that is down must not turn it into an error page
            log.exception("could not enqueue %s%r", getattr(task, "name", task), args)


@event.listens_for(db.session, "after_rollback")
def _drop_uncommitted(session):
    """A rolled-back transaction enqueues nothing."""
    session.info.pop(_SESSION_KEY, None)
