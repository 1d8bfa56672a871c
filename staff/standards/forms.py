"""Forms of the service-standards pages; the domain services are the real check."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from web.forms import SensibleDate


def _int_or_none(value):
    """A select's id, or None for the empty choice."""
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class SpotCheckForm(FlaskForm):
    """A spot-check of a staff member; the items are answered as item-0, item-1... (pass or fail)."""

    staff_id = SelectField(
        _l("Staff member"),
        coerce=_int_or_none,
        choices=[],
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose a staff member."))],
    )
    checked_on = DateField(
        _l("Day of the check"),
        validators=[InputRequired(message=_l("Enter a date.")), SensibleDate(past_years=1, future_years=0)],
    )
    notes = TextAreaField(
        lazy_pgettext("spot-check", "Notes"),
        validators=[Optional(), Length(max=2000)],
        description=_l("What was seen; needed when an item failed."),
    )


class ServiceChecklistForm(FlaskForm):
    """The checklist, one item a line."""

    items = TextAreaField(_l("Items, one a line"), validators=[DataRequired(), Length(max=3000)])
