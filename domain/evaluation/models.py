"""The manager's weights per role and the monthly scorecards (a signed one keeps its figures as they were)."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime
from extensions import db


class EvaluationScheme(PropertyOwned, db.Model):
    """Which figures count for one role and how: the manager's, per property. Until saved, the defaults in
    domain/evaluation/figures.py apply."""

    __tablename__ = "evaluation_schemes"
    __table_args__ = (UniqueConstraint("property_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: The Role value the scheme applies to.
    role: Mapped[str] = mapped_column(String(16))
    #: {figure key: [weight 0-100, target]}: a rate or count scores 100 at its target; a count of faults loses
    #: `target` points each. A weight of 0 leaves the figure out.
    figures: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Scorecard(PropertyOwned, db.Model):
    """A staff member's month: the manager's own score and comments, and once signed, the card as it was then."""

    __tablename__ = "scorecards"
    __table_args__ = (
        UniqueConstraint("property_id", "user_id", "month"),
        CheckConstraint("manager_score IS NULL OR (manager_score BETWEEN 0 AND 100)", name="manager_score_0_to_100"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The first day of the month evaluated.
    month: Mapped[date]
    #: The manager's own items (工作态度, 协作...), 0-100; None until given.
    manager_score: Mapped[int | None]
    comments: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The card as signed: {"role", "figures", "scores", "weights", "score", "rank", "of"}; later records never
    #: change it.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])

    @property
    def is_signed(self):
        """Whether the manager has signed the card (it is frozen from then on)."""
        return self.signed_at is not None
