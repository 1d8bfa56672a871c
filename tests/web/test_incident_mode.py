"""Incident mode on the web: the manager switches the notice on from the console, residents of the affected buildings
see its banner on every portal page and on the new-request form, the kiosks show it, the all-clear removes it, and
the desk attaches residents' tickets and closes them with one message."""

import smtplib

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.announcements.models import Announcement
from domain.incidents.models import IncidentNotice, IncidentTicket
from domain.tickets import recording
from domain.tickets.models import Status, Ticket
from extensions import db
from tests import builders
from tests.incident_mode_builders import create_incident, two_buildings


@pytest.fixture
def scene(prop):
    """Two buildings with a household each (an address each) and an open water cut in building 2."""
    homes = two_buildings(prop)
    for _building, _unit, resident in homes.values():
        resident.email = f"r{resident.id}@example.com"
    db.session.commit()
    return homes, create_incident(prop, building=homes["2"][0])


def switch_on(client, incident, building, **values):
    """The manager's switch-on form, posted."""
    data = {"title": "停水通知", "body": "今天14:00-18:00停水检修。", "building_ids": [str(building.id)]}
    data.update(values)
    return client.post(f"/staff/incidents/{incident.id}/notice", data=data)


class FakeSMTP:
    """Records the addresses mailed (the suite refuses real SMTP)."""

    sent = []

    def __init__(self, host, port, timeout):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        """Note the recipient."""
        FakeSMTP.sent.append(message["To"])


def test_the_manager_switches_it_on_and_only_the_affected_residents_see_the_banner(
    app, client, auth, scene, monkeypatch
):
    homes, incident = scene
    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    auth.login_staff(builders.create_staff(Role.MANAGER))
    page = client.get(f"/staff/incidents/{incident.id}/notice").get_data(as_text=True)
    assert 'value="停水通知"' in page  # the kind's title is proposed
    response = switch_on(client, incident, homes["2"][0])
    assert response.status_code == 303
    assert FakeSMTP.sent == [homes["2"][2].email]  # e-mailed to the affected building's household only
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "【2号楼】" in page and "停水通知" in page
    auth.logout("staff")

    auth.login_resident(homes["2"][2].user)
    for url in ("/portal/", "/portal/bills", "/portal/tickets"):
        html = client.get(url).get_data(as_text=True)
        assert "incident-banner" in html and "【2号楼】" in html and "今天14:00-18:00停水检修。" in html, url
    form = client.get("/portal/tickets/new").get_data(as_text=True)
    assert "我们已知悉：停水通知" in form
    assert form.count("incident-banner") == 1  # the form's notice replaces the page banner
    auth.logout()

    auth.login_resident(homes["1"][2].user)
    for url in ("/portal/", "/portal/bills", "/portal/tickets/new"):
        html = client.get(url).get_data(as_text=True)
        assert "incident-banner" not in html and "我们已知悉" not in html, url
    # The portal announcement shows to every resident, so its title names the building.
    assert "【2号楼】停水通知" in client.get("/portal/").get_data(as_text=True)


def test_the_kiosk_shows_every_live_notice_with_its_buildings_until_the_all_clear(client, auth, scene, prop):
    homes, incident = scene
    staff_client = client.application.test_client()
    AuthHelper(staff_client).login(builders.create_staff(Role.MANAGER))
    assert switch_on(staff_client, incident, homes["2"][0]).status_code == 303
    builders.create_kiosk(prop, client=client)
    for url in ("/kiosk/", "/kiosk/pickup"):
        html = client.get(url).get_data(as_text=True)
        assert "incident-banner" in html and "【2号楼】停水通知" in html.replace("</span>", ""), url
    notice = db.session.scalar(select(IncidentNotice))
    off = staff_client.post(f"/staff/incidents/{incident.id}/notice/{notice.id}/off", data={"off-body": ""})
    assert off.status_code == 303
    assert "incident-banner" not in client.get("/kiosk/").get_data(as_text=True)
    auth.login_resident(homes["2"][2].user)
    assert "incident-banner" not in client.get("/portal/").get_data(as_text=True)
    notices_html = client.get("/portal/tickets").get_data(as_text=True)
    assert "已恢复" in notices_html  # the all-clear reached the resident's notices


class AuthHelper:
    """Sign a second client in to the console."""

    def __init__(self, client):
        self.client = client

    def login(self, user):
        """Sign `user` in."""
        response = self.client.post("/staff/login", data={"login": user.username, "password": builders.PASSWORD})
        assert response.status_code == 303


def test_bad_input_keeps_what_was_typed_and_saves_nothing(client, auth, scene):
    homes, incident = scene
    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = switch_on(client, incident, homes["2"][0], title="水泵房检修停水", body="", building_ids=[])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="水泵房检修停水"' in html
    assert "请写明住户需要知道的情况。" in html
    response = switch_on(client, incident, homes["2"][0], title="水泵房检修停水", body="正文保留", building_ids=[])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请选择受影响住户所在的楼栋。" in html and "正文保留" in html
    assert db.session.scalar(select(func.count()).select_from(IncidentNotice)) == 0
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0
    assert switch_on(client, incident, homes["2"][0]).status_code == 303
    notice = db.session.scalar(select(IncidentNotice))
    response = client.post(f"/staff/incidents/{incident.id}/notice/{notice.id}/updates", data={"update-body": " "})
    assert response.status_code == 422 and "请填写进展内容。" in response.get_data(as_text=True)
    assert notice.updates == []
    posted = client.post(
        f"/staff/incidents/{incident.id}/notice/{notice.id}/updates", data={"update-body": "18:00恢复"}
    )
    assert posted.status_code == 303
    auth.logout("staff")
    auth.login_resident(homes["2"][2].user)
    assert "18:00恢复" in client.get("/portal/bills").get_data(as_text=True)  # the banner's latest word


def test_the_wrong_roles_are_refused_and_nothing_changes(client, auth, scene):
    homes, incident = scene
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    assert switch_on(client, incident, homes["2"][0]).status_code == 403
    assert "incident-mode" in client.get(f"/staff/incidents/{incident.id}/notice").get_data(as_text=True)
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    assert client.post(f"/staff/incidents/{incident.id}/tickets", data={"ticket_ids": ["1"]}).status_code == 403
    html = client.get(f"/staff/incidents/{incident.id}/notice").get_data(as_text=True)
    assert "incident-tickets" not in html  # departments do not see residents' tickets here
    assert db.session.scalar(select(func.count()).select_from(IncidentNotice)) == 0
    assert client.get("/staff/incidents/999/notice").status_code == 404


def ticket_of(prop, unit, resident, category="water"):
    """A resident's repair ticket from the portal."""
    ticket = recording.create_ticket(
        Actor.system(),
        property_id=prop.id,
        kind="repair",
        channel="portal",
        description="家里没有水",
        category=category,
        unit_id=unit.id,
        resident_id=resident.id,
    )
    db.session.commit()
    return ticket


def test_the_desk_attaches_tickets_and_closes_them_with_one_message_residents_see(client, auth, scene, prop):
    homes, incident = scene
    _b, unit, resident = homes["2"]
    first, second = ticket_of(prop, unit, resident), ticket_of(prop, unit, resident)
    elsewhere = ticket_of(prop, homes["1"][1], homes["1"][2])
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    page = client.get(f"/staff/incidents/{incident.id}/notice").get_data(as_text=True)
    assert f'value="{first.id}"' in page and f'value="{second.id}"' in page  # the affected building's, listed
    assert f'value="{elsewhere.id}"' not in page
    found = client.get(f"/staff/incidents/{incident.id}/tickets?q={elsewhere.id}", headers={"HX-Request": "true"})
    fragment = found.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="incident-candidates">') and f'value="{elsewhere.id}"' in fragment
    assert "HX-Request" in found.headers["Vary"]
    full = client.get(f"/staff/incidents/{incident.id}/tickets?q={elsewhere.id}").get_data(as_text=True)
    assert "<html" in full and f'value="{elsewhere.id}"' in full
    refused = client.post(f"/staff/incidents/{incident.id}/tickets", data={"ticket_ids": ["99999"]})
    assert refused.status_code == 422 and "只能关联本小区未结束的工单。" in refused.get_data(as_text=True)
    response = client.post(
        f"/staff/incidents/{incident.id}/tickets", data={"ticket_ids": [str(first.id), str(second.id)]}
    )
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(IncidentTicket)) == 2
    empty = client.post(f"/staff/incidents/{incident.id}/tickets/close", data={"message": ""})
    assert empty.status_code == 422 and "请填写住户将看到的说明。" in empty.get_data(as_text=True)
    message = "水泵已修复，18:00起恢复供水，给您带来不便敬请谅解。"
    assert client.post(f"/staff/incidents/{incident.id}/tickets/close", data={"message": message}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, first.id).status == Status.CLOSED
    assert db.session.get(Ticket, second.id).status == Status.CLOSED
    assert db.session.get(Ticket, elsewhere.id).status == Status.NEW
    auth.logout("staff")
    auth.login_resident(resident.user)
    html = client.get(f"/portal/tickets/{first.id}").get_data(as_text=True)
    assert message in html
    auth.logout()
    auth.login_resident(homes["1"][2].user)
    assert client.get(f"/portal/tickets/{first.id}").status_code == 404  # another resident's ticket


def test_portal_and_kiosk_banners_cost_one_statement_each(client, auth, scene, prop, count_queries):
    homes, incident = scene
    auth.login_resident(homes["2"][2].user)
    with count_queries() as before:
        client.get("/portal/bills")
    staff = client.application.test_client()
    AuthHelper(staff).login(builders.create_staff(Role.MANAGER))
    switch_on(staff, incident, homes["2"][0])
    for _ in range(3):
        extra = create_incident(prop, building=homes["2"][0])
        switch_on(staff, extra, homes["2"][0], title=f"通知{extra.id}")
    with count_queries() as after:
        html = client.get("/portal/bills").get_data(as_text=True)
    assert html.count('class="incident-notice"') == 4
    assert after.count == before.count


def test_the_incident_page_carries_the_panel(client, auth, scene):
    homes, incident = scene
    auth.login_staff(builders.create_staff(Role.MANAGER))
    html = client.get(f"/staff/incidents/{incident.id}").get_data(as_text=True)
    assert 'id="incident-mode"' in html and f'action="/staff/incidents/{incident.id}/notice"' in html
    assert switch_on(client, incident, homes["2"][0]).status_code == 303
    html = client.get(f"/staff/incidents/{incident.id}").get_data(as_text=True)
    assert "【2号楼】" in html and "/updates" in html and "/off" in html
