"""Benchmark the people pages (SOP 8, 13 and 16; the rota, attendance and overtime) on the large property with 50
staff: SQL statements per page, requests per second, and the time of a monthly overtime sheet's PDF.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/people_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are dropped
     first) with the Alembic migrations and the register bench's 5,000-unit property (harness.load_large_property).
  2. Add 44 more staff to the demo's seven, across the evaluated roles, so the month's scorecards list 50 people.
     Load the demo's tickets, callbacks, visit plans, spot-checks, overtime and surveys through their demo loaders
     (the annual survey answered by ANSWERS households instead of the demo's 120), then hand the finished tickets
     round to all the staff. The extra staff get a shift each day from the first of last month to a week ahead (the
     demo's staff keep the demo's rota) and a clock-in and clock-out for each shift begun (one in ten late, one in
     forty missed). Last month's scorecards are reviewed by the manager (as in the demo).
  3. Count the SQL statements of each page in-process (after a warm-up request) as the manager, and of the portal's
     survey list as the resident; time the overtime sheet's PDF of the demo's desk clerk.
  4. Serve the app with gunicorn (2 workers, production settings, plus bench/empty_pages.py's empty pages) on
     127.0.0.1, sign in through the real login forms, and load each page with wrk right after /healthz and the
     area's empty page of the same run.
  5. Print the figures. There are no targets: the figures are for people to read; the exit code is 0 unless
     something broke (no wrk, a failed migration, a page that does not answer 200, ...).

Environment: BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use this database instead of a
temporary SQLite file; ALL ITS TABLES ARE DROPPED), BENCH_SKIP_LOAD=1 (stop after the statements and the PDF).
"""

import random
import sys
import time
from dataclasses import dataclass
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text, update  # noqa: E402

from app import create_app  # noqa: E402
from bench.field_bench import report  # noqa: E402
from bench.harness import (  # noqa: E402
    RESIDENT_LOGIN,
    bench_config,
    bench_database,
    count_plans,
    load_large_property,
    measure_plans,
    migrate,
    run_page_bench,
    time_pdfs_of,
)
from domain.accounts.models import Actor, User  # noqa: E402
from domain.accounts.services import create_staff  # noqa: E402
from domain.attendance.demo import load_attendance_demo  # noqa: E402
from domain.attendance.models import Clocking, Shift, ShiftAssignment  # noqa: E402
from domain.clock import local_window, today, utcnow  # noqa: E402
from domain.dates import month_before  # noqa: E402
from domain.evaluation.demo import load_evaluation_demo  # noqa: E402
from domain.evaluation.figures import EVALUATED_ROLES  # noqa: E402
from domain.overtime.demo import load_overtime_demo  # noqa: E402
from domain.property.models import Property  # noqa: E402
from domain.standards.demo import load_standards_demo  # noqa: E402
from domain.surveys.demo import load_surveys_demo  # noqa: E402
from domain.surveys.models import Survey  # noqa: E402
from domain.tickets.callback_demo import load_callbacks_demo  # noqa: E402
from domain.tickets.demo import load_ticket_demo  # noqa: E402
from domain.tickets.models import Ticket  # noqa: E402
from domain.visits.demo import load_visits_demo  # noqa: E402
from extensions import db  # noqa: E402

STAFF_USER = "manager"
#: Staff added to the demo's seven accounts: the month's scorecards list 50 people.
EXTRA_STAFF = 44
#: Households answering the annual survey.
ANSWERS = 1500


@dataclass(frozen=True)
class Targets:
    """What the pages are about: last month, the annual survey, one staff member (the desk clerk)."""

    month: str
    survey_id: int
    clerk_id: int


def add_staff(password):
    """Create the extra staff through the accounts service; return (every evaluated staff member's id, the extra
    staff's ids)."""
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    actor = Actor.for_user(manager, "bench")
    extra = []
    for n in range(EXTRA_STAFF):
        role = EVALUATED_ROLES[n % len(EVALUATED_ROLES)]
        user = create_staff(actor, username=f"staff{n:02d}", display_name=f"员工{n:02d}", role=role, password=password)
        extra.append(user.id)
    return db.session.scalars(select(User.id).where(User.role.in_(EVALUATED_ROLES)).order_by(User.id)).all(), extra


def add_rota(prop, staff_ids, rng):
    """A day shift for each of `staff_ids` (the extra staff: the demo's have the demo's rota) each day from the first
    of last month to a week ahead, with the clock-ins of the shifts begun; returns (assignments, clock-ins)."""
    shift = Shift(property_id=prop.id, name="基准班", starts_at=clock_time(8, 30), ends_at=clock_time(17, 30))
    db.session.add(shift)
    db.session.flush()
    now, first = utcnow(), month_before(today().replace(day=1))
    planned = clocked = 0
    day = first
    while day <= today() + timedelta(days=7):
        start, end = local_window(day, shift.starts_at, shift.ends_at)
        for user_id in staff_ids:
            db.session.add(ShiftAssignment(property_id=prop.id, user_id=user_id, shift_id=shift.id, day=day))
            planned += 1
            roll = rng.random()
            if start > now or roll < 0.025:
                continue
            late = roll < 0.125
            in_at = start + timedelta(minutes=rng.randint(6, 30) if late else -rng.randint(1, 15))
            out_at = end + timedelta(minutes=rng.randint(0, 20))
            db.session.add(
                Clocking(property_id=prop.id, user_id=user_id, in_at=in_at, out_at=out_at if out_at < now else None)
            )
            clocked += 1
        db.session.flush()
        day += timedelta(days=1)
    return planned, clocked


def spread_tickets(staff_ids):
    """Hand the finished tickets round to all the staff (one statement per staff member); returns how many."""
    ids = db.session.scalars(select(Ticket.id).where(Ticket.done_at.is_not(None)).order_by(Ticket.id)).all()
    for k, user_id in enumerate(staff_ids):
        mine = ids[k :: len(staff_ids)]
        if mine:
            db.session.execute(update(Ticket).where(Ticket.id.in_(mine)).values(assignee_id=user_id))
    return len(ids)


def prepare(workdir, password):
    """Create, migrate and fill the database; return (url, app, targets)."""
    url = bench_database(workdir)
    started = time.perf_counter()
    migrate(url)
    app = create_app(bench_config(url))
    with app.app_context():
        register_counts = load_large_property(password)
        prop = db.session.scalar(select(Property).order_by(Property.id).limit(1))
        rng, day = random.Random(19), today()
        staff_ids, extra_ids = add_staff(password)
        counts = {"tickets": load_ticket_demo(prop, rng=rng)}
        counts["callbacks"] = load_callbacks_demo(prop, rng=rng, today=day)
        counts["visit plans"] = load_visits_demo(prop, today=day)
        counts["spot-checks"] = load_standards_demo(prop, today=day)
        counts["overtime applications"] = load_overtime_demo(prop, today=day)
        counts["survey answers"] = load_surveys_demo(prop, rng=rng, today=day, answers=ANSWERS)
        counts["demo rota days"] = load_attendance_demo(prop, rng=rng, today=day)
        counts["rota days"], counts["clock-ins"] = add_rota(prop, extra_ids, rng)
        counts["finished tickets spread"] = spread_tickets(staff_ids)
        counts["signed scorecards"] = load_evaluation_demo(prop, rng=rng, today=day)
        counts["staff evaluated"] = len(staff_ids)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        survey_id = db.session.scalar(select(func.min(Survey.id)).where(Survey.property_id == prop.id))
        clerk_id = db.session.scalar(select(User.id).where(User.username == "frontdesk"))
        month = month_before(day.replace(day=1)).strftime("%Y-%m")
        targets = Targets(month, survey_id, clerk_id)
        db.engine.dispose()
    print(
        f"Loaded in {time.perf_counter() - started:.1f}s: {register_counts['units']} units, "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )
    return url, app, targets


def plans(targets):
    """(area, username, [(label, path)]) of every page measured, by who reads it."""
    month, clerk = targets.month, targets.clerk_id
    staff = [
        ("scorecards (50)", f"/staff/evaluation/?month={month}"),
        ("a scorecard", f"/staff/evaluation/people/{clerk}?month={month}"),
        ("survey results", f"/staff/surveys/{targets.survey_id}/results"),
        ("surveys", "/staff/surveys/"),
        ("callback rates", f"/staff/callbacks/rates?month={month}"),
        ("callback analysis", "/staff/callbacks/analysis"),
        ("visits due", "/staff/visits"),
        ("rota (week)", "/staff/rota/"),
        ("attendance", "/staff/attendance/exceptions"),
        ("overtime", "/staff/overtime/"),
        ("overtime totals", f"/staff/overtime/totals?month={month}"),
        ("standards", "/staff/standards/"),
    ]
    portal = [("portal surveys", "/portal/surveys")]
    return [("staff", STAFF_USER, staff), ("portal", RESIDENT_LOGIN[0], portal)]


def count_statements(app, password, targets):
    """The statements of one GET of each page (after a warm-up GET of the same page)."""
    return count_plans(app, password, plans(targets))


def time_pdfs(app, password, targets):
    """The time of the desk clerk's monthly overtime sheet for payroll."""
    path = f"/staff/overtime/sheets/{targets.clerk_id}/{targets.month}.pdf"
    return time_pdfs_of(app, "staff", STAFF_USER, password, [("加班月报 PDF", path)])


def measure(url, workdir, password, seconds, wrk, targets):
    """Serve with gunicorn; wrk each page after /healthz and its area's empty page; return the runs."""
    return measure_plans(url, workdir, password, seconds, wrk, plans(targets))


def main():
    """Run the whole benchmark; return the process exit code."""
    return run_page_bench(
        "people",
        prepare=prepare,
        count_statements=count_statements,
        time_pdfs=time_pdfs,
        measure=measure,
        report=report,
    )


if __name__ == "__main__":
    sys.exit(main())
