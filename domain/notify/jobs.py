"""Work that follows a commit but must not slow the request down (telling residents about their parcels).

`after_commit(job, *args)` queues `job(*args)` to run once the current transaction commits, in its own
application context and database session; a rollback drops it. A coalesced job (one that sweeps up all
pending work) runs JOBS_COALESCE_SECONDS after the first commit that asked for it, once for all of them.
Where it runs is set by JOBS_MODE:
"thread" (a background thread per process: the request never waits), "inline" (right after the commit,
in the same thread: the tests see the result at once) or "defer" (kept in `app.extensions["deferred_jobs"]`
for a test or a benchmark to run or inspect). Jobs must be idempotent: a durable sweep (a CLI command run by
cron) redoes whatever a process that stopped did not finish.
"""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from sqlalchemy import event

from extensions import db

_SESSION_KEY = "after_commit_jobs"
_executor = None
_executor_pid = None
_executor_lock = threading.Lock()


def after_commit(job, *args, coalesce=False):
    """Run `job(*args)` after the current transaction commits (never if it rolls back).

    With `coalesce`, a job that is already waiting to run is not queued again: a job that sweeps up all pending
    work (the parcel notices) then runs once for many commits instead of once each.
    """
    db.session.info.setdefault(_SESSION_KEY, []).append((job, args, coalesce))


#: Jobs (function, args) queued in this process and not started yet, for `coalesce`.
_waiting = set()


def _run(app, job, args, delay=0.0):
    """Run one job in a fresh application context, after `delay` seconds; log, never raise."""
    if delay:
        time.sleep(delay)  # gather the work of the commits meanwhile into this one run
    _waiting.discard((job, args))  # from now on, a new commit queues the job again
    with app.app_context():
        try:
            job(*args)
            db.session.commit()
        except Exception:  # a background job has nobody to raise to
            db.session.rollback()
            app.logger.exception("job %s failed", getattr(job, "__name__", job))


def _background():
    """This process's one worker thread (made again after a fork: gunicorn forks workers)."""
    global _executor, _executor_pid
    with _executor_lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor, _executor_pid = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs"), os.getpid()
        return _executor


def run_deferred(app):
    """Run (and forget) the jobs kept in "defer" mode; returns how many ran."""
    jobs = app.extensions.pop("deferred_jobs", [])
    for job, args in jobs:
        _run(app, job, args)
    return len(jobs)


@event.listens_for(db.session, "after_commit")
def _start_jobs(session):
    """The transaction committed: start what it queued."""
    jobs = session.info.pop(_SESSION_KEY, None)
    if not jobs:
        return
    app = current_app._get_current_object()
    mode = app.config.get("JOBS_MODE", "thread")
    for job, args, coalesce in jobs:
        if mode == "inline":
            _run(app, job, args)
        elif mode == "defer":
            deferred = app.extensions.setdefault("deferred_jobs", [])
            if not (coalesce and (job, args) in deferred):
                deferred.append((job, args))
        elif not coalesce:
            _background().submit(_run, app, job, args)
        elif (job, args) not in _waiting:
            _waiting.add((job, args))
            _background().submit(_run, app, job, args, float(app.config.get("JOBS_COALESCE_SECONDS", 1.0)))


@event.listens_for(db.session, "after_rollback")
def _drop_jobs(session):
    """A rolled-back transaction starts nothing."""
    session.info.pop(_SESSION_KEY, None)
