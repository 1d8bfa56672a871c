"""The kiosk start screen: public data only, never cached."""

from datetime import timedelta

from domain.announcements.models import Announcement
from domain.clock import utcnow
from extensions import db
from tests import builders


def test_kiosk_shows_property_time_and_announcements_but_no_personal_data(client, prop):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="隐私姓名", phone="13987654321")
    now = utcnow()
    db.session.add(Announcement(property_id=prop.id, title="公告甲", body="内容", valid_from=now - timedelta(hours=1), valid_until=now + timedelta(hours=1)))
    db.session.commit()
    response = client.get("/kiosk/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert prop.name in html and "公告甲" in html and prop.service_phone in html
    assert "隐私姓名" not in html and "13987654321" not in html and "1203" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_kiosk_in_english(client, prop):
    html = client.get("/kiosk/?lang=en").get_data(as_text=True)
    assert "Announcements" in html and "No announcements" in html


def test_health_check_answers_without_the_database(client, count_queries):
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.get_data(as_text=True) == "ok" and counter.count == 0
