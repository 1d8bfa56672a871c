"""Wrong guesses at codes (pickup, claim, and the kiosk's checks), and the alarms they raise at the desk."""

from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class FailedAttempt(db.Model):
    """One wrong code typed or scanned at one place."""

    __tablename__ = "failed_attempts"
    __table_args__ = (
        Index("ix_failed_attempts_place", "scope", "place", "at"),
        Index("ix_failed_attempts_unit", "scope", "unit_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What was being checked: "parcel_code", "storage_code", ...
    scope: Mapped[str] = mapped_column(String(24))
    #: Where the guesses come from: a desk clerk at an address, or a kiosk.
    place: Mapped[str] = mapped_column(String(80))
    #: The unit the code was typed for, when the unit exists: wrong codes for one unit are counted across every
    #: kiosk and the desk together.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeskAlert(PropertyOwned, db.Model):
    """Something the desk must look at now (repeated wrong codes); open until someone acknowledges it."""

    __tablename__ = "desk_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The property whose desk is alarmed: the kiosk's or the console's the wrong codes were typed at.
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"), index=True)
    scope: Mapped[str] = mapped_column(String(24))
    place: Mapped[str] = mapped_column(String(80))
    #: Set when the alarm is about one unit locked after wrong codes from anywhere (else about one place).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RateLimitCounter(db.Model):
    """One counter of Flask-Limiter's fixed windows (the per-address limits on the sign-in forms), kept here when no
    Redis is configured so that every worker process and every server counts together (domain/throttle/rate_limits).

    It has no property_id, unlike every other table: the counters are keyed by the client's address and the form,
    counted before anyone has signed in, so before any property is known (one address may try the console of every
    property with one login form). A counter belongs to the installation's front door, not to a property, and holds
    nothing of a property's: an address, a form's name and a number, gone when its window ends.
    """

    __tablename__ = "rate_limits"

    #: Flask-Limiter's key: "LIMITER/<address>/<endpoint>/<limit>".
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    #: When the window ends, in seconds since the epoch: the limits library's own clock (time.time()), which sets
    #: the windows; the row counts for nothing after it and is removed by the next clean-up.
    expires_at: Mapped[float] = mapped_column(Double, index=True)
