"""Areas (负责区域): the manager assigns buildings or floors to assistants, with a deputy for days off; the desk and
the assistants read them; the assistant's console opens on "my area"."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.accounts.roles import Permission
from domain.areas import lookup, services
from domain.errors import DomainError
from domain.property import buildings
from extensions import db
from staff import bp
from staff.areas.forms import AreaForm, CoverForm, DeleteAreaForm, ScopesForm
from staff.areas.pages import area_page, building_choices, my_area_page, person_choices
from web.auth import current_actor, staff_permission
from web.refusals import flash_refusal, refusal_message, show_domain_error


def _area(area_id):
    """The area of this installation's property, or 404."""
    return services.get_area(area_id, buildings.get_property_id())


@bp.get("/areas/")
@staff_permission(Permission.VIEW_AREAS)
def list_areas():
    """Every area with its assistant, deputy, buildings/floors and unit count; units in no area are counted."""
    property_id = buildings.get_property_id()
    areas = services.list_areas(property_id)
    unassigned, _rows = lookup.units_in_no_area(property_id, limit=0)
    return render_template(
        "staff/areas/index.html",
        areas=areas,
        counts=lookup.unit_counts(property_id),
        scope_texts={
            a.id: [services.scope_text(s.building.code, s.floor_from, s.floor_to) for s in a.scopes] for a in areas
        },
        unassigned=unassigned,
    )


@bp.get("/areas/unassigned")
@staff_permission(Permission.VIEW_AREAS)
def units_without_area():
    """The units no area takes in (the first 500), by building and floor."""
    count, rows = lookup.units_in_no_area(buildings.get_property_id(), limit=500)
    return render_template("staff/areas/unassigned.html", count=count, rows=rows)


@bp.route("/areas/new", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_AREAS)
def create_area():
    """A new area: name, assistant, deputy, desk phone; its buildings and floors come next, on its page."""
    form = person_choices(AreaForm())
    if form.validate_on_submit():
        try:
            area = services.create_area(
                current_actor(),
                property_id=buildings.get_property_id(),
                name=form.name.data,
                assistant_id=form.assistant_id.data or None,
                deputy_id=form.deputy_id.data or None,
                desk_phone=form.desk_phone.data,
            )
            db.session.commit()
            flash(_("Area saved. Now add its buildings or floors."), "success")
            return redirect(url_for("staff.show_area", area_id=area.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    status = 422 if form.is_submitted() else 200
    return render_template("staff/areas/new.html", form=form), status


@bp.get("/areas/<int:area_id>")
@staff_permission(Permission.VIEW_AREAS)
def show_area(area_id):
    """An area's page: the manager edits it here, the desk and the assistants read it."""
    return area_page(_area(area_id))


@bp.post("/areas/<int:area_id>")
@staff_permission(Permission.MANAGE_AREAS)
def edit_area(area_id):
    """Save an area's name, assistant, deputy and desk phone."""
    area = _area(area_id)
    form = person_choices(AreaForm())
    if form.validate_on_submit():
        try:
            services.edit_area(
                current_actor(),
                area,
                name=form.name.data,
                assistant_id=form.assistant_id.data or None,
                deputy_id=form.deputy_id.data or None,
                desk_phone=form.desk_phone.data,
            )
            db.session.commit()
            flash(_("Area saved."), "success")
            return redirect(url_for("staff.show_area", area_id=area_id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            area = _area(area_id)
    return area_page(area, forms={"area": form}, status=422)


@bp.post("/areas/<int:area_id>/scopes")
@staff_permission(Permission.MANAGE_AREAS)
def set_area_scopes(area_id):
    """Save the buildings and floors the area takes in (a unit is in one area only)."""
    area = _area(area_id)
    form = ScopesForm()
    form.set_building_choices(building_choices())
    if form.validate_on_submit():
        try:
            services.set_scopes(current_actor(), area, form.typed_rows())
            db.session.commit()
            flash(_("Buildings and floors saved."), "success")
            return redirect(url_for("staff.show_area", area_id=area_id), code=303)
        except DomainError as error:
            if not form.row_refused(error.field, refusal_message(error)):
                form.form_errors.append(str(error.message))
            area = _area(area_id)
    return area_page(area, forms={"scopes": form}, status=422)


@bp.post("/areas/<int:area_id>/covers")
@staff_permission(Permission.MANAGE_AREAS)
def add_area_cover(area_id):
    """Add days on which the deputy stands in."""
    area = _area(area_id)
    form = CoverForm()
    if form.validate_on_submit():
        try:
            services.add_cover(
                current_actor(), area, starts_on=form.starts_on.data, ends_on=form.ends_on.data, note=form.note.data
            )
            db.session.commit()
            flash(_("Cover saved."), "success")
            return redirect(url_for("staff.show_area", area_id=area_id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            area = _area(area_id)
    return area_page(area, forms={"cover": form}, status=422)


@bp.post("/areas/<int:area_id>/covers/<int:cover_id>/remove")
@staff_permission(Permission.MANAGE_AREAS)
def remove_area_cover(area_id, cover_id):
    """Take back a cover."""
    area = _area(area_id)
    with flash_refusal():
        services.remove_cover(current_actor(), area, cover_id)
        db.session.commit()
        flash(_("Cover removed."), "success")
    return redirect(url_for("staff.show_area", area_id=area_id), code=303)


@bp.post("/areas/<int:area_id>/delete")
@staff_permission(Permission.MANAGE_AREAS)
def delete_area(area_id):
    """Delete an area (its patrol routes are detached only when the manager ticks it)."""
    area = _area(area_id)
    form = DeleteAreaForm()
    if form.validate_on_submit():
        try:
            services.delete_area(current_actor(), area, detach_routes=form.detach_routes.data)
            db.session.commit()
            flash(_("Area deleted."), "success")
            return redirect(url_for("staff.list_areas"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            area = _area(area_id)
    return area_page(area, forms={"delete": form}, status=422)


@bp.get("/areas/mine")
@staff_permission(Permission.OWN_AREA)
def my_area():
    """The assistant's console home: their area's open tickets, callbacks and visits due, arrears, today's patrol."""
    return my_area_page(current_user.id, buildings.get_property_id())
