"""A resident marks a repair or help request urgent with a short reason (when reporting or afterwards while it is
open); the console shows the badge with the reason and lists only urgent tickets on request. Suggestions and praise
are ticket kinds that reach the manager's alerts."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.alerts.models import StaffAlert
from domain.tickets import recording, steps
from domain.tickets.callbacks import needs_callback
from domain.tickets.models import Priority, Ticket, TicketEvent
from domain.tickets.urgency import MAX_REASON
from extensions import db
from tests import builders


@pytest.fixture
def unit(prop):
    """Unit 1-1203."""
    return builders.create_unit(number="1203", floor=12)


@pytest.fixture
def me(client, auth, prop, unit):
    """The owner of 1-1203, signed in, reading the portal in English."""
    resident = builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    resident.user.locale = "en"
    db.session.commit()
    auth.login_resident(resident.user)
    return resident


def new_request(unit, **changes):
    """The new-request form as the browser posts it: a water repair in 1-1203."""
    form = {
        "kind": "repair",
        "repair_category": "water",
        "description": "厨房水管爆了",
        "place": str(unit.id),
        "location": "",
        "preferred_time": "",
        "contact_phone": "13800000001",
    }
    form.update(changes)
    return form


def post_new(client, form):
    """Send the new-request form."""
    return client.post("/portal/tickets/new", data=form, content_type="multipart/form-data")


def report(resident, unit, kind="repair", **fields):
    """A request of `resident` through the service."""
    return recording.create_ticket(
        Actor.for_user(resident.user, "127.0.0.1"),
        property_id=resident.property_id,
        kind=kind,
        channel="portal",
        description=fields.pop("description", "卫生间漏水"),
        category="water" if kind == "repair" else "",
        unit_id=unit.id,
        resident_id=resident.id,
        **fields,
    )


def alerts_of(user):
    """The alerts `user` has, oldest first."""
    return db.session.scalars(select(StaffAlert).where(StaffAlert.user_id == user.id).order_by(StaffAlert.id)).all()


def test_a_repair_reported_as_urgent_gets_the_urgent_service_level_and_keeps_the_reason(client, me, unit):
    response = post_new(client, new_request(unit, urgent="y", urgent_reason="水漫到客厅了"))
    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.priority == Priority.URGENT and ticket.urgent_reason == "水漫到客厅了"
    assert ticket.urgent_marked_at is not None
    assert ticket.response_due_at == ticket.created_at + timedelta(minutes=15)
    page = client.get(response.location).get_data(as_text=True)
    assert "水漫到客厅了" in page and "Marked urgent" in page


def test_urgent_without_a_reason_saves_nothing_says_why_and_keeps_what_was_typed(client, me, unit):
    response = post_new(client, new_request(unit, urgent="y", urgent_reason="  ", description="阳台漏水很严重"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Say in a few words why it is urgent." in html
    assert "阳台漏水很严重" in html and db.session.scalar(select(Ticket.id)) is None


def test_a_reason_too_long_is_refused(client, me, unit):
    response = post_new(client, new_request(unit, urgent="y", urgent_reason="急" * (MAX_REASON + 1)))
    assert "Keep the reason to 120 characters." in response.get_data(as_text=True)
    assert db.session.scalar(select(Ticket.id)) is None


def test_the_urgent_tick_means_nothing_for_a_question(client, me, unit):
    response = post_new(client, new_request(unit, kind="inquiry", urgent="y", urgent_reason=""))
    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.priority == Priority.NORMAL and ticket.urgent_marked_at is None


def test_an_open_repair_can_be_marked_urgent_afterwards_and_the_desk_is_told(client, me, unit):
    desk = builders.create_staff(Role.FRONTDESK)
    ticket = report(me, unit)
    db.session.commit()
    normal_due = ticket.resolve_due_at
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Mark as urgent" in page
    response = client.post(f"/portal/tickets/{ticket.id}/urgent", data={"urgent_reason": "家里有老人，没水用"})
    assert response.status_code == 303
    db.session.refresh(ticket)
    assert ticket.priority == Priority.URGENT and ticket.urgent_reason == "家里有老人，没水用"
    assert ticket.resolve_due_at < normal_due
    assert [a.kind for a in alerts_of(desk)] == ["ticket_urgent"]
    assert "家里有老人，没水用" in alerts_of(desk)[0].message
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert f'action="/portal/tickets/{ticket.id}/urgent"' not in page  # once is enough


def test_marking_afterwards_without_a_reason_changes_nothing_and_says_why(client, me, unit):
    ticket = report(me, unit)
    db.session.commit()
    response = client.post(f"/portal/tickets/{ticket.id}/urgent", data={"urgent_reason": ""})
    assert response.status_code == 200
    assert "Say in a few words why it is urgent." in response.get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.urgent_marked_at is None and ticket.priority == Priority.NORMAL


def test_a_finished_request_cannot_be_marked_urgent(client, me, unit):
    ticket = report(me, unit)
    steps.resident_cancel(Actor.for_user(me.user, "127.0.0.1"), ticket, resident_id=me.id)
    db.session.commit()
    assert "Mark as urgent" not in client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    response = client.post(f"/portal/tickets/{ticket.id}/urgent", data={"urgent_reason": "很急"})
    assert response.status_code == 303  # back to the request, with the message
    page = client.get(response.location).get_data(as_text=True)
    assert "This request is finished: it can no longer be marked urgent." in page
    db.session.refresh(ticket)
    assert ticket.urgent_marked_at is None
    htmx = client.post(
        f"/portal/tickets/{ticket.id}/urgent", data={"urgent_reason": "很急"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 409


def test_a_complaint_cannot_be_marked_urgent(client, me, unit):
    ticket = report(me, unit, kind="complaint", description="楼下装修太吵")
    db.session.commit()
    assert "Mark as urgent" not in client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    response = client.post(f"/portal/tickets/{ticket.id}/urgent", data={"urgent_reason": "很急"})
    assert "Only a repair or a help request can be marked urgent." in client.get(response.location).get_data(
        as_text=True
    )
    db.session.refresh(ticket)
    assert ticket.urgent_marked_at is None and ticket.priority == Priority.NORMAL


def test_another_resident_cannot_mark_my_request(app, me, prop, unit):
    from tests.conftest import AuthActions

    ticket = report(me, unit)
    db.session.commit()
    neighbour = builders.create_resident(prop, unit=builders.create_unit(number="0901", floor=9))
    other = app.test_client()
    AuthActions(other).login_resident(neighbour.user)
    assert other.post(f"/portal/tickets/{ticket.id}/urgent", data={"urgent_reason": "捣乱"}).status_code == 404
    db.session.refresh(ticket)
    assert ticket.urgent_marked_at is None
    assert not db.session.scalars(select(TicketEvent).where(TicketEvent.action == "marked_urgent")).all()


def test_the_staff_queue_and_ticket_page_show_the_badge_and_reason_and_filter_urgent(app, me, unit):
    from tests.conftest import AuthActions

    urgent = report(me, unit, urgent_reason="水漫到客厅了")
    calm = report(me, unit, description="门铃不响")
    db.session.commit()
    console = app.test_client()
    AuthActions(console).login_staff(builders.create_staff(Role.FRONTDESK))
    queue = console.get("/staff/tickets/?department=all&status=any").get_data(as_text=True)
    for table in ('id="to-forward"', 'class="table ticket-queue"'):  # what waits to be forwarded, and the queue itself
        rows = queue[queue.index(table) :]
        row = rows[rows.index(f'href="/staff/tickets/{urgent.id}"') :]
        row = row[: row.index("</tr>")]
        assert "紧急" in row and "水漫到客厅了" in row, table
    page = console.get("/staff/tickets/?department=all&status=any&urgent=1").get_data(as_text=True)
    only_urgent = page[page.index('class="table ticket-queue"') :]
    assert f'href="/staff/tickets/{urgent.id}"' in only_urgent
    assert f'href="/staff/tickets/{calm.id}"' not in only_urgent
    page = console.get(f"/staff/tickets/{urgent.id}").get_data(as_text=True)
    assert "住户标记为紧急：水漫到客厅了" in page


@pytest.mark.parametrize(("kind", "label"), [("suggestion", "Suggestion"), ("praise", "Praise")])
def test_suggestions_and_praise_are_sent_from_the_portal_and_reach_the_manager(client, me, unit, kind, label):
    manager = builders.create_staff(Role.MANAGER)
    desk = builders.create_staff(Role.FRONTDESK)
    form = client.get(f"/portal/tickets/new?kind={kind}").get_data(as_text=True)
    assert f'value="{kind}"' in form and label in form
    response = post_new(client, new_request(unit, kind=kind, repair_category="", description="保安小王很负责"))
    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.kind.value == kind and ticket.department.value == "customer_service"
    assert ticket.status.value == "dispatched"  # nothing for the desk to forward
    alerts = alerts_of(manager)
    assert [a.kind for a in alerts] == [f"ticket_{kind}"] and "保安小王很负责" in alerts[0].message
    assert alerts[0].subject_type == "ticket" and alerts[0].subject_id == ticket.id
    assert alerts_of(desk) == []
    assert not needs_callback(ticket)  # no callback by default


def test_the_desk_can_record_a_praise_and_the_kinds_show_in_the_console(app, prop, unit):
    from tests.conftest import AuthActions

    manager = builders.create_staff(Role.MANAGER)
    console = app.test_client()
    AuthActions(console).login_staff(manager)
    form = console.get("/staff/tickets/new").get_data(as_text=True)
    assert 'value="praise"' in form and 'value="suggestion"' in form
    pages = {}
    for url in (
        "/staff/tickets/?kind=praise",
        "/staff/service-levels",
        "/staff/callbacks/settings",
        "/staff/callbacks/rates",
        "/staff/board",
    ):
        response = console.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    assert "表扬" in pages["/staff/service-levels"] and "建议" in pages["/staff/callbacks/settings"]
