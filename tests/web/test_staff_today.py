"""The console's "today" page of each role (its own blocks and none of another's, within a statement budget), the
menu's counts polled from one small endpoint, and the live alarms: a repair not forwarded within its 3 minutes turns
the desk's badge and banner on, acknowledged once per person."""

import pytest
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.alerts.models import AlertAck
from domain.clock import today
from domain.dashboards.today import ROLE_BLOCKS
from domain.throttle.models import DeskAlert
from domain.tickets import recording
from extensions import db
from tests import builders, patrol_builders

HTMX = {"HX-Request": "true"}
SYSTEM = Actor.system("test")
#: Every block name of every role's page.
ALL_BLOCKS = {name for names in ROLE_BLOCKS.values() for name in names}
#: Statements of each role's page (the session, the sign-in check, the sidebar's alerts and each block's queries).
HOME_BUDGET = {
    Role.FRONTDESK: 9,
    Role.ENGINEERING: 5,
    Role.SECURITY: 7,
    Role.CLEANING: 5,
    Role.FINANCE: 6,
    Role.MANAGER: 11,
}
#: Statements of the console's poll (the session, the sign-in check, the alerts, the counts, the live alarms).
COUNTS_BUDGET = 5


def sign_in(app, user):
    """A client signed in as `user`, in English."""
    client = app.test_client()
    client.post("/staff/login", data={"login": user.username, "password": builders.PASSWORD})
    client.get("/staff/?lang=en")
    return client


def repair(prop, unit=None, **values):
    """A repair recorded by phone, waiting for the desk to forward it."""
    ticket = recording.create_ticket(
        SYSTEM,
        property_id=prop.id,
        kind="repair",
        channel="phone",
        description="厨房水龙头漏水",
        unit_id=(unit or builders.create_unit()).id,
        **values,
    )
    db.session.commit()
    return ticket


@pytest.mark.parametrize("role", list(ROLE_BLOCKS), ids=lambda r: r.value)
def test_each_roles_home_shows_its_own_blocks_and_none_of_anothers(app, prop, role, count_queries):
    client = sign_in(app, builders.create_staff(role))
    with count_queries() as counter:
        response = client.get("/staff/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    shown = {
        name
        for name in ALL_BLOCKS
        if f'data-block="{name}"' in html or (name == "to_forward" and 'id="to-forward"' in html)
    }
    assert shown == set(ROLE_BLOCKS[role])
    assert counter.count <= HOME_BUDGET[role], counter.count


def test_an_assistants_console_still_opens_on_their_area(app, prop):
    client = sign_in(app, builders.create_staff(Role.ASSISTANT))
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/areas/mine")


def test_the_desks_home_lists_what_to_forward_with_its_countdown(app, prop, clock):
    ticket = repair(prop)
    html = sign_in(app, builders.create_staff(Role.FRONTDESK)).get("/staff/").get_data(as_text=True)
    assert f">#{ticket.id}<" in html and "3 min 0 s left" in html and "Forward to Engineering" in html


def test_a_repair_waiting_three_minutes_turns_the_badge_and_the_banner_on_until_acknowledged(app, prop, clock):
    ticket = repair(prop)
    desk, manager = builders.create_staff(Role.FRONTDESK), builders.create_staff(Role.MANAGER)
    desk_client, manager_client = sign_in(app, desk), sign_in(app, manager)
    body = desk_client.get("/staff/alerts/counts", headers=HTMX).get_data(as_text=True)
    assert 'id="badge-to_forward"' in body and 'data-count="1"' in body
    assert f'data-alarm="forward-{ticket.id}"' not in body  # 3 minutes not over yet

    clock.advance(minutes=3, seconds=1)
    body = desk_client.get("/staff/alerts/counts", headers=HTMX).get_data(as_text=True)
    assert f'data-alarm="forward-{ticket.id}"' in body and f"forward-{ticket.id}" in body.split("data-alert-ids=")[1]
    assert f'data-alarm="forward-{ticket.id}"' in manager_client.get("/staff/alerts/counts", headers=HTMX).get_data(
        as_text=True
    )

    response = desk_client.post(f"/staff/alerts/live/forward/{ticket.id}/acknowledge", headers=HTMX)
    assert response.status_code == 200
    assert f'data-alarm="forward-{ticket.id}"' not in response.get_data(as_text=True)
    assert f'data-alarm="forward-{ticket.id}"' not in desk_client.get("/staff/alerts/counts", headers=HTMX).get_data(
        as_text=True
    )
    # The manager has not acknowledged it: still on for them; the count stays (the ticket still waits).
    body = manager_client.get("/staff/alerts/counts", headers=HTMX).get_data(as_text=True)
    assert f'data-alarm="forward-{ticket.id}"' in body and 'data-count="1"' in body
    # Acknowledging twice changes nothing.
    desk_client.post(f"/staff/alerts/live/forward/{ticket.id}/acknowledge", headers=HTMX)
    assert len(db.session.scalars(select(AlertAck)).all()) == 1


def test_a_role_not_shown_an_alarm_cannot_acknowledge_it(app, prop, clock):
    ticket = repair(prop)
    clock.advance(minutes=4)
    engineer = sign_in(app, builders.create_staff(Role.ENGINEERING))
    assert f"forward-{ticket.id}" not in engineer.get("/staff/alerts/counts", headers=HTMX).get_data(as_text=True)
    assert engineer.post(f"/staff/alerts/live/forward/{ticket.id}/acknowledge", headers=HTMX).status_code == 404
    assert engineer.post(f"/staff/alerts/live/nonsense/{ticket.id}/acknowledge").status_code == 404


def test_a_wrong_code_lockout_and_a_major_complaint_are_live_alarms(app, prop):
    db.session.add(DeskAlert(property_id=prop.id, scope="parcel_code", place="kiosk:1", message="1-1203"))
    complaint = recording.create_ticket(
        SYSTEM,
        property_id=prop.id,
        kind="complaint",
        channel="phone",
        description="保安态度差",
        location="大堂",
        severity="major",
    )
    db.session.commit()
    desk = sign_in(app, builders.create_staff(Role.FRONTDESK)).get("/staff/alerts/counts", headers=HTMX)
    body = desk.get_data(as_text=True)
    assert "lockout-" in body and 'id="badge-alarms"' in body
    manager = sign_in(app, builders.create_staff(Role.MANAGER)).get("/staff/alerts/counts", headers=HTMX)
    assert f'data-alarm="complaint-{complaint.id}"' in manager.get_data(as_text=True)


def test_the_counts_are_only_those_of_the_roles_menu(app, prop):
    finance = sign_in(app, builders.create_staff(Role.FINANCE))
    body = finance.get("/staff/alerts/counts", headers=HTMX).get_data(as_text=True)
    assert (
        'id="badge-queue"' in body and 'id="badge-to_forward"' not in body and 'id="badge-parcels_waiting"' not in body
    )
    page = finance.get("/staff/incidents/").get_data(as_text=True)
    assert 'id="badge-incidents"' in page and 'id="badge-parcels_waiting"' not in page


def test_the_counts_endpoint_is_a_few_statements_whatever_the_records(app, prop, clock, count_queries):
    unit = builders.create_unit()
    for _ in range(20):
        repair(prop, unit)
    clock.advance(minutes=5)
    for role in (Role.FRONTDESK, Role.MANAGER, Role.ENGINEERING):
        client = sign_in(app, builders.create_staff(role))
        with count_queries() as counter:
            response = client.get("/staff/alerts/counts", headers=HTMX)
        assert response.status_code == 200
        assert counter.count <= COUNTS_BUDGET, (role, counter.count)


def test_the_counts_endpoint_without_htmx_goes_to_the_list_of_alerts(app, prop):
    client = sign_in(app, builders.create_staff(Role.FRONTDESK))
    response = client.get("/staff/alerts/counts")
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/alerts/")


def test_securitys_rounds_cost_the_same_however_many_routes_and_rounds(app, prop, count_queries):
    """The rounds block reads only what a slot's state needs: its statements do not grow with the routes, their
    checkpoints or the rounds walked."""
    guard = builders.create_staff(Role.SECURITY)
    client = sign_in(app, guard)
    first = patrol_builders.create_route(prop, name="地库夜巡", role=Role.SECURITY, windows=(("00:00", "23:59"),))
    client.get("/staff/")
    with count_queries() as one:
        response = client.get("/staff/")
    assert "地库夜巡" in response.get_data(as_text=True)
    for n in range(3):
        patrol_builders.create_route(prop, name=f"外围巡视{n}", role=Role.SECURITY, points=5)
    patrol_builders.walk_round(first, today(), guard)
    with count_queries() as four:
        response = client.get("/staff/")
    assert "外围巡视2" in response.get_data(as_text=True)
    # Four more than with no route: the routes, then yesterday's and today's slots (routes and rounds, two each).
    assert four.count == one.count <= HOME_BUDGET[Role.SECURITY] + 4, (one.count, four.count)
