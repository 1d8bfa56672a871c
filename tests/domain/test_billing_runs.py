"""Billing runs: one bill per unit and month, whatever happens."""

from datetime import date

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.billing import runs
from domain.billing.models import Bill, BillLine, MeterReading, RunStatus
from domain.errors import InvalidTransition, NotAllowed
from domain.payments.run_reversal import reverse_run
from extensions import db
from tests import builders

PERIOD = date(2026, 11, 1)
DUE = date(2026, 11, 30)
TODAY = date(2026, 11, 2)


@pytest.fixture
def finance():
    """A finance clerk as an actor."""
    user = builders.create_staff(Role.FINANCE)
    return Actor.for_user(user, "127.0.0.1")


@pytest.fixture
def schedule(prop):
    """Three units and a schedule: fee per m², parking for one unit, metered water."""
    units = [builders.create_unit(area_x100=area) for area in (8950, 12000, 6033)]
    builders.create_charge(prop, "PM", "物业管理费", "per_area", 250)
    builders.create_charge(prop, "PARK", "车位管理费", "per_unit", 15000, scope="units", units=[units[1]])
    water = builders.create_charge(prop, "WATER", "水费", "metered", 345, meter_unit="吨")
    db.session.add(
        MeterReading(
            unit_id=units[0].id, charge_type_id=water.id, period=PERIOD, previous_x100=10000, current_x100=11250
        )
    )
    db.session.commit()
    return units


def bill_count():
    return db.session.scalar(select(func.count()).select_from(Bill))


def test_run_bills_each_unit_with_its_lines(prop, schedule, finance):
    run = runs.run_billing(finance, property_id=prop.id, period=PERIOD, due_date=DUE, today=TODAY)
    db.session.commit()
    assert run.status == RunStatus.DONE and run.bill_count == 3
    by_unit = {b.unit_id: b for b in db.session.scalars(select(Bill))}
    first, second, third = (by_unit[u.id] for u in schedule)
    # 89.50 m² x ¥2.50 = ¥223.75; water 12.50 t x ¥3.45 = ¥43.125 -> ¥43.13 (half up)
    assert [(line.description, line.amount_fen) for line in first.lines] == [("物业管理费", 22375), ("水费", 4313)]
    assert second.total_fen == 30000 + 15000
    assert third.total_fen == 15083  # 60.33 m² x ¥2.50 = ¥150.825 -> ¥150.83
    assert run.total_fen == first.total_fen + second.total_fen + third.total_fen


def test_preview_writes_nothing_and_matches_the_run(prop, schedule, finance):
    preview = runs.preview_run(prop.id, PERIOD)
    assert bill_count() == 0
    assert preview.bills == 3 and preview.missing_readings == 2
    run = runs.run_billing(finance, property_id=prop.id, period=PERIOD, due_date=DUE, today=TODAY)
    assert preview.total_fen == run.total_fen


def test_repeated_run_creates_no_duplicates(prop, schedule, finance):
    runs.run_billing(finance, property_id=prop.id, period=PERIOD, due_date=DUE, today=TODAY)
    db.session.commit()
    again = runs.run_billing(finance, property_id=prop.id, period=PERIOD, due_date=DUE, today=TODAY)
    db.session.commit()
    assert bill_count() == 3 and again.bill_count == 3


def test_run_interrupted_halfway_then_rerun_leaves_no_duplicates(prop, schedule, finance):
    calls = []

    def crash_after_first_batch():
        db.session.commit()
        calls.append(1)
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        runs.run_billing(
            finance,
            property_id=prop.id,
            period=PERIOD,
            due_date=DUE,
            today=TODAY,
            batch_size=2,
            after_batch=crash_after_first_batch,
        )
    db.session.rollback()
    assert bill_count() == 2  # the first batch was committed
    run = runs.run_billing(
        finance,
        property_id=prop.id,
        period=PERIOD,
        due_date=DUE,
        today=TODAY,
        batch_size=2,
        after_batch=db.session.commit,
    )
    db.session.commit()
    assert bill_count() == 3 and run.bill_count == 3
    assert db.session.scalar(select(func.count()).select_from(BillLine)) == 5


def test_database_refuses_a_second_bill_for_the_same_unit_and_month(prop, schedule):
    builders.create_bill(schedule[0], period=PERIOD)
    with pytest.raises(Exception):  # noqa: B017 (IntegrityError's class differs between the two databases' drivers)
        builders.create_bill(schedule[0], period=PERIOD)
    db.session.rollback()


def test_reverse_deletes_the_bills_while_nothing_is_paid(prop, schedule, finance):
    run = runs.run_billing(finance, property_id=prop.id, period=PERIOD, due_date=DUE, today=TODAY)
    reverse_run(finance, run)
    db.session.commit()
    assert bill_count() == 0 and run.status == RunStatus.REVERSED
    rerun = runs.run_billing(finance, property_id=prop.id, period=PERIOD, due_date=DUE, today=TODAY)
    assert rerun.id != run.id and bill_count() == 3


def test_reverse_refused_once_a_bill_is_paid(prop, schedule, finance):
    run = runs.run_billing(finance, property_id=prop.id, period=PERIOD, due_date=DUE, today=TODAY)
    bill = db.session.scalars(select(Bill)).first()
    bill.paid_fen = 100
    db.session.commit()
    with pytest.raises(InvalidTransition):
        reverse_run(finance, run)


def test_front_desk_may_not_run_billing(prop, schedule):
    user = builders.create_staff(Role.FRONTDESK)
    with pytest.raises(NotAllowed):
        runs.run_billing(
            Actor.for_user(user, "127.0.0.1"), property_id=prop.id, period=PERIOD, due_date=DUE, today=TODAY
        )


def test_cli_runs_a_month_and_a_rerun_adds_nothing(runner, prop, schedule):
    result = runner.invoke(args=["billing", "run", "--period", "2026-11"])
    assert result.exit_code == 0, result.output
    assert "3 bills" in result.output
    again = runner.invoke(args=["billing", "run", "--period", "2026-11"])
    assert again.exit_code == 0 and bill_count() == 3


def test_cli_refuses_a_bad_month(runner, prop, schedule):
    result = runner.invoke(args=["billing", "run", "--period", "11/2026"])
    assert result.exit_code != 0 and bill_count() == 0


def test_cli_bills_each_property_of_the_company_or_the_one_named(runner, prop, schedule):
    second = builders.create_property("第二小区")
    builders.create_unit(building=second.buildings[0], number="0101", floor=1)
    builders.create_charge(second, "PM", "物业管理费", "per_area", 180)
    named = runner.invoke(args=["billing", "run", "--period", "2026-11", "--property", str(second.id)])
    assert named.exit_code == 0, named.output
    assert named.output.startswith("2026-11: 1 bills") and bill_count() == 1
    each = runner.invoke(args=["billing", "run", "--period", "2026-11"])
    assert each.exit_code == 0, each.output
    assert f"{prop.name}: 2026-11: 3 bills" in each.output and "第二小区: 2026-11: 1 bills" in each.output  # its run
    assert bill_count() == 4
    unknown = runner.invoke(args=["billing", "run", "--period", "2026-11", "--property", "999999"])
    assert unknown.exit_code != 0 and "999999" in unknown.output
