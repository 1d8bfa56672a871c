"""The manager's staff accounts, and announcements in the console."""

from datetime import timedelta

import pytest

from domain.accounts.models import User
from domain.accounts.roles import Role
from domain.accounts.services import role_of
from domain.announcements.models import Announcement
from extensions import db
from tests import builders


@pytest.fixture
def manager(client, auth):
    user = builders.create_staff(Role.MANAGER, username="boss")
    auth.login_staff(user)
    return user


def test_manager_creates_a_staff_account_that_can_sign_in(app, client, manager):
    response = client.post(
        "/staff/accounts/new",
        data={"username": "Xiao.Li", "display_name": "小李", "role": "engineering", "password": "eng-pass-123"},
    )
    assert response.status_code == 303
    other = app.test_client()
    assert other.post("/staff/login", data={"login": "xiao.li", "password": "eng-pass-123"}).status_code == 303
    assert "小李" in client.get("/staff/accounts/").get_data(as_text=True)


def test_new_account_form_bad_input(client, manager):
    html = client.post(
        "/staff/accounts/new",
        data={"username": "boss", "display_name": "重名", "role": "nope", "email": "x@", "password": "123"},
    ).get_data(as_text=True)
    assert html.count('class="error"') == 3  # role, e-mail, password (the taken username is checked once these pass)
    assert 'value="重名"' in html
    assert db.session.query(User).count() == 1


def test_taken_username_is_reported_on_its_field(client, manager):
    html = client.post(
        "/staff/accounts/new",
        data={"username": "boss", "display_name": "重名", "role": "frontdesk", "password": "long-enough-1"},
    ).get_data(as_text=True)
    assert html.count('class="error"') == 1 and "已被" in html
    assert db.session.query(User).count() == 1


def test_manager_changes_a_role_and_the_last_manager_is_protected(client, manager):
    desk = builders.create_staff(Role.FRONTDESK)
    response = client.post(
        f"/staff/accounts/{desk.id}/edit",
        data={"display_name": desk.display_name, "role": "assistant", "is_active": "y"},
    )
    assert response.status_code == 303 and role_of(desk.id) == Role.ASSISTANT
    html = client.post(
        f"/staff/accounts/{manager.id}/edit", data={"display_name": "x", "role": "frontdesk", "is_active": "y"}
    ).get_data(as_text=True)
    assert 'class="error"' in html and role_of(manager.id) == Role.MANAGER


def test_manager_resets_a_password(app, client, manager):
    desk = builders.create_staff(Role.FRONTDESK, username="desk")
    bad = client.post(f"/staff/accounts/{desk.id}/password", data={"password": "short"})
    assert bad.status_code == 200 and 'class="error"' in bad.get_data(as_text=True)
    assert client.post(f"/staff/accounts/{desk.id}/password", data={"password": "fresh-pass-77"}).status_code == 303
    assert (
        app.test_client().post("/staff/login", data={"login": "desk", "password": "fresh-pass-77"}).status_code == 303
    )


def test_residents_are_not_managed_as_staff(client, manager, prop):
    resident = builders.create_resident(prop)
    assert client.get(f"/staff/accounts/{resident.user_id}/edit").status_code == 404


def test_publish_edit_and_withdraw_an_announcement(app, client, clock, manager, prop):
    lobby = app.test_client()
    builders.create_kiosk(prop, client=lobby)
    start = clock.local().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=16)
    data = {
        "title": "消防演练",
        "body": "周五下午",
        "valid_from": f"{start:%Y-%m-%dT%H:%M}",
        "valid_until": f"{start + timedelta(days=61):%Y-%m-%dT%H:%M}",
    }
    assert client.post("/staff/announcements/new", data=data).status_code == 303
    item = db.session.query(Announcement).one()
    # Typed in property time (UTC+8), stored in UTC.
    assert item.valid_from.hour == 1
    assert "消防演练" in lobby.get("/kiosk/").get_data(as_text=True)
    # The edit form shows the times as they were typed, in property time.
    assert f'value="{start:%Y-%m-%dT%H:%M}"' in client.get(f"/staff/announcements/{item.id}/edit").get_data(
        as_text=True
    )
    assert (
        client.post(f"/staff/announcements/{item.id}/edit", data={**data, "title": "消防演练（改）"}).status_code == 303
    )
    assert client.post(f"/staff/announcements/{item.id}/withdraw").status_code == 303
    assert "消防演练" not in lobby.get("/kiosk/").get_data(as_text=True)
    assert client.post(f"/staff/announcements/{item.id}/withdraw").status_code == 409


def test_announcement_form_bad_input(client, manager, prop):
    data = {"title": "", "body": "正文保留", "valid_from": "2026-11-02T09:00", "valid_until": "2026-11-01T09:00"}
    html = client.post("/staff/announcements/new", data=data).get_data(as_text=True)
    assert html.count('class="error"') == 2 and "正文保留" in html
    assert db.session.query(Announcement).count() == 0


def test_a_common_password_or_one_with_the_username_is_refused_for_a_new_account(client, manager):
    for password in ("Password123", "xiaoli-2026!"):
        html = client.post(
            "/staff/accounts/new",
            data={"username": "xiaoli", "display_name": "小李", "role": "cleaning", "password": password},
        ).get_data(as_text=True)
        assert html.count('class="error"') == 1 and ("太常见" in html or "用户名" in html)
        assert 'value="xiaoli"' in html and 'value="小李"' in html and password not in html
    assert db.session.query(User).count() == 1


def test_the_manager_cannot_reset_a_password_to_a_common_one(app, client, manager):
    desk = builders.create_staff(Role.FRONTDESK, username="desk")
    html = client.post(f"/staff/accounts/{desk.id}/password", data={"password": "qwertyuiop"}).get_data(as_text=True)
    assert "太常见" in html
    assert (
        app.test_client().post("/staff/login", data={"login": "desk", "password": builders.PASSWORD}).status_code == 303
    )
