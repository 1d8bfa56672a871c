"""The fee schedule (收费标准) and meter readings: what each unit is charged each month."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.billing.models import ChargeBasis, ChargeRate, ChargeType, ChargeUnit, MeterReading, Scope, VacancyRule
from domain.csv_files import read_rows  # every CSV import reads its file there
from domain.dates import DateOutOfRange, check_date, month_after, month_before  # noqa: F401 (callers import them here)
from domain.errors import Conflict, DomainError, NotFound
from domain.money import fen_to_decimal, yuan_to_fen  # yuan_to_fen: the same "up to two decimals, no floats" rule
from domain.property.models import Unit
from domain.property.units import UNIT_LABEL, find_unit, unit_ids_by_label
from extensions import db


def parse_period(text):
    """Parse "2026-11" into date(2026, 11, 1); raise DomainError on the period field otherwise (also for a month
    outside the years that make sense, domain.dates)."""
    try:
        year, month = (int(part) for part in (text or "").strip().split("-"))
        return check_date(date(year, month, 1), field="period")
    except DateOutOfRange:
        raise
    except (TypeError, ValueError):
        raise DomainError(_l("Write the month as YYYY-MM, e.g. 2026-11."), field="period") from None


def period_label(period):
    """date(2026, 11, 1) -> "2026-11"."""
    return f"{period.year:04d}-{period.month:02d}" if period else ""


def list_charge_types(property_id):
    """Every charge type of the property with its rates, active ones first."""
    return db.session.scalars(
        select(ChargeType)
        .where(ChargeType.property_id == property_id)
        .options(selectinload(ChargeType.rates), selectinload(ChargeType.units))
        .order_by(ChargeType.is_active.desc(), ChargeType.code)
    ).all()


def get_charge_type(charge_type_id):
    """Return a charge type with its rates, or raise NotFound."""
    charge = db.session.get(ChargeType, charge_type_id, options=[selectinload(ChargeType.rates)])
    if charge is None:
        raise NotFound()
    return charge


def _unit_ids_from_labels(labels):
    """Resolve "1-1203, 2-0501" into unit ids; raise DomainError naming the labels not found."""
    wanted = [
        label.strip() for label in (labels or "").replace("，", ",").replace("\n", ",").split(",") if label.strip()
    ]
    found = unit_ids_by_label(wanted)
    missing = [label for label in wanted if label not in found]
    if missing:
        raise DomainError(
            _l("These units are not in the register: %(labels)s", labels=", ".join(missing[:10])), field="unit_labels"
        )
    if not found:
        raise DomainError(_l("List at least one unit, e.g. 1-1203."), field="unit_labels")
    return sorted(set(found.values()))


def _check_rate(rate_fen):
    """A rate is a positive number of fen."""
    if not isinstance(rate_fen, int) or rate_fen <= 0:
        raise DomainError(_l("The rate must be more than zero."), field="rate")


#: The charges a vacancy rate can apply to: the monthly ones not read from a meter (an empty unit uses no water).
VACANCY_BASES = (ChargeBasis.PER_AREA, ChargeBasis.PER_UNIT)


def _check_vacancy(basis, percent, rule):
    """Validate a vacancy rate (None: none) and its rule for a charge billed on `basis`; return the rule."""
    rule = VacancyRule(rule or VacancyRule.FULL_MONTHS)
    if percent is None:
        return rule
    if basis not in VACANCY_BASES:
        raise DomainError(
            _l("Only a monthly charge per m² or per unit can have a vacancy rate."), field="vacancy_percent"
        )
    if not isinstance(percent, int) or not 0 < percent <= 100:
        raise DomainError(_l("The vacancy rate is a percentage above 0 and at most 100."), field="vacancy_percent")
    return rule


def _check_scope(basis, scope, building_id, unit_labels):
    """Validate a charge type's scope; return the unit ids when the scope is a list of units."""
    if basis == ChargeBasis.ONE_OFF:
        return []  # one-off charges are billed to the units named when they are charged
    if scope == Scope.BUILDING and not building_id:
        raise DomainError(_l("Choose the building this charge applies to."), field="building_id")
    if scope == Scope.UNITS:
        return _unit_ids_from_labels(unit_labels)
    return []


def create_charge_type(
    actor,
    *,
    property_id,
    code,
    name,
    basis,
    rate_fen,
    effective_from,
    meter_unit="",
    scope=Scope.ALL,
    building_id=None,
    unit_labels="",
    vacancy_percent=None,
    vacancy_rule=VacancyRule.FULL_MONTHS,
):
    """Add a charge type with its first rate (and, for a monthly charge, a vacancy rate: `vacancy_percent` of it
    while the unit is vacant, months with a status change billed by `vacancy_rule`)."""
    require(actor, Permission.MANAGE_FEES)
    _check_rate(rate_fen)
    basis, scope = ChargeBasis(basis), Scope(scope)
    vacancy_rule = _check_vacancy(basis, vacancy_percent, vacancy_rule)
    code = code.strip().upper()
    if db.session.scalar(select(ChargeType.id).where(ChargeType.property_id == property_id, ChargeType.code == code)):
        raise Conflict(_l("Another charge already uses this code."), field="code")
    unit_ids = _check_scope(basis, scope, building_id, unit_labels)
    charge = ChargeType(
        property_id=property_id,
        code=code,
        name=name.strip(),
        basis=basis,
        meter_unit=meter_unit.strip(),
        scope=scope,
        building_id=building_id if scope == Scope.BUILDING else None,
        vacancy_percent=vacancy_percent,
        vacancy_rule=vacancy_rule,
    )
    charge.rates.append(ChargeRate(rate_fen=rate_fen, effective_from=effective_from))
    charge.units = [ChargeUnit(unit_id=unit_id) for unit_id in unit_ids]
    db.session.add(charge)
    db.session.flush()
    record(
        actor,
        "charge.create",
        charge,
        summary=f"{code} {charge.name} ¥{fen_to_decimal(rate_fen)} from {effective_from}",
    )
    return charge


def update_charge_type(
    actor,
    charge,
    *,
    name,
    is_active,
    meter_unit="",
    scope=None,
    building_id=None,
    unit_labels="",
    vacancy_percent=None,
    vacancy_rule=None,
):
    """Rename, (de)activate or re-scope a charge type, or change its vacancy rate (None: none) and rule; rates
    change with `add_rate`. Bills already issued keep their lines."""
    require(actor, Permission.MANAGE_FEES)
    scope = Scope(scope or charge.scope)
    vacancy_rule = _check_vacancy(charge.basis, vacancy_percent, vacancy_rule or charge.vacancy_rule)
    unit_ids = _check_scope(charge.basis, scope, building_id, unit_labels)
    changes = {}
    for field, new in {
        "name": name.strip(),
        "is_active": is_active,
        "meter_unit": meter_unit.strip(),
        "scope": scope,
        "building_id": building_id if scope == Scope.BUILDING else None,
        "vacancy_percent": vacancy_percent,
        "vacancy_rule": vacancy_rule,
    }.items():
        old = getattr(charge, field)
        if old != new:
            changes[field] = [str(old), str(new)]
            setattr(charge, field, new)
    if scope == Scope.UNITS and sorted(u.unit_id for u in charge.units) != unit_ids:
        changes["units"] = [len(charge.units), len(unit_ids)]
        charge.units = [ChargeUnit(unit_id=unit_id) for unit_id in unit_ids]
    elif scope != Scope.UNITS and charge.units:
        charge.units = []
    if changes:
        record(actor, "charge.update", charge, summary=charge.code, changes=changes)
    return charge


def add_rate(actor, charge, *, rate_fen, effective_from):
    """Give a charge type a new rate from a date on; bills already issued keep the old one."""
    require(actor, Permission.MANAGE_FEES)
    _check_rate(rate_fen)
    if any(rate.effective_from == effective_from for rate in charge.rates):
        raise Conflict(_l("A rate already starts on this date."), field="effective_from")
    charge.rates.append(ChargeRate(rate_fen=rate_fen, effective_from=effective_from))
    db.session.flush()
    record(actor, "charge.rate", charge, summary=f"{charge.code} ¥{fen_to_decimal(rate_fen)} from {effective_from}")
    return charge


# Meter readings ----------------------------------------------------------------------------------


def _metered_charge(charge_type_id):
    """Return a metered charge type or raise DomainError on the charge field."""
    charge = db.session.get(ChargeType, charge_type_id)
    if charge is None or charge.basis != ChargeBasis.METERED:
        raise DomainError(_l("Choose a metered charge (water, electricity)."), field="charge_type_id")
    return charge


def previous_reading_x100(unit_id, charge_type_id, period):
    """The meter value at the end of the last month read before `period` (0 for a new meter)."""
    return (
        db.session.scalar(
            select(MeterReading.current_x100)
            .where(
                MeterReading.unit_id == unit_id,
                MeterReading.charge_type_id == charge_type_id,
                MeterReading.period < period,
            )
            .order_by(MeterReading.period.desc())
            .limit(1)
        )
        or 0
    )


def record_reading(actor, *, unit, charge_type_id, period, current_x100, previous_x100=None):
    """Enter or correct a unit's meter reading for a month; the previous value defaults to last month's."""
    require(actor, Permission.ENTER_READINGS)
    charge = _metered_charge(charge_type_id)
    if previous_x100 is None:
        previous_x100 = previous_reading_x100(unit.id, charge.id, period)
    if current_x100 < previous_x100:
        raise DomainError(
            _l("The reading is below the previous one (%(previous)s).", previous=f"{fen_to_decimal(previous_x100)}"),
            field="current",
        )
    reading = db.session.scalar(
        select(MeterReading).where(
            MeterReading.unit_id == unit.id, MeterReading.charge_type_id == charge.id, MeterReading.period == period
        )
    )
    if reading is None:
        reading = MeterReading(unit_id=unit.id, charge_type_id=charge.id, period=period)
        db.session.add(reading)
    reading.previous_x100, reading.current_x100 = previous_x100, current_x100
    reading.recorded_by_id = actor.user_id
    db.session.flush()
    record(
        actor,
        "reading.record",
        reading,
        summary=f"{unit.label} {charge.code} {period_label(period)}: "
        f"{fen_to_decimal(previous_x100)} → {fen_to_decimal(current_x100)}",
    )
    return reading


def list_readings(period, *, limit=100):
    """The readings of a month with their unit labels and charge codes, newest first."""
    return db.session.execute(
        select(MeterReading, UNIT_LABEL, ChargeType.code, ChargeType.meter_unit)
        .join(Unit, MeterReading.unit_id == Unit.id)
        .join(Unit.building)
        .join(ChargeType, MeterReading.charge_type_id == ChargeType.id)
        .where(MeterReading.period == period)
        .order_by(MeterReading.recorded_at.desc(), MeterReading.id.desc())
        .limit(limit)
    ).all()


_READING_HEADERS = {
    "unit": {"unit", "房号", "房屋"},
    "charge": {"charge", "费项", "费项代码", "code"},
    "period": {"period", "期间", "月份"},
    "previous": {"previous", "上期读数", "上期"},
    "current": {"current", "本期读数", "本期"},
}


def _reading_value(text, line_no, label):
    """Parse a meter value with up to two decimals into x 100; raise with the line number."""
    try:
        return yuan_to_fen(text)
    except ValueError:
        raise DomainError(
            _l('Line %(line)s: %(field)s "%(value)s" is not a meter value.', line=line_no, field=label, value=text)
        ) from None


#: Most rows one meter-reading file may hold (a reading per unit and meter for a month).
MAX_READING_ROWS = 20000


def import_readings(actor, data):
    """Import meter readings from CSV bytes (UTF-8 or GB18030): all rows or none, with line-numbered errors.

    Columns: unit (1-1203), charge (code), period (YYYY-MM), previous (optional), current.
    Returns the number of readings written.
    """
    require(actor, Permission.ENTER_READINGS)
    (_line, header), *body = read_rows(data, max_rows=MAX_READING_ROWS) or [(1, [])]
    if not header:
        raise DomainError(_l("The file is empty."))
    columns = {}
    for index, name in enumerate(header):
        for key, names in _READING_HEADERS.items():
            if name.strip().lower() in names:
                columns[key] = index
    missing = [key for key in ("unit", "charge", "period", "current") if key not in columns]
    if missing:
        raise DomainError(_l("Missing columns: %(columns)s", columns=", ".join(missing)))
    charges = {c.code: c for c in db.session.scalars(select(ChargeType).where(ChargeType.basis == ChargeBasis.METERED))}
    rows, errors = [], []
    for line_no, row in body:
        if not any(cell.strip() for cell in row):
            continue

        def cell(key, row=row):
            return row[columns[key]].strip() if key in columns and columns[key] < len(row) else ""

        try:
            unit = find_unit(cell("unit"))
            charge = charges.get(cell("charge").upper())
            if charge is None:
                raise DomainError(_l("no metered charge with code %(code)s", code=cell("charge")))
            period = parse_period(cell("period"))
            previous = _reading_value(cell("previous"), line_no, "previous") if cell("previous") else None
            current = _reading_value(cell("current"), line_no, "current")
            rows.append((unit, charge.id, period, current, previous))
        except DomainError as exc:
            message = (
                exc.message
                if str(exc.message).startswith(("Line", "第"))
                else _l("Line %(line)s: %(error)s", line=line_no, error=exc.message)
            )
            errors.append(str(message))
    if errors:
        raise DomainError("\n".join(errors[:20]))
    for unit, charge_id, period, current, previous in rows:
        try:
            record_reading(
                actor, unit=unit, charge_type_id=charge_id, period=period, current_x100=current, previous_x100=previous
            )
        except DomainError as exc:
            raise DomainError(_l("Unit %(label)s: %(error)s", label=unit.label, error=exc.message)) from None
    return len(rows)
