"""Working for one property at a time: the role a person holds in each, choosing and switching, one sign-in for a
resident with homes in two properties, and every other property's records answering 404."""

import pytest
from sqlalchemy import select

from domain.accounts.models import StaffRole
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from extensions import db
from tests import builders

pytestmark = pytest.mark.usefixtures("named_days")


@pytest.fixture
def two():
    """Property A (测试小区) and B (第二小区), each with a building and a unit, in the same company."""
    a = builders.create_property("测试小区")
    b = builders.create_property("第二小区")
    unit_a = builders.create_unit(number="0101", floor=1)
    unit_b = builders.create_unit(building=b.buildings[0], number="0909", floor=9)
    return a, b, unit_a, unit_b


def _engineer_in_a_manager_in_b(a, b):
    user = builders.create_staff(Role.ENGINEERING, username="liu", prop=a)
    db.session.add(StaffRole(property_id=b.id, user_id=user.id, role=Role.MANAGER))
    db.session.commit()
    return user


def _choose(client, prop):
    return client.post("/staff/properties/choose", data={"property_id": prop.id})


def test_someone_with_two_properties_chooses_one_before_any_page_and_holds_the_role_of_each(client, auth, two):
    a, b, _unit_a, _unit_b = two
    user = _engineer_in_a_manager_in_b(a, b)
    builders.create_staff(Role.FRONTDESK, username="desk_a", prop=a)
    builders.create_staff(Role.FINANCE, username="cash_b", prop=b)
    auth.login_staff(user)

    response = client.get("/staff/accounts/")
    assert response.status_code == 303 and "/staff/properties/choose" in response.headers["Location"]
    page = client.get("/staff/properties/choose").get_data(as_text=True)
    assert "测试小区" in page and "第二小区" in page and "工程部" in page or "Engineering" in page

    assert _choose(client, a).status_code == 303
    assert client.get("/staff/accounts/").status_code == 403  # an engineer in A
    home = client.get("/staff/").get_data(as_text=True)
    assert "测试小区" in home and "Switch property" in home or "切换项目" in home

    assert _choose(client, b).status_code == 303
    staff_page = client.get("/staff/accounts/")
    assert staff_page.status_code == 200  # the manager of B
    text = staff_page.get_data(as_text=True)
    assert "cash_b" in text and "liu" in text and "desk_a" not in text  # B's staff only
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "account.property_switch"))


def test_a_property_where_one_holds_no_role_cannot_be_chosen(client, auth, two):
    a, b, _unit_a, _unit_b = two
    desk = builders.create_staff(Role.FRONTDESK, username="desk_a", prop=a)
    auth.login_staff(desk)
    assert client.get("/staff/").status_code == 200  # one property: no choice to make
    assert _choose(client, b).status_code == 404
    assert "第二小区" not in client.get("/staff/").get_data(as_text=True)


def test_another_propertys_unit_and_bill_answer_404_as_a_neighbours_do(client, auth, two):
    a, b, unit_a, unit_b = two
    manager = builders.create_staff(Role.MANAGER, username="boss_a", prop=a)
    bill_b = builders.create_bill(unit_b, description="第二小区的账单")
    auth.login_staff(manager)
    assert client.get(f"/staff/units/{unit_a.id}").status_code == 200
    assert client.get(f"/staff/units/{unit_b.id}").status_code == 404
    assert client.get(f"/staff/billing/units/{unit_b.id}").status_code == 404
    listing = client.get("/staff/units/?q=0909").get_data(as_text=True)
    assert f"/staff/units/{unit_b.id}" not in listing
    assert bill_b.id  # the bill exists; only its property may see it


def test_a_resident_with_homes_in_two_properties_has_one_sign_in_and_sees_each_with_its_own_bills(client, auth, two):
    a, b, unit_a, unit_b = two
    resident_a = builders.create_resident(a, unit=unit_a, name="周业主", phone="13800000007")
    builders.add_home(resident_a, b, unit_b)
    builders.create_bill(unit_a, total_fen=11100)
    builders.create_bill(unit_b, total_fen=99900)
    auth.login_resident(resident_a.user)

    response = client.get("/portal/bills")
    assert response.status_code == 303 and "/portal/properties/choose" in response.headers["Location"]
    client.post("/portal/properties/choose", data={"property_id": a.id})
    bills = client.get("/portal/bills").get_data(as_text=True)
    assert "111.00" in bills and "999.00" not in bills
    client.post("/portal/properties/choose", data={"property_id": b.id})
    bills = client.get("/portal/bills").get_data(as_text=True)
    assert "999.00" in bills and "111.00" not in bills


def test_a_resident_of_one_property_never_sees_the_choice(client, auth, two):
    a, _b, unit_a, _unit_b = two
    resident = builders.create_resident(a, unit=unit_a)
    auth.login_resident(resident.user)
    page = client.get("/portal/")
    assert page.status_code == 200
    assert "/portal/properties/choose" not in page.get_data(as_text=True)


def test_an_export_holds_the_working_propertys_rows_only(client, auth, two):
    a, b, unit_a, unit_b = two
    manager = builders.create_staff(Role.MANAGER, username="boss_a", prop=a)
    builders.create_bill(unit_a, total_fen=11100)
    builders.create_bill(unit_b, total_fen=99900)
    auth.login_staff(manager)
    response = client.get("/staff/billing/bills/export.csv?period=2026-10")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "111.00" in text and "999.00" not in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action.like("%export%")))
    assert entry is not None and entry.summary.startswith("bills.csv 1 rows") and entry.property_id == a.id


def test_a_manager_gives_a_colleague_of_another_property_a_role_here_and_takes_it_away(client, auth, two):
    a, b, _unit_a, _unit_b = two
    boss_b = builders.create_staff(Role.MANAGER, username="boss_b", prop=b)
    tech = builders.create_staff(Role.ENGINEERING, username="tech_a", prop=a)
    auth.login_staff(boss_b)

    refused = client.post("/staff/accounts/add", data={"username": "nobody", "role": "engineering"})
    assert refused.status_code == 200 and 'value="nobody"' in refused.get_data(as_text=True)
    assert (
        db.session.scalar(select(StaffRole.id).where(StaffRole.user_id == tech.id, StaffRole.property_id == b.id))
        is None
    )

    assert client.post("/staff/accounts/add", data={"username": "TECH_A", "role": "engineering"}).status_code == 303
    assert "tech_a" in client.get("/staff/accounts/").get_data(as_text=True)
    twice = client.post("/staff/accounts/add", data={"username": "tech_a", "role": "security"})
    assert twice.status_code == 200  # already holds a role here: refused, nothing changed

    edit = client.get(f"/staff/accounts/{tech.id}/edit").get_data(as_text=True)
    assert f"/staff/accounts/{tech.id}/remove" in edit
    assert client.post(f"/staff/accounts/{tech.id}/remove").status_code == 303
    held = db.session.execute(select(StaffRole.property_id, StaffRole.role).where(StaffRole.user_id == tech.id)).all()
    assert held == [(a.id, Role.ENGINEERING)]  # still A's technician
    assert client.get(f"/staff/accounts/{tech.id}/edit").status_code == 404  # no longer B's to manage


def test_someone_whose_only_property_it_is_cannot_be_removed_from_it(client, auth, two):
    a, _b, _unit_a, _unit_b = two
    boss = builders.create_staff(Role.MANAGER, username="boss_a", prop=a)
    desk = builders.create_staff(Role.FRONTDESK, username="desk_a", prop=a)
    auth.login_staff(boss)
    response = client.post(f"/staff/accounts/{desk.id}/remove", follow_redirects=True)
    assert "deactivate" in response.get_data(as_text=True) or "停用" in response.get_data(as_text=True)
    assert db.session.scalar(select(StaffRole.id).where(StaffRole.user_id == desk.id)) is not None


def test_each_property_counts_its_days_in_its_own_time_zone(client, auth, two):
    from domain.clock import local_now, property_zone
    from domain.current_property import working_for

    a, b, _unit_a, _unit_b = two
    b.time_zone = "Asia/Urumqi"
    db.session.commit()
    with working_for(b.id):
        assert property_zone().key == "Asia/Urumqi"
        urumqi_hour = local_now().hour
    with working_for(a.id):
        assert property_zone().key == "Asia/Shanghai"
        assert (local_now().hour - urumqi_hour) % 24 == 2
    desk_b = builders.create_staff(Role.FRONTDESK, username="desk_b", prop=b)
    auth.login_staff(desk_b)
    assert client.get("/staff/").status_code == 200


def test_a_wrong_code_alarm_rings_at_its_own_propertys_desk_only(client, auth, two):
    from domain.accounts.models import Actor
    from domain.current_property import working_for
    from domain.throttle import services as throttle

    a, b, unit_a, unit_b = two
    with working_for(b.id):
        for _ in range(throttle.UNIT_MAX_FAILURES):
            throttle.count_failure(Actor.system("kiosk"), "pickup", "kiosk:9", "第二小区 0909", unit_id=unit_b.id)
        db.session.commit()
    with working_for(b.id):
        assert throttle.open_alerts()
    with working_for(a.id):
        assert throttle.open_alerts() == []
    auth.login_staff(builders.create_staff(Role.FRONTDESK, username="desk_a", prop=a))
    assert "第二小区 0909" not in client.get("/staff/parcels/").get_data(as_text=True)
