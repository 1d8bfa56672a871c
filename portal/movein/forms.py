"""Forms of the owner's online move-in: the invitation code and the account, the 业主登记表, the copies, the slot."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from domain.movein.registration import PURPOSES
from domain.property.validation import mask_id_number, normalise_phone
from web.forms import RegisterCheck, SensibleDate


class InvitationCodeForm(FlaskForm):
    """The one-time code the desk printed or e-mailed."""

    code = StringField(
        _l("Invitation code"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"},
    )


class AccountForm(FlaskForm):
    """The code again (hidden), the username and the password of the owner's new portal account."""

    code = HiddenField(validators=[DataRequired(), Length(max=40)])
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=64)],
        description=_l("Your mobile number is suggested; you can also sign in with it."),
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=128)],
        description=_l("At least 8 characters, not only digits, and not a common password."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


#: The 业主登记表's labels, shared by the form and its privacy notice.
LABELS = {
    "name": _l("Name"),
    "phone": _l("Mobile phone"),
    "gender": _l("Gender"),
    "birth_date": _l("Date of birth"),
    "ethnicity": _l("Ethnic group"),
    "native_place": _l("Native place"),
    "political_status": _l("Political status"),
    "education": _l("Education"),
    "employer": _l("Employer"),
    "id_number": _l("ID number"),
}


def privacy_lines():
    """The privacy notice above the form: each field's label and why it is asked (registration.PURPOSES)."""
    return [(LABELS[name], PURPOSES[name]) for name in LABELS if name in PURPOSES]


#: The fields of the 业主登记表 beyond name and phone, in the form's order (the domain's save_person names).
OPTIONAL_FIELDS = (
    "gender",
    "birth_date",
    "ethnicity",
    "native_place",
    "political_status",
    "education",
    "employer",
    "id_number",
)


class PersonForm(FlaskForm):
    """One person on the 业主登记表: name and phone required (phone optional for household members)."""

    kinship = StringField(
        _l("Relation to the owner"),
        validators=[Optional(), Length(max=20)],
        description=_l("For example spouse, child, parent."),
    )
    name = StringField(LABELS["name"], validators=[DataRequired(), Length(max=80)], render_kw={"autocomplete": "name"})
    phone = StringField(
        LABELS["phone"],
        validators=[Optional(), RegisterCheck(normalise_phone)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    gender = SelectField(
        LABELS["gender"],
        choices=[
            SelectChoice("", _l("Not given")),
            SelectChoice("female", _l("Female")),
            SelectChoice("male", _l("Male")),
        ],
        validators=[Optional()],
    )
    birth_date = DateField(LABELS["birth_date"], validators=[Optional(), SensibleDate(future_years=0)])
    ethnicity = StringField(LABELS["ethnicity"], validators=[Optional(), Length(max=20)])
    native_place = StringField(LABELS["native_place"], validators=[Optional(), Length(max=60)])
    political_status = StringField(LABELS["political_status"], validators=[Optional(), Length(max=20)])
    education = StringField(LABELS["education"], validators=[Optional(), Length(max=20)])
    employer = StringField(LABELS["employer"], validators=[Optional(), Length(max=120)])
    id_number = StringField(
        LABELS["id_number"],
        validators=[Optional(), RegisterCheck(mask_id_number)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def values(self):
        """The typed values for registration.save_person (an empty ID number keeps the one stored)."""
        values = {name: getattr(self, name).data for name in ("kinship", "name", *OPTIONAL_FIELDS)}
        values["name"] = (values["name"] or "").strip()
        values["phone"] = getattr(self.phone, "normalised", None) or (self.phone.data or "").strip()
        if not (values["id_number"] or "").strip():
            del values["id_number"]
        return values


class OwnerForm(PersonForm):
    """The owner on the 业主登记表: the desk must be able to reach them, so the phone is required too."""

    phone = StringField(
        LABELS["phone"],
        validators=[DataRequired(), RegisterCheck(normalise_phone)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class PaperForm(FlaskForm):
    """A copy the owner uploads: the purchase contract or an ID card, photographed or scanned."""

    type_code = SelectField(
        _l("Which paper"),
        choices=[
            SelectChoice("purchase_contract", _l("House purchase contract (copy)")),
            SelectChoice("owner_id", _l("Owner's ID card (copy)")),
        ],
    )
    upload = FileField(
        _l("Photo or scan"),
        validators=[DataRequired(message=_l("Choose a photo or a PDF file."))],
        render_kw={"accept": "image/*,application/pdf"},
    )


class SlotForm(FlaskForm):
    """The appointment slot chosen (its start in UTC, as the page wrote it)."""

    slot = StringField(_l("Time"), validators=[DataRequired(message=_l("Choose a time.")), Length(max=40)])
