"""The forms of the violation pages: the phone-first record, the follow-up check, the next stage, the referral, an
extension, a fine, withdrawing, and the manager's kinds and templates.

The domain (domain/violations/) is the real check; these give early, friendly errors and keep what was typed."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from domain.violations.models import Authority, Stage
from domain.violations.services import MAX_DAYS
from domain.violations.workflow import AUTHORITY_LABELS, STAGE_LABELS
from web.forms import LOCAL_INPUT_FORMATS, SensibleDate, TwoDecimals

_CAMERA = {"accept": "image/*", "capture": "environment"}
_DAYS = [Optional(), NumberRange(min=0, max=MAX_DAYS, message=_l("Give between 0 and %(max)s days.", max=MAX_DAYS))]


def authority_choices():
    """The authorities, in the user's language."""
    return [(a.value, AUTHORITY_LABELS[a]) for a in Authority]


class RecordForm(FlaskForm):
    """A violation, recorded on a phone in under a minute: kind, where, what was seen, photos."""

    kind_id = RadioField(_l("Kind"), coerce=str, validators=[DataRequired(_l("Choose the kind of violation."))])
    unit_label = StringField(
        _l("Unit"),
        validators=[Optional(), Length(max=20)],
        description=_l(
            "The unit, or for a public place the nearest unit when known, e.g. 1-1203: its residents get the notices, "
            "and a fine is billed to it."
        ),
        render_kw={"autocomplete": "off"},
    )
    place = StringField(
        _l("Public place"),
        validators=[Optional(), Length(max=120)],
        description=_l("Empty when it is in the unit itself, e.g. 3号楼12层走廊."),
        render_kw={"maxlength": 120},
    )
    seen = TextAreaField(_l("What was seen"), validators=[DataRequired(_l("Say what was seen.")), Length(max=4000)])
    photos = MultipleFileField(_l("Photos"), render_kw={**_CAMERA, "multiple": True})


#: The follow-up check's outcomes: rectified closes; not rectified stays, goes on, or gets a later deadline.
CHECK_OUTCOMES = {
    "rectified": _l("Rectified"),
    "not_rectified": _l("Not rectified"),
    "next": _l("Not rectified: send the next notice now"),
    "extend": _l("Not rectified: give a later deadline"),
}


class CheckForm(FlaskForm):
    """The follow-up check on the spot, with photos; when not rectified, what happens next."""

    outcome = RadioField(
        _l("Outcome"),
        choices=lambda: list(CHECK_OUTCOMES.items()),
        validators=[DataRequired(_l("Choose the outcome of the check."))],
    )
    note = TextAreaField(_l("What the check found"), validators=[Optional(), Length(max=4000)])
    photos = MultipleFileField(_l("Photos"), render_kw={**_CAMERA, "multiple": True})
    days = IntegerField(_l("Days from today"), validators=_DAYS, description=_l("Empty: the kind's days."))
    reason = StringField(_l("Why a later deadline"), validators=[Optional(), Length(max=500)])


class AdvanceForm(FlaskForm):
    """The next written stage (违章通知书, 整改通知) with its deadline."""

    days = IntegerField(_l("Days to put it right"), validators=_DAYS, description=_l("Empty: the kind's days."))


class ReferForm(FlaskForm):
    """The referral to the authorities: whom, who took it, when."""

    authority = RadioField(
        _l("Referred to"), choices=authority_choices, validators=[DataRequired(_l("Choose whom it is referred to."))]
    )
    referred_to = StringField(
        _l("Who took it"),
        validators=[DataRequired(_l("Say who took the referral.")), Length(max=120)],
        description=_l("The officer or office, and a phone number if given."),
    )
    referred_at = DateTimeLocalField(
        _l("When"), format=LOCAL_INPUT_FORMATS, validators=[Optional(), SensibleDate()], description=_l("Empty: now.")
    )


class ExtendForm(FlaskForm):
    """A later deadline at the same stage, with the reason."""

    days = IntegerField(
        _l("Days from today"),
        validators=[InputRequired(_l("Give the days.")), NumberRange(min=0, max=MAX_DAYS)],
    )
    reason = StringField(
        _l("Why a later deadline"),
        validators=[DataRequired(_l("Say why the deadline is extended.")), Length(max=500)],
    )


class FineForm(FlaskForm):
    """A fine, billed to the unit."""

    amount = StringField(
        _l("Fine (yuan)"),
        validators=[DataRequired(_l("Give the fine in yuan.")), TwoDecimals(_l("Give the fine in yuan, e.g. 200."))],
        render_kw={"inputmode": "decimal"},
    )
    note = StringField(_l("Note on the bill"), validators=[Optional(), Length(max=60)])


class WithdrawForm(FlaskForm):
    """Why a violation is withdrawn."""

    reason = StringField(_l("Why withdraw"), validators=[DataRequired(_l("Say why it is withdrawn.")), Length(max=500)])


def first_stage_choices():
    """Where a kind may start."""
    return [(s.value, STAGE_LABELS[s]) for s in (Stage.REMINDED, Stage.NOTICED)]


class KindForm(FlaskForm):
    """A kind of violation: the rule, where it starts, the days per stage, the referral, the fine."""

    name = StringField(_l("Kind name"), validators=[DataRequired(_l("Give the kind a name.")), Length(max=60)])
    rule = TextAreaField(
        _l("Rule broken"),
        validators=[DataRequired(_l("Say which rule it breaks.")), Length(max=2000)],
        description=_l("As the notices quote it, e.g. 《管理规约》第十二条."),
    )
    first_stage = RadioField(_l("Starts with"), choices=first_stage_choices, default=Stage.REMINDED.value)
    reminder_days = IntegerField(
        _l("Days after the verbal reminder"), default=1, validators=[InputRequired(), NumberRange(0, MAX_DAYS)]
    )
    notice_days = IntegerField(
        _l("Days after the written notice"), default=3, validators=[InputRequired(), NumberRange(0, MAX_DAYS)]
    )
    order_days = IntegerField(
        _l("Days after the rectification order"), default=7, validators=[InputRequired(), NumberRange(0, MAX_DAYS)]
    )
    authority = SelectField(_l("Usually referred to"), choices=authority_choices, default=Authority.URBAN.value)
    fine_allowed = BooleanField(_l("A fine may be recorded"))
    fine_max = StringField(
        _l("Highest fine (yuan)"),
        validators=[Optional(), TwoDecimals(_l("Give the highest fine in yuan, e.g. 500."))],
        render_kw={"inputmode": "decimal"},
    )
    fine_charge_type_id = SelectField(_l("Billed under"), coerce=str, choices=[], validate_choice=False)
    is_active = BooleanField(_l("In use"), default=True)


class TemplateForm(FlaskForm):
    """A stage's notice text with placeholders."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the notice a title.")), Length(max=60)])
    body = TextAreaField(
        _l("Text"), validators=[DataRequired(_l("Write the notice's text.")), Length(max=4000)], render_kw={"rows": 12}
    )
