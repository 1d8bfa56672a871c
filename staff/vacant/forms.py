"""The vacant units console's forms: a unit's record, a key set, a key's take-out and return, a check's note and
photos, and the manager's checklist. The checklist answers are one ok/fault pair per item and the meter readings one
box per meter, read by the route; the domain services are the real check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, DateTimeLocalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from domain.vacant.keys import CONSENT_LABELS, TAKER_LABELS
from domain.vacant.register import REASON_LABELS, SUPPLY_LABELS
from web.forms import LOCAL_INPUT_FORMATS, SensibleDate


def reason_choices():
    """Why a unit is vacant, in the user's language."""
    return [SelectChoice(reason.value, label) for reason, label in REASON_LABELS.items()]


def supply_choices():
    """Off or on."""
    return [SelectChoice(supply.value, label) for supply, label in SUPPLY_LABELS.items()]


def taker_choices():
    """Who takes a key out."""
    return [SelectChoice(taker.value, label) for taker, label in TAKER_LABELS.items()]


def consent_choices():
    """How the owner consented, after a blank."""
    return [SelectChoice("", "—")] + [SelectChoice(way.value, label) for way, label in CONSENT_LABELS.items()]


class VacantForm(FlaskForm):
    """A vacant unit's record; the unit is chosen only when registering."""

    unit_id = SelectField(_l("Unit"), choices=[], validators=[Optional()])
    reason = SelectField(_l("Why it is vacant"), choices=reason_choices)
    vacant_since = DateField(
        _l("Vacant since"), validators=[DataRequired(), SensibleDate(past_years=30, future_years=0)]
    )
    interval_days = StringField(
        _l("Check every (days)"),
        validators=[Optional()],
        description=_l("Empty: every 7 days."),
        render_kw={"inputmode": "numeric", "class": "narrow-input"},
    )
    water = SelectField(_l("Water, as agreed with the owner"), choices=supply_choices)
    power = SelectField(_l("Power, as agreed with the owner"), choices=supply_choices)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3})

    def values(self):
        """The fields as the register's services take them."""
        return {
            "reason": self.reason.data,
            "vacant_since": self.vacant_since.data,
            "interval_days": self.interval_days.data,
            "water": self.water.data,
            "power": self.power.data,
            "note": self.note.data,
        }


class KeyForm(FlaskForm):
    """A set of keys the office keeps."""

    tag = StringField(
        _l("Tag on the ring"), validators=[DataRequired(), Length(max=40)], description=_l("e.g. K-1-1203")
    )
    count = StringField(
        _l("How many keys"),
        validators=[DataRequired()],
        render_kw={"inputmode": "numeric", "class": "narrow-input"},
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)], description=_l("e.g. 入户门2把、信箱1把"))


class TakeOutForm(FlaskForm):
    """A key set leaving the office."""

    taker = SelectField(_l("Taken out by"), choices=taker_choices)
    taker_name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=80)],
        description=_l("Empty for office staff: you take it yourself."),
    )
    taker_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "tel"})
    purpose = StringField(_l("Why"), validators=[DataRequired(), Length(max=200)], description=_l("e.g. 例行检查"))
    due_back_at = DateTimeLocalField(
        _l("Due back"),
        format=LOCAL_INPUT_FORMATS,
        validators=[InputRequired(message=_l("Enter a date and time.")), SensibleDate()],
    )
    consent_from = StringField(
        _l("Owner who consented"),
        validators=[Optional(), Length(max=80)],
        description=_l("Required for an agent or a contractor."),
    )
    consent_by = SelectField(_l("How the owner consented"), choices=consent_choices, validators=[Optional()])


class ReturnForm(FlaskForm):
    """A key set back in the office."""

    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)], description=_l("e.g. 钥匙齐全"))


class CheckForm(FlaskForm):
    """A check's note and photos (the answers and readings are read item by item)."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*", "capture": "environment"})
    #: The latest check when the form was made: a form sent twice (a double tap, a resend) is taken once.
    last_check = HiddenField()


class ChecklistForm(FlaskForm):
    """The manager's checklist: items to check and meters to read, one a line."""

    checks = TextAreaField(
        _l("Items to check"), validators=[Optional()], description=_l("One item a line."), render_kw={"rows": 7}
    )
    readings = TextAreaField(
        _l("Meters to read"), validators=[Optional()], description=_l("One meter a line."), render_kw={"rows": 3}
    )
