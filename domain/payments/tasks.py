"""Collection's background work on the task queue (domain/tasks): late fees and payment reminders, daily at each
property's local hour. Each is idempotent; `flask billing late-fees | remind` (cli.py) call the same functions."""

from flask_babel import lazy_gettext as _l

from domain.clock import local_date, today
from domain.payments import collection
from domain.property.models import Property
from domain.tasks import moment, property_task, system_actor
from domain.tasks.schedule import daily
from extensions import db


@property_task(label=_l("Late fees"))
def late_fees(property_id):
    """Post today's late fees under the property's policy (a second run the same day adds nothing)."""
    return collection.post_late_fees(system_actor(), property_id=property_id, today=today())[0]


@property_task(label=_l("Payment reminders"))
def payment_reminders(property_id, due_soon, at=None):
    """Remind the payers of units in arrears, or (`due_soon`) of bills due within three days; a unit reminded in
    the last day is skipped. `at` is the tick's hour, so that yesterday's reminder is a whole day old today."""
    now = moment(at)
    return collection.send_reminders(
        system_actor(),
        property_id=property_id,
        today=local_date(now),
        property_name=db.session.get(Property, property_id).name,
        due_within_days=3 if due_soon else None,
        now=now,
    )


@daily(7)
def late_fees_daily(property_id, local_now, at):
    """07:00: the day's late fees."""
    late_fees(property_id)


@daily(9)
def due_soon_reminders_daily(property_id, local_now, at):
    """09:00: reminders of bills due within three days."""
    payment_reminders(property_id, True, at)


@daily(10)
def arrears_reminders_daily(property_id, local_now, at):
    """10:00: reminders of arrears (a unit reminded of a bill due soon at 09:00 is not reminded again today)."""
    payment_reminders(property_id, False, at)
