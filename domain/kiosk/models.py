"""Enrolled lobby kiosks and the pairing that enrols one."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class Kiosk(PropertyOwned, db.Model):
    """A touchscreen in the lobby, known by a long random credential its browser keeps in a cookie."""

    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    name: Mapped[str] = mapped_column(String(60))
    #: SHA-256 of the device credential (the cookie holds the credential; the database never does). None until
    #: the paired browser has collected it.
    credential_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class KioskPairing(db.Model):
    """A pairing under way: the code the kiosk shows (10 minutes), bound to the browser that asked for it."""

    __tablename__ = "kiosk_pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC of the 6-digit code the kiosk screen shows.
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: SHA-256 of the secret in the asking browser's pairing cookie: only that browser can collect the credential.
    browser_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the manager has entered the code in the console.
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))


class KioskPickup(db.Model):
    """A pickup started at a kiosk with a right code: the desk hands the parcels over and confirms it."""

    __tablename__ = "kiosk_pickups"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    #: The code used at the kiosk (used up there: it cannot start a second pickup).
    pickup_code_id: Mapped[int] = mapped_column(ForeignKey("pickup_codes.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the desk has handed the parcels over (or found nobody there and cancelled it).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class KioskSession(db.Model):
    """One person's short errand at a kiosk (paying by phone): only what that flow needs, for a few minutes, then
    deleted (at its end, at the kiosk's idle reset, or when it times out)."""

    __tablename__ = "kiosk_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    #: SHA-256 of the random token in the kiosk page's URL.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    flow: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
