"""The one shape of a record's timeline (tickets, renovation, move-in, incidents): who did what, when, with what
note and data. Each timeline table mixes in its columns and adds its parent's key; `add_timeline_entry` writes a row."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import UTCDateTime
from extensions import db


class TimelineEntry:
    """The columns every timeline entry has. `action` is the workflow action or what was done (each table's
    docstring lists its own); the actor's name is copied so the entry reads the same after a rename."""

    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(24))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)


def add_timeline_entry(model, actor, action, body="", *, data=None, at=None, **parent):
    """Add one entry of `model` (a TimelineEntry table) by `actor` at `at` (now by default); `parent` names the
    record it belongs to (and any column of that table's own, such as a ticket entry's `public`)."""
    entry = model(
        at=at or utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        body=body or "",
        data=data,
        **parent,
    )
    db.session.add(entry)
    return entry
