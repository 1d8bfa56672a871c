"""Incident mode in the console: the manager switches the notice to the affected buildings on, posts updates and the
all-clear; the desk attaches residents' tickets about the same problem and closes them with one message. The panel
(templates/staff/incidents/_notice_panel.html) shows on the incident's page and on a page of its own."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.accounts.roles import Permission, can
from domain.errors import DomainError
from domain.incidents import notices
from domain.incidents.services import get_incident
from domain.incidents.workflow import incident_actions
from domain.property.buildings import get_property_id, list_buildings
from domain.property.units import unit_labels
from domain.tickets.labels import CATEGORY_LABELS
from domain.tickets.workflow import STATUS_LABELS as TICKET_STATUS_LABELS
from extensions import db
from staff import bp
from staff.incidents.notice_forms import (
    DEFAULT_TITLES,
    NOTICE_TITLE,
    AttachTicketsForm,
    CloseTicketsForm,
    NoticeOffForm,
    NoticeOnForm,
    NoticeUpdateForm,
)
from web.auth import current_actor, staff_permission
from web.htmx import render_page
from web.refusals import refuse_fragment, show_domain_error

#: The page of its own (the incident's page includes the same panel).
PAGE = "staff/incidents/notice/page.html"


def _incident(incident_id):
    """The incident of this property, or 404."""
    return get_incident(incident_id, get_property_id())


def panel_url(incident, anchor="incident-mode"):
    """Where the panel's forms come back to: the incident mode page, at the panel."""
    return url_for("staff.incident_notice", incident_id=incident.id) + f"#{anchor}"


def incident_url(incident):
    """The incident's own page."""
    return url_for("staff.show_incident", incident_id=incident.id)


def on_form(incident, buildings, formdata=None):
    """The switch-on form, with the incident's kind's title and its building ticked (or what was typed)."""
    form = NoticeOnForm(
        formdata=formdata,
        title=str(DEFAULT_TITLES.get(incident.kind, NOTICE_TITLE)),
        body=incident.description,
        building_ids=[str(incident.building_id)] if incident.building_id else [],
    )
    form.building_ids.choices = [(str(building.id), building.name) for building in buildings]
    return form


def notice_panel(incident, *, query=None, **forms):
    """Everything the panel shows for the signed-in person; `forms` replaces the blank ones (a refused form keeps
    what was typed), `query` searches open tickets to attach."""
    actor = current_actor()
    actions = incident_actions(actor, incident)
    live = notices.live_notice(incident.id)
    desk = can(current_user.role, Permission.ATTACH_INCIDENT_TICKETS)
    buildings = list_buildings()
    attached = notices.attached_tickets(incident.id) if desk else []
    if desk and "attach_tickets" in actions:
        affected = notices.notice_building_ids(live) if live else [incident.building_id] if incident.building_id else []
        candidates = notices.candidate_tickets(incident, building_ids=affected, query=query or "")
    else:
        candidates = []
    context = {
        "incident": incident,
        "actions": actions,
        "live": live,
        "past": [notice for notice in notices.notices_of(incident.id) if notice.ended_at is not None],
        "live_buildings": [b.name for b in buildings if live and b.id in notices.notice_building_ids(live)],
        "all_clear": str(notices.ALL_CLEAR),
        "desk": desk,
        "attached": attached,
        "candidates": candidates,
        "query": query or "",
        "units": unit_labels([ticket.unit_id for ticket in [*attached, *candidates]]),
        "ticket_statuses": TICKET_STATUS_LABELS,
        "categories": CATEGORY_LABELS,
        "on_form": on_form(incident, buildings),
        "update_form": NoticeUpdateForm(prefix="update", formdata=None),
        "off_form": NoticeOffForm(prefix="off", formdata=None),
        "attach_form": AttachTicketsForm(formdata=None),
        "close_form": CloseTicketsForm(formdata=None),
    }
    context.update(forms)
    return context


def _page(incident, status=200, **forms):
    """The incident mode page (a refused form shown as typed)."""
    panel = notice_panel(incident, **forms)
    return render_page(PAGE, incident=incident, incident_url=incident_url(incident), notice_panel=panel, status=status)


@bp.app_template_global("incident_notice_panel")
def incident_notice_panel(incident):
    """The panel's context for a page that includes it (the incident's page)."""
    return notice_panel(incident)


@bp.get("/incidents/<int:incident_id>/notice")
@staff_permission(Permission.REPORT_INCIDENTS)
def incident_notice(incident_id):
    """Incident mode for one incident: the notice, its updates, and the residents' tickets attached."""
    incident = _incident(incident_id)
    return _page(incident)


def _submit(incident, form, form_name, perform, done):
    """Run a panel form's service call and commit, flash `done` and go back to the panel; a refusal of the step
    (not allowed, wrong state, gone) is flashed or toasted, bad input shows the page again as typed (422)."""
    valid = form.validate()
    try:
        perform(current_actor(), valid)
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404, 409):
            return refuse_fragment(error, back=panel_url(incident))
        show_domain_error(form, error)
        return _page(incident, 422, **{form_name: form})
    flash(done, "success")
    return redirect(panel_url(incident), code=303)


@bp.post("/incidents/<int:incident_id>/notice")
@staff_permission(Permission.RUN_INCIDENT_MODE)
def switch_notice_on(incident_id):
    """Incident mode on: the banner, the announcement and the e-mails to the affected buildings' residents."""
    incident = _incident(incident_id)
    form = on_form(incident, list_buildings(), formdata=request.form)

    def perform(actor, valid):
        data = form.data
        notices.notice_on(
            actor,
            incident,
            title=data["title"] if valid else "",
            body=data["body"],
            building_ids=data["building_ids"],
        )

    return _submit(incident, form, "on_form", perform, _("Incident mode is on: the affected residents have been told."))


def _notice(incident, notice_id):
    """The incident's notice, or 404."""
    return notices.get_notice(notice_id, incident)


@bp.post("/incidents/<int:incident_id>/notice/<int:notice_id>/updates")
@staff_permission(Permission.RUN_INCIDENT_MODE)
def post_notice_update(incident_id, notice_id):
    """Post an update to the live notice; the same residents are told."""
    incident = _incident(incident_id)
    notice = _notice(incident, notice_id)
    form = NoticeUpdateForm(prefix="update")

    def perform(actor, valid):
        notices.post_update(actor, notice, body=form.body.data if valid else "")

    return _submit(incident, form, "update_form", perform, _("The update has been posted to the residents."))


@bp.post("/incidents/<int:incident_id>/notice/<int:notice_id>/off")
@staff_permission(Permission.RUN_INCIDENT_MODE)
def switch_notice_off(incident_id, notice_id):
    """Incident mode off: the banner and the announcement go and the residents get the all-clear."""
    incident = _incident(incident_id)
    notice = _notice(incident, notice_id)
    form = NoticeOffForm(prefix="off")

    def perform(actor, valid):
        if not valid:
            raise DomainError(_("Please check the marked fields."))
        notices.notice_off(actor, notice, body=form.body.data)

    return _submit(incident, form, "off_form", perform, _("Incident mode is off: the all-clear has been posted."))


@bp.get("/incidents/<int:incident_id>/tickets")
@staff_permission(Permission.ATTACH_INCIDENT_TICKETS)
def incident_ticket_candidates(incident_id):
    """Open tickets to attach: a search by number, unit or category, or those of the affected buildings since the
    incident began (htmx: the list only)."""
    incident = _incident(incident_id)
    panel = notice_panel(incident, query=request.args.get("q", "")[:40])
    return render_page(
        PAGE,
        "staff/incidents/notice/_candidates.html",
        incident=incident,
        incident_url=incident_url(incident),
        notice_panel=panel,
    )


@bp.post("/incidents/<int:incident_id>/tickets")
@staff_permission(Permission.ATTACH_INCIDENT_TICKETS)
def attach_incident_tickets(incident_id):
    """Attach the ticked tickets to the incident (those already attached stay as they are)."""
    incident = _incident(incident_id)
    form = AttachTicketsForm()

    def perform(actor, _valid):
        notices.attach_tickets(actor, incident, form.ticket_ids.data or [])

    return _submit(incident, form, "attach_form", perform, _("Tickets attached to the incident."))


@bp.post("/incidents/<int:incident_id>/tickets/close")
@staff_permission(Permission.ATTACH_INCIDENT_TICKETS)
def close_incident_tickets(incident_id):
    """Close every attached ticket still open with one message each resident sees."""
    incident = _incident(incident_id)
    form = CloseTicketsForm()

    def perform(actor, valid):
        notices.close_attached_tickets(actor, incident, message=form.message.data if valid else "")

    return _submit(incident, form, "close_form", perform, _("The attached tickets are closed and the residents told."))
