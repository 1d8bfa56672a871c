"""The facilities console's forms: a facility of the register and a check's note, contractor and photos. The
checklist answers are one ok/fault pair per item, read by the route; the domain services are the real check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from domain.facilities.register import CHECKER_ROLES, KIND_LABELS
from web.forms import SensibleDate


def kind_choices():
    """The kinds of facility in the user's language."""
    return [SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]


def checker_choices():
    """The roles that check facilities, after "the kind's usual checker"."""
    return [SelectChoice("", _l("Usual for the kind"))] + [SelectChoice(r.value, r.label) for r in CHECKER_ROLES]


class FacilityForm(FlaskForm):
    """A facility of the register; blank checker, interval and checklist take the kind's defaults."""

    name = StringField(
        _l("Facility name"), validators=[DataRequired(), Length(max=80)], description=_l("e.g. 1号楼1号电梯")
    )
    kind = SelectField(_l("Kind"), choices=kind_choices)
    location = StringField(_l("Where"), validators=[Optional(), Length(max=120)], description=_l("e.g. 1号楼大堂"))
    building_id = SelectField(_l("Building"), choices=[], validators=[Optional()])
    checker_role = SelectField(_l("Checked by"), choices=checker_choices, validators=[Optional()])
    contractor = StringField(
        _l("Contractor"),
        validators=[Optional(), Length(max=80)],
        description=_l(
            "The outside firm that does the check, e.g. the lift maintenance contractor. Required for lifts."
        ),
    )
    interval_days = StringField(
        _l("Every (days)"),
        validators=[Optional()],
        description=_l("7, 15, 30, 90, 180 or 365, or any number of days up to 366. Empty: usual for the kind."),
        render_kw={"inputmode": "numeric", "list": "interval-choices", "class": "narrow-input"},
    )
    checklist = TextAreaField(
        _l("Checklist"),
        validators=[Optional()],
        description=_l("One item a line. Empty: the kind's usual checklist."),
        render_kw={"rows": 6},
    )
    first_due_on = DateField(
        _l("First check due"), validators=[DataRequired(), SensibleDate(past_years=2, future_years=2)]
    )

    def values(self):
        """The fields as save_facility takes them."""
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "location": self.location.data,
            "building_id": int(self.building_id.data) if self.building_id.data else None,
            "checker_role": self.checker_role.data,
            "contractor": self.contractor.data,
            "checklist": self.checklist.data or "",
            "interval_days": self.interval_days.data,
            "first_due_on": self.first_due_on.data,
        }


class CheckForm(FlaskForm):
    """A check's note, who did it and its photos (the answers are read item by item)."""

    done_by = StringField(
        _l("Contractor's engineer"),
        validators=[Optional(), Length(max=80)],
        description=_l("The contractor's engineer who did the check."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*", "capture": "environment"})
