"""Units: search as you type, details with who lives there, add and edit."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from domain.accounts.roles import Permission
from domain.archives.documents import may_see_unit_file, visible_documents
from domain.areas.lookup import assistants_of_units
from domain.clock import today
from domain.dashboards import unit_overview
from domain.errors import DomainError
from domain.exports import Column
from domain.movein.workflow import CASE_STATUS_LABELS
from domain.payments import statements
from domain.property import buildings, search, units
from domain.property.validation import area_as_text
from domain.reports import calls
from domain.violations.workflow import STAGE_LABELS
from extensions import db
from staff import bp
from staff.forms import EndOccupancyForm, UnitForm
from staff.tickets.forms import ticket_labels
from web.auth import current_actor, staff_permission, user_can
from web.exports import export_response
from web.filters import status_labels
from web.guards import id_arg
from web.htmx import render_page
from web.refusals import show_domain_error

#: The latest status changes a unit's page lists.
STATUS_HISTORY_SHOWN = 24


def _int_arg(name):
    """A positive integer query argument, or None for anything else."""
    return id_arg(name)


def _unit_filters():
    """The unit search's filters from the query string (the page's and its export's)."""
    status = request.args.get("status") if request.args.get("status") in {"occupied", "vacant", "renovating"} else None
    return {"q": request.args.get("q", "")[:40], "building_id": _int_arg("building"), "status": status}


@bp.get("/units/")
@staff_permission(Permission.VIEW_UNITS)
def list_units():
    """Unit search; htmx requests (typing in the search box) get only the result rows."""
    filters = _unit_filters()
    page = search.search_units(
        today=today(), after=_int_arg("after"), with_occupants=user_can(Permission.VIEW_RESIDENTS), **filters
    )
    return render_page(
        "staff/units/index.html",
        "staff/units/_results.html",
        page=page,
        filters=filters,
        buildings=buildings.list_buildings(),
    )


@bp.get("/units/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.VIEW_UNITS)
def export_units(fmt):
    """Every unit the search finds, as on screen (who lives there only for roles that see residents)."""
    show_names = user_can(Permission.VIEW_RESIDENTS)
    row_count, rows = search.export_units(today=today(), with_occupants=show_names, **_unit_filters())
    labels = status_labels()
    columns = [
        Column(_l("Building"), width=14),
        Column(_l("Unit"), width=10),
        Column(_l("Floor"), "int", 8),
        Column(_l("Area (m²)"), "hundredths", 12),
        Column(_l("Status"), width=10),
    ]
    if show_names:
        columns.append(Column(_l("Living here"), width=30))
    return export_response(
        fmt,
        name="units",
        title=_l("Units"),
        columns=columns,
        rows=((b, n, f, a, labels[st], *([people] if show_names else [])) for b, n, f, a, st, people in rows),
        row_count=row_count,
    )


def _unit_values(form):
    """The unit's fields from a validated UnitForm, in the domain's units (area in m² x 100)."""
    return {
        "number": form.number.normalised,
        "floor": form.floor.data,
        "area_x100": form.area.normalised,
        "status": form.status.data,
        "note": form.note.data or "",
    }


def _building_choices(form):
    """Fill the building select."""
    form.building_id.choices = [SelectChoice(b.id, f"{b.code} · {b.name}") for b in buildings.list_buildings()]


@bp.route("/units/new", methods=["GET", "POST"])
@staff_permission(Permission.EDIT_REGISTER)
def create_unit():
    """Add a unit."""
    form = UnitForm()
    del form.status_from  # a new unit's status holds from today
    _building_choices(form)
    if form.validate_on_submit():
        try:
            unit = units.create_unit(current_actor(), building_id=form.building_id.data, **_unit_values(form))
            db.session.commit()
            flash(_("Unit %(label)s saved.", label=unit.label), "success")
            return redirect(url_for("staff.show_unit", unit_id=unit.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/units/form.html", form=form, unit=None)


def _overview_blocks(actor, unit, day):
    """The unit page's blocks, each one statement, each only for the roles whose own list shows it (absent: None)."""
    return {
        "bills": unit_overview.open_bills(unit.id, day) if user_can(Permission.VIEW_BILLING) else None,
        "payments": statements.payments_for_units([unit.id], limit=unit_overview.SHOWN)
        if user_can(Permission.VIEW_BILLING)
        else None,
        "reminders": unit_overview.reminders_sent(unit.id) if user_can(Permission.VIEW_COLLECTION) else None,
        "habit": unit_overview.payment_habit(unit.id, day) if user_can(Permission.VIEW_COLLECTION) else None,
        "calls": calls.calls_for_unit(unit.id, limit=unit_overview.SHOWN)
        if user_can(Permission.VIEW_COLLECTION)
        else None,
        "tickets": unit_overview.unit_tickets(actor, unit.id) if user_can(Permission.VIEW_TICKETS) else None,
        "contacts": unit_overview.callbacks_and_visits(unit.id) if user_can(Permission.CALL_BACK) else None,
        "counter": unit_overview.counter_items(unit.id) if user_can(Permission.HANDLE_COUNTER) else None,
        "renovations": unit_overview.renovations(unit.id) if user_can(Permission.VIEW_RENOVATIONS) else None,
        "violations": unit_overview.violations(unit.id) if user_can(Permission.RECORD_VIOLATIONS) else None,
        "move_in": unit_overview.move_in_cases(unit.id) if user_can(Permission.HANDLE_MOVE_IN) else None,
        "documents": visible_documents(actor, unit_id=unit.id)[: unit_overview.SHOWN]
        if may_see_unit_file(actor)
        else None,
    }


@bp.get("/units/<int:unit_id>")
@staff_permission(Permission.VIEW_UNITS)
def show_unit(unit_id):
    """The unit's whole story on one screen (360°): the register's facts and its people, then bills, payment habit,
    tickets, callbacks and visits, the counter, renovation, violations, move-in and documents, each block for the
    roles that may see it, with a link to its full list."""
    unit = unit_overview.get_property_unit(unit_id, buildings.get_property_id())
    day = today()
    duty = assistants_of_units([unit.id], day).get(unit.id)
    return render_template(
        "staff/units/show.html",
        unit=unit,
        today=day,
        end_form=EndOccupancyForm(end_date=day),
        duty=duty,
        history=units.status_history(unit.id, limit=STATUS_HISTORY_SHOWN),
        blocks=_overview_blocks(current_actor(), unit, day),
        ticket_labels=ticket_labels(),
        stage_labels=STAGE_LABELS,
        case_labels=CASE_STATUS_LABELS,
    )


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.EDIT_REGISTER)
def edit_unit(unit_id):
    """Change a unit."""
    unit = units.get_unit(unit_id)
    form = UnitForm(obj=unit, area=area_as_text(unit.area_x100), status=unit.status.value)
    del form.building_id  # a unit does not move between buildings
    if form.validate_on_submit():
        try:
            units.update_unit(current_actor(), unit, **_unit_values(form), status_from=form.status_from.data)
            db.session.commit()
            flash(_("Unit %(label)s saved.", label=unit.label), "success")
            return redirect(url_for("staff.show_unit", unit_id=unit.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/units/form.html", form=form, unit=unit)
