"""Forms used by more than one blueprint: signing in and changing one's password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from domain.property.validation import Invalid


class LoginForm(FlaskForm):
    """Username (or a resident's phone number) and password."""

    login = StringField(
        _l("Username or phone number"), validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    """The current password and the new one twice."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=128)], render_kw={"autocomplete": "new-password"}
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
    """A number typed with at most two decimals ("12.5", "1,200.00"), kept x 100 as an integer in
    `field.<attr>`: yuan become fen, meter values become hundredths. Never a float.

    Blank is left to Optional/DataRequired (the attribute is None), or read as 0 with `blank_is_zero`.
    """

    def __init__(self, message, *, attr="fen", positive=True, blank_is_zero=False):
        self.message, self.attr, self.positive, self.blank_is_zero = message, attr, positive, blank_is_zero

    def __call__(self, form, field):
        from domain.money import yuan_to_fen

        text = (field.data or "").strip()
        setattr(field, self.attr, None)
        if not text:
            if not self.blank_is_zero:
                return
            text = "0"
        try:
            value = yuan_to_fen(text)
        except ValueError:
            raise ValidationError(self.message) from None
        if self.positive and value <= 0:
            raise ValidationError(_l("The amount must be more than zero."))
        setattr(field, self.attr, value)


def flash_domain_error(error):
    """Undo any change and flash why a button's action was refused; a missing record still answers 404."""
    from flask import flash

    from extensions import db

    db.session.rollback()
    if error.status_code == 404:
        raise error
    flash(str(error.message), "error")


def show_domain_error(form, error):
    """Put a DomainError's message next to its field (or above the form) and undo any change."""
    from extensions import db

    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))
