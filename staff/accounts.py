"""The manager's staff accounts and roles."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.accounts.services import (
    create_staff,
    get_user,
    grant_role,
    list_staff,
    remove_role,
    reset_password,
    role_of,
    update_staff,
)
from domain.errors import DomainError, NotFound
from domain.property.buildings import get_property_id
from domain.property.companies import roles_by_property
from extensions import db
from staff import bp
from staff.forms import GrantRoleForm, ResetPasswordForm, StaffAccountEditForm, StaffAccountForm
from web.auth import current_actor, staff_permission
from web.refusals import flash_refusal, show_domain_error


@bp.get("/accounts/")
@staff_permission(Permission.MANAGE_STAFF)
def list_accounts():
    """Every staff account with its role."""
    return render_template("staff/accounts/index.html", users=list_staff())


@bp.route("/accounts/new", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_STAFF)
def create_account():
    """Create a staff account."""
    form = StaffAccountForm()
    if form.validate_on_submit():
        try:
            user = create_staff(
                current_actor(),
                username=form.username.data,
                display_name=form.display_name.data,
                role=form.role.data,
                password=form.password.data,
                email=form.email.data,
                property_id=get_property_id(),
            )
            db.session.commit()
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("staff.list_accounts"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/accounts/new.html", form=form)


@bp.route("/accounts/add", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_STAFF)
def grant_account_role():
    """Give a colleague from another property of the company a role here too (one account, a role per property)."""
    form = GrantRoleForm()
    if form.validate_on_submit():
        try:
            user = grant_role(
                current_actor(), username=form.username.data, role=form.role.data, property_id=get_property_id()
            )
            db.session.commit()
            flash(_("%(name)s now also works in this property.", name=user.display_name), "success")
            return redirect(url_for("staff.list_accounts"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/accounts/add.html", form=form)


@bp.post("/accounts/<int:user_id>/remove")
@staff_permission(Permission.MANAGE_STAFF)
def remove_account_role(user_id):
    """Take the person's role in this property away; they keep their other properties."""
    user, _role = _staff_user(user_id)
    with flash_refusal():
        remove_role(current_actor(), user, get_property_id())
        db.session.commit()
        flash(_("%(name)s no longer works in this property.", name=user.display_name), "success")
        return redirect(url_for("staff.list_accounts"), code=303)
    return redirect(url_for("staff.edit_account", user_id=user.id), code=303)


def _staff_user(user_id):
    """(a staff account of this property, its role here) by id, or 404 (residents, and the staff of other
    properties only, are not managed here)."""
    user = get_user(user_id)
    role = role_of(user.id, get_property_id()) if user.is_staff else None
    if role is None:
        raise NotFound()
    return user, role


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_STAFF)
def edit_account(user_id):
    """Change a staff member's name, role, e-mail or active flag."""
    user, role = _staff_user(user_id)
    form = StaffAccountEditForm(obj=user, role=role.value)
    password_form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            update_staff(
                current_actor(),
                user,
                display_name=form.display_name.data,
                role=form.role.data,
                email=form.email.data,
                is_active=form.is_active.data,
                property_id=get_property_id(),
            )
            db.session.commit()
            flash(_("Account %(name)s saved.", name=user.username), "success")
            return redirect(url_for("staff.list_accounts"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template(
        "staff/accounts/edit.html",
        form=form,
        password_form=password_form,
        user=user,
        elsewhere=len(roles_by_property(user.id)) > 1,
    )


@bp.post("/accounts/<int:user_id>/password")
@staff_permission(Permission.MANAGE_STAFF)
def reset_account_password(user_id):
    """Set a new password for a staff member (they are signed out everywhere)."""
    user, role = _staff_user(user_id)
    password_form = ResetPasswordForm()
    if password_form.validate_on_submit():
        try:
            reset_password(current_actor(), user, password_form.password.data)
            db.session.commit()
            flash(_("A new password was set for %(name)s.", name=user.username), "success")
            return redirect(url_for("staff.edit_account", user_id=user.id), code=303)
        except DomainError as error:
            show_domain_error(password_form, error)
    form = StaffAccountEditForm(obj=user, role=role.value)
    return render_template(
        "staff/accounts/edit.html",
        form=form,
        password_form=password_form,
        user=user,
        elsewhere=len(roles_by_property(user.id)) > 1,
    )
