"""Forms of the owner's files: add a document, lend the paper file, take it back, edit a document type."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from domain.archives.documents import DEPARTMENTS, MAX_TITLE, type_label
from web.forms import SensibleDate


class DocumentForm(FlaskForm):
    """A paper scanned or photographed into the file."""

    upload = FileField(
        _l("File"),
        render_kw={"accept": "application/pdf,image/jpeg,image/png,image/webp,image/gif"},
        description=_l("A PDF or a photo (JPEG or PNG). On an iPhone, send HEIC photos as JPEG."),
    )
    type_code = SelectField(_l("Document type"), validators=[InputRequired(message=_l("Choose the type."))])
    title = StringField(
        _l("Title"), validators=[Optional(), Length(max=MAX_TITLE)], description=_l("Empty: the type's name.")
    )
    document_date = DateField(
        _l("Date on the paper"),
        validators=[Optional(), SensibleDate()],
        description=_l("Empty: today."),
    )
    resident_id = SelectField(_l("Whose document"), coerce=lambda v: int(v) if v else None, validate_choice=False)

    def fill(self, types, people):
        """Offer the active types and the unit's people (plus "the unit's own paper")."""
        self.type_code.choices = [SelectChoice(t.code, str(type_label(t))) for t in types]
        self.resident_id.choices = [SelectChoice("", _l("The unit's own paper"))] + [
            SelectChoice(p.id, p.name) for p in people
        ]
        return self


class LendForm(FlaskForm):
    """The paper file lent out (借阅); the manager lending it approves it."""

    borrower_name = StringField(
        _l("Borrower"), validators=[DataRequired(message=_l("Who borrows the file?")), Length(max=80)]
    )
    reason = TextAreaField(
        _l("Why"), validators=[DataRequired(message=_l("Say why the file is borrowed.")), Length(max=500)]
    )
    due_on = DateField(
        _l("Due back on"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate(future_years=1)]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class DocumentTypeForm(FlaskForm):
    """One document type of the file."""

    name = StringField(
        _l("Type name"), validators=[DataRequired(message=_l("Name the document type.")), Length(max=60)]
    )
    required = BooleanField(_l("Required for a complete file"))
    department = SelectField(
        _l("Also seen by"),
        choices=[SelectChoice(key, label) for key, label in DEPARTMENTS.items()],
        default="",
        description=_l("The desk, the assistants and the manager see every type."),
    )
    resident_visible = BooleanField(_l("Residents see it in the portal"), default=True)
    is_active = BooleanField(_l("In use"), default=True)
