"""Accounts: authentication, staff management, passwords."""

import pytest
from sqlalchemy import select

from domain.accounts.models import AccountKind, Actor
from domain.accounts.roles import PERMISSIONS, Permission, Role, can
from domain.accounts.services import (
    authenticate,
    change_own_password,
    create_staff,
    reset_password,
    role_of,
    update_staff,
)
from domain.audit.models import AuditEntry
from domain.errors import Conflict, DomainError, NotAllowed
from domain.property.models import Property
from extensions import db
from tests import builders


def actor(user):
    return Actor.for_user(user, "127.0.0.1")


def pid():
    """The property the staff of these tests work in (the builders' first)."""
    return db.session.scalar(select(Property.id).order_by(Property.id))


def test_staff_sign_in_by_username_case_insensitively():
    user = builders.create_staff(Role.FRONTDESK, username="desk")
    assert authenticate("  DESK ", builders.PASSWORD, AccountKind.STAFF) == user


def test_wrong_password_unknown_user_and_wrong_area_all_fail_alike():
    staff = builders.create_staff(Role.FRONTDESK, username="desk")
    assert authenticate("desk", "wrong-password", AccountKind.STAFF) is None
    assert authenticate("nobody", builders.PASSWORD, AccountKind.STAFF) is None
    assert authenticate(staff.username, builders.PASSWORD, AccountKind.RESIDENT) is None


def test_resident_signs_in_with_phone_number(prop):
    resident = builders.create_resident(prop, phone="13912345678")
    assert authenticate("13912345678", builders.PASSWORD, AccountKind.RESIDENT) == resident.user


def test_a_phone_already_used_to_sign_in_is_not_taken_by_a_second_account(prop):
    first = builders.create_resident(prop, phone="13912345678")
    second = builders.create_resident(prop, phone="13912345678")
    # The first keeps signing in with the number; the second has their username (before: neither could use it).
    assert authenticate("13912345678", builders.PASSWORD, AccountKind.RESIDENT) == first.user
    assert second.user.login_phone is None
    assert authenticate(second.user.username, builders.PASSWORD, AccountKind.RESIDENT) == second.user


def test_disabled_account_cannot_sign_in():
    user = builders.create_staff(Role.FINANCE, username="fin")
    user.is_active = False
    db.session.commit()
    assert authenticate("fin", builders.PASSWORD, AccountKind.STAFF) is None


def test_only_the_manager_creates_staff_and_it_is_audited():
    manager = builders.create_staff(Role.MANAGER)
    desk = builders.create_staff(Role.FRONTDESK)
    with pytest.raises(NotAllowed):
        create_staff(
            actor(desk),
            username="new1",
            display_name="新人",
            role="cleaning",
            password="long-enough-1",
            property_id=pid(),
        )
    user = create_staff(
        actor(manager),
        username="New1",
        display_name="新人",
        role="cleaning",
        password="long-enough-1",
        property_id=pid(),
    )
    db.session.commit()
    assert user.username == "new1" and role_of(user.id, pid()) == Role.CLEANING
    entry = db.session.query(AuditEntry).filter_by(action="staff.create", object_id=user.id).one()
    assert entry.actor_id == manager.id and entry.source == "127.0.0.1"


def test_duplicate_and_malformed_usernames_are_refused():
    manager = builders.create_staff(Role.MANAGER, username="boss")
    with pytest.raises(Conflict) as taken:
        create_staff(
            actor(manager),
            username="boss",
            display_name="x",
            role="cleaning",
            password="long-enough-1",
            property_id=pid(),
        )
    assert taken.value.field == "username"
    with pytest.raises(DomainError):
        create_staff(
            actor(manager),
            username="a b",
            display_name="x",
            role="cleaning",
            password="long-enough-1",
            property_id=pid(),
        )


def test_weak_passwords_are_refused():
    manager = builders.create_staff(Role.MANAGER)
    for weak in ("short", "12345678901"):
        with pytest.raises(DomainError) as error:
            create_staff(
                actor(manager), username="abc", display_name="x", role="cleaning", password=weak, property_id=pid()
            )
        assert error.value.field == "password"


def test_last_active_manager_cannot_be_demoted_or_disabled():
    manager = builders.create_staff(Role.MANAGER)
    with pytest.raises(DomainError):
        update_staff(
            actor(manager), manager, display_name="x", role="frontdesk", email=None, is_active=True, property_id=pid()
        )
    with pytest.raises(DomainError):
        update_staff(
            actor(manager), manager, display_name="x", role="manager", email=None, is_active=False, property_id=pid()
        )


def test_role_change_signs_the_person_out_and_records_the_change(app):
    from domain.accounts.sessions import load_signed_in, start_sign_in

    manager = builders.create_staff(Role.MANAGER)
    desk = builders.create_staff(Role.FRONTDESK)
    with app.test_request_context():
        token = start_sign_in(desk, remember=False).token
        db.session.commit()
        assert load_signed_in(token) is not None
        update_staff(
            actor(manager),
            desk,
            display_name=desk.display_name,
            role="assistant",
            email=None,
            is_active=True,
            property_id=pid(),
        )
        db.session.commit()
        assert role_of(desk.id, pid()) == Role.ASSISTANT and load_signed_in(token) is None
    entry = db.session.query(AuditEntry).filter_by(action="staff.update").one()
    assert entry.changes["role"] == ["frontdesk", "assistant"]


def test_password_change_needs_the_current_password():
    user = builders.create_staff(Role.FRONTDESK)
    with pytest.raises(DomainError) as error:
        change_own_password(actor(user), user, "wrong", "new-password-1")
    assert error.value.field == "current_password"
    change_own_password(actor(user), user, builders.PASSWORD, "new-password-1")
    db.session.commit()
    assert authenticate(user.username, "new-password-1", AccountKind.STAFF) == user


def test_password_reset_by_manager_is_audited_without_the_password():
    manager = builders.create_staff(Role.MANAGER)
    desk = builders.create_staff(Role.FRONTDESK)
    reset_password(actor(manager), desk, "brand-new-pass")
    db.session.commit()
    entry = db.session.query(AuditEntry).filter_by(action="account.password_reset").one()
    assert "brand-new-pass" not in (entry.summary + str(entry.changes))


def test_every_permission_names_roles_and_cleaning_sees_no_residents():
    assert set(PERMISSIONS) == set(Permission)
    assert not can(Role.CLEANING, Permission.VIEW_RESIDENTS)
    assert not can(Role.ENGINEERING, Permission.VIEW_RESIDENTS)
    assert can(Role.MANAGER, Permission.VIEW_AUDIT) and not can(Role.ASSISTANT, Permission.VIEW_AUDIT)
    assert not can(None, Permission.VIEW_UNITS)


def test_only_the_system_actor_is_the_system():
    assert Actor.system("cli").is_system
    staff = builders.create_staff(Role.MANAGER)
    assert not Actor.for_user(staff, "test").is_system
    assert not Actor(None, "13800138000", None, "10.0.0.1", AccountKind.RESIDENT).is_system  # a failed resident sign-in
