"""The counter's background work on the task queue (domain/tasks): the arrival notice after an intake's commit, the
sweep of notices a stopped worker did not send, and the daily reminders. Each task works for one property and is
idempotent; `flask counter notify | remind` (cli.py) call the same functions by hand."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.parcels import arrivals, lending
from domain.parcels.models import Parcel, ParcelStatus
from domain.tasks import clear_coalesced, moment, property_task
from domain.tasks.schedule import daily, every_minute
from extensions import db


@property_task(label=_l("Parcel notices"))
def notify_parcels(property_id):
    """Tell residents of every parcel of the property not notified yet (the intake's after-commit task, coalesced:
    one run for the intakes of a second)."""
    clear_coalesced(notify_parcels, property_id)
    return arrivals.notify_pending()


@property_task(label=_l("Parcel notices not sent"))
def sweep_parcel_notices(property_id):
    """Tell residents of parcels whose notice never went out (a worker stopped first); normally nothing to do."""
    return arrivals.notify_unsent()


@property_task(label=_l("Counter reminders"))
def counter_reminders(property_id, at=None):
    """Remind residents of parcels waiting PARCEL_REMIND_DAYS or more and of overdue loans (once a day each); `at`
    is the tick's hour, so that yesterday's reminder is a whole day old today."""
    now = moment(at)
    return arrivals.remind_waiting(now) + lending.remind_overdue(now)


@daily(17)
def counter_reminders_daily(property_id, local_now, at):
    """17:00, before residents come home: the counter's reminders."""
    counter_reminders(property_id, at)


def properties_with_unsent_notices(now):
    """The properties with a parcel waiting a minute or more whose notice has not gone out (one statement)."""
    return db.session.scalars(
        select(Parcel.property_id)
        .where(
            Parcel.status == ParcelStatus.WAITING,
            Parcel.notified_at.is_(None),
            Parcel.arrived_at <= now - timedelta(minutes=1),
        )
        .distinct()
    ).all()


@every_minute
def sweep_unsent_notices(now):
    """Enqueue the sweep for each property with a notice not sent; returns those properties."""
    found = properties_with_unsent_notices(now)
    for property_id in found:
        sweep_parcel_notices(property_id)
    return found
