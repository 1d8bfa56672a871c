"""Callbacks and visits measured (SOPs 8, 13): the kinds that get a callback, the callback rate and the satisfied
share by kind, month and person against hand-counted months, recurring visit plans (due, overdue, coverage, VIPs every
quarter), dissatisfied answers sent on as one ticket, and service-standards spot-checks seen by their person only."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import local_day_bounds, today
from domain.errors import Conflict, DomainError, NotAllowed
from domain.property import residents
from domain.standards import services as standards
from domain.standards.models import SpotCheck
from domain.tickets import callback_rates, followups, recording, steps
from domain.tickets.callbacks import callback_settings, save_callback_settings
from domain.tickets.models import Callback, Department, Ticket, TicketKind
from domain.visits import plans as visit_plans
from extensions import db
from tests import builders
from tests.areas_builders import create_area
from tests.callback_builders import SYSTEM, finished_ticket, made_visit

#: These tests name days of 2026: the clock stands at the suite's Tuesday whatever TEST_NOW says.
pytestmark = pytest.mark.usefixtures("named_days")


def act(user):
    """The domain's Actor for a user."""
    return Actor.for_user(user, "127.0.0.1")


def noon(day):
    """Noon of a local day, as UTC."""
    return local_day_bounds(day)[0] + timedelta(hours=12)


@pytest.fixture
def october(prop):
    """October 2026 by hand: 5 finished repairs, 4 callbacks done (3 satisfied: 5, 4, 4; one 2) and one open; one
    complaint done by the resident's rating (5); a repair finished on 1 November (another month)."""
    unit = builders.create_unit()
    desk, assistant = builders.create_staff(Role.FRONTDESK), builders.create_staff(Role.ASSISTANT)
    day = date(2026, 10, 10)
    for satisfaction, who in ((5, desk), (4, desk), (4, assistant), (2, assistant)):
        finished_ticket(prop, unit, noon(day), callback="done", satisfaction=satisfaction, done_by=who)
    finished_ticket(prop, unit, noon(day))
    finished_ticket(prop, unit, noon(day), kind="complaint", callback="done", satisfaction=5)
    finished_ticket(prop, unit, local_day_bounds(date(2026, 11, 1))[0] + timedelta(minutes=1))
    return unit, desk, assistant


def test_the_rate_by_kind_matches_the_hand_counted_month(october):
    figures = callback_rates.by_kind(db.session.get(Ticket, 1).property_id, date(2026, 10, 1))
    repairs = figures[TicketKind.REPAIR]
    assert (repairs.needing, repairs.done, repairs.satisfied) == (5, 4, 3)
    assert (repairs.rate, repairs.satisfied_share) == (80, 75)
    assert figures[TicketKind.COMPLAINT].rate == 100


def test_a_ticket_counts_in_the_local_month_it_was_finished(prop, october):
    months = dict(callback_rates.by_month(prop.id, date(2026, 11, 1)))
    assert months[date(2026, 10, 1)].needing == 6 and months[date(2026, 11, 1)].needing == 1
    assert months[date(2026, 9, 1)].needing == 0 and len(months) == callback_rates.MONTHS_SHOWN


def test_the_rate_by_person_names_who_called_back_and_the_residents_own_ratings(prop, october):
    _unit, desk, assistant = october
    people = {
        name: (figure.done, figure.satisfied)
        for _id, name, figure in callback_rates.by_person(prop.id, date(2026, 10, 1))
    }
    assert people == {desk.display_name: (2, 2), assistant.display_name: (2, 1), None: (1, 1)}


def test_the_list_behind_a_figure_holds_exactly_its_callbacks(prop, october):
    _unit, _desk, assistant = october
    october_first = date(2026, 10, 1)
    assert len(callback_rates.callback_records(prop.id, october_first, kind="repair")) == 5
    assert len(callback_rates.callback_records(prop.id, october_first, kind="repair", which="satisfied")) == 3
    assert len(callback_rates.callback_records(prop.id, october_first, by=assistant.id, which="done")) == 2
    assert len(callback_rates.callback_records(prop.id, october_first, by="resident")) == 1
    assert len(callback_rates.callback_records(prop.id, october_first, which="open")) == 1


def test_a_newly_chosen_kind_gets_its_callback_when_finished(prop):
    manager = act(builders.create_staff(Role.MANAGER))
    assert callback_settings(prop.id) == (frozenset({TicketKind.REPAIR, TicketKind.COMPLAINT}), 80)

    def finish_inquiry():
        ticket = recording.create_ticket(
            SYSTEM, property_id=prop.id, kind="inquiry", channel="phone", description="物业费怎么交", location="前台"
        )
        steps.dispatch(SYSTEM, ticket)
        steps.claim(manager, ticket)
        steps.finish(manager, ticket, summary="已答复")
        db.session.commit()
        return db.session.scalar(select(Callback).where(Callback.ticket_id == ticket.id))

    assert finish_inquiry() is None
    save_callback_settings(manager, prop.id, kinds=["repair", "complaint", "inquiry"], target_percent=85)
    db.session.commit()
    assert callback_settings(prop.id)[1] == 85
    assert finish_inquiry() is not None


def test_the_settings_refuse_a_bad_target_and_other_roles(prop):
    manager = act(builders.create_staff(Role.MANAGER))
    with pytest.raises(DomainError) as refused:
        save_callback_settings(manager, prop.id, kinds=["repair"], target_percent=0)
    assert refused.value.field == "target_percent"
    with pytest.raises(NotAllowed):
        save_callback_settings(act(builders.create_staff(Role.FRONTDESK)), prop.id, kinds=[], target_percent=80)


def test_a_dissatisfied_callback_is_sent_to_its_department_once(prop, october):
    manager = act(builders.create_staff(Role.MANAGER))
    row = followups.dissatisfied_callbacks(prop.id)[0]
    assert row.satisfaction == 2
    callback = followups.get_callback(row.id, prop.id)
    ticket = followups.send_callback(manager, callback, department="engineering", kind="repair", note="请再上门")
    db.session.commit()
    assert ticket.department == Department.ENGINEERING and f"#{row.ticket_id}" in ticket.description
    assert db.session.get(Callback, row.id).followup_ticket_id == ticket.id
    count = db.session.scalar(select(func.count()).select_from(Ticket))
    with pytest.raises(Conflict):
        followups.send_callback(manager, db.session.get(Callback, row.id), department="engineering", kind="repair")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == count


def test_a_visit_remark_is_sent_to_a_department(prop):
    unit = builders.create_unit()
    visit = made_visit(prop, unit, noon(today()), remark="楼道灯不亮", remark_department=Department.ENGINEERING)
    manager = act(builders.create_staff(Role.MANAGER))
    assert [r.id for r in followups.visit_remarks(prop.id)] == [visit.id]
    ticket = followups.send_visit(manager, visit, department="engineering", kind="repair")
    db.session.commit()
    assert ticket.unit_id == unit.id and "楼道灯不亮" in ticket.description and visit.followup_ticket_id == ticket.id


def test_visit_remarks_are_listed_by_department_and_category_and_the_ticket_keeps_a_fitting_category(prop):
    unit = builders.create_unit()
    engineering = Department.ENGINEERING
    lights = made_visit(prop, unit, noon(today()), remark="楼道灯不亮", remark_department=engineering)
    planned = made_visit(prop, unit, noon(today()), remark="", remark_department=None)
    manager = act(builders.create_staff(Role.MANAGER))
    recording_actor = act(builders.create_staff(Role.ASSISTANT))
    planned.done_at = None
    db.session.commit()
    from domain.tickets import desk

    with pytest.raises(DomainError):
        desk.finish_visit(recording_actor, planned, "见到业主", remark="电梯异响", remark_category="spaceship")
    db.session.rollback()
    desk.finish_visit(
        recording_actor,
        planned,
        "见到业主",
        remark="电梯异响",
        remark_department="engineering",
        remark_category="elevator",
    )
    noise = made_visit(
        prop, unit, noon(today()), remark="楼上装修太吵", remark_department=engineering, remark_category="noise"
    )
    db.session.commit()
    rows = followups.visit_remarks(prop.id)
    assert [(r.id, r.remark_category) for r in rows] == [(lights.id, ""), (planned.id, "elevator"), (noise.id, "noise")]
    as_repair = followups.send_visit(manager, planned, department="engineering", kind="repair")
    as_other = followups.send_visit(manager, noise, department="engineering", kind="repair")
    db.session.commit()
    assert (as_repair.category, as_other.category) == (
        "elevator",
        "",
    )  # noise is a complaint's category, not a repair's


@pytest.fixture
def area_households(prop):
    """An area over the first building with three lived-in units; a vacant one in it is no household."""
    homes = [builders.create_unit(floor=5 + n) for n in range(3)]
    people = [builders.create_resident(prop, unit=unit) for unit in homes]
    builders.create_unit(status="vacant")
    return create_area(prop), homes, people


def test_a_yearly_area_plan_lists_households_due_and_overdue_and_its_coverage(prop, area_households):
    area, homes, _people = area_households
    manager = act(builders.create_staff(Role.MANAGER))
    visit_plans.create_rule(
        manager, prop.id, scope="area", area_id=area.id, interval_months=12, starts_on=date(2026, 1, 1)
    )
    made_visit(prop, homes[0], noon(date(2026, 3, 1)))  # visited this year: due again 2027-03-01
    made_visit(prop, homes[1], noon(date(2025, 11, 20)))  # due 2026-11-20, within the two weeks ahead
    due = {d.unit_id: d for d in visit_plans.due_visits(prop.id, today())}
    assert set(due) == {homes[1].id, homes[2].id}
    assert due[homes[2].id].is_overdue and due[homes[2].id].due_on == date(2026, 1, 1)
    assert not due[homes[1].id].is_overdue and due[homes[1].id].due_on == date(2026, 11, 20)
    (coverage,) = visit_plans.coverage(prop.id, today())
    assert (coverage.households, coverage.visited, coverage.percent) == (3, 2, 67)


def test_vip_households_are_due_every_quarter(prop, area_households):
    _area, homes, people = area_households
    manager = act(builders.create_staff(Role.MANAGER))
    residents.mark_vip(manager, people[0], is_vip=True, note="业委会主任")
    visit_plans.create_rule(manager, prop.id, scope="vip", interval_months=3, starts_on=date(2026, 1, 1))
    made_visit(prop, homes[0], noon(date(2026, 8, 17)))
    (due,) = visit_plans.due_visits(prop.id, today())
    assert (due.unit_id, due.due_on, due.days_overdue) == (homes[0].id, date(2026, 11, 17), 0)
    assert visit_plans.due_visits(prop.id, today() - timedelta(days=15)) == []


def test_an_assistant_sees_only_their_areas_visits(prop, area_households):
    area, homes, _people = area_households
    visit_plans.create_rule(SYSTEM, prop.id, scope="all", interval_months=12, starts_on=date(2026, 1, 1))
    other = builders.create_staff(Role.ASSISTANT)
    assert visit_plans.area_unit_ids(other.id, today()) is None
    mine = visit_plans.area_unit_ids(area.assistant_id, today())
    assert {d.unit_id for d in visit_plans.due_visits(prop.id, today(), unit_ids=mine)} == {h.id for h in homes}


def test_a_rule_refuses_a_bad_interval_and_an_area_rule_without_its_area(prop):
    with pytest.raises(DomainError) as refused:
        visit_plans.create_rule(SYSTEM, prop.id, scope="all", interval_months=0, starts_on=today())
    assert refused.value.field == "interval_months"
    with pytest.raises(DomainError) as refused:
        visit_plans.create_rule(SYSTEM, prop.id, scope="area", interval_months=12, starts_on=today())
    assert refused.value.field == "area_id"


def test_a_spot_check_is_seen_by_the_manager_and_the_person_only(prop):
    manager, clerk, other = (builders.create_staff(r) for r in (Role.MANAGER, Role.FRONTDESK, Role.FRONTDESK))
    items = standards.checklist_items(prop.id)
    answers = {item: "ok" for item in items} | {items[1]: "fault"}
    with pytest.raises(DomainError) as refused:
        standards.record_spot_check(act(manager), prop.id, staff_id=clerk.id, checked_on=today(), answers=answers)
    assert refused.value.field == "notes"
    standards.record_spot_check(
        act(manager), prop.id, staff_id=clerk.id, checked_on=today(), answers=answers, notes="电话响五声才接"
    )
    db.session.commit()
    assert [(name, n, failed) for _id, name, n, failed, _last in standards.person_summary(prop.id)] == [
        (clerk.display_name, 1, 1)
    ]
    assert len(standards.spot_checks_of(act(clerk), prop.id, clerk.id)[1]) == 1
    assert len(standards.spot_checks_of(act(manager), prop.id, clerk.id)[1]) == 1
    with pytest.raises(NotAllowed):
        standards.spot_checks_of(act(other), prop.id, clerk.id)
    assert db.session.scalar(select(func.count()).select_from(SpotCheck)) == 1
