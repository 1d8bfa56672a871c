"""The attendance console's forms: a shift template, the grace period, planning a person on a shift for some days,
a leave request and the manager's note with a decision. The domain services are the real check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from domain.attendance.leave import KIND_LABELS
from web.forms import SensibleDate


def kind_choices():
    """The kinds of leave, in the user's language."""
    return [SelectChoice("", "—")] + [SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]


class ShiftForm(FlaskForm):
    """A shift template."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)], description=_l("e.g. 白班, 夜班"))
    starts_at = StringField(
        _l("Starts"),
        validators=[DataRequired()],
        description=_l("HH:MM, e.g. 08:00"),
        render_kw={"class": "narrow-input"},
    )
    ends_at = StringField(
        _l("Ends"),
        validators=[DataRequired()],
        description=_l("An end before the start is the next morning (20:00-08:00)."),
        render_kw={"class": "narrow-input"},
    )


class GraceForm(FlaskForm):
    """The property's grace period."""

    grace_minutes = StringField(
        _l("Grace period (minutes)"),
        validators=[InputRequired()],
        description=_l("A clock-in this long after the start is still on time, a clock-out this long before the end."),
        render_kw={"inputmode": "numeric", "class": "narrow-input"},
    )


class PlanForm(FlaskForm):
    """A person on a shift from one day to another."""

    user_id = SelectField(_l("Staff member"), choices=[], validators=[Optional()])
    shift_id = SelectField(_l("Shift"), choices=[], validators=[Optional()])
    first_day = DateField(_l("From"), validators=[DataRequired(), SensibleDate(past_years=1, future_years=2)])
    last_day = DateField(
        _l("Until"),
        validators=[Optional(), SensibleDate(past_years=1, future_years=2)],
        description=_l("Empty: that one day. Every day in between gets the shift."),
    )


class LeaveForm(FlaskForm):
    """A leave request."""

    kind = SelectField(_l("Kind"), choices=kind_choices, validators=[Optional()])
    first_day = DateField(_l("First day"), validators=[DataRequired(), SensibleDate(past_years=1, future_years=2)])
    last_day = DateField(
        _l("Last day"),
        validators=[Optional(), SensibleDate(past_years=1, future_years=2)],
        description=_l("Empty: one day."),
    )
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3})


class DecisionForm(FlaskForm):
    """The manager's note with a decision on leave."""

    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
