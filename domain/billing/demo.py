"""Demo billing for 亿丰时代广场: a fee schedule, water readings and twelve months of bills (who pays them is
domain.payments.demo)."""

from datetime import timedelta

from sqlalchemy import func, insert, select

from domain.billing import runs
from domain.billing.models import (
    Bill,
    ChargeBasis,
    ChargeRate,
    ChargeType,
    ChargeUnit,
    MeterReading,
    Scope,
    VacancyRule,
)
from domain.billing.schedule import month_after, month_before
from domain.property.models import Building, Unit, UnitStatus
from extensions import db

#: Demo bills fall due on the 21st of their month, so on any day of the year some are 0-30 days overdue
#: (with 30 days after the 1st, a 31-day month leaves that bucket empty on its last day).
DUE_AFTER = timedelta(days=20)


def _schedule(prop, first_period, parking_units, area_rates):
    """The fee schedule: 物业费 per m² (raised mid-year; 70 % for a unit vacant a whole month, read from the
    register's status history), parking, garbage, water, and a one-off deposit."""
    charges = [
        (
            "PM",
            "物业管理费",
            ChargeBasis.PER_AREA,
            [
                (area_rates[0], first_period),
                (area_rates[1], _months_after(first_period, 6)),
            ],
            Scope.ALL,
            "",
        ),
        ("PARK", "车位管理费", ChargeBasis.PER_UNIT, [(15000, first_period)], Scope.UNITS, ""),
        ("GARB", "生活垃圾处理费", ChargeBasis.PER_UNIT, [(1500, first_period)], Scope.ALL, ""),
        ("WATER", "水费", ChargeBasis.METERED, [(345, first_period)], Scope.ALL, "吨"),
        ("RENO", "装修押金", ChargeBasis.ONE_OFF, [(300000, first_period)], Scope.ALL, ""),
    ]
    created = {}
    for code, name, basis, rates, scope, meter_unit in charges:
        charge = ChargeType(property_id=prop.id, code=code, name=name, basis=basis, scope=scope, meter_unit=meter_unit)
        charge.rates = [ChargeRate(rate_fen=rate, effective_from=start) for rate, start in rates]
        if scope == Scope.UNITS:
            charge.units = [ChargeUnit(unit_id=unit_id) for unit_id in parking_units]
        if code == "PM":
            charge.vacancy_percent, charge.vacancy_rule = 70, VacancyRule.FULL_MONTHS
        db.session.add(charge)
        created[code] = charge
    db.session.flush()
    return created


def _months_after(period, months):
    """The first day of the month `months` after `period`."""
    for _ in range(months):
        period = month_after(period)
    return period


def _readings(water, unit_ids, periods, rng):
    """A water reading per occupied unit and month: 4-18 tonnes a month, meters never going back."""
    rows, meters = [], {unit_id: rng.randrange(10000, 90000) for unit_id in unit_ids}
    for period in periods:
        for unit_id in unit_ids:
            used = rng.randrange(400, 1800)
            rows.append(
                {
                    "unit_id": unit_id,
                    "charge_type_id": water.id,
                    "period": period,
                    "previous_x100": meters[unit_id],
                    "current_x100": meters[unit_id] + used,
                }
            )
            meters[unit_id] += used
    db.session.execute(insert(MeterReading), rows)


def load_billing_demo(prop, actor, *, today, rng, after_batch=None, area_rates=(250, 280)):
    """Bill the demo property for the last twelve months; returns the number of its bills.

    `area_rates` are 物业管理费's fen per m² before and after the mid-year raise."""
    current = today.replace(day=1)
    periods = [current]
    for _ in range(11):
        periods.insert(0, month_before(periods[0]))
    units = db.session.execute(
        select(Unit.id, Unit.status).join(Unit.building).where(Building.property_id == prop.id).order_by(Unit.id)
    ).all()
    occupied = [unit_id for unit_id, status in units if status == UnitStatus.OCCUPIED]
    parking = [unit_id for unit_id in occupied if rng.random() < 0.3]
    charges = _schedule(prop, periods[0], parking, area_rates)
    _readings(charges["WATER"], occupied, periods, rng)
    for period in periods:
        runs.run_billing(
            actor,
            property_id=prop.id,
            period=period,
            due_date=period + DUE_AFTER,
            today=period,
            after_batch=after_batch,
        )
    return db.session.scalar(select(func.count()).select_from(Bill).where(Bill.property_id == prop.id))
