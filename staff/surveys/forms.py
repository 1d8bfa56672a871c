"""The survey console's forms: a survey's fields and one question. The domain services are the real check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from domain.surveys.models import Audience, QuestionKind
from domain.tickets.labels import DEPARTMENT_LABELS
from web.forms import SensibleDate

AUDIENCE_LABELS = {
    Audience.ALL: _l("All households"),
    Audience.BUILDINGS: _l("Households of chosen buildings"),
    Audience.RECENT_TICKET: _l("Households with a ticket in the last month"),
}
KIND_LABELS = {
    QuestionKind.SINGLE: _l("Single choice"),
    QuestionKind.MULTIPLE: _l("Multiple choice"),
    QuestionKind.SCALE: _l("Scale of 1 to 5"),
    QuestionKind.TEXT: _l("Free text"),
}


class SurveyForm(FlaskForm):
    """A survey's title, intro, audience, period, anonymity and whether the kiosk shows it."""

    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=120)])
    title_en = StringField(
        _l("Title (English)"), validators=[Optional(), Length(max=120)], description=_l("Empty: the Chinese title.")
    )
    intro_zh = TextAreaField(_l("Introduction (Chinese)"), validators=[Optional()], render_kw={"rows": 3})
    intro_en = TextAreaField(_l("Introduction (English)"), validators=[Optional()], render_kw={"rows": 3})
    is_anonymous = BooleanField(_l("Anonymous: the answers do not keep who answered"), default=True)
    shown_on_kiosk = BooleanField(
        _l("Shown on the lobby kiosk"),
        description=_l("Anyone at the kiosk may answer without signing in; for an anonymous survey only."),
    )
    audience = SelectField(
        _l("Who is asked"),
        choices=lambda: [SelectChoice(a.value, label) for a, label in AUDIENCE_LABELS.items()],
        description=_l("The households are fixed when the survey opens; each household answers once."),
    )
    building_ids = SelectMultipleField(_l("Buildings"), choices=[], validators=[Optional()])
    opens_on = DateField(_l("First day"), validators=[DataRequired(), SensibleDate(past_years=1, future_years=2)])
    closes_on = DateField(_l("Last day"), validators=[DataRequired(), SensibleDate(past_years=1, future_years=2)])

    def values(self):
        """The fields as the services take them."""
        return {name: getattr(self, name).data for name in self.data if name != "csrf_token"}


class QuestionForm(FlaskForm):
    """One question: its kind, texts, options, whether it must be answered, the department it rates."""

    kind = SelectField(_l("Kind"), choices=lambda: [SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    text_zh = StringField(_l("Question (Chinese)"), validators=[DataRequired(), Length(max=300)])
    text_en = StringField(
        _l("Question (English)"), validators=[Optional(), Length(max=300)], description=_l("Empty: the Chinese text.")
    )
    options = TextAreaField(
        _l("Options"),
        validators=[Optional()],
        description=_l("For a choice: one option a line, Chinese | English (e.g. 满意 | Satisfied)."),
        render_kw={"rows": 4},
    )
    is_required = BooleanField(_l("Must be answered"), default=True)
    department = SelectField(
        _l("Department it rates"),
        choices=lambda: [SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in DEPARTMENT_LABELS.items()],
        validators=[Optional()],
        description=_l("For a scale: its answers count towards the department's satisfaction."),
    )

    def values(self):
        """The fields as the services take them."""
        return {name: getattr(self, name).data for name in self.data if name != "csrf_token"}
