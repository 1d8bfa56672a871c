"""Benchmark the violation (违章) and vacant-unit (空置房) pages on the large property: SQL statements per page,
requests per second, and the time of a violation notice's PDF.

Run from the repository root with the project's virtualenv:

    .venv/bin/python bench/violations_bench.py

Steps:
  1. Build a throw-away database (SQLite in a temporary directory, or BENCH_DATABASE_URL, whose tables are dropped
     first) with the Alembic migrations and the register bench's 5,000-unit property (harness.load_large_property).
  2. Add the violations. Eight kinds (the demo's five and three more) are made through the services, with the fee
     schedule's fine charge. Two years of violations (about 3,000, in units and in public places, a third of them
     in a few dozen habitual units) are bulk-inserted (insert() of the models) with their notices as sent, their
     timelines and some residents' answers: each one's story (checks, written notice, rectification order,
     referral, extension, rectified or withdrawn) is played out by one simulation, so most old ones are closed and
     the recent ones open. The newest few replay the same kind of story through the services, and the signed-in
     resident's unit (1-1201) gets three violations through them: one with a written notice and their answer.
  3. Add the vacant units. 300 of the units the register marks vacant are registered through the services, with
     their key sets; up to a year of weekly checks, each with the key's take-out and return, and the agents'
     viewings are bulk-inserted; each unit's latest check goes through the services (one in twenty failed, its
     repair ticket opened), and so do the latest key movements: keys out now, one of them overdue. The signed-in
     resident also owns a second unit, vacant while they are away, so the portal's notices show its checks.
  4. Count the SQL statements of each page in-process (after a warm-up request): the console pages as `manager`,
     the portal pages as the resident; time the staff PDF of the resident's violation's latest notice.
  5. Serve the app with gunicorn (2 workers, production settings, plus bench/empty_pages.py's empty pages) on
     127.0.0.1, sign in through the real login forms, and load each page with wrk right after /healthz and the
     area's empty page of the same run.
  6. Print the figures: statements per page, the PDF's time, and each page's requests/s as a ratio of /healthz and
     of the empty page measured just before it. There are no targets: the figures are for people to read; the exit
     code is 0 unless something broke (no wrk, a failed migration, a page that does not answer 200, ...).

Environment: BENCH_SECONDS (wrk duration per run, default 10), BENCH_DATABASE_URL (use this database instead of a
temporary SQLite file; ALL ITS TABLES ARE DROPPED), BENCH_SKIP_LOAD=1 (stop after the statements and the PDF).
"""

import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

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
from domain.clock import local_date, start_of_local_day, utcnow  # noqa: E402
from domain.facilities.models import CheckResult  # noqa: E402
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus  # noqa: E402
from domain.property.units import UNIT_LABEL  # noqa: E402
from domain.tickets.models import Ticket  # noqa: E402
from domain.vacant import checks as vacant_checks  # noqa: E402
from domain.vacant import keys as vacant_keys  # noqa: E402
from domain.vacant import register as vacant_register  # noqa: E402
from domain.vacant.checklist import DEFAULT_ITEMS, split_items  # noqa: E402
from domain.vacant.models import ConsentBy, KeyMovement, Taker, VacantCheck, VacantKey, VacantUnit  # noqa: E402
from domain.violations import replies, services  # noqa: E402
from domain.violations.demo import KINDS as DEMO_KINDS  # noqa: E402
from domain.violations.demo import create_kinds  # noqa: E402
from domain.violations.models import (  # noqa: E402
    OPEN_STAGES,
    Stage,
    Violation,
    ViolationEvent,
    ViolationNotice,
    ViolationReply,
)
from domain.violations.notices import fill, notice_values, template_for  # noqa: E402
from domain.violations.workflow import NEXT_STEP  # noqa: E402
from extensions import db  # noqa: E402

STAFF_USER = "manager"
#: The demo's five kinds and three more, each with its share of the violations and where it is usually found:
#: "unit" (in the unit), "corridor" (its floor's corridor, the unit nearest), or a public place of its building,
#: with the unit nearest known in that share of cases.
MORE_KINDS = [
    (
        "私拉电线充电",
        "《管理规约》第十三条：不得私拉电线为电动车充电，不得在楼道内停放电动车充电",
        "reminded",
        0,
        1,
        3,
        "fire",
        None,
    ),
    ("违规张贴广告", "《管理规约》第十一条：不得在公共部位擅自张贴、涂写、刻画", "reminded", 1, 3, 7, "urban", None),
    ("毁坏公共绿地", "《管理规约》第十条：不得占用、损坏公共绿地及其设施", "reminded", 1, 3, 7, "urban", None),
]
KIND_PLACES = {
    "楼道堆放杂物": (30, "corridor", 1.0),
    "占用消防通道停车": (15, "{b}号楼北侧消防通道", 0.5),
    "违章搭建": (5, "unit", 1.0),
    "饲养宠物扰民": (12, "中心花园", 0.8),
    "高空抛物": (3, "unit", 1.0),
    "私拉电线充电": (15, "corridor", 1.0),
    "违规张贴广告": (12, "{b}号楼电梯厅", 0.1),
    "毁坏公共绿地": (8, "{b}号楼南侧绿地", 0.6),
}
SEEN = {
    "楼道堆放杂物": ["楼道内堆放纸箱和旧家具，占用一半通道", "消防楼梯间堆放装修材料", "楼道内放置鞋柜和杂物"],
    "占用消防通道停车": ["白色轿车停在消防通道内", "黑色SUV连续两天停在消防登高场地", "面包车占用消防通道卸货后未驶离"],
    "违章搭建": ["露台搭建彩钢板房约10平方米", "阳台外侧加装铁笼", "入户花园封闭改建为房间"],
    "饲养宠物扰民": ["遛狗未牵绳，狗追逐儿童", "犬只夜间持续吠叫，邻居投诉", "宠物在草坪便溺未清理"],
    "高空抛物": ["监控显示从高层抛下装有垃圾的塑料袋", "阳台掉落花盆，险些砸中行人"],
    "私拉电线充电": ["从窗口拉线为楼下电动车充电", "楼道内电动车充电，电线横穿走廊"],
    "违规张贴广告": ["电梯厅墙面张贴装修广告", "单元门上张贴租房小广告"],
    "毁坏公共绿地": ["在绿地内种菜并围栏", "绿地内堆放建筑垃圾"],
}
CHECK_NOTES = {
    True: ["已整改完毕", "现场已清理", "业主已自行拆除", "复查无异常"],
    False: ["仍未整改", "业主称过几天处理", "现场情况未变", "联系业主未果"],
}
WITHDRAW_REASONS = ["经核实不属业主违章", "物品为保洁公司工具，已安排移走", "重复登记"]
EXTEND_REASONS = ["业主申请延期，已同意", "需等待施工队进场拆除"]
REPLY_TEXTS = ["已经清理了，请复查。", "周末会找人处理。", "不是我家的东西，请核实。", "已拆除，附照片。"]
REFERRED_TO = {
    "urban": "和平区城管执法中队 李队长",
    "fire": "和平区消防救援大队 王警官",
    "police": "南市场派出所 赵警官",
}

VIOLATIONS = 3000
VIOLATION_DAYS = 730
#: The newest violations, recorded over the last RECENT_DAYS days through the services (the resident's three apart).
SERVICE_VIOLATIONS = 30
RECENT_DAYS = 10
HABITUAL_UNITS = 60
HABITUAL_SHARE = 0.3
WITHDRAWN_SHARE = 0.07
FORGOTTEN_SHARE = 0.03
EXTEND_SHARE = 0.12
REPLY_SHARE = 0.12

VACANT_UNITS = 300
VACANT_FAILED_EVERY = 20
VIEWING_EVERY_WEEKS = 6
CHUNK = 5_000
#: The tables whose ids the bulk insert sets explicitly (PostgreSQL's sequences are moved past them afterwards).
BULK_TABLES = (
    "violations",
    "violation_notices",
    "violation_events",
    "violation_replies",
    "vacant_checks",
    "vacant_key_movements",
)


@dataclass
class Targets:
    """The ids the measured pages name."""

    violation_id: int
    notice_id: int
    kind_id: int
    month: str
    vacant_id: int


@dataclass
class Step:
    """One step of a violation's story: the action (as its timeline names it), when, by whom (a staff username; None
    for the resident's answer), its note, and the stage and deadline after it."""

    action: str
    at: object
    who: str | None
    body: str
    stage: Stage
    deadline: date | None


def _next_id(model):
    """One past the table's largest id."""
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(model, rows):
    """Bulk-insert rows in chunks; on PostgreSQL, move the table's id sequence past the ids set here, since the
    services insert more rows after them."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])
    table = model.__tablename__
    if rows and db.engine.dialect.name == "postgresql" and table in BULK_TABLES:
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )


def _actors():
    """{username: Actor} of the demo staff."""
    users = db.session.scalars(select(User).where(User.role.is_not(None))).all()
    return {user.username: Actor.for_user(user, "bench") for user in users}


def _working_hours(day, rng):
    """A moment of `day` between 09:00 and 17:00 at the property."""
    return start_of_local_day(day) + timedelta(hours=rng.randint(9, 16), minutes=rng.randrange(60))


# 1. Violation kinds and where they are found -----------------------------------------------------------------------


def load_kinds(prop):
    """The eight kinds through the services (the demo's five and three more), the fine charge made for the ones that
    allow fines; {name: kind}."""
    return create_kinds(prop, [*DEMO_KINDS, *MORE_KINDS], Actor.system("bench"))


def _units(prop):
    """[(id, label, code (its building's), floor, status)] of the property's units, by label."""
    return db.session.execute(
        select(Unit.id, UNIT_LABEL.label("label"), Building.code, Unit.floor, Unit.status)
        .join(Building, Unit.building_id == Building.id)
        .where(Building.property_id == prop.id)
        .order_by(Building.code, Unit.floor, Unit.number)
    ).all()


def _where(rng, name, occupied, habitual):
    """(unit row or None, public place) of one violation of kind `name`."""
    _share, place, with_unit = KIND_PLACES[name]
    unit = rng.choice(habitual) if rng.random() < HABITUAL_SHARE else rng.choice(occupied)
    if place == "unit":
        return unit, ""
    if place == "corridor":
        return unit, f"{unit.code}号楼{unit.floor}层楼道"
    return (unit if rng.random() < with_unit else None), place.format(b=unit.code)


# 2. A violation's story --------------------------------------------------------------------------------------------


def story(rng, kind, recorded_at, cutoff, *, can_reply):
    """The steps after a violation is recorded, up to its end or `cutoff`: a follow-up check the day after each
    deadline (a few weeks after a referral), which finds it put right, or not (then the next notice or, now and
    then, a later deadline); a few are withdrawn at the first check and a few forgotten, left open past their
    deadline. `can_reply`: the unit has residents, one of whom may answer a notice."""
    stage = kind.first_stage
    deadline = local_date(recorded_at) + timedelta(days=services.stage_days(kind, stage))
    steps, last, checks, replied = [], recorded_at, 0, not can_reply
    while True:
        if stage == Stage.REFERRED:
            at = last + timedelta(days=rng.randint(14, 60), hours=rng.randint(0, 5))
        else:
            at = _working_hours(deadline + timedelta(days=1), rng)
        if not replied and rng.random() < REPLY_SHARE:
            replied = True
            answered = last + (at - last) * rng.uniform(0.2, 0.8)
            if answered < cutoff:
                steps.append(Step("replied", answered, None, rng.choice(REPLY_TEXTS), stage, deadline))
        if at > cutoff:
            return steps
        checks += 1
        checker = rng.choice(("security", "assistant"))
        if checks == 1 and rng.random() < WITHDRAWN_SHARE:
            steps.append(Step("withdraw", at, "manager", rng.choice(WITHDRAW_REASONS), Stage.WITHDRAWN, deadline))
            return steps
        if rng.random() < FORGOTTEN_SHARE or checks > 8:
            return steps
        if rng.random() < (0.4 if stage == Stage.REFERRED else 0.65):
            steps.append(Step("rectified", at, checker, rng.choice(CHECK_NOTES[True]), Stage.RECTIFIED, deadline))
            return steps
        steps.append(Step("not_rectified", at, checker, rng.choice(CHECK_NOTES[False]), stage, deadline))
        last = at + timedelta(minutes=30)
        if stage == Stage.REFERRED:
            continue
        if rng.random() < EXTEND_SHARE:
            deadline = local_date(last) + timedelta(days=services.stage_days(kind, stage))
            steps.append(Step("extend", last, "assistant", rng.choice(EXTEND_REASONS), stage, deadline))
            continue
        action = NEXT_STEP[stage]
        if action == "refer":
            stage = Stage.REFERRED
            steps.append(Step("refer", last, "manager", REFERRED_TO[kind.authority.value], stage, deadline))
            continue
        stage = Stage.NOTICED if action == "issue_notice" else Stage.ORDERED
        deadline = local_date(last) + timedelta(days=services.stage_days(kind, stage))
        steps.append(Step(action, last, "assistant" if action == "issue_notice" else "manager", "", stage, deadline))


# 3. Two years of violations in bulk --------------------------------------------------------------------------------


class _Rows:
    """The rows of the bulk-inserted violations, with their next ids."""

    def __init__(self):
        """Empty lists, ids after the tables' largest."""
        self.models = (Violation, ViolationNotice, ViolationEvent, ViolationReply)
        self.rows = {model: [] for model in self.models}
        self.first = {model: _next_id(model) for model in self.models}

    def add(self, model, row):
        """Append a row with the next id of its table; return the id."""
        row["id"] = self.first[model] + len(self.rows[model])
        self.rows[model].append(row)
        return row["id"]

    def insert(self):
        """Insert them all, parents first."""
        for model in self.models:
            _insert(model, self.rows[model])


def _bulk_violation(rows, kind, unit, place, seen, recorded_at, recorder, steps, resident, users, prop_name):
    """The rows of one violation told by `steps`: the violation as it ends up, its notices (each stage's template
    filled in as it was sent), its timeline and the resident's answer."""
    first = kind.first_stage
    violation_id = rows.first[Violation] + len(rows.rows[Violation])
    facts = SimpleNamespace(
        unit_id=unit.id if unit else None,
        place=place,
        kind=kind,
        seen=seen,
        recorded_at=recorded_at,
        deadline=local_date(recorded_at) + timedelta(days=services.stage_days(kind, first)),
        authority=None,
    )

    def notice(stage, at, who):
        title, body = template_for(kind, stage)
        return rows.add(
            ViolationNotice,
            {
                "violation_id": violation_id,
                "stage": stage,
                "title": title,
                "body": fill(body, notice_values(facts, prop_name=prop_name)),
                "rule": kind.rule,
                "deadline": facts.deadline if stage != Stage.REFERRED else None,
                "sent_at": at,
                "sent_by_id": users[who].id,
            },
        )

    def entry(action, at, who, body="", data=None):
        rows.add(
            ViolationEvent,
            {
                "violation_id": violation_id,
                "at": at,
                "actor_id": users[who].id if who else None,
                "actor_name": users[who].display_name if who else resident[1],
                "action": action,
                "body": body,
                "data": data,
            },
        )

    row = {
        "property_id": kind.property_id,
        "kind_id": kind.id,
        "unit_id": facts.unit_id,
        "place": place,
        "seen": seen,
        "recorded_by_id": users[recorder].id,
        "recorded_at": recorded_at,
        "authority": None,
        "referred_to": "",
        "referred_at": None,
        "closed_at": None,
        "stage": steps[-1].stage if steps else first,
        "deadline": steps[-1].deadline if steps else facts.deadline,
    }
    rows.add(Violation, row)
    entry("recorded", recorded_at, recorder, seen, {"stage": first.value, "photo_ids": []})
    notice(first, recorded_at, recorder)
    for step in steps:
        if step.action in ("issue_notice", "issue_order"):
            facts.deadline = step.deadline
            made = notice(step.stage, step.at, step.who)
            entry(step.action, step.at, step.who, "", {"deadline": step.deadline.isoformat(), "notice_id": made})
        elif step.action == "refer":
            facts.authority = kind.authority
            made = notice(Stage.REFERRED, step.at, step.who)
            data = {"authority": kind.authority.value, "at": step.at.isoformat(), "notice_id": made}
            entry("refer", step.at, step.who, step.body, data)
            row.update(authority=kind.authority, referred_to=step.body, referred_at=step.at)
        elif step.action == "extend":
            data = {"from": facts.deadline.isoformat(), "deadline": step.deadline.isoformat()}
            facts.deadline = step.deadline
            entry("extend", step.at, step.who, step.body, data)
        elif step.action == "replied":
            reply_id = rows.add(
                ViolationReply,
                {"violation_id": violation_id, "resident_id": resident[0], "body": step.body, "created_at": step.at},
            )
            entry("replied", step.at, None, step.body, {"reply_id": reply_id, "reply_photo_ids": []})
        else:  # rectified, not_rectified, withdraw
            entry(step.action, step.at, step.who, step.body)
        if step.stage in (Stage.RECTIFIED, Stage.WITHDRAWN):
            row["closed_at"] = step.at


def bulk_violations(rng, prop, kinds, users, now):
    """The history: VIOLATIONS - SERVICE_VIOLATIONS violations over two years up to RECENT_DAYS ago, their stories
    played out up to yesterday; returns the units the services use for the newest ones and how many were made."""
    units = _units(prop)
    occupied = [u for u in units if u.status == UnitStatus.OCCUPIED]
    habitual = rng.sample(occupied, HABITUAL_UNITS)
    residents = {}
    for unit_id, resident_id, name in db.session.execute(
        select(Occupancy.unit_id, Resident.id, Resident.name)
        .join(Resident, Occupancy.resident_id == Resident.id)
        .order_by(Occupancy.id)
    ):
        residents.setdefault(unit_id, (resident_id, name))
    names = list(kinds)
    weights = [KIND_PLACES[name][0] for name in names]
    recorders = ("security", "security", "assistant", "frontdesk", "manager")
    cutoff = now - timedelta(days=1)
    rows = _Rows()
    count = VIOLATIONS - SERVICE_VIOLATIONS - 3
    span = timedelta(days=VIOLATION_DAYS - RECENT_DAYS)
    for n in range(count):
        recorded_at = now - timedelta(days=RECENT_DAYS) - span * (count - n) / count
        recorded_at = _working_hours(local_date(recorded_at), rng)
        kind = kinds[rng.choices(names, weights)[0]]
        unit, place = _where(rng, kind.name, occupied, habitual)
        resident = residents.get(unit.id) if unit else None
        steps = story(rng, kind, recorded_at, cutoff, can_reply=resident is not None)
        seen = rng.choice(SEEN[kind.name])
        _bulk_violation(
            rows, kind, unit, place, seen, recorded_at, rng.choice(recorders), steps, resident, users, prop.name
        )
    rows.insert()
    db.session.flush()
    return occupied, habitual, {model.__tablename__: len(r) for model, r in rows.rows.items()}


# 4. The newest violations through the services ---------------------------------------------------------------------


def replay(actors, prop, kind, unit, place, seen, recorded_at, recorder, steps):
    """One violation recorded and taken through its steps by the services (the residents' answers left out: they
    have no portal account); a rectified one of a kind that allows fines is fined. Returns the Violation."""
    violation = services.record_violation(
        actors[recorder],
        kind_id=kind.id,
        seen=seen,
        unit_label=unit.label if unit else "",
        place=place,
        property_id=prop.id,
        now=recorded_at,
    )
    for step in steps:
        actor = actors.get(step.who)
        if step.action == "issue_notice":
            services.issue_notice(actor, violation, now=step.at)
        elif step.action == "issue_order":
            services.issue_order(actor, violation, now=step.at)
        elif step.action == "refer":
            services.refer(actor, violation, authority=kind.authority.value, referred_to=step.body, now=step.at)
        elif step.action in ("rectified", "not_rectified"):
            services.record_check(actor, violation, rectified=step.action == "rectified", note=step.body, now=step.at)
        elif step.action == "extend":
            services.extend_deadline(
                actor, violation, days=services.stage_days(kind, step.stage), reason=step.body, now=step.at
            )
        elif step.action == "withdraw":
            services.withdraw(actor, violation, reason=step.body, now=step.at)
    if violation.stage == Stage.RECTIFIED and kind.fine_allowed and violation.unit_id:
        services.record_fine(actors["manager"], violation, amount_fen=20000, note="首次", now=steps[-1].at)
    return violation


def recent_violations(rng, prop, kinds, actors, occupied, habitual, now):
    """The newest SERVICE_VIOLATIONS violations over the last RECENT_DAYS days, through the services."""
    names = list(kinds)
    cutoff = now - timedelta(minutes=5)
    for n in range(SERVICE_VIOLATIONS):
        recorded_at = now - timedelta(days=RECENT_DAYS) * (SERVICE_VIOLATIONS - n) / SERVICE_VIOLATIONS
        kind = kinds[names[n % len(names)]]
        unit, place = _where(rng, kind.name, occupied, habitual)
        steps = story(rng, kind, recorded_at, cutoff, can_reply=False)
        recorder = rng.choice(("security", "assistant", "frontdesk"))
        replay(actors, prop, kind, unit, place, rng.choice(SEEN[kind.name]), recorded_at, recorder, steps)


def residents_violations(prop, kinds, actors, resident, now):
    """The signed-in resident's unit's three violations through the services: a corridor blocked, checked not put
    right, then a written notice they answered; a dog off the lead yesterday (a reminder); a shed on the terrace
    put right after its notice. Returns the first."""
    label = RESIDENT_LOGIN[3]

    def record(by, kind, days, seen, place=""):
        return services.record_violation(
            actors[by],
            kind_id=kinds[kind].id,
            seen=seen,
            unit_label=label,
            place=place,
            property_id=prop.id,
            now=now - timedelta(days=days),
        )

    corridor = record("assistant", "楼道堆放杂物", 6, "12层电梯厅旁堆放纸箱和旧沙发，堵住一半通道", "1号楼12层电梯厅")
    services.record_check(actors["security"], corridor, rectified=False, note="纸箱仍在", now=now - timedelta(days=4))
    services.issue_notice(actors["assistant"], corridor, now=now - timedelta(days=4, minutes=-30))
    replies.reply(
        Actor.for_user(resident.user, "bench"),
        resident.id,
        corridor,
        body="沙发周末会找人搬走，纸箱今天清理。",
        now=now - timedelta(days=1),
    )
    record("frontdesk", "饲养宠物扰民", 1, "业主遛狗未牵绳，狗在儿童游乐区追逐儿童", "中心花园儿童游乐区")
    shed = record("assistant", "违章搭建", 9, "顶层露台搭建彩钢板房约12平方米")
    services.record_check(actors["security"], shed, rectified=True, note="已拆除", now=now - timedelta(days=1))
    return corridor


def load_violations(prop, now):
    """Kinds, history, the newest violations and the resident's; returns (the resident's violation, the most used
    kind's id, row counts)."""
    rng = random.Random(23)
    kinds = load_kinds(prop)
    users = {user.username: user for user in db.session.scalars(select(User).where(User.role.is_not(None)))}
    occupied, habitual, counts = bulk_violations(rng, prop, kinds, users, now)
    actors = _actors()
    recent_violations(rng, prop, kinds, actors, occupied, habitual, now)
    resident = db.session.scalar(select(Resident).join(User).where(User.username == RESIDENT_LOGIN[0]))
    shown = residents_violations(prop, kinds, actors, resident, now)
    db.session.flush()
    counts = {
        "violations": db.session.scalar(select(func.count(Violation.id))),
        "open violations": db.session.scalar(select(func.count(Violation.id)).where(Violation.stage.in_(OPEN_STAGES))),
        "violation notices": db.session.scalar(select(func.count(ViolationNotice.id))),
        "violation events": db.session.scalar(select(func.count(ViolationEvent.id))),
        "residents' answers": db.session.scalar(select(func.count(ViolationReply.id))),
        "fines": db.session.scalar(select(func.count(Violation.id)).where(Violation.fine_fen.is_not(None))),
    }
    return shown, kinds["楼道堆放杂物"].id, counts


# 5. Vacant units ---------------------------------------------------------------------------------------------------


def _last_offset(rng):
    """Days since a unit's latest check: mostly within the week, one in ten due today, one in eight overdue by one
    to two weeks, a few never checked (None: registered three days ago)."""
    draw = rng.random()
    if draw < 0.03:
        return None
    if draw < 0.13:
        return 7
    if draw < 0.25:
        return rng.randint(8, 21)
    return rng.randint(1, 6)


def _residents_vacant_unit(resident, units):
    """The unit the signed-in resident owns and keeps empty while away: building 1's vacant unit nearest their
    home's floor, the resident its owner since 2019 (the register still marks it vacant)."""
    home = next(u for u in units if u.label == RESIDENT_LOGIN[3])
    vacant = [u for u in units if u.code == home.code and u.status == UnitStatus.VACANT]
    unit = min(vacant, key=lambda u: (abs(u.floor - home.floor), u.label))
    db.session.add(Occupancy(unit_id=unit.id, resident=resident, relation=Relation.OWNER, start_date=date(2019, 5, 1)))
    return unit


def _movement(key_id, taken_at, hours, *, taker, name, purpose, clerk, phone="", consent=False, taker_user=None):
    """One returned take-out of a key set, as a row."""
    return {
        "key_id": key_id,
        "taker": taker,
        "taker_user_id": taker_user,
        "taker_name": name,
        "taker_phone": phone,
        "purpose": purpose,
        "taken_at": taken_at,
        "due_back_at": taken_at + timedelta(hours=hours),
        "consent_from": "业主" if consent else "",
        "consent_by": ConsentBy.PHONE if consent else None,
        "handed_out_by_id": clerk,
        "returned_at": taken_at + timedelta(hours=hours * 0.6),
        "taken_back_by_id": clerk,
        "return_note": "钥匙齐全",
    }


def load_vacant(prop, now):
    """VACANT_UNITS units registered with their keys through the services, the history of checks and key movements
    in bulk, each unit's latest check and the latest movements through the services; returns (the resident's vacant
    record's id, row counts)."""
    rng = random.Random(29)
    today = local_date(now)
    system = Actor.system("bench")
    actors = _actors()
    desk, manager, assistant = actors["frontdesk"], actors["manager"], actors["assistant"]
    resident = db.session.scalar(select(Resident).join(User).where(User.username == RESIDENT_LOGIN[0]))
    units = _units(prop)
    own = _residents_vacant_unit(resident, units)
    vacant = [u for u in units if u.status == UnitStatus.VACANT and u.id != own.id]
    chosen = [own, *rng.sample(vacant, VACANT_UNITS - 1)]
    items, meters = split_items(DEFAULT_ITEMS)
    checks, movements, latest = [], [], []
    first_check = _next_id(VacantCheck)
    for n, unit in enumerate(chosen):
        mine = unit.id == own.id
        reason = "owner_away" if mine else rng.choice(("unsold", "unsold", "owner_away", "between_tenants"))
        record = vacant_register.register_vacant_unit(
            system,
            property_id=prop.id,
            unit_id=unit.id,
            reason=reason,
            vacant_since=today - timedelta(days=30),
            interval_days="7",
            water="off",
            power="on" if n % 9 == 0 else "off",
            note="业主长期在外地工作，冰箱需通电。" if mine else "",
        )
        if mine:
            own_record = record
        offset = 3 if mine else _last_offset(rng)
        weeks = 52 if mine else rng.randint(26, 52)
        record.registered_on = today - timedelta(days=3 if offset is None else offset + 7 * weeks)
        record.vacant_since = record.registered_on - timedelta(days=rng.randrange(0, 200))
        key = vacant_keys.add_key(desk, record, tag=f"K-{unit.label}", count=str(2 + n % 2))
        if n % 3 == 0:
            vacant_keys.add_key(desk, record, tag=f"C-{unit.label}", count="1", note="门禁卡")
        if offset is None:
            continue
        reading = {meter: float(rng.randrange(100, 3000)) for meter in meters}
        for week in range(weeks, 0, -1):
            day = today - timedelta(days=offset + 7 * week)
            at = _working_hours(day, rng)
            checks.append(
                {
                    "id": first_check + len(checks),
                    "vacant_unit_id": record.id,
                    "checked_at": at,
                    "checked_on": day,
                    "checker_id": assistant.user_id,
                    "answers": {item: vacant_checks.OK for item in items},
                    "readings": {meter: f"{value:.1f}" for meter, value in reading.items()},
                    "water": record.water,
                    "power": record.power,
                    "result": CheckResult.PASSED,
                    "note": "",
                }
            )
            reading = {meter: value + (0.3 if "水" in meter else 1.6) for meter, value in reading.items()}
            movements.append(
                _movement(
                    key.id,
                    at - timedelta(minutes=30),
                    3,
                    taker=Taker.STAFF,
                    name=assistant.name,
                    purpose="例行检查",
                    clerk=desk.user_id,
                    taker_user=assistant.user_id,
                )
            )
            if reason != "owner_away" and week % VIEWING_EVERY_WEEKS == 0:
                movements.append(
                    _movement(
                        key.id,
                        at + timedelta(days=2, hours=5),
                        4,
                        taker=Taker.AGENT,
                        name="链家地产 张经纪",
                        purpose="带客看房",
                        clerk=desk.user_id,
                        phone="13904001234",
                        consent=True,
                    )
                )
        latest.append((record, key, today - timedelta(days=offset), reading, n))
    _insert(VacantCheck, checks)
    first_movement = _next_id(KeyMovement)
    for n, row in enumerate(movements):
        row["id"] = first_movement + n
    _insert(KeyMovement, movements)
    db.session.flush()
    for record, key, day, reading, n in latest:
        at = min(_working_hours(day, rng), now - timedelta(hours=1))
        if day >= today - timedelta(days=2):
            vacant_keys.take_out_key(
                desk,
                key,
                taker="staff",
                taker_name=manager.name,
                purpose="例行检查",
                due_back_at=at + timedelta(hours=2),
                now=at - timedelta(minutes=30),
            )
            vacant_keys.return_key(desk, key, note="钥匙齐全", now=min(at + timedelta(minutes=40), now))
        answers = {item: vacant_checks.OK for item in items}
        failed = n % VACANT_FAILED_EVERY == 7
        if failed:
            answers["无渗漏水"] = vacant_checks.FAULT
        vacant_checks.record_check(
            manager,
            record,
            answers=answers,
            readings={meter: f"{value:.1f}" for meter, value in reading.items()},
            note="卫生间吊顶有水渍，疑楼上渗漏。" if failed else "",
            now=at,
        )
    _keys_out(latest, desk, manager, now, today)
    db.session.flush()
    counts = {
        "vacant units": db.session.scalar(select(func.count(VacantUnit.id))),
        "key sets": db.session.scalar(select(func.count(VacantKey.id))),
        "key movements": db.session.scalar(select(func.count(KeyMovement.id))),
        "keys out": db.session.scalar(select(func.count(KeyMovement.id)).where(KeyMovement.returned_at.is_(None))),
        "vacant checks": db.session.scalar(select(func.count(VacantCheck.id))),
        "failed-check tickets": db.session.scalar(
            select(func.count(Ticket.id)).where(Ticket.id.in_(select(VacantCheck.ticket_id)))
        ),
    }
    return own_record.id, counts


def _keys_out(latest, desk, manager, now, today):
    """The keys out now, through the services: an agent's since yesterday afternoon (overdue), a contractor's with
    the owner's consent (due back tomorrow) and one with the manager for a check (due back in two hours)."""
    keys = [key for _record, key, day, _reading, _n in latest[1:] if day < today - timedelta(days=2)]
    yesterday = start_of_local_day(today - timedelta(days=1)) + timedelta(hours=14)
    vacant_keys.take_out_key(
        desk,
        keys[10],
        taker="agent",
        taker_name="链家地产 张经纪",
        taker_phone="13904001234",
        purpose="带客看房",
        due_back_at=yesterday + timedelta(hours=4),
        consent_from="业主 刘先生",
        consent_by="phone",
        now=yesterday,
    )
    vacant_keys.take_out_key(
        desk,
        keys[20],
        taker="contractor",
        taker_name="沈阳鑫达防水 王师傅",
        taker_phone="13998765432",
        purpose="卫生间防水维修",
        due_back_at=now + timedelta(days=1),
        consent_from="业主 周女士",
        consent_by="message",
        now=now - timedelta(hours=3),
    )
    vacant_keys.take_out_key(
        desk,
        keys[30],
        taker="staff",
        taker_name=manager.name,
        purpose="例行检查",
        due_back_at=now + timedelta(hours=2),
        now=now - timedelta(minutes=20),
    )


# 6. Statements per page --------------------------------------------------------------------------------------------


def plans(targets):
    """(area, username, [(label, path)]) of every page measured, by who reads it."""
    staff = [
        ("violations (open)", "/staff/violations/"),
        ("one kind's", f"/staff/violations/?kind={targets.kind_id}"),
        ("a violation", f"/staff/violations/{targets.violation_id}"),
        ("repeat offenders", "/staff/violations/repeat"),
        ("monthly count", f"/staff/violations/monthly?month={targets.month}"),
        ("vacant units", "/staff/vacant/"),
        ("a vacant unit", f"/staff/vacant/{targets.vacant_id}"),
        ("keys out", "/staff/vacant/keys/"),
    ]
    portal = [
        ("portal notices", "/portal/notices"),
        ("portal violation", f"/portal/notices/violations/{targets.violation_id}"),
    ]
    return [("staff", STAFF_USER, staff), ("portal", RESIDENT_LOGIN[0], portal)]


def count_statements(app, password, targets):
    """The statements of one GET of each page (after a warm-up GET of the same page)."""
    return count_plans(app, password, plans(targets))


def time_pdf(app, password, targets):
    """[(label, statements, best ms, bytes)] of the staff PDF of the resident's violation's latest notice."""
    path = f"/staff/violations/{targets.violation_id}/notices/{targets.notice_id}.pdf"
    return time_pdfs_of(app, "staff", STAFF_USER, password, [("违章通知书 PDF", path)])


# Putting it together -----------------------------------------------------------------------------------------------


def measure(url, workdir, password, seconds, wrk, targets):
    """Serve with gunicorn; wrk each page after /healthz and its area's empty page; return the runs."""
    return measure_plans(url, workdir, password, seconds, wrk, plans(targets))


def prepare(workdir, password):
    """Create, migrate and fill the database; return (url, app, targets)."""
    url = bench_database(workdir)
    started = time.perf_counter()
    migrate(url)
    app = create_app(bench_config(url))
    with app.app_context():
        register_counts = load_large_property(password)
        prop = db.session.scalar(select(Property).order_by(Property.id).limit(1))
        now = utcnow()
        shown, kind_id, counts = load_violations(prop, now)
        vacant_id, vacant_counts = load_vacant(prop, now)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        counts.update(vacant_counts)
        first_of_month = local_date(now).replace(day=1)
        targets = Targets(
            shown.id,
            shown.notices[-1].id,
            kind_id,
            (first_of_month - timedelta(days=1)).strftime("%Y-%m"),
            vacant_id,
        )
        db.engine.dispose()
    print(
        f"Loaded in {time.perf_counter() - started:.1f}s: {register_counts['units']} units, "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )
    return url, app, targets


def main():
    """Run the whole benchmark; return the process exit code."""
    return run_page_bench(
        "violations",
        prepare=prepare,
        count_statements=count_statements,
        time_pdfs=time_pdf,
        measure=measure,
        report=report,
    )


if __name__ == "__main__":
    sys.exit(main())
