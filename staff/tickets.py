"""Tickets in the console (SOPs 5-7, 9, 10, 13): the queues with the 3-minute forwarding alarm, recording a
ticket, one ticket with the steps the signed-in person may take, callbacks, the phone/visit log and visits."""

import os
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from domain.accounts.roles import Permission, Role
from domain.clock import from_local_input, today, utcnow
from domain.errors import DomainError, NotAllowed
from domain.files.store import served_type
from domain.property import buildings, units
from domain.tickets import desk, photos, queries, workflow
from domain.tickets import services as tickets
from domain.tickets.models import Status
from extensions import db
from staff import bp
from staff.ticket_forms import (
    DEPARTMENT_LABELS,
    KIND_LABELS,
    CallbackForm,
    ClassifyForm,
    CommentForm,
    ConfirmForm,
    ContactForm,
    DispatchForm,
    FinishForm,
    OutcomeForm,
    QuestionForm,
    ReasonForm,
    RedirectForm,
    ScheduleForm,
    TicketForm,
    VisitDoneForm,
    VisitForm,
    WorkForm,
    ticket_labels,
)
from web.auth import current_actor, safe_next, staff_permission
from web.downloads import send_private_file
from web.filters import fen
from web.guards import id_arg
from web.htmx import is_fragment_request, render_page
from web.refusals import show_domain_error

#: The queue's status filter: "open" is every status where work is still to be done.
STATUS_FILTERS = ("open", "new", "dispatched", "claimed", "scheduled", "waiting", "done", "closed", "cancelled", "any")
#: Photo types served as images; anything else is sent as a download.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def _int_arg(name):
    """A positive integer query argument, or None."""
    return id_arg(name)


def _is_desk():
    """Whether the signed-in person works at the desk (records, forwards, calls back)."""
    return Role(current_user.role) in workflow.DESK


#: locale -> the translated duration formats; translations never change while the process runs.
_SPAN_FORMATS = {}


def _span_formats():
    """The five duration formats in the user's language, translated once per process and locale."""
    key = str(get_locale())
    formats = _SPAN_FORMATS.get(key)
    if formats is None:
        formats = _SPAN_FORMATS[key] = {
            "s": _("%(s)s s"),
            "ms": _("%(m)s min %(s)s s"),
            "m": _("%(m)s min"),
            "hm": _("%(h)s h %(m)s min"),
            "dh": _("%(d)s d %(h)s h"),
        }
    return formats


def span(seconds, formats=None):
    """A duration as people say it: "45 s", "2 min 10 s", "25 min", "3 h 5 min", "2 d 4 h".

    A page of durations passes `formats` (_span_formats()) rather than looking the language up per row.
    """
    seconds = int(abs(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    formats = formats or _span_formats()
    if minutes == 0:
        return formats["s"] % {"s": secs}
    if minutes < 10:
        return formats["ms"] % {"m": minutes, "s": secs}
    if hours == 0:
        return formats["m"] % {"m": minutes}
    if days == 0:
        return formats["hm"] % {"h": hours, "m": mins}
    return formats["dh"] % {"d": days, "h": hrs}


def countdown(seconds):
    """Time left to a deadline ("2 min 10 s left"), or how late it is ("late by 1 min 5 s")."""
    return _("%(span)s left", span=span(seconds)) if seconds >= 0 else _("late by %(span)s", span=span(seconds))


# The queue -----------------------------------------------------------------------------------------


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
    return {
        "department": department,
        "status": status if status in STATUS_FILTERS else "open",
        "kind": kind if kind in KIND_LABELS else "",
        "mine": request.args.get("mine") == "1",
    }


def filter_args(filters):
    """The filters as query arguments for links (pager), leaving out the empty ones."""
    return {
        "department": filters["department"],
        "status": filters["status"],
        "kind": filters["kind"] or None,
        "mine": "1" if filters["mine"] else None,
    }


@bp.get("/tickets/")
@staff_permission(Permission.VIEW_TICKETS)
def list_tickets():
    """The queue, paged by key; the desk also sees what waits to be forwarded, each with its countdown.

    htmx requests (changing a filter, the next page) get only the rows. A fixed number of statements.
    """
    property_id = buildings.get_property_id()
    filters = _queue_filters()
    # A department's "open" work is what has been forwarded to it: new tickets wait for the desk first.
    open_work = workflow.OPEN if _is_desk() else workflow.OPEN - {Status.NEW}
    statuses = {"open": list(open_work), "any": None}.get(filters["status"], [filters["status"]])
    now = utcnow()
    rows, next_after = queries.queue(
        property_id,
        department=None if filters["department"] == "all" else filters["department"],
        statuses=statuses,
        assignee_id=current_user.id if filters["mine"] else None,
        kind=filters["kind"] or None,
        after=_int_arg("after"),
    )
    formats = _span_formats()
    to_forward = None
    if _is_desk() and not is_fragment_request() and not request.args.get("after"):
        to_forward = queries.undispatched(property_id, now)
    return render_page(
        "staff/tickets/index.html",
        "staff/tickets/_results.html",
        rows=rows,
        next_after=next_after,
        filters=filters,
        filter_args=filter_args(filters),
        names=queries.assignee_names(rows),
        to_forward=to_forward,
        labels=ticket_labels(),
        late={row.id: queries.late_clocks(row, now) for row in rows},
        ages={row.id: span((now - row.created_at).total_seconds(), formats) for row in rows},
        countdown=countdown,
        can_forward=_is_desk(),
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


# Recording a ticket --------------------------------------------------------------------------------


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
    _service_choices(form, prop.id)
    if form.validate_on_submit():
        try:
            label = (form.unit_label.data or "").strip()
            unit = units.find_unit(label) if label else None
            phone = form.contact_phone.data or ""
            ticket = tickets.create_ticket(
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
            )
            db.session.commit()
            flash(_("Ticket #%(id)s recorded.", id=ticket.id), "success")
            return redirect(url_for("staff.show_ticket", ticket_id=ticket.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/tickets/new.html", form=form), 422 if request.method == "POST" else 200


# One ticket and its steps ----------------------------------------------------------------------------

#: The console's steps: name (= endpoint verb and URL) -> (workflow action, form).
STEPS = {
    "dispatch": ("dispatch", DispatchForm),
    "redirect": ("redirect", RedirectForm),
    "claim": ("claim", ConfirmForm),
    "schedule": ("schedule", ScheduleForm),
    "hand_back": ("hand_back", ReasonForm),
    "ask_resident": ("ask_resident", QuestionForm),
    "resume": ("resume", ConfirmForm),
    "record_work": ("record_work", WorkForm),
    "cannot_come": ("cannot_come", ReasonForm),
    "finish": ("finish", FinishForm),
    "close": ("close", ConfirmForm),
    "cancel": ("cancel", ReasonForm),
    "comment": ("staff_comment", CommentForm),
    "classify": ("classify", ClassifyForm),
    "record_outcome": ("record_outcome", OutcomeForm),
}


def _steps_for(actor, ticket):
    """The console's steps for the actions `actor` may take on `ticket` now (workflow.allowed_actions)."""
    allowed = workflow.allowed_actions(actor, ticket)
    return [name for name, (action, _form) in STEPS.items() if action in allowed]


def _blank_form(name, ticket):
    """A step's form as first shown, with the ticket's current values where it has any."""
    form_class = STEPS[name][1]
    values = {}
    if name in ("dispatch", "redirect", "classify") and ticket.department is not None:
        values["department"] = ticket.department.value
    if name == "classify":
        values.update(
            category=ticket.category,
            priority=ticket.priority.value,
            severity=ticket.severity.value if ticket.severity else "",
        )
    return form_class(prefix=name, formdata=None, **values)


def _clock_rows(ticket, now):
    """[(key, clock, state, text)] for the ticket page: met, met late, late, due, paused or stopped."""
    rows = []
    for key, clock in queries.clocks(ticket, now).items():
        if clock.met is not None:
            state, text = ("late", _("met late")) if clock.late else ("ok", _("met"))
        elif ticket.status in (Status.CANCELLED, Status.CLOSED, Status.DONE):
            state, text = "stopped", _("stopped")
        elif ticket.waiting_since is not None:
            state, text = "paused", _("paused while waiting for the resident")
        elif clock.late:
            state, text = "late", countdown((clock.due - now).total_seconds())
        else:
            state, text = "due", countdown((clock.due - now).total_seconds())
        rows.append((key, clock, state, text))
    return rows


#: A classification change's field -> the label group its values are in, and the field's name in words.
CLASSIFIED_FIELDS = {
    "category": "categories",
    "severity": "severities",
    "priority": "priorities",
    "department": "departments",
}
CLASSIFIED_NAMES = {
    "category": lambda: _("Category"),
    "severity": lambda: _("Severity"),
    "priority": lambda: _("Priority"),
    "department": lambda: _("Department"),
}


def _timeline(ticket, labels):
    """The ticket's events, each with the details its data holds, in words."""
    items = []
    for event in ticket.events:
        data = event.data or {}
        details = []
        if event.action == "classified":
            for name, change in data.items():
                old, new = (list(change) + [None, None])[:2] if isinstance(change, list) else (None, change)
                words = labels.get(CLASSIFIED_FIELDS.get(name, ""), {})
                details.append(
                    f"{CLASSIFIED_NAMES[name]() if name in CLASSIFIED_NAMES else name}: "
                    f"{words.get(old, old) or '—'} → {words.get(new, new) or '—'}"
                )
        else:
            if data.get("department"):
                details.append(_("To %(department)s", department=labels["departments"].get(data["department"], "")))
            if data.get("when"):
                details.append(_("For %(when)s", when=format_datetime(datetime.fromisoformat(data["when"]), "short")))
            if data.get("materials"):
                details.append(_("Materials: %(materials)s", materials=data["materials"]))
            if data.get("satisfaction"):
                details.append(_("Satisfaction: %(n)s/5", n=data["satisfaction"]))
            if data.get("rating"):
                details.append(_("Rating: %(n)s/5", n=data["rating"]))
            if data.get("reaction"):
                details.append(_("Resident's reaction: %(text)s", text=data["reaction"]))
            if data.get("paused_seconds"):
                details.append(_("Paused for %(span)s", span=span(data["paused_seconds"])))
            if data.get("by") == "resident":
                details.append(_("Cancelled by the resident."))
            if data.get("amount_fen"):
                details.append(_("Amount: %(amount)s", amount=fen(data["amount_fen"])))
        items.append((event, details))
    return items


def _ticket_page(ticket, *, bound=None, error=None, status=200):
    """Render a ticket: details, timeline, photos, clocks and the forms of the steps allowed now.

    `bound` is (step name, form) of a submitted form to show again with its errors and what was typed.
    """
    actor = current_actor()
    names = _steps_for(actor, ticket)
    forms = {name: _blank_form(name, ticket) for name in names}
    if bound is not None and bound[0] in forms:
        forms[bound[0]] = bound[1]
    callback = desk.callback_for(ticket.id)
    labels = ticket_labels()
    now = utcnow()
    return render_template(
        "staff/tickets/show.html",
        ticket=ticket,
        forms=forms,
        labels=labels,
        error=error,
        callback=callback,
        clock_rows=_clock_rows(ticket, now),
        timeline=_timeline(ticket, labels),
        now=now,
        department_open=ticket.status in workflow.QUEUED,
        close_waits=callback is not None and callback.status.value == "open" and ticket.rating is None,
        is_assignee=ticket.assignee_id == current_user.id,
    ), status


@bp.get("/tickets/<int:ticket_id>")
@staff_permission(Permission.VIEW_TICKETS)
def show_ticket(ticket_id):
    """Everything about a ticket, and only the steps the signed-in person may take now."""
    return _ticket_page(tickets.get_staff_ticket(current_actor(), ticket_id))


def _back_to(ticket):
    """Where to go after a step: the queue when the step was taken there, else the ticket."""
    target = safe_next(request.form.get("next"))
    if target and target.startswith(url_for("staff.list_tickets")):
        return target
    return url_for("staff.show_ticket", ticket_id=ticket.id)


def _take_step(ticket_id, name, perform):
    """Check who may take the step, validate its form, run `perform(actor, ticket, form)` (which returns
    the success message), commit once and go back; a refusal shows the ticket again with the reason."""
    ticket = tickets.get_staff_ticket(current_actor(), ticket_id)
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
            tickets.get_staff_ticket(current_actor(), ticket_id), bound=(name, form), error=message, status=status
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
        tickets.dispatch(actor, ticket, department=form.department.data)
        return _("Ticket #%(id)s forwarded to %(department)s.", id=ticket.id, department=_department_label(ticket))

    return _take_step(ticket_id, "dispatch", perform)


@bp.post("/tickets/<int:ticket_id>/redirect")
@staff_permission(Permission.VIEW_TICKETS)
def redirect_ticket(ticket_id):
    """Move a queued ticket to another department's queue."""

    def perform(actor, ticket, form):
        tickets.redirect(actor, ticket, department=form.department.data)
        return _("Ticket #%(id)s moved to %(department)s.", id=ticket.id, department=_department_label(ticket))

    return _take_step(ticket_id, "redirect", perform)


@bp.post("/tickets/<int:ticket_id>/claim")
@staff_permission(Permission.VIEW_TICKETS)
def claim_ticket(ticket_id):
    """Take a queued ticket; when someone else was quicker, say so."""

    def perform(actor, ticket, form):
        tickets.claim(actor, ticket)
        return _("Ticket #%(id)s is yours.", id=ticket.id)

    return _take_step(ticket_id, "claim", perform)


@bp.post("/tickets/<int:ticket_id>/schedule")
@staff_permission(Permission.VIEW_TICKETS)
def schedule_ticket(ticket_id):
    """Book the visit (typed in property time); the resident is told."""

    def perform(actor, ticket, form):
        tickets.schedule(actor, ticket, when=from_local_input(form.when.data), note=form.note.data or "")
        return _("Visit booked for %(when)s.", when=format_datetime(ticket.scheduled_for, "short"))

    return _take_step(ticket_id, "schedule", perform)


@bp.post("/tickets/<int:ticket_id>/hand-back")
@staff_permission(Permission.VIEW_TICKETS)
def hand_back_ticket(ticket_id):
    """Give a ticket back to its queue, with the reason."""

    def perform(actor, ticket, form):
        tickets.hand_back(actor, ticket, reason=form.reason.data)
        return _("Ticket #%(id)s is back in the queue.", id=ticket.id)

    return _take_step(ticket_id, "hand_back", perform)


@bp.post("/tickets/<int:ticket_id>/ask")
@staff_permission(Permission.VIEW_TICKETS)
def ask_resident(ticket_id):
    """Ask the resident a question; the service-level clocks pause until the answer."""

    def perform(actor, ticket, form):
        tickets.ask_resident(actor, ticket, question=form.question.data)
        return _("Question sent; the clock is paused until the resident answers.")

    return _take_step(ticket_id, "ask_resident", perform)


@bp.post("/tickets/<int:ticket_id>/resume")
@staff_permission(Permission.VIEW_TICKETS)
def resume_ticket(ticket_id):
    """Restart a waiting ticket (the resident answered another way)."""

    def perform(actor, ticket, form):
        tickets.resume(actor, ticket)
        return _("Ticket #%(id)s resumed.", id=ticket.id)

    return _take_step(ticket_id, "resume", perform)


@bp.post("/tickets/<int:ticket_id>/work")
@staff_permission(Permission.VIEW_TICKETS)
def record_work(ticket_id):
    """Record work done and materials used, without finishing."""

    def perform(actor, ticket, form):
        tickets.record_work(actor, ticket, note=form.note.data, materials=form.materials.data or "")
        return _("Work recorded.")

    return _take_step(ticket_id, "record_work", perform)


@bp.post("/tickets/<int:ticket_id>/cannot-come")
@staff_permission(Permission.VIEW_TICKETS)
def cannot_come(ticket_id):
    """The department cannot come in time: the resident and the desk are told why."""

    def perform(actor, ticket, form):
        tickets.cannot_come(actor, ticket, reason=form.reason.data)
        return _("The resident and the desk have been told.")

    return _take_step(ticket_id, "cannot_come", perform)


@bp.post("/tickets/<int:ticket_id>/finish")
@staff_permission(Permission.VIEW_TICKETS)
def finish_ticket(ticket_id):
    """Mark the work done (repairs and complaints then wait for their callback)."""

    def perform(actor, ticket, form):
        tickets.finish(actor, ticket, summary=form.summary.data, materials=form.materials.data or "")
        return _("Ticket #%(id)s is done.", id=ticket.id)

    return _take_step(ticket_id, "finish", perform)


@bp.post("/tickets/<int:ticket_id>/close")
@staff_permission(Permission.VIEW_TICKETS)
def close_ticket(ticket_id):
    """Close a done ticket (refused while its callback is still to make)."""

    def perform(actor, ticket, form):
        tickets.close(actor, ticket)
        return _("Ticket #%(id)s closed.", id=ticket.id)

    return _take_step(ticket_id, "close", perform)


@bp.post("/tickets/<int:ticket_id>/cancel")
@staff_permission(Permission.VIEW_TICKETS)
def cancel_ticket(ticket_id):
    """Cancel a ticket (a duplicate, withdrawn by phone), with the reason."""

    def perform(actor, ticket, form):
        tickets.cancel(actor, ticket, reason=form.reason.data)
        return _("Ticket #%(id)s cancelled.", id=ticket.id)

    return _take_step(ticket_id, "cancel", perform)


@bp.post("/tickets/<int:ticket_id>/comment")
@staff_permission(Permission.VIEW_TICKETS)
def comment_ticket(ticket_id):
    """Add an internal note, or a comment the resident sees."""

    def perform(actor, ticket, form):
        tickets.comment(actor, ticket, body=form.body.data, public=form.public.data)
        return _("Comment added.") if form.public.data else _("Internal note added.")

    return _take_step(ticket_id, "comment", perform)


@bp.post("/tickets/<int:ticket_id>/classify")
@staff_permission(Permission.VIEW_TICKETS)
def classify_ticket(ticket_id):
    """Set category, severity, priority and department (a major complaint goes to the manager)."""

    def perform(actor, ticket, form):
        tickets.classify(
            actor,
            ticket,
            category=form.category.data or "",
            severity=form.severity.data or None,
            priority=form.priority.data,
            department=form.department.data,
        )
        return _("Classification saved.")

    return _take_step(ticket_id, "classify", perform)


@bp.post("/tickets/<int:ticket_id>/outcome")
@staff_permission(Permission.VIEW_TICKETS)
def record_outcome(ticket_id):
    """The manager records how a complaint was settled and how the resident took it."""

    def perform(actor, ticket, form):
        tickets.record_outcome(actor, ticket, outcome=form.outcome.data, reaction=form.reaction.data or "")
        return _("Outcome recorded.")

    return _take_step(ticket_id, "record_outcome", perform)


@bp.get("/tickets/<int:ticket_id>/photos/<int:photo_id>")
@staff_permission(Permission.VIEW_TICKETS)
def ticket_photo(ticket_id, photo_id):
    """A ticket's photo (or its small preview with ?preview=1), from outside static/, never cached."""
    tickets.get_staff_ticket(current_actor(), ticket_id)  # another department's photos are not shown
    photo = photos.get_photo(ticket_id, photo_id)
    path = photos.photo_path(photo, preview=request.args.get("preview") == "1")
    content_type = served_type(path, photo.content_type)
    is_image = content_type in IMAGE_TYPES
    return send_private_file(
        path,
        mimetype=content_type if is_image else "application/octet-stream",
        as_attachment=not is_image,
        download_name=os.path.basename(path),
    )


# Callbacks -----------------------------------------------------------------------------------------


def _callbacks_page(*, bound=None, error=None, status=200):
    """The open callbacks, most overdue first, each with its form (`bound`: (callback id, submitted form))."""
    prop = buildings.get_property()
    callbacks = queries.open_callbacks(prop.id)
    forms = {cb.id: CallbackForm(prefix=f"cb{cb.id}", formdata=None) for cb in callbacks}
    if bound is not None and bound[0] in forms:
        forms[bound[0]] = bound[1]
    return render_template(
        "staff/tickets/callbacks.html",
        callbacks=callbacks,
        forms=forms,
        error=error,
        now=utcnow(),
        units=units.unit_labels(cb.ticket.unit_id for cb in callbacks),
        contacts=desk.resident_contacts(cb.ticket.resident_id for cb in callbacks),
        labels=ticket_labels(),
        countdown=countdown,
    ), status


@bp.get("/callbacks")
@staff_permission(Permission.CALL_BACK)
def list_callbacks():
    """Callbacks (回访) to make after finished repairs and complaints, most overdue first, with a phone script."""
    return _callbacks_page()


@bp.post("/callbacks/<int:callback_id>")
@staff_permission(Permission.CALL_BACK)
def record_callback(callback_id):
    """Record what the resident said and how satisfied they are; the ticket then closes."""
    callback = desk.get_callback(callback_id)
    form = CallbackForm(prefix=f"cb{callback_id}")
    if form.validate_on_submit():
        try:
            tickets.record_callback(
                current_actor(), callback, result=form.result.data, satisfaction=int(form.satisfaction.data)
            )
            ticket_id = callback.ticket_id
            db.session.commit()
            flash(_("Callback recorded; ticket #%(id)s is closed.", id=ticket_id), "success")
            return redirect(url_for("staff.list_callbacks"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            message = " ".join(form.form_errors) or None
            form.form_errors.clear()
            return _callbacks_page(
                bound=(callback_id, form),
                error=message,
                status=422 if type(error) is DomainError else error.status_code,
            )
    return _callbacks_page(bound=(callback_id, form), status=422)


# The phone and visit log ---------------------------------------------------------------------------


@bp.route("/contacts", methods=["GET", "POST"])
@staff_permission(Permission.RECORD_TICKETS)
def list_contacts():
    """Today's calls and visits at the desk, newest first, and the form to log one (optionally with a ticket)."""
    prop = buildings.get_property()
    form = ContactForm()
    if form.validate_on_submit():
        try:
            label = (form.unit_label.data or "").strip()
            unit = units.find_unit(label) if label else None
            entry = desk.log_contact(
                current_actor(),
                property_id=prop.id,
                channel=form.channel.data,
                summary=form.summary.data,
                caller_name=form.caller_name.data or "",
                caller_phone=form.caller_phone.data or "",
                unit_id=unit.id if unit else None,
                location=form.location.data or "",
                today=today(),
                ticket_kind=form.ticket_kind.data if form.open_ticket.data else None,
            )
            db.session.commit()
            flash(
                _("Logged; ticket #%(id)s opened.", id=entry.ticket_id) if entry.ticket_id else _("Logged."), "success"
            )
            return redirect(url_for("staff.list_contacts"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    rows, next_after = desk.list_contacts(prop.id, day=today(), after=_int_arg("after"))
    return render_template(
        "staff/tickets/contacts.html", form=form, rows=rows, next_after=next_after, labels=ticket_labels()
    ), 422 if request.method == "POST" else 200


# Visits to residents -------------------------------------------------------------------------------


def _visits_page(form, *, done_forms=None, error=None, status=200):
    """Planned visits (each with its "done" form) and the latest made ones."""
    prop = buildings.get_property()
    planned = desk.list_visits(prop.id)
    forms = {v.id: VisitDoneForm(prefix=f"v{v.id}", formdata=None) for v in planned}
    forms.update(done_forms or {})
    return render_template(
        "staff/tickets/visits.html",
        form=form,
        planned=planned,
        done_forms=forms,
        error=error,
        made=desk.list_visits(prop.id, done=True, limit=20),
        now=utcnow(),
    ), status


@bp.route("/visits", methods=["GET", "POST"])
@staff_permission(Permission.CALL_BACK)
def list_visits():
    """Visits to residents (SOP 13, VIP ones marked): plan one, see what is planned and what was done."""
    form = VisitForm()
    if form.validate_on_submit():
        try:
            unit = units.find_unit(form.unit_label.data)
            desk.plan_visit(
                current_actor(),
                property_id=buildings.get_property().id,
                unit_id=unit.id,
                planned_for=from_local_input(form.planned_for.data),
                purpose=form.purpose.data,
                is_vip=form.is_vip.data,
                today=today(),
            )
            db.session.commit()
            flash(_("Visit planned."), "success")
            return redirect(url_for("staff.list_visits"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _visits_page(form, status=422 if request.method == "POST" else 200)


@bp.post("/visits/<int:visit_id>/done")
@staff_permission(Permission.CALL_BACK)
def finish_visit(visit_id):
    """Record that a planned visit took place, with notes."""
    visit = desk.get_visit(visit_id)
    form = VisitDoneForm(prefix=f"v{visit_id}")
    error, status = None, 422
    if form.validate_on_submit():
        try:
            desk.finish_visit(current_actor(), visit, form.notes.data)
            db.session.commit()
            flash(_("Visit recorded."), "success")
            return redirect(url_for("staff.list_visits"), code=303)
        except DomainError as error_:
            show_domain_error(form, error_)
            error = " ".join(form.form_errors) or None
            form.form_errors.clear()
            status = 422 if type(error_) is DomainError else error_.status_code
    return _visits_page(VisitForm(formdata=None), done_forms={visit_id: form}, error=error, status=status)
