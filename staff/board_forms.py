"""Forms and labels of the board, the shift handover, the service levels and the service catalogue.

The domain services are the real check (domain/tickets/catalogue.py, handover.py); these give early,
friendly errors and turn typed yuan into integer fen (`field.fen`) without floats.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from domain.tickets.catalogue import MAX_MINUTES, NAME_MAX
from domain.tickets.handover import NOTES_MAX

# The ticket pages' labels, so that a kind or a department reads the same on every page.
from domain.tickets.labels import DEPARTMENT_LABELS, KIND_LABELS, PRIORITY_LABELS
from domain.tickets.models import Department, Priority, TicketKind
from web.forms import TwoDecimals

#: The board's clocks, as in "late: first response" (the ticket pages say what happened: "Forwarded").
CLOCK_LABELS = {
    "dispatch": _l("Forwarding"),
    "response": _l("First response"),
    "resolve": _l("Completion"),
    "callback": _l("Callback"),
}


def labels():
    """Every label of these pages by value, in the user's language; call once per page, not once per row."""
    from domain.tickets.workflow import STATUS_LABELS

    return {
        "kind": {k: str(v) for k, v in KIND_LABELS.items()},
        "department": {k: str(v) for k, v in DEPARTMENT_LABELS.items()},
        "priority": {k: str(v) for k, v in PRIORITY_LABELS.items()},
        "status": {k.value: str(v) for k, v in STATUS_LABELS.items()},
        "clock": {k: str(v) for k, v in CLOCK_LABELS.items()},
    }


def _department_choices():
    """Departments for a select, in the user's language."""
    return [SelectChoice(d.value, DEPARTMENT_LABELS[d.value]) for d in Department]


class HandoverForm(FlaskForm):
    """The notes of a handover; what is open is drafted by the domain."""

    notes = TextAreaField(
        _l("Notes for the next shift"),
        validators=[Length(max=NOTES_MAX)],
        description=_l(
            "Anything the list does not say: keys lent out, a resident who will call back, a broken printer."
        ),
    )


class AcknowledgeForm(FlaskForm):
    """The acknowledge button (its CSRF token)."""


def _minutes_field(label):
    """A whole number of minutes, at least 1."""
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("Write a whole number of minutes.")),
            NumberRange(min=1, max=MAX_MINUTES, message=_l("Between %(min)s and %(max)s minutes.")),
        ],
    )


class ServiceLevelForm(FlaskForm):
    """The minutes of one kind and priority (one row of the table)."""

    kind = HiddenField(validators=[DataRequired()])
    priority = HiddenField(validators=[DataRequired()])
    dispatch = _minutes_field(_l("Forwarding (minutes)"))
    response = _minutes_field(_l("First response (minutes)"))
    resolve = _minutes_field(_l("Completion (minutes)"))
    callback = _minutes_field(_l("Callback (minutes)"))

    def validate_kind(self, field):
        """One of the kinds of ticket."""
        if field.data not in {k.value for k in TicketKind}:
            raise ValidationError(_l("Choose a kind of ticket and a priority."))

    def validate_priority(self, field):
        """Normal or urgent."""
        if field.data not in {p.value for p in Priority}:
            raise ValidationError(_l("Choose a kind of ticket and a priority."))


#: A price in yuan, 0 or more (0 = free, also when left blank), kept as field.fen.
PRICE = _l("Write the price in yuan with at most two decimals, e.g. 50 or 12.50 (0 = free).")


class ServiceItemForm(FlaskForm):
    """A service of the catalogue (有偿/无偿服务项目)."""

    name = StringField(_l("Service"), validators=[DataRequired(), Length(max=NAME_MAX)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)], render_kw={"rows": 2})
    price = StringField(
        _l("Price (¥)"),
        validators=[TwoDecimals(PRICE, positive=False, blank_is_zero=True)],
        default="0",
        description=_l("0 for a free service; a paid one is billed to the unit once done."),
    )
    department = SelectField(_l("Done by"), choices=_department_choices, default=Department.CUSTOMER_SERVICE.value)
    is_active = BooleanField(_l("Offered (residents can request it)"), default=True)
