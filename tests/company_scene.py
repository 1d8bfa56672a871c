"""Two properties with hand-counted figures, for the company's pages and their domain figures."""

from datetime import timedelta

from domain.clock import today, utcnow
from domain.dates import month_before
from domain.incidents.models import Incident, IncidentKind, IncidentStatus
from domain.tickets.models import Callback, CallbackStatus, Channel, Severity, Status, Ticket, TicketKind
from extensions import db
from tests import builders


def _ticket(prop, *, kind=TicketKind.REPAIR, status=Status.DISPATCHED, late=False, severity=None, done_days_ago=None):
    """A ticket of `prop` whose service-level clocks ran out an hour ago (late) or run out tomorrow."""
    now = utcnow()
    due = now - timedelta(hours=1) if late else now + timedelta(days=1)
    ticket = Ticket(
        property_id=prop.id,
        kind=kind,
        channel=Channel.PHONE,
        description="测试",
        status=status,
        severity=severity,
        dispatch_due_at=due,
        response_due_at=due,
        resolve_due_at=due,
        done_at=now - timedelta(days=done_days_ago) if done_days_ago is not None else None,
    )
    db.session.add(ticket)
    db.session.flush()
    return ticket


def _callback(ticket, satisfaction=None):
    """The callback of a finished ticket: done with `satisfaction` (1-5), or still open without one."""
    db.session.add(
        Callback(
            ticket_id=ticket.id,
            due_at=utcnow(),
            status=CallbackStatus.DONE if satisfaction else CallbackStatus.OPEN,
            satisfaction=satisfaction,
        )
    )


def _incident(prop, status=IncidentStatus.OPEN):
    """An incident of `prop` an hour ago."""
    db.session.add(
        Incident(
            property_id=prop.id,
            kind=IncidentKind.FIRE,
            status=status,
            occurred_at=utcnow() - timedelta(hours=1),
            place="大堂",
            description="测试",
        )
    )


def build_two_properties():
    """Property A (95 % collected, ¥30 arrears, 1 late ticket, 1 open major complaint, 2 open incidents, 1 of 2
    callbacks satisfied) and B (50 %, ¥40 arrears, 1 late, none, none, no callback answered); their names."""
    a = builders.create_property("甲小区")
    b = builders.create_property("乙花园")
    first = today().replace(day=1)
    last_month = month_before(first)
    due_soon = today() + timedelta(days=10)
    for prop, (billed, paid), (old, old_paid) in ((a, (10000, 9500), (3000, 0)), (b, (20000, 10000), (5000, 1000))):
        unit = builders.create_unit(builders.create_building(prop))
        builders.create_bill(unit, total_fen=billed, paid_fen=paid, period=first, due_date=due_soon)
        builders.create_bill(unit, total_fen=old, paid_fen=old_paid, period=last_month, due_date=first - timedelta(1))
    # A: one late, one on time, one open major complaint (on time), one closed past its clocks, one closed major.
    _ticket(a, late=True)
    _ticket(a)
    _ticket(a, kind=TicketKind.COMPLAINT, severity=Severity.MAJOR)
    _ticket(a, status=Status.CLOSED, late=True)
    _ticket(a, kind=TicketKind.COMPLAINT, severity=Severity.MAJOR, status=Status.CLOSED)
    _callback(_ticket(a, status=Status.CLOSED, done_days_ago=5), satisfaction=5)
    _callback(_ticket(a, status=Status.CLOSED, done_days_ago=3), satisfaction=2)
    _callback(_ticket(a, status=Status.DONE, done_days_ago=1))
    _callback(_ticket(a, status=Status.CLOSED, done_days_ago=40), satisfaction=5)  # before the last 30 days
    # B: a new ticket not forwarded in time.
    _ticket(b, status=Status.NEW, late=True)
    _incident(a)
    _incident(a)
    _incident(a, status=IncidentStatus.CLOSED)
    db.session.commit()
    return a, b
