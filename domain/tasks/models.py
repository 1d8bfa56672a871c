"""Tasks that used all their retries, kept for the manager (the console's page of failed tasks)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class TaskFailure(PropertyOwned, db.Model):
    """A background task of a property (a notice, a mail, a reminder, the billing run) that failed on every try.

    Open until a retry the manager asked for succeeds; a retry that fails again updates the same row.
    """

    __tablename__ = "task_failures"
    __table_args__ = (Index("ix_task_failures_open", "property_id", "resolved_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: The task's name in the queue ("domain.notify.mail.send_mail"): what a retry enqueues.
    task_name: Mapped[str] = mapped_column(String(120))
    #: Its arguments after the property id, as a JSON list.
    args: Mapped[str] = mapped_column(Text, default="[]")
    #: The last error (its repr), cut to a page's worth.
    error: Mapped[str] = mapped_column(Text, default="")
    #: Every try so far, the retries of each run included.
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The manager's last retry: when and by whom (None: never retried).
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retried_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When a retry succeeded: the failure is closed.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
