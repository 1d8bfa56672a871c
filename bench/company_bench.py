"""Benchmark the company's pages with 50 properties of 2,000 units each: the statements and the time of the
dashboard (/company/) and of the company's month (/company/reports/monthly), in-process.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/company_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are dropped
     first) with the Alembic migrations.
  2. Load 50 properties of 10 buildings x 200 units; bill every unit this month and last month (200,000 bills,
     nine in ten of last month's paid, about two thirds of this month's); give each property 40 open tickets (a
     quarter past their service level, some major complaints), 60 finished ones with their callbacks, and 3
     incidents.
  3. Sign in as the general manager (every property) and count the statements of each page and time it (best of
     three after a warm-up); print the figures and PASS/FAIL for a 2 s target per page.
"""

import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.harness import bench_config, bench_database, count_request, migrate, test_client_login, verdict  # noqa: E402
from domain.accounts.models import AccountKind, User  # noqa: E402
from domain.accounts.roles import CompanyRole  # noqa: E402
from domain.accounts.services import hash_password  # noqa: E402
from domain.billing.models import Bill  # noqa: E402
from domain.clock import today, utcnow  # noqa: E402
from domain.dates import month_before  # noqa: E402
from domain.incidents.models import Incident, IncidentKind  # noqa: E402
from domain.property.companies import ensure_company  # noqa: E402
from domain.property.models import Building, Property, Unit, UnitStatus  # noqa: E402
from domain.tickets.models import Callback, CallbackStatus, Channel, Severity, Status, Ticket, TicketKind  # noqa: E402
from extensions import db  # noqa: E402

PROPERTIES, BUILDINGS, UNITS_PER_BUILDING = 50, 10, 200
PASSWORD = "bench-pass-1"
TARGET_SECONDS = 2.0


def load(rng):
    """The company's 50 properties and their bills, tickets, callbacks and incidents; returns the row counts."""
    company_id = ensure_company().id
    now, first = utcnow(), today().replace(day=1)
    last = month_before(first)
    for n in range(PROPERTIES):
        prop = Property(company_id=company_id, name=f"基准项目{n + 1:02d}", address="沈阳市")
        db.session.add(prop)
        db.session.flush()
        buildings = [Building(property_id=prop.id, code=str(b + 1), name=f"{b + 1}号楼") for b in range(BUILDINGS)]
        db.session.add_all(buildings)
        db.session.flush()
        db.session.execute(
            insert(Unit),
            [
                {
                    "building_id": b.id,
                    "number": f"{u + 1:04d}",
                    "floor": u // 8 + 1,
                    "area_x100": 8950,
                    "status": UnitStatus.OCCUPIED,
                }
                for b in buildings
                for u in range(UNITS_PER_BUILDING)
            ],
        )
        unit_ids = db.session.scalars(
            select(Unit.id).where(Unit.building_id.in_([b.id for b in buildings])).order_by(Unit.id)
        ).all()
        bills = []
        for unit_id in unit_ids:
            bills.append(
                dict(
                    property_id=prop.id,
                    unit_id=unit_id,
                    period=last,
                    issued_on=last,
                    due_date=first - timedelta(days=1),
                    total_fen=22375,
                    paid_fen=22375 if rng.random() < 0.9 else 0,
                )
            )
            bills.append(
                dict(
                    property_id=prop.id,
                    unit_id=unit_id,
                    period=first,
                    issued_on=first,
                    due_date=first + timedelta(days=27),
                    total_fen=22375,
                    paid_fen=22375 if rng.random() < 0.66 else 0,
                )
            )
        db.session.execute(insert(Bill), bills)
        tickets = []
        for t in range(100):
            done = t >= 40
            due = now + timedelta(hours=rng.choice([-5, 3, 24, 48]))
            tickets.append(
                dict(
                    property_id=prop.id,
                    kind=TicketKind.COMPLAINT if t % 10 == 0 else TicketKind.REPAIR,
                    channel=Channel.PHONE,
                    description="基准",
                    status=Status.CLOSED if done else Status.DISPATCHED,
                    severity=Severity.MAJOR if t % 20 == 0 else None,
                    dispatch_due_at=due,
                    response_due_at=due,
                    resolve_due_at=due,
                    created_at=now - timedelta(days=rng.randint(1, 40)),
                    done_at=now - timedelta(days=rng.randint(1, 40)) if done else None,
                )
            )
        db.session.execute(insert(Ticket), tickets)
        done_ids = db.session.scalars(
            select(Ticket.id).where(Ticket.property_id == prop.id, Ticket.status == Status.CLOSED)
        ).all()
        db.session.execute(
            insert(Callback),
            [
                dict(ticket_id=tid, due_at=now, status=CallbackStatus.DONE, satisfaction=rng.choice([2, 4, 5, 5]))
                for tid in done_ids
            ],
        )
        db.session.execute(
            insert(Incident),
            [
                dict(
                    property_id=prop.id,
                    kind=IncidentKind.FIRE,
                    occurred_at=now - timedelta(days=i),
                    place="大堂",
                    description="基准",
                )
                for i in range(3)
            ],
        )
    db.session.add(
        User(
            username="gm",
            display_name="总经理",
            kind=AccountKind.STAFF,
            password_hash=hash_password(PASSWORD),
            company_role=CompanyRole.GENERAL_MANAGER,
        )
    )
    db.session.commit()
    return {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in (("properties", Property), ("units", Unit), ("bills", Bill), ("tickets", Ticket))
    }


def main():
    """Load, count, time, print."""
    with tempfile.TemporaryDirectory() as workdir:
        url = bench_database(workdir)
        migrate(url)
        app = create_app(bench_config(url))
        with app.app_context():
            started = time.perf_counter()
            counts = load(random.Random(1))
            print(f"Loaded {counts} in {time.perf_counter() - started:.1f}s")
            ok = True
            with app.test_client() as client:
                test_client_login(client, "staff", "gm", PASSWORD)
                for label, path in (("dashboard", "/company/"), ("company month", "/company/reports/monthly")):
                    client.get(path)
                    statements = len(count_request(app, client, label, path)[0].statements)
                    best = None
                    for _ in range(3):
                        began = time.perf_counter()
                        response = client.get(path)
                        elapsed = time.perf_counter() - began
                        best = elapsed if best is None else min(best, elapsed)
                    passed = response.status_code == 200 and best < TARGET_SECONDS
                    ok = ok and passed
                    print(f"{label}: {statements} statements; best {best * 1000:.0f} ms; {verdict(passed)}")
            db.session.remove()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
