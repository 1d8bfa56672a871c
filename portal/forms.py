"""Forms of the resident portal."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from domain.property.validation import normalise_phone
from web.forms import RegisterCheck


class ContactForm(FlaskForm):
    """A resident's own phone number and e-mail address."""

    phone = StringField(_l("Mobile phone"), validators=[DataRequired(), RegisterCheck(normalise_phone)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])


class CollectorForm(FlaskForm):
    """Someone the resident allows to collect the unit's parcels."""

    unit_id = SelectField(_l("For unit"), coerce=int, choices=[], validate_choice=False)
    name = StringField(_l("Their name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Their phone"), validators=[DataRequired(), RegisterCheck(normalise_phone)])
