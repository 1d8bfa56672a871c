"""Benchmark the field-work pages (areas, patrols, facility checks, incidents, alerts, incident mode) on the large
property: SQL statements per page, requests per second, and the time of each PDF.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/field_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are dropped
     first) with the Alembic migrations and the register bench's 5,000-unit property (harness.load_large_property).
  2. Add the field work. Areas for five assistants (two buildings each, one building's floors split between two
     areas, each with a deputy), 20 patrol routes of 12 checkpoints (an assistant's daily round per building and
     security's three shift rounds per zone) and 400 facilities are made through the services. The history is
     bulk-inserted (insert() of the models), as through the services it would take minutes: 90 days of rounds with
     their visits, answers, a few findings (some made tickets through raise_ticket) and a few missed windows; a
     year of facility checks; about 300 incidents over two years with their timelines and read alerts. The most
     recent items go through the services so that the pages see real shapes: yesterday's and today's rounds
     (started, scanned, signed), each facility's last check, the latest incidents (three still open, with unread
     alerts) and incident mode on for building 1, where the signed-in resident lives.
  3. Count the SQL statements of each page in-process (after a warm-up request): the console pages as `manager`, the
     assistant's area as that assistant, the phone's round list as `security`, the portal home as the resident; time
     the two PDFs (a round's 巡视记录表 and an incident's 特殊事件报告).
  4. Serve the app with gunicorn (2 workers, production settings, plus bench/empty_pages.py's empty pages) on
     127.0.0.1, sign in through the real login forms, and load each page with wrk right after /healthz and the
     area's empty page of the same run.
  5. Print the figures: statements per page, and each page's requests/s as a ratio of /healthz and of the empty
     page measured just before it. The issue sets no targets: the figures are for people to read; the exit code
     is 0 unless something broke (no wrk, a failed migration, a page that does not answer 200, ...).

Environment: BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use this database instead of a
temporary SQLite file; ALL ITS TABLES ARE DROPPED), BENCH_SKIP_LOAD=1 (stop after the statements and the PDFs).
"""

import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text, update  # noqa: E402

from app import create_app  # noqa: E402
from bench.harness import (  # noqa: E402
    RESIDENT_LOGIN,
    WRK_CONNECTIONS,
    WRK_THREADS,
    bench_config,
    bench_database,
    count_plans,
    load_large_property,
    measure_plans,
    migrate,
    run_page_bench,
    time_pdfs_of,
)
from domain.accounts.models import AccountKind, Actor, User  # noqa: E402
from domain.accounts.roles import Role  # noqa: E402
from domain.accounts.services import hash_password  # noqa: E402
from domain.alerts.models import StaffAlert  # noqa: E402
from domain.areas import services as areas  # noqa: E402
from domain.clock import local_date, start_of_local_day, utcnow  # noqa: E402
from domain.facilities import checks, register  # noqa: E402
from domain.facilities.models import CheckResult, FacilityCheck, FacilityKind  # noqa: E402
from domain.incidents import services as incidents  # noqa: E402
from domain.incidents.models import Incident, IncidentEvent, IncidentKind, IncidentStatus  # noqa: E402
from domain.incidents.notices import attach_tickets, notice_on, post_update  # noqa: E402
from domain.movein.demo import signature_data_url  # noqa: E402
from domain.patrols import rounds as patrol_rounds  # noqa: E402
from domain.patrols import routes as patrol_routes  # noqa: E402
from domain.patrols.models import PatrolFinding, PatrolRound, PatrolVisit, RoundStatus  # noqa: E402
from domain.patrols.schedule import windows_on  # noqa: E402
from domain.property.models import Building, Occupancy, Property, Resident, Unit  # noqa: E402
from domain.tickets.models import Department, TicketKind  # noqa: E402
from domain.tickets.recording import create_ticket  # noqa: E402
from extensions import db  # noqa: E402

STAFF_USER = "manager"
SECURITY_USER = "security"
#: The five assistants: the demo's two and three more made here.
ASSISTANTS = [
    ("assistant", None),
    ("assistant2", None),
    ("assistant3", "郑助理"),
    ("assistant4", "冯助理"),
    ("assistant5", "蒋助理"),
]
#: Building codes (and floors, both None for the whole building) of each assistant's area: building 10's floors are
#: split between the fourth and the fifth.
AREA_SCOPES = [
    [("1", None, None), ("2", None, None)],
    [("3", None, None), ("4", None, None)],
    [("5", None, None), ("6", None, None)],
    [("7", None, None), ("8", None, None), ("10", 13, 25)],
    [("9", None, None), ("10", 1, 12)],
]
CHECKPOINTS = 12
ASSISTANT_WINDOWS = [("08:30", "11:30")]
SECURITY_WINDOWS = [("07:00", "10:00"), ("15:00", "18:00"), ("23:00", "02:00")]
SECURITY_ZONES = ["东区", "西区", "南区", "北区", "地下车库A区", "地下车库B区", "地下车库C区", "周界", "机房", "会所"]
HISTORY_DAYS = 90
MISSED_SHARE = 0.03
FINDING_SHARE = 0.03
FACILITY_HISTORY_DAYS = 365
INCIDENTS = 300
INCIDENT_DAYS = 730
#: Incidents made through the services, newest: the first OPEN_INCIDENTS of them stay open.
SERVICE_INCIDENTS = 10
OPEN_INCIDENTS = 3
CHUNK = 5_000
#: The banner is polled by htmx; a plain GET of its address is sent to the list of alerts.
HTMX = {"HX-Request": "true"}
NOTICE_BUILDING = RESIDENT_LOGIN[3].split("-")[0]
KINDS = [kind.value for kind in IncidentKind]
FINDINGS = (
    ("照明灯不亮", TicketKind.REPAIR, Department.ENGINEERING),
    ("消防通道堆放杂物", TicketKind.COMPLAINT, Department.CUSTOMER_SERVICE),
    ("单元门闭门器漏油", TicketKind.REPAIR, Department.ENGINEERING),
)
#: The tables whose ids the bulk insert sets explicitly (PostgreSQL's sequences are moved past them afterwards).
BULK_TABLES = ("patrol_rounds", "patrol_visits", "patrol_findings", "facility_checks", "incidents", "incident_events")


@dataclass
class Targets:
    """The ids the measured pages name."""

    round_id: int
    history_before: object
    facility_id: int
    incident_id: int
    assistant: str


def _next_id(model):
    """One past the table's largest id."""
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(model, rows):
    """Bulk-insert rows in chunks; on PostgreSQL, move the table's id sequence past the ids set here, since the
    services insert more rows after them."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])
    table = model.__tablename__
    if db.engine.dialect.name == "postgresql" and table in BULK_TABLES:
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )


def _users(password):
    """{username: User} of the staff used here, making the three extra assistants."""
    for username, name in ASSISTANTS:
        if name is not None:
            db.session.add(
                User(
                    username=username,
                    display_name=name,
                    role=Role.ASSISTANT,
                    kind=AccountKind.STAFF,
                    password_hash=hash_password(password),
                )
            )
    db.session.flush()
    return {u.username: u for u in db.session.scalars(select(User).where(User.role.is_not(None)))}


# 1. Areas and routes -----------------------------------------------------------------------------------------------


def load_areas(prop, users):
    """The five areas through the services, each assistant the next one's deputy; returns them."""
    system = Actor.system("bench")
    buildings = dict(db.session.execute(select(Building.code, Building.id)).all())
    made = []
    for n, ((username, _name), scopes) in enumerate(zip(ASSISTANTS, AREA_SCOPES, strict=True)):
        deputy = ASSISTANTS[(n + 1) % len(ASSISTANTS)][0]
        area = areas.create_area(
            system,
            property_id=prop.id,
            name=f"第{n + 1}片区",
            assistant_id=users[username].id,
            deputy_id=users[deputy].id,
            desk_phone=f"024-0000 0000 转 80{n + 1}",
        )
        areas.set_scopes(system, area, [(buildings[code], f, t) for code, f, t in scopes])
        made.append(area)
    return made


def load_routes(prop, area_list, since):
    """An assistant's daily round per building and security's shift rounds per zone, 12 checkpoints each."""
    system = Actor.system("bench")
    made = []
    plan = []
    for area in area_list:
        for scope in area.scopes:
            if scope.floor_from is None:
                plan.append((f"{scope.building.code}号楼日常巡视", Role.ASSISTANT, area.id, ASSISTANT_WINDOWS))
    plan += [(f"{zone}安全巡逻", Role.SECURITY, None, SECURITY_WINDOWS) for zone in SECURITY_ZONES]
    for name, role, area_id, windows in plan:
        route = patrol_routes.save_route(
            system,
            name=name,
            role=role,
            area_id=area_id,
            description="基准测试路线",
            windows=[list(w) for w in windows],
            property_id=prop.id,
        )
        route.created_at = since
        for n in range(CHECKPOINTS):
            patrol_routes.save_checkpoint(
                system,
                route,
                name=f"{name}第{n + 1}点",
                place=f"巡视点{n + 1}",
                look_for="照明、消防、卫生",
                checklist="照明正常\n消防通道畅通\n无安全隐患",
            )
        made.append(route)
    db.session.flush()
    for route in made:
        db.session.refresh(route)
    return made


# 2. Rounds ---------------------------------------------------------------------------------------------------------


def _walker(route, users):
    """Who walks `route`: its area's assistant, or security."""
    if route.area is not None:
        return route.area.assistant
    return users[SECURITY_USER]


def bulk_rounds(rng, routes, users, today):
    """HISTORY_DAYS days of rounds before yesterday, inserted in bulk; returns how many findings became tickets."""
    rows = {PatrolRound: [], PatrolVisit: [], PatrolFinding: []}
    ids = {model: _next_id(model) for model in rows}
    ticketed = []
    for back in range(HISTORY_DAYS, 1, -1):
        day = today - timedelta(days=back)
        for route in routes:
            walker = _walker(route, users)
            points = list(route.checkpoints)
            for start, end in windows_on(route, day):
                if rng.random() < MISSED_SHARE:
                    continue
                round_id = ids[PatrolRound] + len(rows[PatrolRound])
                started = start + timedelta(minutes=rng.randint(5, 40))
                at = started
                for point in points:
                    at += timedelta(minutes=rng.randint(2, 6))
                    answers = {q: ("fault" if rng.random() < 0.01 else "ok") for q in point.checklist}
                    rows[PatrolVisit].append(
                        {
                            "id": ids[PatrolVisit] + len(rows[PatrolVisit]),
                            "round_id": round_id,
                            "checkpoint_id": point.id,
                            "scanned_at": at,
                            "received_at": at,
                            "method": "scan" if rng.random() < 0.9 else "code",
                            "answers": answers,
                            "note": "",
                        }
                    )
                finished = at + timedelta(minutes=3)
                rows[PatrolRound].append(
                    {
                        "id": round_id,
                        "property_id": route.property_id,
                        "route_id": route.id,
                        "day": day,
                        "window_start": start,
                        "window_end": end,
                        "status": RoundStatus.FINISHED,
                        "patroller_id": walker.id,
                        "started_at": started,
                        "finished_at": finished,
                        "note": "",
                    }
                )
                if rng.random() < FINDING_SHARE:
                    description, kind, department = rng.choice(FINDINGS)
                    finding_id = ids[PatrolFinding] + len(rows[PatrolFinding])
                    rows[PatrolFinding].append(
                        {
                            "id": finding_id,
                            "round_id": round_id,
                            "checkpoint_id": rng.choice(points).id,
                            "description": description,
                            "kind": kind,
                            "department": department,
                            "created_by_id": walker.id,
                            "created_at": finished - timedelta(minutes=5),
                        }
                    )
                    if kind == TicketKind.REPAIR:
                        ticketed.append((finding_id, finished))
    for model, model_rows in rows.items():
        _insert(model, model_rows)
    db.session.flush()
    system = Actor.system("bench")
    for finding_id, at in ticketed:
        patrol_rounds.raise_ticket(system, db.session.get(PatrolFinding, finding_id), now=at)
    return {"rounds": len(rows[PatrolRound]), "visits": len(rows[PatrolVisit]), "findings": len(rows[PatrolFinding])}


def _walk(route, walker, start, end, now, *, finish, points=None, finding=False):
    """One round through the services: started, its points scanned, a finding, signed when `finish`."""
    actor = Actor.for_user(walker, "bench")
    patrol_round = patrol_rounds.start_round(actor, route, start, now=min(start + timedelta(minutes=10), now))
    patrol_round = patrol_rounds.get_round(patrol_round.id, route.property_id)
    chosen = list(route.checkpoints)[:points] if points is not None else list(route.checkpoints)
    for n, point in enumerate(chosen):
        answers = {q: ("fault" if finding and n == 0 and i == 0 else "ok") for i, q in enumerate(point.checklist)}
        patrol_rounds.record_visit(
            actor,
            patrol_round,
            code=point.code,
            method="scan",
            answers=answers,
            scanned_at=min(start + timedelta(minutes=12 + 3 * n), now),
        )
    if finding:
        made = patrol_rounds.add_finding(
            actor, patrol_round, description="地下车库照明灯两盏不亮", checkpoint_id=chosen[0].id
        )
        patrol_rounds.raise_ticket(actor, made)
    if finish:
        patrol_rounds.finish_round(actor, patrol_round, signature_data_url=signature_data_url(walker.display_name))
        patrol_round.finished_at = min(start + timedelta(minutes=15 + 3 * len(chosen)), now)
    db.session.flush()
    return patrol_round


def recent_rounds(routes, users, today, now):
    """Yesterday's rounds and today's begun ones, through the services; returns a finished round with a finding."""
    shown = None
    for back in (1, 0):
        day = today - timedelta(days=back)
        for n, route in enumerate(routes):
            for start, end in windows_on(route, day):
                if start + timedelta(minutes=10) > now:
                    continue
                if back == 1 and n == 1 and start == windows_on(route, day)[0][0]:
                    continue  # a missed window yesterday, for the board
                over = end < now
                patrol_round = _walk(
                    route,
                    _walker(route, users),
                    start,
                    end,
                    now,
                    finish=over,
                    points=None if over else CHECKPOINTS // 2,
                    finding=back == 1 and n == 0,
                )
                if back == 1 and n == 0:
                    shown = patrol_round
    return shown


# 3. Facilities -----------------------------------------------------------------------------------------------------


def _facility_plan(buildings):
    """(name, kind, location, building id) of the 400 facilities: per building 4 lifts, 25 floors' fire equipment,
    5 lighting circuits and 2 doors; then pumps, CCTV and others for the whole estate."""
    plan = []
    for building in buildings:
        code = building.code
        plan += [(f"{code}号楼{n}号电梯", FacilityKind.LIFT, f"{code}号楼大堂", building.id) for n in range(1, 5)]
        plan += [(f"{code}号楼{f}层消防设施", FacilityKind.FIRE, f"{code}号楼{f}层", building.id) for f in range(1, 26)]
        plan += [(f"{code}号楼照明{n}", FacilityKind.LIGHTING, f"{code}号楼", building.id) for n in range(1, 6)]
        plan += [(f"{code}号楼单元门{n}", FacilityKind.DOOR, f"{code}号楼", building.id) for n in range(1, 3)]
    plan += [(f"生活水泵{n}", FacilityKind.PUMP, "地下一层泵房", None) for n in range(1, 11)]
    plan += [(f"监控点{n}", FacilityKind.CCTV, "监控中心", None) for n in range(1, 21)]
    plan += [(f"公共设施{n}", FacilityKind.OTHER, "小区公共区域", None) for n in range(1, 11)]
    return plan


def load_facilities(rng, prop, users, today, now):
    """The register through the services, a year of checks in bulk, and each facility's last check through
    record_check: one in ten is due today, one in ten overdue, one in twenty failed (its ticket opened)."""
    system = Actor.system("bench")
    buildings = db.session.scalars(select(Building).where(Building.property_id == prop.id).order_by(Building.id)).all()
    checkers = {
        Role.ENGINEERING: Actor.for_user(users["engineer"], "bench"),
        Role.SECURITY: Actor.for_user(users[SECURITY_USER], "bench"),
        Role.ASSISTANT: Actor.for_user(users["assistant"], "bench"),
    }
    rows, last_checks = [], []
    first_id = _next_id(FacilityCheck)
    for n, (name, kind, location, building_id) in enumerate(_facility_plan(buildings)):
        defaults = register.DEFAULTS[kind]
        interval = defaults.interval_days
        facility = register.save_facility(
            system,
            property_id=prop.id,
            name=name,
            kind=kind.value,
            location=location,
            building_id=building_id,
            checker_role="",
            contractor="沈阳奥的斯电梯维保" if defaults.contractor_asked else "",
            checklist="",
            interval_days=interval,
            first_due_on=today - timedelta(days=FACILITY_HISTORY_DAYS),
        )
        if n % 10 == 0:
            last = today - timedelta(days=interval)  # due today
        elif n % 10 == 1:
            last = today - timedelta(days=interval + rng.randint(1, 10))  # overdue
        else:
            last = today - timedelta(days=rng.randint(1, interval - 1) if interval > 1 else 0)
        day = last - timedelta(days=interval)
        while day >= facility.first_due_on:
            at = start_of_local_day(day) + timedelta(hours=9, minutes=rng.randrange(180))
            rows.append(
                {
                    "id": first_id + len(rows),
                    "facility_id": facility.id,
                    "checked_at": at,
                    "checked_on": day,
                    "checker_id": checkers[defaults.checker_role].user_id,
                    "done_by": "张师傅" if facility.contractor else "",
                    "answers": {item: checks.OK for item in facility.checklist},
                    "result": CheckResult.PASSED,
                    "note": "",
                }
            )
            day -= timedelta(days=interval)
        last_checks.append((facility, last, defaults.checker_role, n % 20 == 5))
    _insert(FacilityCheck, rows)
    db.session.flush()
    for facility, last, role, failed in last_checks:
        answers = {item: checks.OK for item in facility.checklist}
        if failed:
            answers[facility.checklist[0]] = checks.FAULT
        checks.record_check(
            checkers[role],
            facility,
            answers=answers,
            note="需要维修" if failed else "",
            done_by="刘师傅" if facility.contractor else "",
            now=min(start_of_local_day(last) + timedelta(hours=9, minutes=30), now),
        )
    db.session.flush()
    return last_checks[0][0].id, {"facilities": len(last_checks), "facility checks": len(rows) + len(last_checks)}


# 4. Incidents and incident mode ------------------------------------------------------------------------------------


def bulk_incidents(rng, prop, users, now):
    """The older incidents, all closed, with their timelines and the alerts they made (read long ago)."""
    buildings = list(db.session.scalars(select(Building.id).where(Building.property_id == prop.id)))
    manager = users[STAFF_USER]
    staff = [users[name] for name in ("security", "engineer", "frontdesk", "manager")]
    told = [users[name] for name in ("manager", "security", "engineer")]
    rows = {Incident: [], IncidentEvent: [], StaffAlert: []}
    first, first_event = _next_id(Incident), _next_id(IncidentEvent)
    count = INCIDENTS - SERVICE_INCIDENTS
    for n in range(count):
        at = now - timedelta(days=INCIDENT_DAYS * (count - n) / count + 3, minutes=rng.randrange(600))
        incident_id = first + n
        reporter = rng.choice(staff)
        closed = at + timedelta(days=1)
        kind = rng.choice(KINDS)
        rows[Incident].append(
            {
                "id": incident_id,
                "property_id": prop.id,
                "kind": IncidentKind(kind),
                "status": IncidentStatus.CLOSED,
                "occurred_at": at - timedelta(minutes=5),
                "place": f"{rng.randint(1, 10)}号楼",
                "building_id": rng.choice(buildings),
                "unit_id": None,
                "description": "基准测试事件：现场情况说明。",
                "people": "无人受伤",
                "reported_by_id": reporter.id,
                "reported_at": at,
                "outcome": "已处理完毕。",
                "cause": "设备老化。",
                "measures": "列入维保计划。",
                "closed_at": closed,
                "closed_by_id": manager.id,
            }
        )
        timeline = [("reported", reporter, "基准测试事件：现场情况说明。", 0)]
        timeline += [("action", rng.choice(staff), "到场处理。", 10 * k) for k in range(1, rng.randint(2, 5))]
        timeline += [("outcome", manager, "已处理完毕。", 240), ("closed", manager, "", 1440)]
        for action, who, body, minutes in timeline:
            rows[IncidentEvent].append(
                {
                    "id": first_event + len(rows[IncidentEvent]),
                    "incident_id": incident_id,
                    "at": at + timedelta(minutes=minutes),
                    "actor_id": who.id,
                    "actor_name": who.display_name,
                    "action": action,
                    "body": body,
                }
            )
        for user in told:
            rows[StaffAlert].append(
                {
                    "property_id": prop.id,
                    "user_id": user.id,
                    "kind": "incident",
                    "message": f"特殊事件：{kind}",
                    "subject_type": "incident",
                    "subject_id": incident_id,
                    "urgent": True,
                    "created_at": at,
                    "read_at": at + timedelta(minutes=10),
                }
            )
    for model, model_rows in rows.items():
        _insert(model, model_rows)
    db.session.flush()
    return len(rows[Incident])


def recent_incidents(rng, prop, users, now):
    """The newest incidents through the services: the oldest of them closed (their alerts read), the newest
    OPEN_INCIDENTS still open; returns the open ones, newest last."""
    buildings = dict(db.session.execute(select(Building.code, Building.id)).all())
    manager = Actor.for_user(users[STAFF_USER], "bench")
    reporters = [Actor.for_user(users[name], "bench") for name in ("security", "engineer", "frontdesk")]
    opened = []
    for n in range(SERVICE_INCIDENTS):
        left = SERVICE_INCIDENTS - n
        at = now - timedelta(hours=2 * left if left <= OPEN_INCIDENTS else 24 * left)
        reporter = reporters[n % len(reporters)]
        code = NOTICE_BUILDING if left == 1 else rng.choice(list(buildings))
        incident = incidents.report_incident(
            reporter,
            kind="water_cut" if left == 1 else rng.choice(KINDS),
            occurred_at=at - timedelta(minutes=5),
            place=f"{code}号楼",
            description="基准测试事件：现场情况说明。",
            people="住户若干",
            building_id=buildings[code],
            property_id=prop.id,
            now=at,
        )
        for k in range(3):
            incidents.add_entry(reporter, incident, kind="action", body="到场处理。", now=at + timedelta(minutes=5 + k))
        if left > OPEN_INCIDENTS:
            done = at + timedelta(hours=3)
            incidents.record_outcome(manager, incident, outcome="已处理。", cause="老化。", measures="排查。", now=done)
            incidents.close_incident(manager, incident, now=done + timedelta(hours=1))
            db.session.execute(
                update(StaffAlert)
                .where(StaffAlert.subject_type == "incident", StaffAlert.subject_id == incident.id)
                .values(read_at=at + timedelta(minutes=10))
            )
        else:
            opened.append(incident)
    return opened


def incident_mode(prop, users, incident, now):
    """Incident mode on for the newest open incident (building 1, where the signed-in resident lives): the notice,
    an update, and the resident's ticket about it attached."""
    manager = Actor.for_user(users[STAFF_USER], "bench")
    building = db.session.scalar(select(Building).where(Building.code == NOTICE_BUILDING))
    notice = notice_on(
        manager,
        incident,
        title="停水通知",
        body="1号楼生活水泵故障，全楼停水，工程部正在抢修。",
        building_ids=[building.id],
        now=now - timedelta(minutes=90),
    )
    post_update(manager, notice, body="抢修进行中，预计两小时内恢复。", now=now - timedelta(minutes=30))
    resident = db.session.execute(
        select(Resident.id, Occupancy.unit_id)
        .join(Occupancy, Occupancy.resident_id == Resident.id)
        .join(Unit, Unit.id == Occupancy.unit_id)
        .where(Resident.name == RESIDENT_LOGIN[1], Unit.building_id == building.id)
    ).first()
    ticket = create_ticket(
        Actor.system("bench"),
        property_id=prop.id,
        kind="repair",
        channel="portal",
        description="家里没有水了，什么时候能恢复？",
        category="water",
        unit_id=resident.unit_id,
        resident_id=resident.id,
        now=now - timedelta(minutes=60),
    )
    attach_tickets(manager, incident, [ticket.id], now=now - timedelta(minutes=50))


def load_field_work(prop, password, now):
    """Everything above; returns the measured pages' ids and the row counts."""
    rng = random.Random(17)
    today = local_date(now)
    users = _users(password)
    area_list = load_areas(prop, users)
    routes = load_routes(prop, area_list, start_of_local_day(today - timedelta(days=HISTORY_DAYS + 5)))
    counts = {"areas": len(area_list), "routes": len(routes)}
    counts.update(bulk_rounds(rng, routes, users, today))
    shown = recent_rounds(routes, users, today, now)
    facility_id, facility_counts = load_facilities(rng, prop, users, today, now)
    counts.update(facility_counts)
    bulk_incidents(rng, prop, users, now)
    opened = recent_incidents(rng, prop, users, now)
    incident_mode(prop, users, opened[-1], now)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    counts["rounds"] = db.session.scalar(select(func.count(PatrolRound.id)))
    counts["incidents"] = db.session.scalar(select(func.count(Incident.id)))
    counts["staff alerts"] = db.session.scalar(select(func.count(StaffAlert.id)))
    area = area_list[0]
    targets = Targets(shown.id, today - timedelta(days=30), facility_id, opened[-1].id, area.assistant.username)
    return targets, counts


# 5. Statements per page --------------------------------------------------------------------------------------------


def staff_pages(targets):
    """(label, path) of the console pages read as the manager."""
    return [
        ("areas", "/staff/areas/"),
        ("patrols (today)", "/staff/patrols/"),
        ("patrol history", f"/staff/patrols/?before={targets.history_before.isoformat()}"),
        ("a round's record", f"/staff/patrols/rounds/{targets.round_id}"),
        ("facilities", "/staff/facilities/"),
        ("a facility", f"/staff/facilities/{targets.facility_id}"),
        ("incidents", "/staff/incidents/"),
        ("an incident", f"/staff/incidents/{targets.incident_id}"),
        ("board", "/staff/board"),
        ("alert banner", "/staff/alerts/banner", HTMX),
    ]


def plans(targets):
    """(area, username, [(label, path)]) of every page measured, by who reads it."""
    return [
        ("staff", STAFF_USER, staff_pages(targets)),
        ("staff", targets.assistant, [("my area", "/staff/areas/mine")]),
        ("staff", SECURITY_USER, [("phone: today", "/staff/patrols/today")]),
        ("portal", RESIDENT_LOGIN[0], [("portal home", "/portal/")]),
    ]


def count_statements(app, password, targets):
    """The statements of one GET of each page (after a warm-up GET of the same page)."""
    return count_plans(app, password, plans(targets))


def time_pdfs(app, password, targets):
    """[(label, statements, best ms, bytes)] of the two PDFs, each made three times after a warm-up."""
    pdfs = (
        ("巡视记录表 PDF", f"/staff/patrols/rounds/{targets.round_id}.pdf"),
        ("特殊事件报告 PDF", f"/staff/incidents/{targets.incident_id}/report.pdf"),
    )
    return time_pdfs_of(app, "staff", STAFF_USER, password, pdfs)


# 6. The report -----------------------------------------------------------------------------------------------------


def print_statements(pages, pdfs):
    """Statements per page, the statements of any page that repeats a query shape, and the PDFs' times."""
    print("\nSQL statements per page (in-process, after a warm-up request)")
    print(f"  {'page':<18} {'path':<44} {'stmts':>5} {'ms':>8}")
    for page in pages:
        print(f"  {page.label:<18} {page.path:<44} {len(page.statements):>5} {page.millis:>8.1f}")
    for page in pages:
        shapes = {}
        for statement in page.statements:
            shapes[statement[:120]] = shapes.get(statement[:120], 0) + 1
        repeated = {shape: n for shape, n in shapes.items() if n >= 3}
        if repeated:
            print(f"  {page.label}: the same statement repeated (a query per row?):")
            for shape, n in repeated.items():
                print(f"    {n:>3} x {shape}...")
    print("\nPDFs (in-process, best of three after a warm-up; no wrk)")
    for label, statements, millis, size in pdfs:
        print(f"  {label:<18} {millis:>8.1f} ms  {statements:>3} statements  {size:,} bytes")


def print_load(runs):
    """Each page's requests/s against /healthz and the area's empty page of its own run."""
    print(f"\nThroughput (wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}; each page after its own /healthz and empty page)")
    print(
        f"  {'page':<18} {'req/s':>8} {'/healthz':>9} {'x healthz':>9} {'empty':>8} {'x empty':>8} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'non-2xx':>7}"
    )
    for label, healthz, empty, page in runs:
        print(
            f"  {label:<18} {page.requests_per_sec:>8.1f} {healthz.requests_per_sec:>9.1f} "
            f"{page.requests_per_sec / healthz.requests_per_sec:>8.3f}x {empty.requests_per_sec:>8.1f} "
            f"{page.requests_per_sec / empty.requests_per_sec:>7.2f}x {page.latency_p50_ms or 0:>7.2f} "
            f"{page.latency_p99_ms or 0:>7.2f} {page.bad_responses:>7}"
        )
    for _label, *results in runs:
        for result in results:
            if result.socket_errors:
                print(f"  socket errors on {result.path}: {result.socket_errors}")
    print("  empty: the area's empty page (session, signed-in user, checks, layout) as the same reader.")


# Putting it together -----------------------------------------------------------------------------------------------


def measure(url, workdir, password, seconds, wrk, targets):
    """Serve with gunicorn; wrk each page after /healthz and its area's empty page; return the runs."""
    return measure_plans(url, workdir, password, seconds, wrk, plans(targets))


def prepare(workdir, password):
    """Create, migrate and fill the database; return (url, app, targets)."""
    url = bench_database(workdir)
    uploads = Path(workdir) / "uploads"
    uploads.mkdir()
    os.environ["UPLOAD_FOLDER"] = str(uploads)  # gunicorn inherits it

    class Config(bench_config(url)):
        """The bench config, storing files (the rounds' signatures) in the temporary directory."""

        UPLOAD_FOLDER = str(uploads)

    started = time.perf_counter()
    migrate(url)
    app = create_app(Config)
    with app.app_context():
        register_counts = load_large_property(password)
        prop = db.session.scalar(select(Property).order_by(Property.id).limit(1))
        targets, counts = load_field_work(prop, password, utcnow())
        db.engine.dispose()
    print(
        f"Loaded in {time.perf_counter() - started:.1f}s: {register_counts['units']} units, "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )
    return url, app, targets


def report(pages, pdfs, runs):
    """The statements and PDF times, and the load's figures once measured."""
    print_statements(pages, pdfs)
    if runs is not None:
        print_load(runs)


def main():
    """Run the whole benchmark; return the process exit code."""
    return run_page_bench(
        "field",
        prepare=prepare,
        count_statements=count_statements,
        time_pdfs=time_pdfs,
        measure=measure,
        report=report,
    )


if __name__ == "__main__":
    sys.exit(main())
