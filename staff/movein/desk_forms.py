"""Forms of the day at the desk (ticks, the proxy, copies, signatures) and of the manager's checklist template."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from domain.movein.models import ItemKind

_NO_AUTOFILL = {"autocomplete": "off"}


class TickForm(FlaskForm):
    """Tick one checklist line: a note (seals and signatures consistent), and for keys and cards the count."""

    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)], render_kw=_NO_AUTOFILL)
    handed_quantity = IntegerField(
        _l("Handed over"),
        validators=[Optional(), NumberRange(min=0, max=99, message=_l("Enter a number from 0 to 99."))],
        render_kw={"inputmode": "numeric"},
    )


class CopyForm(FlaskForm):
    """A scan or photo of a paper, for the owner's file."""

    upload = FileField(_l("Scan or photo"), render_kw={"accept": "application/pdf,image/*", "capture": "environment"})


class ProxyForm(FlaskForm):
    """The proxy (受托人) who does the move-in for the owner."""

    name = StringField(
        _l("Proxy's name"), validators=[DataRequired(message=_l("Enter the proxy's name.")), Length(max=80)]
    )
    phone = StringField(
        _l("Proxy's phone"),
        validators=[DataRequired(message=_l("Enter the proxy's phone number.")), Length(max=20)],
        render_kw={"inputmode": "tel"},
    )
    id_number = StringField(
        _l("Proxy's ID number"),
        validators=[DataRequired(message=_l("Enter the proxy's ID number: both IDs are checked.")), Length(max=32)],
        render_kw=_NO_AUTOFILL,
        description=_l("Kept encrypted; screens show it masked."),
    )


class SignForm(FlaskForm):
    """A signature on the pad under one paper."""

    signer_role = RadioField(
        _l("Who signs"),
        choices=[SelectChoice("owner", _l("The owner")), SelectChoice("proxy", _l("The proxy"))],
        default="owner",
        validators=[InputRequired(message=_l("Choose who signs."))],
    )
    signer_name = StringField(
        _l("Name of the person signing"),
        validators=[DataRequired(message=_l("Enter the name of the person signing.")), Length(max=80)],
    )
    signature = HiddenField()


def _kind_choices():
    """The kinds of checklist line, for the template editor."""
    return [
        SelectChoice(ItemKind.DOCUMENT.value, _l("Paper to check")),
        SelectChoice(ItemKind.FORM.value, _l("Form or agreement")),
        SelectChoice(ItemKind.KEY.value, _l("Key or card")),
        SelectChoice(ItemKind.FEE.value, _l("Fee")),
    ]


class TemplateItemForm(FlaskForm):
    """One line of the manager's checklist template; which fields apply depends on its kind."""

    kind = SelectField(_l("Kind"), choices=_kind_choices)
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=80)])
    quantity = IntegerField(
        _l("How many are handed over"),
        validators=[Optional(), NumberRange(min=1, max=99, message=_l("Enter a number from 1 to 99."))],
        render_kw={"inputmode": "numeric"},
    )
    charge = SelectField(_l("Charge of the fee schedule"), coerce=int, choices=[], validate_choice=False)
    months = IntegerField(
        _l("Months collected in advance"),
        validators=[Optional(), NumberRange(min=1, max=36, message=_l("Enter a number from 1 to 36."))],
        render_kw={"inputmode": "numeric"},
    )
    text = TextAreaField(_l("Text signed"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 8})
    proxy_only = BooleanField(_l("Only when a proxy comes"))
