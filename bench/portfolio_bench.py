"""Benchmark a company of many properties: PROPERTIES (50) properties of 2,000 units each in one database, and the
hot pages of one of them, to see what the property fence and the other properties' rows cost a property's pages.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/portfolio_bench.py              # 50 properties x 2,000 units
    PROPERTIES=1 .venv/bin/python bench/portfolio_bench.py # the same property alone: the single-property figures

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are dropped
     first) with the Alembic migrations and PROPERTIES properties of 4 buildings x 25 floors x 20 units
     (domain.demo.generate_register: bulk inserts, about 2.4 residents per occupied unit). Each property gets a
     desk, an engineer and a manager (bulk inserted, one password hash), BILL_MONTHS months of bills for every unit
     (bulk, one line each), WAITING_PARCELS parcels on its shelf (bulk) and NEW_REPAIRS repairs waiting for its
     desk, half of them past their dispatch deadline (through the ticket service, so their deadlines are real).
  2. The property in the middle (the one measured) also gets the demo's staff per role, the demo's tickets and
     counter, and `resident1` owning its unit 1-1201.
  3. Count the SQL statements of each hot page in-process (after a warm-up request), as that property's resident
     and staff: the resident home, the bills, the unit search, the engineering and the desk's ticket queues, the
     parcel intake page, the badge poll /staff/alerts/counts and the manager's monthly report.
  4. Serve the app with gunicorn (2 workers, production settings, plus bench/empty_pages.py's empty pages) on
     127.0.0.1, sign in through the real login forms and load each page with wrk right after /healthz and the
     area's empty signed-in page of the same run.
  5. Print the figures, each area's floor against /healthz and each page against its floor (the target is 0.5 x
     the floor, printed as ok or short). The exit code is 0 unless something broke. Compare a run with
     PROPERTIES=1 (the same property alone) to see what the 49 others cost.

Environment: PROPERTIES (default 50), BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use
this database instead of a temporary SQLite file; ALL ITS TABLES ARE DROPPED).
"""

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from bench.field_bench import print_load, print_statements  # noqa: E402
from bench.harness import (  # noqa: E402
    BenchError,
    bench_config,
    bench_database,
    count_plans,
    measure_plans,
    migrate,
    run_page_bench,
)
from domain.accounts.models import AccountKind, Actor, StaffRole, User  # noqa: E402
from domain.accounts.roles import Role  # noqa: E402
from domain.accounts.services import hash_password  # noqa: E402
from domain.billing.models import Bill, BillLine  # noqa: E402
from domain.billing.schedule import month_before  # noqa: E402
from domain.clock import today, utcnow  # noqa: E402
from domain.current_property import working_for  # noqa: E402
from domain.demo import DEMO_MOVE_IN, ensure_staff, generate_register  # noqa: E402
from domain.parcels.demo import load_counter_demo  # noqa: E402
from domain.parcels.models import Parcel  # noqa: E402
from domain.property.companies import ensure_company  # noqa: E402
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus  # noqa: E402
from domain.property.units import set_unit_status  # noqa: E402
from domain.tickets import recording  # noqa: E402
from domain.tickets.demo import load_ticket_demo  # noqa: E402
from extensions import db  # noqa: E402

PROPERTIES = int(os.environ.get("PROPERTIES", "50"))
#: 4 buildings x 25 floors x 20 units per floor = 2,000 units a property.
LAYOUT = {"buildings": 4, "floors": 25, "per_floor": 20}
RESIDENTS_PER_PROPERTY = 4800
BILL_MONTHS = 3
WAITING_PARCELS = 30
NEW_REPAIRS = 20
#: The measured property's resident (its unit 1-1201).
RESIDENT_LOGIN = ("resident1", "陈业主", "13800000001", "1-1201")
#: Each property's own small team (besides the demo staff of the measured one).
TEAM = (("desk", Role.FRONTDESK), ("eng", Role.ENGINEERING), ("mgr", Role.MANAGER))
HTMX = {"HX-Request": "true"}


def plans(_targets=None):
    """(area, username, [(label, path[, headers])]) of the measured property's hot pages."""
    return [
        ("portal", "resident1", [("resident home", "/portal/"), ("bills", "/portal/bills")]),
        (
            "staff",
            "frontdesk",
            [
                ("unit search", "/staff/units/"),
                ("unit search q=12", "/staff/units/?q=12"),
                ("parcel intake", "/staff/parcels/"),
                ("badges: desk", "/staff/alerts/counts", HTMX),
            ],
        ),
        ("staff", "frontdesk", [("desk queue", "/staff/tickets/")]),
        ("staff", "engineer", [("ticket queue", "/staff/tickets/"), ("badges: eng", "/staff/alerts/counts", HTMX)]),
        ("staff", "manager", [("monthly report", "/staff/reports/monthly")]),
    ]


def _bulk(model, rows):
    """Insert `rows` into `model`'s table a thousand at a time."""
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(model), rows[start : start + 1000])


def _team(prop, number, password_hash):
    """The property's desk, engineer and manager (bulk: one password hash for all)."""
    names = [f"p{number:02d}-{suffix}" for suffix, _role in TEAM]
    _bulk(
        User,
        [
            {"username": name, "display_name": name, "kind": AccountKind.STAFF.value, "password_hash": password_hash}
            for name in names
        ],
    )
    ids = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(names))).all())
    _bulk(
        StaffRole,
        [
            {"property_id": prop.id, "user_id": ids[name], "role": role.value}
            for name, (_suffix, role) in zip(names, TEAM)
        ],
    )


def _bills(prop, unit_ids, periods):
    """One bill a month for every unit of `prop`, with one line; the latest month unpaid, the others paid."""
    rows = []
    for period in periods:
        paid = period != periods[-1]
        for unit_id in unit_ids:
            total = 25000 + unit_id % 7 * 1000
            rows.append(
                {
                    "property_id": prop.id,
                    "unit_id": unit_id,
                    "period": period,
                    "title": f"{period:%Y-%m} 物业费",
                    "issued_on": period,
                    "due_date": period + timedelta(days=20),
                    "total_fen": total,
                    "paid_fen": total if paid else 0,
                }
            )
    _bulk(Bill, rows)
    bills = db.session.execute(select(Bill.id, Bill.total_fen).where(Bill.property_id == prop.id)).all()
    _bulk(
        BillLine,
        [{"bill_id": bill_id, "description": "物业管理费", "amount_fen": total} for bill_id, total in bills],
    )


def _parcels(prop, unit_ids, rng, now):
    """WAITING_PARCELS parcels on the shelf, arrived over the last fortnight."""
    _bulk(
        Parcel,
        [
            {
                "property_id": prop.id,
                "unit_id": rng.choice(unit_ids),
                "tracking_number": f"SF{prop.id:03d}{n:09d}",
                "carrier": "sf",
                "shelf": "A1",
                "arrived_at": now - timedelta(hours=rng.randrange(1, 24 * 14)),
                "notified_at": now,
            }
            for n in range(WAITING_PARCELS)
        ],
    )


def _waiting_repairs(prop, unit_ids, now):
    """NEW_REPAIRS repairs recorded by phone over the last minutes: the older half past its dispatch deadline."""
    system = Actor.system("bench")
    for i, unit_id in enumerate(unit_ids[:NEW_REPAIRS]):
        recording.create_ticket(
            system,
            property_id=prop.id,
            kind="repair",
            channel="phone",
            description="卫生间漏水",
            unit_id=unit_id,
            now=now - timedelta(seconds=18 * i),
        )


def _resident(prop, units, password):
    """`resident1`, owner of the measured property's unit 1-1201."""
    username, name, phone, label = RESIDENT_LOGIN
    user = User(
        username=username,
        display_name=name,
        kind=AccountKind.RESIDENT,
        password_hash=hash_password(password),
        login_phone=phone,
    )
    resident = Resident(property_id=prop.id, name=name, phone=phone, user=user)
    unit = db.session.get(Unit, units[label])
    set_unit_status(unit, UnitStatus.OCCUPIED, DEMO_MOVE_IN)
    db.session.add_all(
        [user, resident, Occupancy(unit=unit, resident=resident, relation=Relation.OWNER, start_date=DEMO_MOVE_IN)]
    )
    db.session.flush()


def load_portfolio(password):
    """Load PROPERTIES properties and the measured one's people and work; return the row counts."""
    rng = random.Random(50)
    company = ensure_company()
    password_hash = hash_password(password)
    now = utcnow()
    periods = [today().replace(day=1)]
    for _ in range(BILL_MONTHS - 1):
        periods.insert(0, month_before(periods[0]))
    measured_number = PROPERTIES // 2 + 1
    for number in range(1, PROPERTIES + 1):
        prop = Property(company_id=company.id, name=f"基准物业{number:02d}", receipt_prefix=f"P{number:02d}")
        db.session.add(prop)
        db.session.flush()
        with working_for(prop.id):  # as the property's own requests and jobs would
            units = generate_register(prop, residents_target=RESIDENTS_PER_PROPERTY, rng=rng, **LAYOUT)
            unit_ids = sorted(units.values())
            _team(prop, number, password_hash)
            _bills(prop, unit_ids, periods)
            _parcels(prop, unit_ids, rng, now)
            _waiting_repairs(prop, unit_ids[::97], now)
            if number == measured_number:
                ensure_staff(password, Actor.system("bench"), prop)
                _resident(prop, units, password)
                load_ticket_demo(prop, rng=rng)
                load_counter_demo(prop, demo_units=[units[RESIDENT_LOGIN[3]]], rng=rng)
        db.session.commit()
        if number % 10 == 0:
            print(f"  {number} properties loaded", flush=True)
    return {
        "properties": db.session.scalar(select(func.count(Property.id))),
        "units": db.session.scalar(select(func.count(Unit.id))),
        "residents": db.session.scalar(select(func.count(Resident.id))),
        "bills": db.session.scalar(select(func.count(Bill.id))),
        "staff roles": db.session.scalar(select(func.count(StaffRole.id))),
        "buildings": db.session.scalar(select(func.count(Building.id))),
    }


def prepare(workdir, password):
    """Create, migrate and fill the database; return (url, app, targets)."""
    url = bench_database(workdir)
    started = time.perf_counter()
    migrate(url)
    app = create_app(bench_config(url))
    with app.app_context():
        counts = load_portfolio(password)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.engine.dispose()
    if counts["units"] != PROPERTIES * 2000:
        raise BenchError(f"expected {PROPERTIES * 2000} units, found {counts['units']}")
    print(f"Loaded in {time.perf_counter() - started:.1f}s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    return url, app, None


def count_statements(app, password, targets):
    """The statements of one GET of each page (after a warm-up GET of the same page)."""
    return count_plans(app, password, plans())


def measure(url, workdir, password, seconds, wrk, targets):
    """Serve with gunicorn; wrk each page after /healthz and its area's empty page; return the runs."""
    return measure_plans(url, workdir, password, seconds, wrk, plans())


def report(pages, pdfs, runs):
    """The statements per page, then each page's throughput against /healthz and the empty page."""
    if runs is None:
        return
    print(f"\n{PROPERTIES} properties x 2,000 units; measured: the middle property's resident, desk and engineer")
    print_statements(pages, [])
    print_load(runs)
    print_floors(runs)


def print_floors(runs):
    """Each area's floor (its empty signed-in page) against /healthz, and each page against its floor: the target is
    0.5 x the floor."""
    floors = {}
    for _label, healthz, empty, _page in runs:
        floors.setdefault(empty.path, []).append(empty.requests_per_sec / healthz.requests_per_sec)
    print("\nFloors (the area's empty signed-in page / /healthz, mean of the runs)")
    for path, ratios in floors.items():
        print(f"  {path:<22} {sum(ratios) / len(ratios):.3f}x /healthz")
    print("\nPages against their floor (target >= 0.50)")
    for label, _healthz, empty, page in runs:
        ratio = page.requests_per_sec / empty.requests_per_sec
        print(f"  {label:<18} {ratio:.2f}  {'ok' if ratio >= 0.5 else 'short'}")


if __name__ == "__main__":
    sys.exit(
        run_page_bench("portfolio", prepare=prepare, count_statements=count_statements, measure=measure, report=report)
    )
