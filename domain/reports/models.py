"""What the office writes down for its reports: the residents' answers when arrears are chased (催缴记录) and the
manager's written summary of a month (月度运营报告的总结)."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class CallReason(str, enum.Enum):
    """Why the resident has not paid, in their own words reduced to one of the source's reasons (1.1.12)."""

    FORGOT = "forgot"  # 忘记
    DISPUTE = "dispute"  # 有异议
    HARDSHIP = "hardship"  # 经济困难
    REFUSES = "refuses"  # 拒缴
    MOVED_OUT = "moved_out"  # 已搬离
    OTHER = "other"  # 其他

    @property
    def label(self):
        """The reason in the reader's language."""
        return CALL_REASON_LABELS[self]


CALL_REASON_LABELS = {
    CallReason.FORGOT: _l("Forgot"),
    CallReason.DISPUTE: _l("Disputes the bill"),
    CallReason.HARDSHIP: _l("Financial hardship"),
    CallReason.REFUSES: _l("Refuses to pay"),
    CallReason.MOVED_OUT: _l("Moved out"),
    CallReason.OTHER: _l("Other reason"),
}


class CollectionCall(PropertyOwned, db.Model):
    """One call (or visit) chasing a unit's arrears: what the resident answered and when they promise to pay."""

    __tablename__ = "collection_calls"
    __table_args__ = (Index("ix_collection_calls_unit", "unit_id", "called_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the call was recorded (the clock), UTC; the report counts it in its local month.
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[CallReason] = mapped_column(value_enum(CallReason))
    #: The day the resident promised to pay by, if they did (never in the past when recorded).
    promised_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class MonthlySummary(PropertyOwned, db.Model):
    """The manager's written summary at the top of a month's report, one per property and month."""

    __tablename__ = "monthly_summaries"
    __table_args__ = (UniqueConstraint("property_id", "month", name="uq_monthly_summaries_property_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    #: The first day of the month the summary is about.
    month: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
