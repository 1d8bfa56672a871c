"""Areas (负责区域): which buildings or floors each property assistant looks after, and who stands in."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class Area(PropertyOwned, db.Model):
    """One assistant's area: they visit its households, follow its repairs, patrol it and collect its fees."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    name: Mapped[str] = mapped_column(String(60))
    assistant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Stands in on the assistant's days off (the covers below).
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The office phone residents call for this assistant (a desk line or extension, never a private number).
    desk_phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assistant = relationship("User", foreign_keys=[assistant_id])
    deputy = relationship("User", foreign_keys=[deputy_id])
    scopes: Mapped[list["AreaScope"]] = relationship(
        back_populates="area", order_by="AreaScope.id", cascade="all, delete-orphan"
    )


class AreaScope(db.Model):
    """A building, or a range of its floors, in an area. A unit belongs to at most one area (services check)."""

    __tablename__ = "area_scopes"
    __table_args__ = (
        CheckConstraint(
            "(floor_from IS NULL AND floor_to IS NULL) OR (floor_from IS NOT NULL AND floor_to IS NOT NULL "
            "AND floor_from <= floor_to)",
            name="floor_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    #: Both None: the whole building; else the floors from..to, inclusive.
    floor_from: Mapped[int | None]
    floor_to: Mapped[int | None]

    area: Mapped[Area] = relationship(back_populates="scopes")
    building = relationship("Building")


class AreaCover(db.Model):
    """Days the deputy stands in for the assistant (days off, leave): notices and the area's work go to them."""

    __tablename__ = "area_covers"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="cover_dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
