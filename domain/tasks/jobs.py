"""Every background job of the app as a task on the queue, and the periodic ticks that enqueue them.

Each task works for one property (its first argument) and calls the same domain functions as the CLI commands
(cli.py: `flask billing run | late-fees | remind`, `flask counter notify | remind`), which stay for manual use.
Each is idempotent: parcels already told are skipped, a month already billed is not billed again, a day's late fee
is posted once, a unit reminded in the last day is not reminded again.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from huey import crontab
from sqlalchemy import select

from domain.tasks import huey, in_app_context, property_task
from domain.tasks.schedule import due_work
from extensions import db

log = logging.getLogger(__name__)

#: Retries of an e-mail, from a minute apart, doubling (1, 2, 4, 8, 16 min): a mail server down half an hour.
MAIL_RETRIES, MAIL_RETRY_DELAY = 5, 60


def _system():
    """The actor of scheduled work in permission checks and the audit log."""
    from domain.accounts.models import Actor

    return Actor.system("queue")


def _moment(text):
    """An ISO moment passed to a task (the tick's hour), or now."""
    from domain.clock import utcnow

    return datetime.fromisoformat(text) if text else utcnow()


@property_task(retries=MAIL_RETRIES, retry_delay=MAIL_RETRY_DELAY, label=lazy_pgettext("task", "E-mail"))
def send_mail(property_id, to, subject, body):
    """Send one e-mail (queued by a transaction that committed); retried while the mail server fails."""
    from domain.notify.mail import send_now

    send_now(to, subject, body)


@property_task(label=_l("Parcel notices"))
def notify_parcels(property_id):
    """Tell residents of every parcel of the property not notified yet (the intake's after-commit task, coalesced:
    one run for the intakes of a second)."""
    from domain.notify.jobs import coalesce_key
    from domain.parcels import arrivals

    huey.delete(coalesce_key(notify_parcels, (property_id,)))  # from now on, an intake enqueues it again
    return arrivals.notify_pending()


@property_task(label=_l("Parcel notices not sent"))
def sweep_parcel_notices(property_id):
    """Tell residents of parcels whose notice never went out (a worker stopped first); normally nothing to do."""
    from domain.parcels import arrivals

    return arrivals.notify_unsent()


@property_task(label=_l("Monthly billing run"))
def billing_run(property_id, period):
    """Bill every unit for `period` ("2026-12"), once: a month whose run is done is left alone (a rerun from the
    console or `flask billing run` bills units added since); an interrupted run resumes."""
    from domain.billing import runs
    from domain.billing.models import RunStatus
    from domain.billing.schedule import parse_period
    from domain.clock import today
    from domain.errors import DomainError

    month = parse_period(period)
    run = runs.current_run(property_id, month)
    if run is not None and run.status == RunStatus.DONE:
        return 0
    due = month + timedelta(days=current_app.config["BILL_DUE_DAYS"])
    try:
        run = runs.run_billing(
            _system(), property_id=property_id, period=month, due_date=due, today=today(), after_batch=db.session.commit
        )
    except DomainError as error:  # no fee schedule yet: nothing to bill, nothing to retry
        log.warning("billing run %s of property %s not started: %s", period, property_id, error.message)
        return 0
    return run.bill_count


@property_task(label=_l("Late fees"))
def late_fees(property_id):
    """Post today's late fees under the property's policy (a second run the same day adds nothing)."""
    from domain.clock import today
    from domain.payments import collection

    return collection.post_late_fees(_system(), property_id=property_id, today=today())[0]


@property_task(label=_l("Payment reminders"))
def payment_reminders(property_id, due_soon, at=None):
    """Remind the payers of units in arrears, or (`due_soon`) of bills due within three days; a unit reminded in
    the last day is skipped. `at` is the tick's hour, so that yesterday's reminder is a whole day old today."""
    from domain.clock import local_date
    from domain.payments import collection
    from domain.property.models import Property

    now = _moment(at)
    return collection.send_reminders(
        _system(),
        property_id=property_id,
        today=local_date(now),
        property_name=db.session.get(Property, property_id).name,
        due_within_days=3 if due_soon else None,
        now=now,
    )


@property_task(label=_l("Counter reminders"))
def counter_reminders(property_id, at=None):
    """Remind residents of parcels waiting PARCEL_REMIND_DAYS or more and of overdue loans (once a day each)."""
    from domain.parcels import arrivals, lending

    now = _moment(at)
    return arrivals.remind_waiting(now) + lending.remind_overdue(now)


def _enqueue_job(job, property_id, local_now, at):
    """Enqueue one of the schedule's jobs for a property."""
    if job == "billing_run":
        billing_run(property_id, f"{local_now:%Y-%m}")
    elif job == "late_fees":
        late_fees(property_id)
    elif job in ("due_soon_reminders", "arrears_reminders"):
        payment_reminders(property_id, job == "due_soon_reminders", at)
    elif job == "counter_reminders":
        counter_reminders(property_id, at)


def enqueue_due_work(at):
    """For each property, enqueue the jobs due at its local time at the moment `at` (aware UTC); returns
    [(property id, job)]."""
    from domain.clock import local
    from domain.current_property import remember_time_zone_name, working_for
    from domain.property.models import Property

    enqueued = []
    for property_id, zone in db.session.execute(select(Property.id, Property.time_zone).order_by(Property.id)).all():
        with working_for(property_id):
            remember_time_zone_name(zone)
            local_now = local(at)
        for job in due_work(local_now):
            _enqueue_job(job, property_id, local_now, at.isoformat())
            enqueued.append((property_id, job))
    return enqueued


def hour_slot(moment):
    """`moment` (aware) cut to its hour: the tick's time, whatever second the scheduler woke at."""
    return moment.replace(minute=0, second=0, microsecond=0)


@huey.periodic_task(crontab(minute="0"), retries=2, retry_delay=60)
@in_app_context
def hourly_tick():
    """Every hour on the hour: enqueue each property's work due at its local hour (domain/tasks/schedule.py)."""
    from domain.clock import utcnow

    return enqueue_due_work(hour_slot(utcnow()))


def properties_with_unsent_notices(now):
    """The properties with a parcel waiting a minute or more whose notice has not gone out (one statement)."""
    from domain.parcels.models import Parcel, ParcelStatus

    return db.session.scalars(
        select(Parcel.property_id)
        .where(
            Parcel.status == ParcelStatus.WAITING,
            Parcel.notified_at.is_(None),
            Parcel.arrived_at <= now - timedelta(minutes=1),
        )
        .distinct()
    ).all()


@huey.periodic_task(crontab(), retries=0)
@in_app_context
def minute_tick():
    """Every minute: sweep up the parcel notices a stopped worker did not send (normally no property has any)."""
    from domain.clock import utcnow

    found = properties_with_unsent_notices(utcnow())
    for property_id in found:
        sweep_parcel_notices(property_id)
    return found
