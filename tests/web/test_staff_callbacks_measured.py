"""The console's callback rates (each figure a link to its callbacks, within a fixed statement budget), the settings
and every form's bad input kept, the analysis sending a callback on once however often it is submitted, visit plans
and the visits due, the VIP mark, and spot-checks another staff member cannot read."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.clock import local_day_bounds
from domain.standards.models import SpotCheck
from domain.tickets.models import Callback, CallbackSettings, Ticket, VisitRule
from extensions import db
from tests import builders
from tests.callback_builders import finished_ticket

#: These tests name days of 2026: the clock stands at the suite's Tuesday whatever TEST_NOW says.
pytestmark = pytest.mark.usefixtures("named_days")


def sign_in(auth, role):
    """A staff member of `role`, signed in."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    return user


def count(model):
    """How many rows `model` has."""
    return db.session.scalar(select(func.count()).select_from(model))


def october_tickets(prop, unit, n):
    """`n` repairs finished in October 2026, callbacks done 4/5, every fifth open and one answered 2."""
    at = local_day_bounds(date(2026, 10, 10))[0] + timedelta(hours=12)
    for k in range(n):
        if k % 5 == 4:
            finished_ticket(prop, unit, at)
        else:
            finished_ticket(prop, unit, at, callback="done", satisfaction=2 if k % 5 == 3 else 5)


def test_the_rates_page_shows_the_months_figures_with_links_to_their_callbacks(client, auth, prop):
    october_tickets(prop, builders.create_unit(), 5)
    sign_in(auth, Role.MANAGER)
    html = client.get("/staff/callbacks/rates?month=2026-10").get_data(as_text=True)
    row = html[html.index('id="kind-repair"') :][:1200]
    assert "80 %" in row and "75 %" in row
    assert "/staff/callbacks/records?month=2026-10&amp;which=satisfied&amp;kind=repair" in row
    records = client.get("/staff/callbacks/records?month=2026-10&which=satisfied&kind=repair")
    assert records.status_code == 200 and records.get_data(as_text=True).count("5/5") == 3


def test_the_rates_page_keeps_its_statement_budget_whatever_the_data(client, auth, prop, count_queries):
    unit = builders.create_unit()
    sign_in(auth, Role.MANAGER)
    october_tickets(prop, unit, 2)
    with count_queries() as few:
        assert client.get("/staff/callbacks/rates?month=2026-10").status_code == 200
    october_tickets(prop, unit, 20)
    with count_queries() as many:
        assert client.get("/staff/callbacks/rates?month=2026-10").status_code == 200
    assert many.count == few.count


def test_bad_settings_say_why_keep_what_was_typed_and_save_nothing(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    response = client.post("/staff/callbacks/settings", data={"kinds": ["repair", "help"], "target_percent": "150"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="target_percent-error"' in html
    typed = {m.group(1): m.group(0) for m in re.finditer(r'<input[^>]*value="([^"]*)"[^>]*>', html)}
    assert "150" in typed and "checked" in typed["help"] and "checked" not in typed["inquiry"]
    assert count(CallbackSettings) == 0
    response = client.post("/staff/callbacks/settings", data={"kinds": ["repair", "help"], "target_percent": "85"})
    assert response.status_code == 303 and count(CallbackSettings) == 1


def test_sending_a_dissatisfied_callback_twice_makes_one_ticket(client, auth, prop):
    october_tickets(prop, builders.create_unit(), 5)
    sign_in(auth, Role.MANAGER)
    callback_id = db.session.scalar(select(Callback.id).where(Callback.satisfaction == 2))
    assert f"/staff/callbacks/{callback_id}/send" in client.get("/staff/callbacks/analysis").get_data(as_text=True)
    before = count(Ticket)
    form = {f"cb{callback_id}-department": "engineering", f"cb{callback_id}-kind": "repair"}
    assert client.post(f"/staff/callbacks/{callback_id}/send", data=form).status_code == 303
    assert client.post(f"/staff/callbacks/{callback_id}/send", data=form).status_code == 409
    assert count(Ticket) == before + 1
    bad = client.post(f"/staff/callbacks/{callback_id}/send", data={f"cb{callback_id}-department": "nowhere"})
    assert bad.status_code == 422 and count(Ticket) == before + 1


def test_a_bad_visit_plan_is_refused_with_what_was_typed(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    response = client.post("/staff/visits/plans/new", data={"scope": "vip", "interval_months": "0"})
    assert response.status_code == 422 and count(VisitRule) == 0
    assert 'value="0"' in response.get_data(as_text=True)
    assert client.post("/staff/visits/plans/new", data={"scope": "vip", "interval_months": "3"}).status_code == 303
    assert count(VisitRule) == 1


def test_the_vip_mark_is_saved_on_the_resident_and_a_long_note_is_refused(client, auth, prop):
    resident = builders.create_resident(prop, unit=builders.create_unit())
    sign_in(auth, Role.ASSISTANT)
    bad = client.post(f"/staff/residents/{resident.id}/vip", data={"vip-is_vip": "y", "vip-vip_note": "长" * 201})
    assert bad.status_code == 422 and "长" * 201 in bad.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(type(resident), resident.id).is_vip
    ok = client.post(f"/staff/residents/{resident.id}/vip", data={"vip-is_vip": "y", "vip-vip_note": "业委会主任"})
    assert ok.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(resident), resident.id).vip_note == "业委会主任"


@pytest.fixture
def checked_clerk(client, auth, prop):
    """A front desk clerk the manager has spot-checked (every item passed); the manager stays signed in."""
    clerk = builders.create_staff(Role.FRONTDESK)
    sign_in(auth, Role.MANAGER)
    from domain.standards.services import checklist_items

    data = {"staff_id": str(clerk.id), "checked_on": "2026-11-17", "notes": ""}
    data |= {f"item-{n}": "ok" for n in range(len(checklist_items(prop.id)))}
    assert client.post("/staff/standards/checks", data=data).status_code == 303
    return clerk


def test_a_spot_check_missing_an_item_is_refused_with_the_answers_kept(client, auth, prop):
    clerk = builders.create_staff(Role.FRONTDESK)
    sign_in(auth, Role.MANAGER)
    data = {"staff_id": str(clerk.id), "checked_on": "2026-11-17", "item-0": "fault", "notes": "工牌未戴"}
    response = client.post("/staff/standards/checks", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and count(SpotCheck) == 0
    assert 'name="item-0" value="fault" checked' in html and "工牌未戴" in html


def test_only_the_manager_and_the_person_read_their_spot_checks(client, auth, prop, checked_clerk):
    assert client.get(f"/staff/standards/people/{checked_clerk.id}").status_code == 200
    auth.logout("staff")
    auth.login_staff(checked_clerk)
    assert "仪容仪表" in client.get("/staff/standards/mine").get_data(as_text=True)
    auth.logout("staff")
    sign_in(auth, Role.FRONTDESK)
    assert client.get(f"/staff/standards/people/{checked_clerk.id}").status_code == 403
    assert "仪容仪表" not in client.get("/staff/standards/mine").get_data(as_text=True)


def test_the_visit_pages_and_the_analysis_keep_their_statement_budget(client, auth, prop, count_queries):
    from domain.accounts.models import Actor
    from domain.visits import plans as visit_plans
    from tests.areas_builders import create_area
    from tests.callback_builders import made_visit

    area = create_area(prop)
    manager = sign_in(auth, Role.MANAGER)
    visit_plans.create_rule(
        Actor.for_user(manager, "127.0.0.1"),
        prop.id,
        scope="area",
        area_id=area.id,
        interval_months=12,
        starts_on=date(2026, 1, 1),
    )
    db.session.commit()
    pages = ("/staff/visits/due", "/staff/visits/plans", "/staff/callbacks/analysis")
    visited_on = local_day_bounds(date(2026, 3, 1))[0] + timedelta(hours=12)

    def households(n):
        for _ in range(n):
            unit = builders.create_unit()
            builders.create_resident(prop, unit=unit)
            made_visit(prop, unit, visited_on)
            october_tickets(prop, unit, 5)  # one of them answered dissatisfied: the analysis lists it
        db.session.commit()

    def statements():
        counts = []
        for path in pages:
            with count_queries() as counter:
                assert client.get(path).status_code == 200, path
            counts.append(counter.count)
        return counts

    households(2)
    statements()  # warm-up
    few = statements()
    households(8)
    assert statements() == few
