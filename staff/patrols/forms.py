"""The console's patrol forms: a route with its daily windows, and a checkpoint with its checklist."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from domain.patrols.routes import MAX_CHECKLIST_ITEMS, MAX_WINDOWS

#: How many window rows the route form offers (blank ones are skipped).
WINDOW_ROWS = 4


class WindowForm(FlaskForm):
    """One daily window: a start and an end time (an end before the start crosses midnight)."""

    class Meta:
        csrf = False

    start = StringField(_l("From"), validators=[Optional(), Length(max=5)], render_kw={"type": "time"})
    end = StringField(_l("To"), validators=[Optional(), Length(max=5)], render_kw={"type": "time"})


class RouteForm(FlaskForm):
    """A patrol route: name, who walks it, the area it covers, what it is for and its daily windows."""

    name = StringField(_l("Route name"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_l("Walked by"), choices=[])
    area_id = SelectField(_l("Assistant's area"), choices=[], validate_choice=False)
    description = TextAreaField(_l("Notes for the patroller"), validators=[Length(max=2000)], render_kw={"rows": 3})
    window_rows = FieldList(FormField(WindowForm), min_entries=WINDOW_ROWS, max_entries=MAX_WINDOWS)

    def window_pairs(self):
        """The windows as typed, [(start, end)]; blank rows included (the service skips them)."""
        return [(row.start.data or "", row.end.data or "") for row in self.window_rows]


class CheckpointForm(FlaskForm):
    """A checkpoint: its name, where its label hangs, what to look at and the checklist, one item per line."""

    name = StringField(_l("Checkpoint"), validators=[DataRequired(), Length(max=80)])
    place = StringField(_l("Where the label hangs"), validators=[Length(max=120)])
    look_for = TextAreaField(_l("What to look at"), validators=[Length(max=1000)], render_kw={"rows": 2})
    checklist = TextAreaField(
        _l("Checklist"),
        validators=[DataRequired()],
        description=_l(
            "One item per line, at most %(n)s; each is answered “OK” or “fault” on the round.", n=MAX_CHECKLIST_ITEMS
        ),
        render_kw={"rows": 4},
    )


class MoveForm(FlaskForm):
    """Move a checkpoint up or down."""

    direction = HiddenField(validators=[DataRequired()])
