"""The resident's requests in the portal: reporting with photos, following, answering, cancelling and rating;
and nobody else's requests or photos."""

import io
import os
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.files import store
from domain.notify.models import Notification
from domain.tickets import recording, steps
from domain.tickets.models import (
    Channel,
    Department,
    ServiceItem,
    Status,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketPhoto,
)
from domain.tickets.photos import save_photo
from extensions import db
from portal.tickets.forms import COMPLAINT_CATEGORY_LABELS, REPAIR_CATEGORY_LABELS
from tests import builders

HX = {"HX-Request": "true"}


@pytest.fixture
def unit(prop):
    """Unit 1-1203."""
    return builders.create_unit(number="1203", floor=12)


@pytest.fixture
def me(client, auth, prop, unit):
    """陈业主 of 1-1203, signed in, reading the portal in English (the messages below are the msgids)."""
    resident = builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    resident.user.locale = "en"
    db.session.commit()
    auth.login_resident(resident.user)
    return resident


@pytest.fixture
def neighbour_client(app, prop):
    """A second browser, signed in as the neighbour in 1-0901."""
    from tests.conftest import AuthActions

    neighbour = builders.create_resident(prop, unit=builders.create_unit(number="0901", floor=9), name="乙邻居")
    other = app.test_client()
    AuthActions(other).login_resident(neighbour.user)
    return other


def staff(role):
    """A staff member of `role` as an actor for the domain services."""
    return Actor.for_user(builders.create_staff(role), "127.0.0.1")


def image(fmt="PNG", size=(32, 24), colour=(20, 120, 110)):
    """The bytes of a real, tiny picture."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def upload(data, name="photo.png", content_type="image/png"):
    """A file part for the test client."""
    return (io.BytesIO(data), name, content_type)


def repair_form(unit, **changes):
    """A valid repair as the form posts it."""
    form = {
        "kind": "repair",
        "repair_category": "water",
        "description": "厨房水龙头一直滴水",
        "place": str(unit.id),
        "location": "",
        "preferred_time": "周六上午",
        "contact_phone": "13800000001",
    }
    form.update(changes)
    return form


def post_new(client, form):
    """Send the new-request form (multipart, as the browser does)."""
    return client.post("/portal/tickets/new", data=form, content_type="multipart/form-data")


def count(model):
    """Rows of `model`."""
    return db.session.scalar(select(func.count()).select_from(model))


def open_ticket(resident, unit, kind=TicketKind.REPAIR, **fields):
    """A portal ticket of `resident`, created through the service as the resident."""
    actor = Actor.for_user(resident.user, "127.0.0.1")
    ticket = recording.create_ticket(
        actor,
        property_id=resident.property_id,
        kind=kind,
        channel="portal",
        description=fields.pop("description", "卫生间漏水"),
        category="water",
        unit_id=unit.id,
        resident_id=resident.id,
        contact_name=resident.name,
        **fields,
    )
    db.session.commit()
    return ticket


def claimed(ticket):
    """Dispatch the ticket to engineering and let an engineer claim it; returns the engineer."""
    engineer = staff(Role.ENGINEERING)
    steps.dispatch(staff(Role.FRONTDESK), ticket)
    steps.claim(engineer, ticket)
    db.session.commit()
    return engineer


# Creating ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, extra, department",
    [
        ("repair", {"repair_category": "electricity"}, Department.ENGINEERING),
        ("complaint", {"complaint_category": "noise"}, Department.CUSTOMER_SERVICE),
        ("help", {}, Department.SECURITY),
        ("inquiry", {}, Department.CUSTOMER_SERVICE),
        ("service", {}, Department.CLEANING),
    ],
)
def test_resident_sends_each_kind_of_request(client, me, unit, prop, kind, extra, department):
    item = ServiceItem(property_id=prop.id, name="家政保洁", price_fen=12000, department=Department.CLEANING)
    db.session.add(item)
    db.session.commit()
    if kind == "service":
        extra = {"service_item_id": str(item.id)}
    before = utcnow()
    form = repair_form(unit, kind=kind, repair_category="")
    form.update(extra)
    response = post_new(client, form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    ticket = db.session.scalars(select(Ticket)).one()
    assert response.headers["Location"] == f"/portal/tickets/{ticket.id}"
    assert ticket.kind == TicketKind(kind) and ticket.channel == Channel.PORTAL and ticket.status == Status.NEW
    assert ticket.department == department
    assert ticket.resident_id == me.id and ticket.unit_id == unit.id and ticket.created_by_id == me.user_id
    assert (
        ticket.contact_name == "陈业主"
        and ticket.contact_phone == "13800000001"
        and ticket.preferred_time == "周六上午"
    )
    assert ticket.category == {"repair": "electricity", "complaint": "noise"}.get(kind, "")
    assert ticket.service_item_id == (item.id if kind == "service" else None)
    assert before < ticket.dispatch_due_at <= ticket.response_due_at <= ticket.resolve_due_at
    assert [(e.action, e.public, e.body) for e in ticket.events] == [("created", True, "厨房水龙头一直滴水")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "was sent" in page and "厨房水龙头一直滴水" in page


def test_new_request_form_preselects_the_kind_and_offers_my_units_and_the_catalogue(client, me, unit, prop):
    db.session.add_all(
        [
            ServiceItem(property_id=prop.id, name="疏通下水道", price_fen=5000, department=Department.ENGINEERING),
            ServiceItem(property_id=prop.id, name="代收快递", price_fen=0, department=Department.CUSTOMER_SERVICE),
            ServiceItem(property_id=prop.id, name="停用的服务", is_active=False, department=Department.CLEANING),
        ]
    )
    db.session.commit()
    builders.create_unit(number="0808", floor=8)  # not mine
    html = client.get("/portal/tickets/new?kind=complaint").get_data(as_text=True)
    assert '<input checked id="kind-1" name="kind" required type="radio" value="complaint">' in html
    assert "1号楼 1203" in html and "0808" not in html
    assert f'<input checked id="place-0" name="place" required type="radio" value="{unit.id}">' in html  # my first unit
    assert 'value="13800000001"' in html  # the contact phone defaults to mine
    assert "疏通下水道 · CN¥50.00" in html and "代收快递 · free" in html and "停用的服务" not in html
    assert 'accept="image/*"' in html and "multiple" in html


def test_every_category_has_a_label():
    assert set(REPAIR_CATEGORY_LABELS) == set(recording.REPAIR_CATEGORIES)
    assert set(COMPLAINT_CATEGORY_LABELS) == set(recording.COMPLAINT_CATEGORIES)


def test_public_area_request_keeps_the_place_and_no_unit(client, me, unit):
    response = post_new(client, repair_form(unit, place="public", location="2号楼电梯厅", repair_category="elevator"))
    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.unit_id is None and ticket.location == "2号楼电梯厅"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"description": ""}, "Describe what is wrong or what you need."),
        ({"description": "   "}, "Describe what is wrong or what you need."),
        ({"repair_category": ""}, "Choose what needs repairing."),
        ({"kind": "complaint", "complaint_category": ""}, "Choose what the complaint is about."),
        ({"kind": "service"}, "Choose a service from the list."),
        ({"kind": "nonsense"}, "Not a valid choice"),
        ({"place": "public", "location": ""}, "Say which public area."),
        ({"contact_phone": "call me"}, "Enter a phone number we can call"),
        ({"contact_phone": ""}, "Give a phone number we can call."),
        ({"place": "999999"}, "Not a valid choice"),
    ],
)
def test_bad_new_request_is_explained_kept_and_not_saved(client, me, unit, changes, message, file_store):
    form = repair_form(unit, preferred_time="工作日晚上")
    form.update(changes)
    response = post_new(client, form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and 'class="error"' in html
    assert 'value="工作日晚上"' in html  # what was typed stays
    if form["description"].strip():
        assert "厨房水龙头一直滴水</textarea>" in html
    assert count(Ticket) == 0 and count(TicketEvent) == 0 and file_store.names() == []


def test_a_neighbours_unit_is_refused(client, me, unit, prop):
    theirs = builders.create_unit(number="0909", floor=9)
    builders.create_resident(prop, unit=theirs)
    response = post_new(client, repair_form(unit, place=str(theirs.id)))
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert count(Ticket) == 0


# Photos --------------------------------------------------------------------------------------------


def test_repair_with_two_photos_is_stored_outside_static_and_served_only_to_its_resident(
    client, me, unit, app, file_store, neighbour_client
):
    png, jpeg = image("PNG"), image("JPEG", size=(64, 48))
    form = repair_form(unit, photos=[upload(png, "水龙头.png"), upload(jpeg, "IMG_0001.jpeg", "image/jpeg")])
    response = post_new(client, form)
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    ticket = db.session.scalars(select(Ticket)).one()
    photos = db.session.scalars(select(TicketPhoto).order_by(TicketPhoto.id)).all()
    created = ticket.events[0]
    assert [(p.content_type, p.size, p.event_id, p.uploaded_by_id) for p in photos] == [
        ("image/png", len(png), created.id, me.user_id),
        ("image/jpeg", len(jpeg), created.id, me.user_id),
    ]
    for photo, extension in zip(photos, ("png", "jpg"), strict=True):
        stem, ext = photo.stored_name.split(".")
        assert len(stem) == 32 and int(stem, 16) >= 0 and ext == extension  # random, not the uploaded name
        if file_store.kind == "directory":
            path = os.path.realpath(os.path.join(file_store.folder, photo.stored_name))
            assert os.path.exists(path) and not path.startswith(os.path.realpath(app.static_folder))
    assert file_store.read(photos[0].stored_name) == store.without_metadata(png, "PNG")
    assert len(file_store.names()) == 4  # each photo and its preview

    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    url = f"/portal/tickets/{ticket.id}/photos/{photos[0].id}"
    assert f'href="{url}"' in page and f'src="{url}?size=preview"' in page

    with client.get(url) as served:
        assert served.status_code == 200 and served.data == png and served.mimetype == "image/png"
        assert "private" in served.headers["Cache-Control"] and "public" not in served.headers["Cache-Control"]
        assert served.headers["X-Content-Type-Options"] == "nosniff"
    with client.get(f"/portal/tickets/{ticket.id}/photos/{photos[1].id}?size=preview") as preview:
        assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
        assert max(Image.open(io.BytesIO(preview.data)).size) <= store.PREVIEW_SIZE

    assert neighbour_client.get(url).status_code == 404
    assert neighbour_client.get(url + "?size=preview").status_code == 404


def test_fake_image_is_refused_and_nothing_is_saved(client, me, unit, file_store):
    fake = upload("这不是图片，只是文字。".encode(), "照片.jpg", "image/jpeg")
    response = post_new(client, repair_form(unit, photos=[upload(image()), fake]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“照片.jpg” is not a photo we can read" in html
    assert "Choose your photos again" in html  # the browser cannot keep the chosen files
    assert "厨房水龙头一直滴水</textarea>" in html and 'value="周六上午"' in html
    assert count(Ticket) == 0 and count(TicketPhoto) == 0 and count(TicketEvent) == 0
    assert file_store.names() == []  # the good photo's file was removed with the rest


def test_photo_over_the_size_limit_is_refused(client, me, unit, file_store):
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    big = image("JPEG") + b"\0" * (11 * 1024 * 1024)  # a real JPEG, padded to 11 MB
    form = MultiDict(repair_form(unit))
    form.add("photos", FileStorage(io.BytesIO(big), "big.jpg", content_type="image/jpeg"))
    boundary, body = encode_multipart(form)  # in memory: the client would spool 11 MB to a file it never closes
    response = client.post("/portal/tickets/new", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "“big.jpg” is larger than 10 MB" in html
    assert count(Ticket) == 0 and file_store.names() == []


def test_a_picture_with_absurdly_many_pixels_is_refused(client, me, unit, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # stands in for a decompression bomb: 32 x 24 > 500
    response = post_new(client, repair_form(unit, photos=[upload(image(), "bomb.png")]))
    assert "“bomb.png” is not a photo we can read" in response.get_data(as_text=True) and count(Ticket) == 0


def test_a_seventh_photo_is_refused(client, me, unit, file_store):
    def photos(n):
        return [upload(image(colour=(i * 30, 0, 0)), f"{i}.png") for i in range(n)]

    response = post_new(client, repair_form(unit, photos=photos(7)))
    assert "A request can have at most 6 photos" in response.get_data(as_text=True)
    assert count(Ticket) == 0 and file_store.names() == []

    response = post_new(client, repair_form(unit, photos=photos(6)))
    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert count(TicketPhoto) == 6
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert 'name="photos"' not in page  # no room left: the comment form offers no photo field

    response = client.post(
        f"/portal/tickets/{ticket.id}/comments",
        content_type="multipart/form-data",
        data={"body": "再补一张", "photos": [upload(image(), "7.png")]},
    )
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 200 and "A request can have at most 6 photos" in html and "再补一张</textarea>" in html
    )
    assert count(TicketPhoto) == 6 and len(file_store.names()) == 12
    assert [e.action for e in db.session.get(Ticket, ticket.id).events] == ["created"]


def test_a_stored_photo_is_removed_when_its_transaction_rolls_back(me, unit, file_store):
    from werkzeug.datastructures import FileStorage

    ticket = open_ticket(me, unit)
    actor = Actor.for_user(me.user, "127.0.0.1")
    photo = save_photo(actor, ticket, FileStorage(io.BytesIO(image("WEBP")), "a.webp"))
    assert photo.content_type == "image/webp" and file_store.read(photo.stored_name).startswith(b"RIFF")
    db.session.rollback()
    assert file_store.names() == [] and count(TicketPhoto) == 0


def test_comment_with_a_photo_puts_it_on_the_comment(client, me, unit):
    ticket = open_ticket(me, unit)
    response = client.post(
        f"/portal/tickets/{ticket.id}/comments",
        content_type="multipart/form-data",
        data={"body": "补充一张照片", "photos": [upload(image("GIF"), "x.gif", "image/gif")]},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/portal/tickets/{ticket.id}#timeline"
    )
    comment = db.session.scalars(select(TicketEvent).where(TicketEvent.action == "comment")).one()
    assert db.session.scalars(select(TicketPhoto)).one().event_id == comment.id


# Ownership ------------------------------------------------------------------------------------------


def test_neighbour_gets_404_for_my_request_and_its_photos(client, me, unit, neighbour_client):
    post_new(client, repair_form(unit, photos=[upload(image())]))
    ticket = db.session.scalars(select(Ticket)).one()
    photo = db.session.scalars(select(TicketPhoto)).one()
    base = f"/portal/tickets/{ticket.id}"
    assert neighbour_client.get(base).status_code == 404
    assert neighbour_client.get(base, headers=HX).status_code == 404
    assert neighbour_client.get(f"{base}/photos/{photo.id}").status_code == 404
    assert neighbour_client.post(f"{base}/comments", data={"body": "我来看看"}).status_code == 404
    assert neighbour_client.post(f"{base}/cancel").status_code == 404
    assert neighbour_client.post(f"{base}/rate", data={"rating": "1"}).status_code == 404
    assert "厨房水龙头一直滴水" not in neighbour_client.get("/portal/tickets").get_data(as_text=True)
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == Status.NEW and ticket.rating is None and [e.action for e in ticket.events] == ["created"]


def test_a_photo_of_another_ticket_is_not_served_under_mine(client, me, unit):
    post_new(client, repair_form(unit, photos=[upload(image())]))
    post_new(client, repair_form(unit, description="第二张单"))
    first, second = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    photo = db.session.scalars(select(TicketPhoto)).one()
    with client.get(f"/portal/tickets/{first.id}/photos/{photo.id}") as served:
        assert served.status_code == 200
    assert client.get(f"/portal/tickets/{second.id}/photos/{photo.id}").status_code == 404


def test_staff_cannot_use_the_portal_photo_route(client, auth, me, unit):
    post_new(client, repair_form(unit, photos=[upload(image())]))
    ticket, photo = db.session.scalars(select(Ticket)).one(), db.session.scalars(select(TicketPhoto)).one()
    auth.logout()
    auth.login_staff(builders.create_staff(Role.MANAGER))
    assert client.get(f"/portal/tickets/{ticket.id}/photos/{photo.id}").status_code == 403


# Cancelling, answering, rating -----------------------------------------------------------------------


def test_cancel_is_allowed_while_new_and_refused_once_claimed(client, me, unit):
    fresh = open_ticket(me, unit)
    response = client.post(f"/portal/tickets/{fresh.id}/cancel")
    assert response.status_code == 303 and response.headers["Location"] == f"/portal/tickets/{fresh.id}"
    db.session.expire_all()
    assert db.session.get(Ticket, fresh.id).status == Status.CANCELLED
    assert "was cancelled" in client.get(f"/portal/tickets/{fresh.id}").get_data(as_text=True)

    taken = open_ticket(me, unit, description="门锁坏了")
    assert "Cancel this request" in client.get(f"/portal/tickets/{taken.id}").get_data(as_text=True)
    claimed(taken)
    page = client.get(f"/portal/tickets/{taken.id}").get_data(as_text=True)
    assert "Cancel this request" not in page
    response = client.post(f"/portal/tickets/{taken.id}/cancel")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "can no longer be cancelled" in page
    db.session.expire_all()
    assert db.session.get(Ticket, taken.id).status == Status.CLAIMED


def test_cancel_refused_with_htmx_says_why(client, me, unit):
    ticket = open_ticket(me, unit)
    claimed(ticket)
    response = client.post(f"/portal/tickets/{ticket.id}/cancel", headers=HX)
    assert response.status_code == 409 and "can no longer be cancelled" in response.get_data(as_text=True)


def test_rating_only_when_done_and_only_once(client, me, unit):
    ticket = open_ticket(me, unit)
    engineer = claimed(ticket)
    response = client.post(f"/portal/tickets/{ticket.id}/rate", data={"rating": "5"})
    assert response.status_code == 303
    assert "You can rate a request once it is done." in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).rating is None

    ticket = db.session.get(Ticket, ticket.id)
    steps.finish(engineer, ticket, summary="更换了阀芯。")
    db.session.commit()
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="rate"' in page and "更换了阀芯。" in page
    listing = client.get("/portal/tickets").get_data(as_text=True)
    assert f"/portal/tickets/{ticket.id}#rate" in listing

    response = client.post(f"/portal/tickets/{ticket.id}/rate", data={"rating": "4", "comment": "师傅很准时"})
    assert response.status_code == 303
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.rating == 4 and ticket.rating_comment == "师傅很准时" and ticket.status == Status.CLOSED
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="rate"' not in page and "Rated 4 of 5 stars" in page

    response = client.post(f"/portal/tickets/{ticket.id}/rate", data={"rating": "1"})
    assert "already rated" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).rating == 4


@pytest.mark.parametrize("rating", ["", "6", "zero"])
def test_bad_rating_is_explained_and_the_comment_kept(client, me, unit, rating):
    ticket = open_ticket(me, unit)
    steps.finish(claimed(ticket), ticket, summary="修好了")
    db.session.commit()
    response = client.post(f"/portal/tickets/{ticket.id}/rate", data={"rating": rating, "comment": "还行吧"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="error" id="rating-error"' in html and "还行吧</textarea>" in html
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).rating is None


def test_empty_comment_is_explained_and_not_saved(client, me, unit):
    ticket = open_ticket(me, unit)
    response = client.post(f"/portal/tickets/{ticket.id}/comments", data={"body": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Write a comment." in html and "<html" in html
    fragment = client.post(f"/portal/tickets/{ticket.id}/comments", data={"body": ""}, headers=HX)
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'id="comment-form"' in text
    assert "Write a comment." in text and "hx-swap-oob" not in text
    assert [e.action for e in db.session.get(Ticket, ticket.id).events] == ["created"]


def test_internal_notes_are_never_shown_to_the_resident(client, me, unit):
    ticket = open_ticket(me, unit)
    desk, manager = staff(Role.FRONTDESK), staff(Role.MANAGER)
    steps.dispatch(desk, ticket)
    steps.redirect(desk, ticket, department="security")
    steps.redirect(desk, ticket, department="engineering")
    engineer = staff(Role.ENGINEERING)
    steps.claim(engineer, ticket)
    steps.hand_back(engineer, ticket, reason="内部：缺少配件，转给别人")
    steps.comment(manager, ticket, body="内部备注：该住户上月投诉过", public=False)
    steps.classify(manager, ticket, priority="urgent")
    steps.comment(manager, ticket, body="我们明天上午安排师傅。")
    db.session.commit()
    url = f"/portal/tickets/{ticket.id}"
    for response in (client.get(url), client.get(url, headers=HX)):
        html = response.get_data(as_text=True)
        assert "我们明天上午安排师傅。" in html
        assert "内部" not in html and "缺少配件" not in html and "上月投诉" not in html and "security" not in html


def test_a_resident_answer_resumes_a_waiting_request(client, me, unit):
    ticket = open_ticket(me, unit)
    engineer = claimed(ticket)
    steps.ask_resident(engineer, ticket, question="请问家里周几有人？")
    db.session.commit()
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "The team asks:" in page and "请问家里周几有人？" in page and "Your answer" in page
    assert "The team is waiting for your answer." in client.get("/portal/tickets").get_data(as_text=True)

    response = client.post(f"/portal/tickets/{ticket.id}/comments", data={"body": "周六全天在家"}, headers=HX)
    assert response.status_code == 200
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == Status.CLAIMED and ticket.waiting_since is None
    html = response.get_data(as_text=True)
    assert "周六全天在家" in html and "The team asks:" not in html


# The list, notifications, and htmx fragments ---------------------------------------------------------


def test_list_shows_kind_status_who_has_it_and_the_visit(client, me, unit, prop):
    waiting_room = open_ticket(me, unit, description="门铃不响")
    visit = open_ticket(me, unit, description="空调漏水")
    engineer = claimed(visit)
    when = utcnow().replace(microsecond=0) + timedelta(days=1)
    steps.schedule(engineer, visit, when=when)
    db.session.commit()
    html = client.get("/portal/tickets").get_data(as_text=True)
    assert html.index("空调漏水") < html.index("门铃不响")  # newest first
    assert "Repair · Water and drains" in html and "waiting to be forwarded" in html and "scheduled" in html
    assert f"{engineer.name} has it" in html and "Visit booked:" in html
    assert "New request" in html and 'href="/portal/tickets/new"' in html
    page = client.get(f"/portal/tickets/{visit.id}").get_data(as_text=True)
    assert engineer.name in page and "Visit booked:" in page and "ticket-visit" in page
    assert waiting_room.id  # still listed, nobody has it
    assert "Not taken yet" in client.get(f"/portal/tickets/{waiting_room.id}").get_data(as_text=True)


def test_list_shows_my_latest_five_notifications_once_as_new(client, me, unit, prop):
    other = builders.create_resident(prop, unit=builders.create_unit(number="0505", floor=5))
    ticket = open_ticket(me, unit)
    db.session.add_all([Notification(resident_id=me.id, ticket_id=ticket.id, message=f"通知{n}") for n in range(7)])
    db.session.add(Notification(resident_id=other.id, message="别人的通知"))
    db.session.commit()
    html = client.get("/portal/tickets").get_data(as_text=True)
    assert all(f"通知{n}" in html for n in range(2, 7)) and "通知1" not in html and "别人的通知" not in html
    assert html.index("通知6") < html.index("通知2") and html.count('class="unread"') == 5
    read = select(func.count()).select_from(Notification).where(Notification.read_at.is_not(None))
    assert db.session.scalar(read) == 5
    assert 'class="unread"' not in client.get("/portal/tickets").get_data(as_text=True)


def test_list_pages_by_key_with_and_without_htmx(client, me, unit):
    tickets = [open_ticket(me, unit, description=f"第{n}单") for n in range(23)]
    full = client.get("/portal/tickets")
    html = full.get_data(as_text=True)
    assert "<html" in html and "第22单" in html and "第3单" in html and "第2单</span>" not in html
    more = f"/portal/tickets?after={tickets[3].id}"
    assert f'hx-get="{more}"' in html and f'href="{more}"' in html
    fragment = client.get(more, headers=HX)
    rows = fragment.get_data(as_text=True)
    assert "<html" not in rows and "<li" in rows and "第2单" in rows and "第0单" in rows and "第3单" not in rows
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    older = client.get(more).get_data(as_text=True)  # without JS: a whole page of the older ones
    assert "<html" in older and "第0单" in older and "Back to the newest" in older


def test_ticket_page_or_only_its_timeline(client, me, unit):
    ticket = open_ticket(me, unit)
    full = client.get(f"/portal/tickets/{ticket.id}")
    fragment = client.get(f"/portal/tickets/{ticket.id}", headers=HX)
    assert "<html" in full.get_data(as_text=True) and 'id="comment-form"' in full.get_data(as_text=True)
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="ticket-live"' in text and 'id="comment-form"' not in text
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    restore = client.get(f"/portal/tickets/{ticket.id}", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_comment_with_htmx_returns_a_fresh_form_and_the_timeline_and_without_js_redirects(client, me, unit):
    ticket = open_ticket(me, unit)
    response = client.post(f"/portal/tickets/{ticket.id}/comments", data={"body": "师傅来之前请先打电话"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="comment-form"' in html and "师傅来之前请先打电话</textarea>" not in html  # the form is empty again
    assert 'id="ticket-live" class="ticket-live" hx-swap-oob="true"' in html and "师傅来之前请先打电话" in html
    assert "HX-Trigger" not in response.headers and "HX-Request" in response.headers["Vary"]

    plain = client.post(f"/portal/tickets/{ticket.id}/comments", data={"body": "谢谢"})
    assert plain.status_code == 303
    assert [e.body for e in db.session.get(Ticket, ticket.id).events if e.action == "comment"] == [
        "师傅来之前请先打电话",
        "谢谢",
    ]


def test_a_closed_request_takes_no_more_comments(client, me, unit):
    ticket = open_ticket(me, unit)
    steps.finish(claimed(ticket), ticket, summary="修好了")
    steps.rate(Actor.for_user(me.user, "127.0.0.1"), ticket, resident_id=me.id, rating=5)
    db.session.commit()
    assert 'id="comment-form"' not in client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    response = client.post(f"/portal/tickets/{ticket.id}/comments", data={"body": "又坏了"})
    assert response.status_code == 303
    assert "又坏了" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_list_page_sends_the_same_statements_for_3_or_30_requests(client, me, unit, count_queries):
    def statements():
        with count_queries() as counter:
            assert client.get("/portal/tickets").status_code == 200
        return counter.count

    for n in range(3):
        claimed(open_ticket(me, unit, description=f"单{n}"))
    small = statements()
    for n in range(27):
        claimed(open_ticket(me, unit, description=f"多{n}"))
    assert statements() == small
