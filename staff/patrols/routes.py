"""Patrol routes, their checkpoints and label sheets, and the history of rounds with each 巡视记录表."""

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import today, utcnow
from domain.dates import parse_iso_date
from domain.errors import DomainError
from domain.files.photos import get_field_photo
from domain.patrols import labels, records
from domain.patrols import routes as patrol_routes
from domain.patrols.schedule import slots_on
from domain.property.buildings import get_property
from domain.tickets.workflow import STATUS_LABELS
from extensions import db
from staff import bp
from staff.patrols.forms import CheckpointForm, MoveForm
from staff.patrols.pages import (
    checkpoint_form,
    checkpoints_region,
    route_form,
    route_page,
    scan_url,
    state_badges,
)
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file, send_stored
from web.htmx import is_fragment_request, render_page
from web.refusals import flash_refusal, refuse_fragment, show_domain_error

#: Days of history per page.
HISTORY_DAYS = 7


def _route(route_id):
    """The property's route `route_id`, or 404."""
    return patrol_routes.get_route(route_id, get_property().id)


def _int_arg(name):
    """A positive integer query argument, or None."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/patrols/")
@staff_permission(Permission.VIEW_PATROLS)
def list_rounds():
    """Today's windows of every route with their state, then the history by day (paged by day, filtered by route);
    htmx asks for the next days of history alone."""
    prop_id = get_property().id
    now, day = utcnow(), today()
    route_id = _int_arg("route")
    before = day
    if request.args.get("before"):
        try:
            before = min(parse_iso_date(request.args["before"]), day)
        except ValueError:
            before = day
    days, older = records.history(prop_id, before=before, days=HISTORY_DAYS, route_id=route_id)
    return render_page(
        "staff/patrols/index.html",
        "staff/patrols/_history.html",
        now=now,
        slots=slots_on(prop_id, day, route_ids=[route_id] if route_id else None),
        days=days,
        older=older,
        route_id=route_id,
        routes=patrol_routes.routes_of(prop_id),
        badges=state_badges(),
    )


@bp.get("/patrols/rounds/<int:round_id>")
@staff_permission(Permission.VIEW_PATROLS)
def show_round(round_id):
    """The 巡视记录表 of a round: checkpoints in order with times and answers, missed ones, findings and tickets,
    the signature."""
    record = records.round_record(round_id, get_property().id)
    return render_template(
        "staff/patrols/round.html",
        record=record,
        now=utcnow(),
        badges=state_badges(),
        ticket_status_labels=STATUS_LABELS,
    )


@bp.get("/patrols/rounds/<int:round_id>.pdf")
@staff_permission(Permission.VIEW_PATROLS)
def round_pdf(round_id):
    """The 巡视记录表 as a PDF to print or file."""
    record = records.round_record(round_id, get_property().id)
    body = records.record_pdf(record, utcnow())
    name = f"patrol-record-{record.round.day.isoformat()}-{record.round.id}.pdf"
    return send_private_file(BytesIO(body), mimetype="application/pdf", download_name=name)


@bp.get("/patrols/rounds/<int:round_id>/signature.png")
@staff_permission(Permission.VIEW_PATROLS)
def round_signature(round_id):
    """The patroller's signature on the round's record."""
    record = records.round_record(round_id, get_property().id)
    if record.signature is None:
        abort(404)
    return send_stored(record.signature.stored_name, "image/png")


@bp.get("/patrols/rounds/<int:round_id>/findings/<int:finding_id>/photos/<int:photo_id>")
@staff_permission(Permission.VIEW_PATROLS)
def finding_photo(round_id, finding_id, photo_id):
    """A finding's photo (its preview with ?preview=1)."""
    patrol_round = records.get_round(round_id, get_property().id)
    if finding_id not in {f.id for f in patrol_round.findings}:
        abort(404)
    photo = get_field_photo(records.FINDING_PHOTOS, finding_id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")


@bp.get("/patrols/routes/")
@staff_permission(Permission.MANAGE_PATROLS)
def list_routes():
    """The routes with their checkpoints, schedules and label sheets."""
    return render_template("staff/patrols/routes.html", routes=patrol_routes.routes_of(get_property().id))


@bp.route("/patrols/routes/new", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_PATROLS)
def new_route():
    """A new route: its name, who walks it, its area and daily windows; the checkpoints come next."""
    form = route_form()
    if form.validate_on_submit():
        try:
            route = patrol_routes.save_route(
                current_actor(),
                name=form.name.data,
                role=form.role.data,
                area_id=form.area_id.data or None,
                description=form.description.data or "",
                windows=form.window_pairs(),
                property_id=get_property().id,
            )
            db.session.commit()
            flash(_("Route saved. Add its checkpoints now."), "success")
            return redirect(url_for("staff.edit_route", route_id=route.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/patrols/route_form.html", form=form, route=None), status


@bp.route("/patrols/routes/<int:route_id>", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_PATROLS)
def edit_route(route_id):
    """A route's page: its details and windows (the form), its checkpoints with their labels (added, edited, moved
    and retired in place) and the label sheet."""
    route = _route(route_id)
    form = route_form(route)
    if form.validate_on_submit():
        try:
            patrol_routes.save_route(
                current_actor(),
                route,
                name=form.name.data,
                role=form.role.data,
                area_id=form.area_id.data or None,
                description=form.description.data or "",
                windows=form.window_pairs(),
            )
            db.session.commit()
            flash(_("Route saved."), "success")
            return redirect(url_for("staff.edit_route", route_id=route.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            route = _route(route_id)
    return route_page(route, form, status=422 if request.method == "POST" else 200)


@bp.post("/patrols/routes/<int:route_id>/retire")
@staff_permission(Permission.MANAGE_PATROLS)
def retire_route(route_id):
    """Retire a route: no more rounds are due on it; its records stay."""
    route = _route(route_id)
    with flash_refusal():
        patrol_routes.retire_route(current_actor(), route)
        db.session.commit()
        flash(_("Route retired: no more rounds are due on it."), "success")
    return redirect(url_for("staff.edit_route", route_id=route_id), code=303)


@bp.post("/patrols/routes/<int:route_id>/reinstate")
@staff_permission(Permission.MANAGE_PATROLS)
def reinstate_route(route_id):
    """Bring a retired route back into the schedule."""
    route = _route(route_id)
    with flash_refusal():
        patrol_routes.reinstate_route(current_actor(), route)
        db.session.commit()
        flash(_("Route back in the schedule."), "success")
    return redirect(url_for("staff.edit_route", route_id=route_id), code=303)


def _after_checkpoint_change(route, message):
    """htmx gets the checkpoints region again; a normal request goes back to the route's page."""
    if is_fragment_request():
        return checkpoints_region(_route(route.id))
    flash(message, "success")
    return redirect(url_for("staff.edit_route", route_id=route.id) + "#checkpoints", code=303)


@bp.post("/patrols/routes/<int:route_id>/checkpoints")
@staff_permission(Permission.MANAGE_PATROLS)
def add_checkpoint(route_id):
    """Add a checkpoint at the end of the route; it gets its label code."""
    route = _route(route_id)
    form = CheckpointForm()
    if form.validate_on_submit():
        try:
            patrol_routes.save_checkpoint(
                current_actor(),
                route,
                name=form.name.data,
                place=form.place.data or "",
                look_for=form.look_for.data or "",
                checklist=form.checklist.data,
            )
            db.session.commit()
            return _after_checkpoint_change(route, _("Checkpoint added."))
        except DomainError as error:
            show_domain_error(form, error)
            route = _route(route_id)
    if is_fragment_request():
        return checkpoints_region(route, new_form=form)  # htmx swaps only 2xx answers
    return route_page(route, route_form(route, formdata=None), new_form=form, status=422)


@bp.route("/patrols/routes/<int:route_id>/checkpoints/<int:checkpoint_id>", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_PATROLS)
def edit_checkpoint(route_id, checkpoint_id):
    """Change a checkpoint's name, place, what to look at and checklist; its label code stays. htmx gets the
    checkpoints region with this row as a form."""
    route = _route(route_id)
    checkpoint = patrol_routes.get_checkpoint(route, checkpoint_id)
    form = checkpoint_form(checkpoint)
    if form.validate_on_submit():
        try:
            patrol_routes.save_checkpoint(
                current_actor(),
                route,
                checkpoint,
                name=form.name.data,
                place=form.place.data or "",
                look_for=form.look_for.data or "",
                checklist=form.checklist.data,
            )
            db.session.commit()
            return _after_checkpoint_change(route, _("Checkpoint saved."))
        except DomainError as error:
            show_domain_error(form, error)
            route = _route(route_id)
    if is_fragment_request():
        return checkpoints_region(route, editing=checkpoint_id, edit_form=form)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/patrols/checkpoint_form.html", form=form, route=route, checkpoint=checkpoint), status


def _checkpoint_action(route_id, checkpoint_id, action, message):
    """Run `action(actor, checkpoint)` on one checkpoint, commit, and answer as a button in the region does."""
    route = _route(route_id)
    checkpoint = patrol_routes.get_checkpoint(route, checkpoint_id)
    try:
        action(current_actor(), checkpoint)
        db.session.commit()
    except DomainError as error:
        return refuse_fragment(error, back=url_for("staff.edit_route", route_id=route_id))
    return _after_checkpoint_change(route, message)


@bp.post("/patrols/routes/<int:route_id>/checkpoints/<int:checkpoint_id>/move")
@staff_permission(Permission.MANAGE_PATROLS)
def move_checkpoint(route_id, checkpoint_id):
    """Move a checkpoint one place up or down the route."""
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    direction = form.direction.data
    return _checkpoint_action(
        route_id,
        checkpoint_id,
        lambda actor, point: patrol_routes.move_checkpoint(actor, point, direction),
        _("Checkpoint moved."),
    )


@bp.post("/patrols/routes/<int:route_id>/checkpoints/<int:checkpoint_id>/retire")
@staff_permission(Permission.MANAGE_PATROLS)
def retire_checkpoint(route_id, checkpoint_id):
    """Take a checkpoint off the route (its label stops working; past visits stay in the records)."""
    return _checkpoint_action(
        route_id, checkpoint_id, patrol_routes.retire_checkpoint, _("Checkpoint taken off the route.")
    )


@bp.post("/patrols/routes/<int:route_id>/checkpoints/<int:checkpoint_id>/reinstate")
@staff_permission(Permission.MANAGE_PATROLS)
def reinstate_checkpoint(route_id, checkpoint_id):
    """Put a retired checkpoint back on the route with the same label."""
    return _checkpoint_action(
        route_id, checkpoint_id, patrol_routes.reinstate_checkpoint, _("Checkpoint back on the route.")
    )


@bp.get("/patrols/routes/<int:route_id>/labels.pdf")
@staff_permission(Permission.MANAGE_PATROLS)
def route_labels(route_id):
    """The route's A4 sheet of QR labels (3 x 4 a page, with cut lines) for its active checkpoints."""
    route = _route(route_id)
    body = labels.label_sheet_pdf(
        route,
        [c for c in route.checkpoints if c.is_active],
        scan_url,
    )
    return send_private_file(BytesIO(body), mimetype="application/pdf", download_name=f"patrol-labels-{route.id}.pdf")


@bp.get("/patrols/labels/<code>.png")
@staff_permission(Permission.VIEW_PATROLS)
def label_image(code):
    """One checkpoint's label as a picture (what the phone's camera sees)."""
    checkpoint = patrol_routes.checkpoint_by_code(code)
    if checkpoint is None or checkpoint.route.property_id != get_property().id:
        abort(404)
    body = labels.label_png(checkpoint, scan_url(checkpoint.code))
    return send_private_file(BytesIO(body), mimetype="image/png", download_name=f"label-{checkpoint.code}.png")
