"""Signing in and out, contact details and password for residents."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.accounts.models import AccountKind
from domain.errors import DomainError
from domain.property.residents import resident_for_user, update_own_contact
from extensions import db, limiter
from portal import bp
from portal.forms import ContactForm
from web.auth import (
    current_actor,
    handle_change_password,
    handle_devices,
    handle_login,
    handle_logout,
    handle_revoke_device,
    handle_sign_out_everywhere,
)
from web.refusals import show_domain_error


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Residents sign in with their username or phone number."""
    return handle_login(AccountKind.RESIDENT, "portal/account/login.html", "portal.home")


@bp.post("/logout")
def logout():
    """Sign out."""
    return handle_logout("portal.login")


@bp.route("/profile", methods=["GET", "POST"])
def edit_profile():
    """A resident edits their phone number and e-mail address."""
    resident = resident_for_user(current_user)
    form = ContactForm(obj=resident)
    if form.validate_on_submit():
        try:
            update_own_contact(current_actor(), current_user, phone=form.phone.normalised, email=form.email.data)
            db.session.commit()
            flash(_("Your contact details were saved."), "success")
            return redirect(url_for("portal.edit_profile"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("portal/account/profile.html", form=form, resident=resident)


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """A resident changes their password."""
    return handle_change_password("portal/account/password.html", "portal.home")


@bp.get("/devices")
def list_devices():
    """A resident's signed-in devices, each with its own sign-out."""
    return handle_devices("portal/account/devices.html")


@bp.post("/devices/<int:sign_in_id>/sign-out")
def sign_out_device(sign_in_id):
    """Sign one of one's devices out (another person's sign-in is 404)."""
    return handle_revoke_device(sign_in_id, "portal.list_devices", "portal.login")


@bp.post("/devices/sign-out-all")
def sign_out_everywhere():
    """Sign out on every device, this one included."""
    return handle_sign_out_everywhere("portal.login")
