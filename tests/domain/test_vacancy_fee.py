"""The vacancy fee (空置费): a charge's vacancy rate applied by the billing run from the units' status history, as a
line of its own, exactly once per unit and month, by the schedule's rule for a month the status changes."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain import clock
from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.billing import runs, schedule
from domain.billing.models import Bill, ChargeType, LineKind, VacancyRule
from domain.billing.schedule import month_before
from domain.errors import DomainError, NotAllowed
from domain.property import units
from domain.property.models import UnitStatus
from extensions import db
from tests import builders


def half_up(numerator, denominator):
    """The run's rounding, worked out here independently: half a fen and more rounds up."""
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (2 * remainder >= denominator)


@pytest.fixture
def period():
    """The month before the frozen today's: billed after its end, as an office does."""
    return month_before(clock.today().replace(day=1))


@pytest.fixture
def finance():
    """A finance clerk as an actor."""
    return Actor.for_user(builders.create_staff(Role.FINANCE), "127.0.0.1")


def pm(prop, rule="full_months", percent=70):
    """物业管理费 ¥2.50 per m² at `percent` while vacant, and 生活垃圾处理费 ¥15 a unit with no vacancy rate."""
    builders.create_charge(prop, "GARB", "生活垃圾处理费", "per_unit", 1500)
    return builders.create_charge(prop, "PM", "物业管理费", "per_area", 250, vacancy_percent=percent, vacancy_rule=rule)


def becomes(unit, status, day):
    """Record that `unit` is in `status` from `day` on (by the register's edit, as the desk does)."""
    actor = Actor.for_user(builders.create_staff(Role.FRONTDESK), "x")
    units.update_unit(
        actor, unit, number=unit.number, floor=unit.floor, area_x100=unit.area_x100, status=status, status_from=day
    )
    db.session.commit()


def bill_lines(finance, prop, period, unit):
    """Run the month's billing and return the unit's lines as (description, detail, amount, kind)."""
    runs.run_billing(finance, property_id=prop.id, period=period, due_date=period + timedelta(days=20), today=period)
    db.session.commit()
    bill = db.session.scalar(select(Bill).where(Bill.unit_id == unit.id, Bill.period == period))
    return [(line.description, line.detail, line.amount_fen, line.kind) for line in bill.lines]


def test_a_unit_vacant_all_month_pays_the_vacancy_rate_on_a_line_of_its_own(prop, period, finance):
    pm(prop)
    unit = builders.create_unit(area_x100=8950, status=UnitStatus.VACANT)
    lines = bill_lines(finance, prop, period, unit)
    # 89.50 m² x ¥2.50 = ¥223.75, x 70 % = ¥156.625 -> ¥156.63 (half up); garbage has no vacancy rate
    assert lines == [
        ("生活垃圾处理费", "¥15.00", 1500, LineKind.CHARGE),
        ("物业管理费（空置 70%）", "89.50 m² × ¥2.50 × 70%", 15663, LineKind.VACANCY),
    ]


def test_a_unit_not_vacant_at_all_pays_in_full(prop, period, finance):
    pm(prop, rule="pro_rata")
    unit = builders.create_unit(area_x100=8950, status=UnitStatus.OCCUPIED)
    assert bill_lines(finance, prop, period, unit)[1] == ("物业管理费", "89.50 m² × ¥2.50", 22375, LineKind.CHARGE)


def test_full_months_only_a_unit_vacant_from_mid_month_pays_the_full_rate(prop, period, finance):
    pm(prop, rule="full_months")
    unit = builders.create_unit(area_x100=8950, status=UnitStatus.OCCUPIED)
    becomes(unit, "vacant", period + timedelta(days=14))
    assert bill_lines(finance, prop, period, unit)[1] == ("物业管理费", "89.50 m² × ¥2.50", 22375, LineKind.CHARGE)


def test_full_months_only_the_next_whole_month_is_billed_at_the_vacancy_rate(prop, period, finance):
    pm(prop, rule="full_months")
    unit = builders.create_unit(area_x100=8950, status=UnitStatus.OCCUPIED)
    becomes(unit, "vacant", month_before(period) + timedelta(days=14))
    assert bill_lines(finance, prop, period, unit)[1][2:] == (15663, LineKind.VACANCY)


def test_pro_rata_bills_the_vacant_days_at_the_vacancy_rate_and_the_others_in_full(prop, period, finance):
    pm(prop, rule="pro_rata")
    unit = builders.create_unit(area_x100=8950, status=UnitStatus.OCCUPIED)
    becomes(unit, "vacant", period + timedelta(days=10))  # occupied on the 1st-10th, vacant from the 11th
    days = units.days_in_month(period)
    vacant = days - 10
    assert bill_lines(finance, prop, period, unit)[1:] == [
        ("物业管理费", f"89.50 m² × ¥2.50 × 10/{days} 天", half_up(8950 * 250 * 10, 100 * days), LineKind.CHARGE),
        (
            "物业管理费（空置 70%）",
            f"89.50 m² × ¥2.50 × 70% × {vacant}/{days} 天",
            half_up(8950 * 250 * 70 * vacant, 100 * 100 * days),
            LineKind.VACANCY,
        ),
    ]


def test_pro_rata_a_unit_lived_in_again_mid_month_pays_its_vacant_days_at_the_rate(prop, period, finance):
    pm(prop, rule="pro_rata", percent=50)
    unit = builders.create_unit(area_x100=10000, status=UnitStatus.VACANT)
    becomes(unit, "occupied", period + timedelta(days=5))
    days = units.days_in_month(period)
    full, vacancy = bill_lines(finance, prop, period, unit)[1:]
    assert (full[2], vacancy[2]) == (half_up(10000 * 250 * (days - 5), 100 * days), half_up(25000 * 50 * 5, 100 * days))


def test_pro_rata_a_unit_vacant_all_month_has_only_the_vacancy_line(prop, period, finance):
    pm(prop, rule="pro_rata")
    unit = builders.create_unit(area_x100=8950, status=UnitStatus.VACANT)
    assert bill_lines(finance, prop, period, unit)[1:] == [
        ("物业管理费（空置 70%）", "89.50 m² × ¥2.50 × 70%", 15663, LineKind.VACANCY)
    ]


def test_a_per_unit_charge_can_have_a_vacancy_rate_too(prop, period, finance):
    builders.create_charge(prop, "GARB", "生活垃圾处理费", "per_unit", 1555, vacancy_percent=50)
    unit = builders.create_unit(status=UnitStatus.VACANT)
    assert bill_lines(finance, prop, period, unit) == [
        ("生活垃圾处理费（空置 50%）", "¥15.55 × 50%", 778, LineKind.VACANCY)  # ¥7.775 -> ¥7.78
    ]


def test_running_the_month_twice_bills_the_vacancy_once_and_the_totals_add_up(prop, period, finance):
    pm(prop, rule="pro_rata")
    vacant = builders.create_unit(area_x100=8950, status=UnitStatus.VACANT)
    moved_out = builders.create_unit(area_x100=12000, status=UnitStatus.OCCUPIED)
    becomes(moved_out, "vacant", period + timedelta(days=3))
    builders.create_unit(status=UnitStatus.OCCUPIED)
    preview = runs.preview_run(prop.id, period)
    first = bill_lines(finance, prop, period, vacant)
    again = bill_lines(finance, prop, period, vacant)
    assert first == again
    bills = db.session.scalars(select(Bill).where(Bill.period == period)).all()
    assert len(bills) == 3
    assert all(bill.total_fen == sum(line.amount_fen for line in bill.lines) for bill in bills)
    run = runs.current_run(prop.id, period)
    assert run.total_fen == sum(bill.total_fen for bill in bills) == preview.total_fen
    assert preview.vacancy_lines == 2


def test_a_run_without_any_vacancy_rate_reads_no_history(prop, period, finance, count_queries):
    builders.create_charge(prop, "PM", "物业管理费", "per_area", 250)
    builders.create_unit(status=UnitStatus.VACANT)
    with count_queries() as without:
        runs.preview_run(prop.id, period)
    db.session.get(ChargeType, db.session.scalar(select(func.min(ChargeType.id)))).vacancy_percent = 70
    db.session.commit()
    with count_queries() as with_rate:
        runs.preview_run(prop.id, period)
    assert with_rate.count == without.count + 1  # one statement a batch, whatever the number of units


# Setting the rate ---------------------------------------------------------------------------------


def manager():
    """The customer-service manager as an actor."""
    return Actor.for_user(builders.create_staff(Role.MANAGER), "x")


@pytest.mark.parametrize("percent", [0, -5, 101])
def test_a_vacancy_rate_outside_0_to_100_percent_is_refused(prop, percent):
    charge = pm(prop)
    with pytest.raises(DomainError) as error:
        schedule.update_charge_type(manager(), charge, name=charge.name, is_active=True, vacancy_percent=percent)
    assert error.value.field == "vacancy_percent"


def test_a_metered_or_one_off_charge_cannot_have_a_vacancy_rate(prop):
    for code, basis in (("WATER", "metered"), ("RENO", "one_off")):
        with pytest.raises(DomainError) as error:
            schedule.create_charge_type(
                manager(),
                property_id=prop.id,
                code=code,
                name=code,
                basis=basis,
                rate_fen=100,
                effective_from=clock.today(),
                meter_unit="吨",
                vacancy_percent=70,
            )
        assert error.value.field == "vacancy_percent"


def test_the_manager_sets_and_removes_a_vacancy_rate_and_the_audit_log_has_it(prop):
    from domain.audit.models import AuditEntry

    charge = builders.create_charge(prop)
    actor = manager()
    schedule.update_charge_type(
        actor, charge, name=charge.name, is_active=True, vacancy_percent=70, vacancy_rule="pro_rata"
    )
    db.session.commit()
    assert (charge.vacancy_percent, charge.vacancy_rule) == (70, VacancyRule.PRO_RATA)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "charge.update"))
    assert entry.changes["vacancy_percent"] == ["None", "70"]
    schedule.update_charge_type(actor, charge, name=charge.name, is_active=True, vacancy_percent=None)
    db.session.commit()
    assert charge.vacancy_percent is None


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT, Role.ENGINEERING])
def test_a_role_without_the_fee_schedule_cannot_set_a_vacancy_rate(prop, role):
    charge = builders.create_charge(prop)
    with pytest.raises(NotAllowed):
        schedule.update_charge_type(
            Actor.for_user(builders.create_staff(role), "x"),
            charge,
            name=charge.name,
            is_active=True,
            vacancy_percent=70,
        )
