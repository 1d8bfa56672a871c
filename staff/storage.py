"""Small items left at the desk (小件物品寄存, SOP 18): take one in and give the claim code, find one by its
code and hand it over, see what is on the shelf and what is past its expiry."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Permission
from domain.clock import today
from domain.errors import DomainError
from domain.exports import Column
from domain.parcels import storage
from domain.property import buildings
from domain.property.units import unit_label
from domain.property.validation import mask_phone
from domain.throttle import services as throttle
from extensions import db
from staff import bp
from staff.counter_forms import ClaimForm, ReleaseForm, StoreItemForm
from web.auth import current_actor, staff_permission
from web.downloads import send_stored
from web.exports import export_response
from web.refusals import flash_domain_error, flash_refusal, show_domain_error


def _storage_page(form, *, issued=None, status=200):
    """The intake form, the code just issued (shown once), and the shelf."""
    prop = buildings.get_property()
    overdue = request.args.get("overdue") == "1"
    return render_template(
        "staff/storage/index.html",
        form=form,
        issued=issued,
        overdue=overdue,
        rows=storage.shelf(prop.id, today=today(), overdue_only=overdue),
        released=storage.recently_released(prop.id),
        today=today(),
        claim_form=ClaimForm(formdata=None),
    ), status


@bp.route("/storage/", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def store_item():
    """Take an item in: the claim code is shown once, to write on the slip for the depositor."""
    form = StoreItemForm()
    if request.method == "GET":
        form.days.data = form.days.data or int(current_app.config["STORAGE_DAYS"])
    if form.validate_on_submit():
        try:
            item, code = storage.store_item(
                current_actor(),
                unit_label=form.unit_label.data,
                description=form.description.data,
                depositor_name=form.depositor_name.data,
                depositor_phone=form.depositor_phone.data,
                by_visitor=form.by_visitor.data,
                collector_name=form.collector_name.data,
                days=form.days.data,
                photo=form.photo.data,
            )
            db.session.commit()
            # Shown on this response only: the code is stored hashed and cannot be shown again.
            response = render_template(
                "staff/storage/issued.html", item=item, code=code, unit_label=unit_label(item.unit_id)
            )
            return response, 201, {"Cache-Control": "no-store"}
        except DomainError as error:
            show_domain_error(form, error)
    return _storage_page(form, status=422 if request.method == "POST" else 200)


@bp.get("/storage/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.HANDLE_COUNTER)
def export_stored_items(fmt):
    """Every item on the shelf (or past its expiry only, as on screen); depositors' phones masked."""
    row_count, rows = storage.export_shelf(
        buildings.get_property_id(), today=today(), overdue_only=request.args.get("overdue") == "1"
    )
    visitor = _("visitor")
    return export_response(
        fmt,
        name="storage",
        title=_l("Stored items"),
        columns=(
            Column(_l("Unit"), width=10),
            Column(_l("Item"), width=30),
            Column(_l("Left by"), width=14),
            Column(_l("Phone"), width=14),
            Column(_l("Collected by"), width=14),
            Column(_l("Stored"), "datetime", 17),
            Column(_l("Keep until"), "date", 12),
        ),
        rows=(
            (
                label,
                description,
                f"{name} ({visitor})" if by_visitor else name,
                mask_phone(phone),
                collector,
                stored_at,
                expires_on,
            )
            for label, description, name, phone, by_visitor, collector, stored_at, expires_on in rows
        ),
        row_count=row_count,
    )


@bp.route("/storage/claim", methods=["GET", "POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def claim_item():
    """Find an item by the claim code the collector brings; then record who takes it."""
    form = ClaimForm()
    if not form.validate_on_submit():
        return render_template("staff/storage/claim.html", form=form, item=None), (
            422 if request.method == "POST" else 200
        )
    try:
        item = storage.find_by_code(
            current_actor(),
            property_id=buildings.get_property().id,
            code=form.code.data,
            place=throttle.place_of(current_actor()),
        )
    except DomainError as error:
        db.session.commit()  # a wrong code counts
        show_domain_error(form, error)
        # A wrong code is a form error (422), as at the parcel pickup; a lock-out keeps its 429.
        return render_template("staff/storage/claim.html", form=form, item=None), (
            422 if isinstance(error, throttle.WrongCode) else error.status_code
        )
    release = ReleaseForm(formdata=None, code=form.code.data, item_id=item.id)
    return render_template(
        "staff/storage/claim.html",
        form=ClaimForm(formdata=None),
        item=item,
        release=release,
        unit_label=unit_label(item.unit_id),
    )


@bp.route("/storage/release", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def release_item():
    """Hand the item over to the person with its code."""
    form = ReleaseForm()
    item_id = int(form.item_id.data) if (form.item_id.data or "").isdigit() else 0
    try:
        if not form.validate_on_submit():
            raise DomainError(next(iter(form.errors.values()))[0], field=next(iter(form.errors)))
        storage.release_item(
            current_actor(),
            property_id=buildings.get_property().id,
            item_id=item_id,
            code=form.code.data,
            name=form.name.data,
            id_last4=form.id_last4.data,
            place=throttle.place_of(current_actor()),
        )
        db.session.commit()
    except throttle.WrongCode as error:
        db.session.commit()  # a wrong code counts
        flash_domain_error(error)
        return redirect(url_for("staff.claim_item"), code=303)
    except DomainError as error:
        show_domain_error(form, error)
        item = storage.get_item(item_id) if item_id else None
        if item is None:
            abort(404)
        return render_template(
            "staff/storage/claim.html",
            form=ClaimForm(formdata=None),
            item=item,
            release=form,
            unit_label=unit_label(item.unit_id),
        ), 422
    flash(_("Handed over."), "success")
    return redirect(url_for("staff.store_item"), code=303)


@bp.route("/storage/<int:item_id>/void", methods=["POST"])
@staff_permission(Permission.HANDLE_COUNTER)
def void_stored_item(item_id):
    """Void an item logged by mistake, with the reason."""
    with flash_refusal():
        storage.void_item(current_actor(), item_id, request.form.get("note", ""))
        db.session.commit()
        flash(_("Voided."), "success")
    return redirect(url_for("staff.store_item"), code=303)


@bp.route("/storage/<int:item_id>/photo")
@staff_permission(Permission.HANDLE_COUNTER)
def stored_item_photo(item_id):
    """The photo taken when the item was left (private: served to the desk only)."""
    item = storage.get_item(item_id)
    if not item.photo_name:
        abort(404)
    return send_stored(item.photo_name, item.photo_type, preview=request.args.get("size") != "full")
