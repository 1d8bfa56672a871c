"""The manager's written summary of a month, at the top of the monthly report's page, PDF and workbook."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.models import User
from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError
from domain.reports.models import MonthlySummary
from extensions import db

#: The longest summary kept (a page of text).
TEXT_MAX = 4000


def summary_for(property_id, month):
    """(text, who wrote it, when) of the month starting on `month`, or None (one statement)."""
    return db.session.execute(
        select(MonthlySummary.text, User.display_name, MonthlySummary.written_at)
        .outerjoin(User, MonthlySummary.written_by_id == User.id)
        .where(MonthlySummary.property_id == property_id, MonthlySummary.month == month)
    ).first()


def save_summary(actor, *, property_id, month, text):
    """Write or rewrite the month's summary; flushes, the caller commits."""
    require(actor, Permission.WRITE_MONTHLY_SUMMARY)
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write the summary before saving it."), field="text")
    if len(text) > TEXT_MAX:
        raise DomainError(_l("Keep the summary under %(max)s characters.", max=TEXT_MAX), field="text")
    summary = db.session.scalar(
        select(MonthlySummary).where(MonthlySummary.property_id == property_id, MonthlySummary.month == month)
    )
    if summary is None:
        summary = MonthlySummary(property_id=property_id, month=month, text=text)
        db.session.add(summary)
    summary.text = text
    summary.written_by_id = actor.user_id
    summary.written_at = utcnow()
    db.session.flush()
    record(actor, "monthly_summary.save", summary, summary=month.isoformat())
    return summary
