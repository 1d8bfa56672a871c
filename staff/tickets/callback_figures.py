"""Callbacks and visits measured (SOP 13): the callback rate by kind, month and person against the manager's target,
the lists behind each figure, the manager's callback settings, and the analysis of what residents were unhappy
about, sent on to the departments as tickets."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import today
from domain.errors import DomainError
from domain.property import buildings
from domain.tickets import callback_rates, followups
from domain.tickets.callbacks import DISSATISFIED_UP_TO, SATISFIED_FROM, callback_settings, save_callback_settings
from domain.tickets.models import TicketKind
from extensions import db
from staff import bp
from staff.tickets.forms import CallbackSettingsForm, SendForm, ticket_labels
from web.auth import current_actor, staff_permission
from web.guards import id_arg
from web.refusals import show_domain_error

WHICH = ("all", "done", "satisfied", "dissatisfied", "open")


@bp.get("/callbacks/rates")
@staff_permission(Permission.VIEW_CALLBACK_RATES)
def callback_rates_page():
    """The callback rate and the satisfied share of a month by kind and by person, and of the last months, against
    the target; every figure links to the callbacks behind it."""
    prop = buildings.get_property()
    first = callback_rates.month_start(request.args.get("month", "")[:7], today())
    kinds, target = callback_settings(prop.id)
    return render_template(
        "staff/tickets/callback_rates.html",
        month=first,
        by_kind=callback_rates.by_kind(prop.id, first),
        by_month=callback_rates.by_month(prop.id, first),
        by_person=callback_rates.by_person(prop.id, first),
        chosen_kinds=kinds,
        all_kinds=list(TicketKind),
        target=target,
        satisfied_from=SATISFIED_FROM,
        by_resident=callback_rates.BY_RESIDENT,
        labels=ticket_labels(),
    )


@bp.get("/callbacks/records")
@staff_permission(Permission.VIEW_CALLBACK_RATES)
def list_callback_records():
    """The callbacks behind one figure of the rates page: a month, optionally a kind and a person, and which ones."""
    prop = buildings.get_property()
    first = callback_rates.month_start(request.args.get("month", "")[:7], today())
    kind = request.args.get("kind") if request.args.get("kind") in {k.value for k in TicketKind} else None
    by = request.args.get("by", "")
    by = callback_rates.BY_RESIDENT if by == callback_rates.BY_RESIDENT else id_arg("by")
    which = request.args.get("which") if request.args.get("which") in WHICH else "all"
    rows = callback_rates.callback_records(prop.id, first, kind=kind, by=by, which=which)
    return render_template(
        "staff/tickets/callback_records.html",
        rows=rows,
        month=first,
        kind=kind,
        by=by,
        which=which,
        limit=callback_rates.RECORDS_LIMIT,
        satisfied_from=SATISFIED_FROM,
        labels=ticket_labels(),
    )


@bp.route("/callbacks/settings", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_CALLBACKS)
def edit_callback_settings():
    """Which finished kinds get a callback, and the target callback rate."""
    prop = buildings.get_property()
    kinds, target = callback_settings(prop.id)
    form = CallbackSettingsForm(data={"kinds": sorted(k.value for k in kinds), "target_percent": target})
    if request.method == "POST":
        form = CallbackSettingsForm()
    if form.validate_on_submit():
        try:
            save_callback_settings(
                current_actor(), prop.id, kinds=form.kinds.data or [], target_percent=form.target_percent.data
            )
            db.session.commit()
            flash(_("Saved; tickets finished from now on follow these settings."), "success")
            return redirect(url_for("staff.callback_rates_page"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/tickets/callback_settings.html", form=form), 422 if request.method == "POST" else 200


def _analysis_page(*, bound=None, status=200):
    """Dissatisfied callbacks and visit remarks by department, each with its send form (`bound`: (form prefix, the
    submitted form))."""
    prop = buildings.get_property()
    callbacks = followups.dissatisfied_callbacks(prop.id)
    visits = followups.visit_remarks(prop.id)
    forms = {}
    for row in callbacks:
        if row.followup_ticket_id is None:
            department = row.department.value if row.department else "customer_service"
            kind = row.kind.value if row.kind.value in {k.value for k in followups.SEND_KINDS} else "complaint"
            forms[f"cb{row.id}"] = SendForm(
                prefix=f"cb{row.id}", formdata=None, data={"department": department, "kind": kind}
            )
    for row in visits:
        if row.followup_ticket_id is None:
            department = row.remark_department.value if row.remark_department else "customer_service"
            forms[f"v{row.id}"] = SendForm(prefix=f"v{row.id}", formdata=None, data={"department": department})
    if bound is not None:
        forms[bound[0]] = bound[1]
    return render_template(
        "staff/tickets/followups.html",
        callbacks=callbacks,
        visits=visits,
        forms=forms,
        dissatisfied_up_to=DISSATISFIED_UP_TO,
        labels=ticket_labels(),
    ), status


@bp.get("/callbacks/analysis")
@staff_permission(Permission.MANAGE_CALLBACKS)
def callback_analysis():
    """What residents were unhappy about, by department and category, each to send on as a ticket."""
    return _analysis_page()


def _send(prefix, service, record):
    """Send one callback or visit with the form of `prefix`; a refusal shows the page again with what was chosen."""
    form = SendForm(prefix=prefix)
    if form.validate_on_submit():
        try:
            ticket = service(
                current_actor(), record, department=form.department.data, kind=form.kind.data, note=form.note.data
            )
            ticket_id = ticket.id
            db.session.commit()
            flash(_("Sent to the department as ticket #%(id)s.", id=ticket_id), "success")
            return redirect(url_for("staff.callback_analysis"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            status = 422 if type(error) is DomainError else error.status_code
            return _analysis_page(bound=(prefix, form), status=status)
    return _analysis_page(bound=(prefix, form), status=422)


@bp.post("/callbacks/<int:callback_id>/send")
@staff_permission(Permission.MANAGE_CALLBACKS)
def send_callback(callback_id):
    """Send a dissatisfied callback to a department as a ticket (once)."""
    prop = buildings.get_property()
    return _send(f"cb{callback_id}", followups.send_callback, followups.get_callback(callback_id, prop.id))


@bp.post("/visits/<int:visit_id>/send")
@staff_permission(Permission.MANAGE_CALLBACKS)
def send_visit(visit_id):
    """Send a visit's remark to a department as a ticket (once)."""
    prop = buildings.get_property()
    return _send(f"v{visit_id}", followups.send_visit, followups.get_visit(visit_id, prop.id))
