"""The manager's board, the shift handover and the service settings (service levels and catalogue)."""

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from domain.accounts.roles import Permission, Role
from domain.clock import today, utcnow
from domain.dates import parse_iso_date
from domain.errors import DomainError
from domain.facilities.board import overdue_rows
from domain.incidents.queries import incident_rows
from domain.money import fen_to_decimal
from domain.patrols.records import patrol_alarms
from domain.property.buildings import get_property
from domain.tickets import catalogue, handover, queries, workflow
from domain.tickets.models import Department, Status
from domain.vacant import board as vacant_board
from domain.violations import board as violations_board
from extensions import db
from staff import bp
from staff.board_forms import AcknowledgeForm, HandoverForm, ServiceItemForm, ServiceLevelForm, labels
from web.auth import current_actor, staff_permission
from web.htmx import render_page
from web.refusals import flash_refusal, show_domain_error

#: The board's columns: the open statuses in the order work moves through them.
BOARD_STATUSES = tuple(status for status in Status if status in workflow.OPEN)


def duration_text(minutes):
    """Minutes for people: "3 min", "12 h", "2 d 6 h"."""
    if minutes is None:
        return ""
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(num)s day", "%(num)s days", days))
    if hours:
        parts.append(ngettext("%(num)s hour", "%(num)s hours", hours))
    if mins or not parts:
        parts.append(_("%(num)s min", num=mins))
    return " ".join(parts)


# The board ---------------------------------------------------------------------------------------


def _queue_rows(counts):
    """[(department value, [n per BOARD_STATUSES], total)] for every department, then tickets without one ("")."""
    departments = [d.value for d in Department] + ([""] if any(d == "" for d, _s in counts) else [])
    rows = []
    for department in departments:
        numbers = [counts.get((department, status.value), 0) for status in BOARD_STATUSES]
        rows.append((department, numbers, sum(numbers)))
    return rows


def _field_rows(property_id, now):
    """The field-work panel's rows (patrol alarms, overdue facility checks, open incidents, overdue vacant-unit checks
    and keys, violations past their deadline), newest first."""
    rows = (
        patrol_alarms(property_id, now)
        + overdue_rows(property_id, now)
        + incident_rows(property_id)
        + vacant_board.overdue_rows(property_id, now)
        + violations_board.overdue_rows(property_id, now)
    )
    return sorted(rows, key=lambda row: row.since, reverse=True)


@bp.get("/board")
@staff_permission(Permission.VIEW_BOARD)
def show_board():
    """The manager's board: open tickets per queue and status, what is late, major complaints, satisfaction and
    each person's load. htmx asks for it again every 20 seconds and gets only the board."""
    now = utcnow()
    property_id = get_property().id
    board = queries.board(property_id, now)
    average, rated = board.satisfaction
    tenths = (average + 5) // 10 if average is not None else None  # x100 -> x10, rounded half up
    queue_rows = _queue_rows(board.counts)
    return render_page(
        "staff/board/index.html",
        "staff/board/_board.html",
        board=board,
        now=now,
        queue_rows=queue_rows,
        statuses=[s.value for s in BOARD_STATUSES],
        column_totals=[sum(row[1][i] for row in queue_rows) for i in range(len(BOARD_STATUSES))],
        satisfaction=(f"{tenths // 10}.{tenths % 10}" if tenths is not None else None, rated),
        names={user_id: name for user_id, name, _n in board.load},
        max_load=max((n for *_x, n in board.load), default=0),
        clocks={row.id: queries.clocks(row, now) for row in board.late_tickets},
        labels=labels(),
        field_rows=_field_rows(property_id, now),
    )


# The shift handover ------------------------------------------------------------------------------


def _may_pick_day():
    """The manager reads any day's handovers; the others read today's."""
    return current_user.role == Role.MANAGER


def _day_arg():
    """(the day asked for by ?day=YYYY-MM-DD or today, an error message or None)."""
    text = request.args.get("day", "")
    if not text or not _may_pick_day():
        return today(), None
    try:
        return parse_iso_date(text), None
    except ValueError:
        return today(), _("Choose a date such as %(example)s.", example=today().isoformat())


def _handover_page(form, status=200):
    """The handover page: the pending handover, what is open now with the notes form, and the day's handovers."""
    prop = get_property()
    actor = current_actor()
    day, day_error = _day_arg()
    draft = handover.draft_handover(actor, prop.id)
    pending = handover.pending_handover(prop.id, actor)
    return render_template(
        "staff/board/handover.html",
        form=form,
        ack_form=AcknowledgeForm(),
        draft=draft,
        draft_sections=handover.sections(draft),
        pending=pending,
        pending_sections=handover.sections(pending.items) if pending else [],
        day=day,
        day_error=day_error,
        handovers=handover.list_handovers(prop.id, day),
        may_pick_day=_may_pick_day(),
        is_today=day == today(),
        sections=handover.sections,
        labels=labels(),
        now=datetime.fromisoformat(draft["at"]),
        from_iso=datetime.fromisoformat,
    ), status


@bp.route("/handover", methods=["GET", "POST"], endpoint="handover")
@staff_permission(Permission.HAND_OVER)
def handover_page():
    """Hand the shift over in one click: what is open now is copied in, with the notes; the next shift acknowledges."""
    form = HandoverForm()
    if request.method == "GET":
        return _handover_page(form)
    if form.validate_on_submit():
        try:
            made = handover.create_handover(current_actor(), property_id=get_property().id, notes=form.notes.data or "")
            db.session.commit()
            count = len(made.items["tickets"]) + made.items["more"]["tickets"]
            flash(
                ngettext(
                    "Shift handed over with %(num)s open ticket.", "Shift handed over with %(num)s open tickets.", count
                ),
                "success",
            )
            return redirect(url_for("staff.handover"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _handover_page(form, 422)


@bp.post("/handover/<int:handover_id>/ack")
@staff_permission(Permission.HAND_OVER)
def acknowledge_handover(handover_id):
    """The next shift confirms it has read a handover."""
    made = handover.get_handover(handover_id, get_property().id)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        with flash_refusal():
            handover.acknowledge(current_actor(), made)
            db.session.commit()
            flash(_("Handover from %(name)s acknowledged.", name=made.from_user.display_name), "success")
    return redirect(url_for("staff.handover"), code=303)


# Service levels and the catalogue -------------------------------------------------------------------


def _level_rows(failed=None):
    """The table's rows: each level's minutes as typed (the failed row's) or stored, with its errors."""
    rows = []
    for level in catalogue.list_service_levels(get_property().id):
        values, errors = level.minutes(), {}
        if failed is not None and (failed.kind.data, failed.priority.data) == (level.kind.value, level.priority.value):
            values = {
                clock: getattr(failed, clock).raw_data[0] if getattr(failed, clock).raw_data else ""
                for clock in catalogue.CLOCKS
            }
            errors = {
                clock: getattr(failed, clock).errors for clock in catalogue.CLOCKS if getattr(failed, clock).errors
            }
        rows.append(
            {
                "level": level,
                "values": values,
                "errors": errors,
                "hours": {clock: duration_text(m) for clock, m in level.minutes().items()},
            }
        )
    return rows


def _item_form(item):
    """An item's edit form, filled from the item."""
    return ServiceItemForm(
        prefix=f"item{item.id}",
        formdata=None,
        name=item.name,
        description=item.description,
        price=str(fen_to_decimal(item.price_fen)),
        department=item.department.value,
        is_active=item.is_active,
    )


def _settings_page(*, level_form=None, new_form=None, edit_form=None, edit_id=None, status=200):
    """The service-levels page: the levels table and the catalogue, with whichever form failed redisplayed."""
    items = catalogue.list_service_items(get_property().id)
    item_forms = {item.id: edit_form if item.id == edit_id else _item_form(item) for item in items}
    problems = []
    if level_form is not None:
        problems = [message for name in ("kind", "priority") for message in getattr(level_form, name).errors]
        problems += level_form.form_errors
    return render_template(
        "staff/board/service_levels.html",
        rows=_level_rows(level_form),
        level_problems=problems,
        failed_level=(level_form.kind.data, level_form.priority.data) if level_form is not None else None,
        items=items,
        item_forms=item_forms,
        edit_id=edit_id,
        new_form=new_form or ServiceItemForm(prefix="new", formdata=None),
        labels=labels(),
        clocks=catalogue.CLOCKS,
    ), status


@bp.route("/service-levels", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_SERVICE)
def service_levels():
    """Service levels per kind and priority (one row saved at a time) and the service catalogue."""
    if request.method == "GET":
        return _settings_page()
    form = ServiceLevelForm()
    if form.validate_on_submit():
        try:
            catalogue.set_service_level(
                current_actor(),
                get_property().id,
                form.kind.data,
                form.priority.data,
                form.dispatch.data,
                form.response.data,
                form.resolve.data,
                form.callback.data,
            )
            db.session.commit()
            names = labels()
            flash(
                _(
                    "Service levels of %(kind)s (%(priority)s) saved; new tickets use them.",
                    kind=names["kind"][form.kind.data],
                    priority=names["priority"][form.priority.data],
                ),
                "success",
            )
            return redirect(url_for("staff.service_levels"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _settings_page(level_form=form, status=422)


@bp.post("/service-items")
@staff_permission(Permission.MANAGE_SERVICE)
def create_service_item():
    """Add a service to the catalogue."""
    form = ServiceItemForm(prefix="new")
    if form.validate_on_submit():
        try:
            item = catalogue.create_service_item(
                current_actor(),
                property_id=get_property().id,
                name=form.name.data,
                description=form.description.data,
                price_fen=form.price.fen,
                department=form.department.data,
                is_active=form.is_active.data,
            )
            db.session.commit()
            flash(_("%(name)s was added to the catalogue.", name=item.name), "success")
            return redirect(url_for("staff.service_levels", _anchor="catalogue"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _settings_page(new_form=form, status=422)


@bp.post("/service-items/<int:item_id>")
@staff_permission(Permission.MANAGE_SERVICE)
def update_service_item(item_id):
    """Change a service of the catalogue (name, description, price, department, offered or not)."""
    item = catalogue.get_service_item(item_id, get_property().id)
    form = ServiceItemForm(prefix=f"item{item.id}")
    if form.validate_on_submit():
        try:
            catalogue.update_service_item(
                current_actor(),
                item,
                name=form.name.data,
                description=form.description.data,
                price_fen=form.price.fen,
                department=form.department.data,
                is_active=form.is_active.data,
            )
            db.session.commit()
            flash(_("%(name)s saved.", name=item.name), "success")
            return redirect(url_for("staff.service_levels", _anchor="catalogue"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _settings_page(edit_form=form, edit_id=item.id, status=422)
