"""The vacancy rate on the fee schedule's pages: set with its rule, bad input explained and kept, other roles
refused."""

import pytest

from domain import clock
from domain.accounts.roles import Role
from domain.billing.models import ChargeType, VacancyRule
from domain.billing.schedule import month_before, period_label
from domain.property.models import UnitStatus
from extensions import db
from tests import builders


@pytest.fixture
def manager(client, auth, prop):
    """Signed in as the customer-service manager."""
    user = builders.create_staff(Role.MANAGER)
    auth.login_staff(user)
    return user


@pytest.fixture
def pm(prop):
    """物业管理费 ¥2.50 per m², with no vacancy rate yet."""
    return builders.create_charge(prop)


def edit(charge, **values):
    """The edit form's fields for `charge`, with `values` changed."""
    return {"name": charge.name, "scope": "all", "building_id": "0", "is_active": "y", **values}


def test_the_manager_sets_a_vacancy_rate_and_its_rule_and_the_schedule_shows_it(client, manager, pm):
    page = client.get(f"/staff/fees/{pm.id}/edit").get_data(as_text=True)
    assert 'name="vacancy_percent"' in page and 'name="vacancy_rule"' in page
    response = client.post(f"/staff/fees/{pm.id}/edit", data=edit(pm, vacancy_percent="70", vacancy_rule="pro_rata"))
    assert response.status_code == 303
    charge = db.session.get(ChargeType, pm.id)
    assert (charge.vacancy_percent, charge.vacancy_rule) == (70, VacancyRule.PRO_RATA)
    schedule = client.get("/staff/fees/").get_data(as_text=True)
    assert "空置期间按 70% 收取" in schedule and "仅限整月" not in schedule  # pro rata, as chosen
    again = client.get(f"/staff/fees/{pm.id}/edit").get_data(as_text=True)
    assert 'value="70"' in again


@pytest.mark.parametrize("typed", ["0", "101", "七十", "70.5", "-3"])
def test_a_bad_vacancy_rate_is_explained_nothing_is_saved_and_what_was_typed_stays(client, manager, pm, typed):
    response = client.post(f"/staff/fees/{pm.id}/edit", data=edit(pm, name="物业服务费", vacancy_percent=typed))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count('class="error"') == 1
    assert f'value="{typed}"' in html and 'value="物业服务费"' in html
    charge = db.session.get(ChargeType, pm.id)
    assert (charge.name, charge.vacancy_percent) == ("物业管理费", None)


def test_leaving_the_rate_empty_removes_it(client, manager, prop):
    charge = builders.create_charge(prop, vacancy_percent=70)
    assert client.post(f"/staff/fees/{charge.id}/edit", data=edit(charge, vacancy_percent="")).status_code == 303
    assert db.session.get(ChargeType, charge.id).vacancy_percent is None


def test_a_new_charge_can_state_its_vacancy_rate(client, manager):
    response = client.post(
        "/staff/fees/new",
        data={
            "code": "PM",
            "name": "物业管理费",
            "basis": "per_area",
            "rate": "2.50",
            "effective_from": "2026-01-01",
            "scope": "all",
            "building_id": "0",
            "vacancy_percent": "70 %",
            "vacancy_rule": "full_months",
        },
    )
    assert response.status_code == 303
    charge = db.session.query(ChargeType).one()
    assert (charge.vacancy_percent, charge.vacancy_rule) == (70, VacancyRule.FULL_MONTHS)


def test_a_metered_charge_offers_no_vacancy_rate_and_ignores_one_sent_anyway(client, manager, prop):
    water = builders.create_charge(prop, "WATER", "水费", "metered", 345, meter_unit="吨")
    assert 'name="vacancy_percent"' not in client.get(f"/staff/fees/{water.id}/edit").get_data(as_text=True)
    response = client.post(f"/staff/fees/{water.id}/edit", data=edit(water, meter_unit="吨", vacancy_percent="70"))
    assert response.status_code == 303
    assert db.session.get(ChargeType, water.id).vacancy_percent is None


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT, Role.ENGINEERING, Role.SECURITY])
def test_a_role_without_the_fee_schedule_cannot_edit_the_vacancy_rate(client, auth, pm, role):
    auth.login_staff(builders.create_staff(role))
    response = client.post(f"/staff/fees/{pm.id}/edit", data=edit(pm, vacancy_percent="70"))
    assert response.status_code == 403
    assert db.session.get(ChargeType, pm.id).vacancy_percent is None


def test_the_run_preview_counts_the_lines_at_a_vacancy_rate(client, manager, prop):
    builders.create_charge(prop, vacancy_percent=70)
    builders.create_unit(status=UnitStatus.VACANT)
    builders.create_unit(status=UnitStatus.OCCUPIED)
    month = month_before(clock.today().replace(day=1))
    response = client.post("/staff/fees/runs/preview", data={"period": period_label(month), "due_date": clock.today()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "按空置费率计费的明细</dt><dd>1</dd>" in html
