"""The manager's board, the shift handover pages and the service settings (levels and catalogue)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import today, utcnow
from domain.tickets import catalogue, recording, steps
from domain.tickets.models import (
    Channel,
    Department,
    Handover,
    Priority,
    ServiceItem,
    ServiceLevel,
    Severity,
    Status,
    Ticket,
    TicketKind,
)
from extensions import db
from tests import builders


def sign_in(auth, role):
    """Sign in a new staff member of `role`; returns the user."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    return user


def actor_for(user):
    """The domain actor of a staff user."""
    return Actor.for_user(user, "test")


def figure(html, name):
    """The number shown in a board figure (data-figure="late-dispatch")."""
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1).strip()


def count_cell(html, department, status):
    """The number in the queue table's cell for a department and a status ("·" is zero)."""
    match = re.search(rf'data-count="{department}:{status}">([^<]*)<', html)
    assert match, f"no cell {department}:{status}"
    value = match.group(1).strip()
    return 0 if value == "·" else int(value)


def new_ticket(prop, desk, kind="repair", minutes_ago=1, **values):
    """A ticket recorded at the desk `minutes_ago` minutes ago."""
    values.setdefault("location", "2号楼电梯厅")
    return recording.create_ticket(
        desk,
        property_id=prop.id,
        kind=kind,
        channel="phone",
        description=f"{kind} 待处理",
        now=utcnow() - timedelta(minutes=minutes_ago),
        **values,
    )


@pytest.fixture
def floor(prop):
    """A small property's day: late tickets on every clock, a major complaint, ratings and an engineer's load."""
    desk = actor_for(builders.create_staff(Role.FRONTDESK))
    engineer_user = builders.create_staff(Role.ENGINEERING)
    engineer = actor_for(engineer_user)
    t = {}
    t["late_dispatch"] = new_ticket(prop, desk, minutes_ago=10)  # repairs: forwarded within 3 minutes
    t["major"] = new_ticket(prop, desk, kind="complaint", minutes_ago=60, severity=Severity.MAJOR)  # urgent: 10 minutes
    t["late_response"] = new_ticket(prop, desk, minutes_ago=120)  # in the queue, nobody took it within 30 minutes
    steps.dispatch(desk, t["late_response"], now=t["late_response"].created_at + timedelta(minutes=1))
    t["late_resolve"] = new_ticket(prop, desk, minutes_ago=2 * 24 * 60)  # claimed in time, not done within 24 hours
    steps.dispatch(desk, t["late_resolve"], now=t["late_resolve"].created_at + timedelta(minutes=1))
    steps.claim(engineer, t["late_resolve"], now=t["late_resolve"].created_at + timedelta(minutes=10))
    t["on_time"] = new_ticket(prop, desk, minutes_ago=5)
    steps.dispatch(desk, t["on_time"], now=t["on_time"].created_at + timedelta(minutes=1))
    steps.claim(engineer, t["on_time"])
    t["late_callback"] = new_ticket(prop, desk, minutes_ago=4 * 24 * 60)  # done 3 days ago, callback due within 2
    steps.dispatch(desk, t["late_callback"], now=t["late_callback"].created_at + timedelta(minutes=1))
    steps.claim(engineer, t["late_callback"], now=t["late_callback"].created_at + timedelta(minutes=5))
    steps.finish(engineer, t["late_callback"], summary="修好了", now=utcnow() - timedelta(days=3))
    t["late_callback"].rating = 4
    t["rated"] = new_ticket(prop, desk, kind="inquiry")
    t["rated"].status, t["rated"].rating = Status.CLOSED, 5
    db.session.commit()
    return {"tickets": t, "engineer": engineer_user}


# The board ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ASSISTANT])
def test_board_is_for_the_manager_and_the_assistants(client, auth, prop, role):
    sign_in(auth, role)
    response = client.get("/staff/board")
    assert response.status_code == 200
    assert "every 20s" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ENGINEERING, Role.SECURITY, Role.FINANCE, Role.CLEANING])
def test_board_is_refused_to_everyone_else(client, auth, prop, role):
    sign_in(auth, role)
    assert client.get("/staff/board").status_code == 403


def test_board_counts_what_is_late_on_each_clock(client, auth, floor):
    sign_in(auth, Role.MANAGER)
    html = client.get("/staff/board?lang=en").get_data(as_text=True)
    # dispatch: the 10-minute-old repair and the hour-old major complaint (its 10 minutes are over)
    assert figure(html, "late-dispatch") == "2"
    assert figure(html, "late-response") == "1"
    assert figure(html, "late-resolve") == "1"
    assert figure(html, "late-callback") == "1"
    assert figure(html, "satisfaction") == "4.5"
    assert "2 ratings" in html


def test_board_counts_open_tickets_per_queue_and_status(client, auth, floor):
    sign_in(auth, Role.MANAGER)
    html = client.get("/staff/board").get_data(as_text=True)
    assert count_cell(html, "engineering", "new") == 1
    assert count_cell(html, "engineering", "dispatched") == 1
    assert count_cell(html, "engineering", "claimed") == 2
    assert count_cell(html, "customer_service", "new") == 1
    assert count_cell(html, "security", "new") == 0
    assert f'data-load="{floor["engineer"].id}">2<' in html


def test_board_lists_late_tickets_with_the_major_complaint_first(client, auth, floor, app):
    sign_in(auth, Role.MANAGER)
    html = client.get("/staff/board").get_data(as_text=True)
    t = floor["tickets"]
    table = html[html.index('class="table compact board-late"') :]
    table = table[: table.index("</table>")]
    shown = [int(n) for n in re.findall(r"#(\d+)<", table)]
    assert shown[0] == t["major"].id
    assert set(shown) == {t[k].id for k in ("major", "late_dispatch", "late_response", "late_resolve")}
    assert t["on_time"].id not in shown
    assert 'class="row-escalated"' in table
    if "staff.show_ticket" in app.view_functions:
        assert f'href="/staff/tickets/{t["major"].id}"' in table
    else:
        assert "<a href" not in table


def test_board_lists_a_ticket_the_team_cannot_come_to_in_time(client, auth, prop):
    desk = actor_for(builders.create_staff(Role.FRONTDESK))
    ticket = new_ticket(prop, desk)
    steps.dispatch(desk, ticket)
    steps.cannot_come(actor_for(builders.create_staff(Role.ENGINEERING)), ticket, reason="配件明天才到")
    db.session.commit()
    sign_in(auth, Role.MANAGER)
    html = client.get("/staff/board?lang=en").get_data(as_text=True)
    assert f"#{ticket.id}<" in html and "Team cannot come in time" in html


def test_board_fragment_for_htmx_and_whole_page_otherwise(client, auth, floor):
    sign_in(auth, Role.ASSISTANT)
    page = client.get("/staff/board")
    fragment = client.get("/staff/board", headers={"HX-Request": "true"})
    for response in (page, fragment):
        assert response.status_code == 200
        assert "HX-Request" in response.headers.get("Vary", "")
    page_html, fragment_html = page.get_data(as_text=True), fragment.get_data(as_text=True)
    assert "<html" in page_html and 'class="sidebar"' in page_html and 'id="board"' in page_html
    assert "<html" not in fragment_html and 'class="sidebar"' not in fragment_html
    assert fragment_html.lstrip().startswith('<div id="board"')
    assert 'hx-trigger="every 20s"' in fragment_html and 'hx-swap="outerHTML"' in fragment_html
    assert 'data-figure="late-dispatch">2<' in fragment_html


def test_board_history_restore_gets_the_whole_page(client, auth, floor):
    sign_in(auth, Role.MANAGER)
    html = client.get("/staff/board", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}).get_data(
        as_text=True
    )
    assert "<html" in html


def _bulk_tickets(prop, n, assignees):
    """Insert `n` tickets spread over kinds, statuses, departments and ages, some late, some rated."""
    now = utcnow()
    kinds, departments = list(TicketKind), list(Department)
    statuses = [
        Status.NEW,
        Status.DISPATCHED,
        Status.CLAIMED,
        Status.SCHEDULED,
        Status.WAITING,
        Status.DONE,
        Status.CLOSED,
    ]
    rows = []
    for i in range(n):
        created = now - timedelta(minutes=7 * i + 1)
        status = statuses[i % len(statuses)]
        rows.append(
            {
                "property_id": prop.id,
                "kind": kinds[i % len(kinds)],
                "channel": Channel.PHONE,
                "category": "",
                "description": f"批量 {i}",
                "location": "大堂",
                "contact_name": "",
                "contact_phone": "",
                "preferred_time": "",
                "department": departments[i % len(departments)],
                "status": status,
                "priority": Priority.NORMAL,
                "severity": Severity.MAJOR if i % 97 == 0 else None,
                "escalated_at": created if i % 97 == 0 else None,
                "assignee_id": assignees[i % len(assignees)] if status in (Status.CLAIMED, Status.SCHEDULED) else None,
                "created_at": created,
                "dispatch_due_at": created + timedelta(minutes=3),
                "response_due_at": created + timedelta(minutes=30),
                "resolve_due_at": created + timedelta(hours=24),
                "waiting_since": created if status == Status.WAITING else None,
                "rating": (i % 5) + 1 if status == Status.CLOSED else None,
                "outcome": "",
                "resident_reaction": "",
                "rating_comment": "",
            }
        )
    for start in range(0, len(rows), 500):
        db.session.execute(insert(Ticket), rows[start : start + 500])
    db.session.commit()


def test_board_statements_do_not_grow_with_the_tickets(client, auth, prop, count_queries):
    manager = sign_in(auth, Role.MANAGER)
    assignees = [builders.create_staff(Role.ENGINEERING).id for _i in range(3)] + [manager.id]
    _bulk_tickets(prop, 50, assignees)
    client.get("/staff/board")  # warm-up: templates compiled, translations loaded
    with count_queries() as small:
        assert client.get("/staff/board").status_code == 200
    _bulk_tickets(prop, 1950, assignees)
    with count_queries() as large:
        html = client.get("/staff/board").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Ticket.id))) == 2000
    # 8 for the tickets, 1 for the console's alerts, 1 for the field-work panel's patrols (no route here), 1 for its
    # facilities (none here; their last checks take one more when there are some), 1 for its open incidents, 1 for the
    # vacant units due a check (their last checks likewise), 1 for the keys not back, 1 for the violations past due.
    assert small.count == large.count <= 15, "\n".join(s[:90] for s in large.statements)
    assert int(figure(html, "late-dispatch")) > 0


# The shift handover ------------------------------------------------------------------------------


def test_handover_page_shows_what_is_open_now(client, auth, floor):
    sign_in(auth, Role.FRONTDESK)
    response = client.get("/staff/handover")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    t = floor["tickets"]
    for key in ("late_dispatch", "major", "late_response", "late_resolve"):
        assert f"#{t[key].id}<" in html, key
    assert f"#{t['late_callback'].id}<" in html  # its callback is due
    assert f"#{t['on_time'].id}<" not in html  # engineering, on time: not for the desk's handover
    assert 'name="notes"' in html


@pytest.mark.parametrize("role", [Role.ENGINEERING, Role.SECURITY, Role.FINANCE, Role.CLEANING])
def test_handover_is_for_the_desk(client, auth, prop, role):
    sign_in(auth, role)
    assert client.get("/staff/handover").status_code == 403
    assert client.post("/staff/handover", data={"notes": "x"}).status_code == 403
    assert db.session.scalar(select(func.count(Handover.id))) == 0


def test_hand_over_in_one_click_then_the_next_shift_acknowledges(client, auth, floor):
    desk = sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/handover", data={"notes": "前台钥匙在抽屉里"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/handover")
    made = db.session.scalars(select(Handover)).one()
    assert made.from_user_id == desk.id and made.notes == "前台钥匙在抽屉里"
    assert {item["id"] for item in made.items["tickets"]} >= {floor["tickets"]["major"].id}
    html = client.get("/staff/handover").get_data(as_text=True)
    assert "前台钥匙在抽屉里" in html and f"/staff/handover/{made.id}/ack" not in html  # not pending for its author

    # The author cannot acknowledge it.
    assert client.post(f"/staff/handover/{made.id}/ack").status_code == 303
    assert db.session.get(Handover, made.id).acknowledged_at is None
    assert 'class="alert alert-error"' in client.get("/staff/handover").get_data(as_text=True)

    auth.logout("staff")
    assistant = sign_in(auth, Role.ASSISTANT)
    html = client.get("/staff/handover").get_data(as_text=True)
    assert f"/staff/handover/{made.id}/ack" in html and "前台钥匙在抽屉里" in html
    response = client.post(f"/staff/handover/{made.id}/ack")
    assert response.status_code == 303
    stored = db.session.get(Handover, made.id)
    assert stored.acknowledged_by_id == assistant.id and stored.acknowledged_at is not None
    html = client.get("/staff/handover").get_data(as_text=True)
    assert f"/staff/handover/{made.id}/ack" not in html and 'class="alert alert-success"' in html
    # Twice: refused with a message, nothing changes.
    client.post(f"/staff/handover/{made.id}/ack")
    assert db.session.get(Handover, made.id).acknowledged_at == stored.acknowledged_at


def test_acknowledging_a_missing_handover_is_404(client, auth, prop):
    sign_in(auth, Role.ASSISTANT)
    assert client.post("/staff/handover/999/ack").status_code == 404


def test_handover_notes_too_long_keep_what_was_typed(client, auth, prop):
    sign_in(auth, Role.FRONTDESK)
    notes = "很长的交接说明" * 800
    response = client.post("/staff/handover", data={"notes": notes})
    assert response.status_code == 422
    assert notes in response.get_data(as_text=True) and 'id="notes-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Handover.id))) == 0


def _handover_on(prop, user, day_offset, notes):
    """A handover by `user` made `day_offset` days ago at this time."""
    made = Handover(
        property_id=prop.id,
        from_user_id=user.id,
        created_at=utcnow() - timedelta(days=day_offset),
        items={"tickets": [], "callbacks": [], "more": {"tickets": 0, "callbacks": 0}},
        notes=notes,
    )
    db.session.add(made)
    db.session.commit()
    return made


def test_the_manager_reads_any_day_the_others_today(client, auth, prop):
    author = builders.create_staff(Role.FRONTDESK)
    _handover_on(prop, author, 0, "今天的交接")
    _handover_on(prop, author, 3, "三天前的交接")
    earlier = (today() - timedelta(days=3)).isoformat()
    sign_in(auth, Role.MANAGER)
    html = client.get(f"/staff/handover?day={earlier}").get_data(as_text=True)
    assert "三天前的交接" in html and 'type="date"' in html
    bad = client.get("/staff/handover?day=28/11/2026")
    assert bad.status_code == 200 and 'id="day-error"' in bad.get_data(as_text=True)
    auth.logout("staff")
    sign_in(auth, Role.ASSISTANT)
    html = client.get(f"/staff/handover?day={earlier}").get_data(as_text=True)
    assert "今天的交接" in html and "三天前的交接" not in html and 'type="date"' not in html


# Service levels ----------------------------------------------------------------------------------


LEVEL = {
    "kind": "repair",
    "priority": "normal",
    "dispatch": "3",
    "response": "20",
    "resolve": "720",
    "callback": "1440",
}


def test_manager_edits_one_row_of_service_levels(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    html = client.get("/staff/service-levels?lang=en").get_data(as_text=True)
    assert html.count('name="dispatch"') == len(TicketKind) * len(Priority)
    assert ">1 day<" in html  # the defaults' 1440 minutes, shown for people
    response = client.post("/staff/service-levels", data=LEVEL)
    assert response.status_code == 303
    level = db.session.scalars(select(ServiceLevel)).one()
    assert (level.kind, level.priority) == (TicketKind.REPAIR, Priority.NORMAL)
    assert (level.dispatch_minutes, level.response_minutes, level.resolve_minutes, level.callback_minutes) == (
        3,
        20,
        720,
        1440,
    )
    assert catalogue.service_level(prop.id, TicketKind.REPAIR, Priority.NORMAL) == (3, 20, 720, 1440)
    html = client.get("/staff/service-levels").get_data(as_text=True)
    assert 'value="20"' in html and ">12 hours<" in html
    # Saving again changes the same row.
    client.post("/staff/service-levels", data={**LEVEL, "response": "25"})
    assert db.session.scalars(select(ServiceLevel)).one().response_minutes == 25


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"dispatch": "0"}, "dispatch"),
        ({"dispatch": "30", "response": "20"}, "response"),
        ({"response": "800"}, "resolve"),
        ({"resolve": "两天"}, "resolve"),
        ({"callback": ""}, "callback"),
        ({"callback": "-5"}, "callback"),
    ],
)
def test_bad_service_levels_are_refused_and_nothing_is_saved(client, auth, prop, changes, field):
    sign_in(auth, Role.MANAGER)
    response = client.post("/staff/service-levels", data={**LEVEL, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="level-repair-normal-{field}-error"' in html
    for value in changes.values():
        assert f'value="{value}"' in html  # what was typed stays
    assert db.session.scalar(select(func.count(ServiceLevel.id))) == 0


def test_a_tampered_kind_is_refused(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    response = client.post("/staff/service-levels", data={**LEVEL, "kind": "party"})
    assert response.status_code == 422 and 'class="alert alert-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ServiceLevel.id))) == 0


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.FRONTDESK, Role.ENGINEERING])
def test_only_the_manager_sets_service_levels(client, auth, prop, role):
    sign_in(auth, role)
    assert client.get("/staff/service-levels").status_code == 403
    assert client.post("/staff/service-levels", data=LEVEL).status_code == 403
    assert client.post("/staff/service-items", data={"new-name": "x", "new-price": "0"}).status_code == 403
    assert db.session.scalar(select(func.count(ServiceLevel.id))) == 0


# The service catalogue ---------------------------------------------------------------------------


ITEM = {
    "new-name": "疏通下水道",
    "new-description": "厨房、卫生间",
    "new-price": "50",
    "new-department": "engineering",
    "new-is_active": "y",
}


def test_manager_adds_and_edits_a_service(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    response = client.post("/staff/service-items", data=ITEM)
    assert response.status_code == 303
    item = db.session.scalars(select(ServiceItem)).one()
    assert (item.name, item.price_fen, item.department, item.is_active) == (
        "疏通下水道",
        5000,
        Department.ENGINEERING,
        True,
    )
    html = client.get("/staff/service-levels").get_data(as_text=True)
    assert "疏通下水道" in html and "50.00" in html
    prefix = f"item{item.id}-"
    response = client.post(
        f"/staff/service-items/{item.id}",
        data={
            prefix + "name": "疏通下水道（加急）",
            prefix + "price": "0",
            prefix + "department": "engineering",
            prefix + "description": "",
        },
    )
    assert response.status_code == 303
    db.session.refresh(item)
    assert (item.name, item.price_fen, item.is_active, item.description) == ("疏通下水道（加急）", 0, False, "")


@pytest.mark.parametrize("price", ["abc", "-5", "1.234", "12元"])
def test_a_bad_price_is_refused_and_what_was_typed_stays(client, auth, prop, price):
    sign_in(auth, Role.MANAGER)
    response = client.post("/staff/service-items", data={**ITEM, "new-price": price})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="new-price-error"' in html and f'value="{price}"' in html and 'value="疏通下水道"' in html
    assert db.session.scalar(select(func.count(ServiceItem.id))) == 0


def test_a_bad_price_on_edit_changes_nothing(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    client.post("/staff/service-items", data=ITEM)
    item = db.session.scalars(select(ServiceItem)).one()
    prefix = f"item{item.id}-"
    response = client.post(
        f"/staff/service-items/{item.id}",
        data={
            prefix + "name": "改了名字",
            prefix + "price": "-1",
            prefix + "department": "engineering",
            prefix + "is_active": "y",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{prefix}price-error"' in html and 'value="改了名字"' in html
    assert re.search(r"<details\s+open>", html)  # the failed item's form is open
    db.session.refresh(item)
    assert (item.name, item.price_fen) == ("疏通下水道", 5000)


def test_a_duplicate_service_name_is_refused(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    client.post("/staff/service-items", data=ITEM)
    response = client.post("/staff/service-items", data={**ITEM, "new-price": "80"})
    assert response.status_code == 422 and 'value="80"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ServiceItem.id))) == 1


def test_editing_another_propertys_or_a_missing_item_is_404(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    assert client.post("/staff/service-items/999", data={}).status_code == 404
