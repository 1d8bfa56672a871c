"""The move-in console's forms: a case typed from the handover notice, the handover list's CSV, a household member on
the registration form, a slot, and the manager's cancellation. The domain services are the real check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from domain.property.validation import mask_id_number, normalise_phone
from web.forms import RegisterCheck, SensibleDate


class CaseForm(FlaskForm):
    """A unit's move-in case, typed from the developer's 入住通知书."""

    unit_label = StringField(
        _l("Unit"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Building code and unit number, e.g. 1-1203."),
    )
    owner_name = StringField(_l("Owner's name"), validators=[DataRequired(), Length(max=80)])
    owner_phone = StringField(_l("Owner's mobile phone"), validators=[DataRequired(), RegisterCheck(normalise_phone)])
    owner_email = StringField(
        _l("Owner's e-mail"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("Optional: the invitation to pre-fill online is e-mailed to it."),
    )
    planned_on = DateField(
        _l("Planned move-in day"), validators=[Optional(), SensibleDate(past_years=1, future_years=3)]
    )
    notice_number = StringField(_l("Notice number (入住通知书)"), validators=[Optional(), Length(max=40)])


class ImportForm(FlaskForm):
    """The developer's handover list as CSV."""

    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a file.")), FileAllowed(["csv", "txt"], _l("Only .csv files."))],
    )


def gender_choices():
    """The genders as the form offers them, in the user's language."""
    return [SelectChoice("", _l("Not given")), SelectChoice("male", _l("Male")), SelectChoice("female", _l("Female"))]


class PersonForm(FlaskForm):
    """A person on the 业主登记表: every field optional but the name (and the owner's phone, checked by the service)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    kinship = StringField(
        _l("Relation to the owner"), validators=[Optional(), Length(max=20)], description=_l("e.g. 配偶, 子女, 父母")
    )
    phone = StringField(_l("Mobile phone"), validators=[Optional(), RegisterCheck(normalise_phone)])
    gender = SelectField(_l("Gender"), choices=gender_choices, validators=[Optional()])
    birth_date = DateField(_l("Date of birth"), validators=[Optional(), SensibleDate(past_years=120, future_years=0)])
    ethnicity = StringField(_l("Ethnic group"), validators=[Optional(), Length(max=20)])
    native_place = StringField(_l("Native place"), validators=[Optional(), Length(max=60)])
    political_status = StringField(_l("Political status"), validators=[Optional(), Length(max=20)])
    education = StringField(_l("Education"), validators=[Optional(), Length(max=20)])
    employer = StringField(_l("Employer"), validators=[Optional(), Length(max=120)])
    id_number = StringField(
        _l("ID number"),
        validators=[Optional(), RegisterCheck(mask_id_number)],
        description=_l("Shown only masked and kept encrypted. Leave empty to keep the number on file."),
        render_kw={"autocomplete": "off"},
    )

    def values(self):
        """The fields as save_person takes them."""
        return {name: self[name].data for name in PERSON_FIELDS}


#: The form's fields that save_person takes.
PERSON_FIELDS = (
    "name",
    "kinship",
    "phone",
    "gender",
    "birth_date",
    "ethnicity",
    "native_place",
    "political_status",
    "education",
    "employer",
    "id_number",
)


class CancelForm(FlaskForm):
    """The manager cancels a case, with a reason."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
