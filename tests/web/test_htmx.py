"""Search-as-you-type fragments, Vary, and session expiry during an htmx request."""

import pytest

from domain.accounts.roles import Role
from tests import builders

HX = {"HX-Request": "true"}


@pytest.fixture
def desk(client, auth, prop):
    """Signed in as the manager, who may use every register page and the audit log."""
    auth.login_staff(builders.create_staff(Role.MANAGER))


@pytest.mark.parametrize("url", ["/staff/units/?q=12", "/staff/residents/?q=1", "/staff/audit"])
def test_htmx_gets_only_the_rows_and_a_normal_get_the_whole_page(client, desk, url):
    builders.create_unit(number="1201", floor=12)
    full = client.get(url)
    fragment = client.get(url, headers=HX)
    assert "<html" in full.get_data(as_text=True)
    rows = fragment.get_data(as_text=True)
    assert "<html" not in rows
    assert "<table" in rows or 'class="empty"' in rows
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_history_restore_gets_the_whole_page(client, desk):
    response = client.get("/staff/units/", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_unit_search_fragment_finds_by_label(client, desk):
    builders.create_unit(number="1203", floor=12)
    builders.create_unit(number="0501", floor=5)
    html = client.get("/staff/units/?q=1-1203", headers=HX).get_data(as_text=True)
    assert "1203" in html and "0501" not in html


def test_expired_session_during_htmx_redirects_the_whole_page(client):
    response = client.get("/staff/units/?q=1", headers={**HX, "HX-Current-URL": "http://127.0.0.1/staff/units/?q=1"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/staff/login?next=/staff/units/?q%3D1"
    assert response.get_data(as_text=True) == ""


def test_htmx_error_comes_back_as_a_message_fragment(client, auth):
    auth.login_staff(builders.create_staff(Role.CLEANING))
    response = client.get("/staff/units/?q=1", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "<html" not in html and 'class="alert alert-error"' in html


def test_the_toast_carries_its_fallback_messages_in_the_users_language(client):
    html = client.get("/portal/login").get_data(as_text=True)
    assert 'data-offline="无法连接服务器，请检查网络后重试。"' in html
    assert 'data-failed="The request failed. Please try again."' in client.get("/portal/login?lang=en").get_data(
        as_text=True
    )
