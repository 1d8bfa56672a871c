"""The staff member a complaint is about (SOP 16 counts complaints about a person on their scorecard): named by the
desk when recording or classifying the complaint, kept internal (the resident never sees whom it names)."""

from flask_babel import lazy_gettext as _l

from domain.accounts.roles import Role
from domain.accounts.services import active_staff_member
from domain.errors import DomainError
from domain.tickets.models import TicketKind
from domain.tickets.workflow import DESK

#: The form field the choice is made in, where a refusal is shown.
FIELD = "about_staff_id"


def sees_about_staff(role):
    """Whether staff of `role` see whom complaints name (and list the complaints naming someone): the desk and the
    manager, who record and classify complaints; the departments working a complaint do not, residents never do."""
    return role is not None and Role(role) in DESK


def name_about_staff(ticket, user_id):
    """Set the staff member the complaint `ticket` is about (None: nobody). Returns the change as the timeline and the
    audit show it, {"about_staff": [old name, new name]}, or {} when unchanged. A DomainError on FIELD, changing
    nothing, for a ticket that is not a complaint or anyone but an active staff member."""
    if user_id == ticket.about_staff_id:
        return {}
    if user_id is not None and ticket.kind != TicketKind.COMPLAINT:
        raise DomainError(_l("Only a complaint names the staff member it is about."), field=FIELD)
    person = active_staff_member(user_id, field=FIELD) if user_id is not None else None
    before = ticket.about_staff.display_name if ticket.about_staff is not None else None
    ticket.about_staff_id, ticket.about_staff = (person.id, person) if person else (None, None)
    return {"about_staff": [before, person.display_name if person else None]}
