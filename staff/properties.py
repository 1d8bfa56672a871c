"""Choosing the property the console works for, for someone with a role in more than one."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.property.companies import property_names, roles_by_property
from domain.property.scope import choose_property, property_choices
from extensions import db
from staff import bp
from web.auth import current_actor, safe_next


@bp.route("/properties/choose", methods=["GET", "POST"])
def choose_property_page():
    """The properties where the signed-in person holds a role; choosing one makes the console work for it."""
    choices = property_choices(current_user.id, current_user.kind)
    if request.method == "POST":
        try:
            property_id = int(request.form.get("property_id", ""))
        except ValueError:
            abort(404)
        choose_property(current_user, property_id, actor=current_actor())
        db.session.commit()
        flash(_("You are now working for %(name)s.", name=property_names([property_id])[property_id]), "success")
        return redirect(safe_next(request.form.get("next")) or url_for("staff.home"), code=303)
    if not choices and current_user.company_role is not None:
        return redirect(url_for("company.dashboard"), code=303)
    return render_template(
        "staff/properties/choose.html",
        choices=property_names(choices),
        roles=roles_by_property(current_user.id),
        next=request.args.get("next", ""),
    )
