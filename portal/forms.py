"""Forms of the resident portal."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from domain.property.validation import normalise_phone
from web.forms import RegisterCheck


class ContactForm(FlaskForm):
    """A resident's own phone number and e-mail address."""

    phone = StringField(_l("Mobile phone"), validators=[DataRequired(), RegisterCheck(normalise_phone)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
