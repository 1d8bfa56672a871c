"""Callbacks (回访): the call to the resident after the work on a repair or a complaint is done; a done ticket
closes once its callback is recorded or the resident has rated it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition
from domain.tickets.models import Callback, CallbackStatus, Status, TicketKind
from domain.tickets.timeline import add_event
from extensions import db

#: Kinds whose finished work gets a callback (回访) before the ticket closes.
CALLBACK_KINDS = frozenset({TicketKind.REPAIR, TicketKind.COMPLAINT})


def close_if_settled(actor, ticket):
    """Close a done ticket once its callback is recorded or the resident has rated it."""
    if ticket.status != Status.DONE:
        return
    callback = db.session.scalar(select(Callback).where(Callback.ticket_id == ticket.id))
    if ticket.rating is not None or callback is None or callback.status == CallbackStatus.DONE:
        ticket.status, ticket.closed_at = Status.CLOSED, utcnow()
        add_event(ticket, actor, "closed")


def record_callback(actor, callback, *, result, satisfaction):
    """Record a callback (回访): what the resident said and how satisfied (1-5); the ticket then closes."""
    require(actor, Permission.CALL_BACK)
    if callback.status == CallbackStatus.DONE:
        raise InvalidTransition(_l("This callback has already been recorded."))
    if not (result or "").strip():
        raise DomainError(_l("Write what the resident said."), field="result")
    if satisfaction not in (1, 2, 3, 4, 5):
        raise DomainError(_l("Choose 1 to 5."), field="satisfaction")
    callback.status, callback.result, callback.satisfaction = CallbackStatus.DONE, result.strip(), satisfaction
    callback.done_by_id, callback.done_at = actor.user_id, utcnow()
    ticket = callback.ticket
    add_event(ticket, actor, "callback", result.strip(), public=False, data={"satisfaction": satisfaction})
    close_if_settled(actor, ticket)
    record(actor, "ticket.callback", ticket, summary=f"#{ticket.id} {satisfaction}/5")
    return callback
