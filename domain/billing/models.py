"""Fees and bills (SOP 4 服务收费): the fee schedule, meter readings, billing runs, bills and their lines,
the late-fee policy and payment reminders (催缴)."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class ChargeBasis(str, enum.Enum):
    """How a charge type turns into an amount for one unit and one month."""

    PER_AREA = "per_area"  # 物业管理费: rate per m² of the unit's area, per month
    PER_UNIT = "per_unit"  # parking space, garbage: a fixed amount per unit per month
    METERED = "metered"  # water, electricity: rate per unit of consumption read from a meter
    ONE_OFF = "one_off"  # renovation deposit and the like: billed once, when charged to a unit


class Scope(str, enum.Enum):
    """Which units a charge type applies to."""

    ALL = "all"
    BUILDING = "building"
    UNITS = "units"


class VacancyRule(str, enum.Enum):
    """How the vacancy rate (空置费) treats a month in which the unit's status changed."""

    FULL_MONTHS = "full_months"  # the rate only for a month vacant from its first to its last day
    PRO_RATA = "pro_rata"  # the vacant days at the vacancy rate, the other days at the full rate


class ChargeType(PropertyOwned, db.Model):
    """One line of the fee schedule (收费标准): what is charged, how, and to which units."""

    __tablename__ = "charge_types"
    __table_args__ = (
        UniqueConstraint("property_id", "code"),
        CheckConstraint(
            "vacancy_percent IS NULL OR (vacancy_percent > 0 AND vacancy_percent <= 100)", name="vacancy_percent_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: Short code used in CSV imports ("PM", "WATER").
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    basis: Mapped[ChargeBasis] = mapped_column(value_enum(ChargeBasis))
    #: What the meter counts, printed on bill lines ("吨", "kWh"); metered charges only.
    meter_unit: Mapped[str] = mapped_column(String(16), default="")
    scope: Mapped[Scope] = mapped_column(value_enum(Scope), default=Scope.ALL)
    #: The building when scope is "building".
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: The share of the charge a vacant unit pays, in percent (70 = 物业管理费 at 70 % while vacant); None: no
    #: vacancy rate. Monthly charges per m² or per unit only.
    vacancy_percent: Mapped[int | None]
    #: How a month with a status change is billed when there is a vacancy rate.
    vacancy_rule: Mapped[VacancyRule] = mapped_column(value_enum(VacancyRule), default=VacancyRule.FULL_MONTHS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rates: Mapped[list["ChargeRate"]] = relationship(
        back_populates="charge_type", order_by="ChargeRate.effective_from", cascade="all, delete-orphan"
    )
    units: Mapped[list["ChargeUnit"]] = relationship(cascade="all, delete-orphan")
    building = relationship("Building")

    def rate_on(self, day):
        """The rate in force on `day` (fen), or None before the first one."""
        current = None
        for rate in self.rates:
            if rate.effective_from <= day:
                current = rate
        return current


class ChargeRate(db.Model):
    """A charge type's rate from a date on; a change of price is a new row, so old bills keep theirs."""

    __tablename__ = "charge_rates"
    __table_args__ = (
        UniqueConstraint("charge_type_id", "effective_from"),
        CheckConstraint("rate_fen > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_type_id: Mapped[int] = mapped_column(ForeignKey("charge_types.id"))
    #: Fen per m² per month, per unit per month, per metered unit, or the one-off amount.
    rate_fen: Mapped[int]
    effective_from: Mapped[date] = mapped_column(Date)

    charge_type: Mapped[ChargeType] = relationship(back_populates="rates")


class ChargeUnit(db.Model):
    """A unit a charge type with scope "units" applies to (a parking space's holder, say)."""

    __tablename__ = "charge_units"
    __table_args__ = (UniqueConstraint("charge_type_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_type_id: Mapped[int] = mapped_column(ForeignKey("charge_types.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)


class MeterReading(db.Model):
    """A meter reading of one unit for one month: consumption = current - previous."""

    __tablename__ = "meter_readings"
    __table_args__ = (
        UniqueConstraint("unit_id", "charge_type_id", "period"),
        CheckConstraint("current_x100 >= previous_x100", name="reading_not_backwards"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    charge_type_id: Mapped[int] = mapped_column(ForeignKey("charge_types.id"))
    #: The first day of the month the reading bills.
    period: Mapped[date] = mapped_column(Date, index=True)
    #: Meter values x 100 (two decimals, no floats).
    previous_x100: Mapped[int]
    current_x100: Mapped[int]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def consumption_x100(self):
        """What was used in the month, x 100."""
        return self.current_x100 - self.previous_x100


class RunStatus(str, enum.Enum):
    """A billing run is running (resumable after a crash), done, or reversed."""

    RUNNING = "running"
    DONE = "done"
    REVERSED = "reversed"


class BillingRun(PropertyOwned, db.Model):
    """A monthly billing run: one bill per unit for the period, never two."""

    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: The first day of the month billed.
    period: Mapped[date] = mapped_column(Date, index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[RunStatus] = mapped_column(value_enum(RunStatus), default=RunStatus.RUNNING)
    bill_count: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column(default=0)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Bill(PropertyOwned, db.Model):
    """What one unit owes for one period (or one one-off charge); paid by one or more payments."""

    __tablename__ = "bills"
    __table_args__ = (
        # The database itself refuses a second bill for a unit and month: reruns and crashed runs
        # cannot duplicate. One-off bills have no period (NULLs never clash).
        UniqueConstraint("unit_id", "period", name="uq_bills_unit_period"),
        CheckConstraint("total_fen >= 0", name="total_not_negative"),
        CheckConstraint("paid_fen >= 0 AND paid_fen <= total_fen", name="paid_within_total"),
        Index("ix_bills_property_period", "property_id", "period"),
        Index("ix_bills_unit_due", "unit_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("billing_runs.id"), index=True)
    #: The first day of the month billed; None for a one-off bill.
    period: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(80), default="")
    issued_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    #: Sum of the lines, fen; kept on the bill so lists and totals need no join.
    total_fen: Mapped[int] = mapped_column(default=0)
    #: Paid and not refunded, fen.
    paid_fen: Mapped[int] = mapped_column(default=0)
    #: When the bill was last fully paid (for the collection figures); None while anything is owed.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list["BillLine"]] = relationship(
        back_populates="bill", order_by="BillLine.id", cascade="all, delete-orphan"
    )
    unit = relationship("Unit")

    @property
    def outstanding_fen(self):
        """What is still owed, fen."""
        return self.total_fen - self.paid_fen


class LineKind(str, enum.Enum):
    """Where a bill line comes from."""

    CHARGE = "charge"
    LATE_FEE = "late_fee"
    #: A charge at the vacancy rate, for the days (or the whole month) the unit stood vacant.
    VACANCY = "vacancy"


class BillLine(db.Model):
    """One line of a bill: a charge with how it was worked out, or the late fee (滞纳金)."""

    __tablename__ = "bill_lines"
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    charge_type_id: Mapped[int | None] = mapped_column(ForeignKey("charge_types.id"))
    kind: Mapped[LineKind] = mapped_column(value_enum(LineKind), default=LineKind.CHARGE)
    description: Mapped[str] = mapped_column(String(80))
    #: How the amount was worked out, for people ("89.20 m² × ¥2.50").
    detail: Mapped[str] = mapped_column(String(120), default="")
    amount_fen: Mapped[int]

    bill: Mapped[Bill] = relationship(back_populates="lines")


class LateFeePolicy(PropertyOwned, db.Model):
    """The late-fee (滞纳金) rule of a property: a daily rate after a grace period, capped."""

    __tablename__ = "late_fee_policies"
    __table_args__ = (
        CheckConstraint("daily_rate_per_10000 >= 0", name="rate_not_negative"),
        CheckConstraint("grace_days >= 0", name="grace_not_negative"),
        CheckConstraint("cap_percent >= 0 AND cap_percent <= 100", name="cap_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    #: Per day, in ten-thousandths of the overdue amount (5 = 万分之五 = 0.05 % a day).
    daily_rate_per_10000: Mapped[int] = mapped_column(default=5)
    grace_days: Mapped[int] = mapped_column(default=15)
    #: The late fee never exceeds this share of the overdue charges.
    cap_percent: Mapped[int] = mapped_column(default=10)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(PropertyOwned, db.Model):
    """A payment reminder (催缴通知) sent to a resident, in the portal and by e-mail when possible."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_resident", "resident_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    #: What was owed when the reminder went out, fen.
    outstanding_fen: Mapped[int]
    message: Mapped[str] = mapped_column(Text)
    #: Whether an e-mail went out too ("" when SMTP is not configured or the resident has no address).
    emailed_to: Mapped[str] = mapped_column(String(254), default="")
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
