"""Vacant units (SOP 17): the list, registering a unit the register marks vacant, a unit with its keys, movements and
checks, the keys out and overdue, taking a key out and back, the phone check form, and the manager's checklist."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import from_local_input, local_text, to_local_input, today, utcnow
from domain.errors import DomainError
from domain.files.photos import get_field_photo
from domain.property import buildings, units
from domain.tickets.workflow import STATUS_LABELS as TICKET_STATUS_LABELS
from domain.vacant import checklist, checks, keys, register
from domain.vacant.checklist import SUPPLY_ITEM, split_items
from domain.vacant.workflow import check_vacant
from extensions import db
from staff import bp
from staff.vacant import pages
from staff.vacant.forms import CheckForm, ChecklistForm, KeyForm, ReturnForm, TakeOutForm, VacantForm
from web.auth import current_actor, staff_permission
from web.downloads import send_stored
from web.guards import id_arg
from web.htmx import render_page
from web.refusals import flash_refusal, show_domain_error

#: A key taken out is due back in this long unless the clerk says otherwise.
DEFAULT_LOAN = timedelta(hours=2)


def _vacant(vacant_id):
    """The property's vacant-unit record, or 404."""
    return register.get_vacant(vacant_id, buildings.get_property_id())


def _status(form_posted):
    """422 for a form sent back with a refusal, else 200."""
    return 422 if form_posted else 200


@bp.get("/vacant/")
@staff_permission(Permission.VIEW_VACANT_UNITS)
def list_vacant_units():
    """The vacant units, overdue checks first; units to register; records of units lived in again; keys out."""
    context = pages.list_context(current_actor(), buildings.get_property_id(), page=id_arg("page") or 1)
    return render_template("staff/vacant/index.html", **context)


@bp.route("/vacant/new", methods=["GET", "POST"])
@staff_permission(Permission.REGISTER_VACANT_UNITS)
def register_vacant_unit():
    """Register a unit the register marks vacant: why, since when, how often to check, the water and power agreed."""
    property_id = buildings.get_property_id()
    form = VacantForm()
    offers = register.unregistered_vacant_units(property_id)
    form.unit_id.choices = [("", "—")] + [(str(o.unit_id), o.label) for o in offers]
    if request.method == "GET":
        form.unit_id.data = request.args.get("unit", "")
        offered = form.unit_id.data if form.unit_id.data in {str(o.unit_id) for o in offers} else None
        form.vacant_since.data = (offered and units.vacant_since(int(offered))) or today()
        form.power.data = "off"
    if form.validate_on_submit():
        try:
            vacant = register.register_vacant_unit(
                current_actor(),
                property_id=property_id,
                unit_id=int(form.unit_id.data) if (form.unit_id.data or "").isdigit() else None,
                **form.values(),
            )
            db.session.commit()
            flash(_("Registered: %(unit)s. Its first check is due today.", unit=vacant.unit.label), "success")
            return redirect(url_for("staff.show_vacant_unit", vacant_id=vacant.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/vacant/edit.html", form=form, vacant=None), _status(request.method == "POST")


@bp.route("/vacant/<int:vacant_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.REGISTER_VACANT_UNITS)
def edit_vacant_unit(vacant_id):
    """Change why the unit is vacant, the interval of its checks, the water and power agreed, the note."""
    vacant = _vacant(vacant_id)
    check_vacant(current_actor(), "edit", vacant)
    form = VacantForm(obj=vacant)
    if request.method == "GET":
        form.reason.data, form.water.data, form.power.data = vacant.reason.value, vacant.water.value, vacant.power.value
        form.interval_days.data = str(vacant.interval_days)
    if form.validate_on_submit():
        try:
            register.update_vacant(current_actor(), vacant, **form.values())
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.show_vacant_unit", vacant_id=vacant.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/vacant/edit.html", form=form, vacant=vacant), _status(request.method == "POST")


@bp.get("/vacant/<int:vacant_id>")
@staff_permission(Permission.VIEW_VACANT_UNITS)
def show_vacant_unit(vacant_id):
    """A vacant unit: its record and next check, its keys in and out, their movements, its checks (paged)."""
    vacant = _vacant(vacant_id)
    context = pages.unit_context(current_actor(), vacant, id_arg("after"))
    return render_page(
        "staff/vacant/show.html", "staff/vacant/_history.html", ticket_statuses=TICKET_STATUS_LABELS, **context
    )


@bp.post("/vacant/<int:vacant_id>/close")
@staff_permission(Permission.REGISTER_VACANT_UNITS)
def close_vacant_unit(vacant_id):
    """Close the record of a unit lived in again."""
    vacant = _vacant(vacant_id)
    with flash_refusal():
        register.close_vacant(current_actor(), vacant)
        db.session.commit()
        flash(_("Closed: its checks are no longer due."), "success")
    return redirect(url_for("staff.show_vacant_unit", vacant_id=vacant_id), code=303)


@bp.route("/vacant/<int:vacant_id>/keys/new", methods=["GET", "POST"])
@staff_permission(Permission.KEEP_VACANT_KEYS)
def add_vacant_key(vacant_id):
    """Register a set of keys the office keeps for the unit."""
    vacant = _vacant(vacant_id)
    check_vacant(current_actor(), "add_key", vacant)
    form = KeyForm()
    if request.method == "GET":
        form.count.data = "1"
    if form.validate_on_submit():
        try:
            key = keys.add_key(current_actor(), vacant, tag=form.tag.data, count=form.count.data, note=form.note.data)
            db.session.commit()
            flash(_("Keys registered: %(tag)s.", tag=key.tag), "success")
            return redirect(url_for("staff.show_vacant_unit", vacant_id=vacant.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/vacant/key.html", form=form, vacant=vacant), _status(request.method == "POST")


@bp.post("/vacant/<int:vacant_id>/keys/<int:key_id>/retire")
@staff_permission(Permission.KEEP_VACANT_KEYS)
def retire_vacant_key(vacant_id, key_id):
    """No longer keep a key set (handed back to the owner, or lost)."""
    key = keys.get_key(key_id, _vacant(vacant_id))
    with flash_refusal():
        keys.retire_key(current_actor(), key)
        db.session.commit()
        flash(_("No longer kept: %(tag)s.", tag=key.tag), "success")
    return redirect(url_for("staff.show_vacant_unit", vacant_id=vacant_id), code=303)


@bp.route("/vacant/<int:vacant_id>/keys/<int:key_id>/take-out", methods=["GET", "POST"])
@staff_permission(Permission.LEND_VACANT_KEYS)
def take_out_vacant_key(vacant_id, key_id):
    """Record a key set leaving the office: who, why, due back when; the owner's consent for an agent or contractor."""
    vacant = _vacant(vacant_id)
    key = keys.get_key(key_id, vacant)
    form = TakeOutForm()
    out = keys.open_movement(key.id)
    if request.method == "GET":
        form.due_back_at.data = to_local_input(utcnow() + DEFAULT_LOAN)
    elif form.validate_on_submit():
        try:
            movement = keys.take_out_key(
                current_actor(),
                key,
                taker=form.taker.data,
                taker_name=form.taker_name.data,
                taker_phone=form.taker_phone.data,
                purpose=form.purpose.data,
                due_back_at=from_local_input(form.due_back_at.data),
                consent_from=form.consent_from.data,
                consent_by=form.consent_by.data or None,
            )
            db.session.commit()
            flash(
                _(
                    "Out: %(tag)s with %(name)s, due back %(time)s.",
                    tag=key.tag,
                    name=movement.taker_name,
                    time=local_text(movement.due_back_at),
                ),
                "success",
            )
            return redirect(url_for("staff.show_vacant_unit", vacant_id=vacant.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            out = keys.open_movement(key.id)
    return render_template("staff/vacant/take_out.html", form=form, vacant=vacant, key=key, out=out), _status(
        request.method == "POST"
    )


@bp.route("/vacant/<int:vacant_id>/keys/<int:key_id>/return", methods=["GET", "POST"])
@staff_permission(Permission.LEND_VACANT_KEYS)
def return_vacant_key(vacant_id, key_id):
    """Record a key set back in the office."""
    vacant = _vacant(vacant_id)
    key = keys.get_key(key_id, vacant)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            keys.return_key(current_actor(), key, note=form.note.data)
            db.session.commit()
            flash(_("Back in the office: %(tag)s.", tag=key.tag), "success")
            back = request.args.get("back") == "keys"
            return redirect(
                url_for("staff.list_vacant_keys") if back else url_for("staff.show_vacant_unit", vacant_id=vacant.id),
                code=303,
            )
        except DomainError as error:
            show_domain_error(form, error)
    return render_template(
        "staff/vacant/return.html", form=form, vacant=vacant, key=key, out=keys.open_movement(key.id)
    ), _status(request.method == "POST")


@bp.get("/vacant/keys/")
@staff_permission(Permission.VIEW_VACANT_UNITS)
def list_vacant_keys():
    """The keys out now, the overdue ones first and marked."""
    now = utcnow()
    out = keys.keys_out(buildings.get_property_id(), now)
    return render_template("staff/vacant/keys.html", out=out, now=now, takers=keys.TAKER_LABELS)


def _typed(items, meters):
    """({item: "ok" | "fault"}, {meter: reading}) as posted, one radio pair per item and one box per meter (named by
    place, with the text beside it); None when the manager changed the checklist after the form was opened."""
    answers, readings = {}, {}
    for prefix, texts, found in (("item", items, answers), ("meter", meters, readings)):
        for n, text in enumerate(texts):
            shown = request.form.get(f"{prefix}-{n}-text")
            if shown is not None and shown != text:
                return None
            found[text] = request.form.get(f"{prefix}-{n}", "")
        if request.form.get(f"{prefix}-{len(texts)}-text") is not None:
            return None
    return answers, readings


@bp.route("/vacant/<int:vacant_id>/check", methods=["GET", "POST"])
@staff_permission(Permission.CHECK_VACANT_UNITS)
def record_vacant_check(vacant_id):
    """The check form on a phone: ok or fault per item, each meter's reading, a note, photos; a fault opens a repair
    ticket and the owner is told the result."""
    vacant = _vacant(vacant_id)
    actor = current_actor()
    check_vacant(actor, "record_check", vacant)
    items, meters = split_items(checklist.checklist_items(vacant.property_id))
    form = CheckForm()
    latest = checks.latest_check_id(vacant.id)
    if request.method == "GET":
        form.last_check.data = str(latest)
    elif form.last_check.data not in (None, "", str(latest)):
        flash(_("This check had already been recorded; here is the unit as it stands now."), "info")
        return redirect(url_for("staff.show_vacant_unit", vacant_id=vacant.id), code=303)
    typed = _typed(items, meters) if request.method == "POST" else ({}, {})
    if typed is None:
        form.validate()
        form.form_errors.append(
            _("The checklist was changed while you were checking: answer its items as they are now.")
        )
        typed = ({}, {})
    elif form.validate_on_submit():
        try:
            check = checks.record_check(
                actor,
                vacant,
                answers=typed[0],
                readings=typed[1],
                note=form.note.data,
                files=request.files.getlist("photos"),
            )
            db.session.commit()
            if check.ticket_id:
                flash(_("Recorded. Repair ticket #%(id)s is waiting for the desk.", id=check.ticket_id), "success")
            else:
                flash(_("Recorded: all items OK."), "success")
            return redirect(url_for("staff.show_vacant_unit", vacant_id=vacant.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    answers, readings = typed
    posted = request.method == "POST"
    return render_template(
        "staff/vacant/check.html",
        form=form,
        vacant=vacant,
        items=items,
        meters=meters,
        answers=answers,
        readings=readings,
        supply_item=SUPPLY_ITEM,
        supplies=register.SUPPLY_LABELS,
        missing=posted and any(answers.get(item) not in (checks.OK, checks.FAULT) for item in items),
        bad_readings={m for m in meters if not checks.READING.match((readings.get(m) or "").strip())}
        if posted
        else set(),
    ), _status(posted)


@bp.get("/vacant/<int:vacant_id>/checks/<int:check_id>/photos/<int:photo_id>")
@staff_permission(Permission.VIEW_VACANT_UNITS)
def vacant_check_photo(vacant_id, check_id, photo_id):
    """A check's photo (its preview with ?preview=1)."""
    check = checks.get_check(_vacant(vacant_id), check_id)
    photo = get_field_photo(checks.PHOTO_SUBJECT, check.id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")


@bp.route("/vacant/checklist", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_VACANT_CHECKLIST)
def edit_vacant_checklist():
    """The manager's checklist for every vacant unit's check: items to check and meters to read."""
    property_id = buildings.get_property_id()
    form = ChecklistForm()
    if request.method == "GET":
        items, meters = split_items(checklist.checklist_items(property_id))
        form.checks.data, form.readings.data = "\n".join(items), "\n".join(meters)
    if form.validate_on_submit():
        try:
            checklist.save_checklist(current_actor(), property_id, checks=form.checks.data, readings=form.readings.data)
            db.session.commit()
            flash(_("Saved. The next checks ask these items."), "success")
            return redirect(url_for("staff.list_vacant_units"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/vacant/checklist.html", form=form), _status(request.method == "POST")
