"""Forms of the patroller's phone pages: a checkpoint's visit (its checklist is read beside the form, one answer per
question), a finding, and the signed finish. The domain is the real check; these keep what was typed."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from domain.tickets.labels import DEPARTMENT_LABELS, KIND_LABELS

#: A checklist question's answers, in the order the toggles show.
ANSWER_LABELS = {"ok": lazy_pgettext("patrol answer", "OK"), "fault": lazy_pgettext("patrol answer", "Fault")}
#: The kinds of ticket a finding may become.
FINDING_KINDS = ("repair", "complaint", "help")


class StartForm(FlaskForm):
    """Which route and window to start (the page's button carries both)."""

    route_id = IntegerField(validators=[DataRequired()])
    window_start = HiddenField(validators=[DataRequired()])


class VisitForm(FlaskForm):
    """A checkpoint reached: its label's code (read by the camera or typed), the phone's time, a note."""

    code = StringField(
        _l("Label code"),
        validators=[DataRequired(message=_l("Scan the label or type its code.")), Length(max=200)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    method = HiddenField(default="code")
    scanned_at = HiddenField()
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class FindingForm(FlaskForm):
    """Something found: what, where, for whom; photos come from the camera input beside it."""

    description = TextAreaField(
        _l("What did you find?"), validators=[DataRequired(message=_l("Describe what you found.")), Length(max=2000)]
    )
    checkpoint_id = SelectField(_l("Where"), coerce=int, choices=[], default=0, validate_choice=False)
    kind = SelectField(
        _l("Kind"), choices=lambda: [SelectChoice(k, KIND_LABELS[k]) for k in FINDING_KINDS], default="repair"
    )
    department = SelectField(
        _l("For"),
        choices=lambda: [SelectChoice("", _l("By kind")), *(SelectChoice(k, v) for k, v in DEPARTMENT_LABELS.items())],
        default="",
    )
    client_key = HiddenField()


class FinishForm(FlaskForm):
    """The round's closing remark; the signature comes from the pad beside it."""

    note = TextAreaField(_l("Remarks on the round"), validators=[Optional(), Length(max=2000)])
