"""Accounts: signing in, staff management, passwords."""

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from domain.accounts.models import AccountKind, User
from domain.accounts.roles import Permission, Role, require
from domain.audit.services import diff, record
from domain.clock import utcnow
from domain.errors import Conflict, DomainError, NotFound
from extensions import db

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")
MIN_PASSWORD_LENGTH = 8

#: Hashes checked against when the user is unknown, so both failures take the same time.
_DUMMY_HASHES = {}


def hash_password(password):
    """Hash a password with the configured method."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password):
    """Raise DomainError (on the password field) if `password` is too weak."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("The password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), field="password")
    if password.isdigit():
        raise DomainError(_l("The password must not be digits only."), field="password")


def normalise_username(username):
    """Usernames are compared in lower case without surrounding spaces."""
    return (username or "").strip().lower()


def find_login(login, kind):
    """Find the active account of `kind` for a username, or (residents) a phone number."""
    from domain.property.models import Resident

    login = normalise_username(login)
    if not login:
        return None
    user = db.session.scalar(select(User).where(User.username == login, User.kind == kind))
    if user is None and kind == AccountKind.RESIDENT and login.isdigit():
        matches = db.session.scalars(
            select(User).join(Resident, Resident.user_id == User.id).where(Resident.phone == login).limit(2)
        ).all()
        # A phone shared by two accounts identifies nobody; they must use their username.
        user = matches[0] if len(matches) == 1 else None
    return user


def authenticate(login, password, kind):
    """Return the user if `login` and `password` match an active account of `kind`, else None.

    Callers show one message for every failure, so an unknown user and a wrong password look alike.
    """
    user = find_login(login, kind)
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        dummy = _DUMMY_HASHES.setdefault(method, generate_password_hash("not-a-password", method=method))
        check_password_hash(dummy, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def get_user(user_id):
    """Return a user by id or raise NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def list_staff():
    """All staff accounts, by role then name."""
    return db.session.scalars(select(User).where(User.kind == AccountKind.STAFF).order_by(User.role, User.username)).all()


def _check_username_free(username, exclude_id=None):
    """Raise on a malformed or taken username."""
    if not USERNAME_RE.match(username):
        raise DomainError(
            _l("3-32 characters: lower-case letters, digits, dot, dash or underscore."), field="username"
        )
    query = select(User.id).where(User.username == username)
    if exclude_id:
        query = query.where(User.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(_l("This username is taken."), field="username")


def create_staff(actor, *, username, display_name, role, password, email=None):
    """Create a staff account (manager only)."""
    require(actor, Permission.MANAGE_STAFF)
    username = normalise_username(username)
    _check_username_free(username)
    check_password_rules(password)
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=Role(role),
        kind=AccountKind.STAFF,
        email=email or None,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "staff.create", user, summary=f"{username} ({Role(role).value})")
    return user


def _active_managers(exclude_id):
    """How many other active manager accounts there are."""
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.kind == AccountKind.STAFF, User.role == Role.MANAGER, User.is_active.is_(True), User.id != exclude_id
        )
    )


def update_staff(actor, user, *, display_name, role, email, is_active):
    """Change a staff account's name, role, e-mail or active flag (manager only).

    The last active manager can be neither demoted nor deactivated, so the console is never orphaned.
    """
    require(actor, Permission.MANAGE_STAFF)
    if not user.is_staff:
        raise NotFound()
    role = Role(role)
    losing_manager = user.role == Role.MANAGER and (role != Role.MANAGER or not is_active)
    if losing_manager and _active_managers(user.id) == 0:
        raise DomainError(_l("At least one active manager account must remain."), field="role")
    changes = diff(user, {"display_name": display_name.strip(), "role": role, "email": email or None, "is_active": is_active})
    if "role" in changes or "is_active" in changes:
        user.session_version += 1  # sign the person out everywhere; their rights changed
    if changes:
        record(actor, "staff.update", user, summary=user.username, changes=changes)
    return user


def reset_password(actor, user, new_password):
    """Set a new password for a staff account (manager only); signs the person out everywhere."""
    require(actor, Permission.MANAGE_STAFF)
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    record(actor, "account.password_reset", user, summary=user.username)


def change_own_password(actor, user, current_password, new_password):
    """Change one's own password after checking the current one; other sessions end."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise DomainError(_l("The current password is wrong."), field="current_password")
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    record(actor, "account.password_change", user, summary=user.username)


def set_locale(user_id, locale):
    """Remember a user's language choice for their next sessions."""
    get_user(user_id).locale = locale
