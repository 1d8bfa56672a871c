"""Sign-in plumbing and role checks for the blueprints."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from domain.accounts.models import AccountKind, Actor
from domain.accounts.roles import can
from domain.accounts.services import SignInLocked, WrongCurrentPassword, authenticate, change_own_password, get_user
from domain.accounts.sessions import (
    Lapsed,
    describe_device,
    end_sign_in,
    lifetimes,
    load_signed_in,
    open_sign_ins,
    revoke_all,
    revoke_device,
    start_sign_in,
)
from domain.errors import DomainError
from domain.property.scope import property_choices, set_current_property
from domain.throttle.services import Throttled
from extensions import db, login_manager
from web.forms import ChangePasswordForm, LoginForm
from web.htmx import client_redirect
from web.refusals import refusal_message, show_domain_error


@login_manager.user_loader
def load_user(token):
    """Load who is signed in from the token in the session or remember cookie (see domain.accounts.sessions).

    A revoked, unknown or disabled sign-in is anonymous; one that timed out is too, and the login page says so.
    """
    found = load_signed_in(token)
    if isinstance(found, Lapsed):
        g.sign_in_lapsed = found.reason
        return None
    if found is not None:
        set_current_property(found.property_id, found.property_time_zone)  # from here on, statements keep to it
    return found


@login_manager.unauthorized_handler
def unauthorized():
    """Send a signed-out visitor to the login page of the area they tried to reach."""
    endpoint = "staff.login" if request.blueprint in ("staff", "company") else "portal.login"
    if g.get("sign_in_lapsed"):
        flash(
            _(
                "You were signed out after a period of inactivity, or because the sign-in was too old. "
                "Please sign in again."
            ),
            "info",
        )
    return client_redirect(url_for(endpoint, next=_page_to_return_to()))


def _page_to_return_to():
    """The page to come back to after signing in: the one shown (htmx), or a GET; never a POST."""
    current = request.headers.get("HX-Current-URL")
    if current:
        parts = urlsplit(current)
        return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    return safe_next(request.full_path) if request.method == "GET" else None


def safe_next(target):
    """Return `target` if it is a path on this site, else None (no open redirects).

    Control characters and whitespace are refused outright: browsers drop tabs and newlines from a URL ("/<tab>/x"
    becomes "//x", another site), and a newline in a Location header is an error, not a redirect.
    """
    if not target or len(target) > 2000 or any(ord(c) < 33 or 127 <= ord(c) < 160 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target.rstrip("?") or None


def client_address():
    """The client's address: the peer's, or the one the configured TRUSTED_PROXIES report (ProxyFix, app.py)."""
    return request.remote_addr or ""


def current_actor():
    """The signed-in user as an Actor for the domain services, with the client address."""
    return Actor.for_user(current_user, client_address())


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

        return wrapped

    return decorator


def user_can(permission):
    """For templates: whether the signed-in staff member has `permission`."""
    return (
        current_user.is_authenticated and current_user.kind == AccountKind.STAFF and can(current_user.role, permission)
    )


def handle_login(kind, template, home_endpoint):
    """The shared sign-in view for the portal and the console.

    One message for every failure, so nobody can learn which usernames exist. A new sign-in gets a fresh session
    (nothing from before it is kept but the language) and its own server-side record.
    """
    form = LoginForm(next=request.args.get("next", ""))
    if kind == AccountKind.STAFF:
        form.login.label.text = _("Username")  # staff have no phone sign-in
    if current_user.is_authenticated and current_user.kind == kind:
        return redirect(url_for(home_endpoint))
    if form.validate_on_submit():
        source = client_address()
        try:
            user = authenticate(form.login.data, form.password.data, kind, source=source)
        except SignInLocked as error:
            form.password.errors.append(refusal_message(error))
            return render_template(template, form=form), 429
        if user is not None:
            sign_in(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for(home_endpoint), code=303)
        db.session.commit()  # the failed attempt is counted and audited
        form.password.errors.append(_("Wrong username or password."))
    return render_template(template, form=form)


def sign_in(user, *, remember=False):
    """Sign `user` in on this browser: a server-side sign-in record (audited), committed, then a fresh session (nothing
    from before it is kept but the language) and the cookies. Every way of signing in goes through here."""
    source = client_address()
    choices = property_choices(user.id, user.kind)
    signed_in = start_sign_in(
        user,
        remember=remember,
        user_agent=request.user_agent.string,
        address=source,
        actor=Actor.for_user(user, source),
        property_id=choices[0] if len(choices) == 1 else None,  # with several, the person chooses
    )
    db.session.commit()
    lang = session.get("lang")
    session.clear()  # no session fixation: nothing set before signing in survives it
    if lang:
        session["lang"] = lang
    if len(choices) > 1:
        session["several_properties"] = True  # the header offers the switch
    # The remember cookie lasts as long as the sign-in may; the server refuses it sooner if it is revoked.
    login_user(signed_in, remember=remember, duration=lifetimes(user.kind, remember)[1])


def _sign_out(message):
    """End the browser's session and cookies (the caller has revoked the sign-in on the server)."""
    lang = session.get("lang")
    session.clear()
    logout_user()  # also deletes the remember cookie
    if lang:
        session["lang"] = lang
    flash(message, "info")


def handle_logout(login_endpoint):
    """Sign out: the sign-in is revoked on the server, so its cookies, wherever copied, are refused from now on."""
    if current_user.is_authenticated:
        end_sign_in(current_actor(), current_user.sign_in_id)
        db.session.commit()
    _sign_out(_("You have signed out."))
    return redirect(url_for(login_endpoint), code=303)


def handle_change_password(template, done_endpoint):
    """The shared change-password view: other devices are signed out, this one stays in."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = get_user(current_user.id)
            change_own_password(
                current_actor(),
                user,
                form.current_password.data,
                form.password.data,
                keep_sign_in=current_user.sign_in_id,
            )
            db.session.commit()
            flash(_("Your password was changed. Other devices have been signed out."), "success")
            return redirect(url_for(done_endpoint), code=303)
        except WrongCurrentPassword as error:
            db.session.commit()  # the wrong guess counts towards the lock-out
            show_domain_error(form, error)
        except Throttled:
            # In this page's own words: the throttle's message speaks of codes.
            wait = _("Too many wrong passwords. Wait five minutes and try again.")
            show_domain_error(form, Throttled(wait, field="current_password"))
            status = 429
        except DomainError as error:
            show_domain_error(form, error)
    return render_template(template, form=form), status


def handle_devices(template):
    """The shared "signed-in devices" page: where this account is signed in, each with its own sign-out."""
    sign_ins = open_sign_ins(current_user.id)
    devices = [(row, describe_device(row.user_agent), row.id == current_user.sign_in_id) for row in sign_ins]
    return render_template(template, devices=devices)


def handle_revoke_device(sign_in_id, devices_endpoint, login_endpoint):
    """Sign one device out; one's own current device means signing out here."""
    revoke_device(current_actor(), sign_in_id)
    db.session.commit()
    if sign_in_id == current_user.sign_in_id:
        _sign_out(_("You have signed out."))
        return client_redirect(url_for(login_endpoint))
    flash(_("That device has been signed out."), "success")
    return client_redirect(url_for(devices_endpoint))


def handle_sign_out_everywhere(login_endpoint):
    """Sign out every device of this account, this one included."""
    revoke_all(current_actor(), current_user.id)
    db.session.commit()
    _sign_out(_("You have been signed out on every device."))
    return client_redirect(url_for(login_endpoint))
