"""What the incident pages and the board read: the open incidents, the list by month and kind, the counts."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from domain.clock import local_day_bounds
from domain.dates import parse_month
from domain.incidents.models import Incident, IncidentKind, IncidentStatus
from domain.incidents.services import KIND_LABELS
from domain.patrols.records import FieldRow
from extensions import db

PAGE_SIZE = 30


def open_incidents(property_id):
    """The property's open incidents, latest first, with their reporter, building and unit loaded."""
    return db.session.scalars(
        select(Incident)
        .where(Incident.property_id == property_id, Incident.status == IncidentStatus.OPEN)
        .options(selectinload(Incident.reported_by), selectinload(Incident.building), selectinload(Incident.unit))
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
    ).all()


def open_counts_by_property(property_ids):
    """{property id: open incidents} of several properties (one statement); a property with none is absent."""
    rows = db.session.execute(
        select(Incident.property_id, func.count())
        .where(Incident.property_id.in_(list(property_ids)), Incident.status == IncidentStatus.OPEN)
        .group_by(Incident.property_id)
    ).all()
    return dict(rows)


def counts_by_property(property_ids, start, end):
    """{property id: incidents that occurred within [start, end)} of several properties (one statement)."""
    rows = db.session.execute(
        select(Incident.property_id, func.count())
        .where(Incident.property_id.in_(list(property_ids)), Incident.occurred_at >= start, Incident.occurred_at < end)
        .group_by(Incident.property_id)
    ).all()
    return dict(rows)


def _month_bounds(month):
    """The UTC bounds of a local month given as "YYYY-MM" (None: no bounds)."""
    days = parse_month(month) if month else None
    if days is None:
        return None
    return local_day_bounds(days[0])[0], local_day_bounds(days[1])[0]


def list_incidents(property_id, *, kind=None, month=None, after=None, limit=PAGE_SIZE):
    """One page of the property's incidents, latest first, of one `kind` and local `month` ("YYYY-MM") when given;
    `after` is the last (occurred_at, id) of the previous page. Returns (incidents, the key of the next page or
    None)."""
    query = (
        select(Incident)
        .where(Incident.property_id == property_id)
        .options(selectinload(Incident.reported_by), selectinload(Incident.building), selectinload(Incident.unit))
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
    )
    if kind:
        query = query.where(Incident.kind == kind)
    bounds = _month_bounds(month)
    if bounds:
        query = query.where(Incident.occurred_at >= bounds[0], Incident.occurred_at < bounds[1])
    if after:
        at, last_id = after
        query = query.where((Incident.occurred_at < at) | ((Incident.occurred_at == at) & (Incident.id < last_id)))
    rows = db.session.scalars(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_key = (rows[-1].occurred_at, rows[-1].id) if more and rows else None
    return rows, next_key


def counts_by_kind(property_id, month):
    """{kind: how many incidents} of the local `month` ("YYYY-MM"), in one statement."""
    query = select(Incident.kind, func.count()).where(Incident.property_id == property_id).group_by(Incident.kind)
    bounds = _month_bounds(month)
    if bounds:
        query = query.where(Incident.occurred_at >= bounds[0], Incident.occurred_at < bounds[1])
    return dict(db.session.execute(query).all())


#: The kinds of incident the board marks urgent (people in danger).
URGENT_KINDS = frozenset({IncidentKind.FIRE, IncidentKind.GAS, IncidentKind.LIFT_ENTRAPMENT, IncidentKind.INJURY})


def incident_rows(property_id):
    """A FieldRow of the board's field-work panel for each open incident (one statement), linking to it."""
    rows = db.session.execute(
        select(Incident.id, Incident.kind, Incident.place, Incident.occurred_at).where(
            Incident.property_id == property_id, Incident.status == IncidentStatus.OPEN
        )
    ).all()
    return [
        FieldRow(
            kind="incident",
            label=_l("Open incident"),
            what=f"{KIND_LABELS[kind]} · {place}",
            since=occurred_at,
            endpoint="staff.show_incident",
            args={"incident_id": incident_id},
            urgent=kind in URGENT_KINDS,
        )
        for incident_id, kind, place, occurred_at in rows
    ]
