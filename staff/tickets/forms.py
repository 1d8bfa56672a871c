"""Forms and labels of the console's ticket pages: recording a ticket, each workflow step, callbacks,
the phone/visit log and resident visits. The domain services are the real check."""

import re

from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from domain.tickets.labels import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    DEPARTMENT_LABELS,
    KIND_LABELS,
    PRIORITY_LABELS,
    SEVERITY_LABELS,
)
from domain.tickets.recording import ALL_CATEGORIES, KIND_CATEGORIES
from web.forms import LOCAL_INPUT_FORMATS, Checkboxes, SensibleDate

#: What happened to a ticket; "Recorded" and "Billed" name columns of times and amounts elsewhere, hence the context.
EVENT_LABELS = {
    "created": lazy_pgettext("event", "Recorded"),
    "dispatched": _l("Forwarded"),
    "claimed": _l("Taken"),
    "scheduled": _l("Visit booked"),
    "handed_back": _l("Handed back"),
    "waiting": _l("Question to the resident"),
    "resumed": _l("Resumed"),
    "work": _l("Work recorded"),
    "done": _l("Work done"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
    "comment": _l("Comment"),
    "rated": _l("Rated by the resident"),
    "callback": _l("Callback"),
    "escalated": _l("Escalated to the manager"),
    "late_notice": _l("Cannot come in time"),
    "marked_urgent": _l("Marked urgent by the resident"),
    "outcome": _l("Outcome"),
    "classified": _l("Classified"),
    "billed": lazy_pgettext("event", "Billed"),
}
CLOCK_LABELS = {"dispatch": _l("Forwarded"), "response": _l("First response"), "resolve": _l("Completed")}
LATE_LABELS = {"dispatch": _l("late dispatch"), "response": _l("late response"), "resolve": _l("late completion")}


#: locale -> ticket_labels(); labels never change while the process runs.
_LABELS = {}


def ticket_labels():
    """Every label the ticket pages show, as plain strings in the user's language (built once per locale)."""
    key = str(get_locale())
    if key not in _LABELS:
        _LABELS[key] = _build_labels()
    return _LABELS[key]


def _build_labels():
    """Translate every ticket label of the current locale."""
    from domain.tickets.workflow import STATUS_LABELS

    groups = {
        "kinds": KIND_LABELS,
        "channels": CHANNEL_LABELS,
        "departments": DEPARTMENT_LABELS,
        "priorities": PRIORITY_LABELS,
        "severities": SEVERITY_LABELS,
        "categories": CATEGORY_LABELS,
        "events": EVENT_LABELS,
        "clocks": CLOCK_LABELS,
        "late": LATE_LABELS,
    }
    labels = {name: {key: str(label) for key, label in group.items()} for name, group in groups.items()}
    labels["statuses"] = {status.value: str(label) for status, label in STATUS_LABELS.items()}
    labels["row"] = {"major": str(_l("Major")), "paused": str(_l("paused")), "on_time": str(_l("on time"))}
    return labels


def _choices(labels, keys=None, blank=None):
    """Select choices from a label table (lazy labels, so they follow the user's language)."""
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(key, labels[key]) for key in (keys or labels)]


def _category_choices():
    """Every category once: repair ones, then the complaint ones not already listed."""
    return _choices(CATEGORY_LABELS, ALL_CATEGORIES, blank=_l("— none —"))


def _int_or_none(value):
    """A select's id, or None for the empty choice."""
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


def about_staff_field():
    """The complaint's "about which staff member" select: its choices are the active staff, filled by the view; any
    id goes through, for the domain to refuse anyone but an active staff member with its own message."""
    return SelectField(
        _l("About a staff member (complaints)"),
        coerce=_int_or_none,
        choices=[],
        validate_choice=False,
        description=_l("Only staff see whom a complaint names; it counts on that person's scorecard."),
    )


PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{5,20}$")


def phone_like(form, field):
    """A phone number as people type it: digits, spaces, dashes, brackets, a leading +."""
    if field.data and not PHONE_LIKE.match(field.data.strip()):
        raise ValidationError(_l("Enter a phone number, e.g. 138 0013 8000 or 024-1234 5678."))


def unit_or_place(unit_field_name):
    """An inline validator for the place field: a unit label or a public area must be given."""

    def check(form, field):
        if not (getattr(form, unit_field_name).data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Give the unit or the public area."))

    return check


class TicketForm(FlaskForm):
    """A ticket the desk records from a call, a visit or a patrol."""

    kind = SelectField(_l("Kind"), choices=lambda: _choices(KIND_LABELS), default="repair")
    channel = SelectField(_l("How it came"), choices=lambda: _choices(CHANNEL_LABELS, ["phone", "visit", "patrol"]))
    category = SelectField(_l("Category"), choices=_category_choices, default="")
    description = TextAreaField(_l("What is wrong or needed"), validators=[DataRequired(), Length(max=4000)])
    unit_label = StringField(
        _l("Unit"), validators=[Length(max=40)], description=_l("Building code and unit number, e.g. 1-1203.")
    )
    location = StringField(
        _l("Or a public area"),
        validators=[Length(max=120), unit_or_place("unit_label")],
        description=_l("When it is not in a unit, e.g. the lift lobby of building 2."),
    )
    contact_name = StringField(_l("Caller's name"), validators=[Optional(), Length(max=80)])
    contact_phone = StringField(_l("Caller's phone"), validators=[Optional(), Length(max=20), phone_like])
    preferred_time = StringField(
        _l("Preferred time"),
        validators=[Optional(), Length(max=80)],
        description=_l("As the resident said it, e.g. Saturday morning."),
    )
    priority = SelectField(_l("Priority"), choices=lambda: _choices(PRIORITY_LABELS), default="normal")
    severity = SelectField(
        _l("Severity (complaints)"), choices=lambda: _choices(SEVERITY_LABELS, blank=_l("— none —")), default=""
    )
    #: Filled by the view from the catalogue.
    service_item_id = SelectField(_l("Service (service requests)"), choices=[], default="")
    about_staff_id = about_staff_field()

    def validate_category(self, field):
        """Repairs and complaints have their own lists of categories."""
        allowed = KIND_CATEGORIES.get(self.kind.data)
        if field.data and allowed is not None and field.data not in allowed:
            raise ValidationError(_l("This category does not fit the kind of ticket."))

    def validate_service_item_id(self, field):
        """A service request names its service."""
        if self.kind.data == "service" and not field.data:
            raise ValidationError(_l("Choose a service from the list."))


# One form per workflow step; each is rendered with prefix=<step> so that their fields never clash.


class DispatchForm(FlaskForm):
    """Forward a new ticket to a department."""

    department = SelectField(_l("Department"), choices=lambda: _choices(DEPARTMENT_LABELS))


class RedirectForm(FlaskForm):
    """Move a queued ticket to another department."""

    department = SelectField(_l("Department"), choices=lambda: _choices(DEPARTMENT_LABELS))


class ConfirmForm(FlaskForm):
    """A step without input (claim, resume, close): only the CSRF token."""


class ScheduleForm(FlaskForm):
    """Book the visit, in property time."""

    when = DateTimeLocalField(
        _l("When"),
        format=LOCAL_INPUT_FORMATS,
        validators=[InputRequired(message=_l("Enter a date and time.")), SensibleDate()],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class ReasonForm(FlaskForm):
    """A step that needs a reason (hand back, cannot come, cancel)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class QuestionForm(FlaskForm):
    """A question to the resident (the clock pauses)."""

    question = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=1000)])


class WorkForm(FlaskForm):
    """Work done so far and the materials used."""

    note = TextAreaField(_l("Work done"), validators=[DataRequired(), Length(max=2000)])
    materials = StringField(_l("Materials"), validators=[Optional(), Length(max=200)])


class FinishForm(FlaskForm):
    """What was done, to finish the ticket."""

    summary = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=2000)])
    materials = StringField(_l("Materials"), validators=[Optional(), Length(max=200)])


class CommentForm(FlaskForm):
    """An internal note, or a comment the resident sees."""

    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=2000)])
    public = BooleanField(_l("The resident can see this"))


class ClassifyForm(FlaskForm):
    """Category, severity, priority and the responsible department."""

    category = SelectField(_l("Category"), choices=_category_choices)
    severity = SelectField(_l("Severity"), choices=lambda: _choices(SEVERITY_LABELS, blank=_l("— none —")))
    priority = SelectField(_l("Priority"), choices=lambda: _choices(PRIORITY_LABELS))
    department = SelectField(_l("Department"), choices=lambda: _choices(DEPARTMENT_LABELS))
    about_staff_id = about_staff_field()


class OutcomeForm(FlaskForm):
    """How a complaint was settled and how the resident took it."""

    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=2000)])
    reaction = TextAreaField(_l("The resident's reaction"), validators=[Optional(), Length(max=2000)])


SATISFACTION = ["1", "2", "3", "4", "5"]


class CallbackForm(FlaskForm):
    """The result of a callback (回访) and the resident's satisfaction."""

    result = TextAreaField(_l("What the resident said"), validators=[DataRequired(), Length(max=2000)])
    satisfaction = RadioField(
        _l("Satisfaction"),
        choices=[SelectChoice(v, v) for v in SATISFACTION],
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose 1 to 5.")), AnyOf(SATISFACTION, message=_l("Choose 1 to 5."))],
    )


class ContactForm(FlaskForm):
    """A call or a visit at the desk; optionally a ticket for it."""

    channel = SelectField(_l("Channel"), choices=lambda: _choices(CHANNEL_LABELS, ["phone", "visit"]))
    caller_name = StringField(_l("Caller's name"), validators=[Optional(), Length(max=80)])
    caller_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20), phone_like])
    unit_label = StringField(
        _l("Unit"), validators=[Optional(), Length(max=40)], description=_l("Optional, e.g. 1-1203.")
    )
    summary = TextAreaField(_l("What they wanted"), validators=[DataRequired(), Length(max=2000)])
    open_ticket = BooleanField(_l("Also open a ticket"))
    ticket_kind = SelectField(
        _l("Ticket kind"),
        default="repair",
        choices=lambda: _choices(KIND_LABELS, ["repair", "complaint", "help", "inquiry", "suggestion", "praise"]),
    )
    location = StringField(_l("Public area (for a ticket without a unit)"), validators=[Length(max=120)])

    def validate_location(self, field):
        """A ticket needs a place."""
        if self.open_ticket.data and not (self.unit_label.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Give the unit or the public area."))


class VisitForm(FlaskForm):
    """A visit to plan (SOP 13)."""

    unit_label = StringField(
        _l("Unit"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Building code and unit number, e.g. 1-1203."),
    )
    planned_for = DateTimeLocalField(
        _l("When"),
        format=LOCAL_INPUT_FORMATS,
        validators=[InputRequired(message=_l("Enter a date and time.")), SensibleDate()],
    )
    purpose = StringField(_l("Purpose"), validators=[DataRequired(), Length(max=200)])


class VisitDoneForm(FlaskForm):
    """What happened on a visit."""

    notes = TextAreaField(lazy_pgettext("visit", "Notes"), validators=[DataRequired(), Length(max=2000)])
    remark = TextAreaField(
        _l("For a department (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("What the resident asks us to fix or improve; the manager sends it on as a ticket."),
    )
    remark_department = SelectField(
        _l("Which department"),
        default="",
        choices=lambda: _choices(DEPARTMENT_LABELS, blank="—"),
    )
    remark_category = SelectField(_l("What it is about"), default="", choices=_category_choices)


class CallbackSettingsForm(FlaskForm):
    """Which finished kinds get a callback, and the target rate (the manager's)."""

    kinds = Checkboxes(
        _l("Kinds that get a callback once finished"), choices=lambda: _choices(KIND_LABELS, list(KIND_LABELS))
    )
    target_percent = IntegerField(
        _l("Target callback rate (%)"),
        validators=[
            InputRequired(message=_l("Give a target from 1 to 100.")),
            NumberRange(min=1, max=100, message=_l("Give a target from 1 to 100.")),
        ],
    )


class SendForm(FlaskForm):
    """Send a dissatisfied callback or a visit's remark to a department as a ticket."""

    department = SelectField(_l("Department"), choices=lambda: _choices(DEPARTMENT_LABELS, list(DEPARTMENT_LABELS)))
    kind = SelectField(
        _l("Ticket kind"),
        default="complaint",
        choices=lambda: _choices(KIND_LABELS, ["repair", "complaint", "help", "inquiry"]),
    )
    note = TextAreaField(_l("Note for the department (optional)"), validators=[Optional(), Length(max=1000)])


class VisitRuleForm(FlaskForm):
    """A recurring visit plan: which households, how often."""

    scope = SelectField(
        lazy_pgettext("visit plan", "Who is visited"), choices=lambda: _choices(SCOPE_LABELS, list(SCOPE_LABELS))
    )
    area_id = SelectField(_l("Area (for an area's households)"), coerce=_int_or_none, choices=[], validate_choice=False)
    interval_months = IntegerField(
        _l("Every how many months"),
        validators=[
            InputRequired(message=_l("Give a number of months from 1 to 60.")),
            NumberRange(min=1, max=60, message=_l("Give a number of months from 1 to 60.")),
        ],
    )


class VipForm(FlaskForm):
    """The VIP mark on a resident."""

    is_vip = BooleanField(_l("VIP resident"))
    vip_note = StringField(_l("Why (optional)"), validators=[Length(max=200)])


SCOPE_LABELS = {"area": _l("Every household of an area"), "all": _l("Every household"), "vip": _l("VIP households")}
