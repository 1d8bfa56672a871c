"""The overtime console's forms: the 加班申请表, the manager's refusal, the from–to worked (reported by the applicant,
confirmed by the manager), a cancellation, and a day of the holiday calendar. The domain services are the real
check; these give early, friendly messages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from domain.overtime.applications import MAX_REASON
from domain.overtime.calendar import ENTRY_LABELS
from domain.overtime.models import DayKind
from web.forms import SensibleDate

END_HINT = _l("00:00 is midnight at the end of the day.")


def _time(label, **extra):
    """A time field (HH:MM) that says so when left empty."""
    return TimeField(label, validators=[InputRequired(message=_l("Enter a time."))], **extra)


class ApplyForm(FlaskForm):
    """The 加班申请表: the day, from–to and why."""

    work_date = DateField(
        _l("Date"),
        validators=[InputRequired(message=_l("Enter the date.")), SensibleDate(past_years=1, future_years=1)],
    )
    start = _time(_l("From"))
    end = _time(_l("To"), description=END_HINT)
    reason = TextAreaField(
        _l("What the overtime is for"),
        validators=[DataRequired(), Length(max=MAX_REASON)],
        render_kw={"rows": 3},
        description=_l("e.g. 国庆值班、配合消防检查"),
    )


class RefuseForm(FlaskForm):
    """Why the manager refuses."""

    note = TextAreaField(
        _l("Why it is refused"), validators=[DataRequired(), Length(max=MAX_REASON)], render_kw={"rows": 2}
    )


class TimesForm(FlaskForm):
    """The from–to actually worked on the application's day."""

    start = _time(_l("Worked from"))
    end = _time(_l("Worked to"), description=END_HINT)


class CancelForm(FlaskForm):
    """Why it is cancelled (optional)."""

    note = StringField(_l("Why (optional)"), validators=[Optional(), Length(max=MAX_REASON)])


def kind_choices():
    """The kinds of calendar entry, in the user's language."""
    return [SelectChoice(kind.value, label) for kind, label in ENTRY_LABELS.items()]


class CalendarDayForm(FlaskForm):
    """A day of the State Council's notice."""

    day = DateField(
        _l("Date"),
        validators=[InputRequired(message=_l("Enter the date.")), SensibleDate(past_years=5, future_years=2)],
    )
    kind = SelectField(_l("Kind of day"), choices=kind_choices, default=DayKind.HOLIDAY.value)
    name = StringField(
        _l("Holiday"), validators=[DataRequired(), Length(max=40)], description=_l("As the notice names it: 国庆节")
    )
