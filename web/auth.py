"""Sign-in plumbing and role checks for the blueprints."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select

from domain.accounts.models import AccountKind, Actor, SignedInUser, User
from domain.accounts.roles import can
from domain.accounts.services import authenticate, change_own_password, get_user
from domain.errors import DomainError
from domain.queries import read
from extensions import db, login_manager
from web.forms import ChangePasswordForm, LoginForm, show_domain_error
from web.htmx import client_redirect


#: Built once: it runs on every signed-in request.
_LOAD_USER = select(
    User.id, User.username, User.display_name, User.kind, User.role, User.locale, User.session_version, User.is_active
).where(User.id == bindparam("id"))


@login_manager.user_loader
def load_user(session_key):
    """Load who is signed in; a stale session version (password or role changed) signs out."""
    try:
        user_id, version = (int(part) for part in session_key.split(":"))
    except ValueError:
        return None
    row = read(_LOAD_USER, {"id": user_id}).first()
    if row is None or not row.is_active or row.session_version != version:
        return None
    return SignedInUser(**row._mapping)


@login_manager.unauthorized_handler
def unauthorized():
    """Send a signed-out visitor to the login page of the area they tried to reach."""
    endpoint = "staff.login" if request.blueprint == "staff" else "portal.login"
    return client_redirect(url_for(endpoint, next=_page_to_return_to()))


def _page_to_return_to():
    """The page to come back to after signing in: the one shown (htmx), or a GET; never a POST."""
    current = request.headers.get("HX-Current-URL")
    if current:
        parts = urlsplit(current)
        return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    return safe_next(request.full_path) if request.method == "GET" else None


def safe_next(target):
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target.rstrip("?") or None


def current_actor():
    """The signed-in user as an Actor for the domain services, with the client address."""
    return Actor.for_user(current_user, request.remote_addr or "")


def require_area(kind):
    """A before_request check: signed in with an account of `kind`, else login or 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.kind != kind:
        abort(403)
    return None


def staff_permission(permission):
    """Decorate a staff view: only roles with `permission` may use it (others get 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not (current_user.is_authenticated and current_user.kind == AccountKind.STAFF):
                return login_manager.unauthorized()
            if not can(current_user.role, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def user_can(permission):
    """For templates: whether the signed-in staff member has `permission`."""
    return current_user.is_authenticated and current_user.kind == AccountKind.STAFF and can(current_user.role, permission)


def handle_login(kind, template, home_endpoint):
    """The shared sign-in view for the portal and the console.

    One message for every failure, so nobody can learn which usernames exist.
    """
    form = LoginForm(next=request.args.get("next", ""))
    if kind == AccountKind.STAFF:
        form.login.label.text = _("Username")  # staff have no phone sign-in
    if current_user.is_authenticated and current_user.kind == kind:
        return redirect(url_for(home_endpoint))
    if form.validate_on_submit():
        user = authenticate(form.login.data, form.password.data, kind)
        if user is not None:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for(home_endpoint), code=303)
        form.password.errors.append(_("Wrong username or password."))
    return render_template(template, form=form)


def handle_logout(login_endpoint):
    """Sign out and return to the login page."""
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for(login_endpoint), code=303)


def handle_change_password(template, done_endpoint):
    """The shared change-password view: other devices are signed out, this one stays in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = get_user(current_user.id)
            change_own_password(current_actor(), user, form.current_password.data, form.password.data)
            db.session.commit()
            login_user(user)  # this device stays signed in under the new session version
            flash(_("Your password was changed. Other devices have been signed out."), "success")
            return redirect(url_for(done_endpoint), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template(template, form=form)
