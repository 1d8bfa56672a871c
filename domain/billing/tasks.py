"""The monthly billing run on the task queue (domain/tasks): on the 1st at each property's local 06:00, and each
hour after until 20:00 while the month's run is not done (a catch-up should the worker have been down). Idempotent;
`flask billing run` and the console's button (cli.py, staff/billing.py) call the same function."""

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from domain.billing import runs
from domain.billing.models import RunStatus
from domain.billing.schedule import parse_period
from domain.clock import today
from domain.errors import DomainError
from domain.tasks import property_task, system_actor
from domain.tasks.schedule import daily
from extensions import db

log = logging.getLogger(__name__)


@property_task(label=_l("Monthly billing run"))
def billing_run(property_id, period):
    """Bill every unit for `period` ("2026-12"), once: a month whose run is done is left alone (a rerun from the
    console or `flask billing run` bills units added since); an interrupted run resumes."""
    month = parse_period(period)
    run = runs.current_run(property_id, month)
    if run is not None and run.status == RunStatus.DONE:
        return 0
    due = month + timedelta(days=current_app.config["BILL_DUE_DAYS"])
    try:
        run = runs.run_billing(
            system_actor(),
            property_id=property_id,
            period=month,
            due_date=due,
            today=today(),
            after_batch=db.session.commit,
        )
    except DomainError as error:  # no fee schedule yet: nothing to bill, nothing a retry would change
        log.warning("billing run %s of property %s not started: %s", period, property_id, error.message)
        return 0
    return run.bill_count


@daily(6, days=(1,), until=20)
def billing_run_monthly(property_id, local_now, at):
    """The 1st, 06:00 (and each hour until 20:00 while not done): the month's bills."""
    billing_run(property_id, f"{local_now:%Y-%m}")
