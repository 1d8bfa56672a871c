"""What the counter's pages show: the waiting shelf with its aging, today's intake, the day's counts for the
manager, and a resident's parcels, stored items and loans."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, case, func, select

from domain import exports
from domain.clock import local_date, local_day_bounds
from domain.parcels.models import Loan, LoanStatus, Parcel, ParcelStatus, StorageStatus, StoredItem
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL
from extensions import db

#: Aging buckets of waiting parcels, in days since arrival: 0-3, 3-7, 7-15 and 15+.
BUCKETS = ((0, 3), (3, 7), (7, 15), (15, None))


def bucket_bounds(bucket, now):
    """(oldest, newest) arrival times of an aging bucket "0-3", "3-7", "7-15" or "15+"; None when unknown."""
    for low, high in BUCKETS:
        if bucket == (f"{low}-{high}" if high else f"{low}+"):
            return (now - timedelta(days=high) if high else None), now - timedelta(days=low)
    return None


def _waiting_query(property_id, *, now, q="", bucket=None, older_than=None):
    """Waiting parcels, oldest first, under the shelf's filters: one home for the page and its export."""
    query = (
        select(
            Parcel.id,
            Parcel.tracking_number,
            Parcel.carrier,
            Parcel.shelf,
            Parcel.arrived_at,
            Parcel.notified_at,
            Parcel.unit_id,
            UNIT_LABEL,
        )
        .join(Unit, Unit.id == Parcel.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Parcel.property_id == property_id, Parcel.status == ParcelStatus.WAITING)
    )
    q = (q or "").strip().replace(" ", "")
    if q:
        code, dash, number = q.partition("-")
        if dash:
            query = query.where(Building.code == code, Unit.number == number)
        else:  # tracking numbers are stored upper-case
            query = query.where((Parcel.tracking_number.contains(q.upper(), autoescape=True)) | (Unit.number == q))
    bounds = bucket_bounds(bucket, now) if bucket else None
    if bounds:
        oldest, newest = bounds
        query = query.where(Parcel.arrived_at <= newest)
        if oldest is not None:
            query = query.where(Parcel.arrived_at > oldest)
    if older_than is not None:
        query = query.where(Parcel.arrived_at <= now - older_than)
    return query.order_by(Parcel.id)


def waiting_shelf(property_id, *, now, q="", bucket=None, older_than=None, after=None, limit=50):
    """Waiting parcels, oldest first, with the unit's label; filtered by a tracking number or unit, by aging
    bucket, or to those waiting `older_than` (a timedelta) or longer. Returns (rows, the id to continue after)."""
    query = _waiting_query(property_id, now=now, q=q, bucket=bucket, older_than=older_than)
    if after:
        query = query.where(Parcel.id > after)
    rows = db.session.execute(query.limit(limit + 1)).all()
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def export_waiting_shelf(property_id, *, now, q="", bucket=None, older_than=None):
    """(row count, rows) of every waiting parcel under the shelf's filters, oldest first, read in chunks."""
    query = _waiting_query(property_id, now=now, q=q, bucket=bucket, older_than=older_than)
    return exports.count(query), exports.stream(query)


def aging_counts(property_id, now):
    """{"0-3": n, "3-7": n, "7-15": n, "15+": n} of waiting parcels, in one statement."""
    bounds = {f"days_{days}": now - timedelta(days=days) for bucket in BUCKETS for days in bucket if days is not None}
    row = db.session.execute(_AGING_COUNTS, {"property_id": property_id, **bounds}).one()
    return {(f"{low}-{high}" if high else f"{low}+"): int(count) for (low, high), count in zip(BUCKETS, row)}


def _aging_counts_statement():
    """The statement of `aging_counts`: the property and each bucket's bound ("days_3": now - 3 days) are bound
    parameters (the bound of 0 days is now itself, "days_0")."""
    columns = []
    for low, high in BUCKETS:
        condition = Parcel.arrived_at <= bindparam(f"days_{low}")
        if high:
            condition &= Parcel.arrived_at > bindparam(f"days_{high}")
        columns.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0))
    return select(*columns).where(Parcel.property_id == bindparam("property_id"), Parcel.status == ParcelStatus.WAITING)


def logged_since(property_id, since, limit=30):
    """Parcels logged since `since`, newest first (the intake page's list)."""
    statement = _LOGGED_SINCE if limit == 30 else _logged_since_statement(limit)
    return db.session.execute(statement, {"property_id": property_id, "since": since}).all()


def _logged_since_statement(limit):
    """The statement of `logged_since` (the property and the time bound parameters)."""
    return (
        select(
            Parcel.id,
            Parcel.tracking_number,
            Parcel.carrier,
            Parcel.shelf,
            Parcel.arrived_at,
            Parcel.status,
            UNIT_LABEL,
        )
        .join(Unit, Unit.id == Parcel.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Parcel.property_id == bindparam("property_id"), Parcel.arrived_at >= bindparam("since"))
        .order_by(Parcel.id.desc())
        .limit(limit)
    )


#: Built once: the desk's intake page shows both on every visit (the fence of domain.property.scope then reuses
#: their fenced copies).
_AGING_COUNTS = _aging_counts_statement()
_LOGGED_SINCE = _logged_since_statement(30)


@dataclass
class DayCounts:
    """The counter's figures for one day (the manager's daily counts)."""

    parcels_in: int
    parcels_out: int
    parcels_returned: int
    parcels_waiting: int
    parcels_overdue: int
    storage_open: int
    storage_overdue: int
    loans_open: int
    loans_overdue: int


def day_counts(property_id, day, now):
    """Parcels in and out on `day`, waiting and overdue now; storage and loans open and overdue now."""
    start, end = local_day_bounds(day)
    overdue_before = now - timedelta(days=int(current_app.config["PARCEL_REMIND_DAYS"]))

    def between(column):
        return func.coalesce(func.sum(case(((column >= start) & (column < end), 1), else_=0)), 0)

    waiting = Parcel.status == ParcelStatus.WAITING
    parcels = db.session.execute(
        select(
            between(Parcel.arrived_at),
            func.coalesce(
                func.sum(
                    case(
                        (
                            (Parcel.status == ParcelStatus.PICKED_UP)
                            & (Parcel.picked_up_at >= start)
                            & (Parcel.picked_up_at < end),
                            1,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
            func.coalesce(
                func.sum(
                    case(
                        (
                            (Parcel.status == ParcelStatus.RETURNED)
                            & (Parcel.closed_at >= start)
                            & (Parcel.closed_at < end),
                            1,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
            func.coalesce(func.sum(case((waiting, 1), else_=0)), 0),
            func.coalesce(func.sum(case((waiting & (Parcel.arrived_at <= overdue_before), 1), else_=0)), 0),
        ).where(Parcel.property_id == property_id)
    ).one()
    today = local_date(now)
    storage = db.session.execute(
        select(
            func.count(StoredItem.id),
            func.coalesce(func.sum(case((StoredItem.expires_on < today, 1), else_=0)), 0),
        ).where(StoredItem.property_id == property_id, StoredItem.status == StorageStatus.STORED)
    ).one()
    loans = db.session.execute(
        select(
            func.count(Loan.id),
            func.coalesce(func.sum(case((Loan.due_at < now, 1), else_=0)), 0),
        ).where(Loan.property_id == property_id, Loan.status == LoanStatus.OUT)
    ).one()
    return DayCounts(*(int(v) for v in (*parcels, *storage, *loans)))


def resident_parcels(unit_ids, limit=10):
    """(waiting parcels, the latest collected ones) of the resident's units."""
    if not unit_ids:
        return [], []
    waiting = db.session.scalars(
        select(Parcel)
        .where(Parcel.unit_id.in_(unit_ids), Parcel.status == ParcelStatus.WAITING)
        .order_by(Parcel.arrived_at, Parcel.id)
    ).all()
    done = db.session.scalars(
        select(Parcel)
        .where(Parcel.unit_id.in_(unit_ids), Parcel.status == ParcelStatus.PICKED_UP)
        .order_by(Parcel.picked_up_at.desc())
        .limit(limit)
    ).all()
    return waiting, done


def resident_items(unit_ids):
    """(items stored at the desk for the resident's units, their open and recent loans)."""
    if not unit_ids:
        return [], []
    stored = db.session.scalars(
        select(StoredItem)
        .where(StoredItem.unit_id.in_(unit_ids), StoredItem.status == StorageStatus.STORED)
        .order_by(StoredItem.stored_at)
    ).all()
    loans = db.session.scalars(
        select(Loan)
        .where(Loan.unit_id.in_(unit_ids), Loan.status != LoanStatus.VOIDED)
        .order_by(Loan.status, Loan.due_at.desc())
        .limit(20)
    ).all()
    return stored, loans


def overdue_at_the_counter(property_id, now):
    """{"parcels": n, "storage": n, "loans": n}: parcels waiting PARCEL_REMIND_DAYS or more, items kept past
    their expiry and loans past their due time, in one statement (for the shift handover)."""
    today = local_date(now)
    remind_before = now - timedelta(days=int(current_app.config["PARCEL_REMIND_DAYS"]))
    parcels = (
        select(func.count(Parcel.id))
        .where(
            Parcel.property_id == property_id, Parcel.status == ParcelStatus.WAITING, Parcel.arrived_at <= remind_before
        )
        .scalar_subquery()
    )
    storage = (
        select(func.count(StoredItem.id))
        .where(
            StoredItem.property_id == property_id,
            StoredItem.status == StorageStatus.STORED,
            StoredItem.expires_on < today,
        )
        .scalar_subquery()
    )
    loans = (
        select(func.count(Loan.id))
        .where(Loan.property_id == property_id, Loan.status == LoanStatus.OUT, Loan.due_at < now)
        .scalar_subquery()
    )
    row = db.session.execute(select(parcels, storage, loans)).one()
    return {"parcels": int(row[0]), "storage": int(row[1]), "loans": int(row[2])}


def waiting_for_units(unit_ids):
    """The parcels waiting for the given units, oldest first."""
    if not unit_ids:
        return []
    return db.session.scalars(
        select(Parcel)
        .where(Parcel.unit_id.in_(unit_ids), Parcel.status == ParcelStatus.WAITING)
        .order_by(Parcel.arrived_at, Parcel.id)
    ).all()
