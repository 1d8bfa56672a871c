"""Violations on the manager's board field-work panel (staff/board.py): one row counting the open violations whose
deadline has passed, since the oldest of them went by, linking to the list filtered on them."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from domain.clock import local_date, start_of_local_day
from domain.patrols.records import FieldRow
from domain.violations.models import TIMED_STAGES, Violation
from extensions import db


def overdue_rows(property_id, now):
    """[] or one FieldRow: how many open violations are past their deadline (one statement)."""
    count, oldest = db.session.execute(
        select(func.count(Violation.id), func.min(Violation.deadline)).where(
            Violation.property_id == property_id,
            Violation.stage.in_(TIMED_STAGES),
            Violation.deadline < local_date(now),
        )
    ).one()
    if not count:
        return []
    return [
        FieldRow(
            kind="violation_overdue",
            label=_l("Violation past its deadline"),
            what=ngettext("%(num)s violation not rectified in time", "%(num)s violations not rectified in time", count),
            since=start_of_local_day(oldest + timedelta(days=1)),
            endpoint="staff.list_violations",
            args={"due": "overdue"},
        )
    ]
