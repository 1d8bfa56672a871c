"""Forms used by more than one blueprint: signing in and changing one's password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from domain.dates import DateOutOfRange, check_date
from domain.errors import DomainError
from domain.money import NotAnAmount, yuan_to_fen
from domain.property.validation import Invalid


def checked_by(check):
    """A form validator that asks the domain's own check (it raises DomainError), so that the page and the service
    say the same."""

    def validator(form, field):
        try:
            check(field.data)
        except DomainError as error:
            raise ValidationError(str(error.message)) from None

    return validator


class Checkboxes(SelectMultipleField):
    """Several choices as a list of check boxes; the service checks what was ticked."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    """Username (or a resident's phone number) and password."""

    login = StringField(
        _l("Username or phone number"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    """The current password and the new one twice."""

    current_password = PasswordField(
        # No password is longer than the policy's 128 characters: a longer one is never hashed.
        _l("Current password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=8, max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class RegisterCheck:
    """Run one of the domain's register checks as a form validator, keeping its normal form."""

    def __init__(self, check):
        self.check = check

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.normalised = self.check(field.data)
        except Invalid as exc:
            raise ValidationError(str(exc.message)) from None


class TwoDecimals:
    """A number typed with at most two decimals ("12.5", "1,200.00", full-width "１２３．５０"), kept x 100 as an
    integer in `field.<attr>`: yuan become fen, meter values become hundredths. Never a float. Every amount of
    money typed in a form goes through here (and so through domain.money.yuan_to_fen).

    Exponent notation ("1e3") and amounts over ¥10,000,000 are refused with their own message. Blank is left to
    Optional/DataRequired (the attribute is None), or read as 0 with `blank_is_zero`.
    """

    def __init__(self, message, *, attr="fen", positive=True, blank_is_zero=False):
        self.message, self.attr, self.positive, self.blank_is_zero = message, attr, positive, blank_is_zero

    def __call__(self, form, field):
        text = (field.data or "").strip()
        setattr(field, self.attr, None)
        if not text:
            if not self.blank_is_zero:
                return
            text = "0"
        try:
            value = yuan_to_fen(text)
        except NotAnAmount as error:
            raise ValidationError(amount_refusal(error, self.message)) from None
        if self.positive and value <= 0:
            raise ValidationError(_l("The amount must be more than zero."))
        setattr(field, self.attr, value)


#: What a datetime-local field accepts, in property time: the first is how the value is written back (the one
#: <input type="datetime-local"> reads); the others are what browsers send with seconds and what people type.
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class SensibleDate:
    """A date (or date and time) field's value must lie within the years that make sense (domain.dates): every
    date field has one, so 0001-01-01 or 9999-12-31 is a clear form error rather than an overflow later.
    Narrow it per field with `past_years` / `future_years`."""

    def __init__(self, *, past_years=None, future_years=None):
        self.bounds = {k: v for k, v in (("past_years", past_years), ("future_years", future_years)) if v is not None}

    def __call__(self, form, field):
        if field.data is None:
            return
        try:
            check_date(field.data, **self.bounds)
        except DateOutOfRange as error:
            raise ValidationError(str(error.message)) from None


def amount_refusal(error, message):
    """The message for a NotAnAmount: its own for exponent notation and too large a number, else `message`."""
    if error.reason == "exponent":
        return _l("Write the number out in digits (1000, not 1e3).")
    if error.reason == "too_large":
        return _l("That is more than %(max)s.", max="10,000,000")
    return message
