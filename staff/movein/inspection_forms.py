"""Forms of the unit inspection pages: scheduling, the item toggles, the meters, the owner's requests, signing, and
the manager's checklist. The domain is the real check; these give early, friendly errors and keep what was typed."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from staff.fee_forms import METER_VALUE
from web.forms import LOCAL_INPUT_FORMATS, SensibleDate, TwoDecimals

#: What an item can be found to be, in the order the toggles show.
RESULT_LABELS = {
    "ok": lazy_pgettext("inspection result", "OK"),
    "defect": lazy_pgettext("inspection result", "Defect"),
    "na": lazy_pgettext("inspection result", "N/A"),
}


class ScheduleInspectionForm(FlaskForm):
    """When the unit is walked, and who goes (both optional); the route fills in the people."""

    scheduled_at = DateTimeLocalField(
        _l("Date and time"),
        format=LOCAL_INPUT_FORMATS,
        validators=[InputRequired(message=_l("Enter a date and time.")), SensibleDate(past_years=1, future_years=2)],
    )
    engineer_id = SelectField(_l("Engineer"), coerce=int, choices=[], default=0)
    assistant_id = SelectField(_l("Property assistant"), coerce=int, choices=[], default=0)


class ItemForm(FlaskForm):
    """One item's result, with a note (required for a defect) and photos from the phone's camera."""

    result = SelectField(
        _l("Result"),
        choices=[SelectChoice(value, label) for value, label in RESULT_LABELS.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("What is wrong"), validators=[Optional(), Length(max=2000)])


class ReadingsForm(FlaskForm):
    """The water and electricity meters at hand-over, as on the meter (two decimals at most)."""

    water = StringField(
        _l("Water meter"),
        validators=[Optional(), TwoDecimals(METER_VALUE, attr="x100", positive=False)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    electricity = StringField(
        _l("Electricity meter"),
        validators=[Optional(), TwoDecimals(METER_VALUE, attr="x100", positive=False)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class RequestsForm(FlaskForm):
    """What the owner asks for on the spot."""

    owner_requests = TextAreaField(_l("The owner's requests"), validators=[Optional(), Length(max=4000)])


class SignForm(FlaskForm):
    """The owner's name; the two signatures come from the pads (owner_signature, staff_signature)."""

    owner_name = StringField(_l("Owner's name"), validators=[DataRequired(), Length(max=80)])


class CancelInspectionForm(FlaskForm):
    """Why a scheduled inspection is called off."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class TemplateItemForm(FlaskForm):
    """A line of the manager's inspection checklist."""

    area = StringField(_l("Room or system"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Item to check"), validators=[DataRequired(), Length(max=80)])
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=0, max=10000)])
    is_active = BooleanField(_l("In use"), default=True)
