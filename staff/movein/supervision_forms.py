"""Forms of the manager's spot-checks and the clerk's follow-up; domain/movein/supervision.py is the real check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from domain.movein.supervision import MAX_PICK

NOTE_MAX = 2000


class PickSpotChecksForm(FlaskForm):
    """How many completed cases the system picks at random."""

    count = IntegerField(
        _l("Number of cases"),
        default=5,
        validators=[
            InputRequired(message=_l("Write how many cases to pick.")),
            NumberRange(min=1, max=MAX_PICK, message=_l("Between %(min)s and %(max)s cases.")),
        ],
        description=_l("Only completed cases never checked before are picked."),
    )


class SpotCheckForm(FlaskForm):
    """The manager's finding on one picked case."""

    result = RadioField(
        _l("Finding"),
        choices=[
            SelectChoice("complete", _l("Complete and correct")),
            SelectChoice("missing", _l("Items missing or wrong")),
        ],
        validators=[InputRequired(message=_l("Choose complete or missing items."))],
    )
    note = TextAreaField(
        _l("What is missing or wrong"),
        validators=[Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
        description=_l("Needed for missing items: the clerk who completed the case gets it as a follow-up."),
    )


class FollowUpForm(FlaskForm):
    """The clerk says the missing items are put right."""

    note = TextAreaField(
        _l("What was put right"),
        validators=[InputRequired(message=_l("Say what was put right.")), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )
