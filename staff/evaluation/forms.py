"""Forms of the evaluation pages; the domain services are the real check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from domain.evaluation.figures import FIGURES, MANAGER


class ReviewForm(FlaskForm):
    """The manager's own score and comments on a person's month."""

    manager_score = IntegerField(
        _l("The manager's own items (0-100)"),
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("Give a whole number from 0 to 100."))],
        description=_l("Attitude, teamwork, what the figures do not measure; left empty, it does not count."),
    )
    comments = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=2000)])


class SchemeForm(FlaskForm):
    """A role's weight and target for every figure (weight_<key>, target_<key>), made below from FIGURES."""


for _figure in FIGURES:
    setattr(
        SchemeForm,
        f"weight_{_figure.key}",
        IntegerField(
            _l("Weight"),
            validators=[
                InputRequired(message=_l("Give each weight as a whole number from 0 to 100.")),
                NumberRange(min=0, max=100, message=_l("Give each weight as a whole number from 0 to 100.")),
            ],
        ),
    )
    if _figure.scoring != MANAGER:
        least, most = _figure.target_range
        setattr(
            SchemeForm,
            f"target_{_figure.key}",
            IntegerField(
                _l("Target"),
                validators=[
                    InputRequired(message=_l("Enter a number.")),
                    NumberRange(min=least, max=most),
                ],
            ),
        )
