"""Benchmark the move-in and owner's-file pages at 2,000 cases: SQL statements per page and requests per second.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/movein_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are dropped
     first) with the Alembic migrations and the register bench's 5,000-unit property (harness.load_large_property).
  2. Add the move-ins. The signed-in resident's own case (unit 1-1201) is made through the services (create_case,
     which finds the resident by phone, copies the checklist and writes the timeline), so the portal pages see a
     case as the desk makes it. The other 1,999 cases, their owners, registration forms, checklists, timelines,
     ~10 documents each in the owner's file (rows pointing at three stored PDFs), 6,000 access-log rows and 400
     inspections with their items are bulk-inserted (insert() of the models): through the services they would
     take minutes. States are spread as in an office mid-way through a hand-over: most complete, the rest open.
  3. Count the SQL statements of each page in-process (after a warm-up request): the staff pages as `manager`
     (who may do everything), the portal pages as the resident with a case.
  4. Serve the app with gunicorn (2 workers, production settings, plus bench/empty_pages.py's empty page) on
     127.0.0.1, sign in through the real login forms, and load with wrk the case list, a case page, the board,
     a unit's file and /staff/archives/, each after /healthz and the staff area's empty page of the same run.
  5. Print the figures: statements per page, and each page's requests/s as a ratio of /healthz and of the empty
     page measured just before it. The issue sets no targets: the figures are for people to read; the exit code
     is 0 unless something broke (no wrk, a failed migration, a page that does not answer 200, ...).

Environment: BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use this database instead of a
temporary SQLite file; ALL ITS TABLES ARE DROPPED).
"""

import io
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402
from werkzeug.datastructures import FileStorage  # noqa: E402

from app import create_app  # noqa: E402
from bench.empty_pages import STAFF_EMPTY  # noqa: E402
from bench.harness import (  # noqa: E402
    HOST,
    RESIDENT_LOGIN,
    SETTLE_SECONDS,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    bench_config,
    bench_database,
    check_authenticated,
    count_request,
    free_port,
    http_login,
    load_large_property,
    migrate,
    run_page_bench,
    run_wrk,
    start_gunicorn,
    stop_gunicorn,
    test_client_login,
    wait_until_healthy,
)
from domain.accounts.models import Actor, User  # noqa: E402
from domain.archives.documents import ensure_document_types  # noqa: E402
from domain.archives.models import ArchiveDocument, DocumentAccess, DocumentType  # noqa: E402
from domain.clock import utcnow  # noqa: E402
from domain.files.store import store_document  # noqa: E402
from domain.movein.cases import create_case  # noqa: E402
from domain.movein.inspections import ensure_inspection_template  # noqa: E402
from domain.movein.models import (  # noqa: E402
    CaseStatus,
    InspectionItem,
    InspectionStatus,
    ItemResult,
    MoveInCase,
    MoveInEvent,
    MoveInItem,
    MoveInPerson,
    PersonRole,
    UnitInspection,
)
from domain.movein.templates import ensure_templates  # noqa: E402
from domain.property.models import Property, Resident, Unit  # noqa: E402
from domain.property.units import find_unit  # noqa: E402
from extensions import db  # noqa: E402

#: Who signs in to the staff pages: the manager may see every one of them (the board, inspections, every file).
STAFF_USER = "manager"
CASES = 2_000
DOCUMENTS_PER_CASE = 10
ACCESSES = 6_000
INSPECTIONS = 400
CHUNK = 5_000
#: How the bulk-inserted cases stand: an office mid-way through a building's hand-over.
STATES = [
    (CaseStatus.COMPLETED, 50),
    (CaseStatus.NOTIFIED, 12),
    (CaseStatus.INVITED, 10),
    (CaseStatus.BOOKED, 12),
    (CaseStatus.AT_DESK, 8),
    (CaseStatus.CANCELLED, 8),
]
#: The document types a case's file gets, in turn (ten per case).
DOC_CODES = (
    "handover_notice",
    "purchase_contract",
    "owner_id",
    "registration_form",
    "fire_agreement",
    "handover_list",
    "inspection_record",
    "renovation",
    "contract",
    "owner_id",
)
#: The timeline of a case in each state.
TIMELINES = {
    CaseStatus.NOTIFIED: ("create",),
    CaseStatus.INVITED: ("create", "invite"),
    CaseStatus.BOOKED: ("create", "invite", "prefill", "book"),
    CaseStatus.AT_DESK: ("create", "invite", "book", "receive", "tick", "tick", "sign"),
    CaseStatus.COMPLETED: ("create", "invite", "book", "receive", "tick", "tick", "tick", "sign", "sign", "complete"),
    CaseStatus.CANCELLED: ("create", "invite", "cancel"),
}
NAMES = "孟凡宇 沈佳怡 韩子墨 邱雨桐 贺思源 尹若汐 钟浩然 邵梓萱 汪博文 覃心怡".split()
#: A tiny but complete PDF: store_document checks the head and the %%EOF.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" + (
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
#: The tables whose ids the bulk insert sets explicitly (PostgreSQL's sequences are moved past them afterwards).
BULK_TABLES = (
    "residents",
    "move_in_cases",
    "move_in_people",
    "move_in_items",
    "move_in_events",
    "archive_documents",
    "document_accesses",
    "unit_inspections",
    "inspection_items",
)


@dataclass
class Targets:
    """The ids the measured pages name."""

    case_id: int
    inspection_id: int
    unit_id: int


# 1. The move-ins ---------------------------------------------------------------------------------------------------


def _next_id(model):
    """One past the table's largest id."""
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(model, rows):
    """Bulk-insert rows in chunks."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def _owners_case(property_id):
    """The signed-in resident's case for 1-1201, made through the services as the desk would (found by phone)."""
    manager = db.session.scalar(select(User).where(User.username == STAFF_USER))
    _username, name, phone, label = RESIDENT_LOGIN
    case = create_case(
        Actor.for_user(manager, "bench"),
        unit_id=find_unit(label).id,
        owner_name=name,
        owner_phone=phone,
        planned_on=date.today(),
    )
    case.status = CaseStatus.BOOKED
    case.appointment_at = utcnow() + timedelta(days=2)
    db.session.flush()
    return case


def _stored_files():
    """Three PDFs in the private store, which the documents point at."""
    return [store_document(FileStorage(io.BytesIO(PDF), filename=f"scan{n}.pdf")) for n in range(3)]


def _case_rows(rng, property_id, unit_ids, first, now, staff_ids):
    """The owners, cases, registration forms, checklists and timelines, as row dicts per model."""
    templates = [t for t in ensure_templates(property_id) if t.is_active]
    rows = {Resident: [], MoveInCase: [], MoveInPerson: [], MoveInItem: [], MoveInEvent: []}
    ids = {model: _next_id(model) for model in rows}
    for n, unit_id in enumerate(unit_ids):
        status = rng.choices([s for s, _w in STATES], [w for _s, w in STATES])[0]
        created = now - timedelta(days=rng.randrange(1, 120), minutes=rng.randrange(600))
        name, phone = rng.choice(NAMES), f"139{first + n:08d}"
        owner_id, case_id = ids[Resident] + n, ids[MoveInCase] + n
        rows[Resident].append({"id": owner_id, "property_id": property_id, "name": name, "phone": phone})
        done = status == CaseStatus.COMPLETED
        rows[MoveInCase].append(
            {
                "id": case_id,
                "property_id": property_id,
                "unit_id": unit_id,
                "status": status,
                "owner_id": owner_id,
                "notice_number": f"RZ{first + n:06d}",
                "planned_on": (created + timedelta(days=30)).date(),
                "appointment_at": created + timedelta(days=rng.randrange(3, 30))
                if status in (CaseStatus.BOOKED, CaseStatus.AT_DESK, CaseStatus.COMPLETED)
                else None,
                "created_at": created,
                "created_by_id": rng.choice(staff_ids),
                "completed_at": now - timedelta(days=rng.randrange(0, 60)) if done else None,
                "completed_by_id": rng.choice(staff_ids) if done else None,
                "cancelled_reason": "业主要求取消" if status == CaseStatus.CANCELLED else "",
            }
        )
        rows[MoveInPerson].append(
            {"case_id": case_id, "role": PersonRole.OWNER, "name": name, "phone": phone, "resident_id": owner_id}
        )
        if rng.random() < 0.5:
            family = {"case_id": case_id, "role": PersonRole.FAMILY, "kinship": "配偶", "name": "家属"}
            rows[MoveInPerson].append(family)
        ticked = len(templates) if done else (rng.randrange(len(templates)) if status == CaseStatus.AT_DESK else 0)
        for i, t in enumerate(templates):
            rows[MoveInItem].append(
                {
                    "case_id": case_id,
                    "kind": t.kind,
                    "code": t.code,
                    "name": t.name,
                    "quantity": t.quantity,
                    "handed_quantity": t.quantity if i < ticked else None,
                    "charge_type_id": t.charge_type_id,
                    "months": t.months,
                    "proxy_only": t.proxy_only,
                    "position": t.position,
                    "done_at": created + timedelta(days=1) if i < ticked else None,
                }
            )
        for step, action in enumerate(TIMELINES[status]):
            rows[MoveInEvent].append(
                {
                    "case_id": case_id,
                    "at": created + timedelta(hours=step),
                    "actor_name": "王经理",
                    "action": action,
                }
            )
    for model in (MoveInPerson, MoveInItem, MoveInEvent):
        for i, row in enumerate(rows[model]):
            row["id"] = ids[model] + i
    return rows


def _document_rows(rng, property_id, cases, stored, staff_ids, now):
    """About ten documents per case's unit, filed from the case, pointing at the stored files."""
    query = select(DocumentType.code, DocumentType.id).where(DocumentType.property_id == property_id)
    types = dict(db.session.execute(query).all())
    rows, first = [], _next_id(ArchiveDocument)
    for case in cases:
        for k, code in enumerate(DOC_CODES[:DOCUMENTS_PER_CASE]):
            name, content_type, size = stored[k % len(stored)]
            rows.append(
                {
                    "id": first + len(rows),
                    "property_id": property_id,
                    "unit_id": case["unit_id"],
                    "resident_id": case["owner_id"] if code == "owner_id" else None,
                    "type_id": types[code],
                    "title": code,
                    "document_date": (case["created_at"] + timedelta(days=k)).date(),
                    "stored_name": name,
                    "shown_name": f"{code}.pdf",
                    "content_type": content_type,
                    "size": size,
                    "source": "move_in",
                    "source_id": case["id"],
                    "added_at": case["created_at"] + timedelta(days=k),
                    "added_by_id": rng.choice(staff_ids),
                    "voided_at": now if rng.random() < 0.02 else None,
                    "void_reason": "",
                }
            )
    return rows


def _access_rows(rng, property_id, documents, staff_ids, now):
    """The access log: staff looking at documents over the last months."""
    first = _next_id(DocumentAccess)
    rows = []
    for n in range(ACCESSES):
        document = rng.choice(documents)
        rows.append(
            {
                "id": first + n,
                "property_id": property_id,
                "document_id": document["id"],
                "unit_id": document["unit_id"],
                "user_id": rng.choice(staff_ids),
                "user_name": "王经理",
                "action": rng.choice(("view", "download")),
                "at": now - timedelta(minutes=rng.randrange(90 * 24 * 60)),
            }
        )
    return rows


def _inspection_rows(rng, property_id, cases, staff_ids, now):
    """Round-1 inspections of booked, at-desk and complete cases, with the template's items, some with defects."""
    template = ensure_inspection_template(property_id)
    eligible = [c for c in cases if c["status"] in (CaseStatus.BOOKED, CaseStatus.AT_DESK, CaseStatus.COMPLETED)]
    chosen = rng.sample(eligible, min(INSPECTIONS, len(eligible)))
    inspections, items = [], []
    first, first_item = _next_id(UnitInspection), _next_id(InspectionItem)
    for n, case in enumerate(chosen):
        status = (
            InspectionStatus.SIGNED
            if case["status"] == CaseStatus.COMPLETED
            else (rng.choice((InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS)))
        )
        at = case["created_at"] + timedelta(days=2)
        inspections.append(
            {
                "id": first + n,
                "property_id": property_id,
                "unit_id": case["unit_id"],
                "case_id": case["id"],
                "status": status,
                "scheduled_at": at if status == InspectionStatus.SCHEDULED else at,
                "engineer_id": rng.choice(staff_ids),
                "started_at": at if status != InspectionStatus.SCHEDULED else None,
                "signed_at": at + timedelta(hours=1) if status == InspectionStatus.SIGNED else None,
                "passed": None,
            }
        )
        for t in template:
            result = None
            if status != InspectionStatus.SCHEDULED:
                result = ItemResult.DEFECT if rng.random() < 0.05 else ItemResult.OK
            items.append(
                {
                    "id": first_item + len(items),
                    "inspection_id": first + n,
                    "area": t.area,
                    "name": t.name,
                    "position": t.position,
                    "result": result,
                    "note": "墙面有裂缝" if result == ItemResult.DEFECT else "",
                }
            )
    return inspections, items


def load_move_ins(property_id, now):
    """Add the owner's case through the services and the rest in bulk; return the measured pages' ids and counts."""
    rng = random.Random(9)
    ensure_document_types(property_id)
    owners_case = _owners_case(property_id)
    stored = _stored_files()
    staff_ids = list(db.session.scalars(select(User.id).where(User.role.is_not(None))))
    unit_ids = [u for u in db.session.scalars(select(Unit.id).order_by(Unit.id)) if u != owners_case.unit_id]
    rows = _case_rows(rng, property_id, unit_ids[: CASES - 1], 1, now, staff_ids)
    for model, model_rows in rows.items():
        _insert(model, model_rows)
    cases = rows[MoveInCase] + [
        {
            "id": owners_case.id,
            "unit_id": owners_case.unit_id,
            "owner_id": owners_case.owner_id,
            "status": owners_case.status,
            "created_at": now - timedelta(days=3),
        }
    ]
    documents = _document_rows(rng, property_id, cases, stored, staff_ids, now)
    _insert(ArchiveDocument, documents)
    _insert(DocumentAccess, _access_rows(rng, property_id, documents, staff_ids, now))
    inspections, items = _inspection_rows(rng, property_id, rows[MoveInCase], staff_ids, now)
    _insert(UnitInspection, inspections)
    _insert(InspectionItem, items)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in BULK_TABLES:
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
            db.session.execute(text(f"ANALYZE {table}"))
        db.session.commit()
    at_desk = next(c for c in rows[MoveInCase] if c["status"] == CaseStatus.AT_DESK)
    walked = next(i for i in inspections if i["status"] == InspectionStatus.IN_PROGRESS)
    counts = {
        "cases": db.session.scalar(select(func.count(MoveInCase.id))),
        "people": db.session.scalar(select(func.count(MoveInPerson.id))),
        "checklist lines": db.session.scalar(select(func.count(MoveInItem.id))),
        "documents": db.session.scalar(select(func.count(ArchiveDocument.id))),
        "access-log rows": db.session.scalar(select(func.count(DocumentAccess.id))),
        "inspections": db.session.scalar(select(func.count(UnitInspection.id))),
        "inspection items": db.session.scalar(select(func.count(InspectionItem.id))),
    }
    return Targets(at_desk["id"], walked["id"], at_desk["unit_id"]), counts


# 2. Statements per page --------------------------------------------------------------------------------------------


def staff_pages(targets):
    """(label, path) of the staff pages counted in-process."""
    return [
        ("case list", "/staff/move-in/"),
        ("case page", f"/staff/move-in/{targets.case_id}"),
        ("at the desk", f"/staff/move-in/{targets.case_id}/desk"),
        ("board", "/staff/move-in/board"),
        ("inspections", "/staff/move-in/inspections/"),
        ("an inspection", f"/staff/move-in/inspections/{targets.inspection_id}"),
        ("files", "/staff/archives/"),
        ("a unit's file", f"/staff/archives/{targets.unit_id}"),
    ]


PORTAL_PAGES = [("owner's move-in", "/portal/move-in"), ("owner's documents", "/portal/documents")]


def count_statements(app, password, targets):
    """The statements of one GET of each page (after a warm-up GET of the same page)."""
    pages = []
    for area, username, plan in (
        ("staff", STAFF_USER, staff_pages(targets)),
        ("portal", RESIDENT_LOGIN[0], PORTAL_PAGES),
    ):
        with app.test_client() as client:
            test_client_login(client, area, username, password)
            for label, path in plan:
                client.get(path)
                pages.append(count_request(app, client, label, path)[0])
    return pages


# 3. The report -----------------------------------------------------------------------------------------------------


def print_statements(pages):
    """Statements per page, and the statements of any page that sends the same query shape over and over."""
    print("\nSQL statements per page (in-process, after a warm-up request)")
    print(f"  {'page':<20} {'path':<40} {'stmts':>5} {'ms':>8}")
    for page in pages:
        print(f"  {page.label:<20} {page.path:<40} {len(page.statements):>5} {page.millis:>8.1f}")
    for page in pages:
        shapes = {}
        for statement in page.statements:
            shapes[statement[:120]] = shapes.get(statement[:120], 0) + 1
        repeated = {shape: n for shape, n in shapes.items() if n >= 3}
        if repeated:
            print(f"  {page.label}: the same statement repeated (a query per row?):")
            for shape, n in repeated.items():
                print(f"    {n:>3} x {shape}...")


def print_load(runs):
    """Each page's requests/s against /healthz and the empty staff page of its own run."""
    print(f"\nThroughput (wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}; each page after its own /healthz and empty page)")
    print(
        f"  {'page':<14} {'req/s':>8} {'/healthz':>9} {'x healthz':>9} {'empty':>8} {'x empty':>8} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'non-2xx':>7}"
    )
    for label, healthz, empty, page in runs:
        print(
            f"  {label:<14} {page.requests_per_sec:>8.1f} {healthz.requests_per_sec:>9.1f} "
            f"{page.requests_per_sec / healthz.requests_per_sec:>8.3f}x {empty.requests_per_sec:>8.1f} "
            f"{page.requests_per_sec / empty.requests_per_sec:>7.2f}x {page.latency_p50_ms or 0:>7.2f} "
            f"{page.latency_p99_ms or 0:>7.2f} {page.bad_responses:>7}"
        )
    for _label, *results in runs:
        for result in results:
            if result.socket_errors:
                print(f"  socket errors on {result.path}: {result.socket_errors}")
    print("  empty: the staff area's empty page (session, signed-in user, checks, layout): no page can beat it.")


# Putting it together -----------------------------------------------------------------------------------------------


def measure(url, workdir, password, seconds, wrk, targets):
    """Serve with gunicorn; wrk each page after /healthz and the empty page; return (label, healthz, empty, page)."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    log_path = Path(workdir) / "gunicorn.log"
    process = start_gunicorn(url, port, log_path, "bench.empty_pages:create_app()")
    loaded = [
        ("case list", "/staff/move-in/"),
        ("case page", f"/staff/move-in/{targets.case_id}"),
        ("board", "/staff/move-in/board"),
        ("unit's file", f"/staff/archives/{targets.unit_id}"),
        ("files", "/staff/archives/"),
    ]
    try:
        wait_until_healthy(base, process, log_path)
        print(f"gunicorn (2 workers, production config) is up on {base}")
        cookie = http_login(base, "staff", STAFF_USER, password)
        for _label, path in [("empty", STAFF_EMPTY), *loaded]:
            check_authenticated(base, path, cookie)
        print(f"Signed in as {STAFF_USER}; every loaded page answers 200.")
        runs = []
        for label, path in loaded:
            triple = []
            for run_path, run_cookie in (("/healthz", None), (STAFF_EMPTY, cookie), (path, cookie)):
                time.sleep(SETTLE_SECONDS)
                triple.append(run_wrk(wrk, base, run_path, seconds, run_cookie))
            runs.append((label, *triple))
        return runs
    finally:
        stop_gunicorn(process)


def prepare(workdir, password):
    """Create, migrate and fill the database; return (url, app, targets)."""
    url = bench_database(workdir)
    uploads = Path(workdir) / "uploads"
    uploads.mkdir()
    os.environ["UPLOAD_FOLDER"] = str(uploads)  # gunicorn inherits it

    class Config(bench_config(url)):
        """The bench config, storing files in the temporary directory."""

        UPLOAD_FOLDER = str(uploads)

    started = time.perf_counter()
    migrate(url)
    app = create_app(Config)
    with app.app_context():
        register = load_large_property(password)
        property_id = db.session.scalar(select(Property.id).order_by(Property.id).limit(1))
        targets, counts = load_move_ins(property_id, utcnow())
        db.engine.dispose()
    print(
        f"Loaded in {time.perf_counter() - started:.1f}s: {register['units']} units, {register['residents']} "
        "residents, " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )
    if counts["cases"] != CASES:
        raise BenchError(f"expected {CASES} cases, found {counts['cases']}")
    return url, app, targets


def report(pages, _pdfs, runs):
    """The statements and the load's figures (this benchmark has no PDF, and reports once, after the load)."""
    print_statements(pages)
    print_load(runs)


def main():
    """Run the whole benchmark; return the process exit code."""
    return run_page_bench(
        "movein",
        prepare=prepare,
        count_statements=count_statements,
        measure=measure,
        report=report,
    )


if __name__ == "__main__":
    sys.exit(main())
