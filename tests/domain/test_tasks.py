"""The task queue: failing tasks retried with growing delays then kept for the manager, each job idempotent, the
schedule at each property's local hour, the after-commit notice coalesced, and the queue's health figures."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from huey.storage import RedisStorage
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.billing.models import Bill, BillingRun, BillLine, LineKind, Reminder
from domain.billing.tasks import billing_run
from domain.clock import today
from domain.current_property import working_for
from domain.notify.models import Notification
from domain.notify.services import tell_resident
from domain.parcels import intake
from domain.parcels import tasks as parcel_tasks
from domain.parcels.models import Parcel
from domain.payments import collection
from domain.payments.tasks import late_fees, payment_reminders
from domain.property.models import Property
from domain.tasks import (
    failed_count,
    held,
    huey,
    queue_depth,
    queue_reachable,
    run_queued,
    schedule,
    waiting_count,
)
from domain.tasks.models import TaskFailure
from extensions import db
from tests import builders


def count(model, *where):
    """Rows of `model` (matching `where`), read afresh."""
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def huey_now():
    """The queue's own clock (naive UTC, the machine's time: huey does not read the suite's frozen clock)."""
    return datetime.now(UTC).replace(tzinfo=None)


@pytest.fixture
def mail_down(app, monkeypatch):
    """Mail set up, and the server refusing every connection; the tries are collected."""
    tries = []

    def refuse(messages):
        tries.append(messages)
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    monkeypatch.setattr("domain.notify.mail._send", refuse)
    return tries


def mail_a_resident(prop):
    """Tell a resident with an e-mail address something, and commit: one mail task is enqueued."""
    resident = builders.create_resident(prop, unit=builders.create_unit())
    resident.email = "wang@example.com"
    db.session.commit()
    with working_for(prop.id):
        tell_resident(resident.id, "您的快递到了")
        db.session.commit()
    return resident


# Retries and failures ----------------------------------------------------------------------------------------


def test_a_mail_that_keeps_failing_is_retried_with_growing_delays_then_kept_for_the_manager(prop, mail_down):
    mail_a_resident(prop)
    assert len(mail_down) == 1 and count(TaskFailure) == 0  # the first try, after the commit
    delays = []
    while huey.scheduled_count():
        [retry] = huey.scheduled()
        delays.append(round((retry.eta - huey_now()).total_seconds() / 60))
        run_queued(limit=1)
    assert delays == [1, 2, 4, 8, 16]  # minutes: each retry waits twice as long as the one before
    assert len(mail_down) == 6
    failure = db.session.scalars(select(TaskFailure)).one()
    assert failure.property_id == prop.id and failure.task_name == "domain.notify.mail.send_mail"
    assert failure.attempts == 6 and "mail server down" in failure.error
    assert json.loads(failure.args) == ["wang@example.com", "您的快递到了", "您的快递到了"]
    assert failure.first_failed_at == failure.last_failed_at and failure.resolved_at is None
    assert failed_count(prop.id) == 1 and failed_count() == 1
    assert failed_count(builders.create_property("另一个小区").id) == 0


def test_a_task_that_succeeds_on_a_retry_leaves_no_failure(prop, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    sent, tries = [], []

    def flaky(messages):
        tries.append(messages)
        if len(tries) < 3:
            raise ConnectionRefusedError("busy")
        sent.extend(messages)

    monkeypatch.setattr("domain.notify.mail._send", flaky)
    mail_a_resident(prop)
    run_queued()
    assert len(tries) == 3 and len(sent) == 1 and count(TaskFailure) == 0


def test_a_mail_is_not_enqueued_when_its_transaction_rolls_back(prop, mail_down):
    resident = builders.create_resident(prop, unit=builders.create_unit())
    resident.email = "wang@example.com"
    db.session.commit()
    with held():
        tell_resident(resident.id, "不会发出")
        db.session.rollback()
        assert waiting_count() == 0
    assert mail_down == []


def test_retrying_a_failure_enqueues_it_again_and_a_success_closes_it(prop, mail_down, monkeypatch):
    from domain.tasks.failures import retry_failure

    mail_a_resident(prop)
    run_queued()
    failure = db.session.scalars(select(TaskFailure)).one()
    manager = builders.create_staff(Role.MANAGER, prop=prop)
    sent = []
    monkeypatch.setattr("domain.notify.mail._send", lambda messages: sent.extend(messages))
    with working_for(prop.id):
        retry_failure(Actor.for_user(manager, "127.0.0.1"), failure.id)
        assert sent == []  # not before the commit
        db.session.commit()
    assert sent == [("wang@example.com", "您的快递到了", "您的快递到了")]
    db.session.expire_all()
    failure = db.session.get(TaskFailure, failure.id)
    assert failure.resolved_at is not None and failure.retried_by_id == manager.id
    assert failed_count(prop.id) == 0


def test_a_retry_that_fails_again_updates_the_same_failure(prop, mail_down):
    from domain.tasks.failures import retry_failure

    mail_a_resident(prop)
    run_queued()
    failure_id = db.session.scalars(select(TaskFailure.id)).one()
    with working_for(prop.id):
        retry_failure(Actor.system("test"), failure_id)
        db.session.commit()
    run_queued()
    failure = db.session.scalars(select(TaskFailure)).one()
    assert failure.id == failure_id and failure.attempts == 12 and failure.resolved_at is None
    assert failure.retried_at is not None and failure.last_failed_at >= failure.first_failed_at


# Idempotency -------------------------------------------------------------------------------------------------


def overdue_bill(unit, **values):
    """A bill of `unit` that fell due twenty days ago (whatever day the suite's clock stands on)."""
    due = today() - timedelta(days=20)
    return builders.create_bill(unit, period=due.replace(day=1), due_date=due, **values)


def audit_rows():
    """How many audit entries there are."""
    return count(AuditEntry)


def test_the_billing_run_task_bills_the_month_once(prop):
    unit = builders.create_unit()
    builders.create_charge(prop)
    builders.create_resident(prop, unit=unit)
    billing_run(prop.id, "2026-12")
    assert count(Bill, Bill.period == date(2026, 12, 1)) == 1
    before = (count(Bill), count(BillLine), audit_rows())
    finished = db.session.scalars(select(BillingRun.finished_at)).one()
    billing_run(prop.id, "2026-12")
    assert (count(Bill), count(BillLine), audit_rows()) == before
    assert db.session.scalars(select(BillingRun.finished_at)).one() == finished


def test_the_billing_run_task_of_a_property_without_a_fee_schedule_does_nothing_and_does_not_fail(prop):
    builders.create_unit()
    billing_run(prop.id, "2026-12")
    assert count(Bill) == 0 and count(TaskFailure) == 0 and huey.scheduled_count() == 0


def test_a_reminder_task_run_twice_reminds_once_and_again_the_next_day(prop, clock):
    unit = builders.create_unit()
    builders.create_resident(prop, unit=unit)
    overdue_bill(unit)
    at = clock.at.replace(minute=0, second=0, microsecond=0)
    payment_reminders(prop.id, False, at.isoformat())
    assert count(Reminder) == 1 and count(Notification) == 0  # a reminder is its own record
    before = (count(Reminder), audit_rows())
    payment_reminders(prop.id, False, at.isoformat())
    assert (count(Reminder), audit_rows()) == before
    clock.advance(days=1, seconds=5)  # the next day's tick, whatever second the first one wrote at
    payment_reminders(prop.id, False, (at + timedelta(days=1)).isoformat())
    assert count(Reminder) == 2


def test_the_late_fee_task_posts_a_days_fee_once(prop):
    policy = collection.get_late_fee_policy(prop.id)
    db.session.add(policy)
    policy.enabled, policy.daily_rate_per_10000, policy.grace_days, policy.cap_percent = True, 5, 0, 10
    db.session.commit()
    unit = builders.create_unit()
    bill = overdue_bill(unit, total_fen=100000)
    late_fees(prop.id)
    db.session.expire_all()
    total = db.session.get(Bill, bill.id).total_fen
    assert total > 100000 and count(BillLine, BillLine.kind == LineKind.LATE_FEE) == 1
    before = audit_rows()
    late_fees(prop.id)
    db.session.expire_all()
    assert db.session.get(Bill, bill.id).total_fen == total and audit_rows() == before


def test_the_counter_reminder_task_run_twice_reminds_once(prop, clock):
    unit = builders.create_unit()
    builders.create_resident(prop, unit=unit)
    builders.create_parcel(unit, arrived_at=clock.at - timedelta(days=4))
    parcel_tasks.counter_reminders(prop.id, clock.at.isoformat())
    assert count(Notification) == 1
    parcel_tasks.counter_reminders(prop.id, clock.at.isoformat())
    assert count(Notification) == 1


# The schedule ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "due"),
    [
        (datetime(2026, 12, 1, 6, 0), ["billing_run_monthly"]),
        (datetime(2026, 12, 1, 9, 0), ["billing_run_monthly", "due_soon_reminders_daily"]),
        (datetime(2026, 12, 1, 21, 0), []),
        (datetime(2026, 12, 2, 6, 0), []),
        (datetime(2026, 12, 2, 7, 30), ["late_fees_daily"]),
        (datetime(2026, 12, 2, 10, 0), ["arrears_reminders_daily"]),
        (datetime(2026, 12, 2, 17, 0), ["counter_reminders_daily"]),
        (datetime(2026, 12, 2, 3, 0), []),
    ],
)
def test_the_daily_work_is_due_at_its_local_hour(local, due):
    assert [entry.job for entry in schedule.due_work(local)] == due


def test_the_hourly_tick_enqueues_each_propertys_work_at_its_own_local_hour(prop, clock):
    shanghai = db.session.get(Property, prop.id)
    kolkata = builders.create_property("孟买项目")
    kolkata.time_zone = "Asia/Kolkata"  # UTC+05:30
    db.session.commit()
    clock.set(datetime(2026, 12, 1, 1, 0, 20, tzinfo=UTC))  # 09:00 in Shanghai, 06:30 in Kolkata, on the 1st
    with held():
        enqueued = schedule.hourly_tick.call_local()
        pending = [(type(t).__name__, t.args) for t in huey.pending()]
    at = "2026-12-01T01:00:00+00:00"  # the tick's hour, not the second it woke at
    assert enqueued == [
        (shanghai.id, "billing_run_monthly"),
        (shanghai.id, "due_soon_reminders_daily"),
        (kolkata.id, "billing_run_monthly"),
    ]
    assert pending == [
        ("billing_run", (shanghai.id, "2026-12")),
        ("payment_reminders", (shanghai.id, True, at)),
        ("billing_run", (kolkata.id, "2026-12")),
    ]


def test_the_minute_tick_sweeps_only_properties_with_an_unsent_notice(prop, clock):
    other = builders.create_property("另一个小区")
    unit = builders.create_unit()
    builders.create_resident(prop, unit=unit)
    builders.create_parcel(unit, arrived_at=clock.at - timedelta(minutes=5))
    with held():
        assert schedule.minute_tick.call_local() == [prop.id]
        assert [t.args for t in huey.pending()] == [(prop.id,)]
        run_queued()
    assert count(Notification) == 1 and count(Parcel, Parcel.notified_at.is_(None)) == 0
    assert other.id not in parcel_tasks.properties_with_unsent_notices(clock.at)


# The after-commit notice -------------------------------------------------------------------------------------


def test_the_notices_of_intakes_a_second_apart_are_sent_by_one_task(prop, clock):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit)
    desk = Actor.for_user(builders.create_staff(Role.FRONTDESK, prop=prop), "127.0.0.1")
    with held(parcel_tasks.notify_parcels), working_for(prop.id):
        for number in ("SF0001", "SF0002", "SF0003"):
            intake.log_parcels(desk, unit_label="1-1203", entries=[(number, "sf", "")], now=clock.at)
            db.session.commit()
        assert waiting_count() == 1
        assert run_queued() == 1
        db.session.commit()  # let the next intake enqueue it again: the task cleared its flag
        intake.log_parcels(desk, unit_label="1-1203", entries=[("SF0004", "sf", "")], now=clock.at)
        db.session.commit()
        assert waiting_count() == 1
    assert count(Parcel, Parcel.notified_at.is_(None)) == 1


# Health figures ----------------------------------------------------------------------------------------------


def test_the_queue_reports_its_depth_and_whether_it_is_reachable(prop):
    with held():
        parcel_tasks.sweep_parcel_notices(prop.id)
        late_fees(prop.id)
        assert queue_depth() == 2 and queue_reachable()
    saved = huey.storage
    huey.storage = RedisStorage(huey.name, url="redis://127.0.0.1:9/0")  # nothing listens there
    try:
        assert queue_reachable() is False
    finally:
        huey.storage = saved


def test_a_mail_sent_by_a_scheduled_task_that_keeps_failing_is_kept_for_that_property(prop, mail_down, clock):
    unit = builders.create_unit()
    owner = builders.create_resident(prop, unit=unit)
    owner.email = "owner@example.com"
    db.session.commit()
    overdue_bill(unit)
    payment_reminders(prop.id, False, clock.at.isoformat())
    run_queued()
    failure = db.session.scalars(select(TaskFailure)).one()
    assert failure.property_id == prop.id and failure.task_name == "domain.notify.mail.send_mail"
    assert json.loads(failure.args)[0] == "owner@example.com"


# The commands --------------------------------------------------------------------------------------------------


def test_the_counter_commands_work_through_each_property_by_hand(runner, prop, clock):
    other = builders.create_property("另一个小区")
    for place in (prop, other):
        unit = _unit_of(place)
        builders.create_resident(place, unit=unit)
        builders.create_parcel(unit, arrived_at=clock.at - timedelta(days=4))
    result = runner.invoke(args=["counter", "remind"])
    assert result.exit_code == 0, result.output
    assert f"{prop.name}: Reminded of 1 waiting parcels" in result.output
    assert "另一个小区: Reminded of 1 waiting parcels" in result.output
    assert count(Notification) == 2
    assert (
        "Reminded of 0 waiting parcels" in runner.invoke(args=["counter", "remind", "--property", str(prop.id)]).output
    )


def _unit_of(place):
    """A new unit in the first building of `place`."""
    from domain.property.models import Building

    building = db.session.scalars(select(Building).where(Building.property_id == place.id)).first()
    return builders.create_unit(building=building)


def test_the_worker_command_is_not_needed_when_tasks_run_at_once(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0 and "TASKS_IMMEDIATE" in result.output
