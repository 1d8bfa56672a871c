"""The incident pages: the phone report (bad input keeps what was typed, nothing saved), the page with its timeline
(htmx and not), the manager's outcome, closing only with outcome, cause and measures, reopening, the PDF, the photos,
the list by month and kind with its statement budget."""

import io
from datetime import timedelta

import pypdfium2
import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from domain.accounts.roles import Role
from domain.alerts.models import StaffAlert
from domain.clock import to_local_input, utcnow
from domain.incidents import services
from domain.incidents.models import Incident, IncidentStatus
from extensions import db
from tests.incident_builders import act, close_ready, create_team, report

HTMX = {"HX-Request": "true"}


@pytest.fixture
def team(prop):
    """Every role, one each."""
    return create_team()


def png():
    """A small real PNG picture."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 20)).save(out, "PNG")
    return out.getvalue()


def report_form(**values):
    """The report form's fields, filled."""
    return {
        "kind": "lift_entrapment",
        "place": "3号楼2号电梯",
        "occurred_at": "",
        "description": "电梯停在12楼与13楼之间，两人被困",
        "people": "住户两人",
        "unit_label": "",
        **values,
    }


def test_the_report_form_is_phone_first(client, auth, team):
    auth.login_staff(team[Role.CLEANING])
    html = client.get("/staff/incidents/new").get_data(as_text=True)
    assert html.count('name="kind"') == 10 and 'capture="environment"' in html
    assert 'type="datetime-local"' in html and 'enctype="multipart/form-data"' in html


def test_reporting_tells_the_right_people_and_opens_the_incident(client, auth, team):
    auth.login_staff(team[Role.CLEANING])
    data = report_form(photos=(io.BytesIO(png()), "lift.png"))
    response = client.post("/staff/incidents/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    incident = db.session.scalar(select(Incident))
    assert response.headers["Location"].endswith(f"/staff/incidents/{incident.id}")
    assert incident.reported_by_id == team[Role.CLEANING].id and incident.occurred_at == utcnow()
    told = set(db.session.scalars(select(StaffAlert.user_id)))
    assert told == {team[r].id for r in (Role.MANAGER, Role.ENGINEERING, Role.SECURITY, Role.FRONTDESK)}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3号楼2号电梯" in page and f"/staff/incidents/{incident.id}/photos/" in page
    assert "_notice_panel" not in page  # the include is there, silent until incident mode adds its panel


@pytest.mark.parametrize(
    ("values", "message_field"),
    [({"place": ""}, "place"), ({"kind": ""}, "kind"), ({"unit_label": "9-9999"}, "unit_label")],
)
def test_bad_report_keeps_what_was_typed_and_saves_nothing(client, auth, team, values, message_field):
    auth.login_staff(team[Role.SECURITY])
    response = client.post("/staff/incidents/new", data=report_form(**values))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "电梯停在12楼与13楼之间" in html and "住户两人" in html
    assert f'id="{message_field}-error"' in html or 'class="error"' in html
    assert db.session.scalar(select(func.count()).select_from(Incident)) == 0
    assert db.session.scalar(select(func.count()).select_from(StaffAlert)) == 0


def test_a_future_time_is_refused(client, auth, team):
    auth.login_staff(team[Role.SECURITY])
    later = to_local_input(utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/staff/incidents/new", data=report_form(occurred_at=later))
    assert response.status_code == 422 and later in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Incident)) == 0


def test_an_entry_swaps_the_timeline_with_htmx(client, auth, team):
    incident = report(team[Role.SECURITY])
    auth.login_staff(team[Role.ENGINEERING])
    url = f"/staff/incidents/{incident.id}/entries"
    response = client.post(url, data={"kind": "action", "body": "已关闭2号楼总阀"}, headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "incidentUpdated"
    body = response.get_data(as_text=True)
    assert 'id="incident-timeline"' in body and "已关闭2号楼总阀" in body and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
    response = client.post(url, data={"kind": "affected", "body": "2-0101"})
    assert response.status_code == 303
    refused = client.post(url, data={"kind": "action", "body": ""}, headers=HTMX)
    assert refused.status_code == 400
    refused = client.post(url, data={"kind": "gossip", "body": "保留的文字"})
    assert refused.status_code == 422 and "保留的文字" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert [e.action for e in db.session.get(Incident, incident.id).events][-2:] == ["action", "affected"]


def test_only_the_manager_writes_the_outcome_and_closes(client, auth, team):
    incident = report(team[Role.SECURITY])
    auth.login_staff(team[Role.FRONTDESK])
    page = client.get(f"/staff/incidents/{incident.id}").get_data(as_text=True)
    assert "/outcome" not in page and "/close" not in page
    assert client.post(f"/staff/incidents/{incident.id}/outcome", data={"outcome": "x"}).status_code == 403
    assert client.post(f"/staff/incidents/{incident.id}/close").status_code == 403


def test_closing_without_cause_and_measures_is_refused_field_by_field(client, auth, team):
    incident = report(team[Role.SECURITY])
    auth.login_staff(team[Role.MANAGER])
    outcome = f"/staff/incidents/{incident.id}/outcome"
    response = client.post(outcome, data={"outcome": "已修复", "cause": "", "measures": ""})
    assert response.status_code == 303
    response = client.post(f"/staff/incidents/{incident.id}/close")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="cause-error"' in html and 'id="measures-error"' in html and 'id="outcome-error"' not in html
    assert "已修复" in html
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == IncidentStatus.OPEN
    client.post(outcome, data={"outcome": "已修复", "cause": "管道老化", "measures": "每月巡查"})
    assert client.post(f"/staff/incidents/{incident.id}/close").status_code == 303
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == IncidentStatus.CLOSED
    assert client.post(f"/staff/incidents/{incident.id}/close").status_code == 409
    page = client.get(f"/staff/incidents/{incident.id}").get_data(as_text=True)
    assert "/reopen" in page and "/entries" not in page


def test_closing_from_the_outcome_form_saves_what_was_typed_or_keeps_it_when_refused(client, auth, team):
    incident = report(team[Role.SECURITY])
    auth.login_staff(team[Role.MANAGER])
    close = f"/staff/incidents/{incident.id}/close"
    refused = client.post(close, data={"outcome": "已修复", "cause": "管道老化", "measures": ""})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="measures-error"' in html and 'id="cause-error"' not in html
    assert "已修复" in html and "管道老化" in html  # what was typed is on the page again
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident.status == IncidentStatus.OPEN and not incident.cause  # nothing half-saved
    too_long = client.post(close, data={"outcome": "x" * 4001, "cause": "c", "measures": "m"})
    assert too_long.status_code == 422 and 'id="outcome-error"' in too_long.get_data(as_text=True)
    done = client.post(close, data={"outcome": "已修复", "cause": "管道老化", "measures": "每月巡查"})
    assert done.status_code == 303
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident.status == IncidentStatus.CLOSED and incident.measures == "每月巡查"
    assert [e.action for e in incident.events][-2:] == ["outcome", "closed"]


def test_reopening_needs_a_reason(client, auth, team):
    incident = close_ready(team[Role.MANAGER], report(team[Role.SECURITY]))
    services.close_incident(act(team[Role.MANAGER]), incident)
    db.session.commit()
    auth.login_staff(team[Role.MANAGER])
    response = client.post(f"/staff/incidents/{incident.id}/reopen", data={"reason": ""})
    assert response.status_code == 422
    assert client.post(f"/staff/incidents/{incident.id}/reopen", data={"reason": "又漏水"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == IncidentStatus.OPEN


def test_the_report_pdf_renders_in_chinese(client, auth, team):
    incident = close_ready(team[Role.MANAGER], report(team[Role.SECURITY]))
    services.add_entry(act(team[Role.ENGINEERING]), incident, kind="action", body="关闭总阀并抽水")
    services.close_incident(act(team[Role.MANAGER]), incident)
    db.session.commit()
    auth.login_staff(team[Role.ASSISTANT])
    response = client.get(f"/staff/incidents/{incident.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.get_data())
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    for expected in ("特殊事件报告", "2号楼地下车库", "漏水或水浸", "关闭总阀并抽水", "管道老化", "每月巡查", "已通知"):
        assert expected in text, expected


def test_a_photo_of_another_incident_is_not_found(client, auth, team):
    first = report(team[Role.SECURITY])
    second = report(team[Role.SECURITY])
    services.add_entry(
        act(team[Role.SECURITY]),
        first,
        kind="photo",
        body="",
        files=[FileStorage(io.BytesIO(png()), filename="a.png", content_type="image/png")],
    )
    db.session.commit()
    photo_id = first.events[-1].data["photo_ids"][0]
    auth.login_staff(team[Role.CLEANING])
    shown = client.get(f"/staff/incidents/{first.id}/photos/{photo_id}")
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    shown.close()
    assert client.get(f"/staff/incidents/{second.id}/photos/{photo_id}").status_code == 404


def test_the_list_shows_open_ones_first_and_filters_by_kind(client, auth, team, clock):
    fire = report(team[Role.SECURITY], kind="fire", place="地下车库")
    theft = report(team[Role.SECURITY], kind="theft", place="3号楼大堂")
    close_ready(team[Role.MANAGER], theft)
    services.close_incident(act(team[Role.MANAGER]), theft)
    db.session.commit()
    auth.login_staff(team[Role.FINANCE])
    html = client.get("/staff/incidents/").get_data(as_text=True)
    assert html.index(f"/staff/incidents/{fire.id}") < html.index(f"/staff/incidents/{theft.id}")
    fragment = client.get("/staff/incidents/?kind=theft", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "3号楼大堂" in body and "地下车库" not in body
    month = clock.local().strftime("%Y-%m")
    assert "3号楼大堂" in client.get(f"/staff/incidents/?month={month}&kind=nonsense").get_data(as_text=True)


def test_the_list_stays_within_its_statement_budget(client, auth, team, count_queries):
    report(team[Role.SECURITY])
    auth.login_staff(team[Role.MANAGER])

    def statements():
        with count_queries() as counter:
            assert client.get("/staff/incidents/").status_code == 200
        return counter.count

    few = statements()
    for n in range(8):
        report(team[Role.SECURITY], kind="fire" if n % 2 else "theft", place=f"{n}号楼")
    assert statements() == few


def test_the_board_lists_open_incidents_until_closed(client, auth, team):
    incident = report(team[Role.SECURITY], kind="fire", place="地下车库")
    auth.login_staff(team[Role.MANAGER])
    assert f"/staff/incidents/{incident.id}" in client.get("/staff/board").get_data(as_text=True)
    close_ready(team[Role.MANAGER], incident)
    services.close_incident(act(team[Role.MANAGER]), incident)
    db.session.commit()
    html = client.get("/staff/board").get_data(as_text=True)
    assert f'href="/staff/incidents/{incident.id}"' not in html.split('data-panel="field"')[1]
