"""Forms of the areas pages: an area's details, its buildings/floors (rows), a cover, deleting it. The domain
(domain/areas/services.py) is the real check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from web.forms import SensibleDate

#: Empty rows offered after the area's scopes, for new buildings or floor ranges.
SPARE_SCOPE_ROWS = 3


class AreaForm(FlaskForm):
    """An area's name, assistant, deputy and desk phone (choices set by the route)."""

    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Give the area a name.")), Length(max=60)])
    assistant_id = SelectField(_l("Property assistant"), choices=[], validate_choice=False)
    deputy_id = SelectField(
        _l("Deputy"),
        choices=[],
        validate_choice=False,
        description=_l("Stands in on the assistant's days off (add the days below)."),
    )
    desk_phone = StringField(
        _l("Desk phone"),
        validators=[Optional(), Length(max=40)],
        description=_l("The office line residents see, e.g. 024-2345 6789 转 801. Never a private number."),
    )


class ScopeRowForm(Form):
    """One building of the area, or a range of its floors (blank floors: the whole building)."""

    building_id = SelectField(_l("Building"), choices=[], validate_choice=False)
    floor_from = StringField(_l("From floor"), validators=[Length(max=4)], render_kw={"inputmode": "numeric"})
    floor_to = StringField(_l("To floor"), validators=[Length(max=4)], render_kw={"inputmode": "numeric"})


class ScopesForm(FlaskForm):
    """The area's buildings and floors, one row each; rows with no building are ignored."""

    rows = FieldList(FormField(ScopeRowForm), min_entries=1)

    def set_building_choices(self, choices):
        """Offer the property's buildings (and a blank) in every row."""
        for row in self.rows:
            row.building_id.choices = [("", "—"), *choices]

    def _named_rows(self):
        """The rows that name a building, in order."""
        return [row for row in self.rows if row.building_id.data]

    def typed_rows(self):
        """[(building id, floor from, floor to)] of the rows that name a building, as typed."""
        return [
            (row.building_id.data, (row.floor_from.data or "").strip(), (row.floor_to.data or "").strip())
            for row in self._named_rows()
        ]

    def row_refused(self, field, message):
        """Put a refusal about typed row "scopes-<n>" (the service's field) next to that row; False when `field`
        names no row."""
        prefix, _, number = (field or "").partition("-")
        named = self._named_rows()
        if prefix != "scopes" or not number.isdigit() or int(number) >= len(named):
            return False
        named[int(number)].building_id.errors = [*named[int(number)].building_id.errors, message]
        return True


class CoverForm(FlaskForm):
    """Days the deputy stands in."""

    starts_on = DateField(
        _l("First day"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate(future_years=2)]
    )
    ends_on = DateField(
        _l("Last day"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate(future_years=2)]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)], render_kw={"rows": 1})


class DeleteAreaForm(FlaskForm):
    """Delete the area; routes pointing at it are detached only when ticked."""

    detach_routes = BooleanField(_l("Detach its patrol routes (they stay, with no area)"))
