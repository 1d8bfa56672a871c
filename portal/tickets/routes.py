"""The resident's requests: report a repair (with photos), complain, ask for help, ask a question, book a service,
suggest or praise, then follow it, mark it urgent, answer, cancel while nothing has started, and rate the result."""

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.clock import today
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.notify import services as notices
from domain.property.buildings import get_property
from domain.property.occupancies import households_for
from domain.property.residents import resident_for_user
from domain.tickets import photos, queries, recording, steps, urgency, workflow
from domain.tickets.catalogue import list_service_items
from extensions import db
from portal import bp
from portal.tickets.forms import (
    KIND_HINTS,
    KIND_LABELS,
    CommentForm,
    RateForm,
    TicketForm,
    UrgentForm,
    ticket_labels,
)
from web.auth import current_actor
from web.downloads import send_stored
from web.guards import id_arg
from web.htmx import is_fragment_request, render_page
from web.refusals import refuse_fragment, show_domain_error


@bp.get("/tickets")
def list_tickets():
    """The resident's requests, newest first (htmx: only the next page's rows), and their latest notifications."""
    resident = resident_for_user(current_user)
    after = id_arg("after")
    rows, next_after = queries.resident_tickets(resident.id, after=after, limit=20)
    context = dict(
        rows=rows, next_after=next_after, names=queries.assignee_names(rows), held=workflow.HELD, labels=ticket_labels()
    )
    if is_fragment_request():
        return render_page("portal/tickets/index.html", "portal/tickets/_rows.html", **context)
    notifications = [] if after else notices.latest_notices(resident.id)
    response = render_page(
        "portal/tickets/index.html",
        "portal/tickets/_rows.html",
        notifications=notifications,
        after=after,
        kinds=KIND_LABELS,
        **context,
    )
    unread = [n.id for n in notifications if n.read_at is None]
    if unread:  # shown once as new, then as read
        notices.mark_notices_read(unread)
        db.session.commit()
    return response


@bp.route("/tickets/new", methods=["GET", "POST"])
def create_ticket():
    """A new request of any kind, with up to six photos; all or nothing."""
    resident = resident_for_user(current_user)
    households = households_for(resident.id, today())
    catalogue = list_service_items(resident.property_id, active_only=True)
    kind = request.args.get("kind")
    form = TicketForm(kind=kind if kind in KIND_LABELS else "repair", contact_phone=resident.phone)
    form.set_choices(households, catalogue)
    files = form.photos.data or []
    if form.validate_on_submit():
        actor = current_actor()
        try:
            ticket = recording.create_ticket(
                actor,
                property_id=resident.property_id,
                kind=form.kind.data,
                channel="portal",
                description=form.description.data,
                category=form.category(),
                unit_id=form.unit_id(),
                location=(form.location.data or "") if form.unit_id() is None else "",
                resident_id=resident.id,
                contact_name=resident.name,
                contact_phone=form.contact_phone.data or "",
                preferred_time=form.preferred_time.data or "",
                service_item_id=form.chosen_service_id(),
                urgent_reason=form.urgent_reason_given(),
            )
            created = next(event for event in ticket.events if event.action == "created")
            photos.save_photos(actor, ticket, files, event=created)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash(_("Request #%(id)s was sent. We will keep you posted here.", id=ticket.id), "success")
            return redirect(url_for("portal.show_ticket", ticket_id=ticket.id), code=303)
    return render_template(
        "portal/tickets/new.html",
        form=form,
        kinds=KIND_LABELS,
        hints=KIND_HINTS,
        photos_lost=bool(files) and form.is_submitted(),
        desk=get_property(),
    )


@bp.get("/tickets/<int:ticket_id>")
def show_ticket(ticket_id):
    """One request: status, who has it, the public timeline with photos (htmx: only the timeline), and the forms."""
    resident = resident_for_user(current_user)
    ticket = queries.get_resident_ticket(resident.id, ticket_id)
    return _render_ticket(ticket, CommentForm(), RateForm())


@bp.post("/tickets/<int:ticket_id>/comments")
def comment_ticket(ticket_id):
    """The resident comments (or answers the team's question) with optional photos.

    htmx gets a fresh form and the new timeline (out of band); without JS, post/redirect/get.
    """
    resident = resident_for_user(current_user)
    ticket = queries.get_resident_ticket(resident.id, ticket_id)
    form = CommentForm()
    files = form.photos.data or []
    valid = form.validate_on_submit()
    actor = current_actor()
    try:
        # Called even when the form is invalid: a refusal because of the ticket's state comes first.
        event = steps.comment(actor, ticket, body=form.body.data if valid else "", resident_id=resident.id)
        photos.save_photos(actor, ticket, files, event=event)
        db.session.commit()
    except InvalidTransition as error:
        return refuse_fragment(error, back=url_for("portal.show_ticket", ticket_id=ticket.id))
    except DomainError as error:
        show_domain_error(form, error)
    else:
        if is_fragment_request():
            return render_page(
                "portal/tickets/show.html",
                "portal/tickets/_comment_sent.html",
                **_ticket_context(ticket, CommentForm(formdata=None)),
            )
        flash(_("Your comment was added."), "success")
        return redirect(url_for("portal.show_ticket", ticket_id=ticket.id, _anchor="timeline"), code=303)
    if is_fragment_request():
        return render_page(
            "portal/tickets/show.html",
            "portal/tickets/_comment_form.html",
            **_ticket_context(ticket, form, photos_lost=bool(files)),
        )
    return _render_ticket(ticket, form, RateForm(formdata=None), photos_lost=bool(files))


@bp.post("/tickets/<int:ticket_id>/cancel")
def cancel_ticket(ticket_id):
    """The resident withdraws a request while nobody has started on it."""
    resident = resident_for_user(current_user)
    ticket = queries.get_resident_ticket(resident.id, ticket_id)
    try:
        steps.resident_cancel(current_actor(), ticket, resident_id=resident.id)
        db.session.commit()
    except InvalidTransition as error:
        return refuse_fragment(error, back=url_for("portal.show_ticket", ticket_id=ticket.id))
    flash(_("Request #%(id)s was cancelled.", id=ticket.id), "success")
    return redirect(url_for("portal.show_ticket", ticket_id=ticket.id), code=303)


@bp.post("/tickets/<int:ticket_id>/urgent")
def mark_ticket_urgent(ticket_id):
    """The resident marks their open repair or help request urgent, with a short reason (others' requests: 404)."""
    resident = resident_for_user(current_user)
    ticket = queries.get_resident_ticket(resident.id, ticket_id)
    form = UrgentForm()
    valid = form.validate_on_submit()
    try:
        # Called even when the form is invalid: a refusal because of the ticket's state comes first.
        reason = form.urgent_reason.data if valid else ""
        urgency.mark_urgent(current_actor(), ticket, resident_id=resident.id, reason=reason)
        db.session.commit()
    except InvalidTransition as error:
        return refuse_fragment(error, back=url_for("portal.show_ticket", ticket_id=ticket.id))
    except DomainError as error:
        show_domain_error(form, error)
    else:
        flash(_("Request #%(id)s is marked urgent: the team has been told.", id=ticket.id), "success")
        return redirect(url_for("portal.show_ticket", ticket_id=ticket.id), code=303)
    return _render_ticket(ticket, CommentForm(formdata=None), RateForm(formdata=None), urgent_form=form)


@bp.post("/tickets/<int:ticket_id>/rate")
def rate_ticket(ticket_id):
    """The resident rates finished work, once."""
    resident = resident_for_user(current_user)
    ticket = queries.get_resident_ticket(resident.id, ticket_id)
    form = RateForm()
    valid = form.validate_on_submit()
    try:
        # Called even when the form is invalid: a refusal because of the ticket's state comes first.
        steps.rate(
            current_actor(),
            ticket,
            resident_id=resident.id,
            rating=form.rating.data if valid else None,
            comment_text=form.comment.data or "",
        )
        db.session.commit()
    except InvalidTransition as error:
        return refuse_fragment(error, back=url_for("portal.show_ticket", ticket_id=ticket.id))
    except DomainError as error:
        show_domain_error(form, error)
    else:
        flash(_("Thank you for your rating!"), "success")
        return redirect(url_for("portal.show_ticket", ticket_id=ticket.id), code=303)
    return _render_ticket(ticket, CommentForm(formdata=None), form)


@bp.get("/tickets/<int:ticket_id>/photos/<int:photo_id>")
def ticket_photo(ticket_id, photo_id):
    """A photo of one of the resident's own requests (?size=preview for the small version); others get 404."""
    resident = resident_for_user(current_user)
    ticket = queries.get_resident_ticket(resident.id, ticket_id)
    photo = photos.get_photo(ticket.id, photo_id)
    if photo not in queries.resident_photos(ticket):
        raise NotFound()
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("size") == "preview")


def _ticket_context(ticket, comment_form, rate_form=None, *, photos_lost=False, urgent_form=None):
    """What the ticket page and its fragments show: what the resident may see of it and may do now."""
    events = queries.resident_events(ticket)
    photos_by_event = {}
    for photo in queries.resident_photos(ticket):
        photos_by_event.setdefault(photo.event_id, []).append(photo)
    questions = [event.body for event in events if event.action == "waiting"]
    # Every route loads the ticket as the signed-in resident's own (queries.get_resident_ticket).
    actions = workflow.allowed_actions(current_actor(), ticket, resident_id=ticket.resident_id)
    return dict(
        ticket=ticket,
        events=events,
        event_times={
            event.id: datetime.fromisoformat(event.data["when"])
            for event in events
            if event.action == "scheduled" and (event.data or {}).get("when")
        },
        question=questions[-1] if questions else "",
        photos_by_event=photos_by_event,
        holder=queries.resident_holder(ticket),
        queued=ticket.status in workflow.QUEUED,
        labels=ticket_labels(),
        comment_form=comment_form,
        rate_form=rate_form,
        photos_left=photos.remaining_photos(ticket),
        photos_lost=photos_lost,
        may_cancel="resident_cancel" in actions,
        may_rate="rate" in actions,
        may_comment="resident_comment" in actions,
        urgent_form=urgent_form or UrgentForm(formdata=None),
        may_mark_urgent=ticket.kind in urgency.URGENT_KINDS and ticket.is_open and ticket.urgent_marked_at is None,
    )


def _render_ticket(ticket, comment_form, rate_form, *, photos_lost=False, urgent_form=None):
    """The ticket page, or for htmx only its timeline."""
    return render_page(
        "portal/tickets/show.html",
        "portal/tickets/_timeline.html",
        **_ticket_context(ticket, comment_form, rate_form, photos_lost=photos_lost, urgent_form=urgent_form),
    )
