"""Checks made on an interval against a checklist (a facility's, a vacant unit's): every item answered OK or a
fault, and when each subject was last checked, read from the checks themselves in one statement, so that what is due
is computed on read and no scheduler keeps a copy."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.errors import DomainError
from extensions import db

OK = "ok"
FAULT = "fault"


def checklist_answers(items, answers):
    """{item: OK | FAULT} for every item of the checklist `items`, or a DomainError when one is not answered."""
    answers = answers or {}
    clean = {}
    for item in items:
        value = answers.get(item)
        if value not in (OK, FAULT):
            raise DomainError(_l("Mark every item as OK or a fault."), field="answers")
        clean[item] = value
    return clean


def last_check_days(subject_column, day_column, subject_ids):
    """{subject id: the latest `day_column` of its checks} for the subjects of `subject_ids` that have a check, where
    `subject_column` is the checks' column naming their subject (one statement, GROUP BY)."""
    if not subject_ids:
        return {}
    rows = db.session.execute(
        select(subject_column, func.max(day_column))
        .where(subject_column.in_(list(subject_ids)))
        .group_by(subject_column)
    )
    return dict(rows.all())
