"""Monthly billing runs: one bill per unit and month, in batches, resumable (reversing one is in
domain.payments.run_reversal, since only a run whose bills no payment has touched may be reversed)."""

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import (
    Bill,
    BillingRun,
    BillLine,
    ChargeBasis,
    ChargeType,
    ChargeUnit,
    LineKind,
    MeterReading,
    RunStatus,
    Scope,
    VacancyRule,
)
from domain.billing.schedule import period_label
from domain.clock import utcnow
from domain.errors import DomainError, NotFound
from domain.money import fen_to_decimal
from domain.property.models import Building, Unit
from domain.property.units import days_in_month, vacant_days
from domain.property.validation import area_as_text
from extensions import db

#: Units per batch: statements grow with units / BATCH_SIZE, and each batch is one short transaction.
BATCH_SIZE = 500


@dataclass(frozen=True)
class ChargePlan:
    """A charge type as a run applies it: its rate for the month and the units it covers."""

    id: int
    code: str
    name: str
    basis: ChargeBasis
    rate_fen: int
    meter_unit: str
    scope: Scope
    building_id: int | None
    unit_ids: frozenset
    #: The share (percent) a vacant unit pays, None for none; how a month with a status change is billed.
    vacancy_percent: int | None = None
    vacancy_rule: VacancyRule = VacancyRule.FULL_MONTHS

    @cached_property
    def price(self):
        """The rate as bill lines print it ("¥2.50"), worked out once per run rather than once per line."""
        return f"¥{fen_to_decimal(self.rate_fen)}"

    def applies_to(self, unit_id, building_id):
        """Whether the charge covers this unit."""
        if self.scope == Scope.ALL:
            return True
        if self.scope == Scope.BUILDING:
            return building_id == self.building_id
        return unit_id in self.unit_ids


def charge_plans(property_id, period):
    """The recurring charges in force for `period` (one-off charges are billed separately)."""
    charges = db.session.scalars(
        select(ChargeType)
        .where(
            ChargeType.property_id == property_id,
            ChargeType.is_active.is_(True),
            ChargeType.basis != ChargeBasis.ONE_OFF,
        )
        .options(selectinload(ChargeType.rates))
        .order_by(ChargeType.code)
    ).all()
    listed = {}
    by_units = [c.id for c in charges if c.scope == Scope.UNITS]
    if by_units:
        for charge_id, unit_id in db.session.execute(
            select(ChargeUnit.charge_type_id, ChargeUnit.unit_id).where(ChargeUnit.charge_type_id.in_(by_units))
        ):
            listed.setdefault(charge_id, set()).add(unit_id)
    plans = []
    for charge in charges:
        rate = charge.rate_on(period)
        if rate is not None:
            plans.append(
                ChargePlan(
                    charge.id,
                    charge.code,
                    charge.name,
                    charge.basis,
                    rate.rate_fen,
                    charge.meter_unit,
                    charge.scope,
                    charge.building_id,
                    frozenset(listed.get(charge.id, ())),
                    charge.vacancy_percent,
                    charge.vacancy_rule,
                )
            )
    return plans


def _round_x100(value_x100, rate_fen):
    """value (x 100) times a rate in fen, rounded half up to whole fen, in integers."""
    return (value_x100 * rate_fen + 50) // 100


def _round_ratio(numerator, denominator):
    """numerator / denominator rounded half up to a whole fen, in integers (_round_x100's rule for any share)."""
    return (2 * numerator + denominator) // (2 * denominator)


#: Marks a line billed at the vacancy rate, after the charge's name: stored with the line like every bill line's
#: words (the charge's own name, 滞纳金), so the bill, the receipt and the exports read the same.
VACANCY_MARK = "（空置 {percent}%）"


def _monthly_lines(plan, base_fen_x100, detail, vacant, month_days):
    """The lines of a monthly charge worth base_fen_x100 / 100 fen for a full month, with its vacancy rate applied to
    `vacant` days of the month by the plan's rule: the full line, the vacancy line, or (pro rata) both."""
    percent = plan.vacancy_percent
    if percent and vacant and plan.vacancy_rule == VacancyRule.FULL_MONTHS and vacant < month_days:
        vacant = 0  # full months only: a month with any day not vacant is billed in full
    if not percent or not vacant:
        return [(plan.id, plan.name, detail, _round_ratio(base_fen_x100, 100), LineKind.CHARGE)]
    name = plan.name + VACANCY_MARK.format(percent=percent)
    if vacant >= month_days:
        return [
            (
                plan.id,
                name,
                f"{detail} × {percent}%",
                _round_ratio(base_fen_x100 * percent, 100 * 100),
                LineKind.VACANCY,
            )
        ]
    lived = month_days - vacant
    return [
        (
            plan.id,
            plan.name,
            f"{detail} × {lived}/{month_days} 天",
            _round_ratio(base_fen_x100 * lived, 100 * month_days),
            LineKind.CHARGE,
        ),
        (
            plan.id,
            name,
            f"{detail} × {percent}% × {vacant}/{month_days} 天",
            _round_ratio(base_fen_x100 * percent * vacant, 100 * 100 * month_days),
            LineKind.VACANCY,
        ),
    ]


def lines_for_unit(unit_id, building_id, area_x100, plans, readings, vacant=0, month_days=30):
    """The bill lines (charge_type_id, description, detail, amount_fen, kind) of one unit for one month; `vacant`
    is how many of the month's `month_days` days the unit stood vacant (domain.property.units.vacant_days)."""
    lines = []
    for plan in plans:
        if not plan.applies_to(unit_id, building_id):
            continue
        if plan.basis == ChargeBasis.PER_AREA:
            detail = f"{area_as_text(area_x100)} m² × {plan.price}"
            charged = _monthly_lines(plan, area_x100 * plan.rate_fen, detail, vacant, month_days)
        elif plan.basis == ChargeBasis.PER_UNIT:
            charged = _monthly_lines(plan, plan.rate_fen * 100, plan.price, vacant, month_days)
        else:
            reading = readings.get((unit_id, plan.id))
            if reading is None:
                continue  # not read this month: nothing to bill, the preview counts these
            previous, current = reading
            amount = _round_x100(current - previous, plan.rate_fen)
            detail = f"{fen_to_decimal(previous)} → {fen_to_decimal(current)} {plan.meter_unit} × {plan.price}".replace(
                "  ", " "
            )
            charged = [(plan.id, plan.name, detail, amount, LineKind.CHARGE)]
        lines += [line for line in charged if line[3] > 0]
    return lines


def _unbilled_units(property_id, period, after_id, limit):
    """The next units (id, building_id, area) with no bill for `period`, by id."""
    billed = exists().where(Bill.unit_id == Unit.id, Bill.period == period)
    return db.session.execute(
        select(Unit.id, Unit.building_id, Unit.area_x100)
        .join(Unit.building)
        .where(Building.property_id == property_id, Unit.id > after_id, ~billed)
        .order_by(Unit.id)
        .limit(limit)
    ).all()


def _readings(period, unit_ids, plans):
    """{(unit_id, charge_type_id): (previous_x100, current_x100)} for the batch's metered charges."""
    metered = [plan.id for plan in plans if plan.basis == ChargeBasis.METERED]
    if not metered or not unit_ids:
        return {}
    rows = db.session.execute(
        select(
            MeterReading.unit_id, MeterReading.charge_type_id, MeterReading.previous_x100, MeterReading.current_x100
        ).where(
            MeterReading.period == period, MeterReading.unit_id.in_(unit_ids), MeterReading.charge_type_id.in_(metered)
        )
    )
    return {(u, c): (p, cur) for u, c, p, cur in rows}


def _vacant_days(period, unit_ids, plans):
    """{unit id: vacant days of the month} for the batch, one statement; nothing to read when no charge of the month
    has a vacancy rate."""
    if not any(plan.vacancy_percent for plan in plans):
        return {}
    return vacant_days(unit_ids, period)


@dataclass
class RunPreview:
    """What a billing run would create, before anything is written."""

    period: date
    units: int = 0
    bills: int = 0
    total_fen: int = 0
    already_billed: int = 0
    #: Units with a metered charge but no reading for the month (billed without that line).
    missing_readings: int = 0
    #: charge code -> [name, lines, fen]
    by_charge: dict = field(default_factory=dict)
    #: Lines billed at a vacancy rate (a unit vacant that month, by the charge's rule).
    vacancy_lines: int = 0


def preview_run(property_id, period, *, batch_size=BATCH_SIZE):
    """Work out a run's bills and totals without writing anything."""
    plans = charge_plans(property_id, period)
    preview = RunPreview(period, by_charge={p.code: [p.name, 0, 0] for p in plans})
    preview.already_billed = db.session.scalar(
        select(func.count()).select_from(Bill).where(Bill.property_id == property_id, Bill.period == period)
    )
    after, month_days = 0, days_in_month(period)
    while batch := _unbilled_units(property_id, period, after, batch_size):
        readings = _readings(period, [u.id for u in batch], plans)
        vacant = _vacant_days(period, [u.id for u in batch], plans)
        codes = {p.id: p.code for p in plans}
        for unit_id, building_id, area in batch:
            preview.units += 1
            lines = lines_for_unit(unit_id, building_id, area, plans, readings, vacant.get(unit_id, 0), month_days)
            for plan in plans:
                if (
                    plan.basis == ChargeBasis.METERED
                    and plan.applies_to(unit_id, building_id)
                    and (unit_id, plan.id) not in readings
                ):
                    preview.missing_readings += 1
                    break
            if lines:
                preview.bills += 1
                for charge_id, _name, _detail, amount, kind in lines:
                    entry = preview.by_charge[codes[charge_id]]
                    entry[1] += 1
                    entry[2] += amount
                    preview.total_fen += amount
                    preview.vacancy_lines += kind == LineKind.VACANCY
        after = batch[-1].id
    return preview


def _insert_ignoring_duplicates(rows):
    """INSERT bills, skipping any (unit, period) that already has one; returns [(bill id, unit id)]."""
    dialect_insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(Bill)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["unit_id", "period"])
        .returning(Bill.id, Bill.unit_id)
    )
    return db.session.execute(statement).all()


def current_run(property_id, period):
    """The run of a month that is not reversed, if any."""
    return db.session.scalar(
        select(BillingRun).where(
            BillingRun.property_id == property_id, BillingRun.period == period, BillingRun.status != RunStatus.REVERSED
        )
    )


def run_billing(actor, *, property_id, period, due_date, today, batch_size=BATCH_SIZE, after_batch=None):
    """Bill every unit for `period`, in batches; idempotent per unit and month.

    Resumes the month's run if one was interrupted (or finished: units added since get their bill).
    `after_batch()` is called after each batch (the CLI and the console commit there, so a crash
    keeps the finished batches and a rerun only does the rest). Returns the BillingRun.
    """
    require(actor, Permission.RUN_BILLING)
    if due_date < period:
        raise DomainError(_l("The due date cannot be before the month billed."), field="due_date")
    run = current_run(property_id, period)
    if run is None:
        run = BillingRun(property_id=property_id, period=period, due_date=due_date, started_by_id=actor.user_id)
        db.session.add(run)
        db.session.flush()
        record(actor, "billing.run_start", run, summary=period_label(period))
    else:
        run.status = RunStatus.RUNNING
    plans = charge_plans(property_id, period)
    if not plans:
        raise DomainError(_l("No charge is in force for this month: set up the fee schedule first."))
    # Plain values: after_batch() commits, which expires `run`; reading it again would cost a query a batch.
    run_id, due = run.id, run.due_date
    after, month_days = 0, days_in_month(period)
    while batch := _unbilled_units(property_id, period, after, batch_size):
        after = batch[-1].id
        readings = _readings(period, [u.id for u in batch], plans)
        vacant = _vacant_days(period, [u.id for u in batch], plans)
        pending = {}
        for unit_id, building_id, area in batch:
            lines = lines_for_unit(unit_id, building_id, area, plans, readings, vacant.get(unit_id, 0), month_days)
            if lines:
                pending[unit_id] = lines
        if not pending:
            continue
        bill_rows = [
            {
                "property_id": property_id,
                "unit_id": unit_id,
                "run_id": run_id,
                "period": period,
                "title": "",
                "issued_on": today,
                "due_date": due,
                "paid_fen": 0,
                "created_at": utcnow(),
                "total_fen": sum(line[3] for line in lines),
            }
            for unit_id, lines in pending.items()
        ]
        created = _insert_ignoring_duplicates(bill_rows)
        line_rows = [
            {
                "bill_id": bill_id,
                "charge_type_id": charge_id,
                "kind": kind.value,
                "description": name,
                "detail": detail,
                "amount_fen": amount,
            }
            for bill_id, unit_id in created
            for charge_id, name, detail, amount, kind in pending[unit_id]
        ]
        if line_rows:
            db.session.execute(BillLine.__table__.insert(), line_rows)
        added_total = sum(sum(line[3] for line in pending[unit_id]) for _bill_id, unit_id in created)
        db.session.execute(
            update(BillingRun)
            .where(BillingRun.id == run_id)
            .values(bill_count=BillingRun.bill_count + len(created), total_fen=BillingRun.total_fen + added_total)
        )
        if after_batch is not None:
            after_batch()
    db.session.refresh(run)
    run.status, run.finished_at = RunStatus.DONE, utcnow()
    record(
        actor,
        "billing.run_done",
        run,
        summary=f"{period_label(period)}: {run.bill_count} ¥{fen_to_decimal(run.total_fen)}",
    )
    db.session.flush()
    return run


def list_runs(property_id, limit=24):
    """The latest billing runs, newest month first."""
    return db.session.scalars(
        select(BillingRun)
        .where(BillingRun.property_id == property_id)
        .order_by(BillingRun.period.desc(), BillingRun.id.desc())
        .limit(limit)
    ).all()


def get_run(run_id):
    """Return a billing run or raise NotFound."""
    run = db.session.get(BillingRun, run_id)
    if run is None:
        raise NotFound()
    return run
