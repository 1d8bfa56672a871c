"""The property's own settings page: the manager edits the current property; bad input saves nothing."""

import pytest
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.property.models import Property
from extensions import db
from tests import builders

URL = "/staff/property/settings"

GOOD = {
    "name": "亿丰时代广场",
    "address": "沈阳市浑南区1号",
    "service_phone": "024-8888 0000",
    "desk_hours": "8:00-20:00",
    "time_zone": "Asia/Shanghai",
    "receipt_prefix": "yf",
    "stripe_account": "acct_1AbCdEfGh",
    "statement_descriptor": "YIFENG PLAZA",
}


@pytest.fixture
def manager(client, auth, prop):
    """The property's manager, signed in."""
    user = builders.create_staff(Role.MANAGER, prop=prop)
    auth.login_staff(user)
    return user


def test_manager_saves_the_current_propertys_settings_and_the_change_is_audited(client, manager, prop):
    other = builders.create_property("另一个小区")
    response = client.post(URL, data=GOOD)
    assert response.status_code == 303
    saved = db.session.get(Property, prop.id)
    db.session.refresh(saved)
    assert (saved.receipt_prefix, saved.stripe_account, saved.statement_descriptor) == (
        "YF",
        "acct_1AbCdEfGh",
        "YIFENG PLAZA",
    )
    assert saved.name == "亿丰时代广场"
    assert db.session.get(Property, other.id).receipt_prefix == ""  # only the current property
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "property.settings")).one()
    assert entry.changes["receipt_prefix"] == ["", "YF"] and entry.property_id == prop.id


def test_the_page_shows_the_settings_with_the_form(client, manager, prop):
    response = client.get(URL)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert prop.name in page and 'name="receipt_prefix"' in page and "Asia/Shanghai" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Asia/Beijing"),
        ("time_zone", "../../etc/passwd"),
        ("receipt_prefix", "YF_2026"),
        ("receipt_prefix", "ABCDEFGHIJKLM"),
        ("stripe_account", "acct_"),
        ("stripe_account", "cus_123"),
        ("stripe_account", "acct_12 34"),
        ("statement_descriptor", "YF"),
        ("statement_descriptor", "12345678"),
        ("statement_descriptor", "YIFENG <PLAZA>"),
        ("statement_descriptor", "YIFENG*PLAZA"),
        ("statement_descriptor", "亿丰时代广场物业"),
        ("statement_descriptor", "A VERY LONG DESCRIPTOR X"),
        ("name", ""),
    ],
)
def test_bad_input_saves_nothing_and_keeps_what_was_typed(client, manager, prop, field, value):
    before = db.session.get(Property, prop.id)
    old = (before.name, before.receipt_prefix, before.time_zone, before.stripe_account, before.statement_descriptor)
    response = client.post(URL, data={**GOOD, field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in page
    assert "沈阳市浑南区1号" in page and "YIFENG PLAZA" in page or field == "statement_descriptor"  # the rest is kept
    if value:
        assert f'value="{value}"'.replace("<", "&lt;").replace(">", "&gt;") in page
    db.session.expire_all()
    after = db.session.get(Property, prop.id)
    assert (after.name, after.receipt_prefix, after.time_zone, after.stripe_account, after.statement_descriptor) == old
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "property.settings")) is None


@pytest.mark.parametrize("role", [r for r in Role if r != Role.MANAGER])
def test_other_roles_are_refused(client, auth, prop, role):
    auth.login_staff(builders.create_staff(role, prop=prop))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=GOOD).status_code == 403
    assert db.session.get(Property, prop.id).receipt_prefix == ""


def test_a_manager_of_another_property_edits_only_their_own(client, auth, prop):
    other = builders.create_property("另一个小区")
    auth.login_staff(builders.create_staff(Role.MANAGER, prop=other))
    assert client.post(URL, data=GOOD).status_code == 303
    db.session.expire_all()
    assert db.session.get(Property, prop.id).receipt_prefix == ""
    assert db.session.get(Property, other.id).receipt_prefix == "YF"


def test_residents_are_refused(client, auth, prop):
    unit = builders.create_unit()
    auth.login_resident(builders.create_resident(prop, unit=unit).user)
    assert client.get(URL).status_code == 403


def test_the_page_costs_no_more_statements_than_the_kiosks_page(client, manager, count_queries):
    client.get(URL)  # warm: the menu and the templates
    client.get("/staff/kiosks/")
    with count_queries() as settings_page:
        client.get(URL)
    with count_queries() as kiosks_page:
        client.get("/staff/kiosks/")
    assert settings_page.count <= kiosks_page.count
