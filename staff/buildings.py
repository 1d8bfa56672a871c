"""Buildings of the property."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.errors import DomainError
from domain.property import buildings
from extensions import db
from staff import bp
from staff.forms import BuildingForm
from web.auth import current_actor, staff_permission
from web.refusals import show_domain_error


@bp.get("/buildings/")
@staff_permission(Permission.VIEW_UNITS)
def list_buildings():
    """All buildings."""
    return render_template("staff/buildings/index.html", buildings=buildings.list_buildings())


@bp.route("/buildings/new", methods=["GET", "POST"])
@staff_permission(Permission.EDIT_REGISTER)
def create_building():
    """Add a building."""
    form = BuildingForm()
    if form.validate_on_submit():
        try:
            buildings.create_building(
                current_actor(), code=form.code.data, name=form.name.data, floors=form.floors.data
            )
            db.session.commit()
            flash(_("Building saved."), "success")
            return redirect(url_for("staff.list_buildings"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/buildings/form.html", form=form, building=None)


@bp.route("/buildings/<int:building_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.EDIT_REGISTER)
def edit_building(building_id):
    """Rename or renumber a building."""
    building = buildings.get_building(building_id)
    form = BuildingForm(obj=building)
    if form.validate_on_submit():
        try:
            buildings.update_building(
                current_actor(), building, code=form.code.data, name=form.name.data, floors=form.floors.data
            )
            db.session.commit()
            flash(_("Building saved."), "success")
            return redirect(url_for("staff.list_buildings"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/buildings/form.html", form=form, building=building)
