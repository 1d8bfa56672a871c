"""Tickets in the console (SOPs 5-7, 9, 10, 13): the queues with the 3-minute forwarding alarm, recording a
ticket, and one ticket with the steps the signed-in person may take, each a route that calls one service."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from domain.accounts.roles import Permission, Role
from domain.clock import from_local_input, local_day_bounds, today, utcnow
from domain.dates import parse_month
from domain.errors import DomainError, NotAllowed
from domain.exports import Column
from domain.files.store import open_stored
from domain.property import buildings, units
from domain.tickets import desk, photos, queries, recording, steps, workflow
from domain.tickets.complaint_staff import sees_about_staff
from domain.tickets.labels import DEPARTMENT_LABELS, KIND_LABELS
from domain.tickets.models import Status, TicketKind
from extensions import db
from staff import bp
from staff.tickets.forms import TicketForm, ticket_labels
from staff.tickets.pages import (
    STEPS,
    countdown,
    fill_about_staff,
    span,
    span_formats,
    ticket_page,
)
from web.auth import current_actor, safe_next, staff_permission
from web.downloads import send_private_file
from web.exports import export_response
from web.filters import fen
from web.guards import id_arg
from web.htmx import is_fragment_request, render_page
from web.refusals import show_domain_error

#: The queue's status filter: "open" is every status where work is still to be done.
STATUS_FILTERS = ("open", "new", "dispatched", "claimed", "scheduled", "waiting", "done", "closed", "cancelled", "any")
#: Photo types served as images; anything else is sent as a download.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def _is_desk():
    """Whether the signed-in person works at the desk (records, forwards, calls back)."""
    return Role(current_user.role) in workflow.DESK


# The queue ----------------------------------------------------------------------------------------


def _queue_filters():
    """The queue's filters from the query string; without any, the role's own queue.

    Engineering, security, cleaning and finance see their department's tickets only; the desk and the
    manager start on every open ticket (with the "to forward" panel above).
    """
    role = Role(current_user.role)
    department = request.args.get("department")
    own = None if role in workflow.DESK else workflow.ROLE_DEPARTMENT.get(role)
    if own is not None:
        department = own.value  # a department sees its own queue only (workflow.can_see)
    elif department != "all" and department not in DEPARTMENT_LABELS:
        department = "all"
    status = request.args.get("status")
    kind = request.args.get("kind", "")
    done, recorded = (request.args.get(name, "")[:7] for name in ("done", "recorded"))
    return {
        "department": department,
        "status": status if status in STATUS_FILTERS else "open",
        "kind": kind if kind in KIND_LABELS else "",
        "mine": request.args.get("mine") == "1",
        "urgent": request.args.get("urgent") == "1",
        # What a scorecard's figure opens: whose tickets, finished or recorded in which month, naming whom.
        "assignee": id_arg("assignee"),
        "about": id_arg("about") if sees_about_staff(current_user.role) else None,
        "done": done if parse_month(done) else "",
        "recorded": recorded if parse_month(recorded) else "",
        "unit": id_arg("unit"),  # the unit page's link: that unit's tickets
    }


def filter_args(filters):
    """The filters as query arguments for links (pager), leaving out the empty ones."""
    return {
        "department": filters["department"],
        "status": filters["status"],
        "kind": filters["kind"] or None,
        "mine": "1" if filters["mine"] else None,
        "urgent": "1" if filters["urgent"] else None,
        "assignee": filters["assignee"],
        "about": filters["about"],
        "done": filters["done"] or None,
        "recorded": filters["recorded"] or None,
        "unit": filters["unit"],
    }


def _month_between(text):
    """[start, end) in aware UTC of the local month "YYYY-MM", or None for no month."""
    days = parse_month(text) if text else None
    return (local_day_bounds(days[0])[0], local_day_bounds(days[1])[0]) if days else None


def _queue_arguments(filters):
    """The queue's filters as the domain's query takes them (the page's and its export's)."""
    # A department's "open" work is what has been forwarded to it: new tickets wait for the desk first.
    open_work = workflow.OPEN if _is_desk() else workflow.OPEN - {Status.NEW}
    return {
        "department": None if filters["department"] == "all" else filters["department"],
        "statuses": {"open": list(open_work), "any": None}.get(filters["status"], [filters["status"]]),
        "assignee_id": current_user.id if filters["mine"] else filters["assignee"],
        "kind": filters["kind"] or None,
        "urgent_only": filters["urgent"],
        "about_staff_id": filters["about"],
        "done_between": _month_between(filters["done"]),
        "created_between": _month_between(filters["recorded"]),
        "unit_id": filters["unit"],
    }


@bp.get("/tickets/")
@staff_permission(Permission.VIEW_TICKETS)
def list_tickets():
    """The queue, paged by key; the desk also sees what waits to be forwarded, each with its countdown.

    htmx requests (changing a filter, the next page) get only the rows. A fixed number of statements.
    """
    property_id = buildings.get_property_id()
    filters = _queue_filters()
    now = utcnow()
    rows, next_after = queries.queue(property_id, after=id_arg("after"), **_queue_arguments(filters))
    formats = span_formats()
    to_forward = None
    # A list narrowed to a scorecard's records is about the past: the panel of what waits now stays on the queue.
    narrowed = filters["assignee"] or filters["about"] or filters["done"] or filters["recorded"] or filters["unit"]
    if _is_desk() and not is_fragment_request() and not request.args.get("after") and not narrowed:
        to_forward = queries.undispatched(property_id, now)
    return render_page(
        "staff/tickets/index.html",
        "staff/tickets/_results.html",
        rows=rows,
        next_after=next_after,
        filters=filters,
        filter_args=filter_args(filters),
        names=queries.assignee_names(rows, also=(filters["assignee"], filters["about"])),
        unit_label=units.unit_label(filters["unit"]) if filters["unit"] and not is_fragment_request() else "",
        to_forward=to_forward,
        labels=ticket_labels(),
        late={row.id: queries.late_clocks(row, now) for row in rows},
        ages={row.id: span((now - row.created_at).total_seconds(), formats) for row in rows},
        countdown=countdown,
        can_forward=_is_desk(),
    )


#: The queue's export: the page's columns, with the times in full.
EXPORT_COLUMNS = (
    Column("#", "int", 8),
    Column(_l("Recorded"), "datetime", 17),
    Column(_l("Kind"), width=10),
    Column(_l("Category"), width=12),
    Column(_l("Description"), width=40),
    Column(_l("Place"), width=14),
    Column(_l("Status"), width=10),
    Column(_l("Department"), width=10),
    Column(_l("With"), width=12),
    Column(_l("Service level"), width=18),
    Column(lazy_pgettext("time", "Done"), "datetime", 17),
)


@bp.get("/tickets/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.VIEW_TICKETS)
def export_tickets(fmt):
    """Every ticket of the queue under the page's filters (a department sees its own only), as on screen."""
    row_count, rows = queries.export_queue(buildings.get_property_id(), **_queue_arguments(_queue_filters()))
    labels, now = ticket_labels(), utcnow()

    def on_time(row):
        """What the page's service-level column says of a row late on no clock."""
        if row.status == Status.CANCELLED:
            return ""
        return labels["row"]["paused"] if row.waiting_since else labels["row"]["on_time"]

    def cells(row, assignee):
        late = queries.late_clocks(row, now)
        return (
            row.id,
            row.created_at,
            labels["kinds"][row.kind.value],
            (labels["categories"].get(row.category) or row.category) if row.category else "",
            row.description,
            row.unit_label or row.location or "",
            labels["statuses"][row.status.value],
            labels["departments"][row.department.value] if row.department else "",
            assignee or "",
            " ".join(labels["late"][key] for key in late)
            or ("" if row.status == Status.CANCELLED else labels["row"]["on_time"]),
            row.done_at,
        )

    return export_response(
        fmt,
        name="tickets",
        title=_l("Tickets"),
        columns=EXPORT_COLUMNS,
        rows=(cells(row, assignee) for row, assignee in rows),
        row_count=row_count,
    )


@bp.get("/tickets/to-forward")
@staff_permission(Permission.VIEW_TICKETS)
def tickets_to_forward():
    """New tickets waiting to be forwarded, with the time left; the queue page refreshes this every 15 s."""
    property_id = buildings.get_property_id()
    return render_page(
        "staff/tickets/to_forward.html",
        "staff/tickets/_to_forward.html",
        to_forward=queries.undispatched(property_id),
        labels=ticket_labels(),
        countdown=countdown,
        can_forward=_is_desk(),
    )


# Recording a ticket -------------------------------------------------------------------------------


def _service_choices(form, property_id):
    """Fill the service select from the catalogue (name and price)."""
    form.service_item_id.choices = [SelectChoice("", _("— none —"))] + [
        SelectChoice(str(item.id), f"{item.name} · {fen(item.price_fen) if item.price_fen else _('free')}")
        for item in desk.service_items(property_id)
    ]


@bp.route("/tickets/new", methods=["GET", "POST"])
@staff_permission(Permission.RECORD_TICKETS)
def create_ticket():
    """Record a ticket that came by phone, at the desk or on a patrol; the resident is linked when the
    unit's one owner has the caller's phone."""
    prop = buildings.get_property()
    form = TicketForm(channel="phone" if _is_desk() else "patrol")
    if request.method == "GET" and request.args.get("unit"):
        form.unit_label.data = request.args["unit"][:40]  # from the unit's page
    _service_choices(form, prop.id)
    fill_about_staff(form.about_staff_id)
    if form.validate_on_submit():
        try:
            label = (form.unit_label.data or "").strip()
            unit = units.find_unit(label) if label else None
            phone = form.contact_phone.data or ""
            ticket = recording.create_ticket(
                current_actor(),
                property_id=prop.id,
                kind=form.kind.data,
                channel=form.channel.data,
                description=form.description.data,
                category=form.category.data or "",
                unit_id=unit.id if unit else None,
                location=form.location.data or "",
                resident_id=desk.matching_owner(unit.id, phone, today()) if unit else None,
                contact_name=form.contact_name.data or "",
                contact_phone=phone,
                preferred_time=form.preferred_time.data or "",
                service_item_id=int(form.service_item_id.data) if form.service_item_id.data else None,
                priority=form.priority.data,
                severity=form.severity.data or None,
                about_staff_id=form.about_staff_id.data,
            )
            db.session.commit()
            flash(_("Ticket #%(id)s recorded.", id=ticket.id), "success")
            return redirect(url_for("staff.show_ticket", ticket_id=ticket.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/tickets/new.html", form=form), 422 if request.method == "POST" else 200


# One ticket and its steps -------------------------------------------------------------------------


def _ticket_page(ticket, *, bound=None, error=None, status=200):
    """The ticket page (pages.ticket_page) for the signed-in person, with a refusal's message above it."""
    page = ticket_page(current_actor(), ticket, bound=bound)
    return render_template("staff/tickets/show.html", error=error, **page), status


@bp.get("/tickets/<int:ticket_id>")
@staff_permission(Permission.VIEW_TICKETS)
def show_ticket(ticket_id):
    """Everything about a ticket, and only the steps the signed-in person may take now."""
    return _ticket_page(queries.get_staff_ticket(current_actor(), ticket_id))


def _back_to(ticket):
    """Where to go after a step: the queue when the step was taken there, else the ticket."""
    target = safe_next(request.form.get("next"))
    if target and target.startswith(url_for("staff.list_tickets")):
        return target
    return url_for("staff.show_ticket", ticket_id=ticket.id)


def _take_step(ticket_id, name, perform):
    """Check who may take the step, validate its form, run `perform(actor, ticket, form)` (which returns
    the success message), commit once and go back; a refusal shows the ticket again with the reason."""
    ticket = queries.get_staff_ticket(current_actor(), ticket_id)
    action, form_class = STEPS[name]
    form = form_class(prefix=name)
    actor = current_actor()
    try:
        if not workflow.may(actor, ticket, workflow.TRANSITIONS[action][2]):
            raise NotAllowed()
        if not form.validate_on_submit():
            return _ticket_page(ticket, bound=(name, form), status=422)
        message = perform(actor, ticket, form)
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)  # rolls back; a message without a field goes above the page
        message = " ".join(form.form_errors) or None
        form.form_errors.clear()
        status = 422 if type(error) is DomainError else error.status_code
        return _ticket_page(
            queries.get_staff_ticket(current_actor(), ticket_id), bound=(name, form), error=message, status=status
        )
    flash(message, "success")
    return redirect(_back_to(ticket), code=303)


def _department_label(ticket):
    """The ticket's department in words."""
    return DEPARTMENT_LABELS[ticket.department.value] if ticket.department else ""


@bp.post("/tickets/<int:ticket_id>/dispatch")
@staff_permission(Permission.VIEW_TICKETS)
def dispatch_ticket(ticket_id):
    """Forward a new ticket to a department (repairs: within 3 minutes of being recorded)."""

    def perform(actor, ticket, form):
        steps.dispatch(actor, ticket, department=form.department.data)
        return _("Ticket #%(id)s forwarded to %(department)s.", id=ticket.id, department=_department_label(ticket))

    return _take_step(ticket_id, "dispatch", perform)


@bp.post("/tickets/<int:ticket_id>/redirect")
@staff_permission(Permission.VIEW_TICKETS)
def redirect_ticket(ticket_id):
    """Move a queued ticket to another department's queue."""

    def perform(actor, ticket, form):
        steps.redirect(actor, ticket, department=form.department.data)
        return _("Ticket #%(id)s moved to %(department)s.", id=ticket.id, department=_department_label(ticket))

    return _take_step(ticket_id, "redirect", perform)


@bp.post("/tickets/<int:ticket_id>/claim")
@staff_permission(Permission.VIEW_TICKETS)
def claim_ticket(ticket_id):
    """Take a queued ticket; when someone else was quicker, say so."""

    def perform(actor, ticket, form):
        steps.claim(actor, ticket)
        return _("Ticket #%(id)s is yours.", id=ticket.id)

    return _take_step(ticket_id, "claim", perform)


@bp.post("/tickets/<int:ticket_id>/schedule")
@staff_permission(Permission.VIEW_TICKETS)
def schedule_ticket(ticket_id):
    """Book the visit (typed in property time); the resident is told."""

    def perform(actor, ticket, form):
        steps.schedule(actor, ticket, when=from_local_input(form.when.data), note=form.note.data or "")
        return _("Visit booked for %(when)s.", when=format_datetime(ticket.scheduled_for, "short"))

    return _take_step(ticket_id, "schedule", perform)


@bp.post("/tickets/<int:ticket_id>/hand-back")
@staff_permission(Permission.VIEW_TICKETS)
def hand_back_ticket(ticket_id):
    """Give a ticket back to its queue, with the reason."""

    def perform(actor, ticket, form):
        steps.hand_back(actor, ticket, reason=form.reason.data)
        return _("Ticket #%(id)s is back in the queue.", id=ticket.id)

    return _take_step(ticket_id, "hand_back", perform)


@bp.post("/tickets/<int:ticket_id>/ask")
@staff_permission(Permission.VIEW_TICKETS)
def ask_resident(ticket_id):
    """Ask the resident a question; the service-level clocks pause until the answer."""

    def perform(actor, ticket, form):
        steps.ask_resident(actor, ticket, question=form.question.data)
        return _("Question sent; the clock is paused until the resident answers.")

    return _take_step(ticket_id, "ask_resident", perform)


@bp.post("/tickets/<int:ticket_id>/resume")
@staff_permission(Permission.VIEW_TICKETS)
def resume_ticket(ticket_id):
    """Restart a waiting ticket (the resident answered another way)."""

    def perform(actor, ticket, form):
        steps.resume(actor, ticket)
        return _("Ticket #%(id)s resumed.", id=ticket.id)

    return _take_step(ticket_id, "resume", perform)


@bp.post("/tickets/<int:ticket_id>/work")
@staff_permission(Permission.VIEW_TICKETS)
def record_work(ticket_id):
    """Record work done and materials used, without finishing."""

    def perform(actor, ticket, form):
        steps.record_work(actor, ticket, note=form.note.data, materials=form.materials.data or "")
        return _("Work recorded.")

    return _take_step(ticket_id, "record_work", perform)


@bp.post("/tickets/<int:ticket_id>/cannot-come")
@staff_permission(Permission.VIEW_TICKETS)
def cannot_come(ticket_id):
    """The department cannot come in time: the resident and the desk are told why."""

    def perform(actor, ticket, form):
        steps.cannot_come(actor, ticket, reason=form.reason.data)
        return _("The resident and the desk have been told.")

    return _take_step(ticket_id, "cannot_come", perform)


@bp.post("/tickets/<int:ticket_id>/finish")
@staff_permission(Permission.VIEW_TICKETS)
def finish_ticket(ticket_id):
    """Mark the work done (repairs and complaints then wait for their callback)."""

    def perform(actor, ticket, form):
        steps.finish(actor, ticket, summary=form.summary.data, materials=form.materials.data or "")
        return _("Ticket #%(id)s is done.", id=ticket.id)

    return _take_step(ticket_id, "finish", perform)


@bp.post("/tickets/<int:ticket_id>/close")
@staff_permission(Permission.VIEW_TICKETS)
def close_ticket(ticket_id):
    """Close a done ticket (refused while its callback is still to make)."""

    def perform(actor, ticket, form):
        steps.close(actor, ticket)
        return _("Ticket #%(id)s closed.", id=ticket.id)

    return _take_step(ticket_id, "close", perform)


@bp.post("/tickets/<int:ticket_id>/cancel")
@staff_permission(Permission.VIEW_TICKETS)
def cancel_ticket(ticket_id):
    """Cancel a ticket (a duplicate, withdrawn by phone), with the reason."""

    def perform(actor, ticket, form):
        steps.cancel(actor, ticket, reason=form.reason.data)
        return _("Ticket #%(id)s cancelled.", id=ticket.id)

    return _take_step(ticket_id, "cancel", perform)


@bp.post("/tickets/<int:ticket_id>/comment")
@staff_permission(Permission.VIEW_TICKETS)
def comment_ticket(ticket_id):
    """Add an internal note, or a comment the resident sees."""

    def perform(actor, ticket, form):
        steps.comment(actor, ticket, body=form.body.data, public=form.public.data)
        return _("Comment added.") if form.public.data else _("Internal note added.")

    return _take_step(ticket_id, "comment", perform)


@bp.post("/tickets/<int:ticket_id>/classify")
@staff_permission(Permission.VIEW_TICKETS)
def classify_ticket(ticket_id):
    """Set category, severity, priority and department (a major complaint goes to the manager)."""

    def perform(actor, ticket, form):
        steps.classify(
            actor,
            ticket,
            category=form.category.data or "",
            severity=form.severity.data or None,
            priority=form.priority.data,
            department=form.department.data,
            # Only a complaint's form has the select: another kind's classification leaves it as it is.
            about_staff_id=form.about_staff_id.data if ticket.kind == TicketKind.COMPLAINT else steps.UNCHANGED,
        )
        return _("Classification saved.")

    return _take_step(ticket_id, "classify", perform)


@bp.post("/tickets/<int:ticket_id>/outcome")
@staff_permission(Permission.VIEW_TICKETS)
def record_outcome(ticket_id):
    """The manager records how a complaint was settled and how the resident took it."""

    def perform(actor, ticket, form):
        steps.record_outcome(actor, ticket, outcome=form.outcome.data, reaction=form.reaction.data or "")
        return _("Outcome recorded.")

    return _take_step(ticket_id, "record_outcome", perform)


@bp.get("/tickets/<int:ticket_id>/photos/<int:photo_id>")
@staff_permission(Permission.VIEW_TICKETS)
def ticket_photo(ticket_id, photo_id):
    """A ticket's photo (or its small preview with ?preview=1), from outside static/, never cached."""
    queries.get_staff_ticket(current_actor(), ticket_id)  # another department's photos are not shown
    photo = photos.get_photo(ticket_id, photo_id)
    stored = open_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")
    if stored is None:
        abort(404)
    is_image = stored.content_type in IMAGE_TYPES
    return send_private_file(
        stored.source,
        mimetype=stored.content_type if is_image else "application/octet-stream",
        as_attachment=not is_image,
        download_name=stored.name,
    )
