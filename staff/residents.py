"""Residents: search, register, edit, where they live, and their portal account."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Permission
from domain.clock import today
from domain.errors import DomainError
from domain.exports import Column
from domain.property import occupancies, residents, search, units
from domain.property.validation import mask_phone
from extensions import db
from staff import bp
from staff.forms import EndOccupancyForm, OccupancyForm, ResidentAccountForm, ResidentForm
from staff.tickets.forms import VipForm
from web.auth import current_actor, staff_permission
from web.exports import export_response
from web.filters import relation_labels
from web.guards import id_arg
from web.htmx import render_page
from web.refusals import flash_refusal, show_domain_error


@bp.get("/residents/")
@staff_permission(Permission.VIEW_RESIDENTS)
def list_residents():
    """Resident search by name or phone; htmx requests get only the rows."""
    q = _resident_query()
    page = search.search_residents(today=today(), q=q, after=id_arg("after"))
    return render_page("staff/residents/index.html", "staff/residents/_results.html", page=page, q=q)


def _resident_query():
    """The resident search's text (the page's and its export's filter)."""
    return request.args.get("q", "")[:40]


@bp.get("/residents/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.VIEW_RESIDENTS)
def export_residents(fmt):
    """Every resident the search finds, with the units they live in; phones masked in the file."""
    row_count, rows = search.export_residents(today=today(), q=_resident_query())
    relations, yes = relation_labels(), _("Yes")
    return export_response(
        fmt,
        name="residents",
        title=_l("Residents"),
        columns=(
            Column(_l("Name"), width=14),
            Column(_l("Mobile phone"), width=14),
            Column(_l("Units"), width=30),
            Column(_l("Portal"), width=8),
        ),
        rows=(
            (
                name,
                mask_phone(phone),
                ", ".join(f"{label} {relations[relation]}" for label, relation in units),
                yes if portal else "",
            )
            for name, phone, units, portal in rows
        ),
        row_count=row_count,
    )


@bp.route("/residents/new", methods=["GET", "POST"])
@staff_permission(Permission.EDIT_REGISTER)
def create_resident():
    """Register a person (业主登记表), optionally straight into a unit."""
    form = ResidentForm()
    occupancy_form = OccupancyForm(prefix="occ", start_date=today())
    wants_unit = bool(occupancy_form.unit_label.data)
    valid = form.validate_on_submit()
    if wants_unit and form.is_submitted():
        valid = occupancy_form.validate() and valid
    if valid:
        try:
            resident = residents.create_resident(current_actor(), **_resident_values(form))
            if wants_unit:
                _add_occupancy(resident, occupancy_form)
            db.session.commit()
            flash(_("%(name)s was registered.", name=resident.name), "success")
            return redirect(url_for("staff.show_resident", resident_id=resident.id), code=303)
        except DomainError as error:
            show_domain_error(occupancy_form if error.field == "unit_label" else form, error)
    return render_template("staff/residents/new.html", form=form, occupancy_form=occupancy_form)


def _resident_values(form):
    """The resident's fields from a validated ResidentForm; the ID number only in masked form, if typed."""
    return {
        "name": form.name.data,
        "phone": form.phone.normalised,
        "email": form.email.data,
        "id_number_masked": getattr(form.id_number, "normalised", None),
        "note": form.note.data or "",
    }


def _add_occupancy(resident, occupancy_form):
    """Look the typed unit label up and record the occupancy."""
    unit = units.get_unit(units.find_unit(occupancy_form.unit_label.data).id)
    occupancies.add_occupancy(
        current_actor(),
        unit=unit,
        resident=resident,
        relation=occupancy_form.relation.data,
        start_date=occupancy_form.start_date.data,
    )


def _resident_page(resident, form=None, occupancy_form=None, account_form=None, vip_form=None, status=200):
    """Render a resident's page with whichever of its forms is being redisplayed."""
    return render_template(
        "staff/residents/show.html",
        resident=resident,
        today=today(),
        form=form or ResidentForm(obj=resident, id_number=""),
        occupancy_form=occupancy_form or OccupancyForm(prefix="occ", start_date=today()),
        account_form=account_form or ResidentAccountForm(prefix="acct"),
        end_form=EndOccupancyForm(end_date=today()),
        vip_form=vip_form or VipForm(prefix="vip", formdata=None, obj=resident),
    ), status


@bp.get("/residents/<int:resident_id>")
@staff_permission(Permission.VIEW_RESIDENTS)
def show_resident(resident_id):
    """A resident's details, units and account."""
    return _resident_page(residents.get_resident(resident_id))


@bp.post("/residents/<int:resident_id>")
@staff_permission(Permission.EDIT_REGISTER)
def edit_resident(resident_id):
    """Save changes to a resident's details."""
    resident = residents.get_resident(resident_id)
    form = ResidentForm()
    if form.validate_on_submit():
        try:
            residents.update_resident(current_actor(), resident, **_resident_values(form))
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.show_resident", resident_id=resident.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _resident_page(resident, form=form)


@bp.post("/residents/<int:resident_id>/vip")
@staff_permission(Permission.MARK_VIP)
def mark_resident_vip(resident_id):
    """Mark a resident VIP (their household is visited on the VIP plan) or take the mark off, with a note."""
    resident = residents.get_resident(resident_id)
    form = VipForm(prefix="vip")
    if form.validate_on_submit():
        try:
            residents.mark_vip(current_actor(), resident, is_vip=form.is_vip.data, note=form.vip_note.data)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.show_resident", resident_id=resident.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _resident_page(resident, vip_form=form, status=422)


@bp.post("/residents/<int:resident_id>/occupancies")
@staff_permission(Permission.EDIT_REGISTER)
def add_occupancy(resident_id):
    """Record that the resident lives in a unit."""
    resident = residents.get_resident(resident_id)
    occupancy_form = OccupancyForm(prefix="occ")
    if occupancy_form.validate_on_submit():
        try:
            _add_occupancy(resident, occupancy_form)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.show_resident", resident_id=resident.id), code=303)
        except DomainError as error:
            show_domain_error(occupancy_form, error)
    return _resident_page(resident, occupancy_form=occupancy_form)


@bp.post("/occupancies/<int:occupancy_id>/end")
@staff_permission(Permission.EDIT_REGISTER)
def end_occupancy(occupancy_id):
    """Record a move-out; back to the page the button was on."""
    occupancy = occupancies.get_occupancy(occupancy_id)
    form = EndOccupancyForm()
    if not form.validate_on_submit():
        flash(_("Enter the last day as a date."), "error")
    else:
        with flash_refusal():
            occupancies.end_occupancy(current_actor(), occupancy, end_date=form.end_date.data, today=today())
            db.session.commit()
            flash(_("Move-out recorded."), "success")
    if request.form.get("back") == "unit":  # the form on the unit's page; else the resident's
        return redirect(url_for("staff.show_unit", unit_id=occupancy.unit_id), code=303)
    return redirect(url_for("staff.show_resident", resident_id=occupancy.resident_id), code=303)


@bp.post("/residents/<int:resident_id>/account")
@staff_permission(Permission.EDIT_REGISTER)
def create_resident_account(resident_id):
    """Give the resident a portal account with an initial password."""
    resident = residents.get_resident(resident_id)
    account_form = ResidentAccountForm(prefix="acct")
    if account_form.validate_on_submit():
        try:
            residents.create_resident_account(
                current_actor(), resident, username=account_form.username.data, password=account_form.password.data
            )
            db.session.commit()
            flash(_("Portal account created."), "success")
            return redirect(url_for("staff.show_resident", resident_id=resident.id), code=303)
        except DomainError as error:
            show_domain_error(account_form, error)
    return _resident_page(resident, account_form=account_form)
