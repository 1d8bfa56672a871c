"""Forms of the resident's renovation application."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from domain.renovation.applications import SCOPE_LABELS, SCOPES
from web.forms import Checkboxes, SensibleDate


class StartForm(FlaskForm):
    """Which unit the renovation is for."""

    unit_id = SelectField(_l("Unit"), coerce=int, choices=[], validate_choice=False)


class ApplicationForm(FlaskForm):
    """What the works are, who does them, and when."""

    scope = Checkboxes(_l("What the works touch"), choices=lambda: [(k, str(SCOPE_LABELS[k])) for k in SCOPES])
    description = TextAreaField(
        _l("Describe the works"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 4}
    )
    contractor_company = StringField(_l("Contractor (company)"), validators=[Optional(), Length(max=120)])
    contractor_licence = StringField(_l("Licence number"), validators=[Optional(), Length(max=60)])
    contractor_person = StringField(_l("Person in charge"), validators=[Optional(), Length(max=80)])
    contractor_phone = StringField(_l("Phone of the person in charge"), validators=[Optional(), Length(max=20)])
    planned_start = DateField(_l("Works start on"), validators=[Optional(), SensibleDate()])
    planned_end = DateField(_l("Works end on"), validators=[Optional(), SensibleDate()])
    work_from = TimeField(_l("Daily from"), validators=[Optional()])
    work_until = TimeField(_l("Daily until"), validators=[Optional()])

    def values(self):
        """The typed values for the domain service."""
        return {
            name: getattr(self, name).data
            for name in (
                "scope",
                "description",
                "contractor_company",
                "contractor_licence",
                "contractor_person",
                "contractor_phone",
                "planned_start",
                "planned_end",
                "work_from",
                "work_until",
            )
        }


class WorkerForm(FlaskForm):
    """A worker to register."""

    worker_name = StringField(_l("Worker's name"), validators=[DataRequired(), Length(max=80)])
    worker_phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=20)])
    worker_id = StringField(
        _l("ID card number"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Only the masked number is kept."),
        render_kw={"autocomplete": "off"},
    )


class DocumentsForm(FlaskForm):
    """Drawings and documents."""

    documents = MultipleFileField(
        _l("Drawings and documents (PDF or pictures)"), render_kw={"accept": "application/pdf,image/*"}
    )


class SubmitForm(FlaskForm):
    """The signed undertakings."""

    accept_undertakings = BooleanField(
        _l(
            "I accept the renovation undertaking and the fire-safety agreement "
            "(防火责任协议书), and will keep to the approved scope, dates and hours."
        )
    )
    signed_name = StringField(_l("Sign by typing your full name"), validators=[Optional(), Length(max=80)])


class NoteForm(FlaskForm):
    """A message on the timeline, or the note of a staff step."""

    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2})
