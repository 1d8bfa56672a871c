"""The console's alerts: the banner of urgent alerts on every console page for the people told only, its polled
fragment (with and without htmx), acknowledging (that person only; another person's alert is 404), the list of
alerts and the sidebar count."""

import pytest
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.alerts.models import StaffAlert
from extensions import db
from tests import builders
from tests.incident_builders import create_team, report

HTMX = {"HX-Request": "true"}


@pytest.fixture
def team(prop):
    """Every role, one each."""
    return create_team()


def alert_of(user, incident):
    """`user`'s alert about `incident`."""
    return db.session.scalar(
        select(StaffAlert).where(StaffAlert.user_id == user.id, StaffAlert.subject_id == incident.id)
    )


def test_banner_shows_for_the_manager_and_the_named_departments_only(app, team):
    incident = report(team[Role.SECURITY], kind="lift_entrapment", place="3号楼2号电梯")
    told = {Role.MANAGER, Role.ENGINEERING, Role.SECURITY, Role.FRONTDESK}
    for role, user in team.items():
        client = app.test_client()
        client.post("/staff/login", data={"login": user.username, "password": builders.PASSWORD})
        html = client.get("/staff/", follow_redirects=True).get_data(as_text=True)
        assert ("3号楼2号电梯" in html) == (role in told), role
        assert 'hx-trigger="load, every 10s"' in html
        if role in told:
            assert f"/staff/alerts/{alert_of(user, incident).id}/acknowledge" in html
            assert f"/staff/incidents/{incident.id}" in html


def test_acknowledge_hides_the_banner_for_that_person_only(app, client, auth, team):
    incident = report(team[Role.SECURITY], kind="fire", place="地下车库")
    manager, engineer = team[Role.MANAGER], team[Role.ENGINEERING]
    auth.login_staff(manager)
    mine = alert_of(manager, incident)
    response = client.post(f"/staff/alerts/{mine.id}/acknowledge", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="alert-banner"' in body and "地下车库" not in body and "<html" not in body
    assert 'hx-swap-oob="true"' in body
    assert f"/staff/alerts/{mine.id}/acknowledge" not in client.get("/staff/").get_data(as_text=True)
    db.session.expire_all()
    assert alert_of(engineer, incident).read_at is None
    other = app.test_client()
    other.post("/staff/login", data={"login": engineer.username, "password": builders.PASSWORD})
    assert "地下车库" in other.get("/staff/alerts/banner", headers=HTMX).get_data(as_text=True)


def test_acknowledge_without_htmx_redirects_back(client, auth, team):
    incident = report(team[Role.SECURITY], kind="fire")
    auth.login_staff(team[Role.MANAGER])
    mine = alert_of(team[Role.MANAGER], incident)
    response = client.post(f"/staff/alerts/{mine.id}/acknowledge", data={"next": "/staff/incidents/"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/incidents/")
    response = client.post(f"/staff/alerts/{mine.id}/acknowledge", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/staff/alerts/")


def test_another_persons_alert_cannot_be_acknowledged(client, auth, team):
    incident = report(team[Role.SECURITY], kind="fire")
    auth.login_staff(team[Role.FRONTDESK])
    theirs = alert_of(team[Role.MANAGER], incident)
    assert client.post(f"/staff/alerts/{theirs.id}/acknowledge", headers=HTMX).status_code == 404
    assert client.post(f"/staff/alerts/{theirs.id + 999}/acknowledge").status_code == 404
    db.session.expire_all()
    assert alert_of(team[Role.MANAGER], incident).read_at is None


def test_polled_banner_is_a_fragment_for_htmx_and_the_list_otherwise(client, auth, team):
    incident = report(team[Role.SECURITY], kind="gas", place="5楼走廊")
    auth.login_staff(team[Role.ENGINEERING])
    fragment = client.get("/staff/alerts/banner", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert "5楼走廊" in body and "<html" not in body
    assert f'data-alert-ids="{alert_of(team[Role.ENGINEERING], incident).id}"' in body
    assert "HX-Request" in fragment.headers["Vary"]
    plain = client.get("/staff/alerts/banner")
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/staff/alerts/")


def test_list_of_alerts_marks_all_read_and_the_sidebar_counts(client, auth, team):
    report(team[Role.SECURITY], kind="fire", place="1号楼大堂")
    report(team[Role.SECURITY], kind="gas", place="2号楼大堂")
    auth.login_staff(team[Role.MANAGER])
    page = client.get("/staff/alerts/").get_data(as_text=True)
    assert "1号楼大堂" in page and "2号楼大堂" in page
    assert 'class="badge badge-alerts"' in page and ">2</span>" in page
    assert client.post("/staff/alerts/read").status_code == 303
    page = client.get("/staff/alerts/").get_data(as_text=True)
    assert "1号楼大堂" in page and "badge-alerts" not in page
    assert 'class="alert alert-error urgent-alert"' not in page
