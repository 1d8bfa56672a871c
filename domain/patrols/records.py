"""The 巡视记录表 (SOP 15) of a round: its checkpoints in route order with scan times, answers, faults and the missed
ones, its findings with their tickets, the patroller's signature, as data for the page and as an A4 PDF; and the
patrol alarms on the manager's board (rounds not started, late or unfinished; checkpoints missed or late), computed
on read from the windows and the one clock."""

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table
from sqlalchemy import func, select
from sqlalchemy.orm import raiseload, selectinload

from domain.clock import local_date, local_text
from domain.errors import NotFound
from domain.files.pdf import (
    FORM_BODY,
    FORM_HEADING,
    FORM_SMALL,
    FORM_SUBHEADING,
    FORM_TABLE,
    form_document,
    paragraph,
    signature_flowables,
)
from domain.files.photos import photos_of
from domain.patrols.models import PatrolFinding, PatrolRound, PatrolRoute, PatrolVisit
from domain.patrols.schedule import Slot, round_counts, windows_on
from domain.signatures.services import signatures_of
from domain.tickets.workflow import STATUS_LABELS
from extensions import db

TITLE = "巡视记录表"
#: The subjects the round's signature and its findings' photos are stored under (domain/patrols/rounds.py).
ROUND_SUBJECT = "patrol_round"
FINDING_PHOTOS = "patrol_finding"
#: Cut absurdly long text: a table cell taller than a page cannot be split.
MAX_CELL_CHARS = 300


@dataclass
class PointRow:
    """One checkpoint of the record: its visit (None when missed) and the checklist's answers."""

    position: int
    checkpoint: object
    visit: object | None
    #: [(item, "ok" | "fault" | None)] in the checklist's order at the time of the visit.
    answers: list
    late: bool = False

    @property
    def faults(self):
        """The items answered "fault"."""
        return [item for item, answer in self.answers if answer == "fault"]

    @property
    def missed(self):
        """Whether the point was never scanned in the round."""
        return self.visit is None


@dataclass
class FindingRow:
    """A finding of the round, the checkpoint it was made at, its ticket and how many photos it has."""

    finding: PatrolFinding
    checkpoint_name: str
    ticket: object | None
    photos: list = field(default_factory=list)


@dataclass
class RoundRecord:
    """Everything the 巡视记录表 shows of one round."""

    round: PatrolRound
    route: PatrolRoute
    slot: Slot
    points: list
    findings: list
    signature: object | None

    @property
    def visited(self):
        """How many checkpoints were scanned."""
        return sum(1 for p in self.points if not p.missed)

    @property
    def missed_points(self):
        """The checkpoints never scanned."""
        return [p for p in self.points if p.missed]

    @property
    def fault_count(self):
        """How many checklist items were answered "fault"."""
        return sum(len(p.faults) for p in self.points)

    def state(self, now):
        """The round's state by its window (finished, late, in_progress, unfinished)."""
        return self.slot.state(now)


def _answers(checkpoint, visit):
    """[(item, answer)] of a visit in the order it was answered, or of the checkpoint's checklist when missed."""
    if visit is None:
        return [(item, None) for item in checkpoint.checklist or ()]
    return list((visit.answers or {}).items())


def get_round(round_id, property_id=None):
    """The round `round_id` (of `property_id` when given), or NotFound."""
    patrol_round = db.session.get(PatrolRound, round_id)
    if patrol_round is None or (property_id is not None and patrol_round.property_id != property_id):
        raise NotFound()
    return patrol_round


def round_record(round_id, property_id=None):
    """The 巡视记录表 of round `round_id`: the route's checkpoints in order (active ones, and retired ones the round
    visited) with their visits, the findings with their tickets and photos, the signature."""
    patrol_round = db.session.scalar(
        select(PatrolRound)
        .where(PatrolRound.id == round_id)
        .options(
            selectinload(PatrolRound.route).selectinload(PatrolRoute.checkpoints),
            selectinload(PatrolRound.patroller),
            selectinload(PatrolRound.visits),
            selectinload(PatrolRound.findings).selectinload(PatrolFinding.ticket),
        )
    )
    if patrol_round is None or (property_id is not None and patrol_round.property_id != property_id):
        raise NotFound()
    route = patrol_round.route
    visits = {v.checkpoint_id: v for v in patrol_round.visits}
    points = []
    for checkpoint in route.checkpoints:
        visit = visits.get(checkpoint.id)
        if not checkpoint.is_active and visit is None:
            continue
        late = visit is not None and visit.scanned_at > patrol_round.window_end
        points.append(PointRow(len(points) + 1, checkpoint, visit, _answers(checkpoint, visit), late))
    names = {c.id: c.name for c in route.checkpoints}
    photos = photos_of(FINDING_PHOTOS, [f.id for f in patrol_round.findings])
    findings = [
        FindingRow(f, names.get(f.checkpoint_id, ""), f.ticket, photos.get(f.id, [])) for f in patrol_round.findings
    ]
    signatures = signatures_of(ROUND_SUBJECT, patrol_round.id)
    slot = Slot(route, patrol_round.day, patrol_round.window_start, patrol_round.window_end, patrol_round)
    return RoundRecord(patrol_round, route, slot, points, findings, signatures[-1] if signatures else None)


# -- The PDF -------------------------------------------------------------------------------------------------------

_ANSWER = {"ok": "正常", "fault": "异常"}
_METHOD = {"scan": "扫码", "code": "输入编号"}
_STATE = {
    "finished": "已完成",
    "late": "超时完成",
    "in_progress": "进行中",
    "unfinished": "未完成",
}


def _p(text, style=FORM_BODY):
    """A paragraph of plain text (escaped, cut to a sane length)."""
    return paragraph(str(text or "")[:MAX_CELL_CHARS], style)


def _time(moment):
    """A moment as local HH:MM, with the date when it is not the round's day."""
    return local_text(moment, "%H:%M") if moment else ""


def _points_table(record):
    """The checkpoints: order, name and place, scan time and method, the checklist's answers, the note."""
    rows = [[_p("序号"), _p("检查点"), _p("到达时间"), _p("检查结果"), _p("备注")]]
    for point in record.points:
        where = point.checkpoint.name + (f"（{point.checkpoint.place}）" if point.checkpoint.place else "")
        if point.missed:
            when, results, note = "未到", "漏检", ""
        else:
            when = f"{_time(point.visit.scanned_at)} {_METHOD.get(point.visit.method, point.visit.method)}"
            if point.late:
                when += " 超时"
            results = "；".join(f"{item}：{_ANSWER.get(answer, '—')}" for item, answer in point.answers)
            note = point.visit.note
        rows.append([_p(point.position), _p(where), _p(when), _p(results), _p(note)])
    table = Table(rows, colWidths=[11 * mm, 42 * mm, 26 * mm, 66 * mm, 35 * mm], repeatRows=1)
    table.setStyle(FORM_TABLE)
    return table


def _findings_table(record):
    """The findings: where, what, photos, the ticket and its status."""
    rows = [[_p("检查点"), _p("发现的问题"), _p("维修单")]]
    with force_locale("zh_Hans_CN"):
        for row in record.findings:
            description = row.finding.description + (f"（照片{len(row.photos)}张）" if row.photos else "")
            ticket = f"#{row.ticket.id} {STATUS_LABELS[row.ticket.status]}" if row.ticket else "未开单"
            rows.append([_p(row.checkpoint_name or "—"), _p(description), _p(ticket)])
    table = Table(rows, colWidths=[40 * mm, 100 * mm, 40 * mm], repeatRows=1)
    table.setStyle(FORM_TABLE)
    return table


def _signature(record):
    """The patroller's signature image with the name and time, or a line saying it is missing."""
    if record.signature is None:
        return [_p("巡视人签字：（未签字）")]
    return signature_flowables("巡视人签字：", record.signature)


def record_pdf(record, now):
    """The 巡视记录表 as A4 PDF bytes, always in Chinese as the paper form is."""
    out = io.BytesIO()
    patrol_round, route = record.round, record.route
    doc = form_document(out, title=f"{TITLE} {route.name} {patrol_round.day.isoformat()}")
    window = f"{_time(patrol_round.window_start)}–{_time(patrol_round.window_end)}"
    finished = local_text(patrol_round.finished_at) if patrol_round.finished_at else "—"
    story = [
        _p(TITLE, FORM_HEADING),
        _p(f"路线：{route.name}　日期：{patrol_round.day.isoformat()}　时段：{window}", FORM_SMALL),
        _p(f"记录编号 {patrol_round.id}", FORM_SMALL),
        Spacer(1, 4 * mm),
        _p(f"巡视人：{patrol_round.patroller.display_name}　　状态：{_STATE.get(record.state(now), '')}"),
        _p(f"开始：{local_text(patrol_round.started_at)}　　结束：{finished}"),
        _p(
            f"检查点 {record.visited}/{len(record.points)}　漏检 {len(record.missed_points)}　"
            f"异常项 {record.fault_count}　发现问题 {len(record.findings)}"
        ),
        _p("检查点记录", FORM_SUBHEADING),
        _points_table(record),
        _p("发现的问题及维修单", FORM_SUBHEADING),
        _findings_table(record) if record.findings else _p("无"),
        _p("巡视备注", FORM_SUBHEADING),
        _p(patrol_round.note or "无"),
        Spacer(1, 4 * mm),
        *_signature(record),
        Spacer(1, 6 * mm),
        _p("扫码记录的是手机扫描标签的时间，只能证明到过贴有标签之处；系统不记录员工的位置。", FORM_SMALL),
    ]
    doc.build(story)
    return out.getvalue()


# -- Alarms on the board -------------------------------------------------------------------------------------------

ALARM_LABELS = {
    "missed": _l("Round not started"),
    "unfinished": _l("Round not finished"),
    "late": _l("Round finished late"),
    "missed_points": _l("Checkpoints missed"),
    "late_points": _l("Checkpoints late"),
}


@dataclass
class FieldRow:
    """One row of the board's field-work panel: what kind of alarm, about what, since when, and where it links
    (an endpoint and its arguments; None for no link). Facility checks and incidents give rows of the same shape."""

    kind: str
    label: object
    what: str
    since: datetime
    endpoint: str | None = None
    args: dict = field(default_factory=dict)
    urgent: bool = False


def _slot_text(slot):
    """ "Route 08:30–11:30" (with the day when it is not today's)."""
    return f"{slot.route.name} {local_text(slot.start, '%m-%d %H:%M')}–{local_text(slot.end, '%H:%M')}"


def _recent_slots(property_id, days):
    """([Slot] of every active route on `days` with their rounds, {round id: {checkpoint id: scanned at}}): one
    statement when the property has no route, three at most (the board runs this every 20 seconds). The visits are
    read as (round, checkpoint, time) triples, not loaded: the panel only names the points missed or late."""
    routes = db.session.scalars(
        select(PatrolRoute)
        .where(PatrolRoute.property_id == property_id, PatrolRoute.is_active.is_(True))
        .options(selectinload(PatrolRoute.checkpoints))
        .order_by(PatrolRoute.name, PatrolRoute.id)
    ).all()
    if not routes:
        return [], {}
    rounds = {
        (r.route_id, r.window_start): r
        for r in db.session.scalars(
            select(PatrolRound)
            .where(PatrolRound.property_id == property_id, PatrolRound.day.in_(days))
            .options(raiseload(PatrolRound.visits))
        )
    }
    scans = {}
    if rounds:
        for round_id, checkpoint_id, scanned_at in db.session.execute(
            select(PatrolVisit.round_id, PatrolVisit.checkpoint_id, PatrolVisit.scanned_at).where(
                PatrolVisit.round_id.in_([r.id for r in rounds.values()])
            )
        ):
            scans.setdefault(round_id, {})[checkpoint_id] = scanned_at
    slots = [
        Slot(route, day, start, end, rounds.get((route.id, start)))
        for day in days
        for route in routes
        for start, end in windows_on(route, day)
    ]
    return slots, scans


def patrol_alarms(property_id, now):
    """[FieldRow] of today's and yesterday's windows that are over: rounds not started (missed), not finished or
    finished late, and checkpoints missed or scanned after the window, newest first. A window that ended before its
    route was created is no alarm."""
    day = local_date(now)
    rows = []
    slots, scans = _recent_slots(property_id, [day - timedelta(days=1), day])
    for slot in slots:
        if now < slot.end or (slot.round is None and slot.end <= slot.route.created_at):
            continue  # not over yet, or over before the route existed
        state = slot.state(now)
        what = _slot_text(slot)
        if slot.round is not None:
            link = ("staff.show_round", {"round_id": slot.round.id})
        else:
            link = ("staff.list_rounds", {"route": slot.route.id})
        if state in ("missed", "unfinished", "late"):
            rows.append(FieldRow(state, ALARM_LABELS[state], what, slot.end, *link, urgent=state == "missed"))
        if slot.round is None:
            continue
        scanned = scans.get(slot.round.id, {})
        active = [c for c in slot.route.checkpoints if c.is_active]
        missed = [c.name for c in active if c.id not in scanned]
        late = [c.name for c in active if c.id in scanned and scanned[c.id] > slot.end]
        for kind, names in (("missed_points", missed), ("late_points", late)):
            if names:
                rows.append(FieldRow(kind, ALARM_LABELS[kind], f"{what}: {'、'.join(names)}", slot.end, *link))
    return sorted(rows, key=lambda r: r.since, reverse=True)


# -- History -------------------------------------------------------------------------------------------------------


def _counts_of(patrol_round, counts):
    """The counted (visits, findings) of `patrol_round`, or None without a round."""
    return counts.get(patrol_round.id, (0, 0)) if patrol_round is not None else None


def history(property_id, *, before, days=7, route_id=None):
    """([(day, [Slot])] for the `days` days before `before`, newest first, and the day to page on from, or None
    when nothing is older). Each day shows its rounds and the windows nobody walked (missed) of routes that
    existed then, in seven statements whatever the number of rounds (the rounds' visits and findings are counted,
    not loaded)."""
    first = before - timedelta(days=days)
    query = (
        select(PatrolRoute)
        .where(PatrolRoute.property_id == property_id)
        .options(selectinload(PatrolRoute.checkpoints))
        .order_by(PatrolRoute.name)
    )
    if route_id is not None:
        query = query.where(PatrolRoute.id == route_id)
    routes = db.session.scalars(query).all()
    if not routes:
        return [], None
    rounds_query = (
        select(PatrolRound)
        .where(
            PatrolRound.property_id == property_id,
            PatrolRound.day >= first,
            PatrolRound.day < before,
            PatrolRound.route_id.in_([r.id for r in routes]),
        )
        .options(selectinload(PatrolRound.patroller))
    )
    rounds = {}
    for patrol_round in db.session.scalars(rounds_query):
        rounds.setdefault(patrol_round.day, []).append(patrol_round)
    counts = round_counts([r.id for day_rounds in rounds.values() for r in day_rounds])
    by_id = {r.id: r for r in routes}
    earliest = db.session.scalar(
        select(func.min(PatrolRound.day)).where(PatrolRound.route_id.in_([r.id for r in routes]))
    )
    born = min([local_date(r.created_at) for r in routes] + ([earliest] if earliest else []))
    page = []
    for n in range(1, days + 1):
        day = before - timedelta(days=n)
        if day < born and day not in rounds:
            break
        walked = {(r.route_id, r.window_start): r for r in rounds.get(day, ())}
        slots = []
        for route in routes:
            if route.is_active and local_date(route.created_at) <= day:
                for start, end in windows_on(route, day):
                    walked_round = walked.pop((route.id, start), None)
                    slots.append(Slot(route, day, start, end, walked_round, _counts_of(walked_round, counts)))
        # Rounds of windows since changed, or of routes retired since: shown as walked.
        slots += [
            Slot(by_id[r.route_id], day, r.window_start, r.window_end, r, _counts_of(r, counts))
            for r in walked.values()
        ]
        page.append((day, sorted(slots, key=lambda s: (s.start, s.route.name))))
    older = page[-1][0] if len(page) == days and page[-1][0] > born else None
    return page, older
