"""The company's figures: each property's, side by side, one statement per figure family."""

from domain.accounts.roles import CompanyRole, Role
from domain.clock import today
from domain.company import figures
from domain.company.access import visible_property_ids
from domain.dates import month_before
from tests import builders
from tests.company_scene import build_two_properties


def test_dashboard_figures_match_the_hand_count_and_rank_by_collection_rate(count_queries):
    a, b = build_two_properties()
    ids = [a.id, b.id]
    with count_queries() as counter:
        rows = figures.dashboard(ids)
    assert counter.count == 6  # names and one statement per figure family
    assert [row.name for row in rows] == ["甲小区", "乙花园"]
    first, second = rows
    assert (first.billed_fen, first.collected_fen, first.rate_x100, first.meets_target) == (10000, 9500, 9500, True)
    assert (second.billed_fen, second.collected_fen, second.rate_x100, second.meets_target) == (
        20000,
        10000,
        5000,
        False,
    )
    assert (first.arrears_fen, second.arrears_fen) == (3000, 4000)
    assert (first.late_tickets, first.open_majors, first.incidents) == (1, 1, 2)
    assert (second.late_tickets, second.open_majors, second.incidents) == (1, 0, 0)
    assert (first.answered, first.satisfied, first.satisfaction) == (2, 1, 50)
    assert (second.answered, second.satisfaction) == (0, None)


def test_dashboard_keeps_to_the_properties_it_is_given():
    a, b = build_two_properties()
    rows = figures.dashboard([b.id])
    assert [row.property_id for row in rows] == [b.id]
    assert figures.dashboard([]) == []


def test_company_month_has_a_row_per_property_and_their_total(count_queries):
    a, b = build_two_properties()
    ids, first = [a.id, b.id], today().replace(day=1)
    with count_queries() as counter:
        report = figures.monthly(ids, first)
    assert counter.count == 5
    assert [row.property_id for row in report.rows] == [a.id, b.id]
    total = report.total
    assert (total.billed_fen, total.collected_fen, total.arrears_fen) == (30000, 19500, 7000)
    assert total.rate_x100 == 6500
    assert total.incidents == 3  # the closed one occurred in the month too
    earlier = figures.monthly([a.id, b.id], month_before(month_before(today().replace(day=1))))
    assert earlier.total.billed_fen == 0 and earlier.total.rate_x100 is None


def test_area_manager_sees_the_properties_of_their_roles_only():
    a, b = build_two_properties()
    c = builders.create_property("丙广场")
    person = builders.create_staff(Role.MANAGER, prop=a)
    person.company_role = CompanyRole.AREA_MANAGER
    builders.db.session.commit()
    assert visible_property_ids(person.id, person.company_role) == [a.id]
    person.company_role = CompanyRole.GENERAL_MANAGER
    assert visible_property_ids(person.id, person.company_role) == [a.id, b.id, c.id]
    assert visible_property_ids(person.id, None) == []
