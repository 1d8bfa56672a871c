"""A unit's status on the console: the edit form takes the day a new status holds from, and the unit's page lists
its history in a bounded number of statements."""

from datetime import timedelta

import pytest

from domain import clock
from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.property import units
from domain.property.models import UnitStatus
from extensions import db
from tests import builders


@pytest.fixture
def desk(client, auth, prop):
    """Signed in as front desk."""
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    return user


def form(unit, **values):
    """The unit's edit form as it stands, with `values` changed."""
    return {"number": unit.number, "floor": str(unit.floor), "area": "89.50", "status": unit.status.value, **values}


def test_a_move_out_recorded_late_holds_from_the_day_typed_and_the_page_lists_it(client, desk):
    unit = builders.create_unit(status=UnitStatus.OCCUPIED)
    day = clock.today() - timedelta(days=4)
    response = client.post(
        f"/staff/units/{unit.id}/edit", data=form(unit, status="vacant", status_from=day.isoformat())
    )
    assert response.status_code == 303
    change = units.status_history(unit.id)[0]
    assert (change.to_status, change.effective_on, change.recorded_by_id) == (UnitStatus.VACANT, day, desk.id)
    page = client.get(f"/staff/units/{unit.id}").get_data(as_text=True)
    assert "status-history" in page and desk.display_name in page


def test_a_status_change_with_no_day_holds_from_today(client, desk):
    unit = builders.create_unit(status=UnitStatus.VACANT)
    assert client.post(f"/staff/units/{unit.id}/edit", data=form(unit, status="occupied")).status_code == 303
    assert units.status_history(unit.id)[0].effective_on == clock.today()


def test_a_bad_day_is_explained_nothing_changes_and_what_was_typed_stays(client, desk):
    unit = builders.create_unit(status=UnitStatus.OCCUPIED)
    response = client.post(f"/staff/units/{unit.id}/edit", data=form(unit, status="vacant", status_from="1850-01-01"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count('class="error"') == 1 and 'value="1850-01-01"' in html
    db.session.expire_all()
    assert db.session.get(type(unit), unit.id).status == UnitStatus.OCCUPIED
    assert len(units.status_history(unit.id)) == 1


def test_the_new_unit_form_has_no_day_field(client, desk):
    assert 'name="status_from"' not in client.get("/staff/units/new").get_data(as_text=True)


def test_the_unit_page_reads_its_history_in_one_statement_however_long(client, desk, count_queries):
    unit = builders.create_unit(status=UnitStatus.OCCUPIED)

    def statements():
        with count_queries() as counter:
            assert client.get(f"/staff/units/{unit.id}").status_code == 200
        return counter.count

    few = statements()
    actor = builders.create_staff(Role.MANAGER)
    for n in range(30):
        units.update_unit(
            Actor.for_user(actor, "x"),
            unit,
            number=unit.number,
            floor=unit.floor,
            area_x100=unit.area_x100,
            status="vacant" if n % 2 == 0 else "occupied",
            status_from=clock.today() - timedelta(days=60 - n),
        )
    db.session.commit()
    assert statements() == few


def test_a_day_before_the_last_change_is_refused_on_its_field_and_nothing_changes(client, desk):
    since = clock.today() - timedelta(days=10)
    unit = builders.create_unit(status=UnitStatus.OCCUPIED, status_since=since)
    earlier = (since - timedelta(days=1)).isoformat()
    response = client.post(f"/staff/units/{unit.id}/edit", data=form(unit, status="vacant", status_from=earlier))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "最近一次变更" in html and f'value="{earlier}"' in html
    db.session.expire_all()
    assert db.session.get(type(unit), unit.id).status == UnitStatus.OCCUPIED
    assert len(units.status_history(unit.id)) == 1
