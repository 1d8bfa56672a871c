"""The monthly report (月度运营报告, 规章 第七、八条) for leadership: each section asks the area that owns the figure
(collection and arrears in domain/payments/collection.py, clocks in domain/tickets/queries.py, callback rates in
domain/tickets/callback_rates.py, incidents in domain/incidents/queries.py, ...), one statement per figure family.
Pages, the PDF and the workbook all draw from the one MonthlyReport built here."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select

from domain.accounts.models import User
from domain.clock import local_day_bounds, today
from domain.dates import month_after, month_before, parse_month
from domain.incidents.queries import counts_by_kind
from domain.parcels.models import Loan, Parcel, StoredItem
from domain.patrols.models import PatrolFinding, PatrolRound, RoundStatus
from domain.payments import collection
from domain.property.models import Building, Unit
from domain.property.units import UNIT_LABEL
from domain.renovation.models import RenovationApplication
from domain.reports.calls import reason_counts
from domain.reports.summaries import summary_for
from domain.tickets import callback_rates
from domain.tickets.models import Severity, Ticket, TicketKind
from domain.tickets.queries import on_time_by_kind_and_department
from extensions import db

#: How many months the collection trend shows, the report's month included.
TREND_MONTHS = 12
#: The most major complaints the report lists.
MAJOR_LIMIT = 20


def report_month(text, day=None):
    """The first day of the month "YYYY-MM" names, or of the last full month before `day` (today)."""
    days = parse_month(text) if text else None
    if days:
        return days[0]
    return month_before((day or today()).replace(day=1))


def _bounds(first):
    """The UTC bounds of the local month starting on `first`."""
    return local_day_bounds(first)[0], local_day_bounds(month_after(first))[0]


def _rate(billed, collected):
    """A collection rate in hundredths of a percent, or None without anything billed (the rule of Collection)."""
    return collection.Collection(None, billed, collected).rate_x100


@dataclass
class MonthlyReport:
    """Everything the month's report shows; each attribute is one figure family."""

    month: date
    summary: object = None
    collection: object = None
    #: [(first day of month, billed, collected, rate_x100 or None)], oldest first
    trend: list = field(default_factory=list)
    #: [(charge type, billed, collected, rate_x100)]
    charge_types: list = field(default_factory=list)
    #: [(assistant's name, billed, collected, rate_x100)]
    areas: list = field(default_factory=list)
    arrears: dict = field(default_factory=dict)
    #: as of which day the arrears are aged
    arrears_on: date = None
    tickets: list = field(default_factory=list)
    #: {(category, severity): count} of the complaints opened in the month
    complaints: dict = field(default_factory=dict)
    majors: list = field(default_factory=list)
    callbacks: dict = field(default_factory=dict)
    callback_trend: list = field(default_factory=list)
    counter: dict = field(default_factory=dict)
    renovations: dict = field(default_factory=dict)
    incidents: dict = field(default_factory=dict)
    patrols: dict = field(default_factory=dict)
    call_reasons: dict = field(default_factory=dict)

    @property
    def target(self):
        """The collection target in percent."""
        return collection.TARGET_PERCENT


def _trend(property_id, month):
    """The collection rate of the TREND_MONTHS months up to `month` (one statement)."""
    months = [month]
    for _i in range(TREND_MONTHS - 1):
        months.insert(0, month_before(months[0]))
    found = collection.collection_trend(property_id, months)
    return [(m, *found.get(m, (0, 0)), _rate(*found.get(m, (0, 0)))) for m in months]


def _areas(property_id, month):
    """The collection rate per assistant's area, by the assistant's name (two statements: figures, names)."""
    figures = collection.collection_by_assistant(property_id, month)
    if not figures:
        return []
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(list(figures)))).all())
    return sorted(
        ((names.get(user_id, "—"), billed, paid, _rate(billed, paid)) for user_id, (billed, paid) in figures.items()),
        key=lambda row: row[0],
    )


def _complaints(property_id, start, end):
    """{(category, severity): count} of the complaints opened in the month (one statement)."""
    rows = db.session.execute(
        select(Ticket.category, Ticket.severity, func.count())
        .where(
            Ticket.property_id == property_id,
            Ticket.kind == TicketKind.COMPLAINT,
            Ticket.created_at >= start,
            Ticket.created_at < end,
        )
        .group_by(Ticket.category, Ticket.severity)
    ).all()
    return {(category or "other", Severity(severity) if severity else None): n for category, severity, n in rows}


def _majors(property_id, start, end):
    """The month's major complaints (重大投诉), oldest first, with their unit (one statement)."""
    return db.session.execute(
        select(Ticket.id, Ticket.created_at, Ticket.category, Ticket.status, Ticket.description, UNIT_LABEL)
        .outerjoin(Unit, Ticket.unit_id == Unit.id)
        .outerjoin(Building, Unit.building_id == Building.id)
        .where(
            Ticket.property_id == property_id,
            Ticket.kind == TicketKind.COMPLAINT,
            Ticket.severity == Severity.MAJOR,
            Ticket.created_at >= start,
            Ticket.created_at < end,
        )
        .order_by(Ticket.created_at, Ticket.id)
        .limit(MAJOR_LIMIT)
    ).all()


def _counter(property_id, start, end):
    """The counter's volumes of the month: parcels logged and picked up, items stored, loans (one statement)."""

    def count(model, moment):
        return (
            select(func.count())
            .select_from(model)
            .where(model.property_id == property_id, moment >= start, moment < end)
            .scalar_subquery()
        )

    row = db.session.execute(
        select(
            count(Parcel, Parcel.arrived_at),
            count(Parcel, Parcel.picked_up_at),
            count(StoredItem, StoredItem.stored_at),
            count(Loan, Loan.lent_at),
            count(Loan, Loan.returned_at),
        )
    ).one()
    keys = ("parcels_in", "parcels_out", "stored", "lent", "returned")
    return dict(zip(keys, (int(n or 0) for n in row), strict=True))


def _renovations(property_id, start, end):
    """Applications submitted, approved, permitted and closed in the month (one statement)."""

    def count(moment):
        return func.coalesce(func.sum(case(((moment >= start) & (moment < end), 1), else_=0)), 0)

    row = db.session.execute(
        select(
            count(RenovationApplication.submitted_at),
            count(RenovationApplication.decided_at),
            count(RenovationApplication.permit_issued_at),
            count(RenovationApplication.closed_at),
        ).where(RenovationApplication.property_id == property_id)
    ).one()
    return dict(zip(("submitted", "decided", "permitted", "closed"), (int(n) for n in row), strict=True))


def _patrols(property_id, start, end):
    """Rounds started and finished in the month, and their findings (one statement)."""
    findings = (
        select(func.count())
        .select_from(PatrolFinding)
        .join(PatrolRound, PatrolFinding.round_id == PatrolRound.id)
        .where(
            PatrolRound.property_id == property_id, PatrolFinding.created_at >= start, PatrolFinding.created_at < end
        )
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            func.count(PatrolRound.id),
            func.coalesce(func.sum(case((PatrolRound.status == RoundStatus.FINISHED, 1), else_=0)), 0),
            findings,
        ).where(PatrolRound.property_id == property_id, PatrolRound.started_at >= start, PatrolRound.started_at < end)
    ).one()
    return {"rounds": int(row[0] or 0), "finished": int(row[1] or 0), "findings": int(row[2] or 0)}


def build_report(property_id, month):
    """The report of the local month starting on `month`: a fixed number of statements whatever the data."""
    start, end = _bounds(month)
    last_day = month_after(month) - timedelta(days=1)
    arrears_on = min(today(), last_day)
    report = MonthlyReport(month)
    report.summary = summary_for(property_id, month)
    report.collection = collection.collection_for(property_id, month)
    report.trend = _trend(property_id, month)
    by_type = collection.collection_by_charge_type(property_id, month)
    report.charge_types = [(name, billed, paid, _rate(billed, paid)) for name, billed, paid in by_type]
    report.areas = _areas(property_id, month)
    # Bills keep only what is paid now: the ages are today's for the current month, the month's last day's otherwise
    # (paid_fen is not historical, so a bill paid since then no longer counts).
    report.arrears_on = arrears_on
    report.arrears = collection.arrears_totals(property_id, arrears_on)
    report.tickets = on_time_by_kind_and_department(property_id, start, end)
    report.complaints = _complaints(property_id, start, end)
    report.majors = _majors(property_id, start, end)
    report.callbacks = callback_rates.by_kind(property_id, month)
    report.callback_trend = callback_rates.by_month(property_id, month)
    report.counter = _counter(property_id, start, end)
    report.renovations = _renovations(property_id, start, end)
    report.incidents = counts_by_kind(property_id, month.strftime("%Y-%m"))
    report.patrols = _patrols(property_id, start, end)
    report.call_reasons = reason_counts(property_id, month)
    return report
