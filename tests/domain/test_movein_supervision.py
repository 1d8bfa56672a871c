"""The manager's view of move-in: the board's figures, the day's 收楼汇总 and spot-checks with their follow-up."""

from collections import Counter
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError

from domain.accounts.models import Actor, User
from domain.accounts.roles import Role
from domain.archives.files import missing_types
from domain.archives.inspection_records import file_inspection_record
from domain.archives.move_in_papers import file_move_in_copy
from domain.audit.models import AuditEntry
from domain.clock import local_day_bounds, today, utcnow
from domain.demo import ensure_staff
from domain.errors import DomainError, InvalidTransition, NotAllowed
from domain.movein import supervision
from domain.movein.demo import DEMO_INVITATION_CODE, DEMO_INVITATION_UNIT, PLAN, load_move_in_demo
from domain.movein.invitations import find_invitation
from domain.movein.models import (
    CaseStatus,
    InspectionStatus,
    MoveInCase,
    SpotCheck,
    SpotCheckResult,
    UnitInspection,
)
from domain.movein.summary_pdf import render_summary_pdf
from domain.movein.workflow import spot_check_actions
from domain.property.models import UnitStatus
from domain.tickets.models import Status
from extensions import db
from tests import builders
from tests.supervision_builders import add_key, create_case, create_defect


def _actor(role):
    """A signed-in staff member of `role` as the services see them."""
    return Actor.for_user(builders.create_staff(role), "127.0.0.1")


def _at_local(day, hour, minute=0):
    """`day` at hour:minute at the property, as aware UTC."""
    start, _end = local_day_bounds(day)
    return start + timedelta(hours=hour, minutes=minute)


# The board ------------------------------------------------------------------------------------------------------


def test_board_counts_cases_by_status_with_zero_for_the_rest(prop):
    create_case(prop, status=CaseStatus.BOOKED)
    create_case(prop, status=CaseStatus.BOOKED)
    create_case(prop, completed=True)
    counts = supervision.board(prop.id, utcnow()).counts
    assert counts[CaseStatus.BOOKED] == 2 and counts[CaseStatus.COMPLETED] == 1
    assert counts[CaseStatus.INVITED] == 0 and set(counts) == set(CaseStatus)


def test_board_lists_todays_and_tomorrows_appointments_but_not_cancelled_ones(prop):
    day = today()
    early = create_case(prop, status=CaseStatus.BOOKED, appointment_at=_at_local(day, 9))
    late = create_case(prop, status=CaseStatus.AT_DESK, appointment_at=_at_local(day, 23, 30))
    tomorrow = create_case(prop, status=CaseStatus.BOOKED, appointment_at=_at_local(day + timedelta(days=1), 0, 30))
    create_case(prop, status=CaseStatus.BOOKED, appointment_at=_at_local(day + timedelta(days=2), 9))
    create_case(prop, status=CaseStatus.CANCELLED, appointment_at=_at_local(day, 10))
    board = supervision.board(prop.id, utcnow())
    assert [row.case_id for row in board.today] == [early.id, late.id]
    assert [row.case_id for row in board.tomorrow] == [tomorrow.id]
    assert board.today[0].unit_label.startswith("1-") and board.today[0].owner_name


def test_overdue_defects_are_those_whose_ticket_is_open_and_past_its_deadline(prop):
    case = create_case(prop, completed=True)
    late = create_defect(case, due_in=timedelta(hours=-2), name="窗户")
    create_defect(case, due_in=timedelta(hours=2), name="地板")  # not yet due
    create_defect(case, due_in=timedelta(hours=-2), ticket_status=Status.DONE, name="墙面")  # repaired
    create_defect(case, due_in=timedelta(hours=-2), ticket_status=Status.CLOSED, name="门锁")
    rows = supervision.board(prop.id, utcnow()).overdue_defects
    assert [row.item_id for row in rows] == [late.id]
    assert rows[0].ticket_id == late.ticket_id and rows[0].name == "窗户"


def test_cases_waiting_long_have_a_past_appointment_or_none_for_two_weeks(clock, prop):
    day = today()
    missed = create_case(prop, status=CaseStatus.BOOKED, appointment_at=_at_local(day - timedelta(days=1), 9))
    old = create_case(prop, status=CaseStatus.NOTIFIED, created_at=utcnow() - timedelta(days=15))
    create_case(prop, status=CaseStatus.NOTIFIED, created_at=utcnow() - timedelta(days=13))
    create_case(prop, status=CaseStatus.BOOKED, appointment_at=_at_local(day, 8))  # this morning: not yet
    create_case(prop, completed=True, appointment_at=_at_local(day - timedelta(days=3), 9))
    waiting = supervision.board(prop.id, utcnow()).waiting
    assert [row.case_id for row in waiting] == [old.id, missed.id]


def test_the_board_costs_the_same_queries_for_one_case_or_many(prop, count_queries):
    case = create_case(prop, status=CaseStatus.BOOKED, appointment_at=utcnow() + timedelta(hours=1))
    create_defect(case, due_in=timedelta(hours=-1))
    with count_queries() as few:
        supervision.board(prop.id, utcnow())
    for n in range(6):
        more = create_case(prop, status=CaseStatus.BOOKED, appointment_at=utcnow() + timedelta(hours=1, minutes=n))
        create_defect(more, due_in=timedelta(hours=-1))
        create_case(prop, status=CaseStatus.INVITED, created_at=utcnow() - timedelta(days=20))
    db.session.expire_all()
    with count_queries() as many:
        board = supervision.board(prop.id, utcnow())
    assert len(board.today) + len(board.tomorrow) == 7 and len(board.overdue_defects) == 7
    assert many.count == few.count <= 5


# The day's summary ----------------------------------------------------------------------------------------------


def _bill_for(case, total_fen, paid_fen):
    """Give the case a bill of `total_fen` of which `paid_fen` is paid."""
    bill = builders.create_bill(case.unit, total_fen=total_fen, paid_fen=paid_fen)
    case.bill_id = bill.id
    db.session.commit()


def test_day_summary_counts_the_days_units_fees_keys_and_defects(prop):
    day = today()
    clerk = builders.create_staff(Role.FRONTDESK)
    first = create_case(prop, completed=True, completed_at=_at_local(day, 9), clerk=clerk)
    second = create_case(prop, completed=True, completed_at=_at_local(day, 15))
    yesterday = create_case(prop, completed=True, completed_at=_at_local(day, 0) - timedelta(minutes=5))
    create_case(prop, status=CaseStatus.AT_DESK)
    _bill_for(first, 90000, 90000)
    _bill_for(second, 60000, 30000)
    _bill_for(yesterday, 70000, 70000)
    add_key(first, "房间钥匙", 3, done_at=_at_local(day, 9))
    add_key(second, "房间钥匙", 2, done_at=_at_local(day, 15))
    add_key(second, "业主卡", 0, done_at=_at_local(day, 15))
    add_key(yesterday, "房间钥匙", 3, done_at=_at_local(day, 0) - timedelta(minutes=5))
    raised = create_defect(first, signed_at=_at_local(day, 11))
    create_defect(yesterday, signed_at=_at_local(day, 0) - timedelta(hours=1))

    summary = supervision.day_summary(prop.id, day)

    assert [row.case_id for row in summary.received] == [first.id, second.id]
    assert summary.received[0].clerk_name == clerk.display_name
    assert (summary.fees_due_fen, summary.fees_paid_fen) == (150000, 120000)
    assert [(row.name, row.pieces, row.cases) for row in summary.keys] == [("业主卡", 1, 1), ("房间钥匙", 5, 2)]
    assert [row.item_id for row in summary.defects] == [raised.id]


def test_an_empty_day_has_an_empty_summary(prop):
    summary = supervision.day_summary(prop.id, today())
    assert summary.received == [] and summary.keys == [] and summary.defects == []
    assert summary.fees_paid_fen == 0


def test_the_summary_pdf_carries_its_chinese_title_and_the_units(prop):
    case = create_case(prop, completed=True)
    add_key(case)
    create_defect(case)
    pdf = render_summary_pdf(supervision.day_summary(prop.id, today()), property_name="测试小区", printed_at=utcnow())
    text = PdfReader(BytesIO(pdf)).pages[0].extract_text()
    assert "收楼汇总" in text and "测试小区" in text and case.unit.building.code + "-" + case.unit.number in text
    assert "房间钥匙" in text


# Spot-checks ----------------------------------------------------------------------------------------------------


def test_pick_takes_completed_cases_never_picked_and_fewer_when_there_are_fewer(prop):
    manager = _actor(Role.MANAGER)
    done = [create_case(prop, completed=True) for _ in range(3)]
    create_case(prop, status=CaseStatus.AT_DESK)
    first = supervision.pick_spot_checks(manager, 2, property_id=prop.id)
    assert len(first) == 2 and {c.case_id for c in first} <= {c.id for c in done}
    second = supervision.pick_spot_checks(manager, 5, property_id=prop.id)
    assert len(second) == 1 and second[0].case_id not in {c.case_id for c in first}
    assert supervision.pick_spot_checks(manager, 5, property_id=prop.id) == []
    assert supervision.never_checked_count(prop.id) == 0
    assert db.session.query(AuditEntry).filter_by(action="move_in.spot_check_pick").count() == 3


@pytest.mark.parametrize("n", [0, -1, supervision.MAX_PICK + 1])
def test_pick_refuses_a_count_out_of_range(prop, n):
    with pytest.raises(DomainError) as refused:
        supervision.pick_spot_checks(_actor(Role.MANAGER), n, property_id=prop.id)
    assert refused.value.field == "count"


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT, Role.ENGINEERING])
def test_only_the_manager_picks_and_records(prop, role):
    create_case(prop, completed=True)
    with pytest.raises(NotAllowed):
        supervision.pick_spot_checks(_actor(role), 1, property_id=prop.id)
    (check,) = supervision.pick_spot_checks(_actor(Role.MANAGER), 1, property_id=prop.id)
    with pytest.raises(NotAllowed):
        supervision.record_spot_check(_actor(role), check, "complete")


def _picked(prop, clerk=None):
    """One completed case (by `clerk`) picked for a check."""
    create_case(prop, completed=True, clerk=clerk)
    (check,) = supervision.pick_spot_checks(_actor(Role.MANAGER), 1, property_id=prop.id)
    return check


def test_a_complete_finding_is_recorded_once(prop):
    check = _picked(prop)
    supervision.record_spot_check(_actor(Role.MANAGER), check, "complete")
    assert check.result == SpotCheckResult.COMPLETE and check.checked_at == utcnow()
    assert check.follow_up_by_id is None
    with pytest.raises(InvalidTransition):
        supervision.record_spot_check(_actor(Role.MANAGER), check, "missing", "防火协议缺签字")


def test_missing_items_need_a_note_and_go_to_the_clerk_who_completed_the_case(prop):
    clerk = builders.create_staff(Role.FRONTDESK)
    check = _picked(prop, clerk)
    with pytest.raises(DomainError) as refused:
        supervision.record_spot_check(_actor(Role.MANAGER), check, "missing", "  ")
    assert refused.value.field == "note"
    with pytest.raises(DomainError) as refused:
        supervision.record_spot_check(_actor(Role.MANAGER), check, "pending")
    assert refused.value.field == "result"
    supervision.record_spot_check(_actor(Role.MANAGER), check, "missing", "防火协议缺业主签字")
    assert check.result == SpotCheckResult.MISSING and check.follow_up_by_id == clerk.id
    assert [row[0].id for row in supervision.list_follow_ups(prop.id, clerk.id)] == [check.id]
    assert db.session.query(AuditEntry).filter_by(action="move_in.spot_check", object_id=check.id).count() == 1


def test_a_case_nobody_completed_sends_the_follow_up_to_the_manager(prop):
    manager = _actor(Role.MANAGER)
    check = _picked(prop)
    supervision.record_spot_check(manager, check, "missing", "缺身份证复印件")
    assert check.follow_up_by_id == manager.user_id


def test_the_follow_up_is_finished_once_by_its_clerk_or_the_manager(prop):
    clerk = builders.create_staff(Role.FRONTDESK)
    clerk_actor = Actor.for_user(clerk, "127.0.0.1")
    check = _picked(prop, clerk)
    with pytest.raises(InvalidTransition):  # nothing found missing yet
        supervision.finish_follow_up(clerk_actor, check, "补签")
    supervision.record_spot_check(_actor(Role.MANAGER), check, "missing", "缺业主签字")
    other = _actor(Role.FRONTDESK)
    assert spot_check_actions(other, check) == [] and spot_check_actions(clerk_actor, check) == ["finish"]
    with pytest.raises(NotAllowed):
        supervision.finish_follow_up(other, check, "补签")
    with pytest.raises(NotAllowed):
        supervision.finish_follow_up(_actor(Role.ENGINEERING), check, "补签")
    with pytest.raises(DomainError) as refused:
        supervision.finish_follow_up(clerk_actor, check, "")
    assert refused.value.field == "note"
    supervision.finish_follow_up(clerk_actor, check, "已请业主补签")
    assert check.follow_up_done_at == utcnow() and check.follow_up_note == "已请业主补签"
    with pytest.raises(InvalidTransition):
        supervision.finish_follow_up(_actor(Role.MANAGER), check, "再次")


def test_the_manager_may_finish_a_clerks_follow_up(prop):
    check = _picked(prop, builders.create_staff(Role.FRONTDESK))
    manager = _actor(Role.MANAGER)
    supervision.record_spot_check(manager, check, "missing", "缺业主签字")
    supervision.finish_follow_up(manager, check, "经理已补齐")
    assert check.follow_up_done_at is not None


def test_a_case_is_never_picked_twice_even_by_two_managers_at_once(prop):
    case = create_case(prop, completed=True)
    db.session.add(SpotCheck(property_id=prop.id, case_id=case.id))
    db.session.commit()
    db.session.add(SpotCheck(property_id=prop.id, case_id=case.id))
    with pytest.raises(IntegrityError):  # the unique index holds where two requests raced past the "never picked" test
        db.session.commit()
    db.session.rollback()


def test_spot_checks_list_those_to_check_first(clock, prop):
    manager = _actor(Role.MANAGER)
    create_case(prop, completed=True)
    (older,) = supervision.pick_spot_checks(manager, 1, property_id=prop.id)
    supervision.record_spot_check(manager, older, "complete")
    clock.advance(hours=1)
    create_case(prop, completed=True)
    (newer,) = supervision.pick_spot_checks(manager, 1, property_id=prop.id)
    rows = supervision.list_spot_checks(prop.id)
    assert [row[0].id for row in rows] == [newer.id, older.id]
    assert isinstance(rows[0].completed_at, datetime)


# The demo ------------------------------------------------------------------------------------------------------


def test_the_demo_has_a_move_in_in_every_state_and_the_managers_pages_have_something_to_show(prop):
    builders.create_charge(prop)  # 物业管理费: the cases' fees
    ensure_staff("demo1234", Actor.system(), prop)
    assert (
        load_move_in_demo(prop, file_inspection_record=file_inspection_record, file_move_in_copy=file_move_in_copy)
        == len(PLAN)
        == 20
    )
    db.session.commit()
    cases = db.session.query(MoveInCase).order_by(MoveInCase.id).all()
    statuses = Counter(case.status for case in cases)
    assert statuses == {
        CaseStatus.COMPLETED: 9,
        CaseStatus.AT_DESK: 3,
        CaseStatus.BOOKED: 3,
        CaseStatus.INVITED: 3,
        CaseStatus.NOTIFIED: 2,
    }
    invited = find_invitation(DEMO_INVITATION_CODE)
    assert invited is not None and invited.unit.label == DEMO_INVITATION_UNIT == "8-0404"
    assert sum(1 for case in cases if case.proxy_name) == 2
    assert all(case.unit.status == UnitStatus.OCCUPIED for case in cases if case.status == CaseStatus.COMPLETED)
    inspections = db.session.query(UnitInspection).all()
    assert {(i.round, i.status, i.passed) for i in inspections} >= {
        (1, InspectionStatus.SIGNED, False),
        (2, InspectionStatus.SIGNED, True),
        (1, InspectionStatus.SCHEDULED, None),
    }
    assert all(i.document_id for i in inspections if i.status == InspectionStatus.SIGNED)
    # A case done at the desk and inspected has a complete owner's file: the scans, the signed papers, the record.
    inspected = {i.unit_id for i in inspections if i.status == InspectionStatus.SIGNED}
    assert inspected and all(missing_types(unit_id, prop.id) == [] for unit_id in inspected)
    board = supervision.board(prop.id, utcnow())
    assert board.overdue_defects and board.waiting and board.today + board.tomorrow
    summary = supervision.day_summary(prop.id, today())
    assert len(summary.received) == 4 and summary.keys and summary.fees_paid_fen > 0 and summary.defects
    assert {row.unit_label for row in summary.received} == {"8-0202", "8-0203", "8-0204", "8-0301"}
    checks = db.session.query(SpotCheck).all()
    assert {c.result for c in checks} == set(SpotCheckResult) and len(checks) == 3
    desk = db.session.query(User).filter_by(username="frontdesk").one()
    assert [row[0].result for row in supervision.list_follow_ups(prop.id, desk.id)] == [SpotCheckResult.MISSING]
