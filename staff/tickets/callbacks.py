"""Callbacks (回访) after finished repairs and complaints, the desk's phone and visit log, and visits to residents
(SOPs 10, 13)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.accounts.roles import Permission
from domain.clock import from_local_input, today, utcnow
from domain.errors import DomainError
from domain.exports import Column
from domain.property import buildings, units
from domain.property.validation import mask_phone
from domain.tickets import callbacks as ticket_callbacks
from domain.tickets import desk, queries
from extensions import db
from staff import bp
from staff.tickets.forms import CallbackForm, ContactForm, VisitDoneForm, VisitForm, ticket_labels
from staff.tickets.pages import countdown
from web.auth import current_actor, staff_permission
from web.exports import export_response
from web.guards import id_arg
from web.refusals import show_domain_error

# Callbacks ----------------------------------------------------------------------------------------


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


@bp.get("/callbacks/export.<any(csv, xlsx):fmt>")
@staff_permission(Permission.CALL_BACK)
def export_callbacks(fmt):
    """Every callback still to make, the most overdue first; the contacts' phones masked."""
    row_count, rows = queries.export_open_callbacks(buildings.get_property_id())
    labels = ticket_labels()
    return export_response(
        fmt,
        name="callbacks",
        title=_l("Callbacks"),
        columns=(
            Column(lazy_pgettext("callback", "Due"), "datetime", 17),
            Column(_l("Ticket"), "int", 8),
            Column(_l("Kind"), width=10),
            Column(_l("Category"), width=12),
            Column(_l("Place"), width=14),
            Column(lazy_pgettext("time", "Done"), "datetime", 17),
            Column(_l("Description"), width=40),
            Column(_l("Contact"), width=12),
            Column(_l("Phone"), width=14),
        ),
        rows=(
            (
                due_at,
                ticket_id,
                labels["kinds"][kind.value],
                labels["categories"].get(category, category) if category else "",
                place,
                done_at,
                description,
                name,
                mask_phone(phone),
            )
            for due_at, ticket_id, kind, category, place, done_at, description, name, phone in rows
        ),
        row_count=row_count,
    )


@bp.post("/callbacks/<int:callback_id>")
@staff_permission(Permission.CALL_BACK)
def record_callback(callback_id):
    """Record what the resident said and how satisfied they are; the ticket then closes."""
    callback = desk.get_callback(callback_id)
    form = CallbackForm(prefix=f"cb{callback_id}")
    if form.validate_on_submit():
        try:
            ticket_callbacks.record_callback(
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


# The phone and visit log --------------------------------------------------------------------------


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
    rows, next_after = desk.list_contacts(prop.id, day=today(), after=id_arg("after"))
    return render_template(
        "staff/tickets/contacts.html", form=form, rows=rows, next_after=next_after, labels=ticket_labels()
    ), 422 if request.method == "POST" else 200


# Visits to residents ------------------------------------------------------------------------------


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
    """Visits to residents (SOP 13, VIP residents marked): plan one, see what is planned and what was done."""
    form = VisitForm()
    if request.method == "GET" and request.args.get("unit"):
        form.unit_label.data = request.args["unit"][:40]  # from the due list: the household to plan
    if form.validate_on_submit():
        try:
            unit = units.find_unit(form.unit_label.data)
            desk.plan_visit(
                current_actor(),
                property_id=buildings.get_property().id,
                unit_id=unit.id,
                planned_for=from_local_input(form.planned_for.data),
                purpose=form.purpose.data,
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
            desk.finish_visit(
                current_actor(),
                visit,
                form.notes.data,
                remark=form.remark.data or "",
                remark_department=form.remark_department.data or None,
                remark_category=form.remark_category.data or "",
            )
            db.session.commit()
            flash(_("Visit recorded."), "success")
            return redirect(url_for("staff.list_visits"), code=303)
        except DomainError as error_:
            show_domain_error(form, error_)
            error = " ".join(form.form_errors) or None
            form.form_errors.clear()
            status = 422 if type(error_) is DomainError else error_.status_code
    return _visits_page(VisitForm(formdata=None), done_forms={visit_id: form}, error=error, status=status)
