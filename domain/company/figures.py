"""The company's figures: each property's collection, arrears, late tickets, open major complaints, open incidents
and residents' satisfaction, side by side. Each family is one statement over every property shown (GROUP BY
property), asked of the area that owns the rule (domain/payments/collection.py, domain/tickets/queries.py,
domain/incidents/queries.py, domain/tickets/callback_rates.py); the pages run above the properties (no current
property), so the statements keep to the ids they are given."""

from dataclasses import dataclass
from datetime import timedelta

from domain.clock import local_day_bounds, today, utcnow
from domain.dates import month_after
from domain.incidents import queries as incidents
from domain.payments import collection
from domain.property.companies import property_names
from domain.tickets import callback_rates
from domain.tickets import queries as tickets

#: The days the dashboard's satisfaction looks back over.
SATISFACTION_DAYS = 30


@dataclass
class PropertyFigures:
    """One property's row (or the company's total row, property_id None)."""

    property_id: int | None
    name: str
    billed_fen: int = 0
    collected_fen: int = 0
    arrears_fen: int = 0
    late_tickets: int = 0
    open_majors: int = 0
    incidents: int = 0
    #: callbacks answered, and answered satisfied (4-5 out of 5)
    answered: int = 0
    satisfied: int = 0

    @property
    def collection(self):
        """The collection as domain.payments.collection counts it (its rate, target and shortfall)."""
        return collection.Collection(None, self.billed_fen, self.collected_fen)

    @property
    def rate_x100(self):
        """The collection rate in hundredths of a percent, or None when nothing was billed."""
        return self.collection.rate_x100

    @property
    def meets_target(self):
        """Whether the collection rate reaches the target."""
        return self.collection.meets_target

    @property
    def satisfaction(self):
        """The share of answered callbacks answered satisfied, in whole percent (None without one answered)."""
        return callback_rates.Figure(self.answered, self.answered, self.satisfied).satisfied_share


def _ranked(rows):
    """Rows by collection rate, best first; properties with nothing billed last, then by name."""
    return sorted(rows, key=lambda row: (row.rate_x100 is None, -(row.rate_x100 or 0), row.name))


def _collection_rows(property_ids, month):
    """A PropertyFigures per property with its collection of `month` (two statements: names, collection)."""
    names = property_names(property_ids)
    found = collection.collection_by_property(list(names), month) if names else {}
    return [PropertyFigures(pid, name, *found.get(pid, (0, 0))) for pid, name in names.items()]


def dashboard(property_ids, now=None):
    """The dashboard's rows of `property_ids`, ranked by this month's collection rate: six statements whatever the
    number of properties."""
    now = now or utcnow()
    day = today()
    rows = _collection_rows(property_ids, day.replace(day=1))
    if not rows:
        return []
    ids = [row.property_id for row in rows]
    arrears = collection.arrears_by_property(ids, day)
    open_tickets = tickets.open_figures_by_property(ids, now)
    open_incidents = incidents.open_counts_by_property(ids)
    satisfaction = callback_rates.by_property(ids, now - timedelta(days=SATISFACTION_DAYS), now)
    for row in rows:
        pid = row.property_id
        row.arrears_fen = arrears.get(pid, 0)
        row.late_tickets, row.open_majors = open_tickets.get(pid, (0, 0))
        row.incidents = open_incidents.get(pid, 0)
        figure = satisfaction.get(pid)
        row.answered, row.satisfied = (figure.done, figure.satisfied) if figure else (0, 0)
    return _ranked(rows)


@dataclass
class CompanyMonth:
    """The company's month: a row per property, ranked by collection rate, and the total."""

    month: object
    arrears_on: object
    rows: list
    total: PropertyFigures


def monthly(property_ids, month):
    """The company's figures of the local month starting on `month`: collection, arrears (as of the month's last day,
    or today for the current month, as the property's report counts them), incidents that occurred and callbacks
    answered; five statements whatever the number of properties."""
    end_day = month_after(month)
    arrears_on = min(today(), end_day - timedelta(days=1))
    rows = _collection_rows(property_ids, month)
    total = PropertyFigures(None, "")
    if rows:
        ids = [row.property_id for row in rows]
        start, end = local_day_bounds(month)[0], local_day_bounds(end_day)[0]
        arrears = collection.arrears_by_property(ids, arrears_on)
        occurred = incidents.counts_by_property(ids, start, end)
        callbacks = callback_rates.by_property(ids, start, end)
        for row in rows:
            pid = row.property_id
            row.arrears_fen = arrears.get(pid, 0)
            row.incidents = occurred.get(pid, 0)
            figure = callbacks.get(pid)
            row.answered, row.satisfied = (figure.done, figure.satisfied) if figure else (0, 0)
            for name in ("billed_fen", "collected_fen", "arrears_fen", "incidents", "answered", "satisfied"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
    return CompanyMonth(month, arrears_on, _ranked(rows), total)
