"""The console's ticket pages: the queues and the forwarding alarm, recording a ticket, a ticket's steps,
callbacks, the phone/visit log and resident visits."""

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.tickets import desk, recording, steps
from domain.tickets.models import (
    Callback,
    CallbackStatus,
    ContactLog,
    Department,
    Priority,
    ResidentVisit,
    ServiceItem,
    Status,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketPhoto,
)
from extensions import db
from staff.tickets import pages
from tests import builders

HX = {"HX-Request": "true"}
SYSTEM = Actor.system("test")


def sign_in(auth, role):
    """Sign in a staff member of `role`, in English (the assertions read English text)."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    auth._client.get("/staff/?lang=en")
    return user


def count(model, *where):
    """Rows of `model`."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def record(prop, *, unit=None, resident=None, kind="repair", now=None, **values):
    """A ticket recorded by phone (system actor)."""
    ticket = recording.create_ticket(
        SYSTEM,
        property_id=prop.id,
        kind=kind,
        channel="phone",
        description="厨房水龙头漏水",
        unit_id=unit.id if unit else None,
        location="" if unit else "2号楼电梯厅",
        resident_id=resident.id if resident else None,
        now=now,
        **values,
    )
    db.session.commit()
    return ticket


def dispatched(prop, **kwargs):
    """A ticket in its department's queue."""
    ticket = record(prop, **kwargs)
    steps.dispatch(SYSTEM, ticket)
    db.session.commit()
    return ticket


def claimed_by(prop, user, **kwargs):
    """A ticket that `user` has taken."""
    ticket = dispatched(prop, **kwargs)
    steps.claim(Actor.for_user(user, "test"), ticket)
    db.session.commit()
    return ticket


@pytest.fixture
def home(prop):
    """Unit 1-1203 and its owner (phone 13800138000)."""
    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit, name="王芳", phone="13800138000")
    return unit, owner


# The queue -------------------------------------------------------------------------------------------


def test_the_desk_sees_what_to_forward_with_the_time_left(client, auth, prop, home):
    unit, _owner = home
    fresh = record(prop, unit=unit)
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/tickets/").get_data(as_text=True)
    assert 'id="to-forward"' in html and 'hx-trigger="every 15s"' in html
    assert f"#{fresh.id}" in html and "1-1203" in html
    assert "min" in html and " left" in html and "Forward to Engineering" in html


def test_a_ticket_past_its_dispatch_deadline_raises_the_alarm(client, auth, prop, home):
    unit, _owner = home
    record(prop, unit=unit, now=utcnow() - timedelta(minutes=5))
    sign_in(auth, Role.ASSISTANT)
    html = client.get("/staff/tickets/to-forward", headers=HX).get_data(as_text=True)
    assert 'class="alarm"' in html and "late by 2 min" in html


def test_engineering_sees_only_its_own_queue(client, auth, prop, home):
    unit, _owner = home
    repair = dispatched(prop, unit=unit)
    help_request = dispatched(prop, kind="help")  # security's
    sign_in(auth, Role.ENGINEERING)
    html = client.get("/staff/tickets/").get_data(as_text=True)
    assert f">#{repair.id}<" in html and f">#{help_request.id}<" not in html
    assert 'id="to-forward"' not in html
    # Other departments' tickets (residents' complaints among them) stay out of sight, even when asked for.
    assert f">#{help_request.id}<" not in client.get("/staff/tickets/?department=all").get_data(as_text=True)
    assert client.get(f"/staff/tickets/{help_request.id}").status_code == 404


def test_the_queue_filters_by_status_kind_and_mine(client, auth, prop, home):
    unit, _owner = home
    me = sign_in(auth, Role.MANAGER)
    new = record(prop, unit=unit)
    mine = claimed_by(prop, me, unit=unit)
    complaint = dispatched(prop, kind="complaint", unit=unit)
    rows = client.get("/staff/tickets/?status=new", headers=HX).get_data(as_text=True)
    assert f">#{new.id}<" in rows and f">#{mine.id}<" not in rows
    rows = client.get("/staff/tickets/?mine=1", headers=HX).get_data(as_text=True)
    assert f">#{mine.id}<" in rows and f">#{new.id}<" not in rows
    rows = client.get("/staff/tickets/?kind=complaint&department=all", headers=HX).get_data(as_text=True)
    assert f">#{complaint.id}<" in rows and f">#{new.id}<" not in rows
    assert "Someone" not in rows


def test_the_queue_pages_by_key_not_by_offset(client, auth, prop):
    first = [record(prop).id for _ in range(55)]
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/tickets/?status=new", headers=HX).get_data(as_text=True)
    assert f">#{first[-1]}<" in html and f">#{first[4]}<" not in html
    assert f"after={first[5]}" in html and "offset" not in html and "page=" not in html
    second = client.get(f"/staff/tickets/?status=new&department=all&after={first[5]}", headers=HX).get_data(
        as_text=True
    )
    assert f">#{first[4]}<" in second and f">#{first[0]}<" in second and f">#{first[5]}<" not in second


def test_queue_and_panel_fragments_with_and_without_htmx(client, auth, prop):
    record(prop)
    sign_in(auth, Role.FRONTDESK)
    for url in ("/staff/tickets/?status=new", "/staff/tickets/to-forward"):
        full, fragment = client.get(url), client.get(url, headers=HX)
        assert "<html" in full.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
        assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    rows = client.get("/staff/tickets/?status=new", headers=HX).get_data(as_text=True)
    assert "<table" in rows and 'id="to-forward"' not in rows  # the panel refreshes itself, not with the rows
    panel = client.get("/staff/tickets/to-forward", headers=HX).get_data(as_text=True)
    assert 'id="to-forward"' in panel and 'hx-swap="outerHTML"' in panel and "<form" in panel


def _bulk_tickets(prop, n, engineer):
    """Insert `n` tickets in one statement: new, queued and taken ones, some late."""
    now = utcnow()
    statuses = [Status.NEW, Status.DISPATCHED, Status.CLAIMED]
    rows = []
    for i in range(n):
        status = statuses[i % 3]
        created = now - timedelta(minutes=i % 90)
        rows.append(
            {
                "property_id": prop.id,
                "kind": TicketKind.REPAIR,
                "channel": "phone",
                "description": f"漏水{i}",
                "location": "大堂",
                "status": status,
                "priority": Priority.NORMAL,
                "department": Department.ENGINEERING,
                "assignee_id": engineer.id if status == Status.CLAIMED else None,
                "created_at": created,
                "dispatch_due_at": created + timedelta(minutes=3),
                "response_due_at": created + timedelta(minutes=30),
                "resolve_due_at": created + timedelta(hours=24),
                "dispatched_at": created if status != Status.NEW else None,
                "claimed_at": created if status == Status.CLAIMED else None,
            }
        )
    db.session.execute(insert(Ticket), rows)
    db.session.commit()


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ENGINEERING], ids=lambda r: r.value)
def test_the_queue_stays_within_its_statement_budget(client, auth, prop, count_queries, role):
    engineer = builders.create_staff(Role.ENGINEERING)
    sign_in(auth, role)
    _bulk_tickets(prop, 50, engineer)
    with count_queries() as small:
        assert client.get("/staff/tickets/").status_code == 200
    _bulk_tickets(prop, 1950, engineer)
    with count_queries() as large:
        response = client.get("/staff/tickets/")
    assert response.status_code == 200 and "after=" in response.get_data(as_text=True)
    assert small.count == large.count <= 8, (small.statements, large.statements)


# Recording a ticket ----------------------------------------------------------------------------------


def test_the_desk_records_a_phoned_repair_linked_to_the_owner(client, auth, prop, home):
    unit, owner = home
    sign_in(auth, Role.FRONTDESK)
    assert client.get("/staff/tickets/new").status_code == 200
    response = client.post(
        "/staff/tickets/new",
        data={
            "kind": "repair",
            "channel": "phone",
            "category": "water",
            "description": "卫生间水管爆裂",
            "unit_label": "1-1203",
            "contact_name": "王女士",
            "contact_phone": "138-0013-8000",
            "preferred_time": "今天下午",
            "priority": "urgent",
            "severity": "",
            "service_item_id": "",
        },
    )
    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert response.headers["Location"].endswith(f"/staff/tickets/{ticket.id}")
    assert (ticket.unit_id, ticket.resident_id, ticket.channel.value, ticket.priority) == (
        unit.id,
        owner.id,
        "phone",
        Priority.URGENT,
    )
    assert ticket.dispatch_due_at == ticket.created_at + timedelta(minutes=3)


def test_a_patrol_finding_in_a_public_area_has_no_resident(client, auth, prop):
    sign_in(auth, Role.SECURITY)
    form = client.get("/staff/tickets/new").get_data(as_text=True)
    assert '<option selected value="patrol">' in form
    client.post(
        "/staff/tickets/new",
        data={
            "kind": "repair",
            "channel": "patrol",
            "description": "车库B2灯不亮",
            "location": "地下车库B2",
            "priority": "normal",
        },
    )
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.resident_id is None and ticket.location == "地下车库B2"


@pytest.mark.parametrize(
    "data, error_id",
    [
        ({"description": ""}, "description-error"),
        ({"unit_label": "", "location": ""}, "location-error"),
        ({"unit_label": "9-9999"}, "unit_label-error"),
        ({"contact_phone": "call me"}, "contact_phone-error"),
        ({"kind": "service"}, "service_item_id-error"),
        ({"kind": "complaint", "category": "water"}, "category-error"),
        ({"channel": "portal"}, "channel-error"),
    ],
)
def test_a_bad_ticket_saves_nothing_and_keeps_what_was_typed(client, auth, prop, home, data, error_id):
    sign_in(auth, Role.FRONTDESK)
    payload = {
        "kind": "repair",
        "channel": "phone",
        "category": "",
        "description": "门锁坏了",
        "unit_label": "1-1203",
        "contact_name": "李先生",
        "contact_phone": "13800138000",
        "priority": "normal",
        **data,
    }
    response = client.post("/staff/tickets/new", data=payload)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{error_id}"' in html
    assert 'value="李先生"' in html
    assert count(Ticket) == 0


def test_a_service_request_names_its_service(client, auth, prop, home):
    item = ServiceItem(property_id=prop.id, name="家政保洁", price_fen=12000, department=Department.CLEANING)
    db.session.add(item)
    db.session.commit()
    sign_in(auth, Role.ASSISTANT)
    assert "家政保洁 · " in client.get("/staff/tickets/new").get_data(as_text=True)
    client.post(
        "/staff/tickets/new",
        data={
            "kind": "service",
            "channel": "visit",
            "description": "周六上午保洁",
            "unit_label": "1-1203",
            "priority": "normal",
            "service_item_id": str(item.id),
        },
    )
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.service_item_id == item.id and ticket.department == Department.CLEANING


def test_finance_may_not_record_tickets(client, auth, prop):
    sign_in(auth, Role.FINANCE)
    assert client.get("/staff/tickets/new").status_code == 403
    assert (
        client.post(
            "/staff/tickets/new", data={"kind": "repair", "channel": "phone", "description": "x", "location": "x"}
        ).status_code
        == 403
    )
    assert client.get("/staff/tickets/").status_code == 200  # but sees its queue


# One ticket and its steps ------------------------------------------------------------------------------


def test_the_ticket_page_offers_only_the_steps_the_person_may_take(client, auth, prop, home):
    unit, _owner = home
    ticket = record(prop, unit=unit)
    sign_in(auth, Role.FRONTDESK)
    html = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/staff/tickets/{ticket.id}/dispatch" in html and f"/staff/tickets/{ticket.id}/cancel" in html
    assert f"/staff/tickets/{ticket.id}/claim" not in html and f"/staff/tickets/{ticket.id}/finish" not in html
    assert "waiting to be forwarded" in html and "Recorded" in html


def test_engineering_may_take_a_queued_repair_but_not_forward_it(client, auth, prop, home):
    unit, _owner = home
    ticket = dispatched(prop, unit=unit)
    sign_in(auth, Role.ENGINEERING)
    html = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/staff/tickets/{ticket.id}/claim" in html and f"/staff/tickets/{ticket.id}/cancel" not in html
    refused = client.post(f"/staff/tickets/{ticket.id}/cancel", data={"cancel-reason": "重复"})
    assert refused.status_code == 403 and "You are not allowed to do that." in refused.get_data(as_text=True)
    assert db.session.get(Ticket, ticket.id).status == Status.DISPATCHED


def test_a_repair_goes_from_the_call_to_the_callback_through_the_console(client, auth, app, prop, home):
    unit, owner = home
    ticket = record(prop, unit=unit, resident=owner)
    url = f"/staff/tickets/{ticket.id}"
    desk_client, engineer_client = client, app.test_client()
    sign_in(auth, Role.FRONTDESK)
    sign_in(type(auth)(engineer_client), Role.ENGINEERING)

    response = desk_client.post(
        f"{url}/dispatch", data={"dispatch-department": "engineering", "next": "/staff/tickets/"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/tickets/"
    assert engineer_client.post(f"{url}/claim").status_code == 303
    response = engineer_client.post(
        f"{url}/schedule", data={"schedule-when": "2030-05-01T14:30", "schedule-note": "带阀芯"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (
        db.session.get(Ticket, ticket.id).scheduled_for.isoformat() == "2030-05-01T06:30:00+00:00"
    )  # 14:30 in Shanghai
    assert (
        engineer_client.post(
            f"{url}/work", data={"record_work-note": "关闭总阀", "record_work-materials": "生料带"}
        ).status_code
        == 303
    )
    assert engineer_client.post(f"{url}/ask", data={"ask_resident-question": "家里什么时候有人？"}).status_code == 303
    assert db.session.get(Ticket, ticket.id).status == Status.WAITING
    assert engineer_client.post(f"{url}/resume").status_code == 303
    assert db.session.get(Ticket, ticket.id).status == Status.SCHEDULED
    assert (
        engineer_client.post(
            f"{url}/finish", data={"finish-summary": "更换阀芯", "finish-materials": "阀芯×1"}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == Status.DONE

    closing = desk_client.post(f"{url}/close")
    assert closing.status_code == 409 and "Call the resident back first" in closing.get_data(as_text=True)
    page = desk_client.get(url).get_data(as_text=True)
    assert "closes by itself when the callback is recorded" in page and f"{url}/close" not in page

    callbacks = desk_client.get("/staff/callbacks").get_data(as_text=True)
    assert f"#{ticket.id}" in callbacks and "13800138000" in callbacks
    callback = desk.callback_for(ticket.id)
    response = desk_client.post(
        f"/staff/callbacks/{callback.id}",
        data={f"cb{callback.id}-result": "已修好，满意", f"cb{callback.id}-satisfaction": "5"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == Status.CLOSED
    assert db.session.get(Callback, callback.id).satisfaction == 5
    timeline = desk_client.get(url).get_data(as_text=True)
    for words in (
        "Forwarded",
        "Taken",
        "Visit booked",
        "Work recorded",
        "Question to the resident",
        "Work done",
        "Callback",
        "Satisfaction: 5/5",
        "Materials: 阀芯×1",
    ):
        assert words in timeline, words


def test_the_ticket_page_offers_a_form_for_each_step_the_workflow_allows(app, prop, home):
    unit, _owner = home
    ticket = dispatched(prop, unit=unit)  # a repair: engineering's queue
    engineer = Actor.for_user(builders.create_staff(Role.ENGINEERING), "test")
    with app.test_request_context():
        page = pages.ticket_page(engineer, ticket)
    assert list(page["forms"]) == ["claim", "cannot_come", "comment"]
    assert page["department_open"] and not page["is_assignee"]


def test_a_lost_claim_says_someone_else_took_it(client, auth, app, prop, home):
    unit, _owner = home
    ticket = dispatched(prop, unit=unit)
    quicker = builders.create_staff(Role.ENGINEERING)
    sign_in(auth, Role.ENGINEERING)
    page = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    assert "/claim" in page
    steps.claim(Actor.for_user(quicker, "test"), db.session.get(Ticket, ticket.id))
    db.session.commit()
    response = client.post(f"/staff/tickets/{ticket.id}/claim")
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else took this ticket a moment ago." in html
    assert quicker.display_name in html  # the page shows who has it now
    assert db.session.get(Ticket, ticket.id).assignee_id == quicker.id


@pytest.mark.parametrize(
    "step, data, error_id",
    [
        ("hand-back", {"hand_back-reason": ""}, "hand_back-reason-error"),
        ("schedule", {"schedule-when": "2020-01-01T09:00", "schedule-note": "上午"}, "schedule-when-error"),
        ("schedule", {"schedule-when": "tomorrow", "schedule-note": "上午"}, "schedule-when-error"),
        ("finish", {"finish-summary": " ", "finish-materials": "阀芯"}, "finish-summary-error"),
        ("cannot-come", {"cannot_come-reason": ""}, "cannot_come-reason-error"),
    ],
)
def test_a_bad_step_changes_nothing_and_keeps_what_was_typed(client, auth, prop, home, step, data, error_id):
    unit, _owner = home
    me = sign_in(auth, Role.ENGINEERING)
    ticket = claimed_by(prop, me, unit=unit)
    before = count(TicketEvent)
    response = client.post(f"/staff/tickets/{ticket.id}/{step}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{error_id}"' in html
    for value in data.values():
        if value.strip() and value != "tomorrow":
            assert value in html
    assert count(TicketEvent) == before and db.session.get(Ticket, ticket.id).status == Status.CLAIMED


def test_a_step_from_the_wrong_status_is_a_message_not_an_error_page(client, auth, prop, home):
    unit, _owner = home
    ticket = dispatched(prop, unit=unit)
    sign_in(auth, Role.MANAGER)
    response = client.post(f"/staff/tickets/{ticket.id}/dispatch", data={"dispatch-department": "security"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'class="alert alert-error"' in html and "in the queue" in html
    assert db.session.get(Ticket, ticket.id).department == Department.ENGINEERING


def test_the_desk_redirects_cancels_and_classifies(client, auth, prop, home):
    unit, _owner = home
    complaint = dispatched(prop, kind="complaint", unit=unit, severity="minor")
    other = record(prop, unit=unit)
    sign_in(auth, Role.ASSISTANT)
    client.post(
        f"/staff/tickets/{complaint.id}/classify",
        data={
            "classify-category": "noise",
            "classify-severity": "major",
            "classify-priority": "urgent",
            "classify-department": "security",
        },
    )
    db.session.expire_all()
    complaint = db.session.get(Ticket, complaint.id)
    assert (complaint.category, complaint.department, complaint.priority) == (
        "noise",
        Department.SECURITY,
        Priority.URGENT,
    )
    assert complaint.escalated_at is not None
    page = client.get(f"/staff/tickets/{complaint.id}").get_data(as_text=True)
    assert "Severity: Minor → Major" in page and "Department: Customer service → Security" in page
    client.post(f"/staff/tickets/{complaint.id}/redirect", data={"redirect-department": "customer_service"})
    assert db.session.get(Ticket, complaint.id).department == Department.CUSTOMER_SERVICE
    client.post(f"/staff/tickets/{other.id}/cancel", data={"cancel-reason": "重复登记"})
    assert db.session.get(Ticket, other.id).status == Status.CANCELLED


def test_the_manager_records_a_complaints_outcome(client, auth, prop, home):
    unit, _owner = home
    manager = sign_in(auth, Role.MANAGER)
    complaint = claimed_by(prop, manager, kind="complaint", unit=unit)
    repair = claimed_by(prop, manager, unit=unit)
    assert "/outcome" not in client.get(f"/staff/tickets/{repair.id}").get_data(as_text=True)
    response = client.post(
        f"/staff/tickets/{complaint.id}/outcome",
        data={"record_outcome-outcome": "已上门道歉", "record_outcome-reaction": "业主表示接受"},
    )
    assert response.status_code == 303
    assert db.session.get(Ticket, complaint.id).resident_reaction == "业主表示接受"


def test_internal_notes_stay_out_of_the_portal(client, auth, app, prop, home):
    unit, owner = home
    ticket = dispatched(prop, unit=unit, resident=owner)
    sign_in(auth, Role.FRONTDESK)
    client.post(f"/staff/tickets/{ticket.id}/comment", data={"comment-body": "业主脾气急，注意沟通"})
    client.post(f"/staff/tickets/{ticket.id}/comment", data={"comment-body": "师傅下午两点到", "comment-public": "y"})
    staff_page = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    assert "业主脾气急" in staff_page and "internal" in staff_page
    resident_client = app.test_client()
    type(auth)(resident_client).login_resident(owner.user)
    portal = resident_client.get(f"/portal/tickets/{ticket.id}")
    if portal.status_code == 404 and "portal.show_ticket" not in app.view_functions:
        pytest.skip("the portal's ticket page does not exist yet")
    html = portal.get_data(as_text=True)
    assert portal.status_code == 200 and "师傅下午两点到" in html and "业主脾气急" not in html


def test_photos_are_served_to_staff_from_the_file_store(client, auth, app, prop, file_store):
    ticket, other = record(prop), record(prop)
    file_store.put("a1b2c3.jpg", b"\xff\xd8\xff\xe0 jpeg bytes", property_id=prop.id)
    photo = TicketPhoto(ticket_id=ticket.id, stored_name="a1b2c3.jpg", content_type="image/jpeg", size=17)
    db.session.add(photo)
    db.session.commit()
    sign_in(auth, Role.FRONTDESK)
    with client.get(f"/staff/tickets/{ticket.id}/photos/{photo.id}") as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.data.startswith(b"\xff\xd8") and "private" in response.headers["Cache-Control"]
    assert client.get(f"/staff/tickets/{other.id}/photos/{photo.id}").status_code == 404
    assert f"/staff/tickets/{ticket.id}/photos/{photo.id}" in client.get(f"/staff/tickets/{ticket.id}").get_data(
        as_text=True
    )
    file_store.remove("a1b2c3.jpg")
    assert client.get(f"/staff/tickets/{ticket.id}/photos/{photo.id}").status_code == 404


# Callbacks -------------------------------------------------------------------------------------------


@pytest.fixture
def finished(prop, home):
    """A repair finished by engineering, with its callback open."""
    unit, owner = home
    engineer = builders.create_staff(Role.ENGINEERING)
    ticket = claimed_by(prop, engineer, unit=unit, resident=owner)
    steps.finish(Actor.for_user(engineer, "test"), ticket, summary="已修好")
    db.session.commit()
    return ticket, desk.callback_for(ticket.id)


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT, Role.MANAGER], ids=lambda r: r.value)
def test_the_desk_sees_its_callbacks_with_a_script(client, auth, finished, role):
    ticket, _callback = finished
    sign_in(auth, role)
    html = client.get("/staff/callbacks").get_data(as_text=True)
    assert f"#{ticket.id}" in html and "王芳" in html and "13800138000" in html
    assert "What to say" in html and 'name="cb' in html


@pytest.mark.parametrize("role", [Role.CLEANING, Role.ENGINEERING, Role.SECURITY, Role.FINANCE], ids=lambda r: r.value)
def test_departments_do_not_call_back(client, auth, finished, role):
    _ticket, callback = finished
    sign_in(auth, role)
    assert client.get("/staff/callbacks").status_code == 403
    assert (
        client.post(
            f"/staff/callbacks/{callback.id}",
            data={f"cb{callback.id}-result": "x", f"cb{callback.id}-satisfaction": "5"},
        ).status_code
        == 403
    )
    assert db.session.get(Callback, callback.id).status == CallbackStatus.OPEN


@pytest.mark.parametrize(
    "data, error_id",
    [
        ({"result": "", "satisfaction": "4"}, "result-error"),
        ({"result": "还可以", "satisfaction": ""}, "satisfaction-error"),
        ({"result": "还可以", "satisfaction": "9"}, "satisfaction-error"),
    ],
)
def test_a_bad_callback_closes_nothing_and_keeps_what_was_typed(client, auth, finished, data, error_id):
    ticket, callback = finished
    sign_in(auth, Role.FRONTDESK)
    prefix = f"cb{callback.id}"
    response = client.post(f"/staff/callbacks/{callback.id}", data={f"{prefix}-{k}": v for k, v in data.items()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{prefix}-{error_id}"' in html
    if data["result"]:
        assert data["result"] in html
    assert db.session.get(Ticket, ticket.id).status == Status.DONE


def test_a_callback_recorded_twice_is_a_message(client, auth, finished):
    _ticket, callback = finished
    sign_in(auth, Role.FRONTDESK)
    data = {f"cb{callback.id}-result": "满意", f"cb{callback.id}-satisfaction": "5"}
    assert client.post(f"/staff/callbacks/{callback.id}", data=data).status_code == 303
    again = client.post(f"/staff/callbacks/{callback.id}", data=data)
    assert again.status_code == 409 and "already been recorded" in again.get_data(as_text=True)


# The phone and visit log -------------------------------------------------------------------------------


def test_a_call_is_logged_and_can_open_a_linked_ticket(client, auth, prop, home):
    unit, owner = home
    sign_in(auth, Role.FRONTDESK)
    assert client.get("/staff/contacts").status_code == 200
    client.post("/staff/contacts", data={"channel": "phone", "caller_name": "张三", "summary": "咨询停车费"})
    response = client.post(
        "/staff/contacts",
        data={
            "channel": "phone",
            "caller_name": "王芳",
            "caller_phone": "13800138000",
            "unit_label": "1-1203",
            "summary": "厨房下水道堵了",
            "open_ticket": "y",
            "ticket_kind": "repair",
        },
    )
    assert response.status_code == 303
    entry = db.session.scalars(select(ContactLog).where(ContactLog.ticket_id.is_not(None))).one()
    ticket = db.session.get(Ticket, entry.ticket_id)
    assert ticket.resident_id == owner.id and ticket.unit_id == unit.id and ticket.description == "厨房下水道堵了"
    html = client.get("/staff/contacts").get_data(as_text=True)
    assert html.index("厨房下水道堵了") < html.index("咨询停车费") and f"#{ticket.id}" in html


@pytest.mark.parametrize(
    "data, error_id",
    [
        ({"summary": ""}, "summary-error"),
        ({"unit_label": "8-0808"}, "unit_label-error"),
        ({"open_ticket": "y", "ticket_kind": "repair"}, "location-error"),
        ({"caller_phone": "no phone"}, "caller_phone-error"),
    ],
)
def test_a_bad_log_entry_saves_nothing_and_keeps_what_was_typed(client, auth, prop, home, data, error_id):
    sign_in(auth, Role.ASSISTANT)
    response = client.post(
        "/staff/contacts", data={"channel": "visit", "caller_name": "赵六", "summary": "来访咨询", **data}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{error_id}"' in html and 'value="赵六"' in html
    assert count(ContactLog) == 0 and count(Ticket) == 0


def test_finance_keeps_no_phone_log(client, auth):
    sign_in(auth, Role.FINANCE)
    assert client.get("/staff/contacts").status_code == 403


# Visits --------------------------------------------------------------------------------------------


def test_the_desk_plans_a_vip_visit_and_records_it(client, auth, prop, home):
    _unit, owner = home
    owner.is_vip = True
    db.session.commit()
    sign_in(auth, Role.ASSISTANT)
    response = client.post(
        "/staff/visits",
        data={"unit_label": "1-1203", "planned_for": "2030-02-10T15:00", "purpose": "春节VIP业主走访"},
    )
    assert response.status_code == 303
    visit = db.session.scalars(select(ResidentVisit)).one()
    assert visit.resident_id == owner.id and visit.planned_for.isoformat() == "2030-02-10T07:00:00+00:00"
    html = client.get("/staff/visits").get_data(as_text=True)
    assert "春节VIP业主走访" in html and "VIP" in html
    bad = client.post(f"/staff/visits/{visit.id}/done", data={f"v{visit.id}-notes": ""})
    assert bad.status_code == 422 and f'id="v{visit.id}-notes-error"' in bad.get_data(as_text=True)
    client.post(f"/staff/visits/{visit.id}/done", data={f"v{visit.id}-notes": "业主建议增加儿童游乐设施"})
    assert db.session.get(ResidentVisit, visit.id).done_at is not None
    again = client.post(f"/staff/visits/{visit.id}/done", data={f"v{visit.id}-notes": "again"})
    assert again.status_code == 409 and "already been recorded" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, error_id",
    [
        ({"unit_label": "7-0707"}, "unit_label-error"),
        ({"planned_for": ""}, "planned_for-error"),
        ({"purpose": ""}, "purpose-error"),
    ],
)
def test_a_bad_visit_plan_saves_nothing_and_keeps_what_was_typed(client, auth, prop, home, data, error_id):
    sign_in(auth, Role.FRONTDESK)
    payload = {"unit_label": "1-1203", "planned_for": "2030-02-10T15:00", "purpose": "例行走访", **data}
    response = client.post("/staff/visits", data=payload)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{error_id}"' in html
    assert any(f'value="{v}"' in html for v in payload.values() if v)
    assert count(ResidentVisit) == 0


@pytest.mark.parametrize("role", [Role.ENGINEERING, Role.CLEANING], ids=lambda r: r.value)
def test_departments_do_not_plan_visits(client, auth, role):
    sign_in(auth, role)
    assert client.get("/staff/visits").status_code == 403
    assert (
        client.post(
            "/staff/visits", data={"unit_label": "1-1203", "planned_for": "2030-02-10T15:00", "purpose": "x"}
        ).status_code
        == 403
    )


def test_a_cancelled_ticket_is_not_shown_as_running_late(client, auth, prop):
    ticket = record(prop, now=utcnow() - timedelta(hours=2))
    steps.cancel(SYSTEM, ticket, reason="重复登记")
    db.session.commit()
    sign_in(auth, Role.FRONTDESK)
    rows = client.get("/staff/tickets/?status=cancelled", headers=HX).get_data(as_text=True)
    assert f">#{ticket.id}<" in rows and "late dispatch" not in rows


def test_engineering_queue_shows_forwarded_work_not_what_waits_for_the_desk(client, auth, prop):
    from domain.accounts.models import Actor

    unit = builders.create_unit()
    system = Actor.system("test")
    waiting = recording.create_ticket(
        system, property_id=prop.id, kind="repair", channel="phone", description="等待派单的报修", unit_id=unit.id
    )
    forwarded = recording.create_ticket(
        system, property_id=prop.id, kind="repair", channel="phone", description="已派给工程部的报修", unit_id=unit.id
    )
    steps.dispatch(system, forwarded)
    db.session.commit()
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    html = client.get("/staff/tickets/").get_data(as_text=True)
    assert f'/staff/tickets/{forwarded.id}"' in html and f'/staff/tickets/{waiting.id}"' not in html


def test_another_departments_ticket_and_photos_are_not_shown(client, auth, app, prop, file_store):
    ticket = record(prop)  # a repair: engineering's
    file_store.put("d4e5f6.jpg", b"\xff\xd8\xff\xe0 jpeg bytes", property_id=prop.id)
    photo = TicketPhoto(ticket_id=ticket.id, stored_name="d4e5f6.jpg", content_type="image/jpeg", size=17)
    db.session.add(photo)
    db.session.commit()
    sign_in(auth, Role.SECURITY)
    assert client.get(f"/staff/tickets/{ticket.id}").status_code == 404
    assert client.get(f"/staff/tickets/{ticket.id}/photos/{photo.id}").status_code == 404
    assert client.post(f"/staff/tickets/{ticket.id}/comment", data={"comment-body": "看看"}).status_code == 404
