"""The property register: the property, its buildings and units, residents and who lives where."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from domain.types import value_enum as _enum
from extensions import db


class Company(db.Model):
    """The property-management company (公司) above its properties: one installation serves one company."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Property(db.Model):
    """A property (项目) of the company, with its own 物管中心, fees, service levels and desk."""

    __tablename__ = "properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(255), default="")
    #: The service desk's phone, shown on the kiosk and the portal.
    service_phone: Mapped[str] = mapped_column(String(40), default="")
    #: Opening hours of the service desk, free text ("8:00-20:00").
    desk_hours: Mapped[str] = mapped_column(String(120), default="")
    #: IANA time zone of the property's days (bills' months, service-level clocks, the desk's day).
    time_zone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    #: Put before every receipt number of the property ("YF-2026-000123"), so receipts of two properties of
    #: the company can never be confused; empty keeps the plain number.
    receipt_prefix: Mapped[str] = mapped_column(String(12), default="")
    #: The Stripe account (acct_...) the property's online payments go to, when the company collects through
    #: Stripe Connect; empty: the platform's own account.
    stripe_account: Mapped[str] = mapped_column(String(64), default="")
    #: What residents' bank statements show for the property's payments (Stripe allows 5-22 Latin characters).
    statement_descriptor: Mapped[str] = mapped_column(String(22), default="")

    company: Mapped[Company] = relationship()
    buildings: Mapped[list["Building"]] = relationship(back_populates="property", order_by="Building.code")


class Building(PropertyOwned, db.Model):
    """A building (楼栋) of the property."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("property_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: Short code used in unit labels and CSV files ("1", "A").
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    floors: Mapped[int] = mapped_column(default=1)

    property: Mapped[Property] = relationship(back_populates="buildings")


class UnitStatus(str, enum.Enum):
    """Whether a unit is lived in, empty (SOP 17) or being renovated (SOP 12)."""

    OCCUPIED = "occupied"
    VACANT = "vacant"
    RENOVATING = "renovating"


class Unit(db.Model):
    """A unit (房屋单元) in a building."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("building_id", "number"),
        CheckConstraint("area_x100 > 0", name="area_positive"),
        Index("ix_units_order", "building_id", "floor", "number", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    #: The number on the door, unique within the building ("1203").
    number: Mapped[str] = mapped_column(String(16))
    floor: Mapped[int]
    #: Floor area in m² x 100 (an integer, so fees per m² never go through floats).
    area_x100: Mapped[int]
    status: Mapped[UnitStatus] = mapped_column(_enum(UnitStatus), default=UnitStatus.VACANT, index=True)
    note: Mapped[str] = mapped_column(Text, default="")

    building: Mapped[Building] = relationship()
    occupancies: Mapped[list["Occupancy"]] = relationship(back_populates="unit", order_by="Occupancy.start_date")

    @staticmethod
    def label_of(code, number):
        """The unit as people say and type it: building code and number ("1-1203"). The one way a label is
        written in Python; queries select domain.property.units.UNIT_LABEL, the same text built in SQL."""
        return f"{code}-{number}"

    @property
    def label(self):
        """This unit's label ("1-1203")."""
        return Unit.label_of(self.building.code, self.number)


class UnitStatusChange(db.Model):
    """One change of a unit's status: the unit's history, from which the vacancy fee counts its vacant days.

    Written only by domain.property.units.set_unit_status (and, for a whole register at once,
    start_status_history); the first row of a unit has no from_status. Belongs to the property through its unit.
    """

    __tablename__ = "unit_status_changes"
    __table_args__ = (Index("ix_unit_status_changes_unit", "unit_id", "effective_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    #: The status before; None for the unit's first row.
    from_status: Mapped[UnitStatus | None] = mapped_column(_enum(UnitStatus))
    to_status: Mapped[UnitStatus] = mapped_column(_enum(UnitStatus))
    #: The first day the new status holds (property-local date); may differ from the day it was recorded.
    effective_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who recorded it; None for the system (a payment issuing a permit, the migration's first rows).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()
    recorded_by = relationship("User")


class Resident(PropertyOwned, db.Model):
    """A person in the register: owner, tenant or household member (业主登记表)."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("property_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    name: Mapped[str] = mapped_column(String(80), index=True)
    #: Mainland mobile number, digits only; also a sign-in name for the portal.
    phone: Mapped[str] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    #: Only the masked form is kept ("2*************1234"); the full number never is.
    id_number_masked: Mapped[str] = mapped_column(String(32), default="")
    #: The resident's portal account, if they have one.
    #: One sign-in for a person living in several properties of the company: one Resident row per property.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A VIP resident (SOP 13, 1.1.11): their household is visited on the VIP plan; the note says why.
    is_vip: Mapped[bool] = mapped_column(default=False)
    vip_note: Mapped[str] = mapped_column(String(200), default="")

    occupancies: Mapped[list["Occupancy"]] = relationship(back_populates="resident")
    user = relationship("User")


class Relation(str, enum.Enum):
    """How a resident is tied to a unit."""

    OWNER = "owner"
    TENANT = "tenant"
    FAMILY = "family"


class Occupancy(db.Model):
    """Who lives in which unit, from when to when (end open while they still do)."""

    __tablename__ = "occupancies"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        Index("ix_occupancies_unit_current", "unit_id", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    relation: Mapped[Relation] = mapped_column(_enum(Relation))
    start_date: Mapped[date] = mapped_column(Date)
    #: The last day; None while the resident still lives there.
    end_date: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship(back_populates="occupancies")
    resident: Mapped[Resident] = relationship(back_populates="occupancies")

    @hybrid_method
    def is_current(self, today):
        """Whether the occupancy covers `today`: it has started and its last day, if any, is today or later."""
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)

    @is_current.expression
    def is_current(cls, today):
        """The same rule as an SQL condition (`today` a date or a bind parameter): the one way queries ask it."""
        return (cls.start_date <= today) & or_(cls.end_date.is_(None), cls.end_date >= today)
