"""Renovation applications: the resident's draft and submission, the review steps by role, the state machine
(every illegal move refused), ownership, and the date, hour and undertaking checks."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from domain.renovation import applications, events, permits, review, workers, workflow
from domain.renovation.models import RenovationStatus
from extensions import db
from tests import builders

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ID_NUMBER = "11010519491231002X"
PLAN = {
    "scope": ["walls", "plumbing", "nonsense"],
    "description": "重新铺设卫生间管道，拆除一面非承重墙。",
    "contractor_company": "沈阳美家装饰有限公司",
    "contractor_licence": "91210100MA0XXXXX1",
    "contractor_person": "赵工",
    "contractor_phone": "138 0013 8000",
    "planned_start": date(2026, 12, 10),
    "planned_end": date(2027, 1, 20),
    "work_from": time(8, 30),
    "work_until": time(17, 30),
}


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


@pytest.fixture
def home(prop):
    """Unit 1-1203 with its owner, and a neighbour in 1-0901."""
    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit, name="王芳")
    other_unit = builders.create_unit(number="0901", floor=9)
    neighbour = builders.create_resident(prop, unit=other_unit, name="赵邻居")
    db.session.commit()
    return unit, owner, neighbour


def draft(prop, unit, owner, **changes):
    """A complete draft with one worker, committed."""
    application = applications.start_application(
        act(owner.user),
        property_id=prop.id,
        resident_id=owner.id,
        unit_id=unit.id,
        allowed_units={unit.id},
        now=NOW,
        **{**PLAN, **changes},
    )
    workers.add_worker(
        act(owner.user),
        application,
        resident_id=owner.id,
        name="钱师傅",
        phone="13900001111",
        id_number=ID_NUMBER,
        now=NOW,
    )
    db.session.commit()
    return application


def submit(application, owner, **changes):
    """Submit with the undertakings signed."""
    values = {"signed_name": "王芳", "accept_undertakings": True, **changes}
    applications.submit(act(owner.user), application, resident_id=owner.id, today=TODAY, now=NOW, **values)
    db.session.commit()
    return application


def test_an_application_goes_from_draft_through_the_desk_engineering_and_the_manager(prop, home):
    unit, owner, _neighbour = home
    application = submit(draft(prop, unit, owner), owner)
    assert application.status == RenovationStatus.SUBMITTED and application.signed_at == NOW
    assert application.scope == ["walls", "plumbing"]  # unknown scope keys are dropped
    assert application.contractor_phone == "13800138000"
    for role, action, status in (
        (Role.FRONTDESK, "check", RenovationStatus.CHECKED),
        (Role.ENGINEERING, "review", RenovationStatus.REVIEWED),
    ):
        review.take_step(act(builders.create_staff(role)), application, action, now=NOW)
        db.session.commit()
        assert application.status == status
    builders.create_charge(prop, code="RENO", name="装修押金", basis="one_off", rate_fen=300000)
    review.approve(act(builders.create_staff(Role.MANAGER)), application, today=TODAY, now=NOW)
    db.session.commit()
    assert application.status == RenovationStatus.APPROVED
    assert application.decided_at == NOW and application.decided_by_id is not None
    assert [e.action for e in events.timeline(application)] == ["create", "submit", "check", "review", "approve"]
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "renovation_applications"))
    assert {"renovation.create", "renovation.worker_add", "renovation.submit", "renovation.approve"} <= set(actions)


def test_only_the_masked_id_number_of_a_worker_is_kept(prop, home):
    unit, owner, _neighbour = home
    worker = draft(prop, unit, owner).workers[0]
    assert worker.id_number_masked == "1*************002X"
    assert not any(ID_NUMBER in (e.summary or "") for e in db.session.scalars(select(AuditEntry)))


def test_a_bad_worker_id_or_phone_is_refused_on_its_field(prop, home):
    unit, owner, _neighbour = home
    application = draft(prop, unit, owner)
    for phone, id_number, field in (("123", ID_NUMBER, "worker_phone"), ("13900002222", "123", "worker_id")):
        with pytest.raises(DomainError) as refused:
            workers.add_worker(
                act(owner.user), application, resident_id=owner.id, name="孙师傅", phone=phone, id_number=id_number
            )
        assert refused.value.field == field
        db.session.rollback()
    assert len(application.workers) == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"planned_start": date(2026, 11, 30)}, "planned_start"),
        ({"planned_end": date(2026, 12, 9)}, "planned_end"),
        ({"planned_end": date(2027, 12, 31)}, "planned_end"),
        ({"work_from": time(7, 0)}, "work_from"),
        ({"work_until": time(8, 0)}, "work_until"),
        ({"work_until": time(21, 0)}, "work_from"),
        ({"scope": []}, "scope"),
        ({"contractor_licence": ""}, "contractor_licence"),
    ],
)
def test_submitting_checks_dates_hours_and_completeness(prop, home, changes, field):
    unit, owner, _neighbour = home
    application = draft(prop, unit, owner, **changes)
    with pytest.raises(DomainError) as refused:
        submit(application, owner)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.get(type(application), application.id).status == RenovationStatus.DRAFT


def test_submitting_needs_both_undertakings_and_a_worker(prop, home):
    unit, owner, _neighbour = home
    application = draft(prop, unit, owner)
    with pytest.raises(DomainError) as refused:
        submit(application, owner, accept_undertakings=False)
    assert refused.value.field == "accept_undertakings"
    db.session.rollback()
    with pytest.raises(DomainError) as refused:
        submit(application, owner, signed_name="  ")
    assert refused.value.field == "signed_name"
    db.session.rollback()
    workers.remove_worker(act(owner.user), application, application.workers[0].id, resident_id=owner.id)
    with pytest.raises(DomainError) as refused:
        submit(application, owner)
    assert refused.value.field == "worker_name"


def test_the_resident_edits_only_a_draft_or_an_application_sent_back(prop, home):
    unit, owner, _neighbour = home
    application = submit(draft(prop, unit, owner), owner)
    with pytest.raises(InvalidTransition):
        applications.update_application(act(owner.user), application, resident_id=owner.id, description="改了")
    review.take_step(
        act(builders.create_staff(Role.FRONTDESK)), application, "request_changes", note="请补充施工图纸。", now=NOW
    )
    db.session.commit()
    assert application.status == RenovationStatus.CHANGES_REQUESTED and application.decision_note == "请补充施工图纸。"
    from domain.notify.models import Notification

    assert "请补充施工图纸。" in db.session.scalars(select(Notification.message)).one()
    applications.update_application(
        act(owner.user), application, resident_id=owner.id, **{**PLAN, "description": "已补充"}
    )
    applications.comment(act(owner.user), application, body="图纸已上传。", resident_id=owner.id)
    submit(application, owner)
    assert application.status == RenovationStatus.SUBMITTED and application.description == "已补充"


def test_a_neighbour_can_neither_see_nor_touch_the_application(prop, home):
    unit, owner, neighbour = home
    application = draft(prop, unit, owner)
    with pytest.raises(NotFound):
        applications.get_resident_application(neighbour.id, application.id)
    for attempt in (
        lambda: applications.update_application(act(neighbour.user), application, resident_id=neighbour.id, **PLAN),
        lambda: applications.submit(
            act(neighbour.user),
            application,
            resident_id=neighbour.id,
            signed_name="赵",
            accept_undertakings=True,
            today=TODAY,
        ),
        lambda: applications.cancel(act(neighbour.user), application, resident_id=neighbour.id),
        lambda: workers.add_worker(
            act(neighbour.user),
            application,
            resident_id=neighbour.id,
            name="x",
            phone="13900001111",
            id_number=ID_NUMBER,
        ),
        lambda: applications.comment(act(neighbour.user), application, body="hi", resident_id=neighbour.id),
        lambda: applications.start_application(
            act(neighbour.user),
            property_id=prop.id,
            resident_id=neighbour.id,
            unit_id=unit.id,
            allowed_units={unit.id + 1},
        ),
    ):
        with pytest.raises(NotFound):
            attempt()
        db.session.rollback()
    assert applications.applications_of(neighbour.id) == []


@pytest.mark.parametrize(
    "role, action",
    [
        (Role.ENGINEERING, "check"),
        (Role.CLEANING, "check"),
        (Role.FRONTDESK, "review"),
        (Role.FRONTDESK, "approve"),
        (Role.ENGINEERING, "approve"),
        (Role.ASSISTANT, "reject"),
    ],
)
def test_each_review_step_belongs_to_its_role(prop, home, role, action):
    unit, owner, _neighbour = home
    application = submit(draft(prop, unit, owner), owner)
    if action in ("review", "approve"):
        review.take_step(act(builders.create_staff(Role.FRONTDESK)), application, "check", now=NOW)
    if action == "approve":
        review.take_step(act(builders.create_staff(Role.ENGINEERING)), application, "review", now=NOW)
    db.session.commit()
    before = application.status
    with pytest.raises(NotAllowed):
        if action == "approve":
            review.approve(act(builders.create_staff(role)), application, today=TODAY, now=NOW)
        else:
            review.take_step(act(builders.create_staff(role)), application, action, note="x", now=NOW)
    db.session.rollback()
    assert application.status == before


def test_asking_for_changes_and_rejecting_need_a_note(prop, home):
    unit, owner, _neighbour = home
    application = submit(draft(prop, unit, owner), owner)
    manager = act(builders.create_staff(Role.MANAGER))
    for action in ("request_changes", "reject"):
        with pytest.raises(DomainError) as refused:
            review.take_step(manager, application, action, note=" ")
        assert refused.value.field == "note"
        db.session.rollback()
    review.take_step(manager, application, "reject", note="涉及承重墙改动，不予批准。", now=NOW)
    db.session.commit()
    assert application.status == RenovationStatus.REJECTED and application.decision_note.startswith("涉及承重墙")
    with pytest.raises(InvalidTransition):
        applications.cancel(act(owner.user), application, resident_id=owner.id)


def test_the_resident_cannot_take_a_staff_step(prop, home):
    unit, owner, _neighbour = home
    application = submit(draft(prop, unit, owner), owner)
    with pytest.raises(NotAllowed):
        review.take_step(act(owner.user), application, "check")


def test_every_move_not_in_the_table_is_refused():
    system = Actor.system("test")
    for status in RenovationStatus:
        for action in workflow.ACTIONS:
            if (action, status) in workflow.TRANSITIONS:
                assert workflow.check(system, action, status) == workflow.TRANSITIONS[(action, status)][0]
            else:
                with pytest.raises(InvalidTransition):
                    workflow.check(system, action, status)


def test_the_steps_offered_are_the_ones_the_actor_may_take():
    manager = Actor(1, "经理", Role.MANAGER, "test", None)
    desk = Actor(2, "前台", Role.FRONTDESK, "test", None)
    assert workflow.steps_for(manager, RenovationStatus.REVIEWED) == ["request_changes", "approve", "reject"]
    assert workflow.steps_for(desk, RenovationStatus.SUBMITTED) == ["check", "request_changes"]
    assert workflow.steps_for(desk, RenovationStatus.APPROVED) == ["issue_permit"]
    assert workflow.steps_for(desk, RenovationStatus.REJECTED) == []


def test_the_inspectors_are_the_workflows_and_the_system_counts_as_one():
    assert workflow.is_inspector(Actor.system("test"))
    for role in Role:
        assert workflow.is_inspector(Actor(1, "x", role, "test", None)) == (role in workflow.INSPECTORS), role


def test_the_passes_offered_are_the_ones_the_service_accepts(prop, home):
    """may_keep_passes() says yes exactly when add_worker_pass() would not refuse."""
    unit, owner, _neighbour = home
    application = submit(draft(prop, unit, owner), owner)
    for status in (RenovationStatus.SUBMITTED, RenovationStatus.APPROVED, RenovationStatus.PERMITTED):
        application.status = status
        for role in Role:
            actor = act(builders.create_staff(role))
            try:
                workers.add_worker_pass(actor, application, name="孙师傅", phone="13900002222", id_number=ID_NUMBER)
                accepted = True
            except (NotAllowed, InvalidTransition):
                accepted = False
            db.session.rollback()
            application = db.session.merge(application)
            application.status = status
            assert workers.may_keep_passes(actor, application) == accepted, (status, role)


# Deposit, fees and the permit -------------------------------------------------------------------------------


@pytest.fixture
def reviewed(prop, home):
    """An application through the desk and engineering, with the deposit (¥3,000) and a fee (¥500) scheduled."""
    unit, owner, _neighbour = home
    builders.create_charge(prop, code="RENO", name="装修押金", basis="one_off", rate_fen=300000)
    builders.create_charge(prop, code="RENOFEE", name="装修管理费", basis="one_off", rate_fen=50000)
    application = submit(draft(prop, unit, owner), owner)
    review.take_step(act(builders.create_staff(Role.FRONTDESK)), application, "check", now=NOW)
    review.take_step(act(builders.create_staff(Role.ENGINEERING)), application, "review", now=NOW)
    db.session.commit()
    return application


def test_approval_bills_the_deposit_and_the_fee_to_the_unit(reviewed):
    from domain.billing.models import Bill

    manager = act(builders.create_staff(Role.MANAGER))
    bill = review.approve(manager, reviewed, note="同意，注意施工时间。", today=TODAY, now=NOW)
    db.session.commit()
    bill = db.session.get(Bill, bill.id)
    assert reviewed.deposit_bill_id == bill.id and bill.unit_id == reviewed.unit_id
    assert [(line.description, line.amount_fen) for line in bill.lines] == [("装修押金", 300000), ("装修管理费", 50000)]
    assert bill.total_fen == 350000 and bill.due_date == date(2026, 12, 8)
    assert reviewed.decision_note == "同意，注意施工时间。"


def test_approval_without_a_deposit_in_the_fee_schedule_is_refused(prop, home):
    unit, owner, _neighbour = home
    application = submit(draft(prop, unit, owner), owner)
    review.take_step(act(builders.create_staff(Role.FRONTDESK)), application, "check", now=NOW)
    review.take_step(act(builders.create_staff(Role.ENGINEERING)), application, "review", now=NOW)
    db.session.commit()
    with pytest.raises(DomainError):
        review.approve(act(builders.create_staff(Role.MANAGER)), application, today=TODAY, now=NOW)
    db.session.rollback()
    assert application.status == RenovationStatus.REVIEWED


def test_approval_cannot_skip_the_bill(reviewed):
    with pytest.raises(InvalidTransition):
        review.take_step(act(builders.create_staff(Role.MANAGER)), reviewed, "approve", now=NOW)


def test_the_permit_is_issued_only_once_the_deposit_is_paid(reviewed):
    from domain.billing.models import Bill

    bill = review.approve(act(builders.create_staff(Role.MANAGER)), reviewed, today=TODAY, now=NOW)
    db.session.commit()
    desk = act(builders.create_staff(Role.FRONTDESK))
    with pytest.raises(InvalidTransition):
        permits.issue_permit(desk, reviewed, now=NOW)
    db.session.rollback()
    paid = db.session.get(Bill, bill.id)
    paid.paid_fen = paid.total_fen
    db.session.commit()
    with pytest.raises(NotAllowed):
        permits.issue_permit(act(builders.create_staff(Role.CLEANING)), reviewed, now=NOW)
    db.session.rollback()
    permits.issue_permit(desk, reviewed, now=NOW)
    db.session.commit()
    assert reviewed.status == RenovationStatus.PERMITTED and reviewed.permit_issued_at == NOW
    from domain.property.models import Unit, UnitStatus

    assert db.session.get(Unit, reviewed.unit_id).status == UnitStatus.RENOVATING
    from domain.property.units import status_history

    change = status_history(reviewed.unit_id)[0]  # the history has it too, from the permit's day
    assert (change.from_status, change.to_status, change.effective_on) == (
        UnitStatus.OCCUPIED,
        UnitStatus.RENOVATING,
        NOW.date(),
    )
    with pytest.raises(InvalidTransition):  # exactly once
        permits.issue_permit(desk, reviewed, now=NOW)


def test_the_gate_sees_whether_a_permit_is_valid_today(reviewed):
    from domain.billing.models import Bill

    code = permits.permit_code(reviewed)
    assert permits.check_permit(code, date(2026, 12, 12)) == (reviewed, "not_issued")
    bill = review.approve(act(builders.create_staff(Role.MANAGER)), reviewed, today=TODAY, now=NOW)
    db.session.get(Bill, bill.id).paid_fen = 350000
    permits.issue_permit(act(builders.create_staff(Role.FRONTDESK)), reviewed, now=NOW)
    db.session.commit()
    assert permits.check_permit(code, date(2026, 12, 9))[1] == "not_started"
    assert permits.check_permit(code, date(2026, 12, 10))[1] == "valid"
    assert permits.check_permit(code, date(2027, 1, 20))[1] == "valid"
    assert permits.check_permit(code, date(2027, 1, 21))[1] == "ended"
    assert permits.check_permit(code + "x", date(2026, 12, 12)) == (None, "unknown")
    assert permits.check_permit("", date(2026, 12, 12)) == (None, "unknown")
    with pytest.raises(NotAllowed):
        permits.revoke_permit(act(builders.create_staff(Role.FRONTDESK)), reviewed, note="违章")
    permits.revoke_permit(act(builders.create_staff(Role.SECURITY)), reviewed, note="超时施工，责令停工。", now=NOW)
    db.session.commit()
    assert permits.check_permit(code, date(2026, 12, 12))[1] == "revoked"


# During and after the works -------------------------------------------------------------------------------


@pytest.fixture
def under_way(reviewed):
    """The reviewed application approved, paid and permitted."""
    from domain.billing.models import Bill

    bill = review.approve(act(builders.create_staff(Role.MANAGER)), reviewed, today=TODAY, now=NOW)
    db.session.get(Bill, bill.id).paid_fen = 350000
    permits.issue_permit(act(builders.create_staff(Role.FRONTDESK)), reviewed, now=NOW)
    db.session.commit()
    return reviewed


def test_inspectors_record_visits_and_violations_and_the_resident_is_told(under_way):
    from domain.notify.models import Notification
    from domain.renovation import inspections

    guard = act(builders.create_staff(Role.SECURITY))
    inspections.record_inspection(guard, under_way, findings="18:40 仍在施工，电钻噪音。", now=NOW)
    violation = inspections.record_violation(
        guard,
        under_way,
        kind="outside_hours",
        description="超时施工",
        deadline=TODAY,
        fine_fen=20000,
        today=TODAY,
        now=NOW,
    )
    db.session.commit()
    assert violation.is_open and inspections.fines_fen(under_way) == 20000
    notices = db.session.scalars(select(Notification).where(Notification.resident_id == under_way.resident_id)).all()
    assert any("超时施工" in n.message for n in notices)
    assert any("许可证" in n.message or "permit" in n.message for n in notices)  # told when the permit was issued
    for bad, field in (
        ({"kind": "x"}, "kind"),
        ({"description": " "}, "description"),
        ({"deadline": date(2026, 11, 30)}, "deadline"),
        ({"fine_fen": -1}, "fine"),
    ):
        values = {"kind": "noise", "description": "噪音", "deadline": TODAY, "fine_fen": 0, **bad}
        with pytest.raises(DomainError) as refused:
            inspections.record_violation(guard, under_way, today=TODAY, **values)
        assert refused.value.field == field
        db.session.rollback()
    with pytest.raises(NotAllowed):
        inspections.record_inspection(act(builders.create_staff(Role.FRONTDESK)), under_way, findings="x")


def test_a_waived_violation_costs_nothing_and_settles_once(under_way):
    from domain.renovation import inspections

    engineer = act(builders.create_staff(Role.ENGINEERING))
    first = inspections.record_violation(
        engineer,
        under_way,
        kind="waste",
        description="楼道堆放垃圾",
        deadline=TODAY,
        fine_fen=5000,
        today=TODAY,
        now=NOW,
    )
    second = inspections.record_violation(
        engineer,
        under_way,
        kind="noise",
        description="午休时间施工",
        deadline=TODAY,
        fine_fen=10000,
        today=TODAY,
        now=NOW,
    )
    db.session.commit()
    with pytest.raises(DomainError):
        inspections.resolve_violation(engineer, under_way, second.id, outcome="waived")  # needs a reason
    db.session.rollback()
    inspections.resolve_violation(engineer, under_way, first.id, outcome="rectified", now=NOW)
    inspections.resolve_violation(engineer, under_way, second.id, outcome="waived", note="经核实为邻居家施工", now=NOW)
    db.session.commit()
    assert inspections.fines_fen(under_way) == 5000
    with pytest.raises(InvalidTransition):
        inspections.resolve_violation(engineer, under_way, first.id, outcome="waived", note="x")


def test_acceptance_needs_every_item_and_no_open_violation_then_the_unit_is_occupied_again(under_way, home):
    from domain.property.models import Unit, UnitStatus
    from domain.renovation import inspections

    unit, owner, neighbour = home
    engineer = act(builders.create_staff(Role.ENGINEERING))
    with pytest.raises(InvalidTransition):  # the resident has not reported completion
        inspections.accept(engineer, under_way, checklist=dict.fromkeys(inspections.CHECKLIST, True))
    db.session.rollback()
    with pytest.raises(NotFound):
        inspections.report_completion(act(neighbour.user), under_way, resident_id=neighbour.id)
    inspections.report_completion(act(owner.user), under_way, resident_id=owner.id, now=NOW)
    with pytest.raises(NotAllowed):  # acceptance is engineering's
        inspections.accept(
            act(builders.create_staff(Role.SECURITY)), under_way, checklist=dict.fromkeys(inspections.CHECKLIST, True)
        )
    violation = inspections.record_violation(
        engineer, under_way, kind="waste", description="垃圾未清运", deadline=TODAY, today=TODAY, now=NOW
    )
    db.session.commit()
    with pytest.raises(DomainError):  # an open violation blocks the acceptance
        inspections.accept(engineer, under_way, checklist=dict.fromkeys(inspections.CHECKLIST, True))
    db.session.rollback()
    failed = inspections.accept(
        engineer, under_way, checklist={"structure_intact": True}, findings="卫生间闭水未过", now=NOW
    )
    db.session.commit()
    assert failed.passed is False and under_way.status == RenovationStatus.PERMITTED
    inspections.resolve_violation(engineer, under_way, violation.id, outcome="rectified", now=NOW)
    inspections.report_completion(act(owner.user), under_way, resident_id=owner.id, now=NOW)
    passed = inspections.accept(engineer, under_way, checklist=dict.fromkeys(inspections.CHECKLIST, True), now=NOW)
    db.session.commit()
    assert passed.passed and under_way.status == RenovationStatus.ACCEPTED
    assert db.session.get(Unit, unit.id).status == UnitStatus.OCCUPIED
    from domain.property.units import status_history

    change = status_history(unit.id)[0]
    assert (change.from_status, change.to_status, change.recorded_by_id) == (
        UnitStatus.RENOVATING,
        UnitStatus.OCCUPIED,
        engineer.user_id,
    )


def test_a_renovation_violation_is_one_of_the_violations_starting_at_the_written_notice(under_way, home):
    from domain.notify.models import Notification
    from domain.renovation import inspections
    from domain.violations import queries
    from domain.violations import services as violation_services
    from domain.violations.models import Stage

    unit, owner, neighbour = home
    guard = act(builders.create_staff(Role.SECURITY))
    first = inspections.record_violation(
        guard,
        under_way,
        kind="waste",
        description="楼道堆放装修垃圾",
        deadline=TODAY,
        fine_fen=5000,
        today=TODAY,
        now=NOW,
    )
    second = inspections.record_violation(
        guard, under_way, kind="waste", description="电梯厅堆放瓷砖", deadline=TODAY, today=TODAY, now=NOW
    )
    db.session.commit()
    assert (first.stage, first.deadline, first.unit_id, first.renovation_id) == (
        Stage.NOTICED,
        TODAY,
        unit.id,
        under_way.id,
    )
    assert first.fine_fen == 5000 and first.fine_bill_id is None and second.fine_fen is None  # no bill, no zero fine
    assert first.kind is second.kind and first.kind.renovation_kind == "waste"  # one kind per property, made once
    assert first.kind.name == inspections.RENOVATION_KIND_NAMES["waste"]
    assert first.kind not in violation_services.kinds_of(under_way.property_id)  # not recorded by hand
    assert [v.id for v in queries.open_violations(under_way.property_id, today=TODAY)] == [first.id, second.id]
    # The owner (the applicant) reads its written notice among the unit's notices; the neighbour does not.
    assert first in queries.resident_violations(owner.id, TODAY)
    assert first not in queries.resident_violations(neighbour.id, TODAY)
    notice = first.notices[0]
    assert notice.stage == Stage.NOTICED and notice.deadline == TODAY
    assert "楼道堆放装修垃圾" in notice.body and "装修押金" in notice.body and "1-1203" in notice.body
    # Told once, in the renovation's words, not a second time as a household notice.
    told = db.session.scalars(select(Notification.message).where(Notification.resident_id == owner.id)).all()
    assert sum("楼道堆放装修垃圾" in message for message in told) == 1
    assert not any("违章通知书" in message for message in told)
    # Never escalated, extended, billed or left "not rectified": the renovation's table has none of those.
    manager = act(builders.create_staff(Role.MANAGER))
    for refused in (
        lambda: violation_services.issue_order(manager, first, now=NOW),
        lambda: violation_services.extend_deadline(manager, first, days=9, reason="业主出差", now=NOW),
        lambda: violation_services.record_fine(manager, first, amount_fen=10000, now=NOW),
        lambda: violation_services.record_check(manager, first, rectified=False, note="仍未清理", now=NOW),
    ):
        with pytest.raises(InvalidTransition):
            refused()
        db.session.rollback()
    with pytest.raises(NotAllowed):  # the renovation's inspectors settle it: not the assistant
        violation_services.record_check(act(builders.create_staff(Role.ASSISTANT)), first, rectified=True)
    db.session.rollback()


def test_a_renovation_violation_settled_on_either_page_reads_the_same_on_the_renovation(under_way):
    from domain.renovation import inspections
    from domain.violations import services as violation_services
    from domain.violations.models import Stage

    engineer = act(builders.create_staff(Role.ENGINEERING))
    kept = inspections.record_violation(
        engineer,
        under_way,
        kind="noise",
        description="午休时间电锤",
        deadline=TODAY,
        fine_fen=8000,
        today=TODAY,
        now=NOW,
    )
    waived = inspections.record_violation(
        engineer,
        under_way,
        kind="other",
        description="疑似私接燃气",
        deadline=TODAY,
        fine_fen=30000,
        today=TODAY,
        now=NOW,
    )
    db.session.commit()
    inspections.resolve_violation(engineer, under_way, kept.id, outcome="rectified", note="已调整施工时间", now=NOW)
    # Waived from the violations' own page by the manager: the renovation's timeline and deposit follow.
    violation_services.withdraw(
        act(builders.create_staff(Role.MANAGER)), waived, reason="经核实为燃气公司施工", now=NOW
    )
    db.session.commit()
    assert (kept.stage, waived.stage) == (Stage.RECTIFIED, Stage.WITHDRAWN)
    assert kept.closed_at is not None and [e.action for e in kept.events] == ["recorded", "rectified"]
    assert inspections.fines_fen(under_way) == 8000  # the waived fine is not taken from the deposit
    assert [(e.action, e.body) for e in events.timeline(under_way) if e.action.startswith("violation_")] == [
        ("violation_rectified", "已调整施工时间"),
        ("violation_waived", "经核实为燃气公司施工"),
    ]
    with pytest.raises(NotFound):  # another application's violation is not this one's
        inspections.resolve_violation(engineer, under_way, kept.id + 100, outcome="rectified")


def _accepted(under_way, home):
    """Take the works through completion and a passed acceptance."""
    from domain.renovation import inspections

    _unit, owner, _neighbour = home
    inspections.report_completion(act(owner.user), under_way, resident_id=owner.id, now=NOW)
    inspections.accept(
        act(builders.create_staff(Role.ENGINEERING)),
        under_way,
        checklist=dict.fromkeys(inspections.CHECKLIST, True),
        now=NOW,
    )
    db.session.commit()


def test_the_deposit_goes_back_minus_the_fines_exactly_once_and_the_bill_stays_paid(prop, reviewed, home):
    from domain.billing.models import Bill
    from domain.payments.desk import record_desk_payment
    from domain.payments.models import Payment, Refund
    from domain.renovation import inspections

    bill = review.approve(act(builders.create_staff(Role.MANAGER)), reviewed, today=TODAY, now=NOW)
    db.session.commit()
    payment = record_desk_payment(Actor.system("test"), unit_id=reviewed.unit_id, bill_ids=[bill.id], method="cash")
    assert reviewed.status == RenovationStatus.PERMITTED  # the payment issued the permit
    inspections.record_violation(
        act(builders.create_staff(Role.SECURITY)),
        reviewed,
        kind="outside_hours",
        description="超时施工",
        deadline=TODAY,
        fine_fen=20000,
        today=TODAY,
        now=NOW,
    )
    waived = inspections.record_violation(
        act(builders.create_staff(Role.SECURITY)),
        reviewed,
        kind="noise",
        description="噪音",
        deadline=TODAY,
        fine_fen=50000,
        today=TODAY,
        now=NOW,
    )
    db.session.commit()
    inspections.resolve_violation(
        act(builders.create_staff(Role.SECURITY)), reviewed, waived.id, outcome="waived", note="不是本户", now=NOW
    )
    db.session.commit()
    violation = inspections.violations_of(reviewed)[0]
    inspections.resolve_violation(
        act(builders.create_staff(Role.SECURITY)), reviewed, violation.id, outcome="rectified", now=NOW
    )
    _accepted(reviewed, home)
    with pytest.raises(NotAllowed):
        inspections.refund_deposit(act(builders.create_staff(Role.ENGINEERING)), reviewed)
    db.session.rollback()
    refunded = inspections.refund_deposit(act(builders.create_staff(Role.FINANCE)), reviewed, now=NOW)
    db.session.commit()
    assert refunded == 300000 - 20000  # the deposit line only (not the fee), minus the fine that stands
    assert reviewed.status == RenovationStatus.CLOSED
    assert (reviewed.deposit_fen, reviewed.fines_kept_fen, reviewed.refunded_fen) == (300000, 20000, 280000)
    refund = db.session.scalars(select(Refund)).one()
    assert refund.amount_fen == 280000 and refund.keeps_bills and refund.status.value == "succeeded"
    assert db.session.get(Payment, payment.id).refunded_fen == 280000
    assert db.session.get(Bill, bill.id).outstanding_fen == 0  # the deposit was paid; it is returned, not unpaid
    with pytest.raises(InvalidTransition):
        inspections.refund_deposit(act(builders.create_staff(Role.FINANCE)), reviewed)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Refund.id))) == 1


def test_fines_larger_than_the_deposit_leave_nothing_to_refund(prop, reviewed, home):
    from domain.payments.desk import record_desk_payment
    from domain.payments.models import Refund
    from domain.renovation import inspections

    bill = review.approve(act(builders.create_staff(Role.MANAGER)), reviewed, today=TODAY, now=NOW)
    db.session.commit()
    record_desk_payment(Actor.system("test"), unit_id=reviewed.unit_id, bill_ids=[bill.id], method="cash")
    violation = inspections.record_violation(
        act(builders.create_staff(Role.ENGINEERING)),
        reviewed,
        kind="load_bearing",
        description="擅自拆改承重墙",
        deadline=TODAY,
        fine_fen=500000,
        today=TODAY,
        now=NOW,
    )
    inspections.resolve_violation(
        act(builders.create_staff(Role.ENGINEERING)), reviewed, violation.id, outcome="rectified", now=NOW
    )
    db.session.commit()
    _accepted(reviewed, home)
    assert inspections.refund_deposit(act(builders.create_staff(Role.MANAGER)), reviewed, now=NOW) == 0
    db.session.commit()
    assert reviewed.fines_kept_fen == 300000 and db.session.scalar(select(func.count(Refund.id))) == 0


def test_the_desk_and_security_change_worker_passes_during_the_works(under_way):
    guard = act(builders.create_staff(Role.SECURITY))
    worker = workers.add_worker_pass(guard, under_way, name="孙师傅", phone="13900002222", id_number=ID_NUMBER, now=NOW)
    db.session.commit()
    assert worker.id_number_masked == "1*************002X"
    code = permits.permit_code(under_way)
    assert "孙师傅" in [w.name for w in permits.check_permit(code, TODAY)[0].workers if w.revoked_at is None]
    workers.revoke_worker_pass(act(builders.create_staff(Role.FRONTDESK)), under_way, worker.id, now=NOW)
    db.session.commit()
    assert worker.revoked_at == NOW
    with pytest.raises(NotAllowed):
        workers.add_worker_pass(
            act(builders.create_staff(Role.CLEANING)), under_way, name="x", phone="13900002222", id_number=ID_NUMBER
        )
    with pytest.raises(NotFound):
        workers.revoke_worker_pass(guard, under_way, worker.id)  # already revoked


def test_worker_passes_do_not_change_before_approval(prop, home):
    unit, owner, _neighbour = home
    application = submit(draft(prop, unit, owner), owner)
    with pytest.raises(InvalidTransition):
        workers.add_worker_pass(
            act(builders.create_staff(Role.FRONTDESK)), application, name="x", phone="13900002222", id_number=ID_NUMBER
        )


# The permit follows the payment ---------------------------------------------------------------------------


def test_a_desk_payment_of_the_deposit_issues_the_permit_and_tells_the_resident(reviewed, home):
    from domain.notify.models import Notification
    from domain.payments.desk import record_desk_payment

    _unit, owner, _neighbour = home
    bill = review.approve(act(builders.create_staff(Role.MANAGER)), reviewed, today=TODAY, now=NOW)
    db.session.commit()
    cashier = act(builders.create_staff(Role.FRONTDESK))
    record_desk_payment(cashier, unit_id=reviewed.unit_id, bill_ids=[bill.id], method="cash", amount_fen=100000)
    db.session.commit()
    assert reviewed.status == RenovationStatus.APPROVED  # paid in part: no permit yet
    record_desk_payment(cashier, unit_id=reviewed.unit_id, bill_ids=[bill.id], method="cash")
    db.session.commit()
    assert reviewed.status == RenovationStatus.PERMITTED and reviewed.permit_issued_at is not None
    notices = db.session.scalars(select(Notification.message).where(Notification.resident_id == owner.id)).all()
    assert any("装修许可证已发放" in message and "打开许可证" in message for message in notices)
    issued = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "renovation.issue_permit")).one()
    assert issued.object_id == reviewed.id
    assert [e.action for e in events.timeline(reviewed)][-1] == "issue_permit"


def test_a_paid_bill_that_is_no_deposit_issues_no_permit(reviewed, home):
    from domain.payments.desk import record_desk_payment

    review.approve(act(builders.create_staff(Role.MANAGER)), reviewed, today=TODAY, now=NOW)
    other = builders.create_bill(home[0], total_fen=8800)
    db.session.commit()
    record_desk_payment(
        act(builders.create_staff(Role.FRONTDESK)), unit_id=reviewed.unit_id, bill_ids=[other.id], method="cash"
    )
    db.session.commit()
    assert reviewed.status == RenovationStatus.APPROVED


def test_the_desk_is_offered_no_permit_to_issue_while_the_deposit_is_unpaid(reviewed):
    from domain.billing.models import Bill

    desk = act(builders.create_staff(Role.FRONTDESK))
    bill = review.approve(act(builders.create_staff(Role.MANAGER)), reviewed, today=TODAY, now=NOW)
    db.session.commit()
    assert "issue_permit" not in review.allowed_actions(desk, reviewed)
    # A deposit paid before permits followed payments by themselves: the desk may still issue that one.
    db.session.get(Bill, bill.id).paid_fen = bill.total_fen
    assert review.allowed_actions(desk, reviewed) == ["issue_permit"]
