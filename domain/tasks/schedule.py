"""When the periodic work of a property is due, at the property's own local time: the schedule as data.

The queue's hourly tick (domain/tasks/jobs.py, at minute 0 UTC, so at every local hour of every zone whose offset is
whole or half hours) asks `due_work` for each property with its local time and enqueues what it answers. Each job
is idempotent, so a tick run twice, a retry, or the catch-up hours of the billing run change nothing already done.
"""

from typing import NamedTuple


class Daily(NamedTuple):
    """A job run once a day at a local hour (`days`: only on these days of the month; `until`: and again at every
    hour up to this one that day, a catch-up should the worker have been down at the first)."""

    job: str
    hour: int
    days: tuple = ()
    until: int | None = None


#: The local hours, chosen outside 01:00-03:00 (where a summer-time change skips or repeats an hour): the month's
#: bills at 06:00 on the 1st (and each hour after, until 20:00, while the run is not done), late fees at 07:00 once
#: the day has started, reminders of bills due within three days at 09:00 and of arrears at 10:00 (a unit reminded
#: of one is not reminded of the other the same day), the counter's reminders (waiting parcels, overdue loans) at
#: 17:00, before residents come home.
SCHEDULE = (
    Daily("billing_run", 6, days=(1,), until=20),
    Daily("late_fees", 7),
    Daily("due_soon_reminders", 9),
    Daily("arrears_reminders", 10),
    Daily("counter_reminders", 17),
)


def due_work(local_now):
    """The jobs due at a property whose wall clock reads `local_now` (an aware datetime in its zone)."""
    due = []
    for entry in SCHEDULE:
        if entry.days and local_now.day not in entry.days:
            continue
        last = entry.until if entry.until is not None else entry.hour
        if entry.hour <= local_now.hour <= last:
            due.append(entry.job)
    return due
