"""The console's patrol pages: today's windows and the history, the 巡视记录表 page and PDF, routes and checkpoints
(htmx rows), label sheets, and the patrol alarms on the manager's board at the right time."""

import re
from datetime import timedelta

import pypdfium2
import pytest
from sqlalchemy import event

from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.clock import local_day_bounds, today
from domain.facilities.models import Facility
from domain.patrols.models import Checkpoint, PatrolFinding, PatrolRoute, PatrolVisit
from domain.patrols.records import patrol_alarms, round_record
from domain.tickets.models import Channel, Ticket, TicketKind
from extensions import db
from tests import builders
from tests.facilities_builders import create_facility
from tests.patrol_builders import create_route, walk_round
from web import filters as web_filters

HX = {"HX-Request": "true"}


def _at_local(day, hour, minute=0):
    """`day` at hour:minute at the property, as aware UTC."""
    start, _end = local_day_bounds(day)
    return start + timedelta(hours=hour, minutes=minute)


def _pdf_text(body):
    """The text of every page of a PDF."""
    pdf = pypdfium2.PdfDocument(body)
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


@pytest.fixture
def manager(client, auth):
    """A signed-in manager."""
    user = builders.create_staff(Role.MANAGER)
    auth.login_staff(user)
    return user


@pytest.fixture
def at(clock, auth, manager):
    """Move the clock to hour:minute of today at the property and sign the manager in again (sessions idle out)."""

    def move(hour, minute=0):
        clock.set(_at_local(today(), hour, minute))
        auth.logout("staff")
        auth.login_staff(manager)
        return clock()

    return move


@pytest.fixture
def walker():
    """An assistant who walks rounds."""
    return builders.create_staff(Role.ASSISTANT)


# -- Today's windows and the history -------------------------------------------------------------------------------


def test_today_shows_each_window_with_its_state_as_the_clock_moves(client, at, walker, prop):
    day = today()
    create_route(prop, name="夜巡", role=Role.SECURITY, windows=[("22:00", "02:00")])
    daily = create_route(prop, windows=[("08:30", "11:30")])
    at(8)
    page = client.get("/staff/patrols/").get_data(as_text=True)
    assert re.findall(r'data-slot-state="(\w+)"', page)[:2] == ["upcoming", "upcoming"]
    at(9)
    assert 'data-slot-state="due"' in client.get("/staff/patrols/").get_data(as_text=True)
    at(12)
    assert 'data-slot-state="missed"' in client.get("/staff/patrols/").get_data(as_text=True)
    walk_round(daily, day, walker, late_minutes=20)
    page = client.get("/staff/patrols/").get_data(as_text=True)
    assert 'data-slot-state="late"' in page and walker.display_name in page


def test_history_is_paged_by_day_and_filtered_by_route(client, manager, walker, prop, clock):
    route = create_route(prop, name="一号楼日巡")
    other = create_route(prop, name="二号楼日巡")
    db.session.query(PatrolRoute).update({"created_at": clock() - timedelta(days=20)})
    db.session.commit()
    for n in range(1, 10):
        walk_round(route, today() - timedelta(days=n), walker)
    page = client.get(f"/staff/patrols/?route={route.id}").get_data(as_text=True)
    history = page.split('id="patrol-history"')[1]
    assert history.count('data-slot-state="finished"') == 7 and "二号楼日巡" not in history
    older = (today() - timedelta(days=7)).isoformat()
    assert f"before={older}" in history
    fragment = client.get(f"/staff/patrols/?route={route.id}&before={older}", headers=HX)
    body = fragment.get_data(as_text=True)
    assert body.strip().startswith('<div id="patrol-history">') and "<html" not in body
    assert body.count('data-slot-state="finished"') == 2 and body.count('data-slot-state="missed"') == 5
    assert "HX-Request" in fragment.headers["Vary"]
    full = client.get(f"/staff/patrols/?route={other.id}&before={older}").get_data(as_text=True)
    assert "<html" in full and 'data-slot-state="finished"' not in full


def test_the_rounds_page_keeps_its_query_count_as_rounds_grow(client, manager, prop, count_queries):
    routes = [create_route(prop, name=f"路线{n}", points=4) for n in range(2)]
    for route in routes:
        route.created_at -= timedelta(days=20)
    db.session.commit()

    def walk(first, last):
        for n in range(first, last + 1):
            for route in routes:
                walk_round(route, today() - timedelta(days=n), builders.create_staff(Role.ASSISTANT))

    walk(1, 1)
    with count_queries() as few:
        assert client.get("/staff/patrols/").status_code == 200
    walk(2, 7)
    with count_queries() as many:
        assert client.get("/staff/patrols/").status_code == 200
    assert many.count == few.count


def test_todays_rounds_keep_their_query_count_as_patrollers_grow(client, at, prop, count_queries):
    at(10)  # inside the routes' window, whatever day the suite's clock stands on
    routes = [create_route(prop, name=f"路线{n}", points=2) for n in range(4)]

    walk_round(routes[0], today(), builders.create_staff(Role.ASSISTANT), finished=False)
    with count_queries() as one:
        assert client.get("/staff/patrols/").status_code == 200
    for route in routes[1:]:
        walk_round(route, today(), builders.create_staff(Role.ASSISTANT), finished=False)
    db.session.expunge_all()
    with count_queries() as four:
        page = client.get("/staff/patrols/").get_data(as_text=True)
    assert four.count == one.count
    assert page.count('data-slot-state="in_progress"') == 4


def test_the_history_counts_each_rounds_points_and_findings(client, manager, prop):
    route = create_route(prop, points=3)
    route.created_at -= timedelta(days=5)
    walked = walk_round(route, today() - timedelta(days=1), builders.create_staff(Role.ASSISTANT), visited=2)
    db.session.add(PatrolFinding(round_id=walked.id, description="灯不亮"))
    db.session.commit()

    history = client.get(f"/staff/patrols/?before={today().isoformat()}", headers=HX).get_data(as_text=True)

    assert "2 / 3 · 1 个问题" in history


# -- The record ----------------------------------------------------------------------------------------------------


def test_the_history_shows_every_days_window_times_from_one_parsed_pattern(client, manager, walker, prop, monkeypatch):
    # A week of history is hundreds of windows: Babel's format_datetime parses its pattern on every call, which was
    # most of the page's time; the times are the same text either way.
    route = create_route(prop, windows=[("08:30", "11:30"), ("23:00", "02:00")])
    route.created_at -= timedelta(days=30)
    db.session.commit()
    walk_round(route, today() - timedelta(days=1), walker)
    calls = []
    original = web_filters.format_datetime
    monkeypatch.setattr(web_filters, "format_datetime", lambda *a, **k: calls.append(a) or original(*a, **k))
    body = client.get(f"/staff/patrols/?before={today().isoformat()}", headers=HX).get_data(as_text=True)
    assert body.count("08:30–11:30") == 7 and body.count("23:00–02:00") == 7
    assert body.count('data-slot-state="missed"') == 13 and body.count("3 / 3") == 1
    assert calls == []


def _round_with_finding(prop, walker):
    """A round that visited all but the last checkpoint, one with a fault, and a finding that opened a ticket."""
    route = create_route(prop, points=3)
    patrol_round = walk_round(route, today(), walker, visited=2)
    visit = patrol_round.visits[0]
    visit.answers = {"消防通道畅通": "fault", "照明正常": "ok"}
    visit.note = "杂物堵塞"
    ticket = Ticket(
        property_id=prop.id,
        kind=TicketKind.REPAIR,
        channel=Channel.PATROL,
        description="一楼消防通道堆放杂物",
        location="1楼大堂",
        dispatch_due_at=patrol_round.started_at,
        response_due_at=patrol_round.started_at,
        resolve_due_at=patrol_round.started_at,
    )
    db.session.add(ticket)
    db.session.flush()
    db.session.add(
        PatrolFinding(
            round=patrol_round,
            checkpoint_id=visit.checkpoint_id,
            description="一楼消防通道堆放杂物",
            ticket_id=ticket.id,
            created_by_id=walker.id,
        )
    )
    db.session.commit()
    return patrol_round, ticket


def test_the_record_shows_points_in_order_missed_ones_faults_and_tickets(client, manager, walker, prop):
    patrol_round, ticket = _round_with_finding(prop, walker)
    record = round_record(patrol_round.id)
    assert [p.missed for p in record.points] == [False, False, True]
    assert record.fault_count == 1 and record.visited == 2
    page = client.get(f"/staff/patrols/rounds/{patrol_round.id}").get_data(as_text=True)
    assert page.count('class="late"') == 1 and "杂物堵塞" in page
    assert f"/staff/tickets/{ticket.id}" in page and "一楼消防通道堆放杂物" in page
    assert client.get(f"/staff/patrols/rounds/{patrol_round.id}/signature.png").status_code == 404


def test_the_record_pdf_has_the_times_results_and_tickets(client, manager, walker, prop):
    patrol_round, ticket = _round_with_finding(prop, walker)
    response = client.get(f"/staff/patrols/rounds/{patrol_round.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert "巡视记录表" in text and "检查点1" in text and "漏检" in text and "异常" in text
    assert f"#{ticket.id}" in text and walker.display_name in text


def test_another_propertys_round_is_not_found(client, manager, walker, prop):
    patrol_round, _ticket = _round_with_finding(prop, walker)
    other = builders.create_property("别的小区")
    db.session.get(type(patrol_round), patrol_round.id).property_id = other.id
    db.session.commit()
    assert client.get(f"/staff/patrols/rounds/{patrol_round.id}").status_code == 404
    assert client.get(f"/staff/patrols/rounds/{patrol_round.id}.pdf").status_code == 404


# -- Routes and checkpoints ----------------------------------------------------------------------------------------


def test_a_new_route_gets_the_default_window_and_goes_to_its_page(client, manager, prop):
    response = client.post("/staff/patrols/routes/new", data={"name": "一号楼日巡", "role": "assistant"})
    route = db.session.query(PatrolRoute).one()
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/staff/patrols/routes/{route.id}")
    assert route.windows == [["08:30", "11:30"]]
    page = client.get(f"/staff/patrols/routes/{route.id}").get_data(as_text=True)
    assert 'value="08:30"' in page and 'id="checkpoints"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "role": "assistant"}, "This field is required"),
        ({"name": "夜巡", "role": "security", "window_rows-0-start": "25:00", "window_rows-0-end": "02:00"}, "08:00"),
        ({"name": "夜巡", "role": "security", "window_rows-0-start": "22:00", "window_rows-0-end": "22:00"}, "ends"),
    ],
)
def test_bad_route_input_is_refused_keeping_what_was_typed(client, manager, prop, data, message, app):
    response = client.post("/staff/patrols/routes/new", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert db.session.query(PatrolRoute).count() == 0
    if data["name"]:
        assert f'value="{data["name"]}"' in body and f'value="{data["window_rows-0-start"]}"' in body


def test_checkpoints_are_added_moved_edited_and_retired_in_place(client, manager, prop):
    route = create_route(prop, points=2)
    url = f"/staff/patrols/routes/{route.id}/checkpoints"
    response = client.post(url, data={"name": "地下车库", "place": "B1", "checklist": "照明正常\n无积水"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.strip().startswith("<section") and "地下车库" in body and "<svg" in body
    third = db.session.query(Checkpoint).filter_by(name="地下车库").one()
    assert third.position == 3 and third.checklist == ["照明正常", "无积水"]

    response = client.post(f"{url}/{third.id}/move", data={"direction": "up"}, headers=HX)
    assert response.status_code == 200
    db.session.expire_all()
    assert [c.name for c in db.session.get(PatrolRoute, route.id).checkpoints] == ["检查点1", "地下车库", "检查点2"]

    response = client.post(f"{url}/{third.id}/move", data={"direction": "up"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/routes/{route.id}#checkpoints")

    editing = client.get(f"{url}/{third.id}", headers=HX).get_data(as_text=True)
    assert "<textarea" in editing and "无积水" in editing
    response = client.post(f"{url}/{third.id}", data={"name": "车库", "checklist": "照明正常"}, headers=HX)
    assert response.status_code == 200 and "车库" in response.get_data(as_text=True)

    client.post(f"{url}/{third.id}/retire", headers=HX)
    db.session.expire_all()
    assert not db.session.get(Checkpoint, third.id).is_active
    actions = {e.action for e in db.session.query(AuditEntry)}
    assert {"patrol.checkpoint_create", "patrol.checkpoint_move", "patrol.checkpoint_edit"} <= actions
    assert "patrol.checkpoint_retire" in actions


def test_a_bad_checkpoint_keeps_what_was_typed_with_and_without_htmx(client, manager, prop):
    route = create_route(prop, points=0)
    url = f"/staff/patrols/routes/{route.id}/checkpoints"
    data = {"name": "地下车库", "place": "B1", "checklist": "长" * 41}
    fragment = client.post(url, data=data, headers=HX)
    assert fragment.status_code == 200  # htmx swaps only 2xx answers
    page = client.post(url, data=data)
    assert page.status_code == 422
    for body in (fragment.get_data(as_text=True), page.get_data(as_text=True)):
        assert 'value="地下车库"' in body and "长" * 41 in body and 'class="error"' in body
    assert db.session.query(Checkpoint).count() == 0


def test_the_route_list_shows_routes_and_retiring_stops_them(client, manager, prop):
    route = create_route(prop, points=2)
    page = client.get("/staff/patrols/routes/").get_data(as_text=True)
    assert route.name in page and f"/routes/{route.id}/labels.pdf" in page
    assert client.post(f"/staff/patrols/routes/{route.id}/retire").status_code == 303
    db.session.expire_all()
    assert not db.session.get(PatrolRoute, route.id).is_active
    assert "data-slot-state" not in client.get("/staff/patrols/").get_data(as_text=True).split("patrol-history")[0]


# -- Labels --------------------------------------------------------------------------------------------------------


def test_the_label_sheet_has_each_active_checkpoint_code_and_name(client, manager, prop):
    route = create_route(prop, points=14)
    route.checkpoints[-1].is_active = False
    db.session.commit()
    response = client.get(f"/staff/patrols/routes/{route.id}/labels.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.data)
    assert len(pdf) == 2
    pdf.close()
    text = _pdf_text(response.data)
    first = route.checkpoints[0]
    assert f"{first.code[:3]} {first.code[3:]}" in text and "检查点1" in text and route.name in text
    retired = route.checkpoints[-1].code
    assert f"{retired[:3]} {retired[3:]}" not in text


def test_one_label_is_served_as_a_png(client, manager, prop):
    route = create_route(prop, points=1)
    code = route.checkpoints[0].code
    response = client.get(f"/staff/patrols/labels/{code}.png")
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data[:4] == b"\x89PNG"
    assert client.get("/staff/patrols/labels/AAAAAA.png").status_code == 404


# -- Alarms on the board -------------------------------------------------------------------------------------------


def test_a_round_not_started_shows_on_the_board_only_after_its_window(client, at, prop):
    at(8)  # the route exists before its window (the suite's clock may stand late in the evening)
    create_route(prop, windows=[("08:30", "11:30")])
    at(11, 29)
    board = client.get("/staff/board").get_data(as_text=True)
    assert 'data-panel="field"' in board and 'data-field-kind="missed"' not in board
    at(11, 31)
    board = client.get("/staff/board", headers=HX).get_data(as_text=True)
    assert 'data-field-kind="missed"' in board and "一号楼日巡" in board


def test_a_missed_checkpoint_shows_on_the_board_once_the_window_is_over(client, at, walker, prop, clock):
    route = create_route(prop, points=3, windows=[("08:30", "11:30")])
    day = today()
    at(10)
    walk_round(route, day, walker, visited=2, finished=False)
    assert patrol_alarms(prop.id, clock()) == []
    at(11, 45)
    kinds = {row.kind: row for row in patrol_alarms(prop.id, clock())}
    assert set(kinds) == {"unfinished", "missed_points"} and "检查点3" in kinds["missed_points"].what
    assert "检查点3" in client.get("/staff/board").get_data(as_text=True)


@pytest.fixture
def loaded():
    """Counts of the PatrolVisit and Facility objects the ORM builds while the test runs."""
    counts = {PatrolVisit: 0, Facility: 0}

    def counter(model):
        def on_load(target, context):
            counts[model] += 1

        return on_load

    hooks = [(model, counter(model)) for model in counts]
    for model, hook in hooks:
        event.listen(model, "load", hook)
    yield counts
    for model, hook in hooks:
        event.remove(model, "load", hook)


def test_the_board_names_missed_points_and_overdue_checks_without_building_each_visit(client, at, walker, prop, loaded):
    # The board is polled all day: it reads the rounds' scans and the facilities' due days as plain rows, not as
    # objects, so that a property with many rounds and facilities gets its board as fast as a small one.
    route = create_route(prop, points=3, windows=[("08:30", "11:30")])
    create_facility(prop, first_due_on=today() - timedelta(days=2))
    at(10)
    walk_round(route, today(), walker, visited=2, finished=False)
    at(11, 45)
    client.get("/staff/patrols/")
    db.session.expunge_all()
    loaded.update(dict.fromkeys(loaded, 0))
    board = client.get("/staff/board").get_data(as_text=True)
    assert "检查点3" in board and 'data-field-kind="missed_points"' in board and "1号楼1号电梯" in board
    assert loaded == {PatrolVisit: 0, Facility: 0}


def test_a_night_round_of_yesterday_is_judged_after_midnight(prop, clock):
    route = create_route(prop, name="夜巡", role=Role.SECURITY, windows=[("22:00", "02:00")])
    route.created_at -= timedelta(days=2)
    db.session.commit()
    day = today()
    clock.set(_at_local(day, 1))
    assert [r.kind for r in patrol_alarms(prop.id, clock())] == []
    clock.set(_at_local(day, 3))
    rows = patrol_alarms(prop.id, clock())
    assert [r.kind for r in rows] == ["missed"] and rows[0].since == _at_local(day, 2)
