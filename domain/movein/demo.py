"""Demo move-ins for 亿丰时代广场: a new building 8 whose 20 units are being handed over, one in each state of the
move-in (invited, booked, at the desk, inspected with open defects, re-inspected, complete, spot-checked), one done
by a proxy. Everything goes through the services, as the desk, engineering and the manager would do it; only the
history is then moved back in time, so the board has cases waiting long and overdue defects."""

import base64
import io
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor, User
from domain.clock import local_day_bounds, today, utcnow
from domain.movein import (
    appointments,
    cases,
    checklist,
    completion,
    fees,
    inspections,
    invitations,
    registration,
    signing,
)
from domain.movein.models import ItemKind, ItemResult
from domain.movein.supervision import pick_spot_checks, record_spot_check
from domain.payments.desk import record_desk_payment
from domain.property.buildings import create_building
from domain.property.models import Occupancy, UnitStatus
from domain.property.units import create_unit
from domain.tickets import steps
from extensions import db

#: The printed invitation of the first invited owner, the same in every demo (the README and the browser tests use
#: it): type it at /portal/move-in. Only a demo has a code anyone knows.
DEMO_INVITATION_CODE = "YF888-HAPPY"
#: The new building whose units are handed over.
BUILDING = "8"
#: The states of the 20 units, in unit order (8-0101, 8-0102, ...): the first units were handed over first.
PLAN = (
    ("checked", {"days_ago": 9, "finding": "complete"}),
    ("checked", {"days_ago": 8, "finding": "missing"}),
    ("checked", {"days_ago": 7}),
    ("reinspected", {"days_ago": 6}),
    ("defects", {"days_ago": 12}),
    ("defects", {}),
    ("complete", {"inspect_on": 1}),
    ("complete", {"household": True}),
    ("complete", {"proxy": True}),
    ("at_desk", {"ticks": 5, "bill": True}),
    ("at_desk", {"proxy": True, "ticks": 3}),
    ("at_desk", {"ticks": 2}),
    ("booked", {"household": True}),
    ("booked", {}),
    ("booked", {}),
    ("invited", {"known_code": True}),
    ("invited", {}),
    ("invited", {}),
    ("notified", {"waiting_days": 20}),
    ("notified", {}),
)
#: The unit whose owner holds DEMO_INVITATION_CODE ("8-0404").
DEMO_INVITATION_UNIT = next(
    f"{BUILDING}-{n // 4 + 1:02d}{n % 4 + 1:02d}" for n, (_s, options) in enumerate(PLAN) if options.get("known_code")
)
_OWNERS = (
    "孟凡宇 沈佳怡 韩子墨 邱雨桐 贺思源 尹若汐 钟浩然 邵梓萱 汪博文 覃心怡 "
    "葛天佑 范雅琪 严俊杰 卢梦瑶 姜一鸣 崔晓彤 龚景行 程诗涵 魏泽楷 任可欣"
)
#: Where the demo inspections find something wrong: (area, item, note), looked up in the manager's checklist.
_DEFECTS = (("排水", "地漏及排水管", "卫生间地漏排水慢，有积水"), ("客厅", "门窗", "窗扇关闭不严，密封条脱落"))


def signature_data_url(text):
    """A drawn signature as the pad posts it: a small PNG with a scribble, as a data URL."""
    image = Image.new("RGB", (240, 80), "white")
    draw = ImageDraw.Draw(image)
    seed = sum(map(ord, text))
    points = [(10 + i * 22, 55 - (seed * (i + 3)) % 35) for i in range(10)]
    draw.line(points, fill="black", width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _staff(username):
    """A demo staff member as an actor."""
    user = db.session.scalar(select(User).where(User.username == username))
    return Actor.for_user(user, "demo")


def _units(system, count):
    """Building 8 with `count` vacant units, 4 a floor; their ids in order."""
    building = create_building(system, code=BUILDING, name="8号楼", floors=(count + 3) // 4)
    ids = []
    for n in range(count):
        floor, door = n // 4 + 1, n % 4 + 1
        unit = create_unit(
            system,
            building_id=building.id,
            number=f"{floor:02d}{door:02d}",
            floor=floor,
            area_x100=(8920, 10560, 12830, 9675)[door - 1],
            status=UnitStatus.VACANT,
        )
        ids.append(unit.id)
    return ids


def _next_slots(property_id, count):
    """The next `count` free appointment times, from now on, one per slot."""
    found, day = [], today()
    while len(found) < count:
        found += [at for at, _free in appointments.open_slots(property_id, day)][: count - len(found)]
        day += timedelta(days=1)
    return found


def _tick(desk, case, count):
    """Tick the first `count` lines the desk ticks by hand (papers seen, the form filled in, keys and cards)."""
    lines = [
        item
        for item in checklist.required_items(case)
        if item.kind != ItemKind.FEE and item.code not in signing.AGREEMENTS and item.done_at is None
    ]
    for item in lines[:count]:
        quantity = item.quantity if item.kind == ItemKind.KEY else None
        checklist.tick_item(desk, case, item.id, handed_quantity=quantity)


def _scan(title):
    """A stand-in for a scanned paper: a small JPEG of a page with lines of "text" (the demo has no real scans)."""
    page = Image.new("RGB", (420, 594), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((20, 20, 399, 573), outline=(150, 150, 150), width=2)
    for row, y in enumerate(range(90, 540, 26)):
        draw.line((50, y, 370 - (row * 37) % 120, y), fill=(90, 90, 90), width=3)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=70)
    return FileStorage(io.BytesIO(out.getvalue()), filename=f"{title}.jpg", content_type="image/jpeg")


def _complete(crew, case, owner_name):
    """The day at the desk, start to finish: every paper seen and scanned into the owner's file, every key, the fees
    paid in cash, both papers signed."""
    desk = crew.desk
    for item in checklist.required_items(case):
        if item.kind == ItemKind.DOCUMENT:
            crew.file_copy(desk, case, item.id, _scan(item.code))
    _tick(desk, case, 99)
    bill = fees.make_case_bill(desk, case) if fees.fee_items(case) else None
    if bill is not None:
        record_desk_payment(desk, unit_id=case.unit_id, bill_ids=[bill.id], method="cash")
    signer, name = ("proxy", case.proxy_name) if case.proxy_name else ("owner", owner_name)
    for purpose in signing.AGREEMENTS:
        signing.sign_paper(desk, case, purpose, signer_role=signer, signer_name=name, data_url=signature_data_url(name))
    completion.complete(desk, case)


class _Crew(NamedTuple):
    """Who does the demo's work: the desk, engineering, and the owner's file's filer of signed inspection records."""

    desk: Actor
    engineer: Actor
    file_record: Callable
    file_copy: Callable


def _walk(crew, inspection, owner_name, defects=()):
    """Walk, sign and file an inspection: every item in order but `defects` ((area, name, note)), the meters in
    round 1."""
    engineer = crew.engineer
    inspections.start_inspection(engineer, inspection)
    wrong = {(area, name): note for area, name, note in defects}
    for item in inspection.items:
        note = wrong.get((item.area, item.name))
        result = ItemResult.DEFECT.value if note else ItemResult.OK.value
        inspections.record_item(engineer, inspection, item.id, result=result, note=note or "")
    if inspection.round == 1:
        inspections.record_readings(engineer, inspection, water_x100=1250, electricity_x100=8630)
        inspections.record_requests(engineer, inspection, "业主要求交房前清理阳台杂物。" if defects else "")
    inspections.sign_inspection(
        engineer,
        inspection,
        owner_name=owner_name,
        owner_signature=signature_data_url(owner_name),
        staff_signature=signature_data_url(engineer.name),
    )
    crew.file_record(engineer, inspection)
    return inspection


def _inspect(crew, case, owner_name, defects):
    """The hand-over inspection of a completed case, now, with `defects`."""
    engineer = crew.engineer
    inspection = inspections.schedule_inspection(engineer, case, utcnow(), engineer_id=engineer.user_id)
    return _walk(crew, inspection, owner_name, defects)


def _repair_and_reinspect(crew, first, owner_name):
    """Engineering repairs every defect of `first`, then the second inspection passes."""
    engineer = crew.engineer
    for _item, ticket in inspections.defect_tickets(first):
        steps.claim(engineer, ticket)
        steps.finish(engineer, ticket, summary="已按验房记录整改完毕。")
    again = inspections.schedule_reinspection(engineer, first, utcnow())
    return _walk(crew, again, owner_name)


def _move_back(case, days):
    """Move a case's history `days` back: its creation, completion, ticks, timeline, the household's move-in date
    and the inspections with their defect tickets."""
    delta = timedelta(days=days)
    case.created_at -= delta
    if case.completed_at:
        case.completed_at -= delta
        for occupancy in db.session.scalars(
            select(Occupancy).where(Occupancy.unit_id == case.unit_id, Occupancy.start_date == today())
        ):
            occupancy.start_date -= delta
    for item in case.items:
        item.done_at = item.done_at and item.done_at - delta
    for event in cases.timeline(case):
        event.at -= delta
    for inspection in inspections.inspections_of_case(case.id):
        inspection.scheduled_at -= delta
        inspection.started_at = inspection.started_at and inspection.started_at - delta
        inspection.signed_at = inspection.signed_at and inspection.signed_at - delta
        for _item, ticket in inspections.defect_tickets(inspection):
            ticket.created_at -= delta
            ticket.dispatch_due_at -= delta
            ticket.response_due_at -= delta
            ticket.resolve_due_at -= delta


def _move_in(crew, case, state, options, name):
    """Take one case as far as its `state` through the services."""
    desk, engineer = crew.desk, crew.engineer
    if options.get("household"):
        registration.save_person(desk, case, role="family", kinship="配偶", name="林" + name[1:], gender="female")
        db.session.expire(case, ["people"])
    if state == "notified":
        return
    if state == "invited":
        invitations.issue_invitation(desk, case)
        if options.get("known_code"):
            case.invitation_hash = invitations.code_hash(DEMO_INVITATION_CODE)
        return
    if state == "booked":
        appointments.book_appointment(desk, case, options["slot"])
        return
    cases.receive(desk, case)
    if options.get("proxy"):
        checklist.record_proxy(desk, case, name="高文博", phone="13600090001", id_number="210102198507153211")
    if state == "at_desk":
        _tick(desk, case, options.get("ticks", 0))
        if options.get("bill") and fees.fee_items(case):
            fees.make_case_bill(desk, case)
        return
    _complete(crew, case, name)
    if options.get("inspect_on"):  # an inspection in engineering's calendar
        start, _end = local_day_bounds(today() + timedelta(days=options["inspect_on"]))
        inspections.schedule_inspection(desk, case, start + timedelta(hours=10), engineer_id=engineer.user_id)
    if state == "defects":
        _inspect(crew, case, name, _DEFECTS)
    elif state == "reinspected":
        _repair_and_reinspect(crew, _inspect(crew, case, name, _DEFECTS[:1]), name)


def _spot_checks(manager, prop, made):
    """The manager picks the completed cases at random (all of them: there are only these yet) and records a finding
    on two: one complete, one with items missing, which becomes the desk's follow-up."""
    findings = {case.id: options.get("finding") for case, state, options in made if state == "checked"}
    for check in pick_spot_checks(manager, len(findings), property_id=prop.id):
        finding = findings.get(check.case_id)
        if finding == "complete":
            record_spot_check(manager, check, "complete")
        elif finding == "missing":
            record_spot_check(manager, check, "missing", "防火责任协议书只签了一份，业主留存联未交付，请补交。")


def load_move_in_demo(prop, *, file_inspection_record, file_move_in_copy):
    """Add building 8 and its 20 move-ins; returns the number of cases. `file_inspection_record` and
    `file_move_in_copy` are the owner's file's filers of a signed 验房记录表 and of a scanned paper, passed in by
    the demo loader: the owner's file reads move-in cases, so this package cannot import it without a cycle."""
    system = Actor.system("demo")
    crew = _Crew(_staff("frontdesk"), _staff("engineer"), file_inspection_record, file_move_in_copy)
    desk, manager = crew.desk, _staff("manager")
    unit_ids = _units(system, len(PLAN))
    slots = iter(_next_slots(prop.id, sum(1 for state, _o in PLAN if state == "booked")))
    planned = today() + timedelta(days=3)
    made = []
    for n, ((state, options), unit_id, name) in enumerate(zip(PLAN, unit_ids, _OWNERS.split(), strict=True)):
        case = cases.create_case(
            desk,
            unit_id=unit_id,
            owner_name=name,
            owner_phone=f"1360008{n:04d}",
            planned_on=planned,
            notice_number=f"YF8-{n + 1:03d}",
        )
        if state == "booked":
            options = {**options, "slot": next(slots)}
        _move_in(crew, case, state, options, name)
        made.append((case, state, options))
        if state == "checked" and PLAN[n + 1][0] != "checked":
            # The spot-check comes before any later case is complete, so it picks exactly these.
            _spot_checks(manager, prop, made)
    for case, _state, options in made:
        if options.get("waiting_days") or options.get("days_ago"):
            _move_back(case, options.get("waiting_days") or options["days_ago"])
    db.session.flush()
    return len(made)
