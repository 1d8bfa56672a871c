"""Violations: recording (bad input refused, nothing saved), the staged notices and who is told, every illegal step
refused, every step's role, follow-up checks, later deadlines only, referral, fines only where the kind allows,
templates edited after sending, overdue on read with a moved clock, the lists."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.billing.models import Bill
from domain.clock import local_date, today, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.notify.models import Notification
from domain.property.models import Unit
from domain.violations import demo, kinds, queries, replies, services
from domain.violations.models import Stage, Violation, ViolationNotice
from domain.violations.notice_pdf import violation_notice_pdf
from domain.violations.workflow import VIOLATION_TRANSITIONS, allowed_actions, check_violation
from extensions import db
from tests import builders
from tests.incident_builders import create_team
from tests.violation_builders import act, create_fine_charge, create_kind, record

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def team(prop):
    """Every role, one each."""
    return create_team()


@pytest.fixture
def unit(prop):
    """A unit with its owner (who has a portal account)."""
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit)
    return unit


def at_noon(clock):
    """Put the clock at noon today, property time: a test that moves the clock starts at a safe hour."""
    return clock.set(datetime.combine(clock.local().date(), time(12), tzinfo=ZONE))


def notices_of(unit):
    """The portal notices of the unit's residents."""
    return db.session.scalars(select(Notification.message).order_by(Notification.id)).all()


def test_recording_starts_at_the_kinds_first_stage_with_its_deadline_and_tells_the_household(prop, team, unit):
    kind = create_kind(prop, reminder_days=2)
    violation = record(team[Role.SECURITY], kind, unit=unit)
    assert violation.stage == Stage.REMINDED and violation.deadline == today() + timedelta(days=2)
    assert violation.recorded_by_id == team[Role.SECURITY].id
    [notice] = violation.notices
    assert notice.title == "违章提醒" and "1-1203" in notice.body and "楼道内堆放纸箱" in notice.body
    assert kind.rule in notice.body and notice.deadline == violation.deadline
    [message] = notices_of(unit)
    assert "违章提醒" in message
    assert [e.action for e in violation.events] == ["recorded"]
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "violation.record")) == 1


def test_a_kind_may_start_at_the_written_notice(prop, team, unit):
    kind = create_kind(prop, "违章搭建", first_stage="noticed", notice_days=5)
    violation = record(team[Role.ASSISTANT], kind, unit=unit)
    assert violation.stage == Stage.NOTICED and violation.deadline == today() + timedelta(days=5)
    assert violation.notices[0].title == "违章通知书"


def test_a_public_place_without_a_unit_tells_nobody(prop, team, unit):
    violation = record(team[Role.SECURITY], create_kind(prop), place="2号楼消防通道")
    assert violation.unit_id is None and violation.place == "2号楼消防通道"
    assert len(violation.notices) == 1  # printable for the spot, but shown to no resident
    assert notices_of(unit) == []


def test_a_public_place_with_the_nearest_unit_goes_to_that_unit(prop, team, unit):
    violation = record(team[Role.FRONTDESK], create_kind(prop), unit=unit, place="1号楼12层走廊")
    assert violation.unit_id == unit.id and "1号楼12层走廊" in violation.notices[0].body
    assert len(notices_of(unit)) == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind_id": 0}, "kind_id"),
        ({"seen": "  "}, "seen"),
        ({"unit_label": "", "place": ""}, "unit_label"),
        ({"unit_label": "9-9999"}, "unit_label"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(prop, team, unit, values, field):
    kind = create_kind(prop)
    fields = {"kind_id": kind.id, "seen": "杂物", "unit_label": "1-1203", "place": "", **values}
    with pytest.raises(DomainError) as refused:
        services.record_violation(act(team[Role.SECURITY]), property_id=prop.id, **fields)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 0


def test_an_inactive_kind_cannot_be_recorded(prop, team, unit):
    kind = create_kind(prop)
    kind.is_active = False
    db.session.commit()
    with pytest.raises(DomainError):
        record(team[Role.SECURITY], kind, unit=unit)


@pytest.mark.parametrize("role", [Role.ENGINEERING, Role.FINANCE, Role.CLEANING])
def test_only_security_the_assistants_the_desk_and_the_manager_record(prop, team, unit, role):
    with pytest.raises(NotAllowed):
        record(team[role], create_kind(prop), unit=unit)


def test_the_stages_go_in_order_each_with_its_notice_and_a_later_deadline(prop, team, unit, clock):
    at_noon(clock)
    kind = create_kind(prop)
    violation = record(team[Role.SECURITY], kind, unit=unit)
    services.issue_notice(act(team[Role.ASSISTANT]), violation)
    assert violation.stage == Stage.NOTICED and violation.deadline == today() + timedelta(days=3)
    services.issue_order(act(team[Role.MANAGER]), violation)
    assert violation.stage == Stage.ORDERED and violation.deadline == today() + timedelta(days=7)
    services.refer(act(team[Role.MANAGER]), violation, authority="fire", referred_to="消防大队 张警官")
    db.session.commit()
    assert violation.stage == Stage.REFERRED and violation.authority.value == "fire"
    assert violation.referred_to == "消防大队 张警官" and violation.referred_at == utcnow()
    assert [n.title for n in violation.notices] == ["违章提醒", "违章通知书", "整改通知", "移交处理告知书"]
    assert "消防部门" in violation.notices[-1].body and violation.notices[-1].deadline is None
    assert len(notices_of(unit)) == 4  # the household is told of every stage
    assert [e.action for e in violation.events] == ["recorded", "issue_notice", "issue_order", "refer"]


def test_a_later_stage_never_shortens_the_deadline(prop, team, unit):
    kind = create_kind(prop, reminder_days=5)
    violation = record(team[Role.SECURITY], kind, unit=unit)
    with pytest.raises(DomainError) as refused:
        services.issue_notice(act(team[Role.ASSISTANT]), violation, days=3)
    assert refused.value.field == "days"
    services.issue_notice(act(team[Role.ASSISTANT]), violation, days=6)
    assert violation.deadline == today() + timedelta(days=6)


def test_a_referral_in_the_future_or_without_who_is_refused(prop, team, unit):
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    manager = act(team[Role.MANAGER])
    services.issue_notice(manager, violation)
    services.issue_order(manager, violation)
    with pytest.raises(DomainError) as refused:
        services.refer(manager, violation, authority="urban", referred_to=" ")
    assert refused.value.field == "referred_to"
    with pytest.raises(DomainError) as refused:
        services.refer(manager, violation, authority="army", referred_to="城管")
    assert refused.value.field == "authority"
    later = (utcnow() + timedelta(hours=2)).astimezone(ZONE).replace(tzinfo=None)
    with pytest.raises(DomainError) as refused:
        services.refer(manager, violation, authority="urban", referred_to="城管", referred_at=later)
    assert refused.value.field == "referred_at"


def test_every_illegal_transition_is_refused(prop, team, unit):
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    actions = {action for action, _stage in VIOLATION_TRANSITIONS}
    for stage in Stage:
        violation.stage = stage
        for action in actions:
            if (action, stage) in VIOLATION_TRANSITIONS:
                continue
            with pytest.raises(InvalidTransition):
                check_violation(Actor.system(), action, violation)


@pytest.mark.parametrize(
    ("stage", "call"),
    [
        (Stage.NOTICED, lambda a, v: services.issue_notice(a, v)),
        (Stage.REMINDED, lambda a, v: services.issue_order(a, v)),
        (Stage.NOTICED, lambda a, v: services.refer(a, v, authority="urban", referred_to="城管")),
        (Stage.RECTIFIED, lambda a, v: services.record_check(a, v, rectified=True)),
        (Stage.WITHDRAWN, lambda a, v: services.record_check(a, v, rectified=False, note="仍在")),
        (Stage.REFERRED, lambda a, v: services.extend_deadline(a, v, days=30, reason="业主出差")),
        (Stage.RECTIFIED, lambda a, v: services.withdraw(a, v, reason="误报")),
        (Stage.WITHDRAWN, lambda a, v: services.record_fine(a, v, amount_fen=100)),
    ],
)
def test_the_services_refuse_a_step_the_stage_does_not_allow(prop, team, unit, stage, call):
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    violation.stage = stage
    db.session.commit()
    with pytest.raises(InvalidTransition):
        call(act(team[Role.MANAGER]), violation)


STEPS = {
    "issue_notice": (Stage.REMINDED, lambda a, v: services.issue_notice(a, v)),
    "issue_order": (Stage.NOTICED, lambda a, v: services.issue_order(a, v)),
    "refer": (Stage.ORDERED, lambda a, v: services.refer(a, v, authority="urban", referred_to="城管")),
    "check_rectified": (Stage.NOTICED, lambda a, v: services.record_check(a, v, rectified=True)),
    "check_not_rectified": (Stage.NOTICED, lambda a, v: services.record_check(a, v, rectified=False, note="仍在")),
    "extend": (Stage.NOTICED, lambda a, v: services.extend_deadline(a, v, days=30, reason="业主出差")),
    "withdraw": (Stage.NOTICED, lambda a, v: services.withdraw(a, v, reason="误报")),
    "fine": (Stage.NOTICED, lambda a, v: services.record_fine(a, v, amount_fen=100)),
}


@pytest.mark.parametrize("action", sorted(STEPS))
@pytest.mark.parametrize("role", list(Role))
def test_every_step_is_taken_only_by_its_roles(prop, team, unit, action, role):
    kind = create_kind(prop, fine_allowed=True, fine_max_fen=50000, fine_charge=create_fine_charge(prop))
    violation = record(team[Role.SECURITY], kind, unit=unit)
    stage, call = STEPS[action]
    violation.stage = stage
    db.session.commit()
    allowed = role in VIOLATION_TRANSITIONS[(action, stage)][1]
    if allowed:
        call(act(team[role]), violation)
        assert action in allowed_actions(act(team[role]), violation) or violation.stage != stage
    else:
        with pytest.raises(NotAllowed):
            call(act(team[role]), violation)
        assert action not in allowed_actions(act(team[role]), violation)


def test_a_check_rectified_closes_and_a_check_not_rectified_needs_what_was_found(prop, team, unit):
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    with pytest.raises(DomainError) as refused:
        services.record_check(act(team[Role.SECURITY]), violation, rectified=False, note=" ")
    assert refused.value.field == "note"
    services.record_check(act(team[Role.SECURITY]), violation, rectified=False, note="纸箱仍在")
    assert violation.stage == Stage.REMINDED
    services.record_check(act(team[Role.SECURITY]), violation, rectified=True, note="已清理")
    db.session.commit()
    assert violation.stage == Stage.RECTIFIED and violation.closed_at == utcnow()
    assert [e.action for e in violation.events][-2:] == ["not_rectified", "rectified"]
    assert allowed_actions(act(team[Role.MANAGER]), violation) == ["fine"]
    assert "已整改完毕" in notices_of(unit)[-1]  # the household hears that it is closed


def test_a_withdrawal_tells_the_household_it_is_closed_and_a_public_place_tells_nobody(prop, team, unit):
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    public = record(team[Role.SECURITY], create_kind(prop, "占用消防通道"), place="地库")
    services.withdraw(act(team[Role.MANAGER]), violation, reason="保洁公司的物品，已移走")
    services.withdraw(act(team[Role.MANAGER]), public, reason="登记有误")
    db.session.commit()
    assert len(notices_of(unit)) == 2 and "已撤销该通知" in notices_of(unit)[-1]


def test_an_extension_needs_a_reason_and_a_later_day_and_tells_the_household(prop, team, unit):
    violation = record(team[Role.SECURITY], create_kind(prop, reminder_days=3), unit=unit)
    with pytest.raises(DomainError) as refused:
        services.extend_deadline(act(team[Role.ASSISTANT]), violation, days=10, reason="")
    assert refused.value.field == "reason"
    with pytest.raises(DomainError) as refused:
        services.extend_deadline(act(team[Role.ASSISTANT]), violation, days=2, reason="业主出差")
    assert refused.value.field == "days"
    services.extend_deadline(act(team[Role.ASSISTANT]), violation, days=10, reason="业主出差，下周回来")
    assert violation.deadline == today() + timedelta(days=10) and violation.stage == Stage.REMINDED
    assert len(notices_of(unit)) == 2


def test_overdue_starts_the_day_after_the_deadline(prop, team, unit, clock):
    at_noon(clock)
    violation = record(team[Role.SECURITY], create_kind(prop, reminder_days=2), unit=unit)
    deadline = violation.deadline
    clock.set(datetime.combine(deadline, time(23, 59), tzinfo=ZONE))
    assert not services.is_overdue(violation, today())
    assert queries.open_violations(prop.id, today=today(), due="overdue") == []
    clock.advance(minutes=1)
    assert local_date(utcnow()) == deadline + timedelta(days=1)
    assert services.is_overdue(violation, today())
    assert queries.open_violations(prop.id, today=today(), due="overdue") == [violation]
    services.record_check(act(team[Role.SECURITY]), violation, rectified=True)
    assert not services.is_overdue(violation, today())


def test_a_referred_violation_is_never_overdue(prop, team, unit, clock):
    at_noon(clock)
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    manager = act(team[Role.MANAGER])
    services.issue_notice(manager, violation)
    services.issue_order(manager, violation)
    services.refer(manager, violation, authority="urban", referred_to="城管执法中队")
    clock.advance(days=60)
    assert not services.is_overdue(violation, today())


def test_a_fine_is_refused_where_the_kind_does_not_allow_it(prop, team, unit):
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    with pytest.raises(DomainError) as refused:
        services.record_fine(act(team[Role.MANAGER]), violation, amount_fen=10000)
    assert refused.value.field == "amount"
    assert db.session.scalar(select(func.count()).select_from(Bill)) == 0


def test_a_fine_becomes_a_bill_under_the_one_off_charge_up_to_the_maximum_and_once(prop, team, unit):
    charge = create_fine_charge(prop)
    kind = create_kind(prop, "高空抛物", fine_allowed=True, fine_max_fen=50000, fine_charge=charge)
    violation = record(team[Role.SECURITY], kind, unit=unit)
    manager = act(team[Role.MANAGER])
    with pytest.raises(DomainError):
        services.record_fine(manager, violation, amount_fen=50001)
    with pytest.raises(DomainError):
        services.record_fine(manager, violation, amount_fen=0)
    bill = services.record_fine(manager, violation, amount_fen=30000, note="第二次")
    db.session.commit()
    assert bill.unit_id == unit.id and bill.total_fen == 30000 and bill.title == "违章罚款"
    [line] = bill.lines
    assert line.charge_type_id == charge.id and line.amount_fen == 30000 and f"#{violation.id}" in line.detail
    assert violation.fine_fen == 30000 and violation.fine_bill_id == bill.id
    with pytest.raises(Conflict):
        services.record_fine(manager, violation, amount_fen=100)


def test_a_kind_that_allows_fines_needs_a_one_off_charge_and_a_maximum(prop):
    recurring = builders.create_charge(prop)  # 物业管理费, per m²
    with pytest.raises(DomainError) as refused:
        create_kind(prop, fine_allowed=True, fine_max_fen=10000, fine_charge=recurring)
    assert refused.value.field == "fine_charge_type_id"
    db.session.rollback()
    with pytest.raises(DomainError) as refused:
        create_kind(prop, fine_allowed=True, fine_max_fen=None, fine_charge=create_fine_charge(prop))
    assert refused.value.field == "fine_max"


def test_a_template_edited_after_sending_does_not_change_the_sent_notice(prop, team, unit):
    kind = create_kind(prop)
    violation = record(team[Role.SECURITY], kind, unit=unit)
    sent = violation.notices[0].body
    manager = act(team[Role.MANAGER])
    kinds.save_template(manager, kind, "reminded", title="温馨提示", body="请{unit}在{deadline}前清理。")
    kind.rule = "新的规定"
    db.session.commit()
    db.session.expire_all()
    notice = db.session.scalars(select(ViolationNotice)).one()
    assert notice.body == sent and notice.title == "违章提醒" and notice.rule != "新的规定"
    later = record(team[Role.SECURITY], kind, unit=unit)
    assert later.notices[0].title == "温馨提示" and later.notices[0].body.startswith("请1-1203在")


def test_what_was_seen_typed_with_a_full_stop_reads_with_one_in_the_notice(prop, team, unit):
    violation = record(team[Role.SECURITY], kind=create_kind(prop), unit=unit, seen="楼道堆放纸箱。")
    body = violation.notices[0].body
    assert "楼道堆放纸箱。" in body and "。。" not in body
    assert violation.seen == "楼道堆放纸箱。"  # what was typed is kept as typed


@pytest.mark.parametrize("body", ["{unit.__class__}", "{owner}", "未闭合 {", "{unit!r}"])
def test_a_template_with_an_unknown_placeholder_is_refused(prop, team, body):
    kind = create_kind(prop)
    with pytest.raises(DomainError) as refused:
        kinds.save_template(act(team[Role.MANAGER]), kind, "noticed", title="通知", body=body)
    assert refused.value.field == "body"


def test_only_the_manager_edits_kinds_and_templates(prop, team):
    kind = create_kind(prop)
    with pytest.raises(NotAllowed):
        kinds.save_template(act(team[Role.ASSISTANT]), kind, "noticed", title="通知", body="{unit}")
    with pytest.raises(NotAllowed):
        kinds.create_kind(act(team[Role.SECURITY]), property_id=prop.id, name="x")


def test_repeat_offenders_are_units_with_more_than_n_in_a_year(prop, team, unit, clock):
    at_noon(clock)
    kind = create_kind(prop)
    other = builders.create_unit(number="0808")
    old = record(team[Role.SECURITY], kind, unit=unit)
    old.recorded_at = utcnow() - timedelta(days=400)
    for _ in range(2):
        record(team[Role.SECURITY], kind, unit=unit)
    record(team[Role.SECURITY], kind, unit=other)
    db.session.commit()
    assert queries.repeat_offenders(prop.id, today=today(), more_than=2) == []
    [(unit_id, count, _last)] = queries.repeat_offenders(prop.id, today=today(), more_than=1)
    assert (unit_id, count) == (unit.id, 2)


def test_the_months_count_by_kind(prop, team, unit):
    corridor, parking = create_kind(prop), create_kind(prop, "占用消防通道")
    record(team[Role.SECURITY], corridor, unit=unit)
    closed = record(team[Role.SECURITY], corridor, unit=unit)
    services.record_check(act(team[Role.SECURITY]), closed, rectified=True)
    record(team[Role.SECURITY], parking, place="地库消防通道")
    month = utcnow().astimezone(ZONE).strftime("%Y-%m")
    assert queries.month_counts(prop.id, month) == [("楼道堆放杂物", 2, 1, 1), ("占用消防通道", 1, 1, 0)]


def test_a_tenant_who_moves_in_later_does_not_see_the_previous_occupants_violations(prop, team, unit):
    from domain.property.models import Occupancy, Relation

    owner = unit.occupancies[0].resident
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    tenant = builders.create_resident(prop, relation=Relation.TENANT)
    tomorrow = today() + timedelta(days=1)
    db.session.add(Occupancy(unit=unit, resident=tenant, relation=Relation.TENANT, start_date=tomorrow))
    db.session.commit()
    later = datetime.combine(tomorrow, time(10), tzinfo=ZONE)
    assert queries.resident_violations(tenant.id, tomorrow) == []
    with pytest.raises(NotFound):
        replies.resident_violation(tenant.id, violation.id, now=later)
    assert queries.resident_violations(owner.id, tomorrow) == [violation]  # the owner still lives there
    assert replies.resident_violation(owner.id, violation.id, now=later) == violation


def test_a_resident_answers_only_their_own_units_violations(prop, team, unit):
    owner = unit.occupancies[0].resident
    neighbour = builders.create_resident(prop, unit=builders.create_unit(number="1204"))
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    public = record(team[Role.SECURITY], create_kind(prop, "占用消防通道"), place="地库")
    with pytest.raises(NotFound):
        replies.resident_violation(neighbour.id, violation.id)
    with pytest.raises(NotFound):
        replies.resident_violation(owner.id, public.id)
    answer = replies.reply(Actor.for_user(owner.user, "127.0.0.1"), owner.id, violation, body="已经清理干净了")
    db.session.commit()
    assert answer.violation_id == violation.id and violation.events[-1].action == "replied"
    assert queries.resident_violations(owner.id, today()) == [violation]


def pdf_text(data):
    """The text of every page of a PDF."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_the_written_notice_pdf_reads_as_sent_with_the_rule_the_deadline_and_the_seal_line(prop, team, unit):
    kind = create_kind(prop, first_stage="noticed", notice_days=3)
    violation = record(team[Role.ASSISTANT], kind, unit=unit, place="1号楼12层走廊")
    [notice] = violation.notices
    text = pdf_text(violation_notice_pdf(notice, violation, printed_at=utcnow()))
    deadline = violation.deadline
    for expected in (
        "违章通知书",
        f"违字第{violation.id}-{notice.id}号",
        "1-1203业主/住户",
        "楼道内堆放纸箱",
        "不得占用公共通道堆放物品",
        f"{deadline.year}年{deadline.month}月{deadline.day}日前",
        "1号楼12层走廊（邻近1-1203）",
        "测试小区物业服务中心（盖章）",
        "签收人",
    ):
        assert expected in text, expected
    kinds.save_template(act(team[Role.MANAGER]), kind, "noticed", title="新标题", body="新的内容{unit}")
    kind.rule = "改过的规定"
    db.session.commit()
    reprint = pdf_text(violation_notice_pdf(notice, violation, printed_at=utcnow()))
    assert "新标题" not in reprint and "改过的规定" not in reprint and "不得占用公共通道堆放物品" in reprint


def test_the_demo_has_five_kinds_in_every_stage_and_one_referred(prop):
    for username, role in (("manager", Role.MANAGER), ("security", Role.SECURITY), ("assistant", Role.ASSISTANT)):
        builders.create_staff(role, username=username)
    builders.create_staff(Role.FRONTDESK, username="frontdesk")
    buildings = {"1": prop.buildings[0]}
    for code in ("2", "3"):
        buildings[code] = builders.create_building(prop, code=code)
    for label in ("3-0101", "1-1201", "2-1802", "1-0603", "2-0304", "3-1502", "2-0701"):
        code, number = label.split("-")
        builders.create_unit(buildings[code], number=number, floor=int(number[:2]))
    owner = builders.create_resident(prop, unit=db.session.scalars(select(Unit).where(Unit.number == "1201")).one())
    owner.user.username = "resident1"
    db.session.commit()
    assert demo.load_violations_demo(prop, rng=random.Random(1), today=today()) == 9
    db.session.commit()
    stages = [v.stage for v in db.session.scalars(select(Violation))]
    assert set(stages) == set(Stage) and stages.count(Stage.REFERRED) == 1
    assert len({v.kind_id for v in db.session.scalars(select(Violation))}) == 5
    assert db.session.scalar(select(func.count()).select_from(Bill)) == 1
    assert queries.resident_violations(owner.id, today())[0].replies


def test_a_resident_with_an_address_gets_each_stage_by_email_with_the_notice_text(app, prop, team, unit, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    owner = unit.occupancies[0].resident
    owner.email = "owner@example.com"
    db.session.commit()
    violation = services.record_violation(
        act(team[Role.SECURITY]), kind_id=create_kind(prop).id, unit_label="1-1203", seen="纸箱", property_id=prop.id
    )
    services.issue_notice(act(team[Role.ASSISTANT]), violation)
    mails = db.session.info.get("outbox", [])
    assert [to for to, _subject, _body in mails] == ["owner@example.com", "owner@example.com"]
    _to, subject, body = mails[1]
    assert "违章通知书" in subject and violation.notices[1].body in body
    db.session.rollback()
