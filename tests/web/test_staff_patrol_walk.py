"""The patroller's phone pages: today's rounds, starting one, the walk page (a label's code opens its checkpoint,
answers saved by a form or by the page's script as JSON), findings with photos made tickets in one tap (htmx and
not), the signed finish, the label's QR address, and refusals (another patroller, bad input keeps what was typed)."""

import io
import re

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import today
from domain.patrols import rounds
from domain.patrols.models import PatrolFinding, PatrolRound, PatrolVisit, RoundStatus
from domain.patrols.schedule import windows_on
from domain.tickets.models import Channel, Department, Ticket, TicketPhoto
from extensions import db
from tests import builders
from tests import patrol_walk_builders as pw

JSON = {"Accept": "application/json"}


@pytest.fixture
def walker(auth, prop):
    """A signed-in assistant with an area and its route (3 points, its window open now)."""
    user = builders.create_staff(Role.ASSISTANT)
    route = pw.create_route(prop, area=pw.create_area(prop, user), name="一号楼巡视")
    auth.login_staff(user)
    return user, route


@pytest.fixture
def walking(walker):
    """The walker's round, started."""
    user, route = walker
    patrol_round = rounds.start_round(Actor.for_user(user, "t"), route, windows_on(route, today())[0][0])
    db.session.commit()
    return user, route, patrol_round


def answers_form(route, point=0, **extra):
    """The visit form of a checkpoint, every question OK."""
    checkpoint = route.checkpoints[point]
    return {"code": checkpoint.code, "method": "scan", "answer-0": "ok", "answer-1": "ok", **extra}


def test_today_lists_my_rounds_and_starts_one(client, prop, walker):
    user, route = walker
    pw.create_route(prop, area=pw.create_area(prop, builders.create_staff(Role.ASSISTANT)), name="别人的路线")
    page = client.get("/staff/patrols/today").get_data(as_text=True)
    assert "一号楼巡视" in page and "别人的路线" not in page
    start = re.search(r'name="window_start" value="([^"]+)"', page).group(1)
    response = client.post("/staff/patrols/today/start", data={"route_id": route.id, "window_start": start})
    patrol_round = db.session.scalar(select(PatrolRound))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/rounds/{patrol_round.id}")
    again = client.post("/staff/patrols/today/start", data={"route_id": route.id, "window_start": start})
    assert again.headers["Location"].endswith(f"/rounds/{patrol_round.id}")
    assert db.session.scalar(select(func.count()).select_from(PatrolRound)) == 1
    assert "/rounds/" in client.get("/staff/patrols/today").get_data(as_text=True)  # Continue


def test_start_with_bad_input_changes_nothing(client, walker):
    _user, route = walker
    response = client.post("/staff/patrols/today/start", data={"route_id": route.id, "window_start": "soon"})
    assert response.status_code == 303 and db.session.scalar(select(func.count()).select_from(PatrolRound)) == 0


def test_walk_page_opens_the_checkpoint_of_a_typed_code(client, walking):
    _user, route, patrol_round = walking
    page = client.get(f"/staff/patrols/today/rounds/{patrol_round.id}").get_data(as_text=True)
    assert 'data-total="3"' in page
    assert 'capture="environment"' in page and "data-scan" in page and "jsQR.js" in page
    assert page.count("data-visit-form hidden") == 3
    point = route.checkpoints[1]
    page = client.get(f"/staff/patrols/today/rounds/{patrol_round.id}?code={point.code.lower()}").get_data(as_text=True)
    assert page.count("data-visit-form hidden") == 2 and f'name="code" value="{point.code}"' in page
    wrong = client.get(f"/staff/patrols/today/rounds/{patrol_round.id}?code=ZZZ9").get_data(as_text=True)
    assert 'aria-invalid="true"' in wrong and 'value="ZZZ9"' in wrong


def test_visit_saved_by_the_form_and_by_the_script(client, walking):
    _user, route, patrol_round = walking
    url = f"/staff/patrols/today/rounds/{patrol_round.id}/visits"
    assert client.post(url, data=answers_form(route)).status_code == 303
    response = client.post(
        url, data=answers_form(route, 1, scanned_at="2000-01-01T00:00:00Z", **{"answer-1": "fault"}), headers=JSON
    )
    assert response.status_code == 200 and response.json["ok"] and response.json["recorded"] == 2
    resent = client.post(url, data=answers_form(route, 1, note="再次发送"), headers=JSON)
    assert resent.json["visit"] == response.json["visit"]
    assert db.session.scalar(select(func.count()).select_from(PatrolVisit)) == 2
    page = client.get(f"/staff/patrols/today/rounds/{patrol_round.id}").get_data(as_text=True)
    assert page.count("is-recorded") == 2


def test_visit_bad_input_keeps_what_was_typed(client, walking):
    _user, route, patrol_round = walking
    url = f"/staff/patrols/today/rounds/{patrol_round.id}/visits"
    form = answers_form(route, note="楼梯间有杂物")
    del form["answer-1"]
    response = client.post(url, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "楼梯间有杂物" in page and 'value="ok" checked' in page
    assert page.count("data-visit-form hidden") == 2
    refused = client.post(url, data=form, headers=JSON)
    assert refused.status_code == 422 and refused.json["field"] == "answers"
    not_here = client.post(url, data={**answers_form(route), "code": "NOPE1"})
    assert not_here.status_code == 422 and 'value="NOPE1"' in not_here.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PatrolVisit)) == 0


def test_finding_with_a_photo_becomes_a_ticket(client, walking):
    _user, route, patrol_round = walking
    url = f"/staff/patrols/today/rounds/{patrol_round.id}/findings"
    data = {
        "description": "消防栓漏水",
        "checkpoint_id": route.checkpoints[0].id,
        "kind": "repair",
        "department": "engineering",
        "client_key": "phone-1",
        "photos": (io.BytesIO(pw.photo_bytes()), "leak.jpg"),
    }
    response = client.post(url, data=data, content_type="multipart/form-data", headers=JSON)
    assert response.status_code == 200
    resent = client.post(
        url,
        data={**data, "photos": (io.BytesIO(pw.photo_bytes()), "leak.jpg")},
        content_type="multipart/form-data",
        headers=JSON,
    )
    assert resent.json["finding"] == response.json["finding"]
    assert db.session.scalar(select(func.count()).select_from(PatrolFinding)) == 1
    finding = db.session.get(PatrolFinding, response.json["finding"])
    ticket_url = f"/staff/patrols/today/rounds/{patrol_round.id}/findings/{finding.id}/ticket"
    fragment = client.post(ticket_url, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    ticket = db.session.scalar(select(Ticket))
    assert fragment.status_code == 200 and f"#{ticket.id}" in body and "<html" not in body
    assert ticket.channel == Channel.PATROL and ticket.department == Department.ENGINEERING
    assert db.session.get(PatrolFinding, finding.id).ticket_id == ticket.id
    assert db.session.scalar(select(func.count()).select_from(TicketPhoto)) == 1
    again = client.post(ticket_url)
    assert again.status_code == 303 and db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    page = client.get(f"/staff/patrols/today/rounds/{patrol_round.id}").get_data(as_text=True)
    assert f"#{ticket.id}" in page and "/photos/" in page


def test_finding_bad_input_keeps_what_was_typed(client, walking):
    _user, _route, patrol_round = walking
    url = f"/staff/patrols/today/rounds/{patrol_round.id}/findings"
    response = client.post(url, data={"description": "", "kind": "help", "department": "security"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'selected value="help"' in page and 'selected value="security"' in page
    assert client.post(url, data={"description": "  "}, headers=JSON).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PatrolFinding)) == 0


def test_finish_needs_a_signature_then_closes_the_round(client, walking):
    _user, route, patrol_round = walking
    url = f"/staff/patrols/today/rounds/{patrol_round.id}/finish"
    response = client.post(url, data={"note": "二号点灯坏", "signature": ""})
    assert response.status_code == 422 and "二号点灯坏" in response.get_data(as_text=True)
    assert client.post(url, data={"note": "二号点灯坏", "signature": pw.signature_url()}).status_code == 303
    assert db.session.get(PatrolRound, patrol_round.id).status == RoundStatus.FINISHED
    visits = f"/staff/patrols/today/rounds/{patrol_round.id}/visits"
    refused = client.post(visits, data=answers_form(route), headers=JSON)
    assert refused.status_code == 409 and refused.json["final"]
    assert client.post(visits, data=answers_form(route)).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PatrolVisit)) == 0
    page = client.get(f"/staff/patrols/today/rounds/{patrol_round.id}").get_data(as_text=True)
    assert "data-finish-form" not in page and "data-visit-form" not in page


def test_another_patroller_is_refused(client, auth, walking):
    _user, route, patrol_round = walking
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.ASSISTANT))
    assert client.get(f"/staff/patrols/today/rounds/{patrol_round.id}").status_code == 404
    visits = f"/staff/patrols/today/rounds/{patrol_round.id}/visits"
    assert client.post(visits, data=answers_form(route)).status_code == 404
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    assert client.post(visits, data=answers_form(route)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PatrolVisit)) == 0


def test_a_label_scanned_by_the_phone_camera(client, prop, walker):
    _user, route = walker
    point = route.checkpoints[2]
    offer = client.get(f"/staff/patrols/today/scan/{point.code}")
    page = offer.get_data(as_text=True)
    assert offer.status_code == 200 and f'name="code" value="{point.code}"' in page
    start = re.search(r'name="window_start" value="([^"]+)"', page).group(1)
    started = client.post(
        "/staff/patrols/today/start", data={"route_id": route.id, "window_start": start, "code": point.code}
    )
    assert f"code={point.code}" in started.headers["Location"]
    again = client.get(f"/staff/patrols/today/scan/{point.code}")
    assert again.status_code == 303 and f"code={point.code}" in again.headers["Location"]
    assert client.get("/staff/patrols/today/scan/NOPE9").status_code == 404


def test_today_page_queries_do_not_grow_with_routes(client, prop, walker, count_queries):
    user, _route = walker
    with count_queries() as one:
        client.get("/staff/patrols/today")
    area = pw.create_area(prop, user)
    for _ in range(3):
        pw.create_route(prop, area=area)
    with count_queries() as four:
        assert client.get("/staff/patrols/today").get_data(as_text=True).count('name="window_start"') == 4
    assert four.count == one.count


def test_the_menu_marks_the_walk_under_todays_patrol_and_the_record_under_patrol_records(client, walking):
    _user, _route, patrol_round = walking
    current = re.compile(r'<a href="([^"]+)" aria-current="page">')
    walk = client.get(f"/staff/patrols/today/rounds/{patrol_round.id}").get_data(as_text=True)
    assert current.findall(walk) == ["/staff/patrols/today"]
    record = client.get(f"/staff/patrols/rounds/{patrol_round.id}").get_data(as_text=True)
    assert current.findall(record) == ["/staff/patrols/"]


def test_answers_kept_on_the_phone_are_refused_when_the_checklist_changed_meanwhile(client, walking):
    _user, route, patrol_round = walking
    url = f"/staff/patrols/today/rounds/{patrol_round.id}/visits"
    checkpoint = route.checkpoints[0]
    page = client.get(f"/staff/patrols/today/rounds/{patrol_round.id}?code={checkpoint.code}").get_data(as_text=True)
    assert f'name="answer-0-text" value="{checkpoint.checklist[0]}"' in page
    form = answers_form(route, note="灯不亮", **{"answer-0": "fault"})
    form.update({f"answer-{n}-text": question for n, question in enumerate(checkpoint.checklist)})
    checkpoint.checklist = [checkpoint.checklist[1], checkpoint.checklist[0]]  # reordered by the manager meanwhile
    db.session.commit()
    refused = client.post(url, data=form, headers=JSON)
    assert refused.status_code == 422 and refused.json["field"] == "answers" and "清单" in refused.json["error"]
    shown = client.post(url, data=form)
    assert shown.status_code == 422 and "灯不亮" in shown.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PatrolVisit)) == 0
    form.update({f"answer-{n}-text": question for n, question in enumerate(checkpoint.checklist)})
    assert client.post(url, data=form, headers=JSON).status_code == 200  # answered against the list as it is now
