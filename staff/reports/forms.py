"""The forms of the reports: a collection call's answer and the manager's summary of a month."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from domain.reports.calls import NOTE_MAX
from domain.reports.models import CallReason
from domain.reports.summaries import TEXT_MAX
from web.forms import SensibleDate


class CollectionCallForm(FlaskForm):
    """What the resident answered when their arrears were chased."""

    reason = SelectField(
        _l("Reason for not paying"),
        choices=[SelectChoice("", _l("Choose…"))] + [SelectChoice(r.value, r.label) for r in CallReason],
        validators=[DataRequired(message=_l("Choose the resident's reason."))],
    )
    promised_on = DateField(
        _l("Promises to pay by"),
        validators=[Optional(), SensibleDate(past_years=0, future_years=2)],
        description=_l("Leave empty when no day was promised."),
    )
    note = TextAreaField(_l("What the resident said"), validators=[Optional(), Length(max=NOTE_MAX)])


class SummaryForm(FlaskForm):
    """The manager's written summary of the month, shown at the top of the report."""

    text = TextAreaField(
        _l("Summary for the month"),
        validators=[
            DataRequired(message=_l("Write the summary before saving it.")),
            Length(max=TEXT_MAX),
        ],
    )
