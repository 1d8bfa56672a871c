"""The company's forms. The domain (domain/company/properties.py) is the real check; these give early errors."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from domain.property.settings import check_receipt_prefix, check_time_zone
from web.forms import Checkboxes, checked_by


class NewPropertyForm(FlaskForm):
    """A new property of the company and its first manager."""

    name = StringField(
        _l("Property name"), validators=[DataRequired(message=_l("Give the property's name.")), Length(max=120)]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    service_phone = StringField(_l("Service desk phone"), validators=[Optional(), Length(max=40)])
    desk_hours = StringField(
        _l("Service desk hours"), validators=[Optional(), Length(max=120)], description=_l("For example 8:00-20:00.")
    )
    time_zone = StringField(
        _l("Time zone"),
        default="Asia/Shanghai",
        validators=[
            DataRequired(message=_l("Give an IANA time zone such as Asia/Shanghai.")),
            checked_by(check_time_zone),
        ],
        description=_l("An IANA time zone such as Asia/Shanghai."),
    )
    receipt_prefix = StringField(
        _l("Receipt prefix"),
        filters=[lambda value: (value or "").strip().upper()],
        validators=[checked_by(check_receipt_prefix)],
        description=_l("Printed before every receipt number, such as YF; up to 12 capital letters, digits or dashes."),
    )
    manager_username = StringField(_l("Manager's username"), validators=[DataRequired(), Length(min=3, max=32)])
    manager_name = StringField(_l("Manager's name"), validators=[DataRequired(), Length(max=80)])
    manager_password = PasswordField(
        _l("Manager's initial password"), validators=[DataRequired(), Length(min=8, max=128)]
    )


class CopySettingsForm(FlaskForm):
    """What to copy from which property to which others (the choices are the company's properties)."""

    source_id = SelectField(_l("Copy from"), coerce=int, validate_choice=False)
    target_ids = Checkboxes(_l("Copy to"), coerce=int, validate_choice=False)
    sets = Checkboxes(_l("What to copy"), validate_choice=False)
