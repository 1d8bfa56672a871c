"""Choosing which property's pages a resident sees, for someone with a home in more than one."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from domain.property.companies import property_names
from domain.property.scope import choose_property, property_choices
from extensions import db
from portal import bp
from web.auth import current_actor, safe_next


@bp.route("/properties/choose", methods=["GET", "POST"])
def choose_property_page():
    """The properties where the resident has a home; choosing one shows its bills, requests and desk."""
    if request.method == "POST":
        try:
            property_id = int(request.form.get("property_id", ""))
        except ValueError:
            abort(404)
        choose_property(current_user, property_id, actor=current_actor())
        db.session.commit()
        return redirect(safe_next(request.form.get("next")) or url_for("portal.home"), code=303)
    choices = property_names(property_choices(current_user.id, current_user.kind))
    return render_template("portal/properties/choose.html", choices=choices, next=request.args.get("next", ""))
