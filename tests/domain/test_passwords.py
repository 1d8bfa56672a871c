"""The password policy: long enough, not common, not personal; the same for residents and staff."""

import pytest

from domain.accounts.models import Actor
from domain.accounts.passwords import check_password_rules
from domain.accounts.roles import Role
from domain.errors import DomainError
from tests import builders


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "Password1!",
        "p@ssw0rd",
        "P@ssw0rd2024",
        "qwertyuiop",
        "1qaz2wsx",
        "Woaini1314",
        "woaini520!",
        "abcd1234",
        "a12345678",
        "qq123456",
        "iloveyou",
        "aaaaaaaa",
        "abababab",
        "asdfghjkl",
        "zxcvbnm,",
        "12345678abc",
        "demo1234",
        "Admin123!",
        "!@#$%^&*(",
        "welcome2026",
    ],
)
def test_common_and_breached_patterns_are_refused(password):
    with pytest.raises(DomainError) as error:
        check_password_rules(password)
    assert error.value.field == "password"


@pytest.mark.parametrize(
    "password",
    [
        "secret-pass-1",
        "晴天去海边散步吧",
        "tall-river-Gate-42",
        "long-enough-1",
        "fresh-pass-77",
        "brand-new-pass",
        builders.PASSWORD,
    ],
)
def test_long_uncommon_passwords_are_accepted(password):
    check_password_rules(password, username="wang.li", phone="13911112222")


@pytest.mark.parametrize(
    "password, message", [("short1", "至少需要 8"), ("123456789012", "全为数字"), ("x" * 129, "最多 128")]
)
def test_length_and_digits_only_rules(password, message):
    with pytest.raises(DomainError, match=message):
        check_password_rules(password)


@pytest.mark.parametrize("password", ["Wang.Li-2026", "my-wang.li!", "tel13911112222", "13911112222ab"])
def test_a_password_containing_the_username_or_phone_is_refused(password):
    with pytest.raises(DomainError, match="用户名或手机号"):
        check_password_rules(password, username="wang.li", phone="13911112222")


def test_staff_accounts_are_held_to_the_policy():
    from domain.accounts.services import create_staff, reset_password

    manager = builders.create_staff(Role.MANAGER)
    pid = manager.roles[0].property_id
    actor = Actor.for_user(manager, "127.0.0.1")
    with pytest.raises(DomainError, match="太常见"):
        create_staff(
            actor, username="xiaoli", display_name="小李", role="cleaning", password="Password123", property_id=pid
        )
    with pytest.raises(DomainError, match="用户名"):
        create_staff(
            actor, username="xiaoli", display_name="小李", role="cleaning", password="xiaoli-2026!", property_id=pid
        )
    with pytest.raises(DomainError, match="太常见"):
        reset_password(actor, manager, "demo1234")


def test_residents_are_held_to_the_policy(prop):
    from domain.accounts.services import change_own_password
    from domain.property import residents

    manager = builders.create_staff(Role.MANAGER)
    actor = Actor.for_user(manager, "127.0.0.1")
    resident = builders.create_resident(prop, account=False, phone="13955556666")
    with pytest.raises(DomainError, match="用户名或手机号"):
        residents.create_resident_account(actor, resident, username="zhang3", password="pw13955556666")
    owner = builders.create_resident(prop, phone="13977778888")
    with pytest.raises(DomainError, match="用户名或手机号"):
        change_own_password(Actor.for_user(owner.user, "127.0.0.1"), owner.user, builders.PASSWORD, "x13977778888")
    with pytest.raises(DomainError, match="太常见"):
        change_own_password(Actor.for_user(owner.user, "127.0.0.1"), owner.user, builders.PASSWORD, "iloveyou2")


def test_the_demo_password_works_in_the_demo_only(prop):
    """The demo loads with demo1234 (never in production: the CLI refuses), but no account can be given it."""
    from domain.accounts.models import AccountKind
    from domain.accounts.services import authenticate
    from domain.demo import DEMO_STAFF, ensure_staff

    with pytest.raises(DomainError):
        check_password_rules("demo1234")
    ensure_staff("demo1234", Actor.system(), prop)  # what `flask demo load` does for the staff
    assert authenticate(DEMO_STAFF[0][0], "demo1234", AccountKind.STAFF) is not None


def test_create_staff_command_refuses_a_common_password(runner, prop):
    result = runner.invoke(
        args=["create-staff", "boss", "--name", "王经理", "--role", "manager", "--password", "password123"]
    )
    assert result.exit_code != 0 and "太常见" in result.output
    ok = runner.invoke(
        args=["create-staff", "boss", "--name", "王经理", "--role", "manager", "--password", "violet-Harbour-57"]
    )
    assert ok.exit_code == 0, ok.output


def test_a_new_installation_starts_with_the_companys_administrator(runner):
    """No property yet: a property role cannot be given; the company's administrator can, who sets one up."""
    refused = runner.invoke(
        args=["create-staff", "boss", "--name", "王经理", "--role", "manager", "--password", "violet-Harbour-57"]
    )
    assert refused.exit_code != 0 and "--company-role admin" in refused.output
    ok = runner.invoke(
        args=[
            "create-staff",
            "admin",
            "--name",
            "公司管理员",
            "--company-role",
            "admin",
            "--password",
            "violet-Harbour-57",
        ]
    )
    assert ok.exit_code == 0, ok.output
    from domain.accounts.models import User
    from domain.accounts.roles import CompanyRole
    from extensions import db

    admin = db.session.query(User).filter_by(username="admin").one()
    assert admin.company_role == CompanyRole.ADMIN and admin.roles == []
