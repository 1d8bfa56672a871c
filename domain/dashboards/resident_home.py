"""The figures at the top of the resident's home, in one statement: what their units owe, the parcels waiting for
them, and how many of their notices are unread."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select

from domain.billing.models import Bill
from domain.notify.models import Notification
from domain.parcels.models import Parcel, ParcelStatus
from extensions import db


@dataclass(frozen=True)
class HomeFigures:
    """What the resident's units owe (fen, over how many bills, the earliest due date), parcels waiting, notices
    unread."""

    owed_fen: int
    owed_bills: int
    first_due: date | None
    parcels_waiting: int
    unread_notices: int


def home_figures(resident_id, unit_ids):
    """The home's figures for the resident and the units they live in (one statement whatever the data)."""
    units = list(unit_ids) or [-1]
    row = db.session.execute(_HOME_FIGURES, {"unit_ids": units, "resident_id": resident_id}).one()
    return HomeFigures(int(row[0]), row[1], row[2], row[3], row[4])


def _home_figures_statement():
    """The statement of `home_figures` (the units and the resident bound parameters)."""
    units = bindparam("unit_ids", expanding=True)
    resident_id = bindparam("resident_id")
    unpaid = (Bill.unit_id.in_(units), Bill.total_fen > Bill.paid_fen)
    owed = select(func.coalesce(func.sum(Bill.total_fen - Bill.paid_fen), 0)).where(*unpaid).scalar_subquery()
    bills = select(func.count()).select_from(Bill).where(*unpaid).scalar_subquery()
    first_due = select(func.min(Bill.due_date)).where(*unpaid).scalar_subquery()
    parcels = (
        select(func.count())
        .select_from(Parcel)
        .where(Parcel.unit_id.in_(units), Parcel.status == ParcelStatus.WAITING)
        .scalar_subquery()
    )
    unread = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.resident_id == resident_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    return select(owed, bills, first_due, parcels, unread)


#: Built once: the resident's home asks it on every visit (the fence of domain.property.scope then reuses its
#: fenced copy).
_HOME_FIGURES = _home_figures_statement()
