"""Signing in and out, the console home and one's own password."""

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from domain.accounts.models import AccountKind
from domain.accounts.roles import Permission, can
from domain.clock import today, utcnow
from domain.dashboards.today import TARGET_PERCENT, today_blocks
from domain.property.buildings import property_id_or_none
from domain.property.search import register_counts
from extensions import limiter
from staff import bp
from staff.incidents.pages import kind_labels
from staff.patrols.today import slot_labels
from staff.tickets.forms import ticket_labels
from staff.tickets.pages import countdown
from web.auth import (
    current_actor,
    handle_change_password,
    handle_devices,
    handle_login,
    handle_logout,
    handle_revoke_device,
    handle_sign_out_everywhere,
)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Staff sign in with their username."""
    return handle_login(AccountKind.STAFF, "staff/account/login.html", "staff.home")


@bp.post("/logout")
def logout():
    """Sign out."""
    return handle_logout("staff.login")


@bp.get("/")
def home():
    """The role's today page: each block what to do now, linked to its list (domain/dashboards/today.py); an assistant's
    console opens on "my area"; a role without blocks sees the register's counts."""
    if can(current_user.role, Permission.OWN_AREA):
        return redirect(url_for("staff.my_area"))
    now = utcnow()
    property_id = property_id_or_none()  # None on a new installation before its property is set up: no blocks
    blocks = today_blocks(current_actor(), property_id, now) if property_id is not None else {}
    counts = register_counts(today()) if not blocks and can(current_user.role, Permission.VIEW_UNITS) else None
    return render_template(
        "staff/home/index.html",
        blocks=blocks,
        now=now,
        slot_labels=slot_labels() if "rounds" in blocks else {},
        incident_kinds=kind_labels() if "incidents" in blocks else {},
        counts=counts,
        target=TARGET_PERCENT,
        labels=ticket_labels(),
        countdown=countdown,
        can_forward="to_forward" in blocks,
    )


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """A staff member changes their own password."""
    return handle_change_password("staff/account/password.html", "staff.home")


@bp.get("/devices")
def list_devices():
    """A staff member's signed-in devices, each with its own sign-out."""
    return handle_devices("staff/account/devices.html")


@bp.post("/devices/<int:sign_in_id>/sign-out")
def sign_out_device(sign_in_id):
    """Sign one of one's devices out (another person's sign-in is 404)."""
    return handle_revoke_device(sign_in_id, "staff.list_devices", "staff.login")


@bp.post("/devices/sign-out-all")
def sign_out_everywhere():
    """Sign out on every device, this one included."""
    return handle_sign_out_everywhere("staff.login")
