"""The unit's 360° page: every block for the roles that may see it, each one statement, links and quick actions."""

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.billing.models import Reminder
from domain.clock import today, utcnow
from domain.dashboards import unit_overview
from domain.reports import calls
from domain.tickets import recording, steps
from domain.tickets.models import Severity
from extensions import db
from tests import builders

BLOCKS = (
    "block-people",
    "block-bills",
    "block-collection",
    "block-tickets",
    "block-complaints",
    "block-contacts",
    "block-counter",
    "block-renovations",
    "block-violations",
    "block-movein",
    "block-documents",
)

#: Which blocks each role sees: those whose own list the role may open.
SEEN = {
    Role.MANAGER: set(BLOCKS),
    Role.ASSISTANT: set(BLOCKS),
    Role.FRONTDESK: set(BLOCKS) - {"block-collection"},
    Role.FINANCE: {"block-people", "block-bills", "block-collection", "block-tickets", "block-complaints"}
    | {"block-renovations", "block-documents"},
    Role.ENGINEERING: {"block-tickets", "block-complaints", "block-renovations", "block-documents"},
    Role.SECURITY: {"block-tickets", "block-complaints", "block-counter", "block-renovations", "block-violations"},
}


def sign_in(auth, role):
    """Sign in a new staff member of `role`; returns the user."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    return user


def at_local(day, hour=10):
    """An aware UTC instant at `hour` o'clock in the property's zone on `day`."""
    return datetime.combine(day, time(hour)).replace(tzinfo=UTC) - timedelta(hours=8)


def bill_due(unit, due, **values):
    """A bill of `unit` due on `due`, for the month it falls in."""
    return builders.create_bill(unit, period=due.replace(day=1), due_date=due, **values)


def busy_unit(prop, *, extra=0):
    """A unit with people, bills paid on time, late and unpaid, a reminder, tickets and a complaint, parcels and a
    loan; `extra` adds that many more of each row."""
    unit = builders.create_unit()
    owner = builders.create_resident(prop, unit, name="王业主")
    desk = Actor.for_user(builders.create_staff(Role.FRONTDESK), "test")
    month = today().replace(day=1)
    for n in range(3 + extra):
        due = today() - timedelta(days=40 + 31 * n)
        bill = bill_due(unit, due, total_fen=20000, paid_fen=20000)
        bill.settled_at = at_local(due - timedelta(days=2)) if n % 2 == 0 else at_local(due + timedelta(days=10))
    builders.create_bill(unit, period=month, due_date=today() - timedelta(days=5), total_fen=30000)
    db.session.add(
        Reminder(property_id=prop.id, resident_id=owner.id, unit_id=unit.id, outstanding_fen=30000, message="请缴费")
    )
    manager = Actor.for_user(builders.create_staff(Role.MANAGER), "test")
    for _n in range(1 + extra):
        calls.record_call(
            manager,
            property_id=prop.id,
            unit_id=unit.id,
            reason="hardship",
            promised_on=today() + timedelta(days=10),
        )
    for n in range(2 + extra):
        ticket = recording.create_ticket(
            desk, property_id=prop.id, kind="repair", channel="phone", description=f"水管漏水{n}", unit_id=unit.id
        )
        steps.dispatch(desk, ticket, department="engineering")
    recording.create_ticket(
        desk,
        property_id=prop.id,
        kind="complaint",
        channel="phone",
        description="楼上噪音",
        unit_id=unit.id,
        severity=Severity.MAJOR,
    )
    for _n in range(1 + extra):
        builders.create_parcel(unit)
    builders.create_loan(builders.create_lendable(prop), unit, due_at=utcnow() + timedelta(hours=5))
    db.session.commit()
    return unit


def test_the_manager_sees_every_block_with_its_figures(client, auth, prop):
    unit = busy_unit(prop)
    sign_in(auth, Role.MANAGER)
    html = client.get(f"/staff/units/{unit.id}").get_data(as_text=True)
    for block in BLOCKS:
        assert f'id="{block}"' in html, block
    assert "王业主" in html
    assert "¥300.00" in html  # owed, overdue
    assert "催缴电话：经济困难" in html and "承诺" in html  # the collection call: its reason and promise date
    assert "水管漏水0" in html and "楼上噪音" in html
    assert f"/staff/tickets/?unit={unit.id}" in html.replace("&amp;", "&") or f"unit={unit.id}" in html
    assert f"/staff/tickets/new?unit={unit.label}" in html
    assert f"/staff/parcels/?unit={unit.label}" in html
    assert f"/staff/billing/units/{unit.id}" in html


def test_the_page_costs_the_same_whatever_the_units_history(client, auth, prop, count_queries):
    few = busy_unit(prop)
    many = busy_unit(prop, extra=8)
    sign_in(auth, Role.MANAGER)
    client.get(f"/staff/units/{few.id}")
    with count_queries() as small:
        assert client.get(f"/staff/units/{few.id}").status_code == 200
    with count_queries() as busy:
        assert client.get(f"/staff/units/{many.id}").status_code == 200
    print("unit page statements:", busy.count)
    assert busy.count == small.count < 25, busy.count


@pytest.mark.parametrize("role", list(SEEN))
def test_each_role_sees_only_the_blocks_of_its_lists(client, auth, prop, role):
    unit = busy_unit(prop)
    sign_in(auth, role)
    html = client.get(f"/staff/units/{unit.id}").get_data(as_text=True)
    shown = {block for block in BLOCKS if f'id="{block}"' in html}
    assert shown == SEEN[role]
    if "block-people" not in SEEN[role]:
        assert "王业主" not in html


def test_a_department_sees_its_own_tickets_and_not_the_desks_complaints(client, auth, prop):
    unit = busy_unit(prop)
    sign_in(auth, Role.ENGINEERING)
    html = client.get(f"/staff/units/{unit.id}").get_data(as_text=True)
    assert "水管漏水0" in html
    assert "楼上噪音" not in html


def test_cleaning_may_not_open_a_unit(client, auth, prop):
    unit = builders.create_unit()
    sign_in(auth, Role.CLEANING)
    assert client.get(f"/staff/units/{unit.id}").status_code == 403


def test_a_resident_may_not_open_the_staff_unit_page(client, auth, prop):
    unit = builders.create_unit()
    resident = builders.create_resident(prop, unit)
    auth.login_resident(resident.user)
    assert client.get(f"/staff/units/{unit.id}").status_code in (302, 403)


def test_a_unit_of_another_property_or_none_is_not_found(client, auth, prop):
    other = builders.create_property("别的小区")
    theirs = builders.create_unit(builders.create_building(other, code="9"))
    sign_in(auth, Role.MANAGER)
    assert client.get(f"/staff/units/{theirs.id}").status_code == 404
    assert client.get("/staff/units/999999").status_code == 404


def test_an_empty_unit_shows_an_empty_state_in_each_block(client, auth, prop):
    unit = builders.create_unit()
    sign_in(auth, Role.MANAGER)
    html = client.get(f"/staff/units/{unit.id}").get_data(as_text=True)
    assert html.count('class="empty"') >= len(BLOCKS) - 1  # the collection block has two


def test_the_unit_link_narrows_the_ticket_queue(client, auth, prop):
    unit, other = busy_unit(prop), builders.create_unit()
    desk = Actor.for_user(builders.create_staff(Role.FRONTDESK), "test")
    recording.create_ticket(
        desk, property_id=prop.id, kind="repair", channel="phone", description="别家的灯坏了", unit_id=other.id
    )
    db.session.commit()
    sign_in(auth, Role.MANAGER)
    html = client.get(f"/staff/tickets/?unit={unit.id}&status=any&department=all").get_data(as_text=True)
    assert "水管漏水0" in html and "别家的灯坏了" not in html
    assert 'id="filter-unit"' in html and unit.label in html
    rows = client.get(f"/staff/tickets/?unit={unit.id}&status=any", headers={"HX-Request": "true"})
    assert "别家的灯坏了" not in rows.get_data(as_text=True)


def test_quick_actions_arrive_with_the_unit_filled_in(client, auth, prop):
    unit = builders.create_unit()
    sign_in(auth, Role.FRONTDESK)
    assert f'value="{unit.label}"' in client.get(f"/staff/tickets/new?unit={unit.label}").get_data(as_text=True)
    assert f'value="{unit.label}"' in client.get(f"/staff/parcels/?unit={unit.label}").get_data(as_text=True)


def test_payment_habit_counts_on_time_late_and_unpaid_bills(app, prop):
    unit = builders.create_unit()
    day = today()
    on_time = bill_due(unit, day - timedelta(days=50), paid_fen=22375)
    on_time.settled_at = at_local(day - timedelta(days=52))
    late = bill_due(unit, day - timedelta(days=100), paid_fen=22375)
    late.settled_at = at_local(day - timedelta(days=94))
    later = bill_due(unit, day - timedelta(days=200), paid_fen=22375)
    later.settled_at = at_local(day - timedelta(days=190))
    bill_due(unit, day - timedelta(days=10))  # unpaid
    bill_due(unit, day - timedelta(days=400), paid_fen=22375)  # too old
    bill_due(unit, day + timedelta(days=40))  # not due yet
    db.session.commit()
    habit = unit_overview.payment_habit(unit.id, day)
    assert (habit.bills, habit.on_time, habit.late, habit.unpaid) == (4, 1, 2, 1)
    assert habit.average_days_late == 8  # (6 + 10) / 2
    assert habit.on_time_percent == 25
