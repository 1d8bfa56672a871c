"""Callbacks (回访): the call to the resident after the work on a ticket of a kind the manager chose is done (repairs
and complaints unless the manager says otherwise); a done ticket closes once its callback is recorded or the resident
has rated it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import utcnow
from domain.errors import DomainError, InvalidTransition
from domain.tickets.models import Callback, CallbackSettings, CallbackStatus, Status, TicketKind
from domain.tickets.timeline import add_event
from extensions import db

#: Kinds whose finished work gets a callback (回访) before the ticket closes, until the manager chooses others.
CALLBACK_KINDS = frozenset({TicketKind.REPAIR, TicketKind.COMPLAINT})
#: The callback rate aimed at until the manager sets another (the field's 70-90 %).
DEFAULT_TARGET_PERCENT = 80
#: A callback answered 4 or 5 out of 5 counts as satisfied; 1 or 2 as dissatisfied (3 is neither).
SATISFIED_FROM = 4
DISSATISFIED_UP_TO = 2


def callback_settings(property_id):
    """(frozenset of the TicketKinds that get a callback, the target rate in percent) of the property."""
    row = db.session.execute(
        select(CallbackSettings.kinds, CallbackSettings.target_percent).where(
            CallbackSettings.property_id == property_id
        )
    ).first()
    if row is None:
        return CALLBACK_KINDS, DEFAULT_TARGET_PERCENT
    return frozenset(TicketKind(kind) for kind in row.kinds), row.target_percent


def save_callback_settings(actor, property_id, *, kinds, target_percent):
    """The manager's choice of the kinds that get a callback once finished, and the target rate (1-100 %); applies
    to tickets finished from now on. Audited with the old and new values."""
    require(actor, Permission.MANAGE_CALLBACKS)
    try:
        chosen = sorted({TicketKind(kind).value for kind in kinds or ()})
    except ValueError:
        raise DomainError(_l("Choose kinds from the list."), field="kinds") from None
    if not isinstance(target_percent, int) or not 1 <= target_percent <= 100:
        raise DomainError(_l("Give a target between 1 and 100 %."), field="target_percent")
    before_kinds, before_target = callback_settings(property_id)
    row = db.session.scalar(select(CallbackSettings).where(CallbackSettings.property_id == property_id))
    if row is None:
        row = CallbackSettings(property_id=property_id)
        db.session.add(row)
    row.kinds, row.target_percent = chosen, target_percent
    row.updated_at, row.updated_by_id = utcnow(), actor.user_id
    db.session.flush()
    before = sorted(kind.value for kind in before_kinds)
    if (before, before_target) != (chosen, target_percent):
        record(
            actor,
            "callback_settings.update",
            row,
            summary=f"{','.join(chosen) or '-'} {target_percent}%",
            changes={"kinds": [before, chosen], "target_percent": [before_target, target_percent]},
        )
    return row


def needs_callback(ticket):
    """Whether the finished `ticket` gets a callback: its kind is one the property's manager chose."""
    return ticket.kind in callback_settings(ticket.property_id)[0]


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
