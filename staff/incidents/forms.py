"""The forms of the incident pages: the phone-first report, a timeline entry, the manager's outcome, reopening.

The domain (domain/incidents/services.py) is the real check; these give early, friendly errors and keep what was
typed."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, Optional

from domain.incidents.models import IncidentKind
from domain.incidents.services import ENTRY_KINDS, KIND_LABELS
from web.forms import LOCAL_INPUT_FORMATS, SensibleDate

#: A short mark per kind for the big buttons of the phone form (the label says the rest).
KIND_ICONS = {
    IncidentKind.FIRE: "🔥",
    IncidentKind.WATER_LEAK: "💧",
    IncidentKind.LIFT_ENTRAPMENT: "🛗",
    IncidentKind.POWER_CUT: "⚡",
    IncidentKind.WATER_CUT: "🚱",
    IncidentKind.GAS: "⚠",
    IncidentKind.INJURY: "✚",
    IncidentKind.THEFT: "🔒",
    IncidentKind.PUBLIC_HEALTH: "☣",
    IncidentKind.OTHER: "…",
}

_CAMERA = {"accept": "image/*", "capture": "environment"}


def kind_choices():
    """The kinds for the radio buttons, in the user's language."""
    return [(kind.value, KIND_LABELS[kind]) for kind in IncidentKind]


class ReportForm(FlaskForm):
    """A special incident, reported on a phone in under a minute."""

    kind = RadioField(
        _l("What happened?"), choices=kind_choices, validators=[DataRequired(_l("Choose what happened."))]
    )
    place = StringField(
        _l("Where"),
        validators=[DataRequired(_l("Say where it happened.")), Length(max=120)],
        render_kw={"maxlength": 120},
    )
    occurred_at = DateTimeLocalField(
        _l("When"),
        format=LOCAL_INPUT_FORMATS,
        validators=[Optional(), SensibleDate()],
        description=_l("Empty: now."),
    )
    description = TextAreaField(
        _l("What happened"), validators=[DataRequired(_l("Say what happened.")), Length(max=4000)]
    )
    people = TextAreaField(
        _l("Who is involved"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Names, units, how many people; optional."),
    )
    unit_label = StringField(
        _l("Unit"),
        validators=[Optional(), Length(max=20)],
        description=_l("Optional, e.g. 1-1203."),
        render_kw={"autocomplete": "off", "inputmode": "text"},
    )
    photos = MultipleFileField(_l("Photos"), render_kw={**_CAMERA, "multiple": True})


class EntryForm(FlaskForm):
    """One entry of the timeline: an action taken, who was notified, people or units affected, a photo."""

    kind = RadioField(
        _l("Entry"),
        choices=lambda: list(ENTRY_KINDS.items()),
        default="action",
        validators=[DataRequired(_l("Choose what the entry is."))],
    )
    body = TextAreaField(_l("Details"), validators=[Optional(), Length(max=4000)])
    photos = MultipleFileField(_l("Photos"), render_kw={**_CAMERA, "multiple": True})


class OutcomeForm(FlaskForm):
    """The manager's outcome, cause analysis and preventive measures (安全管理 四.3)."""

    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=4000)])
    cause = TextAreaField(_l("Cause analysis"), validators=[Optional(), Length(max=4000)])
    measures = TextAreaField(_l("Preventive measures"), validators=[Optional(), Length(max=4000)])


class ReopenForm(FlaskForm):
    """Why a closed incident is reopened."""

    reason = StringField(
        _l("Why reopen"), validators=[DataRequired(_l("Say why the incident is reopened.")), Length(max=500)]
    )
