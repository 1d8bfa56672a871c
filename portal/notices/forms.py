"""The resident's answer to a violation notice."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from domain.violations.replies import MAX_REPLY


class ReplyForm(FlaskForm):
    """What the resident says back ("already removed"), with photos."""

    body = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(_l("Write your answer.")), Length(max=MAX_REPLY)],
        description=_l("For example: the boxes are already removed."),
        render_kw={"rows": 3},
    )
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*", "multiple": True})
