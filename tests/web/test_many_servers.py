"""Two servers behind one address: what one of them did holds on the other, because everything shared lives in the
database (or Redis) and the file store, never in a process. Each test runs two instances of the application on the
same database and SECRET_KEY (`other_server`), as two gunicorn servers do."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.current_property import working_for
from domain.files import store
from domain.throttle.models import RateLimitCounter
from domain.throttle.rate_limits import DatabaseStorage, remove_expired
from domain.tickets import recording
from domain.tickets.models import TicketPhoto
from extensions import db, limiter
from tests import builders
from tests.conftest import IsolatedClient, SuiteConfig, redis_for_tests

WRONG = "wrong-one"


def wrong_sign_ins(client, count, *, login=None):
    """`count` wrong passwords at the console's login form (a new name each time unless `login` is given)."""
    return [
        client.post("/staff/login", data={"login": login or f"desk{i}", "password": WRONG}).status_code
        for i in range(count)
    ]


def renew_limiter_storage(app):
    """Give the one Limiter object of this process a new storage from `app`'s settings, as a process started now
    would have: whatever the old storage object kept in memory is gone, and only the shared store can answer."""
    limiter.init_app(app)


# Sign-in limits and lock-outs ------------------------------------------------------------------------------------


def test_a_sign_in_limit_hit_through_one_server_holds_on_the_other(app, client, other_server):
    builders.create_staff(Role.FRONTDESK, username="desk")
    assert wrong_sign_ins(client, 10) == [200] * 10
    renew_limiter_storage(other_server)
    assert isinstance(limiter.storage, DatabaseStorage)
    second = other_server.test_client()
    refused = second.post("/staff/login", data={"login": "desk", "password": builders.PASSWORD})
    assert refused.status_code == 429  # even the right password, through the other server
    assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) >= 1
    assert client.post("/staff/login", data={"login": "desk", "password": builders.PASSWORD}).status_code == 429


def test_the_two_servers_count_attempts_together(app, client, other_server):
    second = other_server.test_client()
    codes = []
    for i in range(11):  # alternating, as a load balancer sends them, each server with its own storage object
        renew_limiter_storage(app if i % 2 == 0 else other_server)
        codes.append(wrong_sign_ins(client if i % 2 == 0 else second, 1, login=f"n{i}")[0])
    assert codes == [200] * 10 + [429]


def test_an_account_locked_through_one_server_is_locked_on_the_other(app, client, other_server):
    builders.create_staff(Role.FRONTDESK, username="desk")
    for i in range(5):
        client.post(
            "/staff/login", data={"login": "desk", "password": WRONG}, environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}
        )
    right = {"login": "desk", "password": builders.PASSWORD}
    locked = other_server.test_client().post("/staff/login", data=right, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.get_data(as_text=True)


def test_an_ended_window_counts_afresh_and_its_row_is_cleaned_up(app, client, clock):
    storage = DatabaseStorage()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3] and storage.get("k") == 3
    later = clock.advance(seconds=61).timestamp()
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1  # a new window, not the fourth attempt
    assert storage.get_expiry("k") == pytest.approx(later + 60)
    storage.incr("old", 1)
    clock.advance(seconds=5)
    assert remove_expired() == 1
    assert db.session.scalars(select(RateLimitCounter.key)).all() == ["k"]
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


def test_concurrent_increments_are_not_lost(app):
    """Eight threads with a connection each (as eight workers) add 25 attempts each to one counter: exactly 200."""
    from concurrent.futures import ThreadPoolExecutor

    storage = DatabaseStorage()

    def attempts(_):
        with app.app_context():
            return [storage.incr("together", 60) for _ in range(25)]

    with ThreadPoolExecutor(8) as pool:
        seen = [n for batch in pool.map(attempts, range(8)) for n in batch]
    assert storage.get("together") == 200 and sorted(seen) == list(range(1, 201))  # every count handed out once


def test_a_sign_in_limit_hit_through_one_server_holds_on_the_other_with_redis(app):
    url = redis_for_tests()

    class WithRedis(SuiteConfig):
        REDIS_URL = url
        RATELIMIT_STORAGE_URI = url

    from app import create_app

    first, second = create_app(WithRedis), create_app(WithRedis)
    try:
        for server in (first, second):
            server.test_client_class = IsolatedClient
        limiter.storage.reset()
        builders.create_staff(Role.FRONTDESK, username="desk")
        assert wrong_sign_ins(first.test_client(), 10) == [200] * 10
        renew_limiter_storage(second)
        assert type(limiter.storage).__name__ == "RedisStorage"
        right = {"login": "desk", "password": builders.PASSWORD}
        assert second.test_client().post("/staff/login", data=right).status_code == 429
        assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) == 0  # all in Redis
    finally:
        limiter.storage.reset()
        for server in (first, second):
            with server.app_context():
                db.engine.dispose()
        limiter.init_app(app)


# Uploaded files ---------------------------------------------------------------------------------------------------


def _png():
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_photo_uploaded_through_one_server_is_served_by_the_other(app, file_store, other_server, prop):
    unit = builders.create_unit()
    owner = builders.create_resident(prop, unit=unit)
    resident = app.test_client()
    resident.post("/portal/login", data={"login": owner.user.username, "password": builders.PASSWORD})
    form = {
        "kind": "repair",
        "place": str(unit.id),
        "repair_category": "water",
        "description": "厨房水龙头一直滴水",
        "location": "",
        "preferred_time": "周六上午",
        "contact_phone": "13800000001",
        "photos": [(io.BytesIO(_png()), "tap.png", "image/png")],
    }
    response = resident.post("/portal/tickets/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    photo = db.session.scalars(select(TicketPhoto)).one()

    desk = other_server.test_client()
    manager = builders.create_staff(Role.MANAGER, prop=prop)
    assert desk.post("/staff/login", data={"login": manager.username, "password": builders.PASSWORD}).status_code == 303
    url = f"/staff/tickets/{photo.ticket_id}/photos/{photo.id}"
    with desk.get(url) as served:
        assert served.status_code == 200 and served.mimetype == "image/png" and served.data == _png()
        assert served.headers["Cache-Control"] == "private, no-store"
    with desk.get(url + "?preview=1") as preview:
        assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
        assert preview.headers["Content-Disposition"] == f"inline; filename={photo.stored_name}.preview.jpg"


def test_another_propertys_file_is_not_found(app, client, auth, prop, monkeypatch):
    """A record of one property naming a file another property stored (a forged or mistaken name) is 404."""
    monkeypatch.setitem(app.config, "FILE_STORE", "database")
    other = builders.create_property("别的小区")
    from werkzeug.datastructures import FileStorage

    with working_for(other.id):
        theirs, _type, _size = store.store_picture(FileStorage(io.BytesIO(_png()), "theirs.png"))
    with working_for(prop.id):
        ours, _type, _size = store.store_picture(FileStorage(io.BytesIO(_png()), "ours.png"))
    db.session.commit()
    unit = builders.create_unit()
    ticket = recording.create_ticket(
        Actor.system("test"), property_id=prop.id, kind="repair", channel="phone", description="漏水", unit_id=unit.id
    )
    photo = TicketPhoto(ticket_id=ticket.id, stored_name=theirs, content_type="image/png", size=1)
    own = TicketPhoto(ticket_id=ticket.id, stored_name=ours, content_type="image/png", size=1)
    db.session.add_all([photo, own])
    db.session.commit()
    auth.login_staff(builders.create_staff(Role.MANAGER, prop=prop))
    assert client.get(f"/staff/tickets/{ticket.id}/photos/{own.id}").status_code == 200  # the same page, its own file
    assert client.get(f"/staff/tickets/{ticket.id}/photos/{photo.id}").status_code == 404
    assert client.get(f"/staff/tickets/{ticket.id}/photos/{photo.id}?preview=1").status_code == 404
    with working_for(other.id):
        assert store.read_stored(theirs) == store.without_metadata(_png(), "PNG")  # its own property finds it


# Sessions ---------------------------------------------------------------------------------------------------------


def test_a_sign_in_made_on_one_server_holds_on_the_other_and_logout_on_either_ends_it(app, client, other_server):
    desk = builders.create_staff(Role.FRONTDESK, username="desk")
    assert client.post("/staff/login", data={"login": "desk", "password": builders.PASSWORD}).status_code == 303
    second = other_server.test_client()
    second.set_cookie("session", client.get_cookie("session").value)  # the load balancer sends it there
    assert second.get("/staff/").status_code == 200 and client.get("/staff/").status_code == 200
    assert second.post("/staff/logout").status_code == 303  # signed out through the other server
    assert client.get("/staff/").status_code in (302, 303)  # ... and so on this one
    assert second.get("/staff/").status_code in (302, 303)

    # And the other way round: signed in through the second, out through the first.
    assert second.post("/staff/login", data={"login": desk.username, "password": builders.PASSWORD}).status_code == 303
    client.set_cookie("session", second.get_cookie("session").value)
    assert client.get("/staff/").status_code == 200
    assert client.post("/staff/logout").status_code == 303
    assert second.get("/staff/").status_code in (302, 303)
