"""Accounts: signing in, staff management, passwords."""

import hashlib
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from domain.accounts.models import AccountKind, Actor, StaffRole, User

# hash_password and check_password_rules are imported from here by the register and the demo, as before.
from domain.accounts.passwords import check_password, check_password_rules, hash_password  # noqa: F401
from domain.accounts.roles import CompanyRole, Permission, Role, require
from domain.accounts.sessions import revoke_all
from domain.audit.services import diff, record
from domain.clock import utcnow
from domain.errors import Conflict, DomainError, NotFound
from domain.throttle import services as throttle
from extensions import db

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")

#: Throttle scopes (domain/throttle): wrong passwords per typed sign-in name, and per account when changing one's
#: own password. Counted in the database, so every worker sees them; the per-address limit is Flask-Limiter's.
SIGN_IN_SCOPE = "sign_in"
PASSWORD_SCOPE = "password"


class SignInLocked(throttle.Throttled):
    """Too many wrong passwords for one sign-in name: it is locked for a few minutes, known or not."""

    default_message = _l("Too many failed sign-ins for this account. Wait five minutes and try again.")


class WrongCurrentPassword(DomainError):
    """The current password given to change it is wrong; the attempt was counted (commit it)."""

    default_message = _l("The current password is wrong.")


def normalise_username(username):
    """Usernames are compared in lower case without surrounding spaces."""
    return (username or "").strip().lower()


def _sign_in_place(login, kind):
    """Where wrong passwords are counted: the typed name, hashed (a password typed as a name is never stored)."""
    return "login:" + hashlib.sha256(f"{kind.value}:{login}".encode()).hexdigest()[:40]


def find_login(login, kind):
    """Find the account of `kind` for a username, or (residents) a login phone number; active or not."""
    login = normalise_username(login)
    if not login:
        return None
    # One statement whichever matches (or none): the time taken tells nothing. A username wins over a phone.
    match = User.username == login
    if kind == AccountKind.RESIDENT and login.isdigit():
        match = or_(match, User.login_phone == login)
    users = db.session.scalars(select(User).where(match, User.kind == kind).limit(2)).all()
    return next((u for u in users if u.username == login), users[0] if users else None)


def authenticate(login, password, kind, *, source=""):
    """Return the user if `login` and `password` match an active account of `kind`, else None; audited.

    Callers show one message for every failure, so an unknown user and a wrong password look alike, and take
    alike: one password hash either way. After throttle.MAX_FAILURES wrong passwords for one name within the
    throttle's window the name is locked (SignInLocked) for its lockout, whether the account exists or not.
    The caller commits, failures included.
    """
    login = normalise_username(login)
    place = _sign_in_place(login, kind)
    now = utcnow()
    try:
        throttle.check_not_locked(SIGN_IN_SCOPE, place, now)
    except throttle.Throttled:
        raise SignInLocked() from None
    user = find_login(login, kind)
    if check_password(user.password_hash if user else None, password) and user.is_active:
        return user
    actor = Actor(None, user.username if user else "?", None, source, kind)
    record(
        actor,
        "account.sign_in_failed",
        user,
        object_type="users",
        summary=(user.username if user else "unknown account")
        + ("" if user is None or user.is_active else " (disabled)"),
    )
    if throttle.count_failure(actor, SIGN_IN_SCOPE, place, now=now, alarm=False) == throttle.MAX_FAILURES:
        record(
            actor, "account.lockout", user, object_type="users", summary=user.username if user else "unknown account"
        )
    return None


def get_user(user_id):
    """Return a user by id or raise NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def staff_roles(roles=None, *, property_id=None, active=True):
    """A select of (User.id, User.display_name, StaffRole.role) of the staff holding one of `roles` (any role when
    None) in a property: `property_id`, else the request's (domain.property.scope keeps every statement to it).
    Only active accounts unless active=False. The one home of "who holds which role": add columns or an order."""
    statement = select(User.id, User.display_name, StaffRole.role).join(StaffRole, StaffRole.user_id == User.id)
    if roles is not None:
        statement = statement.where(StaffRole.role.in_([Role(role) for role in roles]))
    if property_id is not None:
        statement = statement.where(StaffRole.property_id == property_id)
    if active:
        statement = statement.where(User.is_active.is_(True))
    return statement


def list_staff():
    """The staff accounts of the property with their role there, by role then name: [(User, Role)]."""
    statement = staff_roles(active=False).with_only_columns(User, StaffRole.role)
    return db.session.execute(statement.order_by(StaffRole.role, User.username)).all()


def active_staff():
    """[(user id, name)] of the active staff of the property, by name: whom a form may name (one statement)."""
    statement = staff_roles().with_only_columns(User.id, User.display_name)
    return db.session.execute(statement.order_by(User.display_name, User.id)).all()


def active_staff_member(user_id, *, field, message=None):
    """The active staff account `user_id`; a DomainError on `field` for anyone else (a resident's account, a disabled
    or an unknown one, or someone without a role in the property), saying `message` or "Choose a staff member from
    the list."."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.kind != AccountKind.STAFF or not user.is_active or role_of(user.id) is None:
        raise DomainError(message or _l("Choose a staff member from the list."), field=field)
    return user


def _check_username_free(username, exclude_id=None):
    """Raise on a malformed or taken username."""
    if not USERNAME_RE.match(username):
        raise DomainError(_l("3-32 characters: lower-case letters, digits, dot, dash or underscore."), field="username")
    query = select(User.id).where(User.username == username)
    if exclude_id:
        query = query.where(User.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(_l("This username is taken."), field="username")


def role_of(user_id, property_id=None):
    """The Role `user_id` holds in `property_id` (else the request's property), or None."""
    statement = select(StaffRole.role).where(StaffRole.user_id == user_id)
    if property_id is not None:
        statement = statement.where(StaffRole.property_id == property_id)
    return db.session.scalar(statement.limit(1))


def create_staff(actor, *, username, display_name, role, password, property_id, email=None):
    """Create a staff account with `role` in `property_id` (manager only)."""
    require(actor, Permission.MANAGE_STAFF)
    return add_staff_account(
        actor,
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        property_id=property_id,
        email=email,
    )


def add_staff_account(actor, *, username, display_name, role, password, property_id, email=None, company_role=None):
    """Create a staff account with `role` in `property_id` (and/or a `company_role` above the properties) under the
    username and password rules, audited; the caller has checked that `actor` may (a property's manager, the
    company's administrator setting up a new property, the command line)."""
    if role is None and company_role is None:
        raise DomainError(_l("Give the person a role in a property or at the company."), field="role")
    username = normalise_username(username)
    _check_username_free(username)
    check_password_rules(password, username=username)
    user = User(
        username=username,
        display_name=display_name.strip(),
        kind=AccountKind.STAFF,
        email=email or None,
        password_hash=hash_password(password),
        company_role=CompanyRole(company_role) if company_role else None,
    )
    if role is not None:
        user.roles.append(StaffRole(property_id=property_id, role=Role(role)))
    db.session.add(user)
    db.session.flush()
    held = ", ".join(str(r.value) for r in (Role(role) if role else None, user.company_role) if r is not None)
    record(actor, "staff.create", user, summary=f"{username} ({held})")
    return user


def _active_managers(exclude_id, property_id):
    """How many other active managers the property has."""
    statement = staff_roles([Role.MANAGER], property_id=property_id).where(User.id != exclude_id)
    return db.session.scalar(statement.with_only_columns(func.count(User.id)))


def update_staff(actor, user, *, display_name, role, email, is_active, property_id):
    """Change a staff account's name, role in `property_id`, e-mail or active flag (manager only).

    The property's last active manager can be neither demoted nor deactivated, so its console is never orphaned.
    """
    require(actor, Permission.MANAGE_STAFF)
    held = db.session.scalar(
        select(StaffRole).where(StaffRole.user_id == user.id, StaffRole.property_id == property_id)
    )
    if not user.is_staff or held is None:
        raise NotFound()
    role = Role(role)
    losing_manager = held.role == Role.MANAGER and (role != Role.MANAGER or not is_active)
    if losing_manager and _active_managers(user.id, property_id) == 0:
        raise DomainError(_l("At least one active manager account must remain."), field="role")
    changes = diff(held, {"role": role})
    changes |= diff(user, {"display_name": display_name.strip(), "email": email or None, "is_active": is_active})
    if "role" in changes or "is_active" in changes:
        revoke_all(actor, user.id, action=None)  # sign the person out everywhere; their rights changed
    if changes:
        record(actor, "staff.update", user, summary=user.username, changes=changes)
    return user


def grant_role(actor, *, username, role, property_id):
    """Give an existing staff account of the company `role` in `property_id` as well (a technician serving two
    neighbouring properties, an area manager of several); manager only. Returns the account."""
    require(actor, Permission.MANAGE_STAFF)
    user = db.session.scalar(
        select(User).where(User.username == normalise_username(username), User.kind == AccountKind.STAFF)
    )
    if user is None:
        raise DomainError(_l("No staff account has this username."), field="username")
    if role_of(user.id, property_id) is not None:
        raise Conflict(_l("This person already holds a role in this property."), field="username")
    db.session.add(StaffRole(property_id=property_id, user_id=user.id, role=Role(role)))
    db.session.flush()
    record(actor, "staff.grant_role", user, summary=f"{user.username} ({Role(role).value})")
    return user


def remove_role(actor, user, property_id):
    """Take `user`'s role in `property_id` away while they keep their roles elsewhere (someone with no other role is
    deactivated instead, so nobody is left with an account that opens nothing); manager only. The property's last
    active manager stays. The person is signed out everywhere: their rights changed."""
    require(actor, Permission.MANAGE_STAFF)
    held = db.session.scalar(
        select(StaffRole).where(StaffRole.user_id == user.id, StaffRole.property_id == property_id)
    )
    if held is None:
        raise NotFound()
    others = db.session.scalar(
        select(func.count(StaffRole.id))
        .where(StaffRole.user_id == user.id, StaffRole.property_id != property_id)
        .execution_options(all_properties=True)
    )
    if not others:
        raise DomainError(_l("This is the person's only property: deactivate the account instead."))
    if held.role == Role.MANAGER and _active_managers(user.id, property_id) == 0:
        raise DomainError(_l("At least one active manager account must remain."))
    db.session.delete(held)
    revoke_all(actor, user.id, action=None)
    record(actor, "staff.remove_role", user, summary=f"{user.username} ({held.role.value})")


def reset_password(actor, user, new_password):
    """Set a new password for a staff account (manager only); signs the person out everywhere."""
    require(actor, Permission.MANAGE_STAFF)
    check_password_rules(new_password, username=user.username)
    user.password_hash = hash_password(new_password)
    revoke_all(actor, user.id, action=None)
    record(actor, "account.password_reset", user, summary=user.username)


def change_own_password(actor, user, current_password, new_password, *, phone=None, keep_sign_in=None):
    """Change one's own password after checking the current one; every other sign-in ends.

    Wrong current passwords are throttled per account like sign-ins: WrongCurrentPassword (commit it, the attempt
    counts), then throttle.Throttled while locked. `phone` is the resident's, which the password must not contain.
    """
    place = f"user:{user.id}"
    throttle.check_not_locked(PASSWORD_SCOPE, place)
    if not check_password(user.password_hash, current_password):
        if throttle.count_failure(actor, PASSWORD_SCOPE, place, alarm=False) == throttle.MAX_FAILURES:
            record(actor, "account.lockout", user, summary=f"{user.username} (password change)")
        raise WrongCurrentPassword(field="current_password")
    check_password_rules(new_password, username=user.username, phone=phone or user.login_phone)
    user.password_hash = hash_password(new_password)
    revoke_all(actor, user.id, keep=keep_sign_in, action=None)
    record(actor, "account.password_change", user, summary=user.username)


def login_phone_taken(phone, user_id=None):
    """Whether another account than `user_id` signs in with `phone`."""
    query = select(User.id).where(User.login_phone == phone)
    if user_id is not None:
        query = query.where(User.id != user_id)
    return phone is not None and db.session.scalar(query) is not None


def assign_login_phone(user, phone):
    """Let a new resident account sign in with `phone` unless another account does; returns whether it may.

    (An account whose phone another account already signs in with keeps its username only: the other's
    sign-in is never switched off.)
    """
    if phone and not login_phone_taken(phone, user.id):
        user.login_phone = phone
        return True
    return False


def move_login_phone(user, phone):
    """A resident account's phone changes: it signs in with the new number from now on.

    Raises Conflict (on the phone field) when another account signs in with that number, instead of taking it
    from them or silently leaving both unable to use it.
    """
    if user is None or user.login_phone == phone:
        return
    if login_phone_taken(phone, user.id):
        raise Conflict(
            _l(
                "Another resident already signs in with this mobile number. "
                "Please check the number, or ask the service desk."
            ),
            field="phone",
        )
    user.login_phone = phone or None


def set_locale(user_id, locale):
    """Remember a user's language choice for their next sessions."""
    get_user(user_id).locale = locale


def staff_member(user_id):
    """The staff account `user_id` if it holds a role in the current property, else None (users belong to no
    property, so a lookup by id alone would find another property's staff; the join lets the fence see the role)."""
    return db.session.scalar(
        select(User)
        .join(StaffRole, StaffRole.user_id == User.id)
        .where(User.id == user_id, User.kind == AccountKind.STAFF)
        .limit(1)
    )
