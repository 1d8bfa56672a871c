"""The periodic work, at each property's own local time: the domains register their jobs here (`daily`,
`every_minute`), and the queue's ticks enqueue them.

Every hour on the hour (UTC; so at each local hour of every zone whose offset is whole or half hours) the tick asks
`due_work` for each property with its local time and calls what is due, which enqueues that property's task. Every
minute a second tick calls the sweeps (a parcel notice a stopped worker did not send). Each job is idempotent, so a
tick run twice, a retry, or the catch-up hours of the billing run change nothing already done.

The hours are chosen outside 01:00-03:00, where a summer-time change skips or repeats an hour; the whole schedule is
in the README ("Background work and its schedule").
"""

from collections.abc import Callable
from typing import NamedTuple

from huey import crontab
from sqlalchemy import select

from domain.tasks import huey, in_app_context
from extensions import db


class Daily(NamedTuple):
    """A job run once a day at a local hour (`days`: only on these days of the month; `until`: and again at every
    hour up to this one that day, a catch-up should the worker have been down at the first). `enqueue(property_id,
    local_now, at)` enqueues the property's task; `at` is the tick's hour (ISO, UTC)."""

    job: str
    hour: int
    days: tuple
    until: int | None
    enqueue: Callable


#: The daily jobs, as the domains registered them.
SCHEDULE = []
#: The sweeps run every minute, as the domains registered them: each `sweep(now)` enqueues what it finds.
SWEEPS = []


def daily(hour, *, days=(), until=None):
    """Register `enqueue(property_id, local_now, at)` to run daily at the property's local `hour`."""

    def decorator(enqueue):
        SCHEDULE.append(Daily(enqueue.__name__, hour, tuple(days), until, enqueue))
        return enqueue

    return decorator


def every_minute(sweep):
    """Register `sweep(now)` to run every minute."""
    SWEEPS.append(sweep)
    return sweep


def due_work(local_now):
    """The daily jobs due at a property whose wall clock reads `local_now` (an aware datetime in its zone)."""
    due = []
    for entry in sorted(SCHEDULE, key=lambda e: (e.hour, e.job)):
        if entry.days and local_now.day not in entry.days:
            continue
        last = entry.until if entry.until is not None else entry.hour
        if entry.hour <= local_now.hour <= last:
            due.append(entry)
    return due


def enqueue_due_work(at):
    """For each property, enqueue the jobs due at its local time at the moment `at` (aware UTC, the tick's hour);
    returns [(property id, job)]."""
    from domain.clock import local
    from domain.current_property import remember_time_zone_name, working_for
    from domain.property.models import Property

    enqueued = []
    for property_id, zone in db.session.execute(select(Property.id, Property.time_zone).order_by(Property.id)).all():
        with working_for(property_id):
            remember_time_zone_name(zone)
            local_now = local(at)
        for entry in due_work(local_now):
            entry.enqueue(property_id, local_now, at.isoformat())
            enqueued.append((property_id, entry.job))
    return enqueued


def hour_slot(moment):
    """`moment` (aware) cut to its hour: the tick's time, whatever second the scheduler woke at."""
    return moment.replace(minute=0, second=0, microsecond=0)


@huey.periodic_task(crontab(minute="0"), retries=2, retry_delay=60)
@in_app_context
def hourly_tick():
    """Every hour on the hour: enqueue each property's work due at its local hour."""
    from domain.clock import utcnow

    return enqueue_due_work(hour_slot(utcnow()))


@huey.periodic_task(crontab(), retries=0)
@in_app_context
def minute_tick():
    """Every minute: run the sweeps (normally they find nothing)."""
    from domain.clock import utcnow

    now = utcnow()
    return [found for sweep in SWEEPS for found in sweep(now)]
