"""The resident portal: home, household, contact details; and nobody else's data."""

from datetime import timedelta

from domain.announcements.models import Announcement
from domain.audit.models import AuditEntry
from domain.clock import utcnow
from domain.property.models import Relation, Resident
from extensions import db
from tests import builders


def test_home_shows_my_units_household_and_current_announcements(client, auth, prop):
    unit = builders.create_unit(number="1203", floor=12)
    me = builders.create_resident(prop, unit=unit, name="陈业主")
    builders.create_resident(prop, unit=unit, name="陈家属", relation=Relation.FAMILY, account=False)
    now = utcnow()
    db.session.add_all(
        [
            Announcement(
                property_id=prop.id,
                title="电梯维保通知",
                body="周三",
                valid_from=now - timedelta(hours=1),
                valid_until=now + timedelta(days=1),
            ),
            Announcement(
                property_id=prop.id,
                title="过期通知",
                body="旧",
                valid_from=now - timedelta(days=9),
                valid_until=now - timedelta(days=1),
            ),
        ]
    )
    db.session.commit()
    auth.login_resident(me.user)
    html = client.get("/portal/").get_data(as_text=True)
    assert "陈业主" in html and "陈家属" in html and "1203" in html
    assert "电梯维保通知" in html and "过期通知" not in html
    assert "89.50 m²" in html


def test_resident_never_sees_a_neighbours_unit_or_household(client, auth, prop):
    mine = builders.create_unit(number="0101", floor=1)
    theirs = builders.create_unit(number="0909", floor=9)
    me = builders.create_resident(prop, unit=mine, name="甲住户")
    builders.create_resident(prop, unit=theirs, name="乙邻居", phone="13999998888")
    auth.login_resident(me.user)
    for url in ("/portal/", "/portal/profile"):
        html = client.get(url).get_data(as_text=True)
        assert "乙邻居" not in html and "0909" not in html and "13999998888" not in html


def test_resident_changes_only_their_own_contact_details(client, auth, prop):
    me = builders.create_resident(prop, unit=builders.create_unit(), phone="13900000001")
    neighbour = builders.create_resident(prop, unit=builders.create_unit(), phone="13900000002")
    auth.login_resident(me.user)
    response = client.post(
        "/portal/profile", data={"phone": "139 1111 2222", "email": "me@example.com", "id": neighbour.id}
    )
    assert response.status_code == 303
    assert db.session.get(Resident, me.id).phone == "13911112222"
    assert db.session.get(Resident, neighbour.id).phone == "13900000002"
    entry = db.session.query(AuditEntry).filter_by(action="resident.contact_update").one()
    assert entry.object_id == me.id and entry.changes["phone"] == ["13900000001", "13911112222"]


def test_bad_contact_details_are_explained_kept_and_not_saved(client, auth, prop):
    me = builders.create_resident(prop, unit=builders.create_unit(), phone="13900000001")
    auth.login_resident(me.user)
    response = client.post("/portal/profile", data={"phone": "12345", "email": "not-an-email"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请输入11位" in html and 'value="12345"' in html and 'value="not-an-email"' in html
    assert html.count('class="error"') == 2
    assert db.session.get(Resident, me.id).phone == "13900000001"


def test_resident_without_a_register_record_gets_a_clear_message(client, auth, prop):
    me = builders.create_resident(prop)
    me.user_id, user = None, me.user
    db.session.commit()
    auth.login_resident(user)
    response = client.get("/portal/")
    assert response.status_code == 404 and "客服中心" in response.get_data(as_text=True)


def test_home_without_units_shows_an_empty_state(client, auth, prop):
    me = builders.create_resident(prop)
    auth.login_resident(me.user)
    html = client.get("/portal/").get_data(as_text=True)
    assert 'class="empty"' in html
