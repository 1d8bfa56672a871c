"""Forms of the staff console. The domain services are the real check; these give early, friendly errors."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from domain.accounts.roles import ROLE_LABELS, Role
from domain.property.validation import check_unit_number, mask_id_number, normalise_phone, parse_area
from web.forms import LOCAL_INPUT_FORMATS, RegisterCheck, SensibleDate, TwoDecimals


def _role_choices():
    """Role choices in the user's language."""
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


STATUS_CHOICES = [
    SelectChoice("occupied", _l("Occupied")),
    SelectChoice("vacant", _l("Vacant")),
    SelectChoice("renovating", _l("Renovating")),
]
RELATION_CHOICES = [
    SelectChoice("owner", _l("Owner")),
    SelectChoice("tenant", _l("Tenant")),
    SelectChoice("family", _l("Family member")),
]


class StaffAccountForm(FlaskForm):
    """A new staff account."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=32)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_l("Role"), choices=_role_choices, validators=[DataRequired()])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=128)])


class StaffAccountEditForm(FlaskForm):
    """Changes to an existing staff account."""

    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_l("Role"), choices=_role_choices, validators=[DataRequired()])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    is_active = BooleanField(_l("Account active"))


class GrantRoleForm(FlaskForm):
    """A role in this property for a colleague who already has an account in another property of the company."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=32)])
    role = SelectField(_l("Role"), choices=_role_choices, validators=[DataRequired()])


class ResetPasswordForm(FlaskForm):
    """A manager sets a new password for a staff member."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)])


class BuildingForm(FlaskForm):
    """A building."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=16)],
        description=_l("Short code used in unit labels, e.g. 1 or A."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    floors = IntegerField(_l("Floors"), validators=[InputRequired(), NumberRange(min=1, max=200)])


class UnitForm(FlaskForm):
    """A unit."""

    building_id = SelectField(_l("Building"), coerce=int, validators=[DataRequired()])
    number = StringField(_l("Unit number"), validators=[DataRequired(), RegisterCheck(check_unit_number)])
    floor = IntegerField(_l("Floor"), validators=[InputRequired(), NumberRange(min=-5, max=200)])
    area = StringField(_l("Area (m²)"), validators=[DataRequired(), RegisterCheck(parse_area)])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    #: Edit only: a move-out recorded a few days late still counts its vacant days from the right day.
    status_from = DateField(
        _l("New status holds from"),
        validators=[Optional(), SensibleDate()],
        description=_l("Only when the status changes; leave empty for today."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ResidentForm(FlaskForm):
    """A person in the register; optionally the unit they live in."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(), RegisterCheck(normalise_phone)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    id_number = StringField(
        _l("ID number"),
        validators=[Optional(), RegisterCheck(mask_id_number)],
        description=_l("Only a masked form is kept, e.g. 2*************1234."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class OccupancyForm(FlaskForm):
    """Put a resident in a unit from a date."""

    unit_label = StringField(
        _l("Unit"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Building code and unit number, e.g. 1-1203."),
    )
    relation = SelectField(_l("Relation"), choices=RELATION_CHOICES)
    start_date = DateField(_l("Moved in on"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate()])


class EndOccupancyForm(FlaskForm):
    """The last day of an occupancy."""

    end_date = DateField(_l("Last day"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate()])


class ResidentAccountForm(FlaskForm):
    """A portal account for a registered resident."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=32)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=128)])


class ImportForm(FlaskForm):
    """A CSV file of units or of residents."""

    kind = SelectField(
        _l("What the file holds"),
        choices=[SelectChoice("units", _l("Units")), SelectChoice("residents", _l("Residents"))],
    )
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a file.")), FileAllowed(["csv", "txt"], _l("Only .csv files."))],
    )


class AnnouncementForm(FlaskForm):
    """An announcement and its validity period (property time)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)])
    # The first format is how the value is written back: the one <input type="datetime-local"> reads.
    valid_from = DateTimeLocalField(
        _l("Shown from"),
        format=LOCAL_INPUT_FORMATS,
        validators=[InputRequired(message=_l("Enter a date and time.")), SensibleDate()],
    )
    valid_until = DateTimeLocalField(
        _l("Shown until"),
        format=LOCAL_INPUT_FORMATS,
        validators=[InputRequired(message=_l("Enter a date and time.")), SensibleDate()],
    )

    def validate_valid_until(self, field):
        """The period must end after it starts."""
        if self.valid_from.data and field.data and field.data <= self.valid_from.data:
            raise ValidationError(_l("The end must be after the start."))


#: A yuan amount, more than zero, kept as field.fen.
YUAN = _l("Enter an amount in yuan, e.g. 120.50.")


DESK_METHOD_CHOICES = [
    SelectChoice("cash", _l("Cash")),
    SelectChoice("pos", _l("Card terminal")),
    SelectChoice("bank_transfer", _l("Bank transfer")),
]


class DeskPaymentForm(FlaskForm):
    """Money taken at the desk for the ticked bills; the amount defaults to what they owe."""

    method = SelectField(_l("Paid by"), choices=DESK_METHOD_CHOICES, validators=[DataRequired()])
    amount = StringField(
        _l("Amount received (yuan)"),
        validators=[Optional(), TwoDecimals(YUAN)],
        description=_l("Leave empty to pay the ticked bills in full."),
    )
    reference = StringField(_l("Slip or transfer reference"), validators=[Optional(), Length(max=80)])


class VoidPaymentForm(FlaskForm):
    """Why a desk payment is cancelled."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])


class RefundForm(FlaskForm):
    """How much to give back, and why."""

    amount = StringField(_l("Amount to refund (yuan)"), validators=[DataRequired(), TwoDecimals(YUAN)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=255)])
